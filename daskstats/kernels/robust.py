"""Per-row scores and observed information on one block: the pieces of the robust (sandwich)
covariances, following statsmodels' GLM exactly (``statsmodels.base.covtype``). Pure numpy
(and pandas for the per-row scores that a cluster groupby sums)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.genmod.families import Family

from daskstats.design.block import Block
from daskstats.design.layout import Layout
from daskstats.families import with_trials
from daskstats.kernels.gram import GramAccumulator
from daskstats.kernels.linear import block_linear_predictor, likelihood_weights, row_weights
from daskstats.linalg.gram import GramSums
from daskstats.partials import Partial, nested

__all__ = ["RobustPartial", "score_parts", "robust_pass", "score_frame", "score_columns"]


@dataclass(frozen=True)
class RobustPartial(Partial):
    """The observed information ``H = Σ oim_i x_i x_iᵀ`` and the HC0 meat
    ``M = Σ s_i s_iᵀ / f_i``, as Gram pieces."""

    hessian: GramSums = nested()
    meat: GramSums = nested()


def score_parts(
    block: Block, layout: Layout, family: Family, params: np.ndarray, scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score factors and observed-information factors of a block's rows.

    Returns
    -------
    score_factor : ndarray of shape (n,)
        ``f v n (y − μ) / (g'(μ) V(μ) scale)``; the score of row i is ``score_factor_i · x_i``.
    oim_factor : ndarray of shape (n,)
        Row weights of the observed information ``H = Σ oim_i x_i x_iᵀ``.
    freq_w : ndarray of shape (n,)
    """
    y = block.y
    family = with_trials(family, block.trials)
    link = family.link
    mu = family.fitted(block_linear_predictor(block, layout.split(params)))
    _, iweights = row_weights(block)
    iw = np.ones(block.nrows) if iweights is None else iweights
    fw, _ = likelihood_weights(block)
    deriv = link.deriv(mu)
    variance = family.variance(mu)
    unit_score = (y - mu) / (deriv * variance)
    eim = iw / (deriv**2 * variance)
    correction = unit_score * (variance * link.deriv2(mu) + family.variance.deriv(mu) * deriv)
    oim = eim * (1 + correction)
    return iw * unit_score / scale, oim / scale, fw


def robust_pass(
    block: Block, layout: Layout, family: Family, params: np.ndarray, scale: float
) -> RobustPartial:
    """Observed information and HC0 meat of one block."""
    score, oim, fw = score_parts(block, layout, family, params, scale)
    pieces = []
    for w in (oim, score**2 / fw):
        accumulator = GramAccumulator(layout, block.nrows, with_rhs=False, signed=True)
        accumulator.add(block.X, block.codes, w)
        pieces.append(accumulator.result())
    return RobustPartial(*pieces)


def score_columns(n_params: int) -> list[str]:
    """Column names of :func:`score_frame`'s scores."""
    return [f"s{j}" for j in range(n_params)]


def score_frame(
    block: Block,
    layout: Layout,
    family: Family,
    params: np.ndarray,
    scale: float,
    group_columns: tuple[str, ...],
) -> pd.DataFrame:
    """Per-row scores (dense columns only: a cluster fit keeps every column dense) beside the
    rows' group columns, for a groupby sum."""
    if block.groups is None:
        raise ValueError("the block was built without its cluster groups")
    score, _, _ = score_parts(block, layout, family, params, scale)
    scores = block.X * score[:, None]
    frame = pd.DataFrame(scores, columns=score_columns(scores.shape[1]))
    for col in group_columns:
        frame[col] = block.groups[col].to_numpy()
    return frame
