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
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from daskstats import kernels
from daskstats.errors import DataError
from daskstats.penalties import ElasticNet, penalty_weights
from daskstats.solvers.admm import admm, local_solve
from daskstats.solvers.irls import solve_dense
from daskstats.solvers.lbfgs import lbfgs
from daskstats.solvers.linalg import inverse_spd
from daskstats.solvers.prox_newton import prox_newton
from daskstats.solvers.proximal_gradient import proximal_gradient

__all__ = ["fit_regularized", "fit_path", "RegularizationPath", "METHODS"]

METHODS = ("auto", "prox_newton", "proximal_grad", "admm", "admm_async", "lbfgs")


def _start_coefficients(model, names, y_mean) -> np.ndarray:
    start = np.zeros(len(names))
    if "Intercept" in names:
        with np.errstate(all="ignore"):
            value = float(model.family.link(np.array([y_mean]))[0])
        if np.isfinite(value):
            start[names.index("Intercept")] = value
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
    rho: float | None = None,
    verbose: bool = False,
    max_async_updates: int = 20_000,
):
    """Elastic-net fit of ``model`` (see the module docstring); returns GLMResults."""
    if method not in METHODS:
        raise DataError(f"method must be one of {METHODS}, got {method!r}.")
    if not 0.0 <= float(L1_wt) <= 1.0:
        raise DataError(f"L1_wt must be in [0, 1], got {L1_wt!r}.")
    summary = model._data_summary()
    names = model.exog_names
    p = len(names)
    try:
        weights = penalty_weights(alpha, names, penalize_intercept)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    penalty = ElasticNet(weights, float(L1_wt))
    n = float(summary["nobs"])
    y_mean = summary["sum_y"] / summary["nobs"]
    layout, family, runner = model.layout, model.family, model.runner
    if p > 2000:
        raise DataError(
            f"penalized fits work on a dense {p} x {p} Gram matrix here; {p} parameters are "
            "too many (use fewer levels, or an unpenalized fit for many-level categoricals)."
        )
    callback = _print if verbose else None
    start = (
        np.asarray(start_params, float)
        if start_params is not None
        else _start_coefficients(model, names, y_mean)
    )

    null = model._null_state(summary)

    def irls_totals(params, near_convergence=False):
        # the passes also iterate the null model (until it converges) and, once the fit is
        # near convergence, collect the log-likelihood sums: the pass that shows convergence
        # then holds every statistic the results need (no final pass)
        pending = not null.converged
        spec = kernels.IRLSPassSpec(
            family,
            params,
            y_mean,
            layout,
            loglike=params is not None and near_convergence,
            **(null.as_kwargs() if pending else {}),
        )
        totals = runner.run(kernels.irls_pass, spec, name="penalized irls")
        if pending:
            null.sums = kernels.strip_prefix(totals, "null_")
            _null_step(null, totals)
        return totals

    def gradient(params, diag=False, bound=None):
        return runner.run(
            kernels.gradient_pass, layout, family, params, diag, bound, name="gradient"
        )

    chosen = "prox_newton" if method == "auto" else method
    if chosen == "prox_newton":
        result = prox_newton(
            irls_totals,
            lambda t: (layout.dense_gram(t), layout.dense_rhs(t)),
            penalty,
            n,
            p,
            start_params=None if start_params is None else start,
            maxiter=maxiter or 100,
            tol=tol,
            callback=callback,
        )
    elif chosen == "proximal_grad":
        constant = curvature_constant(family)
        first = gradient(start, diag=constant is None, bound=constant)
        bound = None
        if constant is not None:
            bound = layout.dense_gram(kernels.strip_prefix(first, "bound_"))
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
    elif chosen == "admm":
        if rho is None:
            rho = _admm_rho(gradient(start, diag=True)["diag"], n, len(runner.blocks))
        result = _admm(model, penalty, n, start, rho, maxiter or 5000, tol, callback)
    else:
        if rho is None:
            rho = _admm_rho(gradient(start, diag=True)["diag"], n, len(runner.blocks))
        result = _admm_async(model, penalty, n, start, rho, tol, max_async_updates)
    params = result.params
    if refit:
        return _refit(model, params, penalty, chosen, maxiter or 100)
    # prox-Newton's last pass was made at params, usually with the statistics; other solvers'
    # passes hold no statistics
    final = None
    if (
        chosen == "prox_newton"
        and null.converged
        and any(k.startswith("ll_") for k in result.totals)
    ):
        final = {**result.totals, **{"null_" + k: v for k, v in null.sums.items()}}
    return _results(model, params, penalty, chosen, result, n, summary, null, final)


def _admm_rho(diag: np.ndarray, n: float, parts: int) -> np.ndarray:
    """ADMM's penalty parameter, one per coefficient: each column's Fisher information at the
    start divided by ``n`` and by the partitions — the curvature of an average partition's
    local problem ``D_i/(2n)`` — floored for empty columns.  (Measured on 2M × 20 logistic with
    16 partitions: 36 iterations, against 44 from the whole data's curvature.)"""
    rho = diag / (n * max(parts, 1))
    return np.maximum(rho, 1e-6 * max(float(np.max(rho, initial=0.0)), 1e-300))


