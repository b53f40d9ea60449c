"""statsmodels' likelihood functions of a GLM: ``loglike``, ``loglike_mu``, ``score``,
``score_obs``, ``score_factor``, ``hessian``, ``hessian_factor``, ``information``,
``estimate_scale``, ``estimate_tweedie_power``, ``predict``, ``get_distribution`` and
``score_test``.

Each is one pass over the data (sums at scale 1 and the Pearson χ² and deviance the scale is
estimated from, together) or a lazy per-row quantity; the values equal statsmodels'.
``scale=None`` means the model's scale at ``params`` as ``fit(scale=...)`` chose it
(statsmodels' ``scaletype``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import optimize, stats
from statsmodels.genmod.families import Binomial, NegativeBinomial, Poisson, links

from daskstats.errors import DataError
from daskstats.families import estimate_scale, likelihood, parse_scale
from daskstats.kernels.at_mean import mean_sums, tweedie_sums
from daskstats.kernels.derivatives import (
    DerivativesPartial,
    DerivativesSpec,
    derivatives_pass,
    extended_pass,
    factor_rows,
)
from daskstats.linalg.gram import full_matrix
from daskstats.models.model_data import check_params
from daskstats.passes import input_kind
from daskstats.passes.aligned import align_rows, per_block, rows_kernel, rows_kernel_none
from daskstats.results.twin import statsmodels_model

__all__ = ["ModelFunctions"]

WHICH = ("mean", "linear", "var_unscaled")


class ModelFunctions:
    """Likelihood functions (a mixin of :class:`~daskstats.models.glm.GLM`)."""

    # Provided by the model this is mixed into.
    family: Any
    spec: Any
    layout: Any
    runner: Any
    scaletype: Any
    exog_names: Any
    df_resid: Any
    _rows: Any
    _require_data: Any
    data_summary: Any
    exog: Any
    offset: Any
    exposure: Any
    input_format: Any
    predict_values: Any

    # --- helpers --------------------------------------------------------------------------
    def _params(self, params) -> np.ndarray:
        return check_params(params, self.layout.n_params, self.exog_names)

    def _scaletype(self):
        try:
            return parse_scale(self.scaletype)
        except DataError:
            raise DataError(
                f"scaletype must be None, 'X2', 'dev' or a number, got {self.scaletype!r}."
            ) from None

    def _scale(self, pearson: float, deviance: float) -> float:
        return float(
            estimate_scale(self.family, self._scaletype(), pearson, deviance, self.df_resid)
        )

    def _derivatives(
        self, params, hessian: str | None = None, score: bool = False, loglike_scale=None
    ) -> DerivativesPartial:
        self._require_data()
        decomposed = likelihood.decomposable(self.family, self.data_summary().constant_var_weights)
        spec = DerivativesSpec(
            self.family,
            self._params(params),
            self.layout,
            hessian=hessian,
            score=score,
            loglike_sums=decomposed,
            loglike_scale=None if decomposed else loglike_scale,
        )
        return self.runner.run(derivatives_pass, spec, name="derivatives", pooled=True)

    def _mean_pieces(self, mu):
        self._require_data()
        return align_rows(mu, self.data_summary(), len(self.runner.blocks), "mu")

    def _var_weight(self) -> float:
        var_weights = self.data_summary().var_weights
        return var_weights.min if var_weights is not None else 1.0

    # --- log-likelihood -------------------------------------------------------------------
    def loglike(self, params, scale: float | None = None) -> float:
        """statsmodels' log-likelihood at ``params`` (one pass; two for a family whose
        log-likelihood has no scale-free sums when the scale is estimated)."""
        parts = self._derivatives(params, loglike_scale=scale)
        if scale is None:
            scale = self._scale(parts.fit.pearson, parts.fit.deviance)
        if parts.fit.loglike is not None:
            return float(
                likelihood.combine(self.family, parts.fit.loglike, scale, self._var_weight())
            )
        if parts.llf is None:
            parts = self._derivatives(params, loglike_scale=scale)
        if parts.llf is None:
            raise TypeError("the derivatives pass collected no log-likelihood")
        return float(parts.llf)

    def loglike_mu(self, mu, scale: float = 1.0) -> float:
        """The log-likelihood at the means ``mu`` (one per used row, or per input row)."""
        pieces = self._mean_pieces(mu)
        sums = self.runner.run(
            rows_kernel,
            mean_sums,
            self.family,
            float(scale),
            per_block=per_block(pieces),
            name="loglike_mu",
        )
        return float(sums.llf)

    def estimate_scale(self, mu) -> float:
        """The scale at the means ``mu`` as ``fit(scale=...)`` chose it (statsmodels)."""
        scaletype = self._scaletype()
        pieces = self._mean_pieces(mu)
        sums = self.runner.run(
            rows_kernel, mean_sums, self.family, 1.0, per_block=per_block(pieces), name="scale"
        )
        return float(
            estimate_scale(self.family, scaletype, sums.pearson, sums.deviance, self.df_resid)
        )

    def estimate_tweedie_power(
        self, mu, method: str = "brentq", low: float = 1.01, high: float = 5.0
    ) -> float:
        """The Tweedie variance power solving statsmodels' Pearson equation (Brent's method;
        one pass per evaluation)."""
        if method != "brentq":
            raise NotImplementedError("Only brentq can currently be used")
        pieces = per_block(self._mean_pieces(mu))
        df_resid = self.df_resid

        def psi(power: float) -> float:
            sums = self.runner.run(
                rows_kernel, tweedie_sums, float(power), per_block=pieces, name="tweedie power"
            )
            return (sums.r2_log * df_resid / sums.r2 - sums.log) / sums.freq

        return float(optimize.brentq(psi, low, high))

    # --- derivatives ----------------------------------------------------------------------
    def score(self, params, scale: float | None = None) -> np.ndarray:
        """``∂ loglike / ∂ params`` (one pass)."""
        parts = self._derivatives(params, score=True)
        if scale is None:
            scale = self._scale(parts.fit.pearson, parts.fit.deviance)
        return np.asarray(parts.score) / scale

    def hessian(
        self, params, scale: float | None = None, observed: bool | None = None
    ) -> np.ndarray:
        """The Hessian of the log-likelihood: minus the observed information (default) or,
        with ``observed=False``, minus the expected one (one pass)."""
        if observed is None:
            observed = getattr(self, "_optim_hessian", None) != "eim"
        parts = self._derivatives(params, hessian="observed" if observed else "expected")
        if scale is None:
            scale = self._scale(parts.fit.pearson, parts.fit.deviance)
        if parts.information is None:
            raise AttributeError("the derivatives pass collected no information matrix")
        return -full_matrix(parts.information, self.layout) / scale

    def information(self, params, scale: float | None = None) -> np.ndarray:
        """statsmodels' ``information``: the Hessian with ``observed=False`` (its sign too)."""
        return self.hessian(params, scale=scale, observed=False)

    def _scale_at(self, params, scale: float | None) -> float:
        if scale is not None:
            return float(scale)
        parts = self._derivatives(params)
        return self._scale(parts.fit.pearson, parts.fit.deviance)

    def _factor_rows(self, params, what: str, scale: float | None, width: int | None = None):
        params = self._params(params)
        scale = self._scale_at(params, scale)
        return self._rows(factor_rows, (self.layout, self.family, params, what, scale), width)

    def score_obs(self, params, scale: float | None = None):
        """Per-row scores ``(nobs, k)`` (numpy, or a lazy dask array for dask input)."""
        return self._factor_rows(params, "score_obs", scale, width=self.layout.n_params)

    def score_factor(self, params, scale: float | None = None):
        """Per-row score weights: ``score_obs = score_factor[:, None] * exog``."""
        return self._factor_rows(params, "score", scale)

    def hessian_factor(self, params, scale: float | None = None, observed: bool = True):
        """Per-row information weights: ``hessian = -(exog.T * factor) @ exog``."""
        return self._factor_rows(params, "observed" if observed else "expected", scale)

    def extended(self, params, exog_extra, observed: bool = True):
        """One pass: score, information, robust score covariance (scale 1) of the design
        extended by ``exog_extra`` (None: the design), with the Pearson χ² and deviance."""
        self._require_data()
        params = self._params(params)
        hessian = "observed" if observed else "expected"
        per = None
        kernel: Callable[..., Any]
        if exog_extra is not None:
            pieces = align_rows(
                exog_extra, self.data_summary(), len(self.runner.blocks), "exog_extra"
            )
            per = per_block(pieces)
            kernel, args = rows_kernel, (extended_pass,)
        else:
            kernel, args = rows_kernel_none, (extended_pass,)
        return self.runner.run(
            kernel,
            *args,
            self.family,
            params,
            self.layout,
            hessian,
            per_block=per,
            name="score test",
        )

    def scale_from(self, pearson: float, deviance: float, df_resid: float) -> float:
        """The scale as ``fit(scale=...)`` chose it, from the Pearson χ² and deviance."""
        return float(estimate_scale(self.family, self._scaletype(), pearson, deviance, df_resid))

    def score_test(self, params_constrained, k_constraints=None, exog_extra=None, observed=True):
        """statsmodels' ``GLM.score_test``: ``(chi2, p-value, df)`` (one pass)."""
        if exog_extra is None and k_constraints is None:
            raise ValueError("if exog_extra is None, then k_constraints needs to be given")
        parts = self.extended(params_constrained, exog_extra, observed)
        scale = self.scale_from(parts.pearson, parts.deviance, self.df_resid)
        score, info = parts.score / scale, parts.information / scale
        if exog_extra is not None:
            k_constraints = (k_constraints or 0) + len(score) - self.layout.n_params
        chi2 = float(score @ np.linalg.solve(info, score))
        return chi2, float(stats.chi2.sf(chi2, k_constraints)), k_constraints

    # --- predictions ----------------------------------------------------------------------
    def predict(
        self,
        params,
        exog=None,
        exposure=None,
        offset=None,
        which: str = "mean",
        linear: bool | None = None,
    ):
        """statsmodels' ``GLM.predict``: the mean (or linear predictor, or the variance
        function) for the model's rows or a design ``exog``.

        Without ``exog`` the model's offset and exposure are used unless given; with ``exog``
        they are 0 unless given. A formula model also takes a DataFrame of the formula's
        variables as ``exog``. The result is in the kind of the data (lazy for dask).
        """
        if linear is not None:
            which = "linear" if linear else "mean"
        if which not in WHICH:
            raise DataError(f"which must be one of {WHICH}, got {which!r}.")
        params = self._params(params)
        if exposure is not None and not isinstance(self.family.link, links.Log):
            raise DataError("exposure can only be used with the log link function")
        if exog is None and offset is None and exposure is None:
            return self.predict_values(params, None, which, None, None)
        formula_frame = (
            getattr(self, "formula", None)
            and hasattr(exog, "columns")
            and set(self.spec.x_variables) <= set(exog.columns)
        )
        if formula_frame:
            return self.predict_values(params, exog, which, offset, exposure)
        if exog is None:
            design = self.exog
            base_offset = self.offset if offset is None else _values(offset)
            base_exposure = self.exposure if exposure is None else np.log(_values(exposure))
        else:
            design = _values(exog)
            if design.ndim == 1:
                design = design[:, None] if len(params) == 1 else design[None, :]
            base_offset = None if offset is None else _values(offset)
            base_exposure = None if exposure is None else np.log(_values(exposure))
        linear_predictor = design @ params
        for extra in (base_offset, base_exposure):
            if extra is not None:
                linear_predictor = linear_predictor + extra
        return _transform(self.family, linear_predictor, which)

    # --- statsmodels' derivative helpers (margins), on the data in memory -------------------
    def _derivative_predict(self, params, exog=None, transform="dydx", offset=None, exposure=None):
        """statsmodels' ``d predict / d params`` per row, computed by statsmodels in memory."""
        twin = statsmodels_model(self, "_derivative_predict")
        return twin._derivative_predict(self._params(params), exog, transform, offset, exposure)

    def _derivative_exog(
        self,
        params,
        exog=None,
        transform="dydx",
        dummy_idx=None,
        count_idx=None,
        offset=None,
        exposure=None,
    ):
        """statsmodels' ``d predict / d exog`` per row, computed by statsmodels in memory."""
        twin = statsmodels_model(self, "_derivative_exog")
        return twin._derivative_exog(
            self._params(params), exog, transform, dummy_idx, count_idx, offset, exposure
        )

    def _deriv_mean_dparams(self, params):
        """statsmodels' ``d mean / d params`` per row, computed by statsmodels in memory."""
        return statsmodels_model(self, "_deriv_mean_dparams")._deriv_mean_dparams(
            self._params(params)
        )

    def get_distribution(
        self,
        params,
        scale: float | None = None,
        exog=None,
        exposure=None,
        offset=None,
        var_weights=1.0,
        n_trials=1.0,
    ):
        """statsmodels' predictive distribution: a frozen scipy distribution of every row
        (its means are computed: for dask data that is one float per row in memory)."""
        if isinstance(self.family, (Binomial, Poisson, NegativeBinomial)):
            scale = 1.0
        mu = self.predict(params, exog=exog, exposure=exposure, offset=offset)
        mu = np.asarray(mu.compute() if hasattr(mu, "compute") else mu, dtype=float)
        if self.input_format.lazy and exog is None:
            mu = mu[np.isfinite(mu)]
        kwds = {}
        if np.any(np.asarray(n_trials) != 1) and isinstance(self.family, Binomial):
            kwds["n_trials"] = n_trials
        return self.family.get_distribution(mu, scale, var_weights=var_weights, **kwds)


def _values(value):
    """An array (numpy, or dask for dask input) of a per-row argument."""
    kind = input_kind(value)
    if kind == "dask":
        return value.to_dask_array(lengths=True)
    if kind == "dask-array":
        return value
    return np.asarray(value, dtype=float)


def _transform(family, linear_predictor, which: str):
    if which == "linear":
        return linear_predictor
    mean = (
        linear_predictor.map_blocks(family.fitted, dtype=float)
        if hasattr(linear_predictor, "map_blocks")
        else family.fitted(linear_predictor)
    )
    if which == "mean":
        return mean
    if hasattr(mean, "map_blocks"):
        return mean.map_blocks(family.variance, dtype=float)
    return family.variance(mean)
