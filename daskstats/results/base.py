"""The family-agnostic part of every fit's results: estimates, their covariance, and the
inference on them (statsmodels' names and semantics), plus the small protocol results need
from their model.

Results are immutable; derived statistics are cached properties computed from the fit's
summed pass results (no pass over the data on access). Per-row quantities are lazy and come
through the model (:class:`FittedModel`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Protocol, Self

import numpy as np
import pandas as pd
from scipy import stats

from daskstats.inference.hypotheses import StatsmodelsView, lr_test

__all__ = ["FittedModel", "LikelihoodResults"]


class FittedModel(Protocol):
    """What results use of their model (nothing private).

    ``rows``, ``predict_values``, ``prediction`` and ``loglike`` read the fitted data and raise
    :class:`~daskstats.errors.DataError` for a model that holds none (results loaded from a
    file); ``predict_values``/``prediction`` with new data work without it.
    """

    @property
    def formula(self) -> str | None:
        """The formula, when the model was built from one."""
        ...

    @property
    def exog_names(self) -> list[str]:
        """Names of the parameters."""
        ...

    @property
    def endog_name(self) -> str:
        """Name of the response."""
        ...

    @property
    def term_info(self) -> Any:
        """patsy's ``DesignInfo`` of the regressors (term names for ``wald_test_terms``)."""
        ...

    def rows(self, what: str, params: np.ndarray) -> Any:
        """A lazy per-row quantity of the fitted data (a dask array in row order)."""
        ...

    def predict_values(self, params, new_data, which: str, offset, exposure) -> Any:
        """Lazy predictions (a dask Series indexed like ``new_data``)."""
        ...

    def prediction(self, params, cov, new_data, offset, exposure, df: float, use_t: bool) -> Any:
        """Lazy predictions with standard errors and intervals."""
        ...

    def loglike(self, params: np.ndarray, scale: float) -> float:
        """statsmodels' log-likelihood at ``params`` and ``scale`` (one pass)."""
        ...


