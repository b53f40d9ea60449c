"""Lazy per-row results, aligned with the caller's rows: a block-level function on every
partition of the model's prepared data (residuals, fitted values, influence measures), or on
every partition of new data (predictions).

Both are ``map_partitions`` over a dask DataFrame, so the result has the input's index and
divisions (``ddf.assign(pred=res.predict())`` works) and no ``from_delayed`` construction is
involved. In-sample results either keep only the used rows (``spread=False``: statsmodels'
in-sample arrays for pandas/numpy data) or hold every row of the input with NaN where a row was
dropped for missing values (``spread=True``: what aligns with a dask input's partitions);
predictions on new data hold every row of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import dask.dataframe as dd
import numpy as np
import pandas as pd

from daskstats.design.block import Block
from daskstats.design.build import BlockBuilder, combined_offset
from daskstats.design.layout import Layout
from daskstats.design.matrices import layout_matrices
from daskstats.families import with_trials
from daskstats.kernels.linear import block_linear_predictor, linear_predictor

__all__ = ["Packed", "in_sample_values", "new_data_values", "block_predictions"]


class Packed:
    """Arguments handed to every partition's function without dask walking or pickling them
    for a token (a layout, a builder, a family)."""

    __slots__ = ("args", "token")

    def __init__(self, *args):
        self.args = args
        self.token = uuid.uuid4().hex

    def __dask_tokenize__(self) -> str:
        return self.token


def _wrap(values, meta, index, kept=None, n=None):
    """Values of the kept rows as a pandas object on ``index`` (NaN at the other rows when
    ``n`` rows are asked for)."""

    def spread(column):
        column = np.asarray(column, dtype=float)
        if kept is None or n is None:
            return column
        out = np.full(n, np.nan)
        out[kept] = column
        return out

    if isinstance(meta, pd.Series):
        return pd.Series(spread(values), index=index, name=meta.name)
    return pd.DataFrame({name: spread(values[name]) for name in meta.columns}, index=index)


def _in_sample(part: pd.DataFrame, packed: Packed):
    builder, fn, args, meta, spread = packed.args
    block = builder(part)
    values = fn(block, *args)
    if spread:
        return _wrap(values, meta, part.index, block.kept, len(part))
    index = part.index if block.kept is None else part.index[block.kept]
    return _wrap(values, meta, index)


def in_sample_values(
    frame: dd.DataFrame, builder: BlockBuilder, fn: Callable, args: tuple, meta, spread: bool
):
    """``fn(block, *args)`` (per-row values of a block) on every partition of the model's
    prepared data, as a lazy dask Series/DataFrame on the data's index."""
    return frame.map_partitions(
        _in_sample, Packed(builder, fn, args, meta, spread), meta=meta, enforce_metadata=False
    )


def block_predictions(block: Block, layout: Layout, params, values_fn: Callable, *args):
    """``values_fn(eta, X, codes, values, layout, *args)`` on a fitted block's rows."""
    eta = block_linear_predictor(block, layout.split(params))
    family = args[0] if args else None
    if family is not None and block.trials is not None:
        args = (with_trials(family, block.trials), *args[1:])
    return values_fn(eta, block.X, block.term_codes(), block.values, layout, *args)


def _partition_values(frame, packed: Packed):
    spec, layout, params, offset_col, exposure_col, meta, values_fn, args = packed.args
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
    spec,
    layout: Layout,
    params,
    offset_col: str | None,
    exposure_col: str | None,
    meta,
    values_fn: Callable,
    *args,
):
    """``values_fn`` on every partition of new data (indexed like it, NaN where a row has a
    missing value)."""
    packed = Packed(spec, layout, params, offset_col, exposure_col, meta, values_fn, args)
    return data.map_partitions(_partition_values, packed, meta=meta, enforce_metadata=False)
