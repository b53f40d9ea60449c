"""A GLM fit by statsmodels' optimizers (``method="newton"``, ``"bfgs"``, ``"lbfgs"``, ...).

statsmodels' ``GLM._fit_gradient``, with the data in passes: a few IRLS iterations for the
start (``max_start_irls``), then statsmodels' own optimizer
(:class:`statsmodels.base.optimizer.Optimizer`, the same code and defaults as
``LikelihoodModel.fit``) on ``−loglike/nobs`` at scale 1, where each evaluation of the
log-likelihood, its score and (Newton, Newton-CG) its Hessian at a point is one pass
(:func:`~daskstats.kernels.derivatives.derivatives_pass`; the three at one point share the
pass). The covariance is statsmodels': the inverse of the observed information at the
estimate (the expected one with ``cov_type="eim"`` or ``optim_hessian="eim"``) times the scale.
"""

from __future__ import annotations

import warnings

import numpy as np
from statsmodels.base.optimizer import Optimizer

from daskstats.errors import ConvergenceWarning, DataError, HessianInversionWarning
from daskstats.families import likelihood
from daskstats.kernels.derivatives import DerivativesPartial, DerivativesSpec, derivatives_pass
from daskstats.kernels.irls import IRLSPartial
from daskstats.kernels.null import null_pass
from daskstats.linalg.blocked import solve_normal_equations
from daskstats.linalg.gram import full_matrix
from daskstats.linalg.spd import inverse_spd
from daskstats.models.assemble import assemble, collects_loglike, run_irls_pass, start_null
from daskstats.models.options import FitOptions
from daskstats.results.glm import GLMResults
from daskstats.solvers.history import History
from daskstats.solvers.irls import irls
from daskstats.solvers.result import SolverResult

__all__ = ["fit_gradient", "derivatives_at"]

NEEDS_HESSIAN = ("newton", "ncg")


def derivatives_at(
    model, params: np.ndarray, hessian: str | None, *, score: bool = True, null=None
) -> DerivativesPartial:
    """One pass: statistics, score, information (scale 1) and the log-likelihood sums at
    ``params`` (statsmodels' ``loglike_obs`` at scale 1 where they do not decompose)."""
    decomposed = collects_loglike(model)
    spec = DerivativesSpec(
        model.family,
        np.asarray(params, dtype=float),
        model.layout,
        hessian=hessian,
        score=score,
        loglike_sums=decomposed,
        loglike_scale=None if decomposed else 1.0,
        null=null,
    )
    return model.runner.run(derivatives_pass, spec, name="derivatives", pooled=True)


def loglike_at_scale_one(model, parts: DerivativesPartial) -> float:
    """The log-likelihood at scale 1 from a derivatives pass."""
    if parts.fit.loglike is not None:
        var_weight = model.data_summary().var_weights
        constant = var_weight.min if var_weight is not None else 1.0
        return float(likelihood.combine(model.family, parts.fit.loglike, 1.0, constant))
    if parts.llf is None:
        raise ValueError("the pass collected no log-likelihood")
    return float(parts.llf)


def _start(model, options: FitOptions) -> np.ndarray | None:
    """statsmodels' start of a gradient fit: ``max_start_irls`` IRLS iterations at scale 1."""
    if options.max_start_irls <= 0:
        return None
    layout, names = model.layout, model.exog_names

    def evaluate(params, null_spec, loglike):
        return run_irls_pass(model, params, loglike=False, correction=True)

    def solve(totals: IRLSPartial) -> np.ndarray:
        if totals.gram is None:
            raise AttributeError("the IRLS pass collected no weighted least-squares system")
        return solve_normal_equations(totals.gram, layout, names)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = irls(
            evaluate,
            len(names),
            solve=solve,
            maxiter=options.max_start_irls,
            tol=options.tol,
            correction=True,
        )
    return result.params


def _inverse_information(information: np.ndarray) -> np.ndarray:
    """statsmodels' normalized covariance of a gradient fit: the inverse information, or NaN
    with statsmodels' ``HessianInversionWarning`` when it cannot be inverted."""
    if np.all(np.isfinite(information)):
        try:
            return inverse_spd(information)
        except (np.linalg.LinAlgError, ValueError):
            try:
                return np.linalg.inv(information)
            except np.linalg.LinAlgError:
                pass
    warnings.warn(
        "Inverting hessian failed, no bse or cov_params available",
        HessianInversionWarning,
        stacklevel=4,
    )
    return np.full(information.shape, np.nan)


