"""Predictions with standard errors and confidence intervals, computed lazily per partition
(statsmodels' ``GLMResults.get_prediction(...).summary_frame(alpha)``; the per-row formulas are
:func:`daskstats.kernels.rows.prediction_values`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from scipy import stats

__all__ = ["PredictionResults", "empty_frame", "COLUMNS"]

COLUMNS = ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper"]


class PredictionResults:
    """Lazy prediction results (statsmodels' ``PredictionResultsMean`` look-alike).

    Attributes
    ----------
    predicted_mean, se_mean : dask.dataframe.Series
        Lazy; ``.compute()`` to get pandas objects.
    """

    def __init__(self, make_frame: Callable[[float, tuple], Any], df: float, use_t: bool):
        self._make_frame = make_frame
        self.df = df
        self.use_t = use_t
        self.dist_args = (stats.t, (df,)) if use_t else (stats.norm, ())

    def summary_frame(self, alpha: float = 0.05) -> Any:
        """Columns ``mean``, ``mean_se``, ``mean_ci_lower``, ``mean_ci_upper`` (lazy)."""
        return self._make_frame(alpha, self.dist_args)

    def conf_int(self, alpha: float = 0.05) -> Any:
        """Lower and upper confidence limits of the mean (lazy dask DataFrame)."""
        return self.summary_frame(alpha)[["mean_ci_lower", "mean_ci_upper"]]

    @property
    def predicted_mean(self) -> Any:
        return self.summary_frame()["mean"]

    @property
    def se_mean(self) -> Any:
        return self.summary_frame()["mean_se"]


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS})