@dataclass(frozen=True, eq=False, kw_only=True)
class LikelihoodResults:
    """Estimates and their inference, common to every model.

    Attributes
    ----------
    model : FittedModel
    params : pandas.Series
        Estimated coefficients indexed by term name.
    normalized_cov_params : ndarray of shape (p, p) or BlockCovariance
        ``(XᵀWX)⁻¹`` of the last weighted least-squares solve.
    cov_params_default : ndarray of shape (p, p) or BlockCovariance
        Covariance of ``params`` for the chosen ``cov_type``.
    cov_type : str
    use_t : bool
    cov_kwds : dict
    df_resid_inference : float or None
        Degrees of freedom of t and F tests when they differ from ``df_resid`` (clusters).
    converged : bool
    n_iter : int
    fit_history : list of dict
        Per iteration: iteration, deviance or objective, relative change, step, seconds.
    passes : int
        Passes over the data the whole fit made.
    pass_log : list of (str, float)
        What each pass was for and its seconds.
    method : str
    notes : tuple of str
        Extra lines for the summary.
    """

    model: FittedModel
    params: pd.Series
    normalized_cov_params: Any
    cov_params_default: Any
    cov_type: str = "nonrobust"
    use_t: bool = False
    cov_kwds: dict = field(default_factory=dict)
    df_resid_inference: float | None = None
    converged: bool = True
    n_iter: int = 0
    fit_history: list = field(default_factory=list)
    passes: int = 0
    pass_log: list = field(default_factory=list)
    method: str = ""
    notes: tuple = ()

    # --- provided by each model's results -----------------------------------------------
    @property
    def nobs(self) -> int:
        """Rows used."""
        raise NotImplementedError

    @property
    def df_model(self) -> float:
        raise NotImplementedError

    @property
    def df_resid(self) -> float:
        raise NotImplementedError

    @property
    def llf(self) -> float:
        """Log-likelihood at the estimate."""
        raise NotImplementedError

    def with_notes(self, notes: tuple) -> Self:
        """A copy with more lines for the summary's notes."""
        return replace(self, notes=tuple(self.notes) + tuple(notes))

    # --- parameters and inference -------------------------------------------------------
    @cached_property
    def _names(self) -> list[str]:
        return list(self.params.index)

    @cached_property
    def k_params(self) -> int:
        return len(self.params)

    def cov_params(self) -> pd.DataFrame:
        """Covariance matrix of the estimates, indexed by term names.

        With a many-level coded term the covariance is kept in blocks; it is materialized
        here only up to ``Thresholds.dense_covariance_limit`` parameters (``bse`` works at any
        size).
        """
        cov = self.cov_params_default
        dense = cov.to_dense() if hasattr(cov, "to_dense") else cov
        return pd.DataFrame(dense, index=self._names, columns=self._names)

    @cached_property
    def bse(self) -> pd.Series:
        """Standard errors of the estimates."""
        return pd.Series(np.sqrt(self.cov_params_default.diagonal()), index=self._names)

    @cached_property
    def tvalues(self) -> pd.Series:
        """``params / bse`` (z statistics unless ``use_t``)."""
        return self.params / self.bse

    @cached_property
    def _df_inference(self) -> float:
        return self.df_resid if self.df_resid_inference is None else self.df_resid_inference

    @cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values (normal, or Student t with ``df_resid`` when ``use_t``)."""
        t = np.abs(self.tvalues.to_numpy())
        if self.use_t:
            p = 2 * stats.t.sf(t, self._df_inference)
        else:
            p = 2 * stats.norm.sf(t)
        return pd.Series(p, index=self._names)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Confidence intervals at level ``1 - alpha`` (columns 0 and 1, as statsmodels)."""
        if self.use_t:
            q = stats.t.ppf(1 - alpha / 2, self._df_inference)
        else:
            q = stats.norm.ppf(1 - alpha / 2)
        lower = self.params - q * self.bse
        upper = self.params + q * self.bse
        return pd.DataFrame({0: lower, 1: upper})

    # --- hypothesis tests (statsmodels' own implementations) -----------------------------
    def t_test(self, r_matrix, cov_p=None, use_t=None):
        """t (or z) tests of linear constraints: ``"x1 = x2"``, a matrix, or ``(R, q)``.

        Returns statsmodels' ``ContrastResults``.
        """
        return StatsmodelsView(self).t_test(r_matrix, cov_p=cov_p, use_t=use_t)

    def f_test(self, r_matrix, cov_p=None, invcov=None):
        """Joint F test of linear constraints (statsmodels' ``ContrastResults``)."""
        return StatsmodelsView(self).f_test(r_matrix, cov_p=cov_p, invcov=invcov)

    def wald_test(
        self, r_matrix, cov_p=None, invcov=None, use_f=None, df_constraints=None, scalar=True
    ):
        """Joint Wald test, chi² unless ``use_f`` (default: ``use_t``), as statsmodels."""
        return StatsmodelsView(self).wald_test(
            r_matrix,
            cov_p=cov_p,
            invcov=invcov,
            use_f=use_f,
            df_constraints=df_constraints,
            scalar=scalar,
        )

    def wald_test_terms(
        self, skip_single=False, extra_constraints=None, combine_terms=None, scalar=True
    ):
        """One joint Wald test per formula term (statsmodels' ``WaldTestResults``)."""
        return StatsmodelsView(self).wald_test_terms(
            skip_single=skip_single,
            extra_constraints=extra_constraints,
            combine_terms=combine_terms,
            scalar=scalar,
        )

    def compare_lr_test(self, restricted) -> tuple[float, float, float]:
        """Likelihood-ratio test against a nested ``restricted`` fit on the same rows.

        Returns ``(lr_stat, p_value, df_diff)`` as statsmodels' ``compare_lr_test``.
        """
        return lr_test(self, restricted)

    # --- presentation --------------------------------------------------------------------
    def summary(self, yname=None, xname=None, title=None, alpha: float = 0.05):
        """statsmodels' summary of this kind of model."""
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.summary().as_html()
