"""Iteratively reweighted least squares, one pass over the data per iteration.

The solver sees only an ``evaluate(params, null, loglike)`` callable: one pass that returns, at
``params`` (``None`` = statsmodels' starting values, μ from y), the deviance and statistics there
and the weighted least-squares system ``XᵀWX β = XᵀWz`` for the next iterate
(:class:`~daskstats.kernels.irls.IRLSPartial`). So iteration k costs exactly one pass, and the
pass that shows convergence already holds everything inference needs (XᵀWX, Pearson χ²,
log-likelihood sums).

The iteration is statsmodels' (``GLM._fit_irls``): same start, same weights and working
response, so on small data both take the same path. Additions:

* statsmodels' plain iteration while it makes progress (a step is halved only when the
  deviance is not finite); when it stalls or blows up, back to its best iterate and step
  halving whenever a step raises the deviance; when ten halvings find no lower deviance the
  full step is taken;
* statsmodels' convergence rule, ``|C_k − C_{k−1}| ≤ atol + rtol |C_k|`` with
  ``C_k = D_k / s_{k−1}`` (the deviance over the previous iterate's scale estimate, which is
  what statsmodels records), or the same rule on the coefficients (``criterion="params"``).
  When the deviance change is below what a chunked floating-point sum of the deviance can
  resolve (``1000 ε |D|``) but above the tolerance, the change is read from the quadratic
  model instead (``stepᵀ XᵀWX step`` of the next step, which has no cancellation): the fit
  ends when that predicted change is within the tolerance, so a tight ``tol`` is honoured
  without iterating on rounding noise;
* with ``correction``, each solve computes a correction to the current coefficients
  (``β + (XᵀWX)⁻¹ XᵀW r``, working residual ``r``), so the solve's rounding error does not
  accumulate (iterative refinement; ill-conditioned designs reach statsmodels' QR accuracy);
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
#: statsmodels' plain iteration (no step halving unless the deviance is not finite) until its
#: deviance changes have not shrunk for this many iterations (it cycles or diverges), or the
#: deviance exceeds the lowest by this factor; then back to the best iterate, halving any step
#: that raises the deviance.
#: (The plain iteration may approach its fixed point oscillating, e.g. InverseGaussian with
#: the identity link, where statsmodels converges and halving on every rise drifts away.)
GUARD_AFTER = 15
GUARD_RISE = 1e4
#: iterations in a row with boundary rows and coefficient steps above 1 before stopping
SEPARATION_PATIENCE = 4
#: collect log-likelihood sums in a pass when the previous relative deviance change was below
LOGLIKE_WHEN_CHANGE_BELOW = 1e-5


def _scaled(deviance: float, scale: float) -> float:
    """statsmodels' criterion ``deviance / scale``; the deviance itself when the scale is 0
    or not finite (a response fitted exactly)."""
    return float(deviance / scale) if scale > 0 and np.isfinite(scale) else float(deviance)


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
    predictive: bool = False,
    correction: bool = False,
    rtol: float = 0.0,
    criterion: str = "deviance",
    solve_from_scratch: Callable[[IRLSPartial], np.ndarray] | None = None,
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
        quadratic model predicts for a step (used when the deviance change is below its
        rounding noise, and by ``predictive``).
    predictive : bool
        A step whose predicted decrease is within the tolerance is taken without a pass to
        confirm it: the fit ends one pass sooner. Its statistics are those of the pass before
        the step: the deviance (stationary at the estimate) differs from the step's by less
        than the tolerance, Pearson's χ² and the scale to first order in the step (~1e-8
        relative). statsmodels confirms every step: without it the iteration count is
        statsmodels'.
    correction : bool
        ``solve`` returns a correction to the coefficients the pass was evaluated at (the
        pass accumulated ``XᵀW r``), not the next coefficients themselves.
    rtol : float
        Relative tolerance (statsmodels' ``rtol``); ``tol`` is the absolute one (``atol``).
    criterion : {"deviance", "params"}
        What must stop changing (statsmodels' ``tol_criterion``).
    solve_from_scratch : callable, optional
        With ``correction``, the solve of the first pass when it was made at μ from y (no
        coefficients to correct): its system's solution are the coefficients themselves
        (``solve`` by default; a constrained fit's differs).
    """
    if criterion not in ("deviance", "params"):
        raise DataError(f"tol_criterion must be 'deviance' or 'params', got {criterion!r}.")
    limit = (lambda d: tol * max(abs(d), 1e-300)) if relative else (lambda d: tol + rtol * abs(d))
    history = History(callback)

    def record(
        iteration: int,
        totals: IRLSPartial,
        previous_dev: float,
        step: float,
        scale_used: float,
        at: np.ndarray | None,
    ) -> None:
        history.record(
            iteration,
            totals.deviance,
            previous_dev,
            step,
            criterion=_scaled(totals.deviance, scale_used),
            params=np.zeros(n_params) if at is None else at,
        )

    def update_null(totals: IRLSPartial) -> None:
        if null is not None:
            null.update(totals.null, tol, predictive=predictive)

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
    record(0, totals, np.nan, np.nan, scale(totals), params)
    update_null(totals)

    converged = False
    n_iter = 0
    crit_prev = _scaled(totals.deviance, scale(totals))
    diverging = 0
    bread = totals

    def next_iterate(at: np.ndarray | None, totals: IRLSPartial) -> np.ndarray:
        if correction and at is not None:
            return at + solve(totals)
        return (solve_from_scratch or solve)(totals)

    pending: np.ndarray | None = None  # the next iterate, when already solved
    guarded = False  # every step must lower the deviance (after the plain iteration stalls)
    best = (np.inf, params, totals)  # the iterate with the lowest deviance so far
    smallest_change, stale = np.inf, 0  # iterations since the deviance changed the least
    for n_iter in range(1, maxiter + 1):
        previous_params, previous_totals = params, totals
        bread = previous_totals
        full_step = next_iterate(previous_params, previous_totals) if pending is None else pending
        pending = None
        last_likely = near_convergence()
        if predictive and curvature is not None and previous_params is not None:
            predicted = curvature(previous_totals, full_step - previous_params)
            if 0 <= predicted <= deviance_threshold(previous_totals.deviance, limit(crit_prev)):
                params = full_step
                history.record(
                    n_iter,
                    previous_totals.deviance - predicted,
                    previous_totals.deviance,
                    1.0,
                    predicted=True,  # taken without a pass (the deviance is the predicted one)
                    criterion=_scaled(previous_totals.deviance - predicted, scale(previous_totals)),
                    params=params,
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
        # statsmodels' plain iteration first (it may approach its fixed point oscillating);
        # once it stops making progress, every step must lower the deviance
        while (
            previous_params is not None
            and halvings < MAX_HALVINGS
            and (
                not np.isfinite(totals.deviance)
                or (
                    guarded
                    and totals.deviance - dev_prev > deviance_threshold(dev_prev, limit(dev_prev))
                )
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
        record(n_iter, totals, dev_prev, step, scale(previous_totals), params)
        if totals.deviance < best[0]:
            best = (totals.deviance, params, totals)
        change_now = abs(totals.deviance - dev_prev)
        if change_now < smallest_change or change_now <= deviance_threshold(dev_prev, 0.0):
            smallest_change, stale = min(change_now, smallest_change), 0  # (or at its noise)
        else:
            stale += 1
        if not guarded and (stale >= GUARD_AFTER or totals.deviance > GUARD_RISE * best[0]):
            # the plain iteration is not converging: back to its best iterate, halving from
            # there on whenever a step raises the deviance
            guarded = True
            _, params, totals = best
            crit_prev = _scaled(totals.deviance, scale(totals))
            pending = None
            continue
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
        previous_scale = scale(previous_totals)
        crit = _scaled(totals.deviance, previous_scale)
        change = abs(crit - crit_prev)
        crit_prev, threshold = crit, limit(crit)
        if criterion == "params":
            before = np.zeros(n_params) if previous_params is None else previous_params
            if np.allclose(params, before, atol=tol, rtol=rtol):
                converged = True
                break
        elif change <= threshold:
            converged = True
            break
        elif change <= deviance_threshold(crit, threshold):
            # below the deviance's rounding noise: ask the quadratic model how much the next
            # step would still change it
            if curvature is None:
                converged = True
                break
            pending = next_iterate(params, totals)
            if 0 <= _scaled(curvature(totals, pending - params), previous_scale) <= threshold:
                converged = True
                break
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
