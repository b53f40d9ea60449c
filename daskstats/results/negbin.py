"""Results of a negative binomial fit with its dispersion estimated (statsmodels'
``NegativeBinomialResults``): ``params`` ends with ``alpha``; ``lnalpha`` and its standard
error; the likelihood-ratio statistics against the constant-only negative binomial."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from daskstats.errors import DataError
from daskstats.results.base import LikelihoodResults
from daskstats.results.discrete import MLEStatistics, discrete_summary
from daskstats.results.twin import statsmodels_discrete_results

__all__ = ["NegativeBinomialResults"]


@dataclass(frozen=True, eq=False, kw_only=True)
class NegativeBinomialResults(MLEStatistics, LikelihoodResults):
    """Results of :class:`daskstats.NegativeBinomial` (statsmodels' names).

    Attributes
    ----------
    loglike : float
        The maximized log-likelihood.
    loglike_null : float
        The constant-only model's maximized log-likelihood (its ``alpha`` estimated too).
    n_obs : int
    loglike_method : {"nb2", "nb1"}
    """

    model: Any
    loglike: float
    loglike_null: float
    n_obs: int
    loglike_method: str = "nb2"

    @property
    def nobs(self) -> int:
        return int(self.n_obs)

    @property
    def k_constant(self) -> int:
        return int(self.model.k_constant)

    @property
    def k_extra(self) -> int:
        """1 (``alpha``), 0 for the geometric model (``alpha`` fixed at 1)."""
        return 0 if self.loglike_method == "geometric" else 1

    @property
    def df_model(self) -> float:
        return float(len(self.params_array) - self.k_extra - self.k_constant - self.k_constr)

    @property
    def df_resid(self) -> float:
        return float(self.nobs - (len(self.params_array) - self.k_extra) + self.k_constr)

    @property
    def llf(self) -> float:
        return float(self.loglike)

    @property
    def llnull(self) -> float:
        return float(self.loglike_null)

    @property
    def alpha(self) -> float:
        return 1.0 if self.k_extra == 0 else float(self.params_array[-1])

    @property
    def lnalpha(self) -> float:
        return float(np.log(self.alpha))

    @property
    def lnalpha_std_err(self) -> float:
        """Delta method: ``se(α) / α``."""
        return float(np.sqrt(np.asarray(self.cov_params_default)[-1, -1]) / self.alpha)

    # --- per row ------------------------------------------------------------------------------
    @property
    def _beta(self) -> np.ndarray:
        return self.params_array if self.k_extra == 0 else self.params_array[:-1]

    def predict(
        self, exog=None, transform: bool = True, which: str = "mean", *, offset=None, exposure=None
    ):
        """Predicted mean (``which="mean"``) or linear predictor (``"linear"``)."""
        if which == "var":  # the response's variance: μ + α μ² (NB2), (1 + α) μ (NB1)
            mu = self.predict(exog, transform, offset=offset, exposure=exposure)
            if self.loglike_method == "nb1":
                return mu * (1 + self.alpha)
            return mu + self.alpha * mu**2
        if which not in ("mean", "linear"):
            raise ValueError(f"which must be 'mean', 'linear' or 'var', got {which!r}")
        if exog is None and (offset is not None or exposure is not None):
            return self.model.predict(self._beta, exposure=exposure, offset=offset, which=which)
        return self.model.predict_values(self._beta, exog, which, offset, exposure, transform)

    @property
    def fittedvalues(self) -> Any:
        """The linear predictor, as statsmodels' count results."""
        return self.predict(which="linear")

    @property
    def resid(self) -> Any:
        """``y − μ`` of the used rows."""
        return self.model.endog - self.predict()

    def get_distribution(self, exog=None, exposure=None, offset=None):
        """The fitted rows' (or new rows') negative binomial distributions (scipy's
        ``nbinom``, frozen; in memory)."""
        return self.model.get_distribution(
            self.params_array, exog=exog, exposure=exposure, offset=offset
        )

    def get_margeff(self, at="overall", method="dydx", atexog=None, dummy=False, count=False):
        """statsmodels' marginal effects, computed by statsmodels on the used rows in memory
        with these estimates (see :mod:`daskstats.results.twin`)."""
        twin = statsmodels_discrete_results(self, "get_margeff")
        return twin.get_margeff(at=at, method=method, atexog=atexog, dummy=dummy, count=count)

    def save(self, path, remove_data: bool = False) -> None:
        """Not available for this model yet: its results pickle (``pickle.dumps(res)``,
        after ``res.remove_data()`` to leave the data out)."""
        raise DataError(
            "save/load is not available for NegativeBinomial results; pickle them instead "
            "(pickle.dumps(res), after res.remove_data() to leave the data out)."
        )

    def remove_data(self) -> None:
        """Drop the model's references to the data (statsmodels' ``remove_data``)."""
        self.model.remove_data()

    def summary(self, yname=None, xname=None, title=None, alpha: float = 0.05, yname_list=None):
        """statsmodels' discrete-model summary."""
        if xname is None:
            xname = list(self.estimates.index)
        return discrete_summary(self, yname, xname, title, alpha)
