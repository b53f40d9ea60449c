"""``daskstats.glm``: fit a GLM from a formula in one call."""

from __future__ import annotations

import numpy as np
import patsy
from statsmodels.genmod.families import Family

from daskstats.annotations import AlphaLike, ColumnLike, DataFrameLike
from daskstats.models.glm import GLM
from daskstats.results import GLMResults, RegularizationPath

__all__ = ["glm"]


def glm(
    formula: str,
    data: DataFrameLike,
    family: Family | None = None,
    *,
    offset: ColumnLike | None = None,
    exposure: ColumnLike | None = None,
    freq_weights: ColumnLike | None = None,
    var_weights: ColumnLike | None = None,
    missing: str = "drop",
    method: str = "auto",
    cov_type: str = "nonrobust",
    cov_kwds: dict | None = None,
    use_t: bool | None = None,
    maxiter: int = 100,
    tol: float = 1e-8,
    start_params: np.ndarray | None = None,
    alpha: AlphaLike = 0.0,
    L1_wt: float = 1.0,
    refit: bool = False,
    alphas: np.ndarray | list | None = None,
    persist: bool | None = None,
    verbose: bool = False,
) -> GLMResults | RegularizationPath:
    """Fit a generalized linear model to a dask (or pandas) DataFrame.

    The same call as statsmodels' ``smf.glm(formula, data, family, ...).fit(...)``, with the
    same results (coefficients, standard errors, deviance, log-likelihood, summary).

    Parameters
    ----------
    formula : str
        patsy formula: ``C()``, interactions, ``I()``, ``np.*`` transforms, ``- 1``, and
        ``successes + failures ~ ...`` for a binomial response.  A formula is Python code
        (as in patsy and statsmodels): never pass one from an untrusted source.
    data : dask.dataframe.DataFrame or pandas.DataFrame
        Never modified.
    family : statsmodels family instance, optional
        ``ds.families.Binomial()``, ``sm.families.Gamma(link=sm.families.links.Log())``, ...
        Default Gaussian.
    offset, exposure, freq_weights, var_weights : str or dask Series, optional
        Column names of ``data`` or dask Series aligned with it.
    missing : {"drop", "raise"}
    method : {"auto", "irls"}
    cov_type : {"nonrobust", "HC0", "cluster"}
    cov_kwds : dict, optional
        For ``"cluster"``: ``{"groups": column or [column, column]}``; ``use_correction``,
        ``df_correction`` as in statsmodels.
    use_t : bool, optional
    maxiter : int
    tol : float
    start_params : array_like, optional
    alpha : float, array or dict
        Elastic-net penalty weight (statsmodels' ``fit_regularized`` convention; the intercept
        is not penalized by default). Non-zero makes this a penalized fit.
    L1_wt : float
        1 lasso, 0 ridge, in between elastic net.
    refit : bool
        After an L1 fit, refit without penalty on the selected columns (for inference).
    alphas : sequence of float, optional
        Fit a regularization path instead (largest alpha first, warm starts); returns a
        :class:`~daskstats.regularized.RegularizationPath`.
    persist : bool, optional
        Hold the design in memory (default: automatic).
    verbose : bool
        Print one line per IRLS iteration.

    Returns
    -------
    GLMResults (or RegularizationPath with ``alphas``)

    Examples
    --------
    >>> import daskstats as ds
    >>> res = ds.glm("y ~ x1 + C(g)", data=ddf, family=ds.families.Poisson())  # doctest: +SKIP
    >>> print(res.summary())  # doctest: +SKIP
    """
    cov_kwds = dict(cov_kwds or {})
    groups = cov_kwds.pop("groups", None)
    model = GLM.from_formula(
        formula,
        data,
        family,
        offset=offset,
        exposure=exposure,
        freq_weights=freq_weights,
        var_weights=var_weights,
        missing=missing,
        groups=groups,
        persist=persist,
        eval_env=patsy.EvalEnvironment.capture(1),
    )
    if alphas is not None:
        return model.fit_path(alphas, L1_wt, method=method, verbose=verbose)
    if isinstance(alpha, dict) or np.any(np.asarray(alpha) != 0):
        return model.fit_regularized(
            method=method,
            alpha=alpha,
            L1_wt=L1_wt,
            penalize_intercept=False,
            refit=refit,
            maxiter=None if maxiter == 100 else maxiter,
            start_params=start_params,
            verbose=verbose,
        )
    return model.fit(
        method=method,
        cov_type=cov_type,
        cov_kwds=cov_kwds,
        use_t=use_t,
        maxiter=maxiter,
        tol=tol,
        start_params=start_params,
        alpha=alpha,
        L1_wt=L1_wt,
        verbose=verbose,
    )
