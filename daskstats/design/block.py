"""One partition of a model's data, and the counts and ranges checked before a fit."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from daskstats.formula.matrices import column_extremes
from daskstats.partials import Partial, combine_all, concatenated, largest, nested, smallest, summed

__all__ = [
    "Block",
    "concatenate",
    "dense_dot",
    "dense_matrix",
    "dense_tdot",
    "head",
    "pool",
    "ColumnRange",
    "DataSummary",
    "likelihood_weights",
    "row_weights",
    "stored_summary",
    "summarize",
]


@dataclass(frozen=True, eq=False)
class Block:
    """The rows of one partition as the kernels read them.

    Attributes
    ----------
    X : ndarray of shape (n, p_dense) or (n, p_dense - 1)
        Dense design columns (float64, any strides: with a formula of plain numeric columns,
        a read-only view of the partition's own columns, not a copy). With ``ones``, every
        dense column but the first, a column of ones that is not stored.
    y : ndarray of shape (n,)
        Response (proportions for a two-column binomial response).
    codes : ndarray of shape (k, n), or ()
        Each row's combined level in every coded term (:class:`~daskstats.design.layout.Layout`),
        int16 (int32 when a term has more levels), term-major: the compiled kernels read one
        term's codes (or a pair's) as contiguous rows.
    values : tuple of ndarray or None
        Per coded term, each row's value in its column (the product of the term's numeric
        factors), or None when the term has no numeric factor (the value is 1).
    offset : ndarray of shape (n,) or None
        Offset plus log(exposure).
    freq_weights, var_weights : ndarray of shape (n,) or None
        None means all ones.
    trials : ndarray of shape (n,) or None
        Binomial trials of a two-column response.
    groups : pandas.DataFrame or None
        Cluster-group columns of the kept rows.
    kept : ndarray of int or None
        Positions, in the partition, of the rows kept (None: every row; rows with missing
        values are dropped).
    summary : DataSummary or None
        Counts and ranges computed when the block was built.
    ones : bool
        The dense design is ``[1, X]``: an intercept column first, implied (kernels add
        ``β₀`` to ``Xβ`` and ``Σ r`` to ``Xᵀr``; :func:`dense_matrix` materializes it).
    """

    X: np.ndarray
    y: np.ndarray
    codes: np.ndarray | tuple = ()
    values: tuple[np.ndarray | None, ...] = ()
    offset: np.ndarray | None = None
    freq_weights: np.ndarray | None = None
    var_weights: np.ndarray | None = None
    trials: np.ndarray | None = None
    groups: pd.DataFrame | None = None
    kept: np.ndarray | None = None
    summary: DataSummary | None = None
    ones: bool = False

    @property
    def nrows(self) -> int:
        return self.y.shape[0]

    @property
    def n_dense(self) -> int:
        """Dense design columns, the implied column of ones included."""
        return self.X.shape[1] + int(self.ones)

    def term_codes(self) -> tuple[np.ndarray, ...]:
        """Each coded term's codes, shape (n,) each (views)."""
        codes = self.codes
        if isinstance(codes, np.ndarray) and codes.ndim == 2:
            return tuple(codes)
        return tuple(codes)


def dense_matrix(X: np.ndarray, ones: bool) -> np.ndarray:
    """The dense design of rows ``X`` (a C-ordered copy with the column of ones first when it
    is implied; ``X`` itself otherwise)."""
    if not ones:
        return X
    out = np.empty((X.shape[0], X.shape[1] + 1))
    out[:, 0] = 1.0
    out[:, 1:] = X
    return out


