"""Accelerated proximal gradient (FISTA) with a diagonal metric.

Minimizes ``F(β) = D(β)/(2n) + P(β)``.  Two step-size rules:

* **fixed step** when a matrix ``B ⪰ ∇²(D/2n)`` everywhere is known (canonical links with a
  bounded variance: Binomial–logit ``XᵀX/4n``, Gaussian–identity ``XᵀX/n``; one pass computes
  it beside the first gradient).  The metric is ``diag(B)`` times ``L = λ_max(diag(B)^{-½} B
  diag(B)^{-½})``, which majorizes the smooth part, so every step is accepted: **one pass per
  iteration** (the gradient at the momentum point).  The momentum restarts by O'Donoghue &
  Candès' gradient rule, which needs no objective values.
* **backtracking** otherwise: every trial point costs one fused pass returning the deviance
  *and* the gradient there (an accepted trial's gradient is reused).  The metric is the
  diagonal of the Fisher information at the start times a scalar ``L`` found by backtracking;
  the momentum restarts when ``F`` rises.

In both, columns on different scales need no standardization (the diagonal metric).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from daskstats.errors import ConvergenceWarning
from daskstats.kernels.gradient import GradientPartial
from daskstats.solvers.history import History
from daskstats.solvers.penalties import ElasticNet
from daskstats.solvers.result import SolverResult

__all__ = ["proximal_gradient"]


def _converged(distance: np.ndarray, x: np.ndarray, tol: float) -> bool:
    """The per-coordinate distance to the minimum (in coefficient units) is below
    ``tol ** 0.8`` relative to the largest coefficient."""
    return bool(np.max(distance, initial=0.0) <= tol**0.8 * (1 + np.max(np.abs(x), initial=0.0)))


def _warn_not_converged(maxiter: int, stacklevel: int) -> None:
    """``stacklevel`` as seen from the caller (one frame is added here)."""
    warnings.warn(
        f"proximal gradient did not converge in {maxiter} iterations; increase maxiter or "
        "use method='auto'.",
        ConvergenceWarning,
        stacklevel=stacklevel + 1,
    )


def _fixed_step(
    evaluate: Callable[[np.ndarray], GradientPartial],
    penalty: ElasticNet,
    n: float,
    x: np.ndarray,
    at_x: GradientPartial,
    bound: np.ndarray,
    maxiter: int,
    tol: float,
    history: History,
) -> SolverResult:
    """FISTA with the step ``1 / (L diag(B))`` that majorizes the smooth part everywhere."""
    d = np.diag(bound).copy()
    d = np.maximum(d, 1e-12 * max(1.0, float(np.max(d, initial=0.0))))
    scaled = bound / np.sqrt(np.outer(d, d))
    lipschitz = float(np.linalg.eigvalsh(scaled)[-1]) if len(d) else 1.0
    step = 1.0 / (lipschitz * d)
    y, at_y, t = x, at_x, 1.0
    converged = False
    n_iter = 0
    previous = history[0]["objective"]
    for n_iter in range(1, maxiter + 1):
        candidate = penalty.prox(y - step * at_y.grad / n, step)
        # the prox-gradient step from y measures how far y is from the minimum
        if _converged(np.abs(candidate - y), candidate, tol):
            x, converged = candidate, True
            history.record(
                n_iter, previous, np.nan, 1.0, deviance=at_y.deviance, objective=previous
            )
            break
        t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
        momentum = (t - 1) / t_next
        if np.dot(y - candidate, candidate - x) > 0:  # gradient restart: momentum points uphill
            t_next, momentum = 1.0, 0.0
        x_prev, x, t = x, candidate, t_next
        y = x + momentum * (x - x_prev)
        at_y = evaluate(y)
        value = at_y.deviance / (2 * n) + penalty.value(y)
        history.record(n_iter, value, previous, 1.0, deviance=at_y.deviance, objective=value)
        previous = value
    if not converged:
        _warn_not_converged(maxiter, 4)
    return SolverResult(
        params=x, converged=converged, n_iter=n_iter, totals=at_y, bread=at_y, history=history
    )


def proximal_gradient(
    evaluate: Callable[[np.ndarray], GradientPartial],
    penalty: ElasticNet,
    n: float,
    start: np.ndarray,
    *,
    maxiter: int = 2000,
    tol: float = 1e-10,
    callback: Callable[[dict], None] | None = None,
    first: GradientPartial | None = None,
    curvature_bound: np.ndarray | None = None,
) -> SolverResult:
    """Fit by FISTA.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(params)`` → dict with ``dev``, ``grad`` (of ``D/2``) and, at the start,
        ``diag`` (diagonal of the Fisher information; not needed with ``curvature_bound``).
    start : ndarray
        Starting coefficients.
    first : dict, optional
        ``evaluate(start)`` when the caller already made that pass.
    curvature_bound : ndarray (p, p), optional
        ``B`` with ``B ⪰ ∇²(D/2)`` at every ``β`` (not divided by ``n``): fixed steps, one pass
        per iteration.
    tol : float
        Stop when the optimality (KKT) violation of every coefficient, divided by the metric
        (so roughly its distance from the minimum), is below ``tol ** 0.8`` relative to the
        largest coefficient.
    """
    history = History(callback)

    def value_of(totals: GradientPartial, beta: np.ndarray) -> float:
        return totals.deviance / (2 * n) + penalty.value(beta)

    x = np.asarray(start, dtype=float)
    at_x = evaluate(x) if first is None else first
    f_x = value_of(at_x, x)
    history.append(
        {
            "iteration": 0,
            "deviance": at_x.deviance,
            "objective": f_x,
            "rel_change": np.nan,
            "step": np.nan,
            "seconds": 0.0,
        }
    )
    if curvature_bound is not None:
        return _fixed_step(
            evaluate, penalty, n, x, at_x, curvature_bound / n, maxiter, tol, history
        )
    if at_x.diag is None:
        raise ValueError("the first evaluation must hold the Fisher diagonal (diag=True)")
    metric = np.maximum(at_x.diag / n, 1e-12 * max(1.0, np.max(at_x.diag / n)))
    scale_l = 1.0
    y, at_y, t = x, at_x, 1.0
    converged = False
    n_iter = 0
    for n_iter in range(1, maxiter + 1):
        smooth_y = at_y.deviance / (2 * n)
        grad_y = at_y.grad / n
        while True:
            step = 1.0 / (scale_l * metric)
            candidate = penalty.prox(y - step * grad_y, step)
            at_c = evaluate(candidate)
            diff = candidate - y
            bound = smooth_y + grad_y @ diff + 0.5 * scale_l * np.sum(metric * diff**2)
            if at_c.deviance / (2 * n) <= bound + 1e-15 * abs(bound):
                break
            scale_l *= 2.0
        f_c = value_of(at_c, candidate)
        if f_c > f_x:  # adaptive restart: drop the momentum, retry from x
            t = 1.0
            if not np.array_equal(y, x):
                y, at_y = x, at_x
                continue
        t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
        momentum = (t - 1) / t_next
        x_prev, x, at_x, f_prev, f_x, t = x, candidate, at_c, f_x, f_c, t_next
        history.record(
            n_iter, f_x, f_prev, float(1 / scale_l), deviance=at_x.deviance, objective=f_x
        )
        # optimality, not progress: the KKT violation per coordinate, in units of the metric,
        # estimates the distance to the minimum (objective changes stall at rounding level)
        violation = penalty.kkt_violation(x, at_x.grad / n) / metric
        if np.max(violation) <= tol**0.8 * (1 + np.max(np.abs(x))):
            converged = True
            break
        y = x + momentum * (x - x_prev)
        at_y = evaluate(y) if momentum != 0 else at_x
        scale_l = max(scale_l / 2.0, 1e-3)  # let the step grow again
    if not converged:
        _warn_not_converged(maxiter, 3)
    return SolverResult(
        params=x, converged=converged, n_iter=n_iter, totals=at_x, bread=at_x, history=history
    )
