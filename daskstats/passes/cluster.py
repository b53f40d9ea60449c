"""Cluster-robust covariance pieces in one pass: the observed information and, per set of
group columns, ``Σ_g S_g S_gᵀ`` with group score sums reduced by a dask dataframe
``groupby(...).sum()`` on the workers, so a million distinct groups never meet in one process;
only ``p × p`` matrices reach the client."""

from __future__ import annotations

import time

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import delayed

from daskstats.kernels.robust import robust_pass, score_columns, score_frame
from daskstats.passes.errors import cluster_errors
from daskstats.passes.runner import PassRunner, tree_combine

__all__ = ["ClusterMeat", "cluster_meats"]


class ClusterMeat:
    """``Σ_g S_g S_gᵀ`` and the number of groups ``G`` for one set of group columns."""

    def __init__(self, meat: np.ndarray, groups: int):
        self.meat = meat
        self.groups = groups

    def combine(self, other: ClusterMeat) -> ClusterMeat:
        return ClusterMeat(self.meat + other.meat, self.groups + other.groups)


def _gram_of_sums(frame: pd.DataFrame, n_params: int) -> ClusterMeat:
    values = frame[score_columns(n_params)].to_numpy()
    return ClusterMeat(values.T @ values, len(frame))


def cluster_meats(
    runner: PassRunner,
    layout,
    family,
    params: np.ndarray,
    scale: float,
    group_sets: list[tuple[str, ...]],
    group_meta: pd.DataFrame,
):
    """One pass: the robust pieces (``RobustPartial``: its ``hessian`` is the bread) and one
    :class:`ClusterMeat` per set of group columns."""
    started = time.perf_counter()
    n_params = len(params)
    all_columns = tuple(dict.fromkeys(c for cols in group_sets for c in cols))
    robust = tree_combine(
        [delayed(robust_pass)(b, layout, family, params, scale) for b in runner.blocks]
    )
    frames = [
        delayed(score_frame)(b, layout, family, params, scale, all_columns) for b in runner.blocks
    ]
    meta = pd.DataFrame({c: pd.Series(dtype=float) for c in score_columns(n_params)})
    for col in all_columns:
        meta[col] = group_meta[col]
    scores = dd.from_delayed(frames, meta=meta, verify_meta=False)
    meats = []
    for cols in group_sets:
        summed = scores.groupby(list(cols), sort=False).sum(split_out=max(1, len(frames) // 8))
        parts = [delayed(_gram_of_sums)(p, n_params) for p in summed.to_delayed()]
        meats.append(tree_combine(parts))
    with cluster_errors("cluster covariance"):
        robust, *meats = dask.compute(robust, *meats)
    runner.passes += 1
    runner.log.append(("cluster covariance", time.perf_counter() - started))
    return robust, list(meats)
