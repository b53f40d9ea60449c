"""The model's inputs as one dask DataFrame: the caller's data (a formula's DataFrame, or the
``endog``/``exog`` arrays) plus, under internal names, any offset, exposure, weights or
cluster groups given as values instead of column names.

Inputs may be numpy arrays, pandas or dask Series/DataFrames, or dask arrays. pandas and numpy
inputs are joined by position (pandas indexes must agree); dask inputs must have the same
partitions (chunks) as the data, and each partition is checked to have the same number of rows
when it is built — a weights Series of 16 values beside 17 rows is a clear error, never a
silent truncation. Only lazy dask collections are built here; the caller's objects are never
modified. :class:`InputFormat` remembers what the caller gave, so that per-row results come
back in the same kind (numpy, pandas, or lazy dask aligned with the input's partitions).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from daskstats.design.arrays import ArraySpec
from daskstats.design.extras import INTERNAL_PREFIX, ExtraColumns
from daskstats.errors import DataError

__all__ = [
    "InputFormat",
    "input_kind",
    "to_dask",
    "prepare_inputs",
    "prepare_arrays",
    "attach_column",
]

EXTRAS = ("offset", "exposure", "freq_weights", "var_weights")


@dataclass(frozen=True)
class InputFormat:
    """What the caller gave: per-row results come back in the same kind.

    Attributes
    ----------
    kind : {"numpy", "pandas", "dask", "dask-array"}
    index_names : tuple or None
        The level names of a pandas MultiIndex (dask cannot partition one: rows are indexed
        by its tuples inside, and per-row results get the MultiIndex back).
    """

    kind: str
    index_names: tuple | None = None

    def restore_index(self, result):
        """A pandas result with the caller's MultiIndex back (when it had one)."""
        if self.index_names is None or not isinstance(result, (pd.Series, pd.DataFrame)):
            return result
        index = pd.MultiIndex.from_tuples(list(result.index), names=list(self.index_names))
        return result.set_axis(index)

    @property
    def lazy(self) -> bool:
        return self.kind in ("dask", "dask-array")


def input_kind(value) -> str | None:
    """``"numpy"``, ``"pandas"``, ``"dask"`` (DataFrame/Series), ``"dask-array"`` or None."""
    if value is None:
        return None
    if isinstance(value, (dd.DataFrame, dd.Series)):
        return "dask"
    if isinstance(value, da.Array):
        return "dask-array"
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return "pandas"
    return "numpy"


def _levels(*values) -> tuple | None:
    """The level names of the first pandas MultiIndex among ``values`` (None without one)."""
    for value in values:
        index = getattr(value, "index", None)
        if isinstance(value, (pd.Series, pd.DataFrame)) and isinstance(index, pd.MultiIndex):
            return tuple(index.names)
    return None


