"""One-call formula fits of the other statsmodels models: ``ds.ols``, ``ds.wls``, ``ds.logit``,
``ds.probit``, ``ds.poisson`` and ``ds.negativebinomial``.

Each is ``Model.from_formula(formula, data, ...).fit(...)`` of its class (statsmodels'
``smf.ols(formula, data).fit()``), and returns the fitted results, as :func:`daskstats.glm`.
The model keywords (``weights``, ``offset``, ``exposure``, ``loglike_method``, ``missing``,
``groups``, ``persist``) go to the model, the rest (``cov_type``, ``cov_kwds``, ``use_t``,
``maxiter``, ``start_params``, ...) to ``fit``.
"""

from __future__ import annotations

from typing import Any

import patsy

from daskstats.annotations import DataFrameLike
from daskstats.models.discrete import Logit, Poisson, Probit
from daskstats.models.negbin import NegativeBinomial
from daskstats.models.regression import OLS, WLS

__all__ = ["ols", "wls", "logit", "probit", "poisson", "negativebinomial"]

#: keywords of the models' constructors (the rest go to ``fit``)
MODEL_KEYWORDS = (
    "weights",
    "offset",
    "exposure",
    "loglike_method",
    "missing",
    "groups",
    "persist",
)


def _fit(cls, formula: str, data: DataFrameLike, kwargs: dict) -> Any:
    model_kwds = {k: kwargs.pop(k) for k in MODEL_KEYWORDS if k in kwargs}
    cov_kwds = dict(kwargs.get("cov_kwds") or {})
    if "groups" in cov_kwds and isinstance(cov_kwds["groups"], str | list):
        # a column name: the design needs it when it is built
        model_kwds.setdefault("groups", cov_kwds.pop("groups"))
        kwargs["cov_kwds"] = cov_kwds
    model = cls.from_formula(formula, data, eval_env=patsy.EvalEnvironment.capture(2), **model_kwds)
    return model.fit(**kwargs)


def ols(formula: str, data: DataFrameLike, **kwargs: Any):
    """Fit ``OLS.from_formula(formula, data).fit(**kwargs)`` (statsmodels' ``smf.ols``)."""
    return _fit(OLS, formula, data, kwargs)


def wls(formula: str, data: DataFrameLike, **kwargs: Any):
    """Weighted least squares; ``weights`` is a column name or values aligned with the data."""
    return _fit(WLS, formula, data, kwargs)


def logit(formula: str, data: DataFrameLike, **kwargs: Any):
    """Logistic regression (statsmodels' ``smf.logit``)."""
    return _fit(Logit, formula, data, kwargs)


def probit(formula: str, data: DataFrameLike, **kwargs: Any):
    """Probit regression (statsmodels' ``smf.probit``)."""
    return _fit(Probit, formula, data, kwargs)


def poisson(formula: str, data: DataFrameLike, **kwargs: Any):
    """Poisson regression (statsmodels' ``smf.poisson``), with ``offset`` or ``exposure``."""
    return _fit(Poisson, formula, data, kwargs)


def negativebinomial(formula: str, data: DataFrameLike, **kwargs: Any):
    """Negative binomial regression with ``alpha`` estimated (statsmodels'
    ``smf.negativebinomial``); ``loglike_method="nb2"`` or ``"nb1"``."""
    return _fit(NegativeBinomial, formula, data, kwargs)
