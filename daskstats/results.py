"""GLMResults: an immutable record of a fit with statsmodels' names and semantics.

Everything reported is computed from the fit's summed pass results (no pass over the data on
access) except the residual and prediction arrays, which are lazy dask arrays/series.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import dask.array as da
import numpy as np
import pandas as pd
from dask.delayed import delayed
from scipy import stats

from daskstats.families import with_trials

__all__ = ["GLMResults"]


@dataclass(frozen=True, eq=False)
class GLMResults:
    """Results of a GLM fit (statsmodels' ``GLMResults`` names and semantics).

    Attributes
    ----------
    model : daskstats.GLM
        The model (formula spec, family, design).
    params : pandas.Series
        Estimated coefficients indexed by term name.
    normalized_cov_params : ndarray of shape (p, p)
        ``(XᵀWX)⁻¹`` of the last weighted least-squares solve.
    cov_params_default : ndarray of shape (p, p)
        Covariance of ``params`` for the chosen ``cov_type``.
    scale : float
        Dispersion: 1 for Binomial/Poisson/NegativeBinomial, else Pearson χ² / df_resid.
    deviance, pearson_chi2, null_deviance, llf, llnull : float
    nobs : int
        Rows used (after dropping missing values).
    wnobs : float
        Sum of the frequency weights (``nobs`` without them).
    df_model, df_resid : float
    converged : bool
    n_iter : int
        IRLS iterations (statsmodels' "No. Iterations").
    fit_history : list of dict
        Per pass: iteration, deviance, relative change, step, seconds.
    passes : int
        Passes over the data the whole fit made.
    cov_type : str
    use_t : bool
    cov_kwds : dict
    method : str
    """

    model: object
    params: pd.Series
    normalized_cov_params: np.ndarray
    cov_params_default: np.ndarray
    scale: float
    deviance: float
    pearson_chi2: float
    null_deviance: float
    llf: float
    llnull: float
    nobs: int
    wnobs: float
    df_model: float
    df_resid: float
    converged: bool
    n_iter: int
    fit_history: list = field(default_factory=list)
    passes: int = 0
    pass_log: list = field(default_factory=list)
    cov_type: str = "nonrobust"
    use_t: bool = False
    cov_kwds: dict = field(default_factory=dict)
    method: str = "IRLS"
    df_resid_inference: float | None = None
    llf_scale_used: float = 1.0
    penalty: object = None
    notes: tuple = ()

    def with_notes(self, notes: tuple) -> GLMResults:
        """A copy with more lines for the summary's notes."""
        from dataclasses import replace

        return replace(self, notes=tuple(self.notes) + tuple(notes))

    # --- parameters and inference -------------------------------------------------------
    @property
    def family(self):
        """The statsmodels family of the model."""
        return self.model.family

    @cached_property
    def _names(self) -> list[str]:
        return list(self.params.index)

    def cov_params(self) -> pd.DataFrame:
        """Covariance matrix of the estimates, indexed by term names.

        With a many-level categorical term the covariance is kept in blocks; it is
        materialized here only up to 5,000 parameters (``bse`` works at any size).
        """
        cov = self.cov_params_default
        dense = cov.to_dense() if hasattr(cov, "to_dense") else cov
        return pd.DataFrame(dense, index=self._names, columns=self._names)

    @cached_property
    def bse(self) -> pd.Series:
        """Standard errors of the estimates."""
        cov = self.cov_params_default
        diagonal = cov.diagonal()  # ndarray or BlockCovariance
        return pd.Series(np.sqrt(diagonal), index=self._names)

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

    # --- fit statistics ------------------------------------------------------------------
    @cached_property
    def k_params(self) -> int:
        return len(self.params)

    @cached_property
    def aic(self) -> float:
        """``-2 llf + 2 (df_model + 1)``."""
        return -2 * self.llf + 2 * (self.df_model + 1)

    @cached_property
    def bic_llf(self) -> float:
        """``-2 llf + log(wnobs) (df_model + 1)`` (statsmodels' current ``bic``)."""
        nobs = self.df_model + self.df_resid + 1
        return -2 * self.llf + (self.df_model + 1) * np.log(nobs)

    @property
    def bic(self) -> float:
        """Bayesian information criterion based on the log-likelihood (``bic_llf``)."""
        return self.bic_llf

    @cached_property
    def bic_deviance(self) -> float:
        """``deviance - df_resid log(wnobs)``."""
        return self.deviance - (self.wnobs - self.df_model - 1) * np.log(self.wnobs)

    def pseudo_rsquared(self, kind: str = "cs") -> float:
        """Cox–Snell (``"cs"``) or McFadden (``"mcf"``) pseudo R²."""
        kind = kind.lower()
        if kind.startswith("mcf"):
            return 1 - self.llf / self.llnull
        if kind.startswith("cox") or kind in ("cs", "lr"):
            return 1 - np.exp((self.llnull - self.llf) * (2 / self.nobs))
        raise ValueError("only McFadden ('mcf') and Cox-Snell ('cs') are available")

    def info_criteria(self, crit: str, scale: float | None = None, dk_params: int = 0) -> float:
        """``"aic"``, ``"bic"`` or ``"qaic"`` with ``dk_params`` extra parameters (statsmodels)."""
        crit = crit.lower()
        k_params = self.df_model + 1 + dk_params
        if crit == "aic":
            return -2 * self.llf + 2 * k_params
        if crit == "bic":
            return -2 * self.llf + k_params * np.log(self.df_model + self.df_resid + 1)
        if crit == "qaic":
            if scale is None:
                raise ValueError(
                    "qaic needs the scale of the largest model: info_criteria('qaic', scale=...)"
                )
            return -2 * self.llf_scaled(1.0) / scale + 2 * k_params
        raise ValueError(f"crit must be 'aic', 'bic' or 'qaic', got {crit!r}")

    def llf_scaled(self, scale: float | None = None) -> float:
        """Log-likelihood at ``scale`` (the estimated one when None); fixed-scale families and
        ``scale`` equal to the fit's return ``llf`` directly, others need one pass."""
        if scale is None or scale == self.llf_scale_used:
            return self.llf
        return self.model._loglike_at(self.params.to_numpy(), scale)

    # --- hypothesis tests (statsmodels' own implementations) -----------------------------
    def t_test(self, r_matrix, cov_p=None, use_t=None):
        """t (or z) tests of linear constraints: ``"x1 = x2"``, a matrix, or ``(R, q)``.

        Returns statsmodels' ``ContrastResults``.
        """
        from daskstats.inference.hypotheses import StatsmodelsView

        return StatsmodelsView(self).t_test(r_matrix, cov_p=cov_p, use_t=use_t)

    def f_test(self, r_matrix, cov_p=None, invcov=None):
        """Joint F test of linear constraints (statsmodels' ``ContrastResults``)."""
        from daskstats.inference.hypotheses import StatsmodelsView

        return StatsmodelsView(self).f_test(r_matrix, cov_p=cov_p, invcov=invcov)

    def wald_test(
        self, r_matrix, cov_p=None, invcov=None, use_f=None, df_constraints=None, scalar=True
    ):
        """Joint Wald test, chi² unless ``use_f`` (default: ``use_t``), as statsmodels."""
        from daskstats.inference.hypotheses import StatsmodelsView

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
        from daskstats.inference.hypotheses import StatsmodelsView

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
        from daskstats.inference.hypotheses import lr_test

        return lr_test(self, restricted)

    # --- lazy per-row quantities ----------------------------------------------------------
    def _per_row(self, fn, *args) -> da.Array:
        self.model._require_data()
        design = self.model.design
        lengths = self.model._lengths
        parts = [
            da.from_delayed(delayed(fn)(block, design.layout, *args), shape=(n,), dtype=float)
            for block, n in zip(design.blocks, lengths)
        ]
        return da.concatenate(parts) if parts else da.zeros(0)

    @cached_property
    def mu(self) -> da.Array:
        """Fitted mean response (lazy dask array, rows as used in the fit)."""
        return self._per_row(_block_rows, self.family, self.params.to_numpy(), "mu")

    @property
    def fittedvalues(self) -> da.Array:
        """Same as :attr:`mu`."""
        return self.mu

    @cached_property
    def resid_response(self) -> da.Array:
        """``y - mu`` (lazy)."""
        return self._per_row(_block_rows, self.family, self.params.to_numpy(), "response")

    @cached_property
    def resid_pearson(self) -> da.Array:
        """``sqrt(v) (y - mu) / sqrt(V(mu))`` (lazy)."""
        return self._per_row(_block_rows, self.family, self.params.to_numpy(), "pearson")

    @cached_property
    def resid_deviance(self) -> da.Array:
        """Signed square roots of the unit deviances (lazy)."""
        return self._per_row(_block_rows, self.family, self.params.to_numpy(), "deviance")

    @cached_property
    def resid_working(self) -> da.Array:
        """``(y - mu) g'(mu)`` (lazy)."""
        return self._per_row(_block_rows, self.family, self.params.to_numpy(), "working")

    def predict(self, new_data=None, which: str = "mean", *, offset=None, exposure=None):
        """Predicted mean (``which="mean"``) or linear predictor (``"linear"``), lazily.

        Parameters
        ----------
        new_data : dask or pandas DataFrame, optional
            Data with the formula's columns; the fit's own rows when omitted.  Categorical
            levels must be among those seen at fit time.
        which : {"mean", "linear", "var_unscaled"}
            ``"var_unscaled"`` is the family's variance function at the predicted mean
            (without scale or variance weights), as statsmodels.
        offset, exposure : str, dask Series or array, optional
            For ``new_data``: a column name or values.  When omitted and the model was fitted
            with an offset/exposure column of that name present in ``new_data``, it is used.

        Returns
        -------
        dask.dataframe.Series
            Indexed like ``new_data``; rows with missing values give NaN.
        """
        return self.model._predict(self.params.to_numpy(), new_data, which, offset, exposure)

    def get_prediction(self, new_data=None, *, offset=None, exposure=None):
        """Predicted means with standard errors and confidence intervals, lazily.

        ``get_prediction(new_data).summary_frame(alpha=0.05)`` is a dask DataFrame with
        statsmodels' columns ``mean``, ``mean_se``, ``mean_ci_lower``, ``mean_ci_upper``,
        computed partition by partition (delta method; intervals of the linear predictor
        mapped through the inverse link, as statsmodels' default "endpoint" method).
        """
        return self.model._prediction(
            self.params.to_numpy(),
            self.cov_params_default,
            new_data,
            offset,
            exposure,
            self._df_inference,
            self.use_t,
        )

    def plot_coefficients(self, alpha: float = 0.05, ax=None):
        """Estimates with confidence intervals (matplotlib)."""
        from daskstats.plots import plot_coefficients

        return plot_coefficients(self, alpha=alpha, ax=ax)

    def plot_convergence(self, ax=None):
        """Deviance and relative change per iteration (matplotlib)."""
        from daskstats.plots import plot_convergence

        return plot_convergence(self, ax=ax)

    def plot_binned_residuals(self, bins: int = 20, ax=None):
        """Residuals binned by fitted value, aggregated by dask (matplotlib)."""
        from daskstats.plots import plot_binned_residuals

        return plot_binned_residuals(self, bins=bins, ax=ax)

    def save(self, path) -> None:
        """Write the results to ``path`` in a safe format (no pickle); read with
        :func:`daskstats.load`."""
        from daskstats.io import save

        save(self, path)

    # --- presentation --------------------------------------------------------------------
    def summary(self, yname=None, xname=None, title=None, alpha: float = 0.05):
        """statsmodels' GLM summary (a ``statsmodels.iolib.summary.Summary``)."""
        from daskstats.summary import glm_summary

        return glm_summary(self, yname=yname, xname=xname, title=title, alpha=alpha)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        family = f"{type(self.family).__name__}({type(self.family.link).__name__})"
        return (
            f"<daskstats GLMResults: {family}, nobs={self.nobs}, "
            f"params={len(self.params)}, deviance={self.deviance:.6g}>"
        )


def _block_rows(block: dict, layout, family, params, what: str) -> np.ndarray:
    """Per-row quantity of one block (used by the lazy residual arrays)."""
    family = with_trials(family, block.get("n"))
    eta = layout.linear_predictor(block["X"], block.get("codes"), params)
    if block.get("off") is not None:
        eta = eta + block["off"]
    mu = family.fitted(eta)
    y = block["y"]
    vw = 1.0 if block.get("vw") is None else block["vw"]
    if what == "mu":
        return mu
    trials = 1.0 if block.get("n") is None else block["n"]
    # statsmodels scales residuals of a two-column binomial response by the trials
    if what == "response":
        return trials * (y - mu)
    if what == "pearson":
        return np.sqrt(trials) * (y - mu) * np.sqrt(vw) / np.sqrt(family.variance(mu))
    if what == "deviance":
        return family.resid_dev(y, mu, var_weights=vw, scale=1.0)
    if what == "working":
        return trials * trials * (y - mu) * family.link.deriv(mu)
    raise ValueError(what)
