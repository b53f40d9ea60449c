"""An unpenalized GLM fit by IRLS, one pass per iteration: the passes, the solve, then the one
assembly path (:func:`~daskstats.models.assemble.assemble`). Also the refit of a penalized fit
on its selected columns (the other coefficients fixed at 0)."""

from __future__ import annotations

import numpy as np

from daskstats.errors import DataError
from daskstats.families import estimate_scale
from daskstats.kernels.null import null_pass
from daskstats.linalg.blocked import (
    BlockCovariance,
    normalized_inverse,
    solve_normal_equations,
)
from daskstats.linalg.gram import curvature, full_matrix, full_rhs
from daskstats.linalg.spd import inverse_spd, solve_dense
from daskstats.models.assemble import assemble, collects_loglike, run_irls_pass, start_null
from daskstats.models.base import check_solvable
from daskstats.models.sample_start import sample_start
from daskstats.passes.errors import dashboard_link
from daskstats.results.glm import GLMResults
from daskstats.solvers.constraints import AffineSubspace
from daskstats.solvers.irls import irls

__all__ = ["fit_irls"]


def _print_iteration(entry: dict) -> None:
    print(
        f"iteration {entry['iteration']:3d}  deviance {entry['deviance']:.10g}  "
        f"rel. change {entry['rel_change']:.3g}  step {entry['step']:.3g}  "
        f"{entry['seconds']:.3f} s",
        flush=True,
    )


def _announce_dashboard() -> None:
    link = dashboard_link()
    if link:
        print(f"dask dashboard: {link}", flush=True)


def _curvature(layout):
    """``stepᵀ XᵀWX step`` from an IRLS pass's sums."""

    def predicted(totals, step: np.ndarray) -> float:
        if totals.gram is None:
            raise ValueError("the pass holds no weighted least-squares system")
        return curvature(totals.gram, layout, step)

    return predicted


