"""A persisted design of many small partitions, pooled into a few blocks per worker thread.

A pass costs a task per block: the scheduler's overhead (~0.4 ms per task on the threaded
scheduler, several on a distributed cluster, plus building the graph) and each kernel call's
fixed cost (~0.1 ms of numpy calls) grow with the number of partitions, while the arithmetic
does not: a parquet data set of a thousand files would spend most of each pass scheduling. So
when a design is persisted, runs of consecutive partitions are pooled into about
``Thresholds.blocks_per_thread`` blocks per worker thread (one concatenation, in the graph that
builds the blocks), and the passes that only sum over rows (IRLS, gradients, derivatives,
log-likelihoods, robust meats, the checks) run one task per pooled block.

The design is still held once: each partition's block is a view of its pooled block's rows,
for what needs the partitions (per-row results aligned with the input, values given per row,
orderings across partitions). A worker lost mid-fit loses its pooled blocks, which dask
rebuilds from their lineage (the partitions' blocks, and the data they came from).
"""

from __future__ import annotations

import dask
from dask.delayed import delayed
from dask.system import CPU_COUNT

from daskstats.design.block import pool
from daskstats.passes.errors import active_client

__all__ = ["pool_groups", "pooled_graph", "worker_threads"]


def worker_threads() -> int:
    """Threads that run tasks: the distributed cluster's, or the threaded scheduler's pool."""
    client = active_client()
    if client is not None:
        workers = client.scheduler_info()["workers"].values()
        return max(1, sum(int(w.get("nthreads", 1)) for w in workers))
    return int(dask.config.get("num_workers", None) or CPU_COUNT)


def pool_groups(npartitions: int, threads: int, per_thread: int) -> list[list[int]]:
    """Runs of consecutive partitions, about ``threads · per_thread`` of them of (nearly)
    equal counts; one run per partition when there are no more partitions than that (or
    ``per_thread`` is 0)."""
    target = threads * per_thread
    if per_thread <= 0 or npartitions <= target:
        return [[i] for i in range(npartitions)]
    edges = [round(g * npartitions / target) for g in range(target + 1)]
    return [list(range(a, b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def pooled_graph(blocks: list, groups: list[list[int]]) -> tuple[list, list]:
    """Delayed pooled blocks (one per group) and the partitions' blocks as their views."""
    pooled: list = []
    views: list = list(blocks)
    for members in groups:
        if len(members) == 1:
            pooled.append(blocks[members[0]])
            continue
        parts = delayed(pool, pure=False, nout=len(members) + 1)(*[blocks[i] for i in members])
        pooled.append(parts[0])
        for j, i in enumerate(members):
            views[i] = parts[j + 1]
    return pooled, views
