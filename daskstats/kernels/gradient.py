"""One fused pass for first-order methods: deviance and gradient, optionally the diagonal of
the Fisher information and a Gram matrix that bounds the Hessian. Pure numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.genmod.families import Family

from daskstats.design.block import Block
from daskstats.design.layout import Layout
from daskstats.families import with_trials
from daskstats.families.rows import rows_for
from daskstats.kernels.gram import GramAccumulator
from daskstats.kernels.linear import (
    ROWS_PER_SLICE,
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
    nrows, p = block.X.shape
    family = with_trials(family, block.trials)
    rows_ops = rows_for(family, block.trials)
    prior, iweights = row_weights(block)
    coefficients = layout.split(params)
    grad_dense, diag_dense = np.zeros(p), np.zeros(p)
    grad_levels = [np.zeros(t.n_levels) for t in layout.coded]
    diag_levels = [np.zeros(t.n_levels) for t in layout.coded]
    accumulator = (
        GramAccumulator(layout, min(ROWS_PER_SLICE, nrows), with_rhs=False)
        if bound is not None
        else None
    )
    dev = 0.0
    for rows in row_slices(nrows):
        Xs, ys = block.X[rows], y[rows]
        codes = tuple(c[rows] for c in block.codes)
        iws = 1.0 if iweights is None else iweights[rows]
        eta = block_linear_predictor(block, coefficients, rows)
        mu = rows_ops.mean(eta)
        deriv = family.link.deriv(mu)
        variance = rows_ops.variance(mu)
        score = iws * (ys - mu) / (deriv * variance)
        grad_dense -= Xs.T @ score
        unit_dev = rows_ops.unit_deviance(ys, mu)
        dev += float(unit_dev.sum() if prior is None else np.dot(prior[rows], unit_dev))
        for term_codes, grad, term in zip(codes, grad_levels, layout.coded):
            grad -= np.bincount(term_codes, weights=score, minlength=term.n_levels)
        if diag:
            w = iws / (deriv**2 * variance)
            diag_dense += (Xs * Xs).T @ w
            for term_codes, values, term in zip(codes, diag_levels, layout.coded):
                values += np.bincount(term_codes, weights=w, minlength=term.n_levels)
        if accumulator is not None:
            accumulator.add(Xs, codes, bound * np.broadcast_to(iws, ys.shape))
    return GradientPartial(
        deviance=dev,
        grad=layout.scatter(grad_dense, tuple(grad_levels)),
        diag=layout.scatter(diag_dense, tuple(diag_levels)) if diag else None,
        bound=accumulator.result() if accumulator is not None else None,
    )
