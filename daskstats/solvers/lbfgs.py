"""L-BFGS for smooth (L2-only) penalized fits: scipy's L-BFGS-B, one pass per evaluation."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from scipy import optimize

from daskstats.errors import ConvergenceWarning
from daskstats.kernels.gradient import GradientPartial
from daskstats.solvers.history import History
from daskstats.solvers.penalties import ElasticNet
from daskstats.solvers.result import SolverResult

__all__ = ["lbfgs"]


def lbfgs(
    evaluate: Callable[[np.ndarray], GradientPartial],
    penalty: ElasticNet,
    n: float,
    start: np.ndarray,
    *,
    maxiter: int = 1000,
    tol: float = 1e-10,
    callback: Callable[[dict], None] | None = None,
) -> SolverResult:
    """Minimize ``D/(2n) + Σ α_j β_j²/2`` (``L1_wt`` must be 0) with L-BFGS-B."""
    if penalty.has_l1:
        raise ValueError("method='lbfgs' is for smooth problems: L1_wt must be 0.")
    history = History(callback)
    last: dict = {}

    def fun(beta: np.ndarray) -> tuple[float, np.ndarray]:
        totals = evaluate(beta)
        last.update(totals=totals, beta=beta.copy())
        value = totals.deviance / (2 * n) + penalty.value(beta)
        grad = totals.grad / n + penalty.l2 * beta
        history.record(len(history), value, deviance=totals.deviance, objective=value)
        return value, grad

    out = optimize.minimize(
        fun,
        np.asarray(start, dtype=float),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": maxiter, "ftol": tol, "gtol": tol * 1e-2, "maxcor": 20},
    )
    if not out.success:
        warnings.warn(f"L-BFGS did not converge: {out.message}", ConvergenceWarning, stacklevel=3)
    totals = last["totals"] if np.array_equal(last["beta"], out.x) else evaluate(out.x)
    return SolverResult(
        params=out.x,
        converged=bool(out.success),
        n_iter=int(out.nit),
        totals=totals,
        bread=totals,
        history=history,
    )
