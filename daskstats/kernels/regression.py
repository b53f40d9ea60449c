"""Per-block sums of a fitted linear regression that its summary and robust covariances need.
Pure numpy.

* :func:`residual_pass`: the whitened residuals' ``r = √w (y − Xβ − offset)`` moments (count,
  mean and central moments 2–4, combined by Chan's pairwise rule, so the skewness and
  kurtosis are stable whatever the partitioning) and Durbin–Watson's ``Σ (r_t − r_{t−1})²``
  over the rows *in order across partitions* (a partial keeps its first and last residual;
  joining two adds the difference across their boundary), and ``Σ w y²`` (the uncentered
  total sum of squares).
* :func:`leverage_meat_pass`: ``Σ w² e² x xᵀ / (1 − h)^k`` with the leverage
  ``h = w xᵀ (XᵀWX)⁻¹ x`` of each row: the meat of HC2 (``k = 1``) and HC3 (``k = 2``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from daskstats.design.block import Block, likelihood_weights
from daskstats.design.layout import Layout
from daskstats.kernels.gram import GramAccumulator
from daskstats.kernels.linear import block_linear_predictor, dense_design, row_slices
from daskstats.linalg.gram import GramSums
from daskstats.partials import Partial

__all__ = [
    "ResidualPartial",
    "residual_pass",
    "LeverageMeat",
    "leverage_meat_pass",
    "constant_gram_pass",
]


@dataclass(frozen=True)
class ResidualPartial(Partial):
    """Moments and ordered differences of consecutive residuals (combined left to right)."""

    n: float
    mean: float
    m2: float
    m3: float
    m4: float
    squared_differences: float
    first: float
    last: float
    uncentered: float

    def combine(self, other: ResidualPartial, into: bool = False) -> ResidualPartial:
        if self.n == 0:
            return other
        if other.n == 0:
            return self
        n_a, n_b = self.n, other.n
        n = n_a + n_b
        delta = other.mean - self.mean
        mean = self.mean + delta * n_b / n
        m2 = self.m2 + other.m2 + delta**2 * n_a * n_b / n
        m3 = (
            self.m3
            + other.m3
            + delta**3 * n_a * n_b * (n_a - n_b) / n**2
            + 3 * delta * (n_a * other.m2 - n_b * self.m2) / n
        )
        m4 = (
            self.m4
            + other.m4
            + delta**4 * n_a * n_b * (n_a**2 - n_a * n_b + n_b**2) / n**3
            + 6 * delta**2 * (n_a**2 * other.m2 + n_b**2 * self.m2) / n**2
            + 4 * delta * (n_a * other.m3 - n_b * self.m3) / n
        )
        across = (other.first - self.last) ** 2
        return ResidualPartial(
            n=n,
            mean=mean,
            m2=m2,
            m3=m3,
            m4=m4,
            squared_differences=self.squared_differences + other.squared_differences + across,
            first=self.first,
            last=other.last,
            uncentered=self.uncentered + other.uncentered,
        )


def _moments(r: np.ndarray) -> tuple[float, float, float, float]:
    mean = float(r.mean())
    d = r - mean
    d2 = d * d
    return mean, float(d2.sum()), float((d2 * d).sum()), float((d2 * d2).sum())


def residual_pass(block: Block, layout: Layout, params: np.ndarray) -> ResidualPartial:
    """The residual partial of one block's rows (see the module docstring)."""
    if block.nrows == 0:
        return ResidualPartial(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    _, var_weights = likelihood_weights(block)
    root = np.sqrt(var_weights)
    eta = block_linear_predictor(block, layout.split(params))
    r = root * (block.y - eta)
    mean, m2, m3, m4 = _moments(r)
    return ResidualPartial(
        n=float(len(r)),
        mean=mean,
        m2=m2,
        m3=m3,
        m4=m4,
        squared_differences=float(np.sum(np.diff(r) ** 2)),
        first=float(r[0]),
        last=float(r[-1]),
        uncentered=float(np.sum(var_weights * block.y**2)),
    )


@dataclass(frozen=True)
class LeverageMeat(Partial):
    """``Σ w² e² x xᵀ / (1 − h)^k`` over rows."""

    meat: np.ndarray

    def combine(self, other: LeverageMeat, into: bool = False) -> LeverageMeat:
        return LeverageMeat(self.meat + other.meat)


def leverage_meat_pass(
    block: Block, layout: Layout, params: np.ndarray, bread: np.ndarray, power: int
) -> LeverageMeat:
    """HC2 (``power=1``) or HC3 (``power=2``) meat of one block; ``bread`` is ``(XᵀWX)⁻¹``."""
    p = layout.n_params
    meat = np.zeros((p, p))
    if block.nrows == 0:
        return LeverageMeat(meat)
    _, var_weights = likelihood_weights(block)
    eta = block_linear_predictor(block, layout.split(params))
    resid = block.y - eta
    size = max(1, (1 << 20) // max(p, 1))
    for rows in row_slices(block.nrows, size):
        X = dense_design(block, layout, rows)
        w = var_weights[rows]
        hat = w * np.einsum("ij,jk,ik->i", X, bread, X)
        factor = w * resid[rows] / (1.0 - hat) ** (power / 2.0)
        U = X * factor[:, None]
        meat += U.T @ U
    return LeverageMeat(meat)


def constant_gram_pass(block: Block, layout: Layout) -> GramSums:
    """``XᵀX`` and ``Xᵀ1`` of one block (is a constant in the design's column space?)."""
    accumulator = GramAccumulator(layout, block)
    ones = np.ones(block.nrows)
    for rows in row_slices(block.nrows):
        accumulator.add(rows, ones[rows], ones[rows])
    return accumulator.result()