def _product(X: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``X v``: ``numpy.dot`` releases the GIL (``@`` holds it) but copies an ``X`` that is
    not contiguous (rows of column-stored data: 7x slower measured); ``@`` reads it in place."""
    return np.dot(X, v) if X.flags.c_contiguous or X.flags.f_contiguous else X @ v


def dense_dot(X: np.ndarray, ones: bool, coefficients: np.ndarray) -> np.ndarray:
    """``D β`` for the dense design ``D`` of rows ``X`` (a new array)."""
    if not ones:
        return _product(X, coefficients)
    product = _product(X, coefficients[1:])
    product += coefficients[0]
    return product


def dense_tdot(X: np.ndarray, ones: bool, r: np.ndarray) -> np.ndarray:
    """``Dᵀ r`` for the dense design ``D`` of rows ``X`` (``r`` of shape (n,) or (n, k))."""
    if not ones:
        return _product(X.T, r)
    return np.concatenate([np.sum(r, axis=0, keepdims=True), _product(X.T, r)])


@dataclass(frozen=True)
class ColumnRange(Partial):
    """Smallest and largest value of a column, and how many are not finite."""

    min: float = smallest()
    max: float = largest()
    nonfinite: int = summed(0)

    @classmethod
    def of(cls, values: np.ndarray) -> ColumnRange:
        if len(values) == 0:
            return cls()
        return cls(
            float(values.min()), float(values.max()), int(np.count_nonzero(~np.isfinite(values)))
        )


@dataclass(frozen=True)
class DataSummary(Partial):
    """Counts and ranges of the used rows (summed over partitions before a fit).

    Attributes
    ----------
    nobs : int
        Rows used.
    wnobs : float
        Sum of the frequency weights (rows without them).
    sum_y, sum_iw, sum_iwy : float
        ``Σ y``, ``Σ f v n`` and ``Σ f v n y`` (starting values, the null model's mean).
    nonfinite_X, nonfinite_y : int
    dropped : int
        Rows dropped for missing values.
    lengths : tuple of int
        Rows used per partition, in partition order.
    sizes : tuple of int
        Rows per partition before any was dropped.
    x_min, x_max : ndarray of shape (p_dense,)
        Smallest and largest value of every dense column (constant columns, statsmodels'
        ``const``).
    y : ColumnRange
    exposure_min : float
    offset, freq_weights, var_weights : ColumnRange or None
    """

    nobs: int = summed(0)
    wnobs: float = summed()
    sum_y: float = summed()
    sum_iw: float = summed()
    sum_iwy: float = summed()
    nonfinite_X: int = summed(0)
    nonfinite_y: int = summed(0)
    dropped: int = summed(0)
    lengths: tuple = concatenated()
    sizes: tuple = concatenated()
    x_min: np.ndarray | None = smallest(None)
    x_max: np.ndarray | None = largest(None)
    y: ColumnRange = nested()
    exposure_min: float = smallest()
    offset: ColumnRange | None = nested()
    freq_weights: ColumnRange | None = nested()
    var_weights: ColumnRange | None = nested()

    @property
    def y_mean(self) -> float:
        """Unweighted mean response (statsmodels' starting values use it)."""
        return self.sum_y / self.nobs

    @property
    def constant_var_weights(self) -> bool:
        vw = self.var_weights
        return vw is None or vw.min == vw.max


def row_weights(block: Block) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The prior weights of a block's rows.

    Returns
    -------
    prior : ndarray of shape (n,) or None
        ``f · v`` (frequency times variance weights): the weight of a row's deviance and
        log-likelihood.
    iweights : ndarray of shape (n,) or None
        ``f · v · n`` with the binomial trials ``n``: the weight of a row's IRLS weight,
        Pearson residual and score.

    ``None`` means all ones (no products with arrays of ones in the common case).
    """
    prior = None
    for factor in (block.freq_weights, block.var_weights):
        if factor is not None:
            prior = factor if prior is None else prior * factor
    if block.trials is None:
        return prior, prior
    return prior, block.trials if prior is None else prior * block.trials


def likelihood_weights(block: Block) -> tuple[np.ndarray, np.ndarray]:
    """Frequency and variance weights as arrays (ones when absent), as statsmodels'
    ``loglike_obs`` takes them."""
    ones = np.ones(block.nrows)
    return (
        ones if block.freq_weights is None else block.freq_weights,
        ones if block.var_weights is None else block.var_weights,
    )


def _column_ranges(
    X: np.ndarray, known: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Per-column smallest and largest values of ``X`` (``known`` when already read) and how
    many of its values are not finite (counted only when a range is not finite)."""
    low, high = known if known is not None else column_extremes(X)
    finite = bool(np.isfinite(low).all() and np.isfinite(high).all())
    return low, high, 0 if finite else int(np.count_nonzero(~np.isfinite(X)))


def summarize(
    block: Block,
    *,
    exposure: np.ndarray | None = None,
    dropped: int = 0,
    x_range: tuple[np.ndarray, np.ndarray] | None = None,
) -> DataSummary:
    """Counts and ranges of one block's rows (``exposure``: the raw exposure, before its log
    joined the offset; ``x_range``: the minima and maxima of ``block.X``'s columns, when
    already read)."""
    nrows = block.nrows
    y = block.y
    _, iweights = row_weights(block)
    iw = np.ones(nrows) if iweights is None else iweights
    freq_weights = block.freq_weights
    x_min = x_max = None
    nonfinite_X = 0
    if nrows:
        x_min, x_max, nonfinite_X = _column_ranges(block.X, x_range)
        if block.ones:
            x_min, x_max = np.r_[1.0, x_min], np.r_[1.0, x_max]
    return DataSummary(
        nobs=nrows,
        wnobs=float(nrows if freq_weights is None else freq_weights.sum()),
        sum_y=float(y.sum()),
        sum_iw=float(iw.sum()),
        sum_iwy=float(np.dot(iw, y)),
        nonfinite_X=nonfinite_X
        + sum(int(np.count_nonzero(~np.isfinite(v))) for v in block.values if v is not None),
        nonfinite_y=int(np.count_nonzero(~np.isfinite(y))),
        dropped=dropped,
        lengths=(nrows,),
        sizes=(nrows + dropped,),
        x_min=x_min,
        x_max=x_max,
        y=ColumnRange.of(y),
        exposure_min=float(exposure.min()) if exposure is not None and nrows else np.inf,
        offset=_range_of(block.offset),
        freq_weights=_range_of(freq_weights),
        var_weights=_range_of(block.var_weights),
    )


def _range_of(values: np.ndarray | None) -> ColumnRange | None:
    return None if values is None else ColumnRange.of(values)


def stored_summary(block: Block) -> DataSummary:
    """The summary a block computed when it was built (a "kernel" that reads no rows)."""
    if block.summary is None:
        raise ValueError("the block was built without its summary")
    return block.summary


def _row_arrays(source: Block, rows: slice) -> dict:
    """``rows`` of every per-row array of ``source`` (views), as ``Block`` fields."""

    def cut(values):
        return None if values is None else values[rows]

    codes = source.codes[:, rows] if isinstance(source.codes, np.ndarray) else source.codes
    return {
        "X": source.X[rows],
        "y": source.y[rows],
        "codes": codes,
        "values": tuple(cut(v) for v in source.values),
        "offset": cut(source.offset),
        "freq_weights": cut(source.freq_weights),
        "var_weights": cut(source.var_weights),
        "trials": cut(source.trials),
    }


def head(block: Block, rows: int) -> Block:
    """The first ``rows`` rows of a block (its summary dropped)."""
    keep = slice(0, rows)
    return dataclasses.replace(
        block,
        **_row_arrays(block, keep),
        groups=None if block.groups is None else block.groups.iloc[keep],
        kept=None if block.kept is None else block.kept[keep],
        summary=None,
    )


def concatenate(blocks: list[Block]) -> Block:
    """One block holding the rows of ``blocks`` in order (their summaries dropped)."""

    def join(values):
        return None if values[0] is None else np.concatenate(values)

    first = blocks[0]
    if any(b.ones != first.ones for b in blocks):
        raise ValueError("blocks with and without an implied column of ones")
    codes = first.codes
    if isinstance(codes, np.ndarray):
        codes = np.concatenate([b.codes for b in blocks], axis=1)
    return Block(
        X=np.concatenate([b.X for b in blocks]),
        y=np.concatenate([b.y for b in blocks]),
        codes=codes,
        values=tuple(join([b.values[t] for b in blocks]) for t in range(len(first.values))),
        offset=join([b.offset for b in blocks]),
        freq_weights=join([b.freq_weights for b in blocks]),
        var_weights=join([b.var_weights for b in blocks]),
        trials=join([b.trials for b in blocks]),
        ones=first.ones,
    )


def pool(*blocks: Block) -> tuple[Block, ...]:
    """``blocks`` as one pooled block (with their summaries combined, in order), followed by
    each block again as a view of the pooled one's rows (its kept rows, groups and summary
    unchanged): the design is held once."""
    pooled = concatenate(list(blocks))
    summaries = [b.summary for b in blocks if b.summary is not None]
    if len(summaries) == len(blocks):
        pooled = dataclasses.replace(pooled, summary=combine_all(summaries))
    views = []
    start = 0
    for block in blocks:
        rows = slice(start, start + block.nrows)
        start = rows.stop
        views.append(dataclasses.replace(block, **_row_arrays(pooled, rows)))
    return (pooled, *views)
