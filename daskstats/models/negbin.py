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
from statsmodels.discrete import discrete_model as sm_discrete
from statsmodels.genmod import families as sm_families
from statsmodels.genmod.families import Family

from daskstats.errors import ConvergenceWarning, DataError
from daskstats.kernels.irls import IRLSPassSpec, irls_pass
from daskstats.kernels.negbin import METHODS, negbin_pass
from daskstats.linalg.blocked import solve_normal_equations
from daskstats.linalg.spd import inverse_spd
from daskstats.models.discrete import DiscreteModel
from daskstats.passes.errors import cluster_errors_become_clear
from daskstats.results.negbin import NegativeBinomialResults
from daskstats.solvers.newton import newton

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
        if kwargs:
            raise DataError(f"fit() does not take {sorted(kwargs)}.")
        if cov_type not in ("nonrobust", "HC0", "HC1"):
            raise DataError(
                f"cov_type={cov_type!r} is not available for NegativeBinomial; use "
                "'nonrobust', 'HC0' or 'HC1'."
            )
        names = self.exog_names
        p = len(names)
        summary = self.data_summary()
        run = self.runner.run
        method_name = self.loglike_method
        if start_params is None:
            beta = self._poisson_start(names)
            moments = run(negbin_pass, self.layout, beta, 1.0, method_name, False, name="start")
            alpha = _moment_alpha(moments, method_name)
        else:
            start_params = np.asarray(start_params, dtype=float)
            if start_params.shape != (p + 1,):
                raise DataError(f"start_params must have {p + 1} values (β then alpha).")
            beta, alpha = start_params[:p], float(start_params[p])

        def evaluate(x: np.ndarray):
            b, log_alpha = x[:p], float(np.clip(x[p], *np.log(ALPHA_RANGE)))
            a = float(np.exp(log_alpha))
            parts = run(negbin_pass, self.layout, b, a, method_name, False, name="newton")
            return (parts.llf, *_to_log_alpha(parts.score, parts.hessian, a), parts)

        result = newton(
            evaluate,
            np.append(beta, np.log(np.clip(alpha, *ALPHA_RANGE))),
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
        params = np.append(result.x[:p], np.exp(result.x[p]))
        parts = result.payload
        normalized = inverse_spd(-parts.hessian)
        cov = normalized
        kwds: dict = {}
        if cov_type in ("HC0", "HC1"):
            robust = run(
                negbin_pass, self.layout, params[:p], params[p], method_name, True, name=cov_type
            )
            cov = normalized @ robust.meat @ normalized
            if cov_type == "HC1":
                cov = cov * summary.nobs / (summary.nobs - (p + 1))
            kwds = {"description": f"Standard Errors are heteroscedasticity robust ({cov_type})"}
        loglike_null = self._null_llf(result.x[p])
        return NegativeBinomialResults(
            model=self,
            estimates=pd.Series(params, index=[*names, "alpha"]),
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
            mle_settings={"optimizer": str(method), "maxiter": int(maxiter)},
            mle_retvals={"converged": result.converged, "iterations": result.iterations},
            loglike=float(result.value),
            loglike_null=loglike_null,
            n_obs=int(summary.nobs),
            loglike_method=method_name,
        )

    def _poisson_start(self, names: list[str]) -> np.ndarray:
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
            totals = self.runner.run(irls_pass, spec, name="poisson start")
            step = solve_normal_equations(totals.gram, self.layout, names)
            params = step if params is None else params + step
        return np.asarray(params, dtype=float)

    def _null_llf(self, log_alpha: float) -> float:
        """The constant-only negative binomial's maximized log-likelihood."""
        y_mean = self.data_summary().y_mean
        start = np.array([np.log(max(y_mean, 1e-10)), log_alpha])

        def evaluate(x: np.ndarray):
            a = float(np.exp(np.clip(x[1], *np.log(ALPHA_RANGE))))
            parts = self.runner.run(
                negbin_pass, None, x[:1], a, self.loglike_method, False, name="null model"
            )
            return (parts.llf, *_to_log_alpha(parts.score, parts.hessian, a), parts)

        return float(newton(evaluate, start, maxiter=100, tol=1e-16).value)


def _method(name: str) -> str:
    name = str(name).lower()
    if name not in METHODS:
        raise DataError(f"loglike_method must be one of {METHODS}, got {name!r}.")
    return name


def _moment_alpha(parts, method: str) -> float:
    """α by the method of moments at the Poisson start."""
    if method == "nb2":
        alpha = (parts.resid_sq - parts.mu_sum) / max(parts.mu_sq, 1e-300)
    else:
        alpha = parts.pearson_poisson / max(parts.n, 1.0) - 1
    return float(np.clip(alpha, 0.05, 1e4))


def _to_log_alpha(score: np.ndarray, hessian: np.ndarray, alpha: float):
    """Score and Hessian in ``(β, log α)`` from those in ``(β, α)``."""
    g = score.copy()
    H = hessian.copy()
    g[-1] = alpha * score[-1]
    H[-1, :-1] = H[:-1, -1] = alpha * hessian[-1, :-1]
    H[-1, -1] = alpha**2 * hessian[-1, -1] + alpha * score[-1]
    return g, H
