"""The one path from a solver's answer to results: fit statistics, covariance, results — used
alike by unpenalized, penalized and refitted fits; plus the pieces of an IRLS pass every GLM
fit shares (the pass itself, the null model's start)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from daskstats.design.block import DataSummary
from daskstats.families import likelihood
from daskstats.inference.covariance import CovarianceContext, estimate_covariance
from daskstats.inference.statistics import fit_statistics
from daskstats.kernels.irls import IRLSPartial, IRLSPassSpec, irls_pass
from daskstats.kernels.loglike import loglike_pass
from daskstats.kernels.null import NullSpec
from daskstats.results.glm import GLMResults
from daskstats.solvers.constraints import AffineSubspace
from daskstats.solvers.null import NullModel
from daskstats.solvers.penalties import ElasticNet
from daskstats.solvers.result import SolverResult

__all__ = ["assemble", "start_null", "run_irls_pass", "collects_loglike"]


def collects_loglike(model) -> bool:
    """Whether the model's log-likelihood decomposes into sums a pass can collect (else one
    more pass evaluates it at the final scale)."""
    return likelihood.decomposable(model.family, model.data_summary().constant_var_weights)


def start_null(model, summary: DataSummary) -> NullModel:
    """The constant-only model: iterated beside the fit when there is an offset (statsmodels
    starts it at link(mean y)), else its fitted constant is the weighted mean."""
    if model.extras.offset is not None or model.extras.exposure is not None:
        return NullModel(
            intercept=float(model.family.link(np.array([summary.y_mean]))[0]), mean=None
        )
    return NullModel(intercept=None, mean=summary.sum_iwy / summary.sum_iw)


def run_irls_pass(
    model,
    params: np.ndarray | None,
    *,
    null: NullSpec | None = None,
    loglike: bool = False,
    gram: bool = True,
    correction: bool = False,
    observed: bool = False,
    name: str = "irls",
) -> IRLSPartial:
    """One IRLS pass of ``model`` at ``params`` (``None``: statsmodels' start); the
    log-likelihood sums only when asked and the family's decompose."""
    decomposed = collects_loglike(model)
    spec = IRLSPassSpec(
        model.family,
        params,
        model.data_summary().y_mean,
        model.layout,
        null=null,
        loglike=decomposed and loglike and params is not None,
        null_loglike=decomposed,
        gram=gram,
        correction=correction,
        observed=observed,
    )
    return model.runner.run(irls_pass, spec, name=name, pooled=True)


def _history(result: SolverResult) -> dict:
    history = result.history
    if hasattr(history, "as_dict"):
        return history.as_dict(result.n_iter)
    return {"iteration": int(result.n_iter), "deviance": [np.inf], "params": [np.inf]}


def assemble(
    model,
    result: SolverResult,
    *,
    totals: IRLSPartial,
    null: NullModel,
    df_model: float,
    cov_type: str,
    cov_kwds: dict | None = None,
    normalized_cov=None,
    use_t: bool = False,
    method: str = "IRLS",
    penalty: ElasticNet | None = None,
    notes: tuple = (),
    mle_retvals: dict | None = None,
    mle_settings: dict | None = None,
    constraint: AffineSubspace | None = None,
) -> GLMResults:
    """Results of a fit whose estimate is ``result.params``.

    Parameters
    ----------
    model : GLM
    result : SolverResult
    totals : IRLSPartial
        A pass at the estimate (deviance, Pearson χ², log-likelihood sums when collected,
        ``XᵀWX`` there for a penalized sandwich).
    null : NullModel
        The converged null model.
    df_model : float
    cov_type : str
        A registered covariance type (:mod:`daskstats.inference.covariance`).
    normalized_cov : ndarray or BlockCovariance, optional
        ``(XᵀWX)⁻¹`` of the last weighted least-squares solve (unpenalized fits); penalized
        fits report their covariance in its place.
    """
    runner = model.runner
    summary = model.data_summary()
    params = np.asarray(result.params, dtype=float)

    def loglike_at(scale: float, llf_scale: float):
        return runner.run(
            loglike_pass,
            model.layout,
            model.family,
            params,
            null.spec,
            scale,
            llf_scale,
            name="log-likelihood",
            pooled=True,
        )

    if null.sums is None:
        raise ValueError("the null model was never evaluated")
    statistics = fit_statistics(
        model.family,
        summary,
        totals.fit,
        null.sums,
        df_model=df_model,
        freq_weighted=model.extras.freq_weights is not None,
        loglike_pass=loglike_at,
        scaletype=getattr(model, "scaletype", None),
    )
    context = CovarianceContext(
        runner=runner,
        layout=model.layout,
        family=model.family,
        params=params,
        scale=statistics.scale,
        nobs=statistics.nobs,
        normalized_cov=normalized_cov,
        dense_limit=model.thresholds.dense_covariance_limit,
        groups=model.extras.groups,
        group_meta=model.group_meta,
        penalty=penalty,
        gram=totals.gram,
        n_rows=float(summary.nobs),
        use_t=bool(use_t),
        constraint=constraint,
    )
    covariance = estimate_covariance(cov_type, context, dict(cov_kwds or {}))
    return GLMResults(
        model=model,
        estimates=pd.Series(params, index=model.exog_names),
        normalized_cov_params=covariance.matrix if normalized_cov is None else normalized_cov,
        cov_params_default=covariance.matrix,
        cov_type=covariance.label,
        use_t=bool(use_t),
        cov_kwds=covariance.kwds,
        df_resid_inference=covariance.df_resid_inference,
        converged=result.converged,
        n_iter=result.n_iter,
        fit_history=_history(result),
        passes=runner.passes,
        pass_log=list(runner.log),
        method=method,
        notes=tuple(notes),
        statistics=statistics,
        penalty=penalty,
        mle_retvals=(
            mle_retvals
            if mle_retvals is not None
            else {"converged": bool(result.converged), "iterations": int(result.n_iter)}
        ),
        null_spec=null.spec,
        mle_settings=mle_settings,
        constraint=constraint,
        gram=totals.gram,
    )
