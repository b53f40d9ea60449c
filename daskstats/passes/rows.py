"""Lazy per-row results: a kernel's per-row values on every fitted block, or on every partition
of new data, as dask arrays, Series or DataFrames (nothing is computed here).

``values_fn(eta, X, codes, values, layout, *args)`` turns the linear predictor of some rows into
predictions or a prediction frame (:mod:`daskstats.kernels.rows`); rows of new data with missing
values get NaN.
"""

from __future__ import annotations

from collections.abc import Callable

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import delayed

from daskstats.design.block import Block
from daskstats.design.build import combined_offset
from daskstats.design.layout import Layout
from daskstats.design.matrices import layout_matrices
from daskstats.families import with_trials
from daskstats.formula import ModelSpec
from daskstats.kernels.linear import block_linear_predictor, linear_predictor

__all__ = ["block_arrays", "block_frames", "new_data_values"]


def block_arrays(blocks: list, lengths: tuple, fn: Callable, *args) -> da.Array:
    """``fn(block, *args)`` (an array of the block's rows) over every block, concatenated."""
    parts = [
        da.from_delayed(delayed(fn)(block, *args), shape=(n,), dtype=float)
        for block, n in zip(blocks, lengths)
    ]
    return da.concatenate(parts) if parts else da.zeros(0)


def _wrap(values, meta, index, kept=None, n=None):
    """Values for kept rows as a pandas object indexed like the input (NaN elsewhere)."""

    def spread(column):
        if kept is None:
            return column
        out = np.full(n, np.nan)
        out[kept] = column
        return out

    if isinstance(meta, pd.Series):
        return pd.Series(spread(values), index=index, name=meta.name)
    return pd.DataFrame({name: spread(values[name]) for name in meta.columns}, index=index)


def _block_values(block: Block, layout: Layout, params, meta, values_fn, *args):
    eta = block_linear_predictor(block, layout.split(params))
    family = args[0] if args else None
    if family is not None and block.trials is not None:
        args = (with_trials(family, block.trials), *args[1:])
    values = values_fn(eta, block.X, block.term_codes(), block.values, layout, *args)
    return _wrap(values, meta, pd.RangeIndex(len(eta)))


def block_frames(blocks: list, layout: Layout, params, meta, values_fn: Callable, *args):
    """``values_fn`` on the rows of every fitted block, as a dask Series/DataFrame."""
    parts = [delayed(_block_values)(b, layout, params, meta, values_fn, *args) for b in blocks]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _partition_values(
    frame, spec, layout, params, offset_col, exposure_col, meta, values_fn, *args
):
    matrices = layout_matrices(
        spec, layout, frame[list(spec.x_variables)], missing="drop", with_response=False
    )
    kept = matrices.kept

    def column(name):
        return None if name is None else frame[name].to_numpy(dtype=float)[kept]

    offset = combined_offset(column(offset_col), column(exposure_col))
    X, codes, code_values = matrices.X, matrices.codes, matrices.values
    eta = linear_predictor(X, codes, code_values, layout.split(params), offset)
    values = values_fn(eta, X, codes, code_values, layout, *args)
    return _wrap(values, meta, frame.index, kept, len(frame))


def new_data_values(
    data: dd.DataFrame,
    spec: ModelSpec,
    layout: Layout,
    params,
    offset_col: str | None,
    exposure_col: str | None,
    meta,
    values_fn: Callable,
    *args,
):
    """``values_fn`` on every partition of new data (indexed like it)."""
    return data.map_partitions(
        _partition_values,
        spec,
        layout,
        params,
        offset_col,
        exposure_col,
        meta,
        values_fn,
        *args,
        meta=meta,
    )
