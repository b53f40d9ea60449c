"""statsmodels' row-level diagnostics on a daskstats fit, through an in-memory twin.

Some of statsmodels' GLM tools are defined row by row and refit or smooth the data: the
added-variable, partial-residual and CERES plots and the marginal effects (``get_margeff``).
They only make sense on data that fit in memory, and statsmodels' own implementations are
the reference; so daskstats builds a statsmodels ``GLM`` on the used rows (the same response,
design, family, offset, exposure and weights) and a ``GLMResults`` that holds *daskstats'*
estimates, covariance and scale, and lets statsmodels do the rest.

The data are brought into memory for this: a model with more rows than
``ds.thresholds``' ``in_memory_rows`` is refused with an error, never truncated.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from statsmodels.genmod.generalized_linear_model import GLM, GLMResults

from daskstats.errors import DataError

__all__ = ["statsmodels_model", "statsmodels_results", "statsmodels_discrete_results"]


def _materialize(values: Any) -> Any:
    if values is None:
        return None
    compute = getattr(values, "compute", None)
    values = compute() if compute is not None else values
    return np.asarray(values, dtype=float)


def statsmodels_model(model: Any, what: str = "this diagnostic") -> GLM:
    """A statsmodels ``GLM`` on ``model``'s used rows, in memory.

    Raises
    ------
    DataError
        When the model has more rows than ``ds.thresholds``' ``in_memory_rows``.
    """
    limit = model.thresholds.in_memory_rows
    if model.nobs > limit:
        raise DataError(
            f"{what} is computed by statsmodels on the data in memory, and this model has "
            f"{model.nobs:,} rows, more than ds.thresholds' in_memory_rows={limit:,}. Fit the "
            "model on a sample (e.g. ddf.sample(frac=...)) for the diagnostic, or raise the "
            "limit with ds.thresholds.override(in_memory_rows=...) if the data fit in memory."
        )
    kwds = {
        key: _materialize(value) for key, value in model._get_init_kwds().items() if key != "family"
    }
    endog = _materialize(model.endog)
    if model.builder.two_column_binomial:
        # statsmodels' two-column form (successes, failures) carries the trials
        trials = _materialize(model.n_trials)
        endog = np.column_stack([endog * trials, (1.0 - endog) * trials])
    exog = _materialize(model.exog)
    sm_model = GLM(endog, exog, family=model.family, **kwds)
    names = list(model.exog_names)
    sm_model.data.xnames = names
    sm_model.data.ynames = model.endog_names
    return sm_model


def statsmodels_results(results: Any, what: str = "this diagnostic") -> GLMResults:
    """A statsmodels ``GLMResults`` holding ``results``' estimates, covariance and scale, on
    an in-memory twin of its model (see :func:`statsmodels_model`)."""
    sm_model = statsmodels_model(results.model, what)
    sm_model.scaletype = getattr(results.model, "scaletype", None)
    params = np.asarray(results.params_array, dtype=float)
    fitted = GLMResults(
        sm_model,
        params,
        np.asarray(results.normalized_cov_params, dtype=float),
        float(results.scale),
        cov_type="nonrobust",
        use_t=results.use_t,
    )
    fitted.cov_params_default = np.asarray(results.cov_params(), dtype=float)
    fitted.cov_type = results.cov_type
    return fitted


def statsmodels_discrete_results(results: Any, what: str = "this diagnostic") -> Any:
    """statsmodels' discrete results (``model.statsmodels_class``: Logit, Probit, Poisson, ...)
    holding ``results``' estimates and covariance, on the used rows in memory."""
    glm = statsmodels_model(results.model, what)
    kwds = {}
    if glm.offset is not None and np.any(glm.offset != 0):
        kwds["offset"] = glm.offset
    if getattr(glm, "exposure", None) is not None:
        kwds["exposure"] = np.exp(glm.exposure)
    method = getattr(results.model, "loglike_method", None)
    if method is not None:
        kwds["loglike_method"] = method
    sm_model = results.model.statsmodels_class(glm.endog, glm.exog, **kwds)
    sm_model.data.xnames = glm.data.xnames
    sm_model.data.ynames = glm.data.ynames
    params = np.asarray(results.params_array, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # maxiter=0: "did not converge" by construction
        fitted = sm_model.fit(start_params=params, method="newton", maxiter=0, disp=0)
    inner = getattr(fitted, "_results", fitted)
    inner.params = params
    inner.normalized_cov_params = np.asarray(results.normalized_cov_params, dtype=float)
    inner.cov_params_default = np.asarray(results.cov_params(), dtype=float)
    inner.cov_type = results.cov_type
    return fitted
