"""Results of the discrete models (statsmodels' ``LogitResults``, ``ProbitResults``,
``PoissonResults``): the likelihood-ratio statistics, McFadden's pseudo-R², the prediction
table, marginal effects and statsmodels' discrete summary layout."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from scipy import stats
from statsmodels.iolib.summary import Summary

from daskstats.kernels.discrete import BinaryCounts, binary_counts_pass
from daskstats.results.glm import GLMModel, GLMResults
from daskstats.results.twin import statsmodels_discrete_results

__all__ = ["MLEStatistics", "DiscreteResults", "BinaryResults", "CountResults", "discrete_summary"]


class DiscreteFittedModel(GLMModel, Protocol):
    """What discrete results use of their model: :class:`GLMModel`, its constant, design,
    passes and data summary."""

    layout: Any
    runner: Any

    @property
    def k_constant(self) -> int: ...

    def data_summary(self) -> Any: ...


class MLEStatistics:
    """statsmodels' maximum-likelihood statistics of its discrete models: the information
    criteria count the constant and ``k_extra`` parameters (NegativeBinomial's alpha), the
    likelihood-ratio test is against the constant-only model."""

    if TYPE_CHECKING:  # provided by the results this is mixed into

        @property
        def llf(self) -> float: ...
        @property
        def llnull(self) -> float: ...
        @property
        def nobs(self) -> int: ...
        @property
        def df_model(self) -> float: ...
        @property
        def k_constant(self) -> int: ...

    @property
    def k_extra(self) -> int:
        """Parameters beside the regressors' (none here)."""
        return 0

    @cached_property
    def aic(self) -> float:
        return float(-2 * self.llf + 2 * (self.df_model + self.k_constant + self.k_extra))

    @cached_property
    def bic(self) -> float:
        k = self.df_model + self.k_constant + self.k_extra
        return float(-2 * self.llf + np.log(self.nobs) * k)

    @property
    def llr(self) -> float:
        """Likelihood-ratio statistic against the constant-only model."""
        return float(-2 * (self.llnull - self.llf))

    @property
    def llr_pvalue(self) -> float:
        return float(stats.distributions.chi2.sf(self.llr, self.df_model))

    @property
    def prsquared(self) -> float:
        """McFadden's pseudo-R²: ``1 − llf / llnull``."""
        return float(1 - self.llf / self.llnull)


@dataclass(frozen=True, eq=False, kw_only=True)
class DiscreteResults(MLEStatistics, GLMResults):
    """Results of a discrete model: :class:`~daskstats.results.glm.GLMResults` plus
    ``llr``, ``llr_pvalue``, ``prsquared``, ``get_margeff`` and statsmodels' discrete
    ``summary()``. ``fittedvalues`` is the linear predictor, as statsmodels'."""

    model: DiscreteFittedModel

    @property
    def k_constant(self) -> int:
        return int(self.model.k_constant)

    @property
    def df_model(self) -> float:
        return float(len(self.params_array) - self.k_constr - self.k_constant)

    @property
    def df_resid(self) -> float:
        return float(self.nobs - len(self.params_array) + self.k_constr)

    @property
    def fittedvalues(self) -> Any:
        """The linear predictor without the offset and exposure, ``Xβ`` (statsmodels'
        discrete ``fittedvalues``)."""
        model: Any = self.model
        if model.extras.offset is None and model.extras.exposure is None:
            return self.predict(which="linear")
        if getattr(model, "formula", None) is not None and hasattr(model.frame, "dask"):
            # lazy rows of a dask DataFrame: the data's own rows, without offset/exposure
            return self.predict(model.frame, offset=0.0, exposure=1.0, which="linear")
        linear = self.predict(which="linear")
        for extra in (model.offset, model.exposure):
            if extra is not None:
                linear = linear - (np.asarray(extra) if isinstance(linear, np.ndarray) else extra)
        return linear

    @property
    def resid(self) -> Any:
        """``y − μ``."""
        return self.resid_response

    @property
    def resid_dev(self) -> Any:
        return self.resid_deviance

    @property
    def resid_generalized(self) -> Any:
        """``(y − μ) / (V(μ) g'(μ))``: the score's factor per row (``y − p`` for Logit)."""
        family = self.model.family

        def factor(m):
            return 1.0 / (family.variance(m) * family.link.deriv(m))

        response = self.resid_response
        if hasattr(response, "map_partitions"):  # lazy dask Series: block by block
            return response.map_partitions(
                lambda r, m: r * factor(np.asarray(m, dtype=float)),
                self._rows("mu"),
                meta=response._meta,
            )
        if hasattr(response, "map_blocks"):
            mu_rows: Any = self._rows("mu")
            return response * mu_rows.map_blocks(factor, dtype=float)
        return response * factor(np.asarray(self.mu, dtype=float))

    def predict(
        self,
        exog=None,
        transform: bool = True,
        which: str = "mean",
        *,
        offset=None,
        exposure=None,
        linear=None,
    ):
        """statsmodels' discrete ``predict``: ``which="mean"``, ``"linear"`` or ``"var"``."""
        if which == "prob" and isinstance(self, CountResults):
            return self.predict_prob(exog=exog, exposure=exposure, offset=offset)
        which = "var_unscaled" if which == "var" else which
        return super().predict(
            exog, transform, which, offset=offset, exposure=exposure, linear=linear
        )

    def get_margeff(self, at="overall", method="dydx", atexog=None, dummy=False, count=False):
        """statsmodels' marginal effects with delta-method standard errors (``at`` "overall",
        "mean", "median", "zero" or "all"; ``method`` "dydx", "eyex", "dyex", "eydx"),
        computed by statsmodels on the used rows in memory with these estimates."""
        twin = statsmodels_discrete_results(self, "get_margeff")
        return twin.get_margeff(at=at, method=method, atexog=atexog, dummy=dummy, count=count)

    def _summary_notes(self) -> list[str]:
        return []

    def summary(self, yname=None, xname=None, title=None, alpha: float = 0.05, yname_list=None):
        """statsmodels' discrete-model summary (the same layout and fields)."""
        return discrete_summary(self, yname, xname, title, alpha, self._summary_notes())


@dataclass(frozen=True, eq=False, kw_only=True)
class BinaryResults(DiscreteResults):
    """Logit and Probit results: also ``pred_table``."""

    @cached_property
    def _counts(self):
        return self._binary_counts(0.5)

    def _binary_counts(self, threshold: float):
        return self.model.runner.run(
            binary_counts_pass,
            self.model.layout,
            self.model.family,
            self.params_array,
            float(threshold),
            name="prediction table",
        )

    def persisted_state(self) -> dict:
        """The prediction table's counts at 0.5, JSON-able (a pass now if not yet)."""
        counts = self._counts
        return {"counts": {"table": counts.table.tolist(), "close": counts.close, "n": counts.n}}

    def restore_state(self, state: dict) -> None:
        if "counts" in state:
            c = state["counts"]
            self.__dict__["_counts"] = BinaryCounts(
                np.asarray(c["table"], dtype=float), float(c["close"]), float(c["n"])
            )

    def pred_table(self, threshold: float = 0.5) -> np.ndarray:
        """``table[i, j]``: rows observed ``i`` and predicted ``j`` (one pass)."""
        counts = self._counts if threshold == 0.5 else self._binary_counts(threshold)
        return counts.table.copy()

    def _summary_notes(self) -> list[str]:
        counts = self._counts
        fraction = counts.close / counts.n
        if counts.close == counts.n:
            return [
                "Complete Separation: The results show that there iscomplete separation or "
                "perfect prediction.\nIn this case the Maximum Likelihood Estimator does not "
                "exist and the parameters\nare not identified."
            ]
        if fraction > 0.1:
            return [
                f"Possibly complete quasi-separation: A fraction {fraction:4.2f} of "
                "observations can be\nperfectly predicted. This might indicate that there is "
                "complete\nquasi-separation. In this case some parameters will not be "
                "identified."
            ]
        return []


@dataclass(frozen=True, eq=False, kw_only=True)
class CountResults(DiscreteResults):
    """Poisson results: also ``predict_prob``."""

    def predict_prob(self, n=None, exog=None, exposure=None, offset=None, transform=True):
        """Probabilities of the counts ``n`` (default ``0 … max(y)``) for each row: ``(rows,
        len(n))`` (lazy for dask input)."""
        counts = (
            np.arange(int(self.model.data_summary().y.max) + 1)
            if n is None
            else np.atleast_1d(np.asarray(n))
        )
        mu = self.predict(exog, transform, offset=offset, exposure=exposure)
        if hasattr(mu, "to_dask_array"):
            mu = mu.to_dask_array(lengths=True)
        if hasattr(mu, "map_blocks"):
            return mu.map_blocks(
                lambda m: stats.poisson.pmf(counts, m[:, None]),
                new_axis=1,
                chunks=(mu.chunks[0], (len(counts),)),
                dtype=float,
            )
        return stats.poisson.pmf(counts, np.asarray(mu, dtype=float)[:, None])


def discrete_summary(results, yname=None, xname=None, title=None, alpha=0.05, notes=()):
    """The layout of statsmodels' ``DiscreteResults.summary()``."""
    top_left = [
        ("Dep. Variable:", None),
        ("Model:", [type(results.model).__name__]),
        ("Method:", ["MLE"]),
        ("Date:", None),
        ("Time:", None),
        ("converged:", [f"{bool(results.converged)}"]),
        ("Covariance Type:", [results.cov_type]),
    ]
    top_right = [
        ("No. Observations:", None),
        ("Df Residuals:", None),
        ("Df Model:", None),
        ("Pseudo R-squ.:", [f"{results.prsquared:#6.4g}"]),
        ("Log-Likelihood:", None),
        ("LL-Null:", [f"{results.llnull:#8.5g}"]),
        ("LLR p-value:", [f"{results.llr_pvalue:#6.4g}"]),
    ]
    if title is None:
        title = type(results.model).__name__ + " Regression Results"
    smry = Summary()
    smry.add_table_2cols(
        results, gleft=top_left, gright=top_right, yname=yname, xname=xname, title=title
    )
    smry.add_table_params(results, yname=yname, xname=xname, alpha=alpha, use_t=results.use_t)
    if results.constraint is not None:
        smry.add_extra_txt(["Model has been estimated subject to linear equality constraints."])
    notes = list(notes) + list(results.notes)
    if notes:
        smry.add_extra_txt(notes)
    return smry
