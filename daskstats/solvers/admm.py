"""Consensus ADMM over partitions, synchronous and asynchronous.

Each partition ``i`` holds a copy ``β_i`` of the coefficients; with ``f_i`` its share of
``D/(2n)``:

    β_i ← argmin f_i(β) + ρ/2 ‖β − z + u_i‖²        (:func:`daskstats.kernels.local_solve`)
    z   ← prox_{P/(Nρ)}( mean_i(β_i + u_i) )          (soft-thresholding; on the client)
    u_i ← u_i + β_i − z

Synchronous: one pass per iteration (all partitions, then ``z``). Asynchronous (on a
distributed Client): after a short synchronous warm-up (which adapts ``ρ``), ``z`` and ``u_i``
are updated as soon as partition ``i`` reports, and partition ``i`` is resubmitted with the new
``z`` at once — no partition waits for the slowest; it stops when every partition's latest
report has ``‖β_i − z‖∞`` and the change of ``z`` at that report below the tolerance
(see :class:`ConsensusADMM`). The answer does not depend on the partitioning beyond the
tolerance. ``ρ`` is adapted by residual balancing (Boyd et al., §3.4.1) in the synchronous
variant.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from daskstats.errors import ConvergenceWarning
from daskstats.solvers.history import History
from daskstats.solvers.penalties import ElasticNet
from daskstats.solvers.result import SolverResult

__all__ = ["ConsensusADMM", "admm"]


class ConsensusADMM:
    """State of consensus ADMM (client side, small arrays only)."""

    def __init__(
        self, penalty: ElasticNet, n_parts: int, start: np.ndarray, rho: float | np.ndarray
    ):
        self.penalty = penalty
        self.n_parts = n_parts
        self.z = start.copy()
        self.betas = np.tile(start, (n_parts, 1))
        self.duals = np.zeros_like(self.betas)
        # one ρ per coefficient: the columns' own curvature scale (a coded categorical's levels
        # carry far less information per row than a dense column)
        self.rho = np.broadcast_to(np.asarray(rho, dtype=float), start.shape).copy()
        self.reported_change = np.full(n_parts, np.inf)
        self.reported_gap = np.full(n_parts, np.inf)
        self.sent_z = np.tile(self.z, (n_parts, 1))
        #: per partition: what its next local solve needs to verify its last step
        self.previous: list = [None] * n_parts

    def record_local(
        self, i: int, result: tuple, target: np.ndarray, rho: np.ndarray
    ) -> np.ndarray:
        """Keep partition ``i``'s check from a :func:`~daskstats.kernels.local_solve` result;
        return its ``β``."""
        beta, (origin, value) = result
        self.previous[i] = (origin, value, target, np.array(rho, copy=True))
        return beta

    def local_target(self, i: int) -> np.ndarray:
        """What partition ``i`` is sent (``z − u_i``); remembers the ``z`` it saw."""
        self.sent_z[i] = self.z
        return self.z - self.duals[i]

    def consensus(self) -> np.ndarray:
        """``z`` from the current ``β_i`` and ``u_i``."""
        v = np.mean(self.betas + self.duals, axis=0)
        return self.penalty.prox(v, 1.0 / (self.n_parts * self.rho))

    def update_all(self, betas: np.ndarray) -> tuple[float, float]:
        """Synchronous step; returns the primal and dual residual norms."""
        self.betas = betas
        z_old = self.z
        self.z = self.consensus()
        self.duals += self.betas - self.z
        primal = float(np.sqrt(np.sum((self.betas - self.z) ** 2)))
        dual = float(np.sqrt(self.n_parts) * np.linalg.norm(self.rho * (self.z - z_old)))
        return primal, dual

    def update_one(self, i: int, beta: np.ndarray) -> None:
        """Asynchronous step: partition ``i`` reported ``beta``.

        Its dual moves against the ``z`` it was sent (not the newest one, which other
        partitions may have moved meanwhile), then ``z`` is recomputed from every partition's
        latest ``β_j + u_j``: each partition's pair stays consistent however stale it is.
        """
        self.betas[i] = beta
        self.duals[i] += beta - self.sent_z[i]
        z_old = self.z
        self.z = self.consensus()
        self.reported_gap[i] = float(np.max(np.abs(beta - self.z)))
        self.reported_change[i] = float(np.max(np.abs(self.z - z_old)))

    def rebalance(self, primal: float, dual: float) -> None:
        if primal > 10 * dual:
            self.rho *= 2.0
            self.duals /= 2.0
        elif dual > 10 * primal:
            self.rho /= 2.0
            self.duals *= 2.0

    def async_converged(self, tol: float) -> bool:
        scale = 1.0 + np.max(np.abs(self.z))
        return bool(
            np.all(self.reported_gap <= tol * scale) and np.all(self.reported_change <= tol * scale)
        )


def admm(
    local_all: Callable[[list, np.ndarray, list, list], list],
    n_parts: int,
    penalty: ElasticNet,
    start: np.ndarray,
    *,
    rho: float | np.ndarray = 1.0,
    maxiter: int = 2000,
    tol: float = 1e-9,
    callback: Callable[[dict], None] | None = None,
) -> tuple[SolverResult, ConsensusADMM]:
    """Synchronous consensus ADMM.

    Parameters
    ----------
    local_all : callable
        ``local_all(targets, rho, starts, previous)`` solves every partition's local problem
        in one pass and returns the list of :func:`~daskstats.kernels.local_solve` results.
    tol : float
        Stop when the primal and dual residuals, per coefficient, fall below
        ``tol · (1 + max|z|)``.
    """
    state = ConsensusADMM(penalty, n_parts, start, rho)
    history = History(callback)
    converged = False
    n_iter = 0
    size = np.sqrt(n_parts * len(start))
    for n_iter in range(1, maxiter + 1):
        targets = [state.local_target(i) for i in range(n_parts)]
        rho_now = state.rho.copy()
        results = local_all(targets, rho_now, list(state.betas), list(state.previous))
        betas = np.asarray(
            [state.record_local(i, r, targets[i], rho_now) for i, r in enumerate(results)]
        )
        primal, dual = state.update_all(betas)
        history.record(
            n_iter,
            np.nan,
            primal=primal,
            dual=dual,
            rho=state.rho,
            rel_change=max(primal, dual) / size,
        )
        limit = tol * (1.0 + np.max(np.abs(state.z))) * size
        if primal <= limit and dual <= limit:
            converged = True
            break
        state.rebalance(primal, dual)
    if not converged:
        warnings.warn(
            f"ADMM did not converge in {maxiter} iterations.", ConvergenceWarning, stacklevel=3
        )
    return SolverResult(params=state.z, converged=converged, n_iter=n_iter, history=history), state
