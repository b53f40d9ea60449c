"""Design: the model's inputs, where its columns live (:class:`Layout`), and one typed
:class:`Block` per partition with the counts and ranges checked before a fit.

Pure pandas/numpy: no dask here. Turning the caller's inputs into dask collections and
running anything over the partitions is :mod:`daskstats.passes`' job.
"""

from daskstats.design.block import (
    Block,
    ColumnRange,
    DataSummary,
    likelihood_weights,
    row_weights,
    stored_summary,
    summarize,
)
from daskstats.design.build import BlockBuilder
from daskstats.design.checks import check_data
from daskstats.design.extras import INTERNAL_PREFIX, ExtraColumns
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
    "check_data",
    "layout_matrices",
    "likelihood_weights",
    "row_weights",
    "plan_layout",
    "stored_summary",
    "summarize",
]
