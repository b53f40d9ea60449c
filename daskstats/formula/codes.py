"""Level codes of a categorical factor in one pandas frame (vectorized when the factor is a
plain column, patsy's own evaluation otherwise).

Pure pandas and patsy: no dask here.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import patsy

from daskstats.errors import DataError
from daskstats.formula.spec import ModelSpec

__all__ = ["level_codes", "numeric_values"]

UNSEEN_LEVEL = "Only levels seen at fit time can be predicted."


def level_codes(
    spec: ModelSpec, factor_code: str, frame: pd.DataFrame, missing: str
) -> tuple[np.ndarray, np.ndarray]:
    """Level index (0..L-1, patsy's level order) of every row for the factor ``factor_code``.

    Parameters
    ----------
    spec : ModelSpec
    factor_code : str
        The factor's code in the formula (``"C(g)"``, ``"g"``, ``"C(g, Treatment('b'))"``).
    frame : pandas.DataFrame
        Rows in patsy's view (:func:`~daskstats.formula.frames.patsy_frame`), index 0..n-1.
    missing : {"drop", "raise"}

    Returns
    -------
    codes : ndarray of int
        Undefined where the value is missing.
    is_na : ndarray of bool
        Rows whose value is missing.
    """
    info = spec.x_info.factor_infos[spec.factor(factor_code)]
    fast = _fast_codes(factor_code, info.categories, frame)
    if fast is not None:
        return fast
    na_action = patsy.NAAction(on_NA="raise" if missing == "raise" else "drop")
    try:
        codes, is_na = patsy.build._eval_factor(info, frame, na_action)
    except patsy.PatsyError as exc:
        text = " ".join(str(exc).split())
        if "expected levels" in text or "observation with value" in text:
            raise DataError(
                f"a categorical value was not seen when the model was fitted: {text}. "
                + UNSEEN_LEVEL
            ) from None
        raise DataError(text) from None
    return np.asarray(codes), np.asarray(is_na)


def numeric_values(
    spec: ModelSpec, factor_code: str, frame: pd.DataFrame, missing: str
) -> tuple[np.ndarray, np.ndarray]:
    """Values of the one-column numeric factor ``factor_code`` (``x``, ``np.log(x)``,
    ``center(x)``) in every row, and which are missing."""
    if factor_code in frame.columns and pd.api.types.is_numeric_dtype(frame[factor_code].dtype):
        values = frame[factor_code].to_numpy(dtype=np.float64, na_value=np.nan)
        return values, np.isnan(values)
    info = spec.x_info.factor_infos[spec.factor(factor_code)]
    na_action = patsy.NAAction(on_NA="raise" if missing == "raise" else "drop")
    try:
        values, is_na = patsy.build._eval_factor(info, frame, na_action)
    except patsy.PatsyError as exc:
        raise DataError(" ".join(str(exc).split())) from None
    return np.asarray(values, dtype=np.float64)[:, 0], np.asarray(is_na)


def _fast_codes(code: str, levels, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """Level codes of ``C(col)`` / ``col`` by pandas, vectorized (patsy maps values one by one).

    Returns ``(codes, is_na)`` or None when the factor is anything else. Values that are not
    missing but match no level raise the same error as patsy's path.
    """
    # a column, or C(column, ...): the contrast and other arguments do not change the codes
    match = re.fullmatch(r"\s*(?:C\(\s*([A-Za-z_]\w*)\s*(?:,.*)?\)|([A-Za-z_]\w*))\s*", code)
    if match is None:
        return None
    name = match.group(1) or match.group(2)
    if name not in frame.columns:
        return None
    values = frame[name]
    levels = list(levels)
    if isinstance(values.dtype, pd.CategoricalDtype) and list(values.cat.categories) == levels:
        codes = np.asarray(values.cat.codes, dtype=np.int64)  # already coded in this order
    else:
        if pd.api.types.is_float_dtype(values.dtype) and not all(
            isinstance(v, (int, float, np.number)) for v in levels
        ):
            return None
        try:
            categorical = pd.Categorical(values, categories=levels)
        except (TypeError, ValueError):
            return None
        codes = np.asarray(categorical.codes, dtype=np.int64)
    is_na = np.asarray(values.isna())
    unseen = (codes < 0) & ~is_na
    if unseen.any():
        value = values[unseen].iloc[0]
        raise DataError(
            f"a categorical value was not seen when the model was fitted: observation with value "
            f"{value!r} does not match any of the expected levels of {code} (expected: "
            f"{list(levels)[:10]}{' ...' if len(levels) > 10 else ''}). " + UNSEEN_LEVEL
        )
    return codes, is_na