def curvature_constant(family) -> float | None:
    """``c`` with ``V(μ) ≤ c`` for a canonical link (then ``c XᵀX`` bounds the Hessian of
    ``D/2``): Binomial–logit 1/4, Gaussian–identity 1; ``None`` for other pairs."""
    from statsmodels.genmod.families import Binomial, Gaussian, links

    if type(family) is Binomial and type(family.link) is links.Logit:
        return 0.25
    if type(family) is Gaussian and type(family.link) is links.Identity:
        return 1.0
    return None


def _admm(model, penalty, n, start, rho, maxiter, tol, callback):
    from daskstats.passes import map_blocks

    def local_all(targets, rho_now, starts, previous):
        args = [
            (model.layout, model.family, targets[i], rho_now, n, starts[i], previous[i])
            for i in range(len(targets))
        ]
        return map_blocks(model.runner, local_solve, args, name="admm")

    result, _ = admm(
        local_all,
        len(model.runner.blocks),
        penalty,
        start,
        rho=rho,
        maxiter=maxiter,
        tol=tol,
        callback=callback,
    )
    return result


def _admm_async(model, penalty, n, start, rho, tol, max_updates):
    from daskstats.passes import run_async
    from daskstats.solvers.irls import IRLSResult

    try:
        from distributed import get_client

        get_client()
    except (ImportError, ValueError):
        raise DataError("method='admm_async' needs a dask.distributed Client.") from None
    parts = len(model.runner.blocks)
    # warm-up: synchronous iterations adapt rho and bring every copy near the consensus
    from daskstats.passes import map_blocks

    def local_all(targets, rho_now, starts, previous):
        args = [
            (model.layout, model.family, targets[i], rho_now, n, starts[i], previous[i])
            for i in range(len(targets))
        ]
        return map_blocks(model.runner, local_solve, args, name="admm warm-up")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, state = admm(local_all, parts, penalty, start, rho=rho, maxiter=30, tol=tol**0.25)

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
    converged = state.async_converged(tol**0.8)
    return IRLSResult(
        params=state.z,
        converged=converged,
        n_iter=updates,
        totals={},
        bread={},
        history=[
            {
                "iteration": updates,
                "deviance": np.nan,
                "rel_change": np.nan,
                "step": np.nan,
                "seconds": np.nan,
            }
        ],
    )


def _null_step(null, totals: dict) -> bool:
    """Advance the null (constant-only) model by the pass ``totals``; True once converged."""
    dev0 = totals["null_dev"]
    if null.intercept is None or abs(dev0 - null.deviance) <= 1e-8 * max(1, abs(dev0)):
        null.converged = True
        return True
    null.deviance = dev0
    null.intercept = totals["null_swz"] / totals["null_sw"]
    return False


def _final_pass(model, params, null):
    """Deviance, Pearson χ², log-likelihood sums and XᵀWX at ``params`` (one pass), plus the
    null model (iterated in the same passes when an offset needs it)."""
    summary = model._data_summary()
    y_mean = summary["sum_y"] / summary["nobs"]
    while True:
        spec = kernels.IRLSPassSpec(
            model.family, params, y_mean, model.layout, loglike=True, **null.as_kwargs()
        )
        totals = model.runner.run(kernels.irls_pass, spec, name="statistics")
        if _null_step(null, totals):
            return totals


def _results(model, params, penalty, method, result, n, summary, null, totals=None):
    """Results of a penalized fit; ``totals``: a pass at ``params`` holding the statistics
    (``None``: one more pass makes it)."""
    from daskstats import likelihood
    from daskstats.families import scale_is_estimated
    from daskstats.results import GLMResults

    names = model.exog_names
    p = len(names)
    if totals is None:
        totals = _final_pass(model, params, null)
    family = model.family
    nobs = int(summary["nobs"])
    wnobs = summary["wnobs"] if model.extras.freq_weights is not None else float(nobs)
    df_model = float(np.count_nonzero(params) - 1)
    df_resid = wnobs - df_model - 1
    scale = totals["pearson"] / df_resid if scale_is_estimated(family) else 1.0
    var_const = summary.get("min_vw", 1.0) == summary.get("max_vw", 1.0)
    var_weight = summary.get("min_vw", 1.0) if model.extras.var_weights else 1.0
    if likelihood.decomposable(family, var_const):
        strip = kernels.strip_prefix
        llf = likelihood.combine(family, strip(totals, "ll_"), scale, var_weight)
        llnull = likelihood.combine(family, strip(totals, "null_ll_"), scale, var_weight)
    else:
        ll = model.runner.run(
            kernels.loglike_pass,
            model.layout,
            family,
            params,
            null.as_kwargs(),
            scale,
            scale,
            name="log-likelihood",
        )
        llf, llnull = ll["llf"], ll["llnull"]
    notes = [
        f"Penalized fit ({_describe(penalty)}), solver {method}: "
        f"{'converged' if result.converged else 'NOT converged'} in {result.n_iter} "
        "iterations."
    ]
    if penalty.has_l1:
        cov = np.full((p, p), np.nan)
        cov_type = "none (L1 selection)"
        notes.append(
            "Standard errors, p-values and intervals are not reported: after L1 "
            "selection they are not valid. Use refit=True for an unpenalized refit on "
            "the selected columns (its inference ignores the selection step)."
        )
    else:
        cov = _penalized_sandwich(model, params, penalty, totals, n)
        cov_type = "sandwich (penalized Hessian)"
        notes.append(
            "Standard errors: sandwich H^-1 M H^-1 with the penalized Hessian H; they "
            "describe the variability of the penalized (biased) estimator."
        )
    return GLMResults(
        model=model,
        params=pd.Series(params, index=names),
        normalized_cov_params=cov,
        cov_params_default=cov,
        scale=float(scale),
        deviance=float(totals["dev"]),
        pearson_chi2=float(totals["pearson"]),
        null_deviance=float(totals["null_dev"]),
        llf=float(llf),
        llnull=float(llnull),
        nobs=nobs,
        wnobs=float(wnobs),
        df_model=df_model,
        df_resid=float(df_resid),
        converged=result.converged,
        n_iter=result.n_iter,
        fit_history=result.history,
        passes=model.runner.passes,
        pass_log=list(model.runner.log),
        cov_type=cov_type,
        method=f"penalized ({method})",
        llf_scale_used=float(scale),
        penalty=penalty,
        notes=tuple(notes),
    )


