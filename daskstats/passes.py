"""The one place that builds dask graphs: run a kernel over every block and sum the results.

A *pass* is one dask graph: one kernel task per partition (each reads its block once) and a
tree of :func:`daskstats.kernels.add_partials` tasks (``split_every`` wide) that sums the partial
results on the workers; only the final small dict travels to the client.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

import dask
from dask.delayed import Delayed, delayed
from threadpoolctl import threadpool_limits

from daskstats.errors import ClusterError
from daskstats.kernels import add_partials

__all__ = ["PassRunner", "tree_sum"]

SPLIT_EVERY = 8


def _fused(fuse: bool):
    """Fuse each partition's linear chain (read -> block -> kernel) into one task, so a
    streamed block is never held (or spilled) between tasks: only the kernel's small result
    is stored.  Only for designs whose source partitions are single root tasks
    (:attr:`daskstats.design.Design.fusable`)."""
    return dask.config.set({"optimization.fuse.delayed": True}) if fuse else nullcontext()


def _sum_many(*parts: dict) -> dict:
    total = parts[0]
    for part in parts[1:]:
        total = add_partials(total, part)
    return total


class _Opaque:
    """Kernel arguments kept out of dask's traversal of task arguments (they hold no dask
    collections; walking a layout or family object on every pass cost ~12 ms per pass)."""

    __slots__ = ("args",)

    def __init__(self, args: tuple):
        self.args = args


def _call(kernel: Callable, block: dict, packed: _Opaque):
    return kernel(block, *packed.args)


def kernel_tasks(kernel: Callable, blocks: Sequence, args: tuple) -> list[Delayed]:
    """One task ``kernel(block, *args)`` per block, named after the kernel."""
    packed = _Opaque(args)
    prefix = f"{kernel.__name__}-{uuid.uuid4().hex}"
    return [
        delayed(_call, pure=False)(kernel, block, packed, dask_key_name=f"{prefix}-{i}")
        for i, block in enumerate(blocks)
    ]


def tree_sum(parts: Sequence[Delayed], split_every: int = SPLIT_EVERY) -> Delayed:
    """Sum delayed partial-result dicts with a tree of depth ``log_split_every(len(parts))``."""
    level = list(parts)
    while len(level) > 1:
        level = [
            delayed(_sum_many)(*level[i : i + split_every])
            for i in range(0, len(level), split_every)
        ]
    return level[0]


@dataclass
class PassRunner:
    """Runs kernels over the blocks of a design and counts the passes made.

    Attributes
    ----------
    blocks : list of Delayed
        One delayed block dict per partition (persisted or streamed from the source).
    fuse : bool
        Fuse reading, building and reducing each partition into one task (streamed designs
        whose partitions are single root tasks).
    passes : int
        Number of passes over the data made so far.
    log : list of (name, seconds)
        What each pass was for and how long it took.
    """

    blocks: list
    fuse: bool = False
    passes: int = 0
    log: list = field(default_factory=list)
    progress: bool = False

    def run(self, kernel: Callable, *args, name: str | None = None, counted: bool = True) -> dict:
        """Evaluate ``kernel(block, *args)`` on every block and return the summed dict.

        ``counted=False`` for graphs that read only small per-block results of a persisted
        design (not a pass over the data).
        """
        started = time.perf_counter()
        parts = kernel_tasks(kernel, self.blocks, args)
        # partitions run in parallel: one BLAS thread per task, or the cores are oversubscribed
        # (distributed workers already start with one BLAS thread per process)
        with _cluster_errors(label := name or kernel.__name__), _fused(self.fuse):
            client = _client() if self.progress else None
            if client is not None:  # a progress bar for each pass on a distributed cluster
                from distributed import progress

                future = client.compute(tree_sum(parts))
                progress(future, notebook=False)
                print(flush=True)
                total = future.result()
            else:
                with threadpool_limits(1):
                    (total,) = dask.compute(tree_sum(parts))
        self.passes += int(counted)
        self.log.append((label if counted else f"{label} (no pass)", time.perf_counter() - started))
        return total


@contextlib.contextmanager
def _cluster_errors(what: str):
    """Turn a lost scheduler (or cancelled work) into one clear error instead of a hang."""
    try:
        yield
    except Exception as exc:
        name = type(exc).__name__
        if name in {"FutureCancelledError", "CancelledError", "CommClosedError"} or (
            "scheduler" in str(exc).lower() and "connection" in str(exc).lower()
        ):
            raise ClusterError(
                f"the dask cluster failed during the {what!r} pass ({name}: "
                f"{' '.join(str(exc).split())[:200]}); the connection to the scheduler was lost "
                "or the work was cancelled. Restart the cluster and fit again."
            ) from exc
        raise


def cluster_errors_become_clear(function):
    """Decorator: a lost scheduler anywhere in ``function`` raises :class:`ClusterError`."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with _cluster_errors(function.__name__):
            return function(*args, **kwargs)

    return wrapper


