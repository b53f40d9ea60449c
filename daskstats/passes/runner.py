"""The one place a kernel runs over every block: a *pass* is one dask graph of one kernel task
per partition (each reads its block once) and a tree of ``combine`` tasks (``split_every``
wide) on the workers; only the final small :class:`~daskstats.partials.Partial` travels to the
client. Every pass is counted and timed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

import dask
from dask.delayed import Delayed, delayed

from daskstats.linalg.threads import one_blas_thread
from daskstats.partials import Partial, combine_all
from daskstats.passes.errors import active_client, cluster_errors
from daskstats.passes.pool import pool_groups, worker_threads
from daskstats.passes.stream import StreamGraph

__all__ = ["PassRunner", "Opaque", "tree_combine", "kernel_tasks", "run_tasks", "combine_runs"]


def fused(fuse: bool):
    """Fuse each partition's linear chain (read -> block -> kernel) into one task, so a
    streamed block is never held (or spilled) between tasks: only the kernel's small result
    is stored. Only for sources whose partitions are single root tasks."""
    return dask.config.set({"optimization.fuse.delayed": True}) if fuse else nullcontext()


def _combine_many(*parts: Partial) -> Partial:
    return combine_all(parts)


class Opaque:
    """Kernel arguments kept out of dask's traversal of task arguments (they hold no dask
    collections; walking a layout or family object on every pass cost ~12 ms per pass)."""

    __slots__ = ("args",)

    def __init__(self, args: tuple):
        self.args = args


def _call(kernel: Callable, block, packed: Opaque, *own):
    return kernel(block, *own, *packed.args)


def _call_run(kernel: Callable, packed: Opaque, *blocks) -> tuple:
    return tuple(kernel(block, *packed.args) for block in blocks)


def _pick(run: tuple, i: int) -> Partial:
    return run[i]


def _combine_picked(picks: tuple, *runs: tuple) -> Partial:
    return combine_all([runs[r][i] for r, i in picks])


def kernel_tasks(
    kernel: Callable, blocks: Sequence, args: tuple, per_block: Sequence[tuple] | None = None
) -> list[Delayed]:
    """One task ``kernel(block, *per_block[i], *args)`` per block, named after the kernel
    (``per_block``: each block's own arguments, e.g. its piece of a per-row array)."""
    packed = Opaque(args)
    prefix = f"{kernel.__name__}-{uuid.uuid4().hex}"
    own = per_block if per_block is not None else [()] * len(blocks)
    if len(own) != len(blocks):
        raise ValueError(f"{len(own)} per-block arguments for {len(blocks)} blocks")
    return [
        delayed(_call, pure=False)(kernel, block, packed, *mine, dask_key_name=f"{prefix}-{i}")
        for i, (block, mine) in enumerate(zip(blocks, own))
    ]


def run_tasks(kernel: Callable, blocks: Sequence, args: tuple, runs: list[list[int]]) -> list:
    """One task per run of consecutive blocks, returning ``kernel(block, *args)`` of each
    block of the run, in order (a pass of few tasks: the scheduler's cost per task, and the
    wait for the next task, are paid once per run). :func:`combine_runs` sums them."""
    packed = Opaque(args)
    prefix = f"{kernel.__name__}-{uuid.uuid4().hex}"
    return [
        delayed(_call_run, pure=False)(
            kernel, packed, *[blocks[i] for i in run], dask_key_name=f"{prefix}-{k}"
        )
        for k, run in enumerate(runs)
    ]


def tree_combine(parts: Sequence[Delayed], split_every: int = 8) -> Delayed:
    """Combine delayed partials with a tree of depth ``log_split_every(len(parts))``."""
    level = list(parts)
    while len(level) > 1:
        level = [
            delayed(_combine_many)(*level[i : i + split_every])
            for i in range(0, len(level), split_every)
        ]
    return level[0]


def combine_runs(tasks: Sequence[Delayed], runs: list[list[int]], split_every: int = 8) -> Delayed:
    """:func:`tree_combine` of the blocks' partials held by :func:`run_tasks`' ``tasks``:
    the same tree over the blocks, so the same sums in the same order as one task per block
    (results do not depend on how many threads ran the pass)."""
    where = [(k, i) for k, run in enumerate(runs) for i in range(len(run))]
    if len(where) == 1:
        return delayed(_pick)(tasks[0], 0)
    level = []
    for start in range(0, len(where), split_every):
        members = where[start : start + split_every]
        used = list(dict.fromkeys(k for k, _ in members))
        position = {k: j for j, k in enumerate(used)}
        picks = tuple((position[k], i) for k, i in members)
        level.append(delayed(_combine_picked)(picks, *[tasks[k] for k in used]))
    return tree_combine(level, split_every)


def _collect(*parts):
    return list(parts)


@dataclass
class PassRunner:
    """Runs kernels over the blocks of a design and counts the passes made.

    Attributes
    ----------
    blocks : list of Delayed
        One delayed :class:`~daskstats.design.block.Block` per partition (persisted, or built
        from the source in every pass).
    fuse : bool
        Fuse reading, building and reducing each partition into one task (streamed sources
        whose partitions are single root tasks).
    split_every : int
        Width of the combine tree.
    passes : int
        Number of passes over the data made so far.
    log : list of (name, seconds)
        What each pass was for and how long it took.
    progress : bool
        Draw a progress bar per pass on a distributed cluster.
    pooled : list of Delayed or None
        The design's blocks pooled into a few per worker thread
        (:mod:`~daskstats.passes.pool`), for the passes that only sum over rows.
    stream : StreamGraph or None
        A streamed design's read-and-build graph, materialized once
        (:mod:`~daskstats.passes.stream`): a pass adds one layer of tasks on top of it.
    tasks_per_thread : int
        On a local scheduler (no distributed client), a pass that sums over held blocks runs
        about this many tasks per thread, each reducing a run of consecutive blocks (0: one
        task per block). On a cluster each block stays its own task, run where it is held.
    """

    blocks: list
    fuse: bool = False
    split_every: int = 8
    passes: int = 0
    log: list = field(default_factory=list)
    progress: bool = False
    pooled: list | None = None
    stream: StreamGraph | None = None
    tasks_per_thread: int = 0

    @property
    def pass_blocks(self) -> list:
        """The blocks a pass that only sums over rows reads: the pooled ones when there are."""
        return self.pooled if self.pooled is not None else self.blocks

    def _record(self, name: str, started: float, counted: bool = True) -> None:
        self.passes += int(counted)
        self.log.append((name if counted else f"{name} (no pass)", time.perf_counter() - started))

    def run(
        self,
        kernel: Callable,
        *args,
        name: str | None = None,
        counted: bool = True,
        per_block: Sequence[tuple] | None = None,
        pooled: bool = False,
    ):
        """Evaluate ``kernel(block, *per_block[i], *args)`` on every block and return the
        combined partial.

        ``counted=False`` for graphs that read only small per-block results of a persisted
        design (not a pass over the data). ``pooled=True`` for kernels whose result is a sum
        over rows that does not depend on where the partitions start: they run on
        :attr:`pass_blocks`.
        """
        started = time.perf_counter()
        label = name or kernel.__name__
        if self.stream is not None and per_block is None:
            graph = self.stream.reduce(
                _call, _combine_many, (kernel,), (Opaque(args),), label, self.split_every
            )
        else:
            blocks = self.pass_blocks if pooled and per_block is None else self.blocks
            runs = self._runs(len(blocks)) if per_block is None else None
            if runs is not None:
                tasks = run_tasks(kernel, blocks, args, runs)
                graph = combine_runs(tasks, runs, self.split_every)
            else:
                tasks = kernel_tasks(kernel, blocks, args, per_block)
                graph = tree_combine(tasks, self.split_every)
        # partitions run in parallel: one BLAS thread per task, or the cores are oversubscribed
        # (distributed workers already start with one BLAS thread per process)
        with cluster_errors(label), fused(self.fuse):
            client = active_client() if self.progress else None
            if client is not None:  # a progress bar for each pass on a distributed cluster
                from distributed import progress

                future = client.compute(graph)
                progress(future, notebook=False)
                print(flush=True)
                total = future.result()
            else:
                with one_blas_thread():
                    (total,) = dask.compute(graph)
        self._record(label, started, counted)
        return total

    def _runs(self, nblocks: int) -> list[list[int]] | None:
        """Runs of consecutive blocks, one task each, on a local scheduler; None for one
        task per block."""
        if self.tasks_per_thread <= 0 or active_client() is not None:
            return None
        runs = pool_groups(nblocks, worker_threads(), self.tasks_per_thread)
        return runs if len(runs) < nblocks else None

    def map(
        self,
        kernel: Callable,
        per_block_args: list[tuple],
        name: str,
        counted: bool = True,
        pooled: bool = False,
    ) -> list:
        """One pass returning ``kernel(block, *args_i)`` for every block (not combined);
        ``counted=False`` when the kernel reads only a few rows of a persisted block;
        ``pooled=True``: for every block of :attr:`pass_blocks`."""
        started = time.perf_counter()
        blocks = self.pass_blocks if pooled else self.blocks
        tasks = [delayed(kernel)(b, *args) for b, args in zip(blocks, per_block_args, strict=True)]
        # one collection (dask's linear fusion does not accept the keys of several)
        with cluster_errors(name), one_blas_thread(), fused(self.fuse):
            (results,) = dask.compute(delayed(_collect)(*tasks))
        self._record(name, started, counted)
        return list(results)