def to_dask(data) -> dd.DataFrame:
    """A dask DataFrame of ``data`` (pandas is split into a few partitions, row order kept)."""
    if isinstance(data, dd.DataFrame):
        return data
    if isinstance(data, pd.DataFrame):
        n = len(data)
        nparts = max(1, min(2 * (os.cpu_count() or 1), n // 100_000 or 1))
        if isinstance(data.index, pd.MultiIndex):  # dask partitions an index of its tuples
            data = data.set_axis(pd.Index(data.index.to_flat_index(), tupleize_cols=False))
        return dd.from_pandas(data, npartitions=nparts, sort=False)
    raise DataError(
        f"data must be a dask.dataframe.DataFrame or a pandas.DataFrame, got {type(data).__name__}."
    )


# --- joining partitions that must line up ---------------------------------------------------
def _zip_partitions(main: pd.DataFrame, *others, columns: tuple, whats: tuple) -> pd.DataFrame:
    """One partition of the data with the other inputs' partitions added as ``columns`` (one
    tuple of names per input); each must have as many rows as the data's."""
    out = main.copy(deep=False)
    for names, what, other in zip(columns, whats, others):
        values = other.to_numpy() if hasattr(other, "to_numpy") else np.asarray(other)
        if len(values) != len(main):
            raise DataError(
                f"{what} has {len(values)} rows in a partition where the data has "
                f"{len(main)}: it must have the same partitions (row chunks) as the data."
            )
        values = values.reshape(len(values), -1)
        for j, name in enumerate(names):
            out[name] = values[:, j]
    return out


def _as_partitioned(value, like: dd.DataFrame, lengths: list[int] | None, what: str):
    """``value`` as a dask collection with ``like``'s partitions (numpy/pandas values are split
    at the partition boundaries)."""
    kind = input_kind(value)
    if kind == "dask-array":
        value = value.rechunk({1: -1}) if value.ndim == 2 else value
        value = dd.from_dask_array(value)
    elif kind in ("numpy", "pandas"):
        array = np.asarray(value)
        if lengths is None:
            raise DataError(f"{what} needs the data's partition lengths.")
        total = sum(lengths)
        if len(array) != total:
            raise DataError(f"{what} has {len(array)} values but the data has {total} rows.")
        chunks = (tuple(lengths),) + ((array.shape[1],) if array.ndim == 2 else ())
        value = dd.from_dask_array(da.from_array(array, chunks=chunks))
    if value.npartitions != like.npartitions:
        raise DataError(
            f"{what} has {value.npartitions} partitions but the data has {like.npartitions}; "
            "give it the same partitions (row chunks), or pass a column name."
        )
    return value


def _partition_lengths(frame: dd.DataFrame) -> list[int]:
    """Rows per partition (a pass over the index only)."""
    return [int(n) for n in frame.map_partitions(len).compute()]


def _join(frame: dd.DataFrame, pieces: list) -> dd.DataFrame:
    """``frame`` with aligned pieces added: ``(collection, column names, what)`` each."""
    if not pieces:
        return frame
    meta = frame._meta.copy()
    for value, names, _ in pieces:
        meta_value = value._meta
        dtype = meta_value.dtypes.iloc[0] if meta_value.ndim == 2 else meta_value.dtype
        for name in names:
            meta[name] = pd.Series(dtype=dtype)
    return dd.map_partitions(
        _zip_partitions,
        frame,
        *[value for value, _, _ in pieces],
        columns=tuple(tuple(names) for _, names, _ in pieces),
        whats=tuple(what for _, _, what in pieces),
        align_dataframes=False,
        meta=meta,
        enforce_metadata=False,
    )


# --- the formula door --------------------------------------------------------------------------
def attach_column(data: dd.DataFrame, original, name: str, value, what: str):
    """``(data, column)`` for an offset/weights/groups argument given as a column name, a dask
    Series aligned with the data, or (for pandas data) values; ``column`` is ``(name, values)``
    when pandas values must be added to the original frame first, ``(name, collection)`` for a
    dask collection to be joined partition by partition."""
    if value is None:
        return data, None
    if isinstance(value, str):
        if value not in data.columns:
            raise DataError(f"{what}={value!r} is not a column of the data.")
        return data, value
    column = INTERNAL_PREFIX + name
    kind = input_kind(value)
    if isinstance(original, pd.DataFrame):
        values = value.compute() if kind in ("dask", "dask-array") else value
        values = np.asarray(values)
        if values.shape[0] != len(original):
            raise DataError(
                f"{what} has {values.shape[0]} values but the data has {len(original)} rows."
            )
        return data, (column, values)
    if kind in ("dask", "dask-array"):
        return data, (column, _as_partitioned(value, data, None, what))
    raise DataError(
        f"{what} must be a column name or a dask Series aligned with the data, got "
        f"{type(value).__name__}."
    )


def prepare_inputs(
    data, *, offset=None, exposure=None, freq_weights=None, var_weights=None, groups=None
) -> tuple[dd.DataFrame, ExtraColumns, InputFormat]:
    """The formula's data as a dask DataFrame with every extra column in it, their names, and
    the input's format."""
    ddf = to_dask(data)
    added: dict[str, np.ndarray] = {}
    joined: list = []

    def attach(name, value, what):
        column = attach_column(ddf, data, name, value, what)[1]
        if isinstance(column, tuple):
            if isinstance(column[1], np.ndarray):
                added[column[0]] = column[1]
            else:
                joined.append((column[1], [column[0]], what))
            column = column[0]
        return column

    names = {
        name: attach(name, value, name)
        for name, value in zip(EXTRAS, (offset, exposure, freq_weights, var_weights))
    }
    group_columns: tuple[str, ...] = ()
    if groups is not None:
        values = groups if isinstance(groups, (list, tuple)) else [groups]
        if len(values) > 2:
            raise DataError("cluster groups: at most two grouping columns (two-way).")
        group_columns = tuple(attach(f"group{i}", g, "groups") for i, g in enumerate(values))
    if added:
        ddf = to_dask(data.assign(**added))
    ddf = _join(ddf, joined)
    kind = "pandas" if isinstance(data, pd.DataFrame) else "dask"
    return ddf, ExtraColumns(**names, groups=group_columns), InputFormat(kind, _levels(data))


# --- the array door ----------------------------------------------------------------------------
def _names_of(value, default: list[str]) -> list[str]:
    if isinstance(value, (pd.DataFrame, dd.DataFrame)):
        return [str(c) for c in value.columns]
    if isinstance(value, (pd.Series, dd.Series)) and value.name is not None:
        return [str(value.name)]
    return default


def _width(value) -> int:
    shape = getattr(value, "shape", None)
    if shape is None:
        value = np.asarray(value)
        shape = value.shape
    return 1 if len(shape) == 1 else int(shape[1])


def _numpy_constant(exog) -> np.ndarray:
    array = np.asarray(exog, dtype=float)
    array = array[:, None] if array.ndim == 1 else array
    with np.errstate(invalid="ignore"):
        return (
            np.nanmax(array, axis=0) == np.nanmin(array, axis=0)
            if len(array)
            else np.zeros(array.shape[1], dtype=bool)
        )


def prepare_arrays(
    endog,
    exog,
    *,
    offset=None,
    exposure=None,
    freq_weights=None,
    var_weights=None,
    groups=None,
) -> tuple[dd.DataFrame, ArraySpec, ExtraColumns, InputFormat]:
    """``endog``, ``exog`` and the extras as one dask DataFrame whose columns the
    :class:`~daskstats.design.arrays.ArraySpec` names."""
    if exog is None:
        raise DataError("exog is required (use sm.add_constant(...) for an intercept-only model).")
    n_endog = 0 if endog is None else _width(endog)  # None: new exog to predict on
    if n_endog > 2:
        raise DataError(
            f"endog has more than 2 columns ({n_endog}); it must have 1, or 2 (successes, "
            "failures) for a binomial response."
        )
    endog_names = [] if endog is None else _names_of(endog, ["y"] if n_endog == 1 else ["y0", "y1"])
    if n_endog == 2 and isinstance(endog, (pd.DataFrame, dd.DataFrame)):
        endog_names = [str(c) for c in endog.columns]
    n_exog = _width(exog)
    given = _names_of(exog, [])
    given_names = given if len(given) == n_exog else None
    extras = dict(zip(EXTRAS, (offset, exposure, freq_weights, var_weights)))
    group_values = (
        [] if groups is None else (list(groups) if isinstance(groups, (list, tuple)) else [groups])
    )
    if len(group_values) > 2:
        raise DataError("cluster groups: at most two grouping columns (two-way).")
    kinds = {input_kind(v) for v in (endog, exog, *extras.values(), *group_values)} - {None}
    spec_columns = ArraySpec(endog_names, given_names, n_exog)
    endog_columns, exog_columns = spec_columns.endog_columns, spec_columns.exog_columns
    extra_names = {name: INTERNAL_PREFIX + name for name, v in extras.items() if v is not None}
    group_names = tuple(f"{INTERNAL_PREFIX}group{i}" for i in range(len(group_values)))

    if kinds <= {"numpy", "pandas"}:
        frame, fmt = _pandas_frame(
            endog, exog, extras, group_values, endog_columns, exog_columns, extra_names, group_names
        )
        ddf = to_dask(frame)
        constant = _numpy_constant(frame[exog_columns].to_numpy()) if given_names is None else None
    else:
        ddf, fmt = _dask_frame(
            endog, exog, extras, group_values, endog_columns, exog_columns, extra_names, group_names
        )
        constant = None  # known from the data's summary
    spec = ArraySpec(endog_names, given_names, n_exog, constant)
    names = {name: extra_names.get(name) for name in EXTRAS}
    return ddf, spec, ExtraColumns(**names, groups=group_names), fmt


def _pandas_frame(endog, exog, extras, group_values, endog_columns, exog_columns, extra_names,
                  group_names):  # fmt: skip
    index = None
    for value in (exog, endog):
        if isinstance(value, (pd.DataFrame, pd.Series)):
            if index is not None and not value.index.equals(index):
                raise DataError(
                    "the indices of endog and exog are not aligned: give them the same index."
                )
            index = value.index
    exog_values = np.asarray(exog)
    exog_values = exog_values[:, None] if exog_values.ndim == 1 else exog_values
    n = len(exog_values)
    index = pd.RangeIndex(n) if index is None else index
    columns = {}
    inputs = [(exog_columns, exog_values, "exog")]
    if endog is not None:
        inputs.insert(0, (endog_columns, endog, "endog"))
    for names, value, what in inputs:
        array = np.asarray(value)
        if len(array) != n:
            raise DataError(f"{what} has {len(array)} rows but exog has {n}.")
        array = array[:, None] if array.ndim == 1 else array
        for j, name in enumerate(names):
            columns[name] = array[:, j]
    for name, value in extras.items():
        if value is None:
            continue
        array = np.asarray(value)
        if array.shape != (n,):
            raise DataError(
                f"{name} has {array.shape[0] if array.ndim else 1} values but exog has {n} rows."
            )
        columns[extra_names[name]] = array
    for name, value in zip(group_names, group_values):
        array = np.asarray(value)
        if len(array) != n:
            raise DataError(f"groups has {len(array)} values but exog has {n} rows.")
        columns[name] = array
    kind = (
        "pandas"
        if isinstance(exog, pd.DataFrame) or isinstance(endog, (pd.Series, pd.DataFrame))
        else "numpy"
    )
    return pd.DataFrame(columns, index=index), InputFormat(kind, _levels(exog, endog))


def _dask_frame(endog, exog, extras, group_values, endog_columns, exog_columns, extra_names,
                group_names):  # fmt: skip
    kind = input_kind(exog)
    if kind == "dask-array":
        array = exog if exog.ndim == 2 else exog[:, None]
        main = dd.from_dask_array(array.rechunk({1: -1}), columns=exog_columns)
        lengths = list(array.chunks[0]) if not any(np.isnan(array.chunks[0])) else None
    elif kind == "dask":
        main = exog.to_frame() if isinstance(exog, dd.Series) else exog
        main = main.rename(columns=dict(zip(main.columns, exog_columns)))
        lengths = None
    else:
        raise DataError(
            "with dask inputs, exog must be a dask array or DataFrame too (the partitions of "
            "the data are exog's)."
        )
    needs_lengths = any(
        input_kind(v) in ("numpy", "pandas") for v in (endog, *extras.values(), *group_values)
    )
    if needs_lengths and lengths is None:
        lengths = _partition_lengths(main)
    pieces = []
    if endog is not None:
        pieces.append((_as_partitioned(endog, main, lengths, "endog"), endog_columns, "endog"))
    for name, value in extras.items():
        if value is not None:
            pieces.append((_as_partitioned(value, main, lengths, name), [extra_names[name]], name))
    for name, value in zip(group_names, group_values):
        pieces.append((_as_partitioned(value, main, lengths, "groups"), [name], "groups"))
    frame = _join(main, pieces)
    return frame, InputFormat("dask-array" if kind == "dask-array" else "dask")
