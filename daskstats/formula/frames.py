"""pandas frames as patsy sees them, and the rows a formula keeps.

Pure pandas: no dask here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from daskstats.errors import DataError

__all__ = ["patsy_frame", "rows_to_keep", "MISSING_RAISE"]


def patsy_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A view of ``frame`` that patsy understands.

    dask stores text as pyarrow-backed strings, and comparisons on them give pyarrow booleans;
    patsy (like statsmodels on a pandas frame) expects numpy dtypes, so those columns become
    object/bool/float columns.  Nothing else is touched and the input is not modified.
    """
    converted = {}
    for name, dtype in frame.dtypes.items():
        if (
            isinstance(dtype, pd.api.extensions.ExtensionDtype)
            and not isinstance(dtype, (pd.ArrowDtype, pd.StringDtype, pd.CategoricalDtype))
            and getattr(dtype, "kind", "O") in "iufb"
        ):
            # pandas' nullable Int64/Float64/boolean: numpy values, <NA> as NaN / None
            col = frame[name]
            if dtype.kind == "b":
                converted[name] = col.astype(object).where(col.notna(), None).to_numpy()
            else:
                converted[name] = col.to_numpy(dtype=float, na_value=np.nan)
        elif isinstance(dtype, pd.ArrowDtype) or isinstance(dtype, pd.StringDtype):
            col = frame[name]
            kind = getattr(dtype, "kind", "O")
            if kind == "b" and not col.isna().any():
                converted[name] = col.to_numpy(dtype=bool)
            elif kind in "iuf":
                converted[name] = col.to_numpy(dtype=float, na_value=np.nan)
            else:
                converted[name] = col.astype(object).where(col.notna(), None).to_numpy()
    if not converted:
        return frame
    out = frame.copy(deep=False)
    for name, values in converted.items():
        out[name] = values
    return out


MISSING_RAISE = (
    "missing values found in a column the formula uses and missing='raise'; pass "
    "missing='drop' to drop those rows as statsmodels does."
)


def rows_to_keep(
    missing_mask: np.ndarray, missing: str, message: str = MISSING_RAISE
) -> np.ndarray | None:
    """Positions of the rows without a missing value (None when all are kept); with
    ``missing="raise"`` any missing value raises :class:`DataError` with ``message``, and with
    ``missing="none"`` (statsmodels' default for arrays, which does not look for them: its
    estimates would be NaN) too."""
    if not missing_mask.any():
        return None
    if missing == "raise":
        raise DataError(message)
    if missing == "none":
        raise DataError(
            f"{missing_mask.sum()} rows have missing values (NaN) and missing='none'; "
            "statsmodels would return NaN estimates. Pass missing='drop' to drop those rows, "
            "or remove them."
        )
    return np.flatnonzero(~missing_mask)
