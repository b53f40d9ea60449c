"""The model's inputs as one dask DataFrame: the caller's data plus, under internal names, any
offset, exposure, weights or cluster groups given as values instead of column names.

Only lazy dask collections are built here (``from_pandas``, ``assign``); nothing is computed
except a dask Series passed beside pandas data. The caller's objects are never modified.
"""

from __future__ import annotations

import os

import dask.dataframe as dd
import numpy as np
import pandas as pd

from daskstats.design.extras import INTERNAL_PREFIX, ExtraColumns
from daskstats.errors import DataError

__all__ = ["to_dask", "prepare_inputs", "attach_column"]


def to_dask(data) -> dd.DataFrame:
    """A dask DataFrame of ``data`` (pandas is split into a few partitions, row order kept)."""
    if isinstance(data, dd.DataFrame):
        return data
    if isinstance(data, pd.DataFrame):
        n = len(data)
        nparts = max(1, min(2 * (os.cpu_count() or 1), n // 100_000 or 1))
        return dd.from_pandas(data, npartitions=nparts, sort=False)
    raise DataError(
        f"data must be a dask.dataframe.DataFrame or a pandas.DataFrame, got {type(data).__name__}."
    )


def attach_column(data: dd.DataFrame, original, name: str, value, what: str):
    """``(data, column)`` for an offset/weights/groups argument given as a column name, a dask
    Series aligned with the data, or (for pandas data) values; ``column`` is ``(name, values)``
    when pandas values must be added to the original frame first."""
    if value is None:
        return data, None
    if isinstance(value, str):
        if value not in data.columns:
            raise DataError(f"{what}={value!r} is not a column of the data.")
        return data, value
    column = INTERNAL_PREFIX + name
    if isinstance(value, dd.Series):
        if isinstance(original, pd.DataFrame):
            value = value.compute()
        else:
            if value.npartitions != data.npartitions:
                raise DataError(
                    f"{what} is a dask Series with {value.npartitions} partitions but the data has "
                    f"{data.npartitions}; pass a column name, or a Series derived from the data."
                )
            return data.assign(**{column: value}), column
    if isinstance(original, pd.DataFrame):
        values = np.asarray(value)
        if values.shape[0] != len(original):
            raise DataError(
                f"{what} has {values.shape[0]} values but the data has {len(original)} rows."
            )
        return data, (column, values)
    raise DataError(
        f"{what} must be a column name or a dask Series aligned with the data, got "
        f"{type(value).__name__}."
    )


def prepare_inputs(
    data, *, offset=None, exposure=None, freq_weights=None, var_weights=None, groups=None
) -> tuple[dd.DataFrame, ExtraColumns]:
    """The data as a dask DataFrame with every extra column in it, and their names.

    Parameters
    ----------
    data : dask or pandas DataFrame
    offset, exposure, freq_weights, var_weights : str, dask Series or array, optional
    groups : str, sequence of up to two of them, or None
        Cluster groups (two for two-way clustering).
    """
    ddf = to_dask(data)
    added: dict[str, np.ndarray] = {}

    def attach(name, value, what):
        nonlocal ddf
        ddf, column = attach_column(ddf, data, name, value, what)
        if isinstance(column, tuple):
            added[column[0]] = column[1]
            column = column[0]
        return column

    names = {
        name: attach(name, value, name)
        for name, value in (
            ("offset", offset),
            ("exposure", exposure),
            ("freq_weights", freq_weights),
            ("var_weights", var_weights),
        )
    }
    group_columns: tuple[str, ...] = ()
    if groups is not None:
        values = groups if isinstance(groups, (list, tuple)) else [groups]
        if len(values) > 2:
            raise DataError("cluster groups: at most two grouping columns (two-way).")
        group_columns = tuple(attach(f"group{i}", g, "groups") for i, g in enumerate(values))
    if added:
        ddf = to_dask(data.assign(**added))
    return ddf, ExtraColumns(**names, groups=group_columns)
