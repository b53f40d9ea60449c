"""Response, dense design columns, level codes and values of one pandas frame under a
:class:`~daskstats.design.layout.Layout`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from daskstats.design.arrays import ArraySpec
from daskstats.design.layout import Layout
from daskstats.formula import (
    ModelSpec,
    build_matrices,
    column_matrices,
    level_codes,
    numeric_values,
    patsy_frame,
    rows_to_keep,
    rows_with_nan,
)

__all__ = ["LayoutMatrices", "layout_matrices"]


@dataclass(frozen=True)
class LayoutMatrices:
    """The matrices of one partition.

    Attributes
    ----------
    y : ndarray of shape (n_kept, k_y) or None
    X : ndarray of shape (n_kept, p_dense)
    kept : ndarray of int
        Positions of the kept rows in the frame.
    codes : tuple of ndarray
        Per coded term, the combined level of each kept row (int16/int32).
    values : tuple of ndarray or None
        Per coded term, the value of each kept row (None: the term has no numeric factor).
    ones : bool
        ``X`` holds every dense column but the first, an intercept (a column of ones) that is
        implied (only when built with ``views``).
    x_range : tuple of ndarray or None
        ``X``'s column minima and maxima, when they were read with its missing values.
    """

    y: np.ndarray | None
    X: np.ndarray
    kept: np.ndarray
    codes: tuple[np.ndarray, ...] = ()
    values: tuple[np.ndarray | None, ...] = ()
    ones: bool = False
    x_range: tuple[np.ndarray, np.ndarray] | None = None


def _array_matrices(
    spec: ArraySpec, frame: pd.DataFrame, missing: str, with_response: bool, views: bool
) -> LayoutMatrices:
    """The matrices of a model given as arrays: its columns as they are (numeric; with
    ``views``, not copied when they are float64 columns of one pandas block)."""
    X = frame[spec.exog_columns].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = rows_with_nan(X)
    y = None
    if with_response:
        y = frame[spec.endog_columns].to_numpy(dtype=np.float64, na_value=np.nan)
        bad |= rows_with_nan(y)
    kept = rows_to_keep(bad, missing, MISSING_ARRAYS)
    if kept is None:
        kept = np.arange(len(frame))
    else:
        X = X[kept]
        y = None if y is None else y[kept]
    if views:
        return LayoutMatrices(y, X, kept)
    return LayoutMatrices(
        None if y is None else np.ascontiguousarray(y), np.ascontiguousarray(X), kept
    )


MISSING_ARRAYS = (
    "missing values in endog or exog and missing='raise'; pass missing='drop' to drop those "
    "rows as statsmodels does."
)


def layout_matrices(
    spec: ModelSpec,
    layout: Layout,
    frame: pd.DataFrame,
    *,
    missing: str,
    with_response: bool = True,
    views: bool = False,
) -> LayoutMatrices:
    """The matrices of one partition (rows with a missing value in a used column dropped, or a
    :class:`~daskstats.errors.DataError` with ``missing="raise"``).

    With ``views`` (a model's blocks), dense columns that are plain numeric columns are read
    from the frame's columns as they are (:func:`~daskstats.formula.column_matrices`: no
    copy, the intercept implied), beside coded terms too; otherwise ``X`` is a new C-ordered
    array of every dense column.
    """
    if isinstance(spec, ArraySpec):
        return _array_matrices(spec, frame, missing, with_response, views)
    if views and with_response and not layout.coded:
        columns = column_matrices(spec, spec.x_info, frame, missing=missing)
        if columns is not None:
            return LayoutMatrices(
                columns.y, columns.X, columns.kept, ones=columns.ones, x_range=columns.x_range
            )
    if not layout.coded:
        y, X, kept = build_matrices(spec, frame, missing=missing, with_response=with_response)
        return LayoutMatrices(y, X, kept)
    # patsy's view of the formula's columns only (a block's frame holds every column)
    used = [c for c in spec.variables if c in frame.columns]
    local = patsy_frame(frame[used].reset_index(drop=True))
    is_na = np.zeros(len(local), dtype=bool)
    factor_codes: dict[str, np.ndarray] = {}
    factor_values: dict[str, np.ndarray] = {}
    for term in layout.coded:
        for code in term.factor_codes:
            if code not in factor_codes:
                factor_codes[code], na = level_codes(spec, code, local, missing)
                is_na |= na
        for code in term.value_codes:
            if code not in factor_values:
                factor_values[code], na = numeric_values(spec, code, local, missing)
                is_na |= na
    positions = rows_to_keep(is_na, missing)
    if positions is not None:
        local = local.iloc[positions]
    dense_info = spec.x_subset(layout.dense_terms or ())
    columns = None
    if dense_info is not None and views and with_response:
        # the frame itself when no row was dropped (pandas copies columns it re-indexes)
        source = frame if positions is None else local
        columns = column_matrices(spec, dense_info, source, missing=missing)
    ones, x_range = False, None
    if columns is not None:  # the dense columns as they are (no copy), the intercept implied
        y, X, kept, ones, x_range = columns
    elif dense_info is not None:
        y, X, kept = build_matrices(
            spec, local, missing=missing, with_response=with_response, x_info=dense_info
        )
    elif with_response:  # only coded terms on the right: build the response alone
        y, _, kept = build_matrices(spec, local, missing=missing, x_info=spec.y_info)
        X = np.empty((len(kept), 0))
    else:
        y, kept, X = None, np.arange(len(local)), np.empty((len(local), 0))
    rows = kept if positions is None else positions[kept]
    codes, values = [], []
    for term in layout.coded:
        codes.append(term.combine_codes([factor_codes[c][rows] for c in term.factor_codes]))
        value = None
        for code in term.value_codes:
            column = factor_values[code][rows]
            value = column if value is None else value * column
        values.append(None if value is None else np.ascontiguousarray(value, dtype=np.float64))
    return LayoutMatrices(y, X, rows, tuple(codes), tuple(values), ones=ones, x_range=x_range)
