"""Iteratively reweighted least squares, one pass over the data per iteration.

The solver sees only an ``evaluate(params, null_state)`` callable: one pass that returns, at
``params`` (``None`` = statsmodels' starting values, μ from y), the deviance and statistics there
and the weighted least-squares system ``XᵀWX β = XᵀWz`` for the next iterate.  So iteration k
costs exactly one pass, and the pass that shows convergence already holds everything inference
needs (XᵀWX, Pearson χ², log-likelihood sums).

The iteration is statsmodels' (``GLM._fit_irls``): same start, same weights and working
response, so on small data both take the same path.  Additions:

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
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg

from daskstats.errors import (
    CollinearityError,
    ConvergenceWarning,
    DataError,
    PerfectSeparationWarning,
)
from daskstats.solvers.history import History
from daskstats.solvers.linalg import aliased_columns, solve_spd

__all__ = ["irls", "IRLSResult", "NullState", "deviance_threshold"]

MAX_HALVINGS = 10
#: iterations in a row with boundary rows and coefficient steps above 1 before stopping
SEPARATION_PATIENCE = 4
#: collect log-likelihood sums in a pass when the previous relative deviance change was below
LOGLIKE_WHEN_CHANGE_BELOW = 1e-5


def deviance_threshold(deviance: float, tol: float) -> float:
    """Largest deviance change taken as convergence (absolute ``tol``, floored by fp noise)."""
    return max(tol, 1000 * np.finfo(float).eps * abs(deviance))


@dataclass
class NullState:
    """Iterate of the constant-only model fitted beside the main one (offset present)."""

    intercept: float | None
    mean: float | None
    deviance: float = np.inf
    converged: bool = False
    sums: dict = field(default_factory=dict)

    def as_kwargs(self) -> dict:
        return {"null_intercept": self.intercept, "null_mean": self.mean}


@dataclass(frozen=True)
class IRLSResult:
    """What every solver returns.

    Attributes
    ----------
    params : ndarray of shape (p,)
    converged : bool
    n_iter : int
        IRLS iterations (weighted least-squares solves), statsmodels' count.
    totals : dict
        Summed pass results at ``params`` (deviance, Pearson χ², log-likelihood sums, null sums).
    bread : dict
        Summed pieces of the pass whose weighted least-squares system gave ``params`` (its
        ``XᵀWX`` is statsmodels' normalized covariance basis).
    history : list of dict
        Per pass: iteration, deviance, relative change, step length, seconds.
    """

    params: np.ndarray
    converged: bool
    n_iter: int
    totals: dict
    bread: dict
    history: list = field(default_factory=list)
    null: NullState | None = None


def solve_dense(gram: np.ndarray, rhs: np.ndarray, names: list[str]) -> np.ndarray:
    """Solve a symmetric positive definite system; name the aliased columns if it is singular."""
    try:
        return solve_spd(gram, rhs)
    except (linalg.LinAlgError, ValueError):
        pass
    if not np.all(np.isfinite(gram)) or not np.all(np.isfinite(rhs)):
        raise DataError(
            "the weighted least-squares system is not finite (overflow in the working weights); "
            "check for extreme values in the data, or rescale the columns."
        )
    raise _collinearity_error(gram, names)


def _collinearity_error(gram: np.ndarray, names: list[str]) -> CollinearityError:
    aliased = aliased_columns(gram)
    parts = []
    for j, combo in aliased.items():
        if not combo:
            parts.append(f"{names[j]!r} is zero on every used row")
        else:
            terms = " + ".join(f"{c:.6g}*{names[k]!r}" for k, c in combo.items())
            parts.append(f"{names[j]!r} = {terms}")
    detail = "; ".join(parts) if parts else "the weighted Gram matrix is singular"
    return CollinearityError(
        f"the design matrix is rank deficient (collinear columns): {detail}. "
        "Remove the aliased terms from the formula (e.g. a constant column beside the "
        "intercept, or a dummy for every level plus an intercept)."
    )


def irls(
    evaluate: Callable[[np.ndarray | None, NullState | None, bool], dict],
    n_params: int,
    names: list[str],
    *,
    solve: Callable[[dict], np.ndarray] | None = None,
    null: NullState | None = None,
    null_evaluate: Callable[[NullState], dict] | None = None,
    start_params: np.ndarray | None = None,
    maxiter: int = 100,
    tol: float = 1e-8,
    callback: Callable[[dict], None] | None = None,
) -> IRLSResult:
    """Fit by IRLS.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(params, null_state, loglike)`` runs one pass and returns summed partial
        results with keys ``xtwx``, ``xtwz``, ``dev``, ``pearson``, ``max_abs_resid`` (plus
        ``null_*`` when ``null_state`` is given, ``ll_*`` when ``loglike``).
    n_params : int
    names : list of str
        Column names, for error messages.
    solve : callable, optional
        ``solve(totals)`` returns the weighted least-squares solution from a pass's summed
        pieces (default: a dense Cholesky solve of ``xtwx``, ``xtwz``).
    null : NullState, optional
        Null model fitted alongside (``intercept`` set when an offset is present).
    null_evaluate : callable, optional
        Pass over the data for the null model only, used if it converges after the main fit.
    start_params : ndarray, optional
        Start from these coefficients instead of μ from y.
    maxiter : int
    tol : float
        See :func:`deviance_threshold`.
    callback : callable, optional
        Called with each history record (for ``verbose`` output).
    """
    history = History(callback)
    if solve is None:

        def solve(totals):
            from daskstats.kernels import symmetrize

            return solve_dense(symmetrize(totals["xtwx"]), totals["xtwz"], names)

    def record(iteration, totals, previous_dev, step):
        history.record(iteration, totals["dev"], previous_dev, step)

    def update_null(totals):
        if null is None or null.converged or "null_dev" not in totals:
            return
        null.sums = {k: v for k, v in totals.items() if k.startswith("null_")}
        dev0 = totals["null_dev"]
        if null.intercept is None:  # constant mean: nothing to iterate
            null.deviance, null.converged = dev0, True
            return
        if abs(dev0 - null.deviance) <= deviance_threshold(dev0, tol):
            null.deviance, null.converged = dev0, True
            return
        null.deviance = dev0
        null.intercept = totals["null_swz"] / totals["null_sw"]

    def pending_null():
        return null if null is not None and not null.converged else None

    def near_convergence():
        # ask for the log-likelihood sums when the pass is likely the last one (the previous
        # change was already small); otherwise the caller makes one more pass for them
        return len(history) >= 2 and history[-1]["rel_change"] < LOGLIKE_WHEN_CHANGE_BELOW

    params = None if start_params is None else np.asarray(start_params, dtype=float)
    totals = evaluate(params, pending_null(), False)
    if params is not None and not np.isfinite(totals["dev"]):
        warnings.warn(
            "the deviance at start_params is not finite (exp(eta) overflows?); starting from "
            "statsmodels' default (mu from y) instead.",
            RuntimeWarning,
            stacklevel=3,
        )
        params = None
        totals = evaluate(params, pending_null(), False)
    if not np.isfinite(totals["dev"]):
        raise DataError(
            "the deviance at the starting values is not finite; check the response against "
            "the family's domain and the start_params."
        )
    record(0, totals, np.nan, np.nan)
    update_null(totals)

    converged = False
    n_iter = 0
    crit_prev = totals["dev"] / totals.get("scale", 1.0)
    diverging = 0
    bread = totals
    for n_iter in range(1, maxiter + 1):
        previous_params, previous_totals = params, totals
        bread = previous_totals
        full_step = solve(previous_totals)
        proposal, step = full_step, 1.0
        totals = evaluate(proposal, pending_null(), near_convergence())
        halvings = 0
        dev_prev = previous_totals["dev"]
        while (
            previous_params is not None
            and halvings < MAX_HALVINGS
            and (
                not np.isfinite(totals["dev"])
                or totals["dev"] - dev_prev > deviance_threshold(dev_prev, tol)
            )
        ):
            step /= 2
            halvings += 1
            proposal = previous_params + step * (full_step - previous_params)
            totals = evaluate(proposal, pending_null(), False)
            if halvings == MAX_HALVINGS and not (
                np.isfinite(totals["dev"]) and totals["dev"] < dev_prev
            ):
                # no shorter step lowers the deviance: the IRLS direction is not a descent
                # direction here (e.g. a clipped mean); take the full step as statsmodels does
                proposal, step = full_step, 1.0
                totals = evaluate(proposal, pending_null(), False)
        if not np.isfinite(totals["dev"]):
            raise DataError(
                f"the deviance became non-finite at iteration {n_iter} and step halving did not "
                "recover; the model may be unsuitable for the data (check the link and the "
                "response's range)."
            )
        params = proposal
        record(n_iter, totals, dev_prev, step)
        update_null(totals)
        if totals["max_abs_resid"] <= 1e-8:
            warnings.warn(
                "Perfect separation or prediction detected, parameter may not be identified "
                f"(iteration {n_iter}); stopping.",
                PerfectSeparationWarning,
                stacklevel=3,
            )
            break
        # statsmodels records each deviance divided by the scale of the PREVIOUS iterate
        crit = totals["dev"] / previous_totals.get("scale", 1.0)
        if abs(crit - crit_prev) <= deviance_threshold(crit, tol):
            converged = True
            break
        crit_prev = crit
        # quasi-complete separation: rows sit at the edge of the mean's range while some
        # coefficient keeps moving by large steps; IRLS would only drift towards infinity
        growing = previous_params is not None and np.max(np.abs(params - previous_params)) > 1
        diverging = diverging + 1 if totals.get("at_boundary", 0) > 0 and growing else 0
        if diverging >= SEPARATION_PATIENCE:
            warnings.warn(
                f"Quasi-complete separation: {totals['at_boundary']} rows are fitted at the "
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
        update_null(null_evaluate(null))
    if null is not None:
        totals = {**{k: v for k, v in totals.items() if not k.startswith("null_")}, **null.sums}

    return IRLSResult(
        params=params if params is not None else np.zeros(n_params),
        converged=converged,
        n_iter=n_iter,
        totals=totals,
        bread=bread,
        history=history,
        null=null,
    )
