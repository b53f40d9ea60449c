"""Newton's method for a smooth log-likelihood whose value, gradient and Hessian come from one
pass: damped (a Levenberg shift when the Hessian is not negative definite), with step halving
when a step lowers the log-likelihood. Pure numpy: the caller's ``evaluate`` makes the pass.

Used for the negative binomial with its dispersion estimated, in ``(β, log α)``: the
logarithm keeps ``α`` positive and makes the likelihood closer to quadratic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

__all__ = ["NewtonResult", "newton", "ascent_direction"]

MAX_HALVINGS = 30

#: what ``evaluate`` returns with each pass (``NewtonResult.payload``)
Payload = TypeVar("Payload")


@dataclass(frozen=True)
class NewtonResult(Generic[Payload]):
    """``x`` (the maximizer), its ``value``, ``gradient``, ``hessian`` and the last pass's
    payload, whether it ``converged``, its ``iterations`` and the per-iteration ``history``."""

    x: np.ndarray
    value: float
    gradient: np.ndarray
    hessian: np.ndarray
    payload: Payload
    converged: bool
    iterations: int
    history: list


def ascent_direction(gradient: np.ndarray, hessian: np.ndarray) -> np.ndarray:
    """``−H⁻¹ g``, shifting ``H`` towards negative definiteness until it is."""
    scale = np.max(np.abs(np.diag(hessian))) or 1.0
    shift = 0.0
    for _ in range(60):
        try:
            factor = np.linalg.cholesky(-(hessian - shift * np.eye(len(gradient))))
        except np.linalg.LinAlgError:
            shift = max(2 * shift, 1e-10 * scale)
            continue
        y = np.linalg.solve(factor, gradient)
        return np.linalg.solve(factor.T, y)
    return gradient / scale


def newton(
    evaluate: Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray, Payload]],
    start: np.ndarray,
    *,
    maxiter: int = 100,
    tol: float = 1e-10,
    callback: Callable[[dict], None] | None = None,
) -> NewtonResult[Payload]:
    """Maximize by Newton's method.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(x) -> (value, gradient, hessian, payload)``, one pass.
    start : ndarray
    maxiter : int
    tol : float
        Stop when the predicted increase ``½ gᵀ H⁻¹ g`` falls below ``tol · (1 + |value|)``
        (Newton's decrement, invariant to the parameterization's scale).
    """
    x = np.asarray(start, dtype=float)
    value, gradient, hessian, payload = evaluate(x)
    history: list = []
    converged = False
    iterations = 0
    for iterations in range(1, maxiter + 1):
        direction = ascent_direction(gradient, hessian)
        decrement = float(gradient @ direction) / 2
        entry = {"iteration": iterations, "llf": value, "decrement": decrement}
        history.append(entry)
        if callback is not None:
            callback(entry)
        if decrement <= tol * (1 + abs(value)):
            converged = True
            break
        step = 1.0
        for _ in range(MAX_HALVINGS):
            trial = x + step * direction
            result = evaluate(trial)
            if np.isfinite(result[0]) and result[0] >= value - 1e-12 * (1 + abs(value)):
                break
            step /= 2
        else:
            # no step raised the log-likelihood: at the optimum to rounding when the
            # predicted increase is at the value's rounding level
            converged = decrement <= 1e-10 * (1 + abs(value))
            break
        x = trial
        value, gradient, hessian, payload = result
    return NewtonResult(x, value, gradient, hessian, payload, converged, iterations, history)
