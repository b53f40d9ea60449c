"""One partition of a model's data, and the counts and ranges checked before a fit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from daskstats.partials import Partial, concatenated, largest, nested, smallest, summed

__all__ = ["Block", "ColumnRange", "DataSummary", "summarize", "stored_summary"]


@dataclass(frozen=True, eq=False)
class Block:
    """The rows of one partition as the kernels read them.

    Attributes
    ----------
    X : ndarray of shape (n, p_dense)
        Dense design columns (C-contiguous float64).
    y : ndarray of shape (n,)
        Response (proportions for a two-column binomial response).
    codes : tuple of ndarray
        Per coded categorical term (:class:`~daskstats.design.layout.Layout`), each row's
        level index (int32).
    offset : ndarray of shape (n,) or None
        Offset plus log(exposure).
    freq_weights, var_weights : ndarray of shape (n,) or None
        None means all ones.
    trials : ndarray of shape (n,) or None
        Binomial trials of a two-column response.
    groups : pandas.DataFrame or None
        Cluster-group columns of the kept rows.
    summary : DataSummary or None
        Counts and ranges computed when the block was built.
    """

    X: np.ndarray
    y: np.ndarray
    codes: tuple[np.ndarray, ...] = ()
    offset: np.ndarray | None = None
    freq_weights: np.ndarray | None = None
    var_weights: np.ndarray | None = None
    trials: np.ndarray | None = None
    groups: pd.DataFrame | None = None
    summary: DataSummary | None = None

    @property
    def nrows(self) -> int:
        return self.y.shape[0]


@dataclass(frozen=True)
class ColumnRange(Partial):
    """Smallest and largest value of a column, and how many are not finite."""

    min: float = smallest()
    max: float = largest()
    nonfinite: int = summed(0)

    @classmethod
    def of(cls, values: np.ndarray | None) -> ColumnRange | None:
        if values is None:
            return None
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
        Rows per partition, in partition order.
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


def summarize(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray | None,
    freq_weights: np.ndarray | None,
    var_weights: np.ndarray | None,
    trials: np.ndarray | None,
    *,
    exposure: np.ndarray | None = None,
    dropped: int = 0,
) -> DataSummary:
    """Counts and ranges of one partition's rows."""
    nrows = y.shape[0]
    iw = np.ones(nrows)
    for factor in (freq_weights, var_weights, trials):
        if factor is not None:
            iw = iw * factor
    return DataSummary(
        nobs=nrows,
        wnobs=float(nrows if freq_weights is None else freq_weights.sum()),
        sum_y=float(y.sum()),
        sum_iw=float(iw.sum()),
        sum_iwy=float(np.dot(iw, y)),
        nonfinite_X=int(nrows and np.count_nonzero(~np.isfinite(X))),
        nonfinite_y=int(np.count_nonzero(~np.isfinite(y))),
        dropped=dropped,
        lengths=(nrows,),
        y=ColumnRange.of(y),
        exposure_min=float(exposure.min()) if exposure is not None and nrows else np.inf,
        offset=ColumnRange.of(offset),
        freq_weights=ColumnRange.of(freq_weights),
        var_weights=ColumnRange.of(var_weights),
    )


def stored_summary(block: Block) -> DataSummary:
    """The summary a block computed when it was built (a "kernel" that reads no rows)."""
    return block.summary