def _client():
    """The active distributed Client, or None."""
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError):
        return None


def dashboard_link() -> str | None:
    """The dask dashboard address when a distributed Client is active."""
    client = _client()
    return None if client is None else client.dashboard_link


def _score_frame(block: dict, layout, family, params, scale, group_columns: tuple[str, ...]):
    import pandas as pd

    from daskstats.inference.covariance import score_parts

    score, _, _ = score_parts(block, layout, family, params, scale)
    scores = block["X"] * score[:, None]
    frame = pd.DataFrame(scores, columns=[f"s{j}" for j in range(scores.shape[1])])
    groups = block["groups"]
    for col in group_columns:
        frame[col] = groups[col].to_numpy()
    return frame


def _gram_of_sums(frame, n_params: int):
    values = frame[[f"s{j}" for j in range(n_params)]].to_numpy()
    return {"meat": values.T @ values, "groups": len(frame)}


def cluster_meats(
    runner: PassRunner,
    layout,
    family,
    params,
    scale: float,
    group_sets: list[tuple[str, ...]],
    robust_kernel: Callable,
    group_meta,
) -> tuple[dict, list[dict]]:
    """One pass: the observed information and, per set of group columns, ``Σ_g S_g S_gᵀ``.

    Group score sums are reduced by a dask dataframe ``groupby(...).sum()`` on the workers, so
    a million distinct groups never meet in one process; only p×p matrices reach the client.
    """
    import dask.dataframe as dd
    import pandas as pd

    started = time.perf_counter()
    n_params = len(params)
    all_columns = tuple(dict.fromkeys(c for cols in group_sets for c in cols))
    hessian = tree_sum(
        [delayed(robust_kernel)(b, layout, family, params, scale) for b in runner.blocks]
    )
    frames = [
        delayed(_score_frame)(b, layout, family, params, scale, all_columns) for b in runner.blocks
    ]
    meta = pd.DataFrame({f"s{j}": pd.Series(dtype=float) for j in range(n_params)})
    for col in all_columns:
        meta[col] = group_meta[col]
    scores = dd.from_delayed(frames, meta=meta, verify_meta=False)
    meats = []
    for cols in group_sets:
        summed = scores.groupby(list(cols), sort=False).sum(split_out=max(1, len(frames) // 8))
        parts = [delayed(_gram_of_sums)(p, n_params) for p in summed.to_delayed()]
        meats.append(tree_sum(parts))
    hessian, *meats = dask.compute(hessian, *meats)
    runner.passes += 1
    runner.log.append(("cluster covariance", time.perf_counter() - started))
    return hessian, list(meats)


def _collect(*parts):
    return list(parts)


def map_blocks(
    runner: PassRunner, kernel: Callable, per_block_args: list[tuple], name: str
) -> list:
    """One pass returning ``kernel(block, *args_i)`` for every block (not summed)."""
    started = time.perf_counter()
    tasks = [delayed(kernel)(b, *args) for b, args in zip(runner.blocks, per_block_args)]
    # one collection (dask's linear fusion does not accept the keys of several)
    with threadpool_limits(1), _fused(runner.fuse):
        (results,) = dask.compute(delayed(_collect)(*tasks))
    runner.passes += 1
    runner.log.append((name, time.perf_counter() - started))
    return list(results)


def run_async(
    runner: PassRunner,
    kernel: Callable,
    args_for: Callable[[int], tuple],
    on_result: Callable[[int, object], bool],
    max_updates: int,
) -> int:
    """Asynchronous rounds on a distributed Client: partition ``i`` is resubmitted as soon as its
    result arrives; ``on_result(i, result)`` returns True to stop. Returns the updates made
    (``runner.passes`` grows by updates / partitions, rounded up)."""
    import numpy as np
    from distributed import as_completed, get_client

    client = get_client()
    started = time.perf_counter()
    blocks = client.compute(runner.blocks)
    running = {}  # future key -> (future, partition)
    for i, block in enumerate(blocks):
        future = client.submit(kernel, block, *args_for(i), pure=False)
        running[future.key] = (future, i)
    queue = as_completed([f for f, _ in running.values()])
    updates = 0
    for future in queue:
        _, i = running.pop(future.key)
        updates += 1
        if on_result(i, future.result()) or updates >= max_updates:
            break
        new = client.submit(kernel, blocks[i], *args_for(i), pure=False)
        running[new.key] = (new, i)
        queue.add(new)
    for future, _ in running.values():
        future.cancel()
    runner.passes += int(np.ceil(updates / max(1, len(blocks))))
    runner.log.append(("async admm", time.perf_counter() - started))
    return updates
