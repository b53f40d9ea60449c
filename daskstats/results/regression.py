"""Results of a linear regression (statsmodels' ``RegressionResults`` names and semantics).

An OLS/WLS fit is the Gaussian–identity fit of the shared engine; these results add what an
OLS user reads: R², the F test, the sums of squares, the condition number, the residual
diagnostics of the summary (one pass, only when asked: :mod:`daskstats.kernels.regression`)
and statsmodels' OLS summary layout.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, Protocol

import numpy as np
from scipy import stats
from statsmodels.iolib.summary import Summary
from statsmodels.regression._prediction import PredictionResults as LinearPredictionResults
from statsmodels.tools import eval_measures

from daskstats.errors import DataError
from daskstats.inference.normality import ResidualDiagnostics
from daskstats.kernels.regression import ResidualPartial, leverage_meat_pass, residual_pass
from daskstats.linalg.gram import full_matrix
from daskstats.results.glm import GLMModel, GLMResults

__all__ = ["RegressionResults"]


class RegressionFittedModel(GLMModel, Protocol):
    """What regression results use of their model (an OLS/WLS): :class:`GLMModel`, its
    constant, design and passes, and ``fit`` (robust covariances)."""

    spec: Any
    layout: Any
    runner: Any

    @property
    def k_constant(self) -> int: ...

    @property
    def has_explicit_constant(self) -> bool: ...

    def fit(self, *args: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True, eq=False, kw_only=True)
class RegressionResults(GLMResults):
    """Results of :class:`daskstats.OLS` / :class:`daskstats.WLS`.

    Beyond :class:`~daskstats.results.glm.GLMResults`: ``rsquared``, ``rsquared_adj``,
    ``fvalue``, ``f_pvalue``, ``ssr``, ``ess``, ``centered_tss``, ``uncentered_tss``,
    ``mse_model``, ``mse_resid``, ``mse_total``, ``condition_number``, ``eigenvals``,
    ``resid``, ``wresid``, ``compare_f_test``, ``diagnostics`` and statsmodels' OLS
    ``summary()``.
    """

    model: RegressionFittedModel

    # --- degrees of freedom and information criteria (statsmodels' regression rules) ----
    @property
    def k_constant(self) -> int:
        return int(self.model.k_constant)

    @property
    def df_model(self) -> float:
        """Parameters besides the constant (minus constraints); a value set on the model
        (statsmodels' ``model.df_model = ...``) is used."""
        given = self.model.__dict__.get("_df_model")
        if given is not None:
            return float(given)
        return float(len(self.params_array) - self.k_constr - self.k_constant)

    @property
    def df_resid(self) -> float:
        given = self.model.__dict__.get("_df_resid")
        return float(given) if given is not None else float(self.statistics.df_resid)

    def info_criteria(self, crit: str, dk_params: int = 0) -> float:  # type: ignore[override]
        """``"aic"``, ``"aicc"``, ``"bic"`` or ``"hqic"`` with ``dk_params`` more parameters
        (statsmodels' regression convention)."""
        crit = crit.lower()
        k_params = self.df_model + self.k_constant + dk_params
        functions = {
            "aic": eval_measures.aic,
            "aicc": eval_measures.aicc,
            "bic": eval_measures.bic,
            "hqic": eval_measures.hqic,
        }
        if crit not in functions:
            raise ValueError(f"crit must be one of {sorted(functions)}, got {crit!r}")
        return float(functions[crit](self.llf, self.nobs, k_params))

    def get_robustcov_results(self, cov_type: str = "HC1", use_t=None, **kwds):
        """These estimates with another covariance (statsmodels' ``get_robustcov_results``;
        the model is fitted again with ``cov_type``, its passes included)."""
        return self.model.fit(cov_type=cov_type, cov_kwds=kwds or None, use_t=use_t)

    @cached_property
    def aic(self) -> float:
        return float(-2 * self.llf + 2 * (self.df_model + self.k_constant))

    @cached_property
    def bic(self) -> float:
        return float(-2 * self.llf + np.log(self.nobs) * (self.df_model + self.k_constant))

    # --- sums of squares --------------------------------------------------------------------
    @property
    def ssr(self) -> float:
        """Sum of squared (weighted) residuals."""
        return float(self.deviance)

    @property
    def centered_tss(self) -> float:
        """``Σ w (y − ȳ_w)²``."""
        return float(self.null_deviance)

    @property
    def uncentered_tss(self) -> float:
        """``Σ w y²`` (from the residual pass)."""
        return float(self._residual_sums.uncentered)

    @property
    def _tss(self) -> float:
        return self.centered_tss if self.k_constant else self.uncentered_tss

    @property
    def ess(self) -> float:
        """Explained sum of squares."""
        return self._tss - self.ssr

    @property
    def rsquared(self) -> float:
        """R² (uncentered without a constant, as statsmodels)."""
        return 1 - self.ssr / self._tss

    @property
    def rsquared_adj(self) -> float:
        if self.df_resid == 0:
            return float("nan")
        return 1 - (self.nobs - self.k_constant) / self.df_resid * (1 - self.rsquared)

    @property
    def mse_model(self) -> float:
        return float(np.float64(self.ess) / self.df_model) if self.df_model else float("nan")

    @property
    def mse_resid(self) -> float:
        return float(np.float64(self.ssr) / self.df_resid) if self.df_resid else float("nan")

    @property
    def mse_total(self) -> float:
        return self._tss / (self.df_resid + self.df_model)

    @cached_property
    def fvalue(self) -> float:
        """F statistic of all non-constant coefficients being 0 (a Wald F test with the
        robust covariance when there is one, as statsmodels)."""
        if self.df_model == 0:
            return float("nan")  # only a constant: nothing to test (statsmodels)
        if self.cov_type == "nonrobust":
            return float(self.mse_model / self.mse_resid)
        if self.k_constant and not self.model.has_explicit_constant:
            return float("nan")  # an implicit constant cannot be excluded (statsmodels)
        names = list(self.estimates.index)
        keep = [i for i, c in enumerate(self._constant_columns()) if not c]
        restriction = np.eye(len(names))[keep]
        return float(np.squeeze(self.f_test(restriction).fvalue))

    @property
    def f_pvalue(self) -> float:
        """The F test's p-value (with the robust covariance's denominator degrees of freedom,
        e.g. clusters minus one, as statsmodels)."""
        df_denom = self.df_resid
        if self.cov_type != "nonrobust" and self.df_resid_inference is not None:
            df_denom = self.df_resid_inference
        return float(stats.f.sf(self.fvalue, self.df_model, df_denom))

    def _constant_columns(self) -> list[bool]:
        spec = self.model.spec
        constant = getattr(spec, "constant", None)
        if constant is not None:
            return [bool(c) for c in constant]
        return [name == "Intercept" for name in self.estimates.index]

    # --- the design's conditioning ------------------------------------------------------------
    @cached_property
    def eigenvals(self) -> np.ndarray:
        """Eigenvalues of ``XᵀWX``, largest first."""
        if self.gram is None:
            gram = np.linalg.inv(np.asarray(self.normalized_cov_params, dtype=float))
        else:
            gram = full_matrix(self.gram, self.model.layout)
        return np.sort(np.linalg.eigvalsh(gram))[::-1]

    @property
    def condition_number(self) -> float:
        """``√(λ_max / λ_min)`` of ``XᵀWX``."""
        values = self.eigenvals
        return float(np.sqrt(values[0] / values[-1]))

    # --- heteroscedasticity-robust covariances (statsmodels' cov_HC0 ... HC3_se) -----------
    def _hc(self, power: int) -> np.ndarray:
        bread = np.asarray(self.normalized_cov_params, dtype=float)
        parts = self.model.runner.run(
            leverage_meat_pass, self.model.layout, self.params_array, bread, power, name="HC"
        )
        return bread @ parts.meat @ bread

    @cached_property
    def cov_HC0(self) -> np.ndarray:
        return self._hc(0)

    @cached_property
    def cov_HC1(self) -> np.ndarray:
        return self.cov_HC0 * (self.nobs / self.df_resid)

    @cached_property
    def cov_HC2(self) -> np.ndarray:
        return self._hc(1)

    @cached_property
    def cov_HC3(self) -> np.ndarray:
        return self._hc(2)

    @property
    def HC0_se(self) -> Any:
        return self._wrap(np.sqrt(np.diag(self.cov_HC0)))

    @property
    def HC1_se(self) -> Any:
        return self._wrap(np.sqrt(np.diag(self.cov_HC1)))

    @property
    def HC2_se(self) -> Any:
        return self._wrap(np.sqrt(np.diag(self.cov_HC2)))

    @property
    def HC3_se(self) -> Any:
        return self._wrap(np.sqrt(np.diag(self.cov_HC3)))

    # --- residuals ------------------------------------------------------------------------------
    @property
    def resid(self) -> Any:
        """``y − Xβ``, aligned with the data (lazy for dask input)."""
        return self.resid_response

    @property
    def wresid(self) -> Any:
        """``√w (y − Xβ)``."""
        return super().resid_pearson

    @property
    def resid_pearson(self) -> Any:
        """Normalized residuals ``wresid / √scale`` (statsmodels' regression definition)."""
        return self.wresid / np.sqrt(self.scale)

    @cached_property
    def _residual_sums(self):
        return self.model.runner.run(
            residual_pass, self.model.layout, self.params_array, name="residual statistics"
        )

    @cached_property
    def diagnostics(self) -> ResidualDiagnostics:
        """Omnibus, Jarque–Bera, skewness, kurtosis and Durbin–Watson of the whitened
        residuals (one pass, the rows in order across partitions)."""
        sums = self._residual_sums
        return ResidualDiagnostics(
            n=sums.n,
            m2=sums.m2,
            m3=sums.m3,
            m4=sums.m4,
            squared_differences=sums.squared_differences,
            sum_squares=sums.m2 + sums.n * sums.mean**2,
        )

    # --- what a saved file keeps (the passes need the data) -------------------------------
    def persisted_state(self) -> dict:
        """The residual sums and eigenvalues, JSON-able (computed now if not yet)."""
        sums = self._residual_sums
        return {
            "residual_sums": {f.name: float(getattr(sums, f.name)) for f in fields(sums)},
            "eigenvals": [float(v) for v in self.eigenvals],
        }

    def restore_state(self, state: dict) -> None:
        """Put back what :meth:`persisted_state` kept (results read from a file)."""
        if "residual_sums" in state:
            self.__dict__["_residual_sums"] = ResidualPartial(**state["residual_sums"])
        if "eigenvals" in state:
            self.__dict__["eigenvals"] = np.asarray(state["eigenvals"], dtype=float)

    # --- comparisons ----------------------------------------------------------------------------
    def compare_f_test(self, restricted) -> tuple[float, float, float]:
        """F test of the ``restricted`` (nested) model: ``(f_value, p_value, df_diff)``."""
        df_diff = restricted.df_resid - self.df_resid
        f_value = (restricted.ssr - self.ssr) / df_diff / (self.ssr / self.df_resid)
        return float(f_value), float(stats.f.sf(f_value, df_diff, self.df_resid)), float(df_diff)

    # --- predictions with observation intervals ---------------------------------------------
    def get_prediction(  # type: ignore[override]
        self,
        exog=None,
        transform: bool = True,
        weights=None,
        row_labels=None,
        **kwargs: Any,
    ):
        """statsmodels' regression ``get_prediction``: the mean's and an observation's
        intervals; an observation's variance is ``scale / weights`` (the model's weights for
        the fitted rows, ``weights=`` for new ones, as statsmodels' WLS). Weights apply to
        in-memory data; for dask data the observation intervals use ``scale``."""
        pred = GLMResults.get_prediction(
            self, exog, transform=transform, row_labels=row_labels, **kwargs
        )
        in_memory = isinstance(pred, LinearPredictionResults)
        model: Any = self.model
        if weights is None and exog is None and model.extras.var_weights is not None:
            if in_memory:
                weights = np.asarray(model.weights, dtype=float)
        if weights is not None:
            if not in_memory:
                raise DataError(
                    "weights= (an observation's variance scale / weights) applies to in-memory "
                    "data; for dask data the observation intervals use the scale."
                )
            pred.var_resid = float(self.scale) / np.asarray(weights, dtype=float)
        return pred

    # --- presentation ---------------------------------------------------------------------------
    def summary(self, yname=None, xname=None, title=None, alpha: float = 0.05, slim=False):
        """statsmodels' OLS summary: the same layout, fields and notes."""
        return regression_summary(self, yname, xname, title, alpha, slim)


def regression_summary(results, yname=None, xname=None, title=None, alpha=0.05, slim=False):
    """The layout of statsmodels' ``RegressionResults.summary()``."""
    eigvals = results.eigenvals
    condno = results.condition_number
    uncentered = "" if results.k_constant else " (uncentered)"
    top_left = [
        ("Dep. Variable:", None),
        ("Model:", None),
        ("Method:", ["Least Squares"]),
        ("Date:", None),
        ("Time:", None),
        ("No. Observations:", None),
        ("Df Residuals:", None),
        ("Df Model:", None),
        ("Covariance Type:", [results.cov_type]),
    ]
    top_right = [
        ("R-squared" + uncentered + ":", [f"{results.rsquared:#8.3f}"]),
        ("Adj. R-squared" + uncentered + ":", [f"{results.rsquared_adj:#8.3f}"]),
        ("F-statistic:", [f"{results.fvalue:#8.4g}"]),
        ("Prob (F-statistic):", [f"{results.f_pvalue:#6.3g}"]),
        ("Log-Likelihood:", None),
        ("AIC:", [f"{results.aic:#8.4g}"]),
        ("BIC:", [f"{results.bic:#8.4g}"]),
    ]
    if slim:
        shown = {
            "Dep. Variable:",
            "Model:",
            "No. Observations:",
            "Covariance Type:",
            "R-squared:",
            "Adj. R-squared:",
            "F-statistic:",
            "Prob (F-statistic):",
        }
        top_left = [row for row in top_left if row[0] in shown]
        top_right = [row for row in top_right if row[0] in shown]
        top_right += [("", [""])] * (len(top_left) - len(top_right))
    if title is None:
        title = type(results.model).__name__ + " Regression Results"
    smry = Summary()
    smry.add_table_2cols(
        results, gleft=top_left, gright=top_right, yname=yname, xname=xname, title=title
    )
    smry.add_table_params(results, yname=yname, xname=xname, alpha=alpha, use_t=results.use_t)
    if not slim:
        d = results.diagnostics
        jb, jbpv = d.jarque_bera
        omni, omnipv = d.omnibus
        diagn_left = [
            ("Omnibus:", [f"{omni:#6.3f}"]),
            ("Prob(Omnibus):", [f"{omnipv:#6.3f}"]),
            ("Skew:", [f"{d.skew:#6.3f}"]),
            ("Kurtosis:", [f"{d.kurtosis:#6.3f}"]),
        ]
        diagn_right = [
            ("Durbin-Watson:", [f"{d.durbin_watson:#8.3f}"]),
            ("Jarque-Bera (JB):", [f"{jb:#8.3f}"]),
            ("Prob(JB):", [f"{jbpv:#8.3g}"]),
            ("Cond. No.", [f"{condno:#8.3g}"]),
        ]
        smry.add_table_2cols(
            results, gleft=diagn_left, gright=diagn_right, yname=yname, xname=xname, title=""
        )
    notes = []
    if not results.k_constant:
        notes.append(
            "R² is computed without centering (uncentered) since the model does not contain "
            "a constant."
        )
    notes.append(results.cov_kwds.get("description", _DESCRIPTIONS.get(results.cov_type, "")))
    if results.nobs < len(results.params_array):
        notes.append("The input rank is higher than the number of observations.")
    if eigvals[-1] < 1e-10:
        notes.append(
            f"The smallest eigenvalue is {eigvals[-1]:6.3g}. This might indicate that there "
            "are\nstrong multicollinearity problems or that the design matrix is singular."
        )
    elif condno > 1000:
        notes.append(
            f"The condition number is large, {condno:6.3g}. This might indicate that there "
            "are\nstrong multicollinearity or other numerical problems."
        )
    notes += list(results.notes)
    smry.add_extra_txt(["Notes:"] + [f"[{i + 1}] {text}" for i, text in enumerate(notes)])
    return smry


_DESCRIPTIONS = {
    "nonrobust": "Standard Errors assume that the covariance matrix of the errors is correctly "
    "specified.",
}