def fit_gradient(
    model,
    options: FitOptions,
    *,
    start_params=None,
    cov_type: str = "nonrobust",
    cov_kwds: dict | None = None,
    use_t: bool = False,
) -> GLMResults:
    """Fit ``model`` with statsmodels' optimizer ``options.method`` and assemble its results."""
    summary = model.data_summary()
    names = model.exog_names
    p = len(names)
    if p > model.thresholds.dense_covariance_limit:
        raise DataError(
            f"method={options.method!r} works with the dense {p} x {p} Hessian, more than "
            f"ds.thresholds' dense_covariance_limit={model.thresholds.dense_covariance_limit}; "
            "use method='IRLS', which keeps the coded terms' blocks."
        )
    nobs = float(summary.nobs)
    null = start_null(model, summary)
    hessian = "expected" if options.optim_hessian == "eim" else "observed"
    if start_params is None:
        start_params = _start(model, options)
    start = np.zeros(p) if start_params is None else np.asarray(start_params, dtype=float)
    history = History()
    cache: dict = {}

    def evaluate(params: np.ndarray, with_hessian: bool) -> DerivativesPartial:
        key = np.asarray(params, dtype=float).tobytes()
        hit = cache.get("parts") if cache.get("key") == key else None
        if hit is not None and (hit.information is not None or not with_hessian):
            return hit
        parts = derivatives_at(model, params, hessian if with_hessian else None, null=null.pending)
        null.update(parts.null, options.tol)
        cache.update(key=key, parts=parts)
        history.record(len(history), parts.fit.deviance, np.nan, np.nan)
        return parts

    needs_hessian = options.method in NEEDS_HESSIAN

    def objective(params):
        return -loglike_at_scale_one(model, evaluate(params, needs_hessian)) / nobs

    def gradient(params):
        score = evaluate(params, needs_hessian).score
        if score is None:
            raise TypeError("the derivatives pass collected no score")
        return -score / nobs

    def hess(params):
        parts = evaluate(params, True)
        if parts.information is None:
            raise AttributeError("the derivatives pass collected no information matrix")
        return full_matrix(parts.information, model.layout) / nobs

    method = "minimize" if options.method == "minimize" else options.method
    with np.errstate(all="ignore"):
        xopt, retvals, settings = Optimizer()._fit(
            objective,
            gradient,
            start,
            (),
            dict(options.optimizer),
            hessian=hess,
            method=method,
            maxiter=options.maxiter,
            full_output=options.full_output,
            disp=options.disp,
        )
    params = np.asarray(xopt, dtype=float)
    converged = bool(retvals.get("converged", True)) if retvals else True
    if not converged:
        warnings.warn(
            f"method={options.method!r} did not converge in {options.maxiter} iterations; "
            "increase maxiter or use method='IRLS'.",
            ConvergenceWarning,
            stacklevel=3,
        )
    # the estimate: its statistics, information (statsmodels' normalized covariance) and the
    # null model, in one pass
    final_hessian = "expected" if cov_type.lower() == "eim" else "observed"
    final = derivatives_at(model, params, final_hessian, score=False, null=null.pending)
    null.update(final.null, options.tol)
    while not null.converged:
        null.update(
            model.runner.run(
                null_pass,
                model.family,
                null.spec,
                collects_loglike(model),
                name="null model",
                pooled=True,
            ),
            options.tol,
        )
    if final.information is None:
        raise AttributeError("the derivatives pass collected no information matrix")
    information = full_matrix(final.information, model.layout)
    normalized_cov = _inverse_information(information)
    iterations = int(retvals.get("iterations", 0)) if retvals else 0
    result = SolverResult(
        params=params,
        converged=converged,
        n_iter=iterations,
        totals=IRLSPartial(fit=final.fit, gram=None, null=final.null),
        history=history,
        null=null,
    )
    return assemble(
        model,
        result,
        totals=result.totals,
        null=null,
        df_model=p - 1,
        cov_type="nonrobust" if cov_type.lower() == "eim" else cov_type,
        cov_kwds=cov_kwds,
        normalized_cov=normalized_cov,
        use_t=use_t,
        method=options.method,
        mle_retvals=retvals,
        mle_settings=dict(settings or {}, optimizer=options.method),
    )