def fit_irls(
    model,
    *,
    columns: np.ndarray | None = None,
    constraint: AffineSubspace | None = None,
    maxiter: int = 100,
    tol: float = 1e-8,
    rtol: float = 0.0,
    criterion: str = "deviance",
    start_params=None,
    verbose: bool = False,
    cov_type: str = "nonrobust",
    cov_kwds: dict | None = None,
    use_t: bool = False,
    notes: tuple = (),
    mle_settings: dict | None = None,
    newton: bool = False,
) -> GLMResults:
    """Fit ``model`` by IRLS and assemble its results.

    Parameters
    ----------
    model : GLM
    columns : ndarray of int, optional
        Fit only these columns (the others fixed at 0): the refit after an L1 selection.
    constraint : AffineSubspace, optional
        Fit subject to ``R β = q`` (``fit_constrained``).
    maxiter, tol, start_params, verbose, cov_type, cov_kwds, use_t
        As :meth:`daskstats.GLM.fit`.
    rtol, criterion
        statsmodels' ``rtol`` and ``tol_criterion`` (``tol`` is the absolute tolerance).
    notes : tuple of str
        Lines for the summary.
    newton : bool
        Newton steps (the observed information) instead of Fisher scoring; the normalized
        covariance is then the inverse observed information (statsmodels' discrete models).
    mle_settings : dict, optional
        statsmodels' ``mle_settings`` of the results (``optimizer``, ``wls_method``, ...).
    """
    check_solvable(model.layout, model.thresholds)
    summary = model.data_summary()
    family, layout, runner = model.family, model.layout, model.runner
    names = model.exog_names
    p = len(names)
    df_model = (p if columns is None else len(columns)) - 1
    if constraint is not None:
        df_model -= constraint.k_constraints
    wnobs = summary.wnobs if model.extras.freq_weights is not None else float(summary.nobs)
    df_resid = wnobs - df_model - 1
    scaletype = getattr(model, "scaletype", None)
    decomposed = collects_loglike(model)
    null = start_null(model, summary)

    def evaluate(params, null_spec, loglike):
        return run_irls_pass(
            model, params, null=null_spec, loglike=loglike, correction=True, observed=newton
        )

    def null_evaluate(null_spec):
        return runner.run(null_pass, family, null_spec, decomposed, name="null model", pooled=True)

    def scale(totals):
        return estimate_scale(family, scaletype, totals.fit.pearson, totals.deviance, df_resid)

    solve_from_scratch = None
    if constraint is not None:

        def solve(totals):
            A, b = full_matrix(totals.gram, layout), full_rhs(totals.gram, layout)
            return constraint.step(A, b)

        def solve_from_scratch(totals):
            A, b = full_matrix(totals.gram, layout), full_rhs(totals.gram, layout)
            return constraint.solution(A, b)

    elif columns is None:

        def solve(totals):
            return solve_normal_equations(totals.gram, layout, names)

    else:

        def solve(totals):
            A, b = full_matrix(totals.gram, layout), full_rhs(totals.gram, layout)
            beta = np.zeros(p)
            beta[columns] = solve_dense(
                A[np.ix_(columns, columns)], b[columns], [names[j] for j in columns]
            )
            return beta

    if start_params is not None:
        start_params = np.asarray(start_params, dtype=float)
        if start_params.shape != (p,):
            raise DataError(f"start_params must have {p} values ({', '.join(names)}).")
        if constraint is not None:
            start_params = constraint.project(start_params)
    sampled = False
    # near the estimate from a sample, when the data is large
    if start_params is None and constraint is None:
        start_params, null_intercept = sample_start(model, summary, null)
        sampled = start_params is not None
        if null_intercept is not None:
            null.intercept = null_intercept
    runner.progress = verbose
    if verbose:
        _announce_dashboard()

    def run(start, null, predictive):
        return irls(
            evaluate,
            p,
            solve=solve,
            scale=scale,
            null=null,
            null_evaluate=null_evaluate,
            start_params=start,
            maxiter=maxiter,
            tol=tol,
            callback=_print_iteration if verbose else None,
            curvature=_curvature(layout),
            predictive=predictive,
            correction=True,
            rtol=rtol,
            criterion=criterion,
            solve_from_scratch=solve_from_scratch,
        )

    # large data: a step predicted to change the deviance by less than tol is taken without a
    # pass to confirm it (small data: statsmodels' iteration, step by step)
    large = summary.nobs >= 2 * model.thresholds.sample_start_rows
    predicted = large
    if sampled:
        try:
            result = run(start_params, null, predicted)
        except DataError:  # the sample's start led nowhere: statsmodels' start
            null = start_null(model, summary)
            result = run(None, null, predicted)
    else:
        result = run(start_params, null, predicted)
    # statsmodels' GLM takes the bread of the last solve (the previous iterate); Newton fits
    # (its discrete models) the information at the estimate itself
    bread = result.bread
    if newton:
        predicted_last = bool(result.history and result.history[-1].get("predicted", False))
        bread = evaluate(result.params, None, False) if predicted_last else result.totals
    normalized_cov: np.ndarray | BlockCovariance
    if constraint is not None:
        normalized_cov = constraint.bread(full_matrix(bread.gram, layout))
    elif columns is None:
        normalized_cov = normalized_inverse(
            bread.gram, layout, model.thresholds.dense_covariance_limit, names
        )
    else:
        sub = np.ix_(columns, columns)
        normalized_cov = np.full((p, p), np.nan)
        normalized_cov[sub] = inverse_spd(full_matrix(bread.gram, layout)[sub])
    return assemble(
        model,
        result,
        totals=result.totals,
        null=null,
        df_model=df_model,
        cov_type=cov_type,
        cov_kwds=cov_kwds,
        normalized_cov=normalized_cov,
        use_t=use_t,
        method="IRLS",
        constraint=constraint,
        notes=notes,
        mle_settings=(
            mle_settings
            if mle_settings is not None
            else {"optimizer": "IRLS", "wls_method": "lstsq", "attach_wls": False}
        ),
    )
