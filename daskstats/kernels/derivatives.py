"""The log-likelihood, its score and its Hessian at given coefficients, on one block: what the
model's ``loglike``/``score``/``hessian`` and the Newton and quasi-Newton fits need, in one
fused pass. Pure numpy.

Everything follows statsmodels' GLM (``score_factor`` and ``hessian_factor``), at scale 1 —
the caller divides by the scale (the Pearson χ² and the deviance the scale is estimated from
are collected in the same pass):

* score ``Σ s_i x_i`` with ``s = f v n (y − μ) / (g'(μ) V(μ))``;
* expected information ``Σ e_i x_i x_iᵀ`` with ``e = f v n / (g'(μ)² V(μ))``;
* observed information with ``o = e (1 + (y − μ)(V g'' + V' g') / (g' V))`` (equal to ``e``
  for a canonical link; not necessarily positive away from the optimum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from statsmodels.genmod.families import Family

from daskstats.design.block import Block, dense_tdot
from daskstats.design.layout import Layout
from daskstats.families import likelihood, with_trials
from daskstats.families.rows import rows_for
from daskstats.kernels.gram import GramAccumulator, level_sums
from daskstats.kernels.irls import FitSums
from daskstats.kernels.linear import (
    block_linear_predictor,
    dense_design,
    likelihood_weights,
    row_weights,
)
from daskstats.kernels.null import NullSpec, NullSums, null_sums
from daskstats.linalg.gram import GramSums
from daskstats.partials import Partial, nested, summed

__all__ = [
    "DerivativesSpec",
    "DerivativesPartial",
    "derivatives_pass",
    "row_factors",
    "ExtendedPartial",
    "extended_pass",
    "factor_rows",
]

HESSIANS = (None, "observed", "expected")


@dataclass(frozen=True)
class DerivativesSpec:
    """What a derivatives pass evaluates.

    Attributes
    ----------
    family : statsmodels Family
    params : ndarray of shape (p,)
    layout : Layout
    hessian : {None, "observed", "expected"}
    score : bool
    loglike_sums : bool
        Collect the decomposed log-likelihood sums (:mod:`daskstats.families.likelihood`;
        only where the family's log-likelihood decomposes).
    loglike_scale : float or None
        Also sum statsmodels' ``loglike_obs`` at this scale (for the families whose
        log-likelihood does not decompose into scale-free sums).
    null : NullSpec or None
        The null model's iterate, when its sums are wanted in this pass.
    """

    family: Family
    params: np.ndarray
    layout: Layout
    hessian: str | None = None
    score: bool = True
    loglike_sums: bool = False
    loglike_scale: float | None = None
    null: NullSpec | None = None


@dataclass(frozen=True)
class DerivativesPartial(Partial):
    """Statistics, score, information (both at scale 1) and log-likelihood at the coefficients.

    ``information`` is ``−∂²ℓ/∂β∂βᵀ`` (observed or expected), as Gram pieces.
    """

    fit: FitSums = nested()
    score: np.ndarray | None = summed(None)
    information: GramSums | None = nested()
    llf: float | None = summed(None)
    null: NullSums | None = nested()


def row_factors(
    block: Block, family: Family, eta: np.ndarray, hessian: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``μ``, the score factors and the information factors of a block's rows (scale 1;
    ``family`` already holds the block's trials)."""
    y = block.y
    mu = family.fitted(eta)
    link = family.link
    _, iweights = row_weights(block)
    deriv = link.deriv(mu)
    variance = family.variance(mu)
    unit_score = (y - mu) / (deriv * variance)
    score = unit_score if iweights is None else iweights * unit_score
    info = None
    if hessian is not None:
        info = 1.0 / (deriv**2 * variance)
        if iweights is not None:
            info = iweights * info
        if hessian == "observed":
            info = info * (
                1 + unit_score * (variance * link.deriv2(mu) + family.variance.deriv(mu) * deriv)
            )
    return mu, score, info


