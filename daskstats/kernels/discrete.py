"""Per-block sums of a fitted binary model: the prediction table and the rows it predicts
almost exactly (statsmodels' quasi-separation note). Pure numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.genmod.families import Family

from daskstats.design.block import Block
from daskstats.design.layout import Layout
from daskstats.kernels.linear import block_linear_predictor
from daskstats.partials import Partial

__all__ = ["BinaryCounts", "binary_counts_pass"]

#: statsmodels' "perfectly predicted" rule: |y − p| below this
CLOSE = 1e-4


@dataclass(frozen=True)
class BinaryCounts(Partial):
    """``table[actual, predicted]`` at a threshold, rows predicted within ``CLOSE``, rows."""

    table: np.ndarray
    close: float
    n: float

    def combine(self, other: BinaryCounts, into: bool = False) -> BinaryCounts:
        return BinaryCounts(self.table + other.table, self.close + other.close, self.n + other.n)


def binary_counts_pass(
    block: Block, layout: Layout, family: Family, params: np.ndarray, threshold: float
) -> BinaryCounts:
    """Counts of one block's rows by (response, prediction above ``threshold``)."""
    mu = family.fitted(block_linear_predictor(block, layout.split(params)))
    y = block.y
    predicted = mu > threshold
    actual = y > 0.5
    table = np.array(
        [
            [np.sum(~actual & ~predicted), np.sum(~actual & predicted)],
            [np.sum(actual & ~predicted), np.sum(actual & predicted)],
        ],
        dtype=float,
    )
    return BinaryCounts(table, float(np.sum(np.abs(y - mu) < CLOSE)), float(block.nrows))
