"""Cluster-robust covariance pieces in one pass over the data: the observed information and,
per set of group columns, ``Σ_g S_g S_gᵀ``.

Every block sums its rows' scores by group (``S_g``'s share, sparse: a coded term adds one
entry per row, no indicator columns), as a long frame of (group, parameter, value); a dask
shuffle on the group columns brings each group's shares together on one worker, where they
become ``Σ_g S_g S_gᵀ`` for that worker's groups; only ``p × p`` matrices reach the client, so a
million distinct groups never meet in one process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import delayed

from daskstats.kernels.robust import (
    GROUP_PARAM,
    GROUP_VALUE,
    group_meat,
    group_score_sums,
    robust_pass,
)
from daskstats.partials import Partial, summed
from daskstats.passes.aligned import RowPieces, take_rows
from daskstats.passes.errors import cluster_errors
from daskstats.passes.runner import PassRunner, tree_combine

__all__ = ["ClusterMeat", "cluster_meats"]


@dataclass(frozen=True)
class ClusterMeat(Partial):
    """``Σ_g S_g S_gᵀ`` and the number of groups ``G`` for one set of group columns."""

    meat: np.ndarray = summed(None)
    groups: int = summed(0)


def _meat(frame: pd.DataFrame, columns: tuple[str, ...], n_params: int) -> ClusterMeat:
    return ClusterMeat(*group_meat(frame, columns, n_params))


def _given_score_sums(block, piece, input_rows, names, layout, family, params, scale, columns):
    """A block's group score sums with its groups taken from values given at fit time."""
    values = take_rows(block, piece, input_rows)
    if isinstance(values, pd.DataFrame):
        frame = values.reset_index(drop=True)
        frame.columns = list(names)
    elif isinstance(values, pd.Series):
        frame = pd.DataFrame({names[0]: values.to_numpy()})
    else:
        array = np.asarray(values)
        array = array.reshape(len(array), -1)
        frame = pd.DataFrame({name: array[:, j] for j, name in enumerate(names)})
    return group_score_sums(block, layout, family, params, scale, columns, groups=frame)


def cluster_meats(
    runner: PassRunner,
    layout,
    family,
    params: np.ndarray,
    scale: float,
    group_sets: list[tuple[str, ...]],
    group_meta: pd.DataFrame,
    given: RowPieces | None = None,
):
    """One pass: the robust pieces (``RobustPartial``: its ``hessian`` is the bread) and one
    :class:`ClusterMeat` per set of group columns (the blocks' own group columns, or the
    ``given`` per-row groups, whose columns are ``group_meta``'s)."""
    started = time.perf_counter()
    n_params = len(params)
    robust = tree_combine(
        [delayed(robust_pass)(b, layout, family, params, scale) for b in runner.blocks]
    )
    meats = []
    for columns in group_sets:
        meta = group_meta[list(columns)].iloc[:0].copy()
        meta[GROUP_PARAM] = pd.Series(dtype=np.int64)
        meta[GROUP_VALUE] = pd.Series(dtype=float)
        if given is None:
            tasks = [
                delayed(group_score_sums)(b, layout, family, params, scale, columns)
                for b in runner.blocks
            ]
        else:
            names = tuple(group_meta.columns)
            tasks = [
                delayed(_given_score_sums)(
                    b, piece, given.input_rows, names, layout, family, params, scale, columns
                )
                for b, piece in zip(runner.blocks, given.pieces)
            ]
        shares = dd.from_delayed(tasks, meta=meta, verify_meta=False)
        together = shares.shuffle(on=list(columns))
        parts = [delayed(_meat)(part, columns, n_params) for part in together.to_delayed()]
        meats.append(tree_combine(parts))
    with cluster_errors("cluster covariance"):
        robust, *meats = dask.compute(robust, *meats)
    runner.passes += 1
    runner.log.append(("cluster covariance", time.perf_counter() - started))
    return robust, list(meats)
