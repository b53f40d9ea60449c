"""Proximal Newton for elastic-net GLMs: IRLS with coordinate descent on the p × p Gram.

Each outer iteration is one pass over the data — the same pass as unpenalized IRLS, returning
``A = XᵀWX / n`` and ``b = XᵀWz / n`` at the current estimate — followed by an in-memory
coordinate descent on the penalized weighted least-squares problem::

    min_β  ½ βᵀAβ − bᵀβ + Σ_j α_j ((1 − L1_wt) β_j²/2 + L1_wt |β_j|),

which is the quadratic (Fisher) model of ``F(β) = D(β)/(2n) + P(β)`` (glmnet's and glum's
scheme). A step that does not lower ``F`` is halved (one more pass each time).  The fit stops
when a step changes ``F`` by at most ``tol`` (relative), or before taking a step whose predicted
decrease is that small (then the current point, whose pass holds every statistic, is the
answer and no pass is spent confirming it).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from daskstats.errors import ConvergenceWarning
from daskstats.kernels.irls import IRLSPartial
from daskstats.solvers.history import History
from daskstats.solvers.irls import LOGLIKE_WHEN_CHANGE_BELOW
from daskstats.solvers.penalties import ElasticNet
from daskstats.solvers.result import SolverResult

__all__ = ["coordinate_descent", "prox_newton"]


def coordinate_descent(
    A: np.ndarray,
    b: np.ndarray,
    penalty: ElasticNet,
    beta: np.ndarray,
    tol: float = 1e-14,
    max_sweeps: int = 10_000,
) -> np.ndarray:
    """Minimize ``½βᵀAβ − bᵀβ + P(β)`` by cyclic coordinate descent (covariance updates)."""
    beta = beta.copy()
    l1, l2 = penalty.l1, penalty.l2
    diag = np.diag(A) + l2
    if np.any(diag <= 0):
        bad = np.flatnonzero(diag <= 0)
        raise ValueError(f"columns {bad.tolist()} carry no information (zero weight).")
    grad = A @ beta  # A β, kept up to date
    active = np.arange(len(beta))
    for sweep in range(max_sweeps):
        largest = 0.0
        for j in active:
            r = b[j] - grad[j] + A[j, j] * beta[j]
            new = np.sign(r) * max(abs(r) - l1[j], 0.0) / diag[j]
            change = new - beta[j]
            if change != 0.0:
                grad += change * A[:, j]
                beta[j] = new
                largest = max(largest, abs(change) * np.sqrt(diag[j]))
        if largest <= tol * (1.0 + np.sqrt(np.sum(diag * beta**2))):
            if len(active) == len(beta):
                break
            active = np.arange(len(beta))  # a full sweep to confirm the active set
        elif sweep % 5 == 4:
            active = np.flatnonzero((beta != 0) | (l1 == 0))
            if len(active) == 0:
                active = np.arange(len(beta))
    return beta


def prox_newton(
    evaluate: Callable[..., IRLSPartial],
    gram_rhs: Callable[[IRLSPartial], tuple[np.ndarray, np.ndarray]],
    penalty: ElasticNet,
    n: float,
    n_params: int,
    *,
    start_params: np.ndarray | None = None,
    maxiter: int = 100,
    tol: float = 1e-10,
    callback: Callable[[dict], None] | None = None,
) -> SolverResult:
    """Fit by proximal Newton.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(params, near_convergence)`` makes one IRLS pass (``params=None``:
        statsmodels' start, μ from y); ``near_convergence`` tells it the pass is likely the
        last (the previous relative change of ``F`` was small), to collect final statistics.
    gram_rhs : callable
        ``(A_total, b_total)`` (``XᵀWX``, ``XᵀWz``, not yet divided by ``n``) from a pass.
    penalty : ElasticNet
    n : float
        Rows (statsmodels divides the log-likelihood by the number of rows).
    tol : float
        Convergence when ``F`` changes by at most ``tol · max(1, |F|)``.
    """
    history = History(callback)

    def objective(totals: IRLSPartial, beta: np.ndarray) -> float:
        return totals.deviance / (2 * n) + penalty.value(beta)

    def record(iteration: int, value: float, previous: float, step: float) -> None:
        history.record(iteration, value, previous, step, objective=value)

    beta = None if start_params is None else np.asarray(start_params, dtype=float)
    totals = evaluate(beta)
    value = objective(totals, beta) if beta is not None else np.inf
    record(0, value if np.isfinite(value) else totals.deviance / (2 * n), np.nan, np.nan)
    current = np.zeros(n_params) if beta is None else beta
    converged = False
    n_iter = 0
    for n_iter in range(1, maxiter + 1):
        A, b = gram_rhs(totals)
        A, b = A / n, b / n
        target = coordinate_descent(A, b, penalty, current)
        near = False
        if np.isfinite(value):
            # the quadratic model's predicted decrease of F: when it is below the tolerance the
            # current point (whose pass holds every statistic) is the solution, and no pass is
            # spent confirming it; when it is small, the next pass is likely the last
            d = target - current
            gradient = A @ current - b  # of D/(2n): Fisher scoring's A β − b
            predicted = -(
                gradient @ d + 0.5 * d @ A @ d + penalty.value(target) - penalty.value(current)
            )
            scale = max(1.0, abs(value))
            # the step not taken is the distance left to the minimum: hold it to tol ** 0.7
            small_step = np.max(np.abs(d)) <= tol**0.7 * (1.0 + np.max(np.abs(current)))
            if predicted <= tol * scale and small_step:
                converged = True
                n_iter -= 1
                break
            near = predicted < LOGLIKE_WHEN_CHANGE_BELOW * scale
        step = 1.0
        proposal = target
        new_totals = evaluate(proposal, near)
        new_value = objective(new_totals, proposal)
        halvings = 0
        while (
            np.isfinite(value) and not (new_value <= value + 1e-13 * abs(value)) and (halvings < 30)
        ):
            step /= 2
            halvings += 1
            proposal = current + step * (target - current)
            new_totals = evaluate(proposal)
            new_value = objective(new_totals, proposal)
        change = np.max(np.abs(proposal - current)) if beta is not None or n_iter > 1 else np.inf
        record(n_iter, new_value, value, step)
        done = np.isfinite(value) and abs(new_value - value) <= tol * max(1.0, abs(new_value))
        current, totals, value, beta = proposal, new_totals, new_value, proposal
        if done and change <= np.sqrt(tol) * (1.0 + np.max(np.abs(current))):
            converged = True
            break
    if not converged:
        warnings.warn(
            f"the penalized fit did not converge in {maxiter} iterations; increase maxiter.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return SolverResult(
        params=current,
        converged=converged,
        n_iter=n_iter,
        totals=totals,
        bread=totals,
        history=history,
    )
