"""Design: the model's inputs, where its columns live (:class:`Layout`), and one typed
:class:`Block` per partition with the counts and ranges checked before a fit.

Per-partition work is pandas/numpy; only lazy dask collections are built here (input
coercion). Running anything over the partitions is :mod:`daskstats.passes`' job.
"""

from daskstats.design.block import Block, ColumnRange, DataSummary, stored_summary, summarize
from daskstats.design.build import BlockBuilder
from daskstats.design.checks import check_data
from daskstats.design.inputs import (
    INTERNAL_PREFIX,
    ExtraColumns,
    attach_column,
    prepare_inputs,
    to_dask,
)
from daskstats.design.layout import CodedTerm, Coefficients, Layout
from daskstats.design.matrices import layout_matrices
from daskstats.design.plan import plan_layout

__all__ = [
    "Block",
    "BlockBuilder",
    "CodedTerm",
    "Coefficients",
    "ColumnRange",
    "DataSummary",
    "ExtraColumns",
    "INTERNAL_PREFIX",
    "Layout",
    "attach_column",
    "check_data",
    "layout_matrices",
    "plan_layout",
    "prepare_inputs",
    "stored_summary",
    "summarize",
    "to_dask",
]
