"""GLMResults: an immutable record of a GLM fit with statsmodels' names and semantics.

Everything reported is computed from the fit's summed pass results (no pass over the data on
access) except the residual and prediction arrays, which are lazy dask arrays/series.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

import numpy as np
from statsmodels.genmod.families import Family

from daskstats.errors import DataError
from daskstats.families import likelihood
from daskstats.inference.statistics import FitStatistics
from daskstats.results.base import FittedModel, LikelihoodResults
from daskstats.results.persist import save_results
from daskstats.results.plots import plot_binned_residuals, plot_coefficients, plot_convergence
from daskstats.results.summary import glm_summary
from daskstats.solvers.penalties import ElasticNet

if TYPE_CHECKING:
    import dask.array as da

__all__ = ["GLMResults", "GLMModel"]


class GLMModel(FittedModel, Protocol):
    """What GLM results use of their model: :class:`FittedModel` and its family."""

    @property
    def family(self) -> Family:
        """The statsmodels family (with its link)."""
        ...


@dataclass(frozen=True, eq=False, kw_only=True)
class GLMResults(LikelihoodResults):
    """Results of a GLM fit (statsmodels' ``GLMResults`` names and semantics).

    Attributes
    ----------
    model : daskstats.GLM
        The model (formula spec, family, design).
    params : pandas.Series
        Estimated coefficients indexed by term name.
    statistics : FitStatistics
        Scale, deviance, Pearson χ², log-likelihoods and degrees of freedom; each is also an
        attribute of the results (``res.deviance``, ``res.scale``, ...).
    penalty : ElasticNet or None
        The penalty of a penalized fit.

    See :class:`~daskstats.results.base.LikelihoodResults` for the estimates' covariance,
    tests and fit information.
    """

    model: GLMModel
    statistics: FitStatistics
    penalty: ElasticNet | None = None

    # --- statistics ----------------------------------------------------------------------
    @property
    def family(self):
        """The statsmodels family of the model."""
        return self.model.family

    @property
    def nobs(self) -> int:
        """Rows used (after dropping missing values)."""
        return self.statistics.nobs

    @property
    def wnobs(self) -> float:
        """Sum of the frequency weights (``nobs`` without them)."""
        return self.statistics.wnobs

    @property
    def df_model(self) -> float:
        return self.statistics.df_model

    @property
    def df_resid(self) -> float:
        return self.statistics.df_resid

    @property
    def scale(self) -> float:
        """Dispersion: 1 for Binomial/Poisson/NegativeBinomial, else Pearson χ² / df_resid."""
        return self.statistics.scale

    @property
    def deviance(self) -> float:
        return self.statistics.deviance

    @property
    def pearson_chi2(self) -> float:
        return self.statistics.pearson_chi2

    @property
    def null_deviance(self) -> float:
        return self.statistics.null_deviance

    @property
    def llf(self) -> float:
        """statsmodels' log-likelihood (at the concentrated scale for the linear Gaussian)."""
        return self.statistics.llf

    @property
    def llnull(self) -> float:
        return self.statistics.llnull

    @property
    def llf_scale_used(self) -> float:
        """The scale ``llf`` was evaluated at."""
        return self.statistics.llf_scale

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
        """Log-likelihood at ``scale`` (the estimated one when None).

        From the fit's decomposed log-likelihood sums when the family has them (no pass; also
        for results loaded from a file), else one pass over the data.
        """
        if scale is None or scale == self.llf_scale_used:
            return self.llf
        stats = self.statistics
        if stats.loglike_sums is not None:
            return float(
                likelihood.combine(self.family, stats.loglike_sums, scale, stats.var_weight)
            )
        try:
            return self.model.loglike(self.params.to_numpy(), scale)
        except DataError:
            raise DataError(
                f"llf_scaled({scale}) of a {type(self.family).__name__} model needs a pass over "
                "the data, and these results were loaded from a file without it."
            ) from None

    # --- lazy per-row quantities ----------------------------------------------------------
    def _rows(self, what: str) -> da.Array:
        return self.model.rows(what, self.params.to_numpy())

    @cached_property
    def mu(self) -> da.Array:
        """Fitted mean response (lazy dask array, rows as used in the fit)."""
        return self._rows("mu")

    @property
    def fittedvalues(self) -> da.Array:
        """Same as :attr:`mu`."""
        return self.mu

    @cached_property
    def resid_response(self) -> da.Array:
        """``y - mu`` (lazy)."""
        return self._rows("response")

    @cached_property
    def resid_pearson(self) -> da.Array:
        """``sqrt(v) (y - mu) / sqrt(V(mu))`` (lazy)."""
        return self._rows("pearson")

    @cached_property
    def resid_deviance(self) -> da.Array:
        """Signed square roots of the unit deviances (lazy)."""
        return self._rows("deviance")

    @cached_property
    def resid_working(self) -> da.Array:
        """``(y - mu) g'(mu)`` (lazy)."""
        return self._rows("working")

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
        return self.model.predict_values(self.params.to_numpy(), new_data, which, offset, exposure)

    def get_prediction(self, new_data=None, *, offset=None, exposure=None):
        """Predicted means with standard errors and confidence intervals, lazily.

        ``get_prediction(new_data).summary_frame(alpha=0.05)`` is a dask DataFrame with
        statsmodels' columns ``mean``, ``mean_se``, ``mean_ci_lower``, ``mean_ci_upper``,
        computed partition by partition (delta method; intervals of the linear predictor
        mapped through the inverse link, as statsmodels' default "endpoint" method).
        """
        return self.model.prediction(
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
        return plot_coefficients(self, alpha=alpha, ax=ax)

    def plot_convergence(self, ax=None):
        """Deviance and relative change per iteration (matplotlib)."""
        return plot_convergence(self, ax=ax)

    def plot_binned_residuals(self, bins: int = 20, ax=None):
        """Residuals binned by fitted value, aggregated by dask (matplotlib)."""
        return plot_binned_residuals(self, bins=bins, ax=ax)

    def save(self, path) -> None:
        """Write the results to ``path`` in a safe format (no pickle); read with
        :func:`daskstats.load`."""
        save_results(self, path)

    # --- presentation --------------------------------------------------------------------
    def summary(self, yname=None, xname=None, title=None, alpha: float = 0.05):
        """statsmodels' GLM summary (a ``statsmodels.iolib.summary.Summary``)."""
        return glm_summary(self, yname=yname, xname=xname, title=title, alpha=alpha)

    def __repr__(self) -> str:
        family = f"{type(self.family).__name__}({type(self.family.link).__name__})"
        return (
            f"<daskstats GLMResults: {family}, nobs={self.nobs}, "
            f"params={len(self.params)}, deviance={self.deviance:.6g}>"
        )
