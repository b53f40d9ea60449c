"""Where the columns of the design live: dense columns, and categorical terms kept as integer
level codes instead of indicator columns. Plain, picklable data (numpy arrays, names, levels).

A *coded term* is a part of a formula term (patsy's subterm) in which every row has at most one
non-zero column: its categorical factors' levels select the column — the combination of levels
for an interaction ``C(a):C(b)`` — and the value in it is 1, or the product of its numeric
factors (``C(a):x``). Kept as codes, a pass costs O(n) per coded term instead of O(n·L) per
indicator column: the term's block of ``XᵀWX`` is diagonal (a ``bincount``), its cross blocks
are level sums (:mod:`daskstats.kernels.gram`), and the system is solved by eliminating the
largest diagonal block (:mod:`daskstats.linalg.blocked`). Term names, column order and results
are those of patsy/statsmodels with indicator columns.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import numpy as np

__all__ = ["CodedTerm", "Layout", "Coefficients"]


@dataclass(frozen=True, eq=False)
class CodedTerm:
    """A (sub)term whose rows each have at most one non-zero column.

    Attributes
    ----------
    name : str
        The formula term's name (``C(g)``, ``C(a):C(b)``, ``C(a):x``).
    factor_codes : tuple of str
        Its categorical factors' codes, in patsy's order.
    sizes : tuple of int
        Their numbers of levels.
    factor_levels : tuple of tuple
        Their learned levels, in patsy's order.
    value_codes : tuple of str
        Its numeric factors (one column each); a row's value is their product (1 when none).
    columns : ndarray of int, shape (k,)
        Positions of its k columns in the full parameter vector.
    level_column : ndarray of int, shape (L,)
        For every combined level (the first factor varies fastest, as patsy's columns), its
        column (0..k-1), or -1 when the combination has none (a reference level).
    """

    name: str
    factor_codes: tuple[str, ...]
    sizes: tuple[int, ...]
    factor_levels: tuple[tuple, ...]
    value_codes: tuple[str, ...]
    columns: np.ndarray
    level_column: np.ndarray

    @property
    def n_levels(self) -> int:
        """Combined levels ``L`` (the product of the factors' levels)."""
        return len(self.level_column)

    @property
    def has_values(self) -> bool:
        return bool(self.value_codes)

    @property
    def has_column(self) -> np.ndarray:
        """Levels that have a column, shape (L,) bool."""
        return self.level_column >= 0

    @property
    def code_dtype(self) -> type:
        """The smallest integer type of its codes (memory: one integer per row)."""
        return np.int16 if self.n_levels <= np.iinfo(np.int16).max else np.int32

    def combine_codes(self, codes: list[np.ndarray]) -> np.ndarray:
        """Combined level of every row from its factors' level codes."""
        if len(codes) == 1:
            return np.asarray(codes[0]).astype(self.code_dtype)
        combined = np.zeros(len(codes[0]), dtype=np.int64)
        stride = 1
        for factor_codes, size in zip(codes, self.sizes):
            combined += stride * np.asarray(factor_codes, dtype=np.int64)
            stride *= size
        return combined.astype(self.code_dtype)

    def level_values(self, params: np.ndarray) -> np.ndarray:
        """Coefficient of each combined level (0 where it has no column), shape (L,)."""
        values = np.zeros(self.n_levels)
        has = self.has_column
        values[has] = params[self.columns[self.level_column[has]]]
        return values

    def in_column_order(self) -> np.ndarray:
        """Levels that have a column, ordered by their column (indexes into 0..L-1)."""
        has = np.flatnonzero(self.has_column)
        return has[np.argsort(self.level_column[has])]


@dataclass(frozen=True)
class Coefficients:
    """A parameter vector split the way the kernels use it.

    Attributes
    ----------
    dense : ndarray of shape (p_dense,)
        Coefficients of the dense columns.
    levels : tuple of ndarray
        Per coded term, the coefficient of each combined level (0 where it has no column).
    """

    dense: np.ndarray
    levels: tuple[np.ndarray, ...] = ()


@dataclass(frozen=True, eq=False)
class Layout:
    """Dense columns plus the terms kept as level codes.

    Attributes
    ----------
    n_params : int
    dense : ndarray of int
        Positions of the dense columns in the full parameter vector.
    coded : tuple of CodedTerm
    dense_terms : tuple of str or None
        Names of the terms built as dense columns (None: every term, no coded term).
    intercept : int or None
        Index among the dense columns of the intercept (a column of ones), if there is one.
    """

    n_params: int
    dense: np.ndarray
    coded: tuple[CodedTerm, ...] = ()
    dense_terms: tuple[str, ...] | None = None
    intercept: int | None = None
    token: str = field(default_factory=lambda: uuid.uuid4().hex, compare=False)

    @classmethod
    def dense_only(cls, n_params: int) -> Layout:
        """All columns dense."""
        return cls(n_params, np.arange(n_params))

    def __dask_tokenize__(self) -> str:
        return self.token

    @property
    def n_dense(self) -> int:
        return len(self.dense)

    @property
    def eliminated(self) -> int | None:
        """The coded term whose diagonal block the solve eliminates (the widest), or None."""
        if not self.coded:
            return None
        return int(np.argmax([len(t.columns) for t in self.coded]))

    @property
    def n_rest(self) -> int:
        """Parameters of the dense system left after eliminating the widest coded term."""
        e = self.eliminated
        return self.n_params - (0 if e is None else len(self.coded[e].columns))

    def split(self, params: np.ndarray) -> Coefficients:
        """``params`` (length ``n_params``) as dense coefficients and per-level values."""
        params = np.asarray(params, dtype=float)
        if not self.coded:
            return Coefficients(params)
        return Coefficients(params[self.dense], tuple(t.level_values(params) for t in self.coded))

    def scatter(self, dense_values: np.ndarray, level_values: tuple = ()) -> np.ndarray:
        """A length-``n_params`` vector in parameter order from per-dense-column values and,
        per coded term, per-level values (levels without a column are dropped)."""
        out = np.zeros(self.n_params)
        out[self.dense] = dense_values
        for term, values in zip(self.coded, level_values):
            has = term.has_column
            out[term.columns[term.level_column[has]]] = values[has]
        return out
