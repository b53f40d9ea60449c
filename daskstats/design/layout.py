"""Where the columns of the design live: dense columns, and categorical terms kept as integer
level codes instead of indicator columns. Plain, picklable data (numpy arrays, names, levels).

For a categorical term with many levels (fixed effects, a 200-level region), indicator columns
would make every pass cost O(n·L²) and the design O(n·L) memory. Kept as codes, its blocks of
``XᵀWX`` are a ``bincount`` (level × level, diagonal) and level sums of the dense columns
(level × dense), see :mod:`daskstats.kernels.gram`; the system is solved by eliminating the
diagonal block (:mod:`daskstats.linalg.blocked`). Term names, column order and results are
those of patsy/statsmodels with indicator columns.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import numpy as np

__all__ = ["CodedTerm", "Layout", "Coefficients"]


@dataclass(frozen=True, eq=False)
class CodedTerm:
    """A categorical term whose contrast selects one column per level.

    Attributes
    ----------
    name : str
        The term's name (``C(g)``).
    factor_code : str
        Its patsy factor's code (how its level codes are evaluated).
    columns : ndarray of int, shape (k,)
        Positions of its k columns in the full parameter vector.
    level_column : ndarray of int, shape (L,)
        Column (0..k-1) of each level, -1 for the reference level.
    levels : tuple
        The learned levels, in patsy's order.
    """

    name: str
    factor_code: str
    columns: np.ndarray
    level_column: np.ndarray
    levels: tuple

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    @property
    def has_column(self) -> np.ndarray:
        """Levels that have a column (all but the reference level), shape (L,) bool."""
        return self.level_column >= 0

    def level_values(self, params: np.ndarray) -> np.ndarray:
        """Coefficient of each level (0 for the reference level), shape (L,)."""
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
        Per coded term, the coefficient of each level (0 for its reference level).
    """

    dense: np.ndarray
    levels: tuple[np.ndarray, ...] = ()


@dataclass(frozen=True, eq=False)
class Layout:
    """Dense columns plus the categorical terms kept as level codes.

    Attributes
    ----------
    n_params : int
    dense : ndarray of int
        Positions of the dense columns in the full parameter vector.
    coded : tuple of CodedTerm
    dense_terms : tuple of str or None
        Names of the terms built as dense columns (None: every term, no coded term).
    """

    n_params: int
    dense: np.ndarray
    coded: tuple[CodedTerm, ...] = ()
    dense_terms: tuple[str, ...] | None = None
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

    def split(self, params: np.ndarray) -> Coefficients:
        """``params`` (length ``n_params``) as dense coefficients and per-level values."""
        params = np.asarray(params, dtype=float)
        if not self.coded:
            return Coefficients(params)
        return Coefficients(params[self.dense], tuple(t.level_values(params) for t in self.coded))

    def scatter(self, dense_values: np.ndarray, level_values: tuple = ()) -> np.ndarray:
        """A length-``n_params`` vector in parameter order from per-dense-column values and,
        per coded term, per-level values (the reference level's value is dropped)."""
        out = np.zeros(self.n_params)
        out[self.dense] = dense_values
        for term, values in zip(self.coded, level_values):
            has = term.has_column
            out[term.columns[term.level_column[has]]] = values[has]
        return out
