"""Passes: the only place where dask graphs over the data are built and computed — the blocks
of a model (persisted or streamed), a kernel run over every block and combined, lazy per-row
results, cluster sums, asynchronous loops, the reads that learning a formula needs, and the
caller's inputs as one dask DataFrame."""

from daskstats.passes.asynchronous import run_async
from daskstats.passes.cluster import ClusterMeat, cluster_meats
from daskstats.passes.errors import (
    active_client,
    cluster_errors,
    cluster_errors_become_clear,
    dashboard_link,
)
from daskstats.passes.frames import DaskReader
from daskstats.passes.inputs import (
    InputFormat,
    attach_column,
    input_kind,
    prepare_arrays,
    prepare_inputs,
    to_dask,
)
from daskstats.passes.rows import Packed, block_predictions, in_sample_values, new_data_values
from daskstats.passes.runner import PassRunner, kernel_tasks, tree_combine
from daskstats.passes.source import BlockSource, build_source, memory_available

__all__ = [
    "BlockSource",
    "InputFormat",
    "Packed",
    "ClusterMeat",
    "DaskReader",
    "PassRunner",
    "active_client",
    "attach_column",
    "block_predictions",
    "in_sample_values",
    "input_kind",
    "prepare_arrays",
    "build_source",
    "cluster_errors",
    "cluster_errors_become_clear",
    "cluster_meats",
    "dashboard_link",
    "kernel_tasks",
    "memory_available",
    "new_data_values",
    "prepare_inputs",
    "run_async",
    "to_dask",
    "tree_combine",
]
