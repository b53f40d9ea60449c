"""NegativeBinomial: statsmodels' count model with its dispersion ``α`` estimated jointly with
``β`` by maximum likelihood (NB2 or NB1; R's ``MASS::glm.nb`` is NB2 with ``θ = 1/α``).

The fit: three Poisson IRLS passes for ``β``, a moment estimate of ``α``, then Newton's method
in ``(β, log α)`` (:func:`daskstats.solvers.newton.newton`), each iteration one pass that
returns the log-likelihood, the score and the Hessian (:mod:`daskstats.kernels.negbin`), to
the optimum (statsmodels' default BFGS stops about 1e-4 short of it). The constant-only model
(for ``llnull``) is fitted the same way with its own passes. The covariance is the inverse of
the observed information in ``(β, α)``, as statsmodels'; ``HC0``/``HC1`` are sandwiches with
the row scores' outer product (one more pass).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.discrete import discrete_model as sm_discrete
from statsmodels.genmod import families as sm_families
from statsmodels.genmod.families import Family

from daskstats.errors import ConvergenceWarning, DataError, HessianInversionWarning
from daskstats.kernels.irls import IRLSPassSpec, irls_pass
from daskstats.kernels.negbin import METHODS, negbin_pass, negbin_row_values
from daskstats.linalg.blocked import solve_normal_equations
from daskstats.linalg.spd import inverse_spd
from daskstats.models.discrete import DiscreteModel, optimizer_settings
from daskstats.models.model_functions import ModelFunctions
from daskstats.passes.errors import cluster_errors_become_clear
from daskstats.results.negbin import NegativeBinomialResults
from daskstats.solvers.newton import ascent_direction, newton

__all__ = ["NegativeBinomial"]

#: Poisson IRLS passes before the Newton iterations
POISSON_START_PASSES = 3
#: α is kept in this range (log α is the Newton variable)
ALPHA_RANGE = (1e-8, 1e8)


class NegativeBinomial(DiscreteModel):
    """Negative binomial regression with ``alpha`` estimated (statsmodels'
    ``NegativeBinomial``).

    Parameters
    ----------
    endog, exog : array_like, pandas or dask
    loglike_method : {"nb2", "nb1"}
        ``Var = μ + α μ²`` (NB2, default) or ``Var = μ (1 + α)`` (NB1).
    offset, exposure : array_like, optional
    missing : {"none", "drop", "raise"}
    """

    statsmodels_class = sm_discrete.NegativeBinomial

    @classmethod
    def family_of(cls) -> Family:
        return sm_families.NegativeBinomial(alpha=1.0)

    def __init__(
        self,
        endog,
        exog,
        loglike_method: str = "nb2",
        offset=None,
        exposure=None,
        missing: str = "none",
        check_rank: bool = True,
        **kwargs: Any,
    ):
        self.loglike_method = _method(loglike_method)
        super().__init__(endog, exog, offset, exposure, missing, check_rank, **kwargs)

    @classmethod
    def from_formula(cls, formula, data, *, loglike_method: str = "nb2", **kwargs: Any):  # type: ignore[override]
        """The model of a patsy formula; ``offset``/``exposure`` are column names or values."""
        eval_env = kwargs.get("eval_env", 0)
        if isinstance(eval_env, int):
            kwargs["eval_env"] = eval_env + 1  # this frame
        model = super().from_formula(formula, data, **kwargs)
        model.loglike_method = _method(loglike_method)
        return model

    @cluster_errors_become_clear
    def fit(  # type: ignore[override]
        self,
        start_params=None,
        method: str = "newton",
        maxiter: int = 100,
        full_output: bool = True,
        disp: bool = True,
        callback=None,
        cov_type: str = "nonrobust",
        cov_kwds: dict | None = None,
        use_t: bool | None = None,
        *,
        tol: float = 1e-16,
        verbose: bool = False,
        **kwargs: Any,
    ) -> NegativeBinomialResults:
        """Maximum likelihood for ``β`` and ``α`` (statsmodels' names; the optimizer is
        Newton's method whatever ``method`` names).

        Parameters
        ----------
        start_params : array of p + 1 values, optional
            ``β`` then ``α``.
        maxiter : int
            Newton iterations.
        cov_type : {"nonrobust", "HC0", "HC1"}
        tol : float
            Stop when Newton's decrement is below ``tol · (1 + |llf|)``.
        """
        settings = optimizer_settings(kwargs)
        if cov_type not in ("nonrobust", "HC0", "HC1"):
            raise DataError(
                f"cov_type={cov_type!r} is not available for NegativeBinomial; use "
                "'nonrobust', 'HC0' or 'HC1'."
            )
        names = self.exog_names
        p = len(names)
        summary = self.data_summary()
        run = self.runner.run
        geometric = self.loglike_method == "geometric"
        method_name = "nb2" if geometric else self.loglike_method
        k = p if geometric else p + 1
        if start_params is None:
            beta, pearson = self._poisson_start(names)
            # α by the moments of the Poisson fit's Pearson χ²: E[(y − μ)² / μ] = 1 + α μ (NB2)
            # or 1 + α (NB1)
            n, y_mean = summary.nobs, max(summary.y_mean, 1e-10)
            excess = pearson / max(n, 1) - 1
            alpha = float(np.clip(excess / (y_mean if method_name == "nb2" else 1.0), 0.05, 1e4))
        else:
            start_params = np.asarray(start_params, dtype=float)
            if start_params.shape != (k,):
                raise DataError(
                    f"start_params must have {k} values ({'β' if geometric else 'β then alpha'})."
                )
            beta, alpha = start_params[:p], (1.0 if geometric else float(start_params[p]))

        # the constant-only model is iterated in the same passes (its own Newton steps)
        y_mean = self.data_summary().y_mean
        null = _NullIterate(
            np.array([np.log(max(y_mean, 1e-10))] + ([] if geometric else [np.log(alpha)])),
            geometric,
            tol,
        )

        def evaluate(x: np.ndarray):
            if geometric:
                parts = run(
                    negbin_pass,
                    self.layout,
                    x,
                    1.0,
                    method_name,
                    False,
                    null.at(),
                    name="newton",
                )
                null.update(parts.null)
                return parts.llf, parts.score[:p], parts.hessian[:p, :p], parts
            b, log_alpha = x[:p], float(np.clip(x[p], *np.log(ALPHA_RANGE)))
            a = float(np.exp(log_alpha))
            parts = run(
                negbin_pass, self.layout, b, a, method_name, False, null.at(), name="newton"
            )
            null.update(parts.null)
            return (parts.llf, *_to_log_alpha(parts.score, parts.hessian, a), parts)

        start = beta if geometric else np.append(beta, np.log(np.clip(alpha, *ALPHA_RANGE)))
        result = newton(
            evaluate,
            start,
            maxiter=int(maxiter),
            tol=tol,
            callback=(lambda e: print(e)) if verbose else None,
        )
        if not result.converged:
            warnings.warn(
                f"NegativeBinomial did not converge in {maxiter} Newton iterations.",
                ConvergenceWarning,
                stacklevel=2,
            )
        params = result.x if geometric else np.append(result.x[:p], np.exp(result.x[p]))
        parts = result.payload
        try:
            normalized = inverse_spd(-parts.hessian[:k, :k])
        except (np.linalg.LinAlgError, ValueError):
            # alpha at its boundary (no overdispersion): the information is singular there
            warnings.warn(
                "the Hessian is not invertible at the estimate (alpha near 0: no "
                "overdispersion?); the covariance is NaN. A Poisson model may suit the data.",
                HessianInversionWarning,
                stacklevel=2,
            )
            normalized = np.full((k, k), np.nan)
        cov = normalized
        alpha_hat = 1.0 if geometric else float(params[p])
        kwds: dict = {}
        if cov_type in ("HC0", "HC1"):
            robust = run(
                negbin_pass, self.layout, params[:p], alpha_hat, method_name, True, name=cov_type
            )
            # statsmodels' HC1 of its discrete models is HC0's matrix (no correction)
            cov = normalized @ robust.meat[:k, :k] @ normalized
            kwds = {"description": f"Standard Errors are heteroscedasticity robust ({cov_type})"}
        loglike_null = (
            null.value
            if null.done and null.value is not None
            else self._null_llf(null.x, geometric)
        )
        return NegativeBinomialResults(
            model=self,
            estimates=pd.Series(params, index=names if geometric else [*names, "alpha"]),
            normalized_cov_params=normalized,
            cov_params_default=cov,
            cov_type=cov_type,
            use_t=bool(use_t),
            cov_kwds=kwds,
            converged=result.converged,
            n_iter=result.iterations,
            fit_history={"iteration": result.iterations, "llf": [h["llf"] for h in result.history]},
            passes=self.runner.passes,
            pass_log=list(self.runner.log),
            method=str(method),
            mle_settings={"optimizer": str(method), "maxiter": int(maxiter), **settings},
            mle_retvals={"converged": result.converged, "iterations": result.iterations},
            loglike=float(result.value),
            loglike_null=loglike_null,
            n_obs=int(summary.nobs),
            loglike_method=self.loglike_method,
        )

    # --- per-row functions of (β, α) -------------------------------------------------------
    def _split(self, params) -> tuple[np.ndarray, float]:
        params = np.asarray(params, dtype=float).reshape(-1)
        p = len(self.exog_names)
        k = p if self.loglike_method == "geometric" else p + 1
        if params.size != k:
            raise DataError(f"params must have {k} values (β then alpha), got {params.size}.")
        return params[:p], (1.0 if k == p else float(params[p]))

    def loglikeobs(self, params):
        """Per-row log-likelihood at ``params`` (``β`` then ``alpha``; lazy for dask)."""
        beta, alpha = self._split(params)
        return self._rows(
            negbin_row_values, (self.layout, beta, alpha, self.loglike_method, "loglike")
        )

    def loglike(self, params, scale=None) -> float:
        """The log-likelihood at ``params`` (one pass)."""
        beta, alpha = self._split(params)
        method = "nb2" if self.loglike_method == "geometric" else self.loglike_method
        return float(
            self.runner.run(
                negbin_pass, self.layout, beta, alpha, method, False, name="loglike", pooled=True
            ).llf
        )

    def score_obs(self, params, scale=None):
        """Per-row scores in ``(β, alpha)`` (lazy for dask)."""
        beta, alpha = self._split(params)
        width = len(self.exog_names) + (self.loglike_method != "geometric")
        return self._rows(
            negbin_row_values,
            (self.layout, beta, alpha, self.loglike_method, "score"),
            width,
        )

    def score(self, params, scale=None):
        """The score in ``(β, alpha)`` (one pass)."""
        return self._nb_derivatives(params)[0]

    def hessian(self, params, scale=None, observed: bool = True):  # type: ignore[override]
        """The Hessian in ``(β, alpha)`` (one pass)."""
        return self._nb_derivatives(params)[1]

    def predict(
        self,
        params,
        exog=None,
        exposure=None,
        offset=None,
        which: str = "mean",
        linear=None,
        **kwargs: Any,
    ):
        """statsmodels' ``predict`` with ``params`` = ``β`` then ``alpha`` (or ``β`` alone)."""
        params = np.asarray(params, dtype=float).reshape(-1)
        beta = params if params.size == len(self.exog_names) else self._split(params)[0]
        return super().predict(beta, exog, exposure, offset, which=which, linear=linear)

    def score_factor(self, params, scale=None):
        """Not available: the negative binomial's scores are in ``(β, alpha)`` (use
        :meth:`score_obs`)."""
        raise DataError("score_factor is not available for NegativeBinomial; use score_obs.")

    def hessian_factor(self, params, scale=None, observed: bool = True):
        """Not available for NegativeBinomial (use :meth:`hessian`)."""
        raise DataError("hessian_factor is not available for NegativeBinomial; use hessian.")

    def get_distribution(self, params, exog=None, exposure=None, offset=None):  # type: ignore[override]
        """Frozen ``scipy.stats.nbinom`` of the rows (in memory) at ``params``."""
        beta, alpha = self._split(params)
        mu = ModelFunctions.predict(self, beta, exog, exposure, offset)
        mu = np.asarray(getattr(mu, "compute", lambda: mu)(), dtype=float)
        size = mu / alpha if self.loglike_method == "nb1" else np.full_like(mu, 1.0 / alpha)
        return stats.nbinom(size, size / (size + mu))

    def _nb_derivatives(self, params):
        """One pass: the score and Hessian in ``(β, alpha)``."""
        beta, alpha = self._split(params)
        geometric = self.loglike_method == "geometric"
        parts = self.runner.run(
            negbin_pass,
            self.layout,
            beta,
            alpha,
            "nb2" if geometric else self.loglike_method,
            False,
            name="derivatives",
            pooled=True,
        )
        k = len(beta) + (not geometric)
        return parts.score[:k], parts.hessian[:k, :k]

    def _poisson_start(self, names: list[str]) -> tuple[np.ndarray, float]:
        """``β`` after a few Poisson IRLS passes from statsmodels' start."""
        params = None
        y_mean = self.data_summary().y_mean
        for _ in range(POISSON_START_PASSES):
            spec = IRLSPassSpec(
                sm_families.Poisson(),
                params,
                y_mean,
                self.layout,
                loglike=False,
                null_loglike=False,
                correction=params is not None,
            )
            totals = self.runner.run(irls_pass, spec, name="poisson start", pooled=True)
            step = solve_normal_equations(totals.gram, self.layout, names)
            params = step if params is None else params + step
        return np.asarray(params, dtype=float), float(totals.fit.pearson)

    def _null_llf(self, start: np.ndarray, geometric: bool = False) -> float:
        """The constant-only negative binomial's maximized log-likelihood (its own passes,
        from ``start``)."""
        method = "nb2" if geometric else self.loglike_method

        def evaluate(x: np.ndarray):
            if geometric:
                parts = self.runner.run(
                    negbin_pass, None, x[:1], 1.0, method, False, name="null", pooled=True
                )
                return parts.llf, parts.score[:1], parts.hessian[:1, :1], parts
            a = float(np.exp(np.clip(x[1], *np.log(ALPHA_RANGE))))
            parts = self.runner.run(
                negbin_pass, None, x[:1], a, method, False, name="null", pooled=True
            )
            return (parts.llf, *_to_log_alpha(parts.score, parts.hessian, a), parts)

        return float(newton(evaluate, start, maxiter=100, tol=1e-16).value)


class _NullIterate:
    """The constant-only model's Newton iterate, advanced by the sums each pass returns."""

    def __init__(self, x: np.ndarray, geometric: bool, tol: float):
        self.x = np.asarray(x, dtype=float)
        self.geometric = geometric
        self.tol = tol
        self.done = False
        self.value: float | None = None
        self._previous: tuple[np.ndarray, float] | None = None

    def at(self) -> tuple[float, float] | None:
        """``(intercept, alpha)`` to evaluate in the next pass (None once converged)."""
        if self.done:
            return None
        alpha = 1.0 if self.geometric else float(np.exp(np.clip(self.x[1], *np.log(ALPHA_RANGE))))
        return float(self.x[0]), alpha

    def update(self, parts) -> None:
        if parts is None or self.done:
            return
        if self.geometric:
            g, H = parts.score[:1], parts.hessian[:1, :1]
        else:
            point = self.at()
            if point is None:  # not reached: a converged iterate returned above
                raise TypeError("the null model's iterate has converged")
            g, H = _to_log_alpha(parts.score, parts.hessian, point[1])
        if self._previous is not None and parts.llf < self._previous[1] - 1e-12 * abs(
            parts.llf
        ):  # the last step lowered the log-likelihood: halve it
            x_prev, _ = self._previous
            self.x = x_prev + (self.x - x_prev) / 2
            return
        direction = ascent_direction(g, H)
        decrement = float(g @ direction) / 2
        if decrement <= self.tol * (1 + abs(parts.llf)):
            self.done, self.value = True, float(parts.llf)
            return
        self._previous = (self.x.copy(), float(parts.llf))
        self.x = self.x + direction


def _method(name: str) -> str:
    name = str(name).lower()
    if name not in (*METHODS, "geometric"):
        raise DataError(f"loglike_method must be one of {(*METHODS, 'geometric')}, got {name!r}.")
    return name


def _to_log_alpha(score: np.ndarray, hessian: np.ndarray, alpha: float):
    """Score and Hessian in ``(β, log α)`` from those in ``(β, α)``."""
    g = score.copy()
    H = hessian.copy()
    g[-1] = alpha * score[-1]
    H[-1, :-1] = H[:-1, -1] = alpha * hessian[-1, :-1]
    H[-1, -1] = alpha**2 * hessian[-1, -1] + alpha * score[-1]
    return g, H
