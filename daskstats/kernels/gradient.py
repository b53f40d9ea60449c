"""One fused pass for first-order methods: deviance and gradient, optionally the diagonal of
the Fisher information and a Gram matrix that bounds the Hessian. Pure numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.genmod.families import Family

from daskstats.design.block import Block, dense_tdot
from daskstats.design.layout import Layout
from daskstats.families import with_trials
from daskstats.families.rows import rows_for
from daskstats.kernels.gram import GramAccumulator, level_sums
from daskstats.kernels.linear import (
    block_linear_predictor,
    row_slices,
    row_weights,
)
from daskstats.linalg.gram import GramSums
from daskstats.partials import Partial, nested, summed

__all__ = ["GradientPartial", "gradient_pass"]


@dataclass(frozen=True)
class GradientPartial(Partial):
    """Deviance and gradient of ``D/2`` (length ``p``, parameter order); ``diag`` the Fisher
    information's diagonal; ``bound`` the pieces of ``Xᵀ (c f v n) X``."""

    deviance: float = summed()
    grad: np.ndarray = summed(None)
    diag: np.ndarray | None = summed(None)
    bound: GramSums | None = nested()


def gradient_pass(
    block: Block,
    layout: Layout,
    family: Family,
    params: np.ndarray,
    diag: bool = False,
    bound: float | None = None,
) -> GradientPartial:
    """Deviance and gradient of ``D/2`` at ``params`` on one block.

    ``∇(D/2) = −Xᵀ s`` with the scale-1 score factors ``s = f v n (y − μ) / (g'(μ) V(μ))``;
    ``diag = Σ w x²`` with the IRLS weights ``w``; with ``bound = c`` the pieces of
    ``Xᵀ (c · f v n) X``, which bound the Hessian of ``D/2`` when the link is canonical and
    ``V(μ) ≤ c`` (Binomial 1/4, Gaussian 1). Computed on cache-sized slices of rows.
    """
    y = block.y
    nrows, p = block.nrows, block.n_dense
    ones = block.ones
    family = with_trials(family, block.trials)
    rows_ops = rows_for(family, block.trials)
    prior, iweights = row_weights(block)
    coefficients = layout.split(params)
    grad_dense, diag_dense = np.zeros(p), np.zeros(p)
    coded = bool(layout.coded)
    scores = np.empty(nrows) if coded else None
    weights = np.empty(nrows) if coded and diag else None
    accumulator = GramAccumulator(layout, block, with_rhs=False) if bound is not None else None
    dev = 0.0
    for rows in row_slices(nrows):
        Xs, ys = block.X[rows], y[rows]
        iws = 1.0 if iweights is None else iweights[rows]
        eta = block_linear_predictor(block, coefficients, rows)
        mu = rows_ops.mean(eta)
        deriv = family.link.deriv(mu)
        variance = rows_ops.variance(mu)
        score = iws * (ys - mu) / (deriv * variance)
        grad_dense -= dense_tdot(Xs, ones, score)
        unit_dev = rows_ops.unit_deviance(ys, mu)
        dev += float(unit_dev.sum() if prior is None else np.dot(prior[rows], unit_dev))
        if scores is not None:
            scores[rows] = score
        if diag:
            w = iws / (deriv**2 * variance)
            diag_dense += dense_tdot(Xs * Xs, ones, w)
            if weights is not None:
                weights[rows] = w
        if accumulator is not None:
            accumulator.add(rows, bound * np.broadcast_to(iws, ys.shape))
    # the coded terms' sums, once over the block: Σ_ℓ s v (gradient) and Σ_ℓ w v² (diagonal)
    grad_levels, diag_levels = [], []
    for term, codes, values in zip(layout.coded, block.term_codes(), block.values):
        assert scores is not None  # coded terms: collected above
        v = np.ones(nrows) if values is None else values
        grad_levels.append(-level_sums(codes, scores * v, term.n_levels))
        if weights is not None:
            diag_levels.append(level_sums(codes, weights * v * v, term.n_levels))
    return GradientPartial(
        deviance=dev,
        grad=layout.scatter(grad_dense, tuple(grad_levels)),
        diag=layout.scatter(diag_dense, tuple(diag_levels)) if diag else None,
        bound=accumulator.result() if accumulator is not None else None,
    )
