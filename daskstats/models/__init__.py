"""Models: a base that owns formula → design → blocks → runner plumbing, checks and per-row
results (:class:`~daskstats.models.base.Model`), the GLM on it, its IRLS and penalized fits,
and the one path that assembles results."""

from daskstats.models.base import Model
from daskstats.models.discrete import Logit, Poisson, Probit
from daskstats.models.glm import GLM
from daskstats.models.negbin import NegativeBinomial
from daskstats.models.regression import OLS, WLS

__all__ = ["Model", "GLM", "OLS", "WLS", "Logit", "Probit", "Poisson", "NegativeBinomial"]
