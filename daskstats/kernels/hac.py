"""The heteroscedasticity- and autocorrelation-robust (HAC, Newey–West) meat over the rows in
order, across partitions: ``S = Σ_j w_j (Γ_j + Γ_jᵀ)`` (``Γ_0`` once) with
``Γ_j = Σ_t u_t u_{t−j}ᵀ`` over the score rows ``u_t`` — statsmodels' ``S_hac_simple`` on
``score_obs / √f``. Pure numpy.

A block's partial holds its lag sums and its first and last ``L`` score rows; joining two
consecutive partials adds the lag products that cross their boundary (rows of the second's head
with rows of the first's tail at lags up to ``L``), so the combine is associative and a tree of
partitions in order reduces to statsmodels' sum. Rows are taken in slices, so a block never
holds more than one slice's dense score rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike
from statsmodels.genmod.families import Family

from daskstats.design.block import Block
from daskstats.design.layout import Layout
from daskstats.families import with_trials
from daskstats.kernels.derivatives import row_factors
from daskstats.kernels.gram import GramAccumulator
from daskstats.kernels.linear import (
    block_linear_predictor,
    dense_design,
    likelihood_weights,
    row_slices,
)
from daskstats.linalg.gram import GramSums
from daskstats.partials import Partial

__all__ = ["HACPartial", "hac_pass", "lag_sums"]

#: score-row cells held at once per slice
SLICE_CELLS = 1 << 20


def lag_sums(u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``Σ_j w_j (Γ_j + Γ_jᵀ)`` (``Γ_0`` once) of the rows ``u`` in order."""
    S = weights[0] * (u.T @ u)
    for lag in range(1, min(len(weights), len(u))):
        g = u[lag:].T @ u[:-lag]
        S += weights[lag] * (g + g.T)
    return S


@dataclass(frozen=True)
class HACPartial(Partial):
    """Lag sums of consecutive rows, with their first and last ``L`` score rows.

    Combined left to right only (the rows of ``other`` follow those of ``self``).
    """

    meat: np.ndarray
    head: np.ndarray
    tail: np.ndarray
    weights: np.ndarray
    hessian: GramSums | None = None

    def combine(self, other: HACPartial, into: bool = False) -> HACPartial:
        lags = len(self.weights) - 1
        tail = self.tail[::-1]  # tail[m - 1]: m rows before the boundary
        head = other.head  # head[k]: k rows after it
        k = np.arange(len(head))[:, None]
        m = np.arange(len(tail))[None, :]
        lag = k + m + 1
        W = np.where(lag <= lags, self.weights[np.minimum(lag, lags)], 0.0)
        cross = head.T @ W @ tail
        meat = self.meat + other.meat + cross + cross.T
        both = np.concatenate([self.tail, other.tail])
        if self.hessian is None or other.hessian is None:
            hessian = self.hessian if other.hessian is None else other.hessian
        else:
            hessian = self.hessian.combine(other.hessian)
        return HACPartial(
            meat,
            np.concatenate([self.head, other.head])[:lags],
            both[max(len(both) - lags, 0) :],
            self.weights,
            hessian,
        )


def _partial(u: np.ndarray, weights: np.ndarray) -> HACPartial:
    lags = len(weights) - 1
    tail = u[max(len(u) - lags, 0) :]
    return HACPartial(lag_sums(u, weights), u[:lags].copy(), tail.copy(), weights)


def hac_pass(
    block: Block,
    layout: Layout,
    family: Family,
    params: np.ndarray,
    scale: float,
    weights: ArrayLike,
) -> HACPartial:
    """The HAC partial of one block's rows (scores at ``scale``, divided by ``√f``) and its
    share of the observed information at ``scale`` (the sandwich's bread)."""
    weights = np.asarray(weights, dtype=float)
    family = with_trials(family, block.trials)
    eta = block_linear_predictor(block, layout.split(params))
    _, score, info = row_factors(block, family, eta, "observed")
    if info is None:
        raise TypeError("row_factors returned no observed information")
    accumulator = GramAccumulator(layout, block, with_rhs=False, signed=True)
    accumulator.add(slice(None), info / scale)
    hessian = accumulator.result()
    fw, _ = likelihood_weights(block)
    factor = score / scale / np.sqrt(fw)
    size = max(1, SLICE_CELLS // max(layout.n_params, 1))
    total: HACPartial | None = None
    for rows in row_slices(block.nrows, size):
        u = dense_design(block, layout, rows) * factor[rows, None]
        part = _partial(u, weights)
        total = part if total is None else total.combine(part)
    if total is None:
        p = layout.n_params
        empty = np.zeros((0, p))
        total = HACPartial(np.zeros((p, p)), empty, empty, weights)
    return replace(total, hessian=hessian)