def _penalized_sandwich(model, params, penalty, totals, n):
    from daskstats.inference.covariance import robust_kernel, sandwich

    hessian = model.layout.dense_gram(totals) / n + np.diag(penalty.l2)
    parts = model.runner.run(
        robust_kernel, model.layout, model.family, params, 1.0, name="sandwich"
    )
    meat = model.layout.dense_gram(kernels.strip_prefix(parts, "meat_")) / n**2
    return sandwich(inverse_spd(hessian), meat)


def _refit(model, params, penalty, method, maxiter):
    """Unpenalized IRLS on the selected (non-zero) columns; the others stay at 0."""
    names = model.exog_names
    selected = np.flatnonzero(params != 0)
    if len(selected) == 0:
        raise DataError("the penalty removed every column: nothing to refit.")
    layout = model.layout

    def solve(totals):
        A, b = layout.dense_gram(totals), layout.dense_rhs(totals)
        beta = np.zeros(len(names))
        beta[selected] = solve_dense(
            A[np.ix_(selected, selected)], b[selected], [names[j] for j in selected]
        )
        return beta

    res = model.fit(maxiter=maxiter, _solve=solve, _selected=selected)
    note = (
        f"Unpenalized refit on the {len(selected)} columns selected by the penalized fit "
        f"({_describe(penalty)}, {method}); its standard errors ignore the selection step."
    )
    return res.with_notes((note,))


def _describe(penalty: ElasticNet) -> str:
    alphas = np.unique(penalty.alpha[penalty.alpha > 0])
    alpha = f"alpha={alphas[0]:g}" if len(alphas) == 1 else "alpha per coefficient"
    return f"{alpha}, L1_wt={penalty.L1_wt:g}"


@dataclass(frozen=True)
class RegularizationPath:
    """Coefficients along a decreasing sequence of ``alpha``.

    Attributes
    ----------
    alphas : ndarray
    coefs : pandas.DataFrame
        One row per alpha, one column per term.
    results : list of GLMResults
    """

    alphas: np.ndarray
    coefs: pd.DataFrame
    results: list

    def plot(self, ax=None, log: bool = True):
        """Coefficient paths against alpha (matplotlib, an optional dependency)."""
        try:
            import matplotlib.pyplot as plt
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("plotting needs matplotlib: pip install daskstats[plot]") from None
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.5))
        for name in self.coefs.columns:
            ax.plot(self.alphas, self.coefs[name], label=name, marker=".")
        if log and np.all(self.alphas > 0):
            ax.set_xscale("log")
        ax.invert_xaxis()
        ax.set_xlabel("alpha")
        ax.set_ylabel("coefficient")
        ax.axhline(0, color="0.6", lw=0.8)
        if len(self.coefs.columns) <= 12:
            ax.legend(fontsize="small")
        ax.set_title("Regularization path")
        return ax


def fit_path(model, alphas, L1_wt: float = 1.0, **kwargs) -> RegularizationPath:
    """Fit a decreasing sequence of alphas with warm starts."""
    alphas = np.sort(np.asarray(alphas, dtype=float))[::-1]
    results, start = [], None
    for a in alphas:
        res = fit_regularized(model, a, L1_wt, start_params=start, **kwargs)
        results.append(res)
        start = res.params.to_numpy()
    coefs = pd.DataFrame([r.params for r in results], index=pd.Index(alphas, name="alpha"))
    return RegularizationPath(alphas, coefs, results)


def _print(entry: dict) -> None:
    value = entry.get("objective", entry.get("deviance"))
    print(
        f"iteration {entry['iteration']:4d}  objective {value:.12g}  "
        f"rel. change {entry['rel_change']:.3g}  {entry['seconds']:.3f} s",
        flush=True,
    )
