"""Iteratively reweighted least squares, one pass over the data per iteration.

The solver sees only an ``evaluate(params, null, loglike)`` callable: one pass that returns, at
``params`` (``None`` = statsmodels' starting values, μ from y), the deviance and statistics there
and the weighted least-squares system ``XᵀWX β = XᵀWz`` for the next iterate
(:class:`~daskstats.kernels.irls.IRLSPartial`). So iteration k costs exactly one pass, and the
pass that shows convergence already holds everything inference needs (XᵀWX, Pearson χ²,
log-likelihood sums).

The iteration is statsmodels' (``GLM._fit_irls``): same start, same weights and working
response, so on small data both take the same path. Additions:

* step halving when the deviance rises (or is not finite) after a step; when ten halvings
  find no lower deviance the full step is taken (statsmodels' plain iteration);
* convergence when ``|C_k − C_{k−1}| ≤ max(tol, 1000 ε |C_k|)`` with ``C_k = D_k / s_{k−1}``
  (the deviance over the previous iterate's scale estimate, which is what statsmodels
  records): statsmodels' absolute rule, but never tighter than what a chunked floating-point
  sum of the deviance can resolve;
* the constant-only (null) model is fitted in the same passes when there is an offset.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from daskstats.errors import ConvergenceWarning, DataError, PerfectSeparationWarning
from daskstats.kernels.irls import IRLSPartial
from daskstats.kernels.null import NullSpec, NullSums
from daskstats.solvers.history import History
from daskstats.solvers.null import NullModel, deviance_threshold
from daskstats.solvers.result import SolverResult

__all__ = ["irls", "MAX_HALVINGS", "LOGLIKE_WHEN_CHANGE_BELOW"]

MAX_HALVINGS = 10
#: iterations in a row with boundary rows and coefficient steps above 1 before stopping
SEPARATION_PATIENCE = 4
#: collect log-likelihood sums in a pass when the previous relative deviance change was below
LOGLIKE_WHEN_CHANGE_BELOW = 1e-5


def irls(
    evaluate: Callable[[np.ndarray | None, NullSpec | None, bool], IRLSPartial],
    n_params: int,
    *,
    solve: Callable[[IRLSPartial], np.ndarray],
    scale: Callable[[IRLSPartial], float] = lambda totals: 1.0,
    null: NullModel | None = None,
    null_evaluate: Callable[[NullSpec], NullSums] | None = None,
    start_params: np.ndarray | None = None,
    maxiter: int = 100,
    tol: float = 1e-8,
    callback: Callable[[dict], None] | None = None,
    relative: bool = False,
    curvature: Callable[[IRLSPartial, np.ndarray], float] | None = None,
) -> SolverResult:
    """Fit by IRLS.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(params, null, loglike)`` runs one pass and returns its
        :class:`~daskstats.kernels.irls.IRLSPartial` (with the null model's sums when ``null``
        is given, the log-likelihood sums when ``loglike``).
    n_params : int
    solve : callable
        ``solve(totals)`` returns the weighted least-squares solution of a pass's system.
    scale : callable
        The scale estimate at a pass (statsmodels divides each recorded deviance by the
        previous iterate's scale); 1 for fixed-scale families.
    null : NullModel, optional
        Null model fitted alongside (``intercept`` set when an offset is present).
    null_evaluate : callable, optional
        Pass over the data for the null model only, used if it converges after the main fit.
    start_params : ndarray, optional
        Start from these coefficients instead of μ from y.
    maxiter : int
    tol : float
        See :func:`~daskstats.solvers.null.deviance_threshold`.
    callback : callable, optional
        Called with each history record (for ``verbose`` output).
    relative : bool
        ``tol`` is relative to the deviance.
    curvature : callable, optional
        ``curvature(totals, step)`` = ``stepᵀ XᵀWX step``, the deviance decrease the
        quadratic model predicts for a step. When given, a step whose predicted decrease is
        within the tolerance is taken without a pass to confirm it: the fit ends one pass
        sooner. Its statistics are those of the pass before the step: the deviance (stationary
        at the estimate) differs from the step's by less than the tolerance, Pearson's χ² and
        the scale to first order in the step (~1e-8 relative). statsmodels confirms every
        step: without ``curvature`` the iteration count is statsmodels'.
    """
    limit = (lambda d: tol * max(abs(d), 1e-300)) if relative else (lambda d: tol)
    history = History(callback)

    def record(iteration: int, totals: IRLSPartial, previous_dev: float, step: float) -> None:
        history.record(iteration, totals.deviance, previous_dev, step)

    def update_null(totals: IRLSPartial) -> None:
        if null is not None:
            null.update(totals.null, tol, predictive=curvature is not None)

    def pending_null() -> NullSpec | None:
        return None if null is None else null.pending

    def near_convergence() -> bool:
        # ask for the log-likelihood sums when the pass is likely the last one (the previous
        # change was already small); otherwise the caller makes one more pass for them
        return len(history) >= 2 and history[-1]["rel_change"] < LOGLIKE_WHEN_CHANGE_BELOW

    params = None if start_params is None else np.asarray(start_params, dtype=float)
    totals = evaluate(params, pending_null(), False)
    if params is not None and not np.isfinite(totals.deviance):
        warnings.warn(
            "the deviance at start_params is not finite (exp(eta) overflows?); starting from "
            "statsmodels' default (mu from y) instead.",
            RuntimeWarning,
            stacklevel=3,
        )
        params = None
        totals = evaluate(params, pending_null(), False)
    if not np.isfinite(totals.deviance):
        raise DataError(
            "the deviance at the starting values is not finite; check the response against "
            "the family's domain and the start_params."
        )
    record(0, totals, np.nan, np.nan)
    update_null(totals)

    converged = False
    n_iter = 0
    crit_prev = totals.deviance / scale(totals)
    diverging = 0
    bread = totals
    for n_iter in range(1, maxiter + 1):
        previous_params, previous_totals = params, totals
        bread = previous_totals
        full_step = solve(previous_totals)
        last_likely = near_convergence()
        if curvature is not None and previous_params is not None:
            predicted = curvature(previous_totals, full_step - previous_params)
            if 0 <= predicted <= deviance_threshold(previous_totals.deviance, limit(crit_prev)):
                params = full_step
                history.record(
                    n_iter,
                    previous_totals.deviance - predicted,
                    previous_totals.deviance,
                    1.0,
                    predicted=True,  # taken without a pass (the deviance is the predicted one)
                )
                converged = True
                break
            # a small predicted change: the next pass is likely the last, collect its statistics
            last_likely = last_likely or predicted < LOGLIKE_WHEN_CHANGE_BELOW * abs(
                previous_totals.deviance
            )
        proposal, step = full_step, 1.0
        totals = evaluate(proposal, pending_null(), last_likely)
        halvings = 0
        dev_prev = previous_totals.deviance
        while (
            previous_params is not None
            and halvings < MAX_HALVINGS
            and (
                not np.isfinite(totals.deviance)
                or totals.deviance - dev_prev > deviance_threshold(dev_prev, limit(dev_prev))
            )
        ):
            step /= 2
            halvings += 1
            proposal = previous_params + step * (full_step - previous_params)
            totals = evaluate(proposal, pending_null(), False)
            if halvings == MAX_HALVINGS and not (
                np.isfinite(totals.deviance) and totals.deviance < dev_prev
            ):
                # no shorter step lowers the deviance: the IRLS direction is not a descent
                # direction here (e.g. a clipped mean); take the full step as statsmodels does
                proposal, step = full_step, 1.0
                totals = evaluate(proposal, pending_null(), False)
        if not np.isfinite(totals.deviance):
            raise DataError(
                f"the deviance became non-finite at iteration {n_iter} and step halving did not "
                "recover; the model may be unsuitable for the data (check the link and the "
                "response's range)."
            )
        params = proposal
        record(n_iter, totals, dev_prev, step)
        update_null(totals)
        if totals.fit.max_abs_resid <= 1e-8:
            warnings.warn(
                "Perfect separation or prediction detected, parameter may not be identified "
                f"(iteration {n_iter}); stopping.",
                PerfectSeparationWarning,
                stacklevel=3,
            )
            break
        # statsmodels records each deviance divided by the scale of the PREVIOUS iterate
        crit = totals.deviance / scale(previous_totals)
        if abs(crit - crit_prev) <= deviance_threshold(crit, limit(crit)):
            converged = True
            break
        crit_prev = crit
        # quasi-complete separation: rows sit at the edge of the mean's range while some
        # coefficient keeps moving by large steps; IRLS would only drift towards infinity
        growing = previous_params is not None and np.max(np.abs(params - previous_params)) > 1
        at_boundary = totals.fit.at_boundary
        diverging = diverging + 1 if at_boundary > 0 and growing else 0
        if diverging >= SEPARATION_PATIENCE:
            warnings.warn(
                f"Quasi-complete separation: {at_boundary} rows are fitted at the "
                "boundary of the mean's range and coefficients are diverging (iteration "
                f"{n_iter}); the maximum-likelihood estimate does not exist. Stopping. Consider "
                "a penalized fit (alpha > 0) or removing the separating terms.",
                PerfectSeparationWarning,
                stacklevel=3,
            )
            break

    if not converged and n_iter >= maxiter:
        warnings.warn(
            f"IRLS did not converge in {maxiter} iterations (maxiter={maxiter}); the last "
            f"relative deviance change was {history[-1]['rel_change']:.3g}. Increase maxiter or "
            "check the model.",
            ConvergenceWarning,
            stacklevel=3,
        )

    while null is not None and not null.converged and null_evaluate is not None:
        null.update(null_evaluate(null.spec), tol)

    return SolverResult(
        params=params if params is not None else np.zeros(n_params),
        converged=converged,
        n_iter=n_iter,
        totals=totals,
        bread=bread,
        history=history,
        null=null,
    )
