"""Hypothesis tests: statsmodels' own ``t_test``, ``f_test``, ``wald_test`` and
``wald_test_terms`` run on a small view of a daskstats fit, plus the likelihood-ratio test.

statsmodels' implementations only need the estimates, their covariance, the column names and
the formula's term layout, all of which a fit holds in memory; so the tests (constraint
parsing, statistics, result types) are exactly statsmodels'.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
from scipy import stats
from statsmodels.base.model import LikelihoodModelResults

__all__ = ["StatsmodelsView", "lr_test"]


class StatsmodelsView:
    """The attributes statsmodels' test methods read, taken from a daskstats fit."""

    def __init__(self, results: Any):
        self.params = results.params_array
        self._cov = np.asarray(results.cov_params())
        self.normalized_cov_params = results.normalized_cov_params
        self.cov_params_default = self._cov
        self.df_resid = results.df_resid
        if results.df_resid_inference is not None:
            self.df_resid_inference = results.df_resid_inference
        self.use_t = results.use_t
        self.scale = getattr(results, "scale", 1.0)
        names = list(results.estimates.index)
        data = SimpleNamespace(
            cov_names=names,
            param_names=names,
            xnames=names,
            model_spec=results.model.term_info,
        )
        self.model = SimpleNamespace(data=data, exog_names=names)

    def cov_params(
        self,
        r_matrix: Any = None,
        column: Any = None,
        scale: float | None = None,
        cov_p: np.ndarray | None = None,
        other: Any = None,
    ) -> np.ndarray:
        cov = self._cov if cov_p is None else cov_p
        if column is not None:
            column = np.asarray(column)
            return cov[column][:, column] if column.shape else cov[column, column]
        if r_matrix is not None:
            r_matrix = np.asarray(r_matrix)
            if r_matrix.ndim == 1:
                r_matrix = r_matrix[None, :]
            other = r_matrix if other is None else np.asarray(other)
            return r_matrix @ cov @ other.T
        return cov

    # statsmodels' methods call each other through ``self``
    t_test = LikelihoodModelResults.t_test
    f_test = LikelihoodModelResults.f_test
    wald_test = LikelihoodModelResults.wald_test
    wald_test_terms = LikelihoodModelResults.wald_test_terms
    t_test_pairwise = LikelihoodModelResults.t_test_pairwise


def lr_test(full: Any, restricted: Any) -> tuple[float, float, float]:
    """Likelihood-ratio test of a restricted fit nested in ``full``.

    Returns
    -------
    lr_stat, p_value, df_diff : float
        ``2 (llf_full − llf_restricted)``, its chi² p-value and the difference in parameters,
        as statsmodels' ``compare_lr_test``.
    """
    if full.nobs != restricted.nobs:
        raise ValueError(
            f"the fits use different rows ({full.nobs} and {restricted.nobs}); a likelihood-ratio "
            "test needs the same data."
        )
    df_diff = full.df_model - restricted.df_model
    if df_diff <= 0:
        raise ValueError(
            "the restricted model must have fewer parameters than the full one: call "
            "full.compare_lr_test(restricted)."
        )
    lr_stat = -2 * (restricted.llf - full.llf)
    return float(lr_stat), float(stats.chi2.sf(lr_stat, df_diff)), float(df_diff)
