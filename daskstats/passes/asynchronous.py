"""Asynchronous rounds on a distributed Client (the asynchronous ADMM): a partition is
resubmitted as soon as its result arrives, no partition waits for the slowest."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from daskstats.passes.runner import PassRunner

__all__ = ["run_async"]


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
    from distributed import as_completed, get_client  # a distributed Client is required

    client = get_client()
    started = time.perf_counter()
    blocks = client.compute(runner.pass_blocks)
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
