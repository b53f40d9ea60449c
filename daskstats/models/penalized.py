"""Penalized (elastic-net) fits, regularization paths and the inference that is valid for them.

``method="auto"`` is proximal Newton (:mod:`daskstats.solvers.prox_newton`): one pass per
outer iteration, like unpenalized IRLS, and measured fastest on every benchmark case
(``benchmarks/RESULTS.md``); ``"proximal_grad"``, ``"admm"`` (synchronous consensus over
partitions), ``"admm_async"`` (on a distributed Client) and ``"lbfgs"`` (L2 only) are there
for comparison and for settings where they fit better.

Inference: with an L1 part the estimates come out of a selection step, and their sampling
distribution is not the usual one — ``bse``, ``pvalues`` and ``conf_int`` are NaN and the
summary says why. ``refit=True`` refits without penalty on the selected columns and reports
that fit's inference (which ignores the selection). L2-only fits get sandwich standard errors
``H⁻¹ M H⁻¹`` with the penalized Hessian ``H = XᵀWX/n + diag(α)`` and the score meat ``M``.
Results are assembled by the same path as unpenalized fits
(:func:`~daskstats.models.assemble.assemble`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from daskstats.errors import DataError
from daskstats.families import curvature_constant
from daskstats.kernels.gradient import gradient_pass
from daskstats.linalg.gram import GramSums, full_matrix, full_rhs
from daskstats.models.admm_fit import admm_rho, fit_admm, fit_admm_async
from daskstats.models.assemble import assemble, collects_loglike, run_irls_pass, start_null
from daskstats.models.irls_fit import fit_irls
from daskstats.results.glm import GLMResults
from daskstats.results.path import RegularizationPath
from daskstats.solvers.lbfgs import lbfgs
from daskstats.solvers.null import NullModel
from daskstats.solvers.penalties import ElasticNet, penalty_weights
from daskstats.solvers.prox_newton import prox_newton
from daskstats.solvers.proximal_gradient import proximal_gradient

__all__ = ["fit_regularized", "fit_path", "METHODS"]

METHODS = ("auto", "prox_newton", "proximal_grad", "admm", "admm_async", "lbfgs")
#: the null model's convergence in penalized passes (relative deviance change)
NULL_TOL = 1e-8


def intercept_position(model) -> int | None:
    """The position of the intercept (``Intercept``) or of the first constant column
    (``const`` of an array model), or None."""
    names = model.exog_names
    if "Intercept" in names:
        return names.index("Intercept")
    constant = getattr(model.spec, "constant", None)
    if constant is not None and np.any(constant):
        return int(np.flatnonzero(constant)[0])
    return None


def _start_coefficients(model, names: list[str], y_mean: float) -> np.ndarray:
    start = np.zeros(len(names))
    position = intercept_position(model)
    if position is not None:
        with np.errstate(all="ignore"):
            value = float(model.family.link(np.array([y_mean]))[0])
        if np.isfinite(value):
            start[position] = value
    return start


def fit_regularized(
    model,
    alpha,
    L1_wt: float = 1.0,
    *,
    method: str = "auto",
    refit: bool = False,
    maxiter: int | None = None,
    tol: float = 1e-10,
    start_params=None,
    penalize_intercept: bool = False,
    rho: float | np.ndarray | None = None,
    verbose: bool = False,
    max_async_updates: int = 20_000,
) -> GLMResults:
    """Elastic-net fit of ``model`` (see the module docstring)."""
    if method not in METHODS:
        raise DataError(f"method must be one of {METHODS}, got {method!r}.")
    if not 0.0 <= float(L1_wt) <= 1.0:
        raise DataError(f"L1_wt must be in [0, 1], got {L1_wt!r}.")
    summary = model.data_summary()
    names = model.exog_names
    p = len(names)
    try:
        weights = penalty_weights(alpha, names, penalize_intercept, intercept_position(model))
    except ValueError as exc:
        raise DataError(str(exc)) from None
    penalty = ElasticNet(weights, float(L1_wt))
    n = float(summary.nobs)
    layout, family, runner = model.layout, model.family, model.runner
    # prox-Newton, ADMM and the L2 sandwich work on a dense p x p matrix; proximal gradient
    # (with a lasso part) needs only gradients: it takes any number of parameters
    limit = model.thresholds.penalized_max_params
    dense_ok = p <= limit
    if method == "auto":
        method = "prox_newton" if dense_ok else "proximal_grad"
    if not dense_ok and (method != "proximal_grad" or not penalty.has_l1):
        raise DataError(
            f"method={method!r} with L1_wt={L1_wt:g} works on a dense {p} x {p} matrix, and "
            f"{p} parameters are more than ds.thresholds' penalized_max_params={limit}; use "
            "method='proximal_grad' with an L1 part (L1_wt > 0), which needs only gradients, "
            "or fewer levels."
        )
    callback = _print if verbose else None
    start = (
        np.asarray(start_params, float)
        if start_params is not None
        else _start_coefficients(model, names, summary.y_mean)
    )
    null = start_null(model, summary)

    def irls_totals(params, near_convergence=False):
        # the passes also iterate the null model (until it converges) and, once the fit is
        # near convergence, collect the log-likelihood sums: the pass that shows convergence
        # then holds every statistic the results need (no final pass)
        totals = run_irls_pass(
            model, params, null=null.pending, loglike=near_convergence, name="penalized irls"
        )
        null.update(totals.null, NULL_TOL, relative=True)
        return totals

    def gradient(params, diag=False, bound=None):
        return runner.run(
            gradient_pass, layout, family, params, diag, bound, name="gradient", pooled=True
        )

    chosen = "prox_newton" if method == "auto" else method
    if chosen == "prox_newton":
        result = prox_newton(
            irls_totals,
            lambda t: _system(t.gram, layout),
            penalty,
            n,
            p,
            start_params=None if start_params is None else start,
            maxiter=maxiter or 100,
            tol=tol,
            callback=callback,
        )
    elif chosen == "proximal_grad":
        constant = curvature_constant(family) if dense_ok else None
        first = gradient(start, diag=constant is None, bound=constant)
        bound = None if constant is None else full_matrix(first.bound, layout)
        result = proximal_gradient(
            gradient,
            penalty,
            n,
            start,
            maxiter=maxiter or 5000,
            tol=tol,
            callback=callback,
            first=first,
            curvature_bound=bound,
        )
    elif chosen == "lbfgs":
        try:
            result = lbfgs(
                gradient, penalty, n, start, maxiter=maxiter or 1000, tol=tol, callback=callback
            )
        except ValueError as exc:
            raise DataError(str(exc)) from None
    else:
        if rho is None:
            diag = gradient(start, diag=True).diag
            assert diag is not None  # asked for
            rho = admm_rho(diag, n, len(runner.pass_blocks))
        if chosen == "admm":
            result = fit_admm(model, penalty, n, start, rho, maxiter or 5000, tol, callback)
        else:
            result = fit_admm_async(model, penalty, n, start, rho, tol, max_async_updates)
    params = result.params
    if refit and np.any(params != 0):
        return _refit(model, params, penalty, chosen, maxiter or 100)
    if refit:
        warnings.warn(
            "the penalty removed every column: nothing to refit; the penalized fit (all "
            "coefficients 0) is returned, as statsmodels does.",
            UserWarning,
            stacklevel=3,
        )
    # prox-Newton's last pass was made at params, usually with the statistics; other solvers'
    # passes hold no statistics
    totals = result.totals if chosen == "prox_newton" else None
    if totals is not None and not null.converged:
        totals = None
    if totals is not None and collects_loglike(model) and totals.fit.loglike is None:
        totals = None
    if totals is None:
        totals = _final_pass(model, params, null, gram=not penalty.has_l1)
    notes = [
        f"Penalized fit ({_describe(penalty)}), solver {chosen}: "
        f"{'converged' if result.converged else 'NOT converged'} in {result.n_iter} "
        "iterations."
    ]
    if penalty.has_l1:
        cov_type = "none (L1 selection)"
        notes.append(
            "Standard errors, p-values and intervals are not reported: after L1 "
            "selection they are not valid. Use refit=True for an unpenalized refit on "
            "the selected columns (its inference ignores the selection step)."
        )
    else:
        cov_type = "penalized sandwich"
        notes.append(
            "Standard errors: sandwich H^-1 M H^-1 with the penalized Hessian H; they "
            "describe the variability of the penalized (biased) estimator."
        )
    return assemble(
        model,
        result,
        totals=totals,
        null=null,
        df_model=float(np.count_nonzero(params) - 1),
        cov_type=cov_type,
        method=f"penalized ({chosen})",
        penalty=penalty,
        notes=tuple(notes),
    )


def _system(gram: GramSums | None, layout) -> tuple[np.ndarray, np.ndarray]:
    """``XᵀWX`` and ``XᵀWz`` in full from an IRLS pass's sums."""
    if gram is None:
        raise ValueError("the pass holds no weighted least-squares system")
    return full_matrix(gram, layout), full_rhs(gram, layout)


