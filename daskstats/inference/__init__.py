"""Inference: fit statistics, covariance estimators chosen from a registry by ``cov_type``,
hypothesis tests (statsmodels' own) and lazy predictions with intervals."""

from daskstats.inference.covariance import (
    COVARIANCE_TYPES,
    USER_COV_TYPES,
    Covariance,
    CovarianceContext,
    estimate_covariance,
    register,
)
from daskstats.inference.hypotheses import StatsmodelsView, lr_test
from daskstats.inference.prediction import LazyPrediction
from daskstats.inference.statistics import FitStatistics, fit_statistics

__all__ = [
    "COVARIANCE_TYPES",
    "USER_COV_TYPES",
    "Covariance",
    "CovarianceContext",
    "FitStatistics",
    "LazyPrediction",
    "StatsmodelsView",
    "estimate_covariance",
    "fit_statistics",
    "lr_test",
    "register",
]
