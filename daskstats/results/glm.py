"""GLMResults: an immutable record of a GLM fit with statsmodels' names and semantics.

Everything reported is computed from the fit's summed pass results (no pass over the data on
access) except the residual and prediction arrays, which are lazy dask arrays/series.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
from statsmodels.genmod.families import Family

from daskstats.errors import DataError
from daskstats.families import likelihood
from daskstats.inference.statistics import FitStatistics
from daskstats.kernels.null import NullSpec
from daskstats.results.base import FittedModel, LikelihoodResults
from daskstats.results.glm_api import GLMResultsAPI
from daskstats.results.persist import save_results
from daskstats.results.plots import plot_binned_residuals, plot_coefficients, plot_convergence
from daskstats.results.summary import glm_summary
from daskstats.solvers.penalties import ElasticNet

if TYPE_CHECKING:
    import dask.array as da

__all__ = ["GLMResults", "GLMModel", "unlabelled"]


def unlabelled(values) -> Any:
    """A pandas per-row result as a numpy array (statsmodels' unwrapped attributes); numpy and
    lazy dask results as they are."""
    return values.to_numpy() if isinstance(values, (pd.Series, pd.DataFrame)) else values


class GLMModel(FittedModel, Protocol):
    """What GLM results use of their model: :class:`FittedModel` and its family."""

    @property
    def family(self) -> Family:
        """The statsmodels family (with its link)."""
        ...

    def predict(
        self,
        params: Any,
        exog: Any = None,
        exposure: Any = None,
        offset: Any = None,
        which: str = "mean",
        linear: bool | None = None,
    ) -> Any:
        """statsmodels' ``GLM.predict`` at ``params``."""
        ...


@dataclass(frozen=True, eq=False, kw_only=True)
class GLMResults(GLMResultsAPI, LikelihoodResults):
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
    null_spec : NullSpec or None
        The fitted constant-only model (its fitted values: ``res.null``).
    gram : GramSums or None
        ``XᵀWX`` of the last pass (IRLS fits).

    See :class:`~daskstats.results.base.LikelihoodResults` for the estimates' covariance,
    tests and fit information.
    """

    model: GLMModel
    statistics: FitStatistics
    penalty: ElasticNet | None = None
    null_spec: NullSpec | None = None
    gram: Any = None

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
        return np.float64(self.statistics.scale)

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
            return self.model.loglike(self.params_array, scale)
        except DataError:
            raise DataError(
                f"llf_scaled({scale}) of a {type(self.family).__name__} model needs a pass over "
                "the data, and these results were loaded from a file without it."
            ) from None

    # --- lazy per-row quantities ----------------------------------------------------------
    def _rows(self, what: str) -> da.Array:
        return self.model.rows(what, self.params_array)

    @cached_property
    def fittedvalues(self) -> Any:
        """Fitted mean response: numpy/pandas as statsmodels for in-memory data, a lazy dask
        Series on the data's index for dask data."""
        return self._rows("mu")

    @property
    def mu(self) -> Any:
        """The fitted means (statsmodels keeps them unlabelled: an array for in-memory
        data)."""
        return unlabelled(self._rows("mu"))

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

    def predict(
        self,
        exog=None,
        transform: bool = True,
        which: str = "mean",
        *,
        offset=None,
        exposure=None,
        linear: bool | None = None,
    ):
        """Predicted mean (``which="mean"``), linear predictor (``"linear"``) or the variance
        function at the mean (``"var_unscaled"``), as statsmodels' ``results.predict``.

        Parameters
        ----------
        exog : DataFrame or array, optional
            New data: for a formula model a DataFrame with the formula's variables (passed
            through the formula; ``transform=False``: the design matrix itself), for an
            array model the design. The fitted rows when omitted.
        transform : bool
        which : {"mean", "linear", "var_unscaled"}
        offset, exposure : array, Series or column name, optional
            For ``exog``. statsmodels uses none unless given; daskstats reads an
            offset/exposure the model was fitted with as a column of its data from ``exog``
            by that name.

        Returns
        -------
        The kind of ``exog`` (or of the fitted data): numpy, pandas, or a lazy dask Series on
        the data's index (NaN where a row has a missing value).
        """
        if linear is not None:
            which = "linear" if linear else "mean"
        if exog is None and (offset is not None or exposure is not None):
            # the fitted rows with another offset/exposure (statsmodels' model.predict)
            return self.model.predict(
                self.params_array, exposure=exposure, offset=offset, which=which
            )
        return self.model.predict_values(
            self.params_array, exog, which, offset, exposure, transform
        )

    def get_prediction(
        self,
        exog=None,
        exposure=None,
        offset=None,
        transform: bool = True,
        which: str | None = None,
        average: bool = False,
        agg_weights=None,
        row_labels=None,
    ):
        """statsmodels' ``get_prediction``: predictions with standard errors and intervals.

        ``which=None`` gives statsmodels' ``PredictionResultsMean`` (``summary_frame()``
        columns ``mean, mean_se, mean_ci_lower, mean_ci_upper``; intervals of the linear
        predictor mapped through the inverse link); ``"linear"``, ``"mean"`` and
        ``"var_unscaled"`` the generic results (``predicted, se, ci_lower, ci_upper``);
        ``average=True`` the (``agg_weights``-weighted) mean over the rows and its delta
        method standard error, from one pass. For numpy/pandas data these are statsmodels'
        own result objects; for dask data a lazy equivalent with the same attributes.
        """
        return self.model.prediction(
            self.params_array,
            self.cov_params_default,
            exog,
            offset,
            exposure,
            which=which,
            average=average,
            agg_weights=agg_weights,
            row_labels=row_labels,
            transform=transform,
            df=self.df_resid,
            use_t=self.use_t,
            scale=self.scale,
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

    def save(self, path, remove_data: bool = False) -> None:
        """Write the results to ``path`` in a safe format (no pickle); read with
        :func:`daskstats.load`.

        The file holds the estimates, covariance, statistics and the model's description,
        never the data. ``remove_data=True`` also drops the data from these results (as
        statsmodels' ``save(fname, remove_data=True)``, see :meth:`remove_data`)."""
        if remove_data:
            self.remove_data()
        save_results(self, path)

    # --- presentation --------------------------------------------------------------------
    def summary(self, yname=None, xname=None, title=None, alpha: float = 0.05):
        """statsmodels' GLM summary (a ``statsmodels.iolib.summary.Summary``)."""
        return glm_summary(self, yname=yname, xname=xname, title=title, alpha=alpha)

    def __repr__(self) -> str:
        family = f"{type(self.family).__name__}({type(self.family.link).__name__})"
        return (
            f"<daskstats GLMResults: {family}, nobs={self.nobs}, "
            f"params={self.k_params}, deviance={self.deviance:.6g}>"
        )
