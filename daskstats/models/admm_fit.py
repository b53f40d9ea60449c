"""Penalized fits by consensus ADMM over the model's blocks (pooled ones when the design is
pooled, :mod:`daskstats.passes.pool`): synchronous (one pass per
iteration) and asynchronous (on a distributed Client, each partition resubmitted as soon as it
reports). The state and the updates are :mod:`daskstats.solvers.admm`'s; the local problems
are :func:`daskstats.kernels.local_solve`."""

from __future__ import annotations

import warnings

import numpy as np

from daskstats.errors import DataError
from daskstats.kernels.local_solve import local_solve
from daskstats.passes.asynchronous import run_async
from daskstats.passes.errors import active_client
from daskstats.solvers.admm import admm
from daskstats.solvers.penalties import ElasticNet
from daskstats.solvers.result import SolverResult

__all__ = ["admm_rho", "fit_admm", "fit_admm_async"]


def admm_rho(diag: np.ndarray, n: float, parts: int) -> np.ndarray:
    """ADMM's penalty parameter, one per coefficient: each column's Fisher information at the
    start divided by ``n`` and by the partitions — the curvature of an average partition's
    local problem ``D_i/(2n)`` — floored for empty columns.  (Measured on 2M × 20 logistic with
    16 partitions: 36 iterations, against 44 from the whole data's curvature.)"""
    rho = diag / (n * max(parts, 1))
    return np.maximum(rho, 1e-6 * max(float(np.max(rho, initial=0.0)), 1e-300))


def _local_all(model, n: float, name: str):
    """Every partition's local solve in one pass."""

    def local_all(targets, rho_now, starts, previous):
        args = [
            (model.layout, model.family, targets[i], rho_now, n, starts[i], previous[i])
            for i in range(len(targets))
        ]
        return model.runner.map(local_solve, args, name=name, pooled=True)

    return local_all


def fit_admm(
    model, penalty: ElasticNet, n: float, start, rho, maxiter: int, tol: float, callback
) -> SolverResult:
    """Synchronous consensus ADMM."""
    result, _ = admm(
        _local_all(model, n, "admm"),
        len(model.runner.pass_blocks),
        penalty,
        start,
        rho=rho,
        maxiter=maxiter,
        tol=tol,
        callback=callback,
    )
    return result


def fit_admm_async(
    model, penalty: ElasticNet, n: float, start, rho, tol: float, max_updates: int
) -> SolverResult:
    """Asynchronous consensus ADMM after a short synchronous warm-up (which adapts ``ρ`` and
    brings every copy near the consensus)."""
    if active_client() is None:
        raise DataError("method='admm_async' needs a dask.distributed Client.")
    parts = len(model.runner.pass_blocks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, state = admm(
            _local_all(model, n, "admm warm-up"),
            parts,
            penalty,
            start,
            rho=rho,
            maxiter=30,
            tol=tol**0.25,
        )

    sent = {}  # partition -> (target, rho) of its running local solve

    def args_for(i):
        sent[i] = (state.local_target(i), state.rho.copy())
        return (
            model.layout,
            model.family,
            sent[i][0],
            sent[i][1],
            n,
            state.betas[i].copy(),
            state.previous[i],
        )

    def on_result(i, result):
        state.update_one(i, state.record_local(i, result, *sent[i]))
        return state.async_converged(tol**0.8)

    updates = run_async(model.runner, local_solve, args_for, on_result, max_updates)
    history = [
        {
            "iteration": updates,
            "deviance": np.nan,
            "rel_change": np.nan,
            "step": np.nan,
            "seconds": np.nan,
        }
    ]
    return SolverResult(
        params=state.z,
        converged=state.async_converged(tol**0.8),
        n_iter=updates,
        history=history,
    )