def _final_pass(model, params: np.ndarray, null: NullModel, gram: bool):
    """Deviance, Pearson χ², log-likelihood sums and (for a sandwich) XᵀWX at ``params`` (one
    pass), plus the null model (iterated in the same passes when an offset needs it)."""
    while True:
        totals = run_irls_pass(
            model, params, null=null.pending, loglike=True, gram=gram, name="statistics"
        )
        if null.update(totals.null, NULL_TOL, relative=True):
            return totals


def _refit(model, params: np.ndarray, penalty: ElasticNet, method: str, maxiter: int):
    """Unpenalized IRLS on the selected (non-zero) columns; the others stay at 0."""
    selected = np.flatnonzero(params != 0)
    note = (
        f"Unpenalized refit on the {len(selected)} columns selected by the penalized fit "
        f"({_describe(penalty)}, {method}); its standard errors ignore the selection step."
    )
    return fit_irls(model, columns=selected, maxiter=maxiter, notes=(note,))


def _describe(penalty: ElasticNet) -> str:
    alphas = np.unique(penalty.alpha[penalty.alpha > 0])
    alpha = f"alpha={alphas[0]:g}" if len(alphas) == 1 else "alpha per coefficient"
    return f"{alpha}, L1_wt={penalty.L1_wt:g}"


def fit_path(model, alphas, L1_wt: float = 1.0, **kwargs) -> RegularizationPath:
    """Fit a decreasing sequence of alphas with warm starts."""
    alphas = np.sort(np.asarray(alphas, dtype=float))[::-1]
    results, start = [], None
    for a in alphas:
        res = fit_regularized(model, a, L1_wt, start_params=start, **kwargs)
        results.append(res)
        start = res.params_array
    coefs = pd.DataFrame([r.estimates for r in results], index=pd.Index(alphas, name="alpha"))
    return RegularizationPath(alphas, coefs, results)


def _print(entry: dict) -> None:
    value = entry.get("objective", entry.get("deviance"))
    print(
        f"iteration {entry['iteration']:4d}  objective {value:.12g}  "
        f"rel. change {entry['rel_change']:.3g}  {entry['seconds']:.3f} s",
        flush=True,
    )
