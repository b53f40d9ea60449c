"""The statistics of a fit (scale, deviance, Pearson χ², log-likelihoods, degrees of freedom)
from its last pass's sums — one path for unpenalized, penalized and refitted fits.

statsmodels evaluates ``llf = Σ f_i · loglike_obs(y_i, μ_i, v_i, scale)`` at the final scale
(the concentrated ``Σ f v r² / wnobs`` for the linear Gaussian model). Where the family's
log-likelihood decomposes into sums the scale applies to afterwards
(:mod:`daskstats.families.likelihood`) the sums collected in the last pass are enough;
otherwise one more pass evaluates statsmodels' own formula (``loglike_pass``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from statsmodels.genmod.families import Family

from daskstats.design.block import DataSummary
from daskstats.families import estimate_scale, is_linear_gaussian, likelihood
from daskstats.kernels.irls import FitSums
from daskstats.kernels.loglike import LoglikePartial
from daskstats.kernels.null import NullSums

__all__ = ["FitStatistics", "fit_statistics"]


@dataclass(frozen=True)
class FitStatistics:
    """Statistics of a GLM fit, statsmodels' definitions.

    Attributes
    ----------
    nobs : int
        Rows used.
    wnobs : float
        Sum of the frequency weights (``nobs`` without them).
    df_model, df_resid : float
    scale : float
        1 for Binomial/Poisson/NegativeBinomial, else Pearson χ² / ``df_resid`` (or as
        ``fit(scale=...)`` asked).
    deviance, pearson_chi2, null_deviance, llf, llnull : float
    llf_scale : float
        The scale ``llf`` was evaluated at.
    loglike_sums : dict or None
        The model's decomposed log-likelihood sums (``llf`` at any other scale without a pass).
    var_weight : float
        The constant variance weight (the Gamma log-likelihood's decomposition uses it).
    """

    nobs: int
    wnobs: float
    df_model: float
    df_resid: float
    scale: float
    deviance: float
    pearson_chi2: float
    null_deviance: float
    llf: float
    llnull: float
    llf_scale: float
    loglike_sums: dict | None = None
    var_weight: float = 1.0


def fit_statistics(
    family: Family,
    summary: DataSummary,
    fit: FitSums,
    null: NullSums,
    *,
    df_model: float,
    freq_weighted: bool,
    loglike_pass: Callable[[float, float], LoglikePartial],
    scaletype: str | float | None = None,
) -> FitStatistics:
    """Statistics from a pass at the estimate (``fit``) and the null model's sums.

    Parameters
    ----------
    family : statsmodels Family
    summary : DataSummary
    fit : FitSums
        Deviance, Pearson χ² (and the log-likelihood sums, when collected) at the estimate.
    null : NullSums
        The converged null model's sums.
    df_model : float
        Estimated parameters minus one.
    freq_weighted : bool
        The model has frequency weights (``wnobs`` is their sum).
    loglike_pass : callable
        ``loglike_pass(scale, llf_scale)``: one pass with statsmodels' ``loglike_obs``, for
        the families whose log-likelihood does not decompose.
    scaletype : None, "x2", "dev" or float
        statsmodels' ``fit(scale=...)`` (:func:`~daskstats.families.estimate_scale`).
    """
    nobs = int(summary.nobs)
    wnobs = float(summary.wnobs) if freq_weighted else float(nobs)
    df_resid = wnobs - df_model - 1
    pearson = float(fit.pearson)
    scale = estimate_scale(family, scaletype, pearson, float(fit.deviance), df_resid)
    llf_scale = pearson / wnobs if is_linear_gaussian(family) else scale
    var_weight = summary.var_weights.min if summary.var_weights is not None else 1.0
    sums = None
    if (
        likelihood.decomposable(family, summary.constant_var_weights)
        and fit.loglike is not None
        and null.loglike is not None
    ):
        sums = fit.loglike
        llf = likelihood.combine(family, sums, llf_scale, var_weight)
        llnull = likelihood.combine(family, null.loglike, scale, var_weight)
    else:
        ll = loglike_pass(scale, llf_scale)
        if ll.llnull is None:
            raise ValueError("the log-likelihood pass must evaluate the null model too")
        llf, llnull = ll.llf, ll.llnull
    return FitStatistics(
        nobs=nobs,
        wnobs=wnobs,
        df_model=float(df_model),
        df_resid=float(df_resid),
        scale=float(scale),
        deviance=float(fit.deviance),
        pearson_chi2=pearson,
        null_deviance=float(null.deviance),
        llf=float(llf),
        llnull=float(llnull),
        llf_scale=float(llf_scale),
        loglike_sums=sums,
        var_weight=float(var_weight),
    )
