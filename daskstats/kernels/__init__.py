"""Kernels: pure-numpy functions on one :class:`~daskstats.design.block.Block` that return a
typed :class:`~daskstats.partials.Partial` (combined across partitions by
:mod:`daskstats.passes`) or per-row values. No dask here.

=====================  ==========================================================
``linear``             the linear predictor and the row weights every kernel uses
``gram``               ``XᵀWX``/``XᵀWz`` on cache-sized slices, coded terms by bincounts
``irls``               one IRLS pass: statistics at β and the next least-squares system
``null``               the constant-only model's sums, beside a fit's passes
``gradient``           deviance and gradient (first-order and ADMM ρ)
``loglike``            statsmodels' log-likelihood at the final scale
``robust``             scores and observed information (sandwich covariances)
``local_solve``        ADMM's local problem on one block
``rows``               residuals, predictions and prediction intervals per row
=====================  ==========================================================
"""

from daskstats.kernels.gradient import GradientPartial, gradient_pass
from daskstats.kernels.irls import FitSums, IRLSPartial, IRLSPassSpec, irls_pass
from daskstats.kernels.linear import (
    ROWS_PER_SLICE,
    block_linear_predictor,
    linear_predictor,
    row_slices,
    row_weights,
)
from daskstats.kernels.local_solve import local_solve
from daskstats.kernels.loglike import LoglikePartial, loglike_pass
from daskstats.kernels.null import NullSpec, NullSums, null_pass
from daskstats.kernels.robust import RobustPartial, group_score_sums, robust_pass

__all__ = [
    "FitSums",
    "GradientPartial",
    "IRLSPartial",
    "IRLSPassSpec",
    "LoglikePartial",
    "NullSpec",
    "NullSums",
    "ROWS_PER_SLICE",
    "RobustPartial",
    "gradient_pass",
    "irls_pass",
    "block_linear_predictor",
    "linear_predictor",
    "local_solve",
    "loglike_pass",
    "null_pass",
    "robust_pass",
    "row_slices",
    "row_weights",
    "group_score_sums",
]
