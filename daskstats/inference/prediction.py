"""Predictions with standard errors and confidence intervals, computed lazily per partition.

statsmodels' ``GLMResults.get_prediction(...).summary_frame(alpha)``: the linear predictor's
variance is ``x V xᵀ``; the mean's standard error is ``|dμ/dη|`` times its square root (delta
method); the mean's interval is the linear predictor's interval mapped through the inverse
link ("endpoint" method), or ``mean ± q·se`` for an identity-like link.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["PredictionResults", "prediction_frame"]

COLUMNS = ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper"]


def _is_identity_like(link) -> bool:
    tmp = np.linspace(0, 1, 6)
    with np.errstate(all="ignore"):
        return bool(np.all(link.inverse(tmp) == tmp))


def prediction_frame(eta, X, codes, layout, family, cov, alpha: float, dist_args) -> dict:
    """The summary-frame columns for rows with linear predictor ``eta``."""
    link = family.link
    se_linear = np.sqrt(layout.quadratic_form(X, codes, cov))
    mean = family.fitted(eta)
    mean_se = np.abs(link.inverse_deriv(eta)) * se_linear
    dist, args = dist_args
    q = dist.ppf(1 - alpha / 2.0, *args)
    if _is_identity_like(link):
        lower, upper = mean - q * mean_se, mean + q * mean_se
    else:
        lower, upper = link.inverse(eta - q * se_linear), link.inverse(eta + q * se_linear)
    return {"mean": mean, "mean_se": mean_se, "mean_ci_lower": lower, "mean_ci_upper": upper}


class PredictionResults:
    """Lazy prediction results (statsmodels' ``PredictionResultsMean`` look-alike).

    Attributes
    ----------
    predicted_mean, se_mean : dask.dataframe.Series
        Lazy; ``.compute()`` to get pandas objects.
    """

    def __init__(self, make_frame, df: float, use_t: bool):
        self._make_frame = make_frame
        self.df = df
        self.use_t = use_t
        self.dist_args = (stats.t, (df,)) if use_t else (stats.norm, ())

    def summary_frame(self, alpha: float = 0.05):
        """Columns ``mean``, ``mean_se``, ``mean_ci_lower``, ``mean_ci_upper`` (lazy)."""
        return self._make_frame(alpha, self.dist_args)

    def conf_int(self, alpha: float = 0.05):
        """Lower and upper confidence limits of the mean (lazy dask DataFrame)."""
        return self.summary_frame(alpha)[["mean_ci_lower", "mean_ci_upper"]]

    @property
    def predicted_mean(self):
        return self.summary_frame()["mean"]

    @property
    def se_mean(self):
        return self.summary_frame()["mean_se"]


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS})
