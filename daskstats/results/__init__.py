"""Results: immutable records of fits with statsmodels' names — a family-agnostic base
(estimates, covariance, tests), GLM results, regularization paths, summaries, plots, and the
safe file format."""

from daskstats.results.base import FittedModel, LikelihoodResults
from daskstats.results.glm import GLMResults
from daskstats.results.path import RegularizationPath

__all__ = ["FittedModel", "LikelihoodResults", "GLMResults", "RegularizationPath"]
