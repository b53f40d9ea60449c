"""The rest of statsmodels' ``GLMResults`` interface: Anscombe residuals, the null model's
fitted values, the data attributes statsmodels' results keep, the predictive distribution,
influence measures, the score test, ``summary2``, pairwise t tests and ``remove_data``
(a mixin of :class:`~daskstats.results.glm.GLMResults`)."""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.base._parameter_inference import ScoreTestResult, _lm_robust
from statsmodels.genmod.families import Binomial, NegativeBinomial, Poisson
from statsmodels.iolib import summary2 as sm_summary2
from statsmodels.regression.linear_model import WLS as sm_WLS

from daskstats.errors import DataError
from daskstats.inference.hypotheses import StatsmodelsView
from daskstats.linalg.spd import scaled_pinv
from daskstats.results.influence import GLMInfluence
from daskstats.results.twin import statsmodels_results

__all__ = ["GLMResultsAPI"]


def _unlabelled(values) -> Any:
    """statsmodels keeps these per-row attributes unlabelled: numpy for in-memory data."""
    return values.to_numpy() if isinstance(values, (pd.Series, pd.DataFrame)) else values


class GLMResultsAPI:
    """statsmodels' GLM results methods that read the data (through the model)."""

    # Provided by the results this is mixed into.
    model: Any
    params_array: np.ndarray
    cov_type: str
    null_spec: Any
    _rows: Any
    family: Any

    if TYPE_CHECKING:  # read-only there (properties and methods of the results)

        @property
        def scale(self) -> float: ...

        @property
        def df_resid(self) -> float: ...

        @property
        def nobs(self) -> int: ...

        def cov_params(
            self,
            r_matrix: Any = None,
            column: Any = None,
            scale: Any = None,
            cov_p: Any = None,
            other: Any = None,
        ) -> Any: ...

    # --- per-row ----------------------------------------------------------------------------
    @cached_property
    def resid_anscombe_scaled(self) -> Any:
        """Anscombe residuals at the fit's scale."""
        return _unlabelled(self.model.rows("anscombe", self.params_array, self.scale))

    @cached_property
    def resid_anscombe_unscaled(self) -> Any:
        """Anscombe residuals at scale 1."""
        return _unlabelled(self.model.rows("anscombe", self.params_array, 1.0))

    @cached_property
    def resid_anscombe(self) -> Any:
        """The scaled Anscombe residuals (labelled like the data, as statsmodels)."""
        return self.model.rows("anscombe", self.params_array, self.scale)

    @cached_property
    def null(self) -> Any:
        """Fitted values of the constant-only model (one per row)."""
        if self.null_spec is None:
            raise DataError("these results hold no null model (a penalized path fit).")
        return _unlabelled(self.model.null_values(self.null_spec))

    @property
    def _endog(self) -> Any:
        return self.model.endog

    @property
    def _freq_weights(self) -> Any:
        return self.model.freq_weights

    @property
    def _var_weights(self) -> Any:
        return self.model.var_weights

    @property
    def _iweights(self) -> Any:
        return self.model.iweights

    @property
    def _n_trials(self) -> Any:
        return self.model.n_trials

    @property
    def k_constant(self) -> int:
        return self.model.k_constant

    # --- distribution -----------------------------------------------------------------------
    def get_distribution(
        self, exog=None, exposure=None, offset=None, var_weights=1.0, n_trials=1.0
    ):
        """statsmodels' predictive distribution at the estimate (a frozen scipy
        distribution; scale 1 for the discrete families, with a warning when the fit's
        scale differs)."""
        scale = self.scale
        if isinstance(self.family, (Binomial, Poisson, NegativeBinomial)):
            if scale != 1.0:
                warnings.warn(
                    "using scale=1, no exess dispersion in distribution", UserWarning, stacklevel=2
                )
            scale = 1.0
        return self.model.get_distribution(
            self.params_array,
            scale=scale,
            exog=exog,
            exposure=exposure,
            offset=offset,
            var_weights=var_weights,
            n_trials=n_trials,
        )

    # --- influence --------------------------------------------------------------------------
    def _bread(self, observed: bool) -> np.ndarray:
        parts = self.model.extended(self.params_array, None, observed)
        return scaled_pinv(parts.information)

    def get_influence(self, observed: bool = True) -> GLMInfluence:
        """statsmodels' influence and outlier measures (``GLMInfluence``): hat diagonal,
        studentized residuals, Cook's distance, ``d_params``, ``dfbetas``, ...; one pass for
        the inverse information, then lazy per row."""
        bread = self._bread(observed)
        cov = np.asarray(self.cov_params())
        frame = self.model.influence_frame(
            self.params_array,
            bread,
            cov,
            self.scale,
            "observed" if observed else "expected",
            self.df_resid,
        )
        return GLMInfluence(self, frame, list(self.model.exog_names))

    def get_hat_matrix_diag(self, observed: bool = True) -> Any:
        """The diagonal of the hat matrix (observed or expected information weights)."""
        return self.get_influence(observed).hat_matrix_diag

    # --- tests ------------------------------------------------------------------------------
    def score_test(
        self,
        exog_extra=None,
        params_constrained=None,
        hypothesis: str = "joint",
        cov_type: str | None = None,
        cov_kwds: dict | None = None,
        k_constraints: int | None = None,
        observed: bool = True,
    ) -> ScoreTestResult:
        """statsmodels' score (Lagrange multiplier) test for omitted variables
        (``exog_extra``) or constraints (``params_constrained`` with ``k_constraints``);
        ``cov_type`` "nonrobust" or "HC0"; one pass."""
        for name in ("freq_weights", "var_weights"):
            if getattr(self.model.extras, name) is not None:
                warnings.warn(
                    f"score test has not been verified with {name}", UserWarning, stacklevel=2
                )
        if hypothesis not in ("joint", "separate"):
            raise DataError(f"hypothesis must be 'joint' or 'separate', got {hypothesis!r}.")
        params = self.params_array if params_constrained is None else params_constrained
        cov_type = self.cov_type if cov_type is None else cov_type
        if exog_extra is None and k_constraints is None:
            raise ValueError("if exog_extra is None, then k_constraints needs to be given")
        parts = self.model.extended(params, exog_extra, observed)
        df_resid = self.df_resid + (k_constraints or 0)
        scale = self.model.scale_from(parts.pearson, parts.deviance, df_resid)
        score = parts.score / scale
        information = parts.information / scale
        k_params = len(self.params_array)
        if exog_extra is not None:
            k_constraints = (k_constraints or 0) + len(score) - k_params
        if k_constraints is None:  # refused above
            raise ValueError("if exog_extra is None, then k_constraints needs to be given")
        if cov_type == "nonrobust":
            cov_score = information
        elif cov_type.upper() == "HC0":
            if exog_extra is None:
                raise DataError("cov_type='HC0' needs exog_extra (the constraint matrix).")
            n = parts.rows
            meat = parts.meat / scale**2
            cov_score = n / (n - 1) * (meat - np.outer(score, score) / n)
            r_matrix = np.eye(len(score))[-int(k_constraints) :]
            return _lm_robust(score, r_matrix, np.linalg.inv(information), cov_score)
        else:
            raise NotImplementedError('Only cov_type "nonrobust" and "HC0" are available.')
        if hypothesis == "joint":
            chi2 = float(score @ np.linalg.solve(cov_score, score))
            return ScoreTestResult(
                statistic=chi2,
                pvalue=float(stats.chi2.sf(chi2, k_constraints)),
                k_constraint=k_constraints,
                distribution="chi2",
            )
        stat = score / np.sqrt(np.diag(cov_score))
        return ScoreTestResult(
            statistic=stat, pvalue=stats.norm.sf(np.abs(stat)) * 2, distribution="norm"
        )

    def t_test_pairwise(self, term_name: str, method="hs", alpha=0.05, factor_labels=None):
        """statsmodels' pairwise t tests of a categorical term's levels (formula models)."""
        return StatsmodelsView(self).t_test_pairwise(
            term_name, method=method, alpha=alpha, factor_labels=factor_labels
        )

    # --- presentation -----------------------------------------------------------------------
    def summary2(
        self, yname=None, xname=None, title=None, alpha: float = 0.05, float_format="%.4f"
    ):
        """statsmodels' ``summary2`` (its experimental summary tables)."""
        smry = sm_summary2.Summary()
        smry.add_base(
            results=_Summary2View(self),
            alpha=alpha,
            float_format=float_format,
            xname=xname,
            yname=yname,
            title=title,
        )
        return smry

    # --- row-level diagnostics by statsmodels, on the data in memory ------------------------
    @cached_property
    def results_wls(self) -> Any:
        """statsmodels' weighted least squares of the last IRLS step (``fit(attach_wls=True)``),
        computed by statsmodels on the used rows in memory: working response
        ``η − offset + (y − μ) g'(μ)`` on the design with weights ``w · f · v``."""
        settings = getattr(self, "mle_settings", None) or {}
        if not settings.get("attach_wls"):
            raise AttributeError(
                "results_wls is attached by fit(attach_wls=True) (IRLS fits), as in statsmodels."
            )
        twin = statsmodels_results(self, "results_wls")
        sm_model = twin.model
        eta = sm_model.predict(self.params_array, which="linear")
        mu = sm_model.family.link.inverse(eta)
        working = (
            eta - sm_model._offset_exposure + sm_model.family.link.deriv(mu) * (sm_model.endog - mu)
        )
        weights = sm_model.iweights * sm_model.n_trials * sm_model.family.weights(mu)
        method = settings.get("wls_method", "lstsq")
        return sm_WLS(working, sm_model.exog, weights).fit(
            method="pinv" if method == "lstsq" else method
        )

    def get_margeff(self, at="overall", method="dydx", atexog=None, dummy=False, count=False):
        """statsmodels' marginal effects (``GLMResults.get_margeff``), computed by statsmodels
        on the used rows in memory with these estimates (see :mod:`daskstats.results.twin`)."""
        twin = statsmodels_results(self, "get_margeff")
        return twin.get_margeff(at=at, method=method, atexog=atexog, dummy=dummy, count=count)

    def plot_added_variable(
        self, focus_exog, resid_type=None, use_glm_weights=True, fit_kwargs=None, ax=None
    ):
        """statsmodels' added-variable plot for ``focus_exog`` (a column name or position);
        statsmodels refits the model without it on the data in memory."""
        twin = statsmodels_results(self, "plot_added_variable")
        return twin.plot_added_variable(
            focus_exog,
            resid_type=resid_type,
            use_glm_weights=use_glm_weights,
            fit_kwargs=fit_kwargs,
            ax=ax,
        )

    def plot_partial_residuals(self, focus_exog, ax=None):
        """statsmodels' partial-residual plot for ``focus_exog``, on the data in memory."""
        return statsmodels_results(self, "plot_partial_residuals").plot_partial_residuals(
            focus_exog, ax=ax
        )

    def plot_ceres_residuals(self, focus_exog, frac=0.66, cond_means=None, ax=None):
        """statsmodels' CERES residual plot for ``focus_exog``, on the data in memory."""
        return statsmodels_results(self, "plot_ceres_residuals").plot_ceres_residuals(
            focus_exog, frac=frac, cond_means=cond_means, ax=ax
        )

    # --- data -------------------------------------------------------------------------------
    def remove_data(self) -> None:
        """Drop the model's references to the data (as statsmodels' ``remove_data``): the
        estimates, statistics, tests, summary and predictions on new data remain; per-row
        values already computed (residuals, fitted values) are dropped too."""
        self.model.remove_data()
        for name, value in list(vars(self).items()):
            lazy = hasattr(value, "__dask_graph__")
            in_memory = isinstance(value, (np.ndarray, pd.Series, pd.DataFrame))
            if lazy or (in_memory and value.ndim >= 1 and len(value) == self.nobs):
                del self.__dict__[name]


class _Summary2View:
    """The results as statsmodels' ``summary2`` reads them: an IRLS fit has no
    ``mle_retvals`` (statsmodels' GLM has none), the rest is the results'."""

    def __init__(self, results: Any):
        self._results = results

    def __getattr__(self, name: str) -> Any:
        if name == "mle_retvals" and (
            self._results.method == "IRLS" or self._results.mle_retvals is None
        ):
            raise AttributeError(name)
        return getattr(self._results, name)