def derivatives_pass(block: Block, spec: DerivativesSpec) -> DerivativesPartial:
    """Statistics, score and information of one block at ``spec.params``."""
    if spec.hessian not in HESSIANS:
        raise ValueError(f"hessian must be one of {HESSIANS}, got {spec.hessian!r}")
    family = with_trials(spec.family, block.trials)
    rows_ops = rows_for(family, block.trials)
    layout = spec.layout
    y = block.y
    eta = block_linear_predictor(block, layout.split(spec.params))
    mu, score, info = row_factors(block, family, eta, spec.hessian)
    prior, iweights = row_weights(block)
    resid = y - mu
    variance = rows_ops.variance(mu)
    unit_dev = rows_ops.unit_deviance(y, mu)
    deviance = float(unit_dev.sum() if prior is None else np.dot(prior, unit_dev))
    chi2 = resid * resid / variance
    pearson = float(chi2.sum() if iweights is None else np.dot(iweights, chi2))
    fw, vw = likelihood_weights(block)
    sums = likelihood.row_sums(family, y, mu, fw, vw) if spec.loglike_sums else None
    fit = FitSums(
        deviance,
        pearson,
        float(np.abs(resid).max()) if len(resid) else 0.0,
        0,
        sums,
    )
    llf = None
    if spec.loglike_scale is not None:
        llf = likelihood.generic_row_sums(family, y, mu, fw, vw, spec.loglike_scale)
    gradient = None
    if spec.score:
        dense = dense_tdot(block.X, block.ones, score)
        levels = []
        for term, codes, values in zip(layout.coded, block.term_codes(), block.values):
            weight = score if values is None else score * values
            levels.append(level_sums(codes, weight, term.n_levels))
        gradient = layout.scatter(dense, tuple(levels))
    information = None
    if info is not None:
        accumulator = GramAccumulator(layout, block, with_rhs=False, signed=True)
        accumulator.add(slice(None), info)
        information = accumulator.result()
    null = null_sums(block, spec.null, family, spec.loglike_sums) if spec.null is not None else None
    return DerivativesPartial(fit, gradient, information, llf, null)


@dataclass(frozen=True)
class ExtendedPartial(Partial):
    """Score and information (scale 1) of the design extended by extra columns, with the
    Pearson χ² and deviance the scale is estimated from."""

    score: np.ndarray = summed(None)
    information: np.ndarray = summed(None)
    pearson: float = summed()
    deviance: float = summed()
    meat: np.ndarray = summed(None)
    rows: int = summed(0)


def extended_pass(
    block: Block,
    extra: ArrayLike | None,
    family: Family,
    params: np.ndarray,
    layout: Layout,
    hessian: str,
) -> ExtendedPartial:
    """statsmodels' ``score_test`` sums with ``exog_extra`` (``extra``: the block's used rows
    of the extra columns) on one block: ``Σ s_i x̃_i`` and ``Σ h_i x̃_i x̃_iᵀ`` with
    ``x̃ = [x, extra]``."""
    family = with_trials(family, block.trials)
    eta = block_linear_predictor(block, layout.split(params))
    mu, score, info = row_factors(block, family, eta, hessian)
    design = dense_design(block, layout)
    if extra is not None:
        extra = np.asarray(extra, dtype=float).reshape(block.nrows, -1)
        design = np.hstack([design, extra])
    prior, iweights = row_weights(block)
    rows_ops = rows_for(family, block.trials)
    resid = block.y - mu
    chi2 = resid * resid / rows_ops.variance(mu)
    unit_dev = rows_ops.unit_deviance(block.y, mu)
    assert info is not None
    return ExtendedPartial(
        design.T @ score,
        design.T @ (design * info[:, None]),
        float(chi2.sum() if iweights is None else np.dot(iweights, chi2)),
        float(unit_dev.sum() if prior is None else np.dot(prior, unit_dev)),
        design.T @ (design * (score * score)[:, None]),
        block.nrows,
    )


def factor_rows(
    block: Block, layout: Layout, family: Family, params: np.ndarray, what: str, scale: float
) -> np.ndarray:
    """statsmodels' per-row ``score_factor`` (``what="score"``), ``hessian_factor``
    (``"observed"``/``"expected"``: the information's row weights, so statsmodels' negative
    Hessian factor) or ``score_obs`` (``"score_obs"``, ``(n, k)``) of a block at ``scale``."""
    family = with_trials(family, block.trials)
    eta = block_linear_predictor(block, layout.split(params))
    hessian = what if what in ("observed", "expected") else None
    _, score, info = row_factors(block, family, eta, hessian)
    if what == "score":
        return score / scale
    if what == "score_obs":
        return dense_design(block, layout) * (score / scale)[:, None]
    assert info is not None
    return info / scale
