"""Type aliases of the public API (what the caller may pass)."""

from __future__ import annotations

from typing import TypeAlias

import dask.dataframe as dd
import numpy as np
import pandas as pd
import patsy

__all__ = ["DataFrameLike", "ColumnLike", "GroupsLike", "EvalEnv", "AlphaLike"]

#: the data of a formula: a dask or a pandas DataFrame
DataFrameLike: TypeAlias = dd.DataFrame | pd.DataFrame
#: an offset, exposure or weights: a column name, a dask Series aligned with the data, or
#: values (for pandas data)
ColumnLike: TypeAlias = str | dd.Series | pd.Series | np.ndarray
#: cluster groups: one such column, or two for two-way clustering
GroupsLike: TypeAlias = ColumnLike | list | tuple
#: where the formula's names are looked up (a stack depth, as in patsy, or an environment)
EvalEnv: TypeAlias = int | patsy.EvalEnvironment
#: an elastic-net weight: a scalar, one per coefficient, or by term or column name
AlphaLike: TypeAlias = float | np.ndarray | dict
