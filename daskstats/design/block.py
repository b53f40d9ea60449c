"""One partition of a model's data, and the counts and ranges checked before a fit."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from daskstats.partials import Partial, combine_all, concatenated, largest, nested, smallest, summed

__all__ = [
    "Block",
    "concatenate",
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
    X : ndarray of shape (n, p_dense)
        Dense design columns (C-contiguous float64).
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

    @property
    def nrows(self) -> int:
        return self.y.shape[0]

    def term_codes(self) -> tuple[np.ndarray, ...]:
        """Each coded term's codes, shape (n,) each (views)."""
        codes = self.codes
        if isinstance(codes, np.ndarray) and codes.ndim == 2:
            return tuple(codes)
        return tuple(codes)


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


def summarize(block: Block, *, exposure: np.ndarray | None = None, dropped: int = 0) -> DataSummary:
    """Counts and ranges of one block's rows (``exposure``: the raw exposure, before its log
    joined the offset)."""
    nrows = block.nrows
    y = block.y
    _, iweights = row_weights(block)
    iw = np.ones(nrows) if iweights is None else iweights
    freq_weights = block.freq_weights
    return DataSummary(
        nobs=nrows,
        wnobs=float(nrows if freq_weights is None else freq_weights.sum()),
        sum_y=float(y.sum()),
        sum_iw=float(iw.sum()),
        sum_iwy=float(np.dot(iw, y)),
        nonfinite_X=int(nrows and np.count_nonzero(~np.isfinite(block.X)))
        + sum(int(np.count_nonzero(~np.isfinite(v))) for v in block.values if v is not None),
        nonfinite_y=int(np.count_nonzero(~np.isfinite(y))),
        dropped=dropped,
        lengths=(nrows,),
        sizes=(nrows + dropped,),
        # reduceat over one segment: 4x faster than min(axis=0) on a narrow C-ordered array
        x_min=np.minimum.reduceat(block.X, [0], axis=0)[0] if nrows else None,
        x_max=np.maximum.reduceat(block.X, [0], axis=0)[0] if nrows else None,
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


def head(block: Block, rows: int) -> Block:
    """The first ``rows`` rows of a block (its summary dropped)."""
    keep = slice(0, rows)

    def cut(values):
        return None if values is None else values[keep]

    codes = block.codes[:, keep] if isinstance(block.codes, np.ndarray) else block.codes
    return Block(
        X=block.X[keep],
        y=block.y[keep],
        codes=codes,
        values=tuple(cut(v) for v in block.values),
        offset=cut(block.offset),
        freq_weights=cut(block.freq_weights),
        var_weights=cut(block.var_weights),
        trials=cut(block.trials),
        groups=None if block.groups is None else block.groups.iloc[keep],
        kept=cut(block.kept),
    )


def concatenate(blocks: list[Block]) -> Block:
    """One block holding the rows of ``blocks`` in order (their summaries dropped)."""

    def join(values):
        return None if values[0] is None else np.concatenate(values)

    first = blocks[0]
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

        def cut(values, rows=rows):
            return None if values is None else values[rows]

        codes = pooled.codes[:, rows] if isinstance(pooled.codes, np.ndarray) else block.codes
        views.append(
            dataclasses.replace(
                block,
                X=pooled.X[rows],
                y=pooled.y[rows],
                codes=codes,
                values=tuple(cut(v) for v in pooled.values),
                offset=cut(pooled.offset),
                freq_weights=cut(pooled.freq_weights),
                var_weights=cut(pooled.var_weights),
                trials=cut(pooled.trials),
            )
        )
    return (pooled, *views)
