"""The blocks of a model: one delayed :class:`~daskstats.design.block.Block` per partition,
built by a :class:`~daskstats.design.build.BlockBuilder` from the prepared dask DataFrame.

The blocks are persisted (computed once, held by the workers) when they fit in memory, so
passes never rebuild them; otherwise every pass rebuilds each block from the source, reading
each needed column once per pass, fused with the kernel into one task per partition when the
source's partitions are single root tasks (e.g. one parquet read each).
"""

from __future__ import annotations

import functools
import os
import uuid
from dataclasses import dataclass

import dask
import dask.dataframe as dd
from dask.delayed import delayed

from daskstats.design.build import BlockBuilder
from daskstats.linalg.threads import one_blas_thread
from daskstats.passes.errors import active_client
from daskstats.passes.pool import pool_groups, pooled_graph, worker_threads
from daskstats.passes.runner import Opaque
from daskstats.passes.stream import StreamGraph

__all__ = ["BlockSource", "build_source", "memory_available"]


@dataclass
class BlockSource:
    """The per-partition blocks of a model.

    Attributes
    ----------
    blocks : list of dask.delayed.Delayed
        One block per partition.
    persisted : bool
        Held in memory (computed once) or rebuilt on every pass.
    fusable : bool
        A streamed block can be read, built and reduced in one task.
    pooled : list of dask.delayed.Delayed or None
        A persisted design of many partitions pooled into a few blocks per worker thread
        (:mod:`~daskstats.passes.pool`); ``blocks`` are then views of their rows.
    stream : StreamGraph or None
        A streamed design's read-and-build graph, materialized once
        (:mod:`~daskstats.passes.stream`).
    """

    blocks: list
    persisted: bool
    fusable: bool = False
    pooled: list | None = None
    stream: StreamGraph | None = None


def memory_available() -> float:
    """Bytes the workers may hold (their memory limits on a cluster, free RAM here)."""
    client = active_client()
    if client is not None:
        info = client.scheduler_info()
        limits = [w.get("memory_limit", 0) or 0 for w in info["workers"].values()]
        return float(sum(limits)) if all(limits) else float("inf")
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return float("inf")


def _design_bytes(frame: dd.DataFrame, n_columns: int) -> float:
    """Bytes of the design of ``frame`` (``n_columns`` dense columns, plus the response and
    per-row extras).

    The row count comes from ``len(frame)``: free for in-memory data, read from the parquet
    metadata for parquet sources (a pass over the data only for text formats).
    """
    return float(len(frame)) * (n_columns + 4) * 8


#: dask expressions of frames already in memory (from pandas, or persisted)
IN_MEMORY = ("FromPandas", "FromGraph")


def _needed_columns(data: dd.DataFrame, columns: list[str]) -> dd.DataFrame:
    """The columns of ``data`` a model reads: selected at the source (a parquet read reads
    only those), but not from a frame already in memory, whose selection would make pandas
    copy them (the blocks read the columns they need by name, where they are)."""
    if type(getattr(data, "expr", None)).__name__ in IN_MEMORY:
        return data
    return data[columns]


def _build(frame, packed: Opaque):
    (builder,) = packed.args
    return builder(frame)


def build_source(
    data: dd.DataFrame,
    builder: BlockBuilder,
    *,
    persist: bool | None,
    persist_fraction: float,
    blocks_per_thread: int = 0,
    pool_below_bytes: float = float("inf"),
) -> BlockSource:
    """The blocks of ``data`` (persisted when they fit in memory, or when asked; then pooled
    into about ``blocks_per_thread`` per worker thread when there are more partitions, whose
    designs average fewer than ``pool_below_bytes`` bytes)."""
    frame = _needed_columns(data, builder.columns)
    parts = frame.to_delayed()
    # named keys and an opaque argument: dask neither tokenizes the builder (by its repr: the
    # spec's patsy objects and prototype rows, ~0.1 s) nor walks it looking for collections
    packed = Opaque((builder,))
    prefix = f"block-{uuid.uuid4().hex}"
    blocks = [
        delayed(_build, pure=False)(part, packed, dask_key_name=f"{prefix}-{i}")
        for i, part in enumerate(parts)
    ]
    # computed once, and only when needed (the row count may cost a read)
    design_bytes = functools.cache(lambda: _design_bytes(frame, builder.layout.n_dense + 1))
    if persist is None:
        persist = design_bytes() <= persist_fraction * memory_available()
    if persist:
        groups = pool_groups(len(blocks), worker_threads(), blocks_per_thread)
        if len(groups) < len(blocks) and design_bytes() < pool_below_bytes * len(blocks):
            pooled, views = pooled_graph(blocks, groups)
            with one_blas_thread():
                held = dask.persist(*pooled, *views)
            return BlockSource(list(held[len(pooled) :]), True, False, list(held[: len(pooled)]))
        # blocks are built in parallel: BLAS threads would only oversubscribe the cores, and
        # keep spinning on them into the first pass
        with one_blas_thread():
            blocks = list(dask.persist(*blocks))
    # one root task per partition (all partitions share one graph holding just those tasks)
    fusable = not persist and len(parts[0].__dask_graph__()) == len(parts)
    stream = None if persist else StreamGraph.of(blocks)
    return BlockSource(blocks, bool(persist), fusable, stream=stream)
