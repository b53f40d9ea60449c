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

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import delayed

from daskstats.design.block import Block, dense_matrix
from daskstats.design.build import BlockBuilder, combined_offset
from daskstats.design.layout import Layout
from daskstats.design.matrices import layout_matrices
from daskstats.families import with_trials
from daskstats.kernels.linear import block_linear_predictor, linear_predictor
from daskstats.passes.runner import tree_combine

__all__ = [
    "Packed",
    "in_sample_values",
    "new_data_values",
    "block_predictions",
    "used_rows",
    "used_columns",
    "as_dask_array",
    "new_data_sums",
]


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
    X = dense_matrix(block.X, block.ones)
    return values_fn(eta, X, block.term_codes(), block.values, layout, *args)


def _design_of(frame, spec, layout: Layout, params, offset_col, exposure_col):
    """A new-data partition's design (rows with a missing regressor dropped), its linear
    predictor, the kept rows' positions and a reader of its other columns."""
    matrices = layout_matrices(
        spec, layout, frame[list(spec.x_variables)], missing="drop", with_response=False
    )
    kept = matrices.kept

    def column(name):
        return None if name is None else frame[name].to_numpy(dtype=float)[kept]

    offset = combined_offset(column(offset_col), column(exposure_col))
    X, codes, code_values = matrices.X, matrices.codes, matrices.values
    eta = linear_predictor(X, codes, code_values, layout.split(params), offset)
    return eta, X, codes, code_values, kept, column


def _partition_values(frame, packed: Packed):
    spec, layout, params, offset_col, exposure_col, meta, values_fn, args = packed.args
    eta, X, codes, code_values, kept, _ = _design_of(
        frame, spec, layout, params, offset_col, exposure_col
    )
    values = values_fn(eta, X, codes, code_values, layout, *args)
    return _wrap(values, meta, frame.index, kept, len(frame))


def _partition_sums(frame, packed: Packed):
    spec, layout, params, offset_col, exposure_col, weights_col, sums_fn, args = packed.args
    eta, X, codes, code_values, _, column = _design_of(
        frame, spec, layout, params, offset_col, exposure_col
    )
    return sums_fn(eta, X, codes, code_values, layout, *args, column(weights_col))


def new_data_sums(
    data: dd.DataFrame,
    spec,
    layout: Layout,
    params,
    offset_col: str | None,
    exposure_col: str | None,
    weights_col: str | None,
    sums_fn: Callable,
    *args,
):
    """``sums_fn(eta, X, codes, values, layout, *args, weights)`` — a Partial — on every
    partition of new data, combined (one pass over it)."""
    packed = Packed(spec, layout, params, offset_col, exposure_col, weights_col, sums_fn, args)
    parts = [delayed(_partition_sums)(part, packed) for part in data.to_delayed()]
    (total,) = dask.compute(tree_combine(parts))
    return total


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


def used_rows(
    blocks: list, fn: Callable, args: tuple, lengths: tuple, lazy: bool, width: int | None = None
):
    """``fn(block, *args)`` — one value (or ``width`` values) per used row — of every block,
    in row order: a dask array with the used rows' chunks when ``lazy``, else numpy
    (statsmodels' ``model.endog``, ``exog``, ``score_obs``: the rows after missing values were
    dropped)."""
    packed = Packed(*args)
    tasks = [delayed(_unpack)(fn, b, packed) for b in blocks]
    if lazy:
        shape = (lambda n: (n,)) if width is None else (lambda n: (n, width))
        pieces = [
            da.from_delayed(t, shape=shape(int(n)), dtype=float) for t, n in zip(tasks, lengths)
        ]
        return da.concatenate(pieces) if pieces else da.zeros(shape(0))
    computed = dask.compute(*tasks)
    return np.concatenate(computed) if computed else np.zeros(0 if width is None else (0, width))


def _unpack(fn: Callable, block: Block, packed: Packed):
    return fn(block, *packed.args)


def _used_columns(part: pd.DataFrame, packed: Packed) -> pd.DataFrame:
    (builder, columns) = packed.args
    block = builder(part)
    chosen = part[list(columns)]
    return chosen if block.kept is None else chosen.iloc[block.kept]


def used_columns(frame: dd.DataFrame, builder: BlockBuilder, columns: list, lengths, lazy: bool):
    """Columns of the model's prepared data at the used rows (statsmodels' ``model.offset``
    etc.): a dask array (``lazy``) or numpy, one column per name (1-D for one name)."""
    meta = frame._meta[list(columns)]
    values = frame.map_partitions(
        _used_columns, Packed(builder, columns), meta=meta, enforce_metadata=False
    )
    if lazy:
        array = as_dask_array(values, lengths)
    else:
        array = values.compute().to_numpy()
    return array[:, 0] if len(columns) == 1 else array


def _numpy(part) -> np.ndarray:
    return part.to_numpy(dtype=float)


def as_dask_array(values: dd.Series | dd.DataFrame, lengths) -> da.Array:
    """A dask Series/DataFrame as a dask array with known row chunks ``lengths`` (built from
    its partitions, not ``to_dask_array``, whose graph dask cannot build for frames made by
    ``from_delayed``)."""
    width = None if values.ndim == 1 else len(values.columns)
    pieces = [
        da.from_delayed(
            delayed(_numpy)(part),
            shape=(int(n),) if width is None else (int(n), width),
            dtype=float,
        )
        for part, n in zip(values.to_delayed(), lengths)
    ]
    return da.concatenate(pieces)
