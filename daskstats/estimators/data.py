"""The estimators' data: numpy or dask arrays in, the design daskstats fits out.

scikit-learn's ``validate_data`` checks array-like input; dask input is checked here, lazily
(no pass over the data), and turned into a float dask array with one column chunk (rows may be
of unknown length, as from a dask DataFrame).  :class:`Standardization` is dask-glm's column
scaling and its inverse on the coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

__all__ = [
    "is_dask",
    "dask_matrix",
    "dask_response",
    "Standardization",
    "design_frame",
    "label_counts",
    "aligned",
    "compute_floats",
]


def is_dask(value: Any) -> bool:
    """Whether ``value`` is a dask array, DataFrame or Series."""
    return isinstance(value, (da.Array, dd.DataFrame, dd.Series))


def dask_matrix(X: Any, n_features: int | None = None, owner: str = "") -> da.Array:
    """A dask ``X`` as a float array of shape (n, p) with one column chunk (lazy).

    Parameters
    ----------
    X : dask array, DataFrame or Series
    n_features : int, optional
        The number of columns seen in ``fit`` (checked at prediction).
    owner : str
        The estimator's name, for the error messages.
    """
    if isinstance(X, dd.Series):
        X = X.to_frame()
    if isinstance(X, dd.DataFrame):
        bad = [c for c, t in X.dtypes.items() if not pd.api.types.is_numeric_dtype(t)]
        if bad:
            raise ValueError(f"X has non-numeric columns {bad}: encode them as numbers first.")
        X = X.to_dask_array()
    if X.ndim != 2:
        raise ValueError(f"Expected 2D array, got a dask array of shape {X.shape}.")
    if np.issubdtype(X.dtype, np.complexfloating):
        raise ValueError("Complex data not supported.")
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise ValueError(f"X must be numeric, got dtype {X.dtype}.")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but {owner} is expecting {n_features} features as input."
        )
    X = X.astype(np.float64)
    return X.rechunk({1: -1}) if len(X.chunks[1]) > 1 else X


def dask_response(y: Any, owner: str = "") -> Any:
    """``y`` beside a dask ``X``: a one-dimensional dask array, or numpy values."""
    if y is None:
        raise ValueError(
            f"This {owner} estimator requires y to be passed, but the target y is None."
        )
    if isinstance(y, dd.DataFrame):
        if len(y.columns) != 1:
            raise ValueError(f"y must have one column, got {len(y.columns)}.")
        y = y[y.columns[0]]
    if isinstance(y, dd.Series):
        y = y.to_dask_array()
    elif not isinstance(y, da.Array):
        y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y must be one-dimensional, got shape {y.shape}.")
    return y


@dataclass(frozen=True)
class Standardization:
    """dask-glm's column scaling: the fit sees ``(x_j − shift_j) / scale_j``.

    dask-glm (``dask_glm.utils.normalize``) divides every column by its population standard
    deviation, leaves constant columns (the intercept) as they are, and centres the others
    only when there is a constant column, whose coefficient then absorbs the centring.

    Attributes
    ----------
    shift, scale : ndarray of shape (p,)
    holder : tuple of (int, float) or None
        The user's constant column ``(index, value)`` that absorbs the centring when the
        estimator adds no intercept.
    """

    shift: np.ndarray
    scale: np.ndarray
    holder: tuple[int, float] | None = None

    @classmethod
    def identity(cls, p: int) -> Standardization:
        return cls(np.zeros(p), np.ones(p))

    @classmethod
    def of(cls, X: Any, fit_intercept: bool) -> Standardization:
        """dask-glm's scaling of ``X`` (numpy or dask; one pass for dask)."""
        if isinstance(X, da.Array):
            mean, sd = dask.compute(X.mean(axis=0), X.std(axis=0))
        else:
            mean, sd = X.mean(axis=0), X.std(axis=0)
        mean, sd = np.asarray(mean, dtype=float), np.asarray(sd, dtype=float)
        constant = (sd == 0) | (sd <= 1e-12 * np.abs(mean))
        holder = None
        center = fit_intercept
        if not fit_intercept:
            holders = np.flatnonzero(constant & (mean != 0))
            if len(holders):
                holder, center = (int(holders[0]), float(mean[holders[0]])), True
        shift = np.where(constant | (not center), 0.0, mean)
        return cls(shift, np.where(constant, 1.0, sd), holder)

    def apply(self, X: Any) -> Any:
        """``(X − shift) / scale`` (lazy for dask; ``X`` itself when there is nothing to do)."""
        if not np.any(self.shift) and np.all(self.scale == 1):
            return X
        return (X - self.shift) / self.scale

    def original(self, params: np.ndarray, fit_intercept: bool) -> tuple[np.ndarray, float]:
        """``(coef, intercept)`` of the original columns from the standardized fit's
        ``params`` (the intercept first when ``fit_intercept``)."""
        gamma = params[1:] if fit_intercept else params
        coef = gamma / self.scale
        centring = float(np.sum(gamma * self.shift / self.scale))
        intercept = float(params[0]) - centring if fit_intercept else 0.0
        if self.holder is not None:
            column, value = self.holder
            coef[column] -= centring / value
        return coef, intercept


def design_frame(Z: Any, names: list[str], fit_intercept: bool) -> pd.DataFrame | dd.DataFrame:
    """``Z`` as a pandas (numpy ``Z``) or dask DataFrame of named columns, with the intercept
    column ``const`` first when ``fit_intercept`` (``_const`` if a feature is named so)."""
    columns = list(names)
    if fit_intercept:
        constant = "const"
        while constant in names:
            constant = "_" + constant
        columns.insert(0, constant)
        if isinstance(Z, da.Array):
            Z = da.map_blocks(_with_ones, Z, chunks=(Z.chunks[0], (Z.shape[1] + 1,)), dtype=float)
        else:
            Z = _with_ones(Z)
    if isinstance(Z, da.Array):
        return dd.from_dask_array(Z, columns=columns)
    return pd.DataFrame(Z, columns=columns)


def _with_ones(block: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(len(block)), block])


def label_counts(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Sorted labels and their counts (one pass over a dask ``y``, whose chunks may be of
    unknown length)."""
    if not isinstance(y, da.Array):
        return np.unique(y, return_counts=True)
    parts = [dask.delayed(np.unique)(block, return_counts=True) for block in y.to_delayed()]
    return dask.delayed(_merge_counts)(parts).compute()


def _merge_counts(parts: list) -> tuple[np.ndarray, np.ndarray]:
    values = np.concatenate([v for v, _ in parts])
    counts = np.concatenate([c for _, c in parts])
    labels, where = np.unique(values, return_inverse=True)
    return labels, np.bincount(where, weights=counts, minlength=len(labels))


def aligned(predicted: Any, y: Any, sample_weight: Any = None) -> tuple[Any, Any, Any]:
    """Predictions, ``y`` and weights all numpy, or all dask with the predictions' chunks.

    A dask ``y`` (array, Series or one-column DataFrame) must have the predictions'
    partitions; numpy ``y`` beside dask predictions computes the predictions.
    """
    if isinstance(predicted, da.Array) and is_dask(y):
        y = dask_response(y)
        if sample_weight is not None and not is_dask(sample_weight):
            sample_weight = da.from_array(np.asarray(sample_weight), chunks=(y.chunks[0],))
        elif sample_weight is not None:
            sample_weight = dask_response(sample_weight)
        return predicted, y, sample_weight
    if isinstance(predicted, da.Array):
        predicted = predicted.compute()
    y = np.asarray(y.compute() if is_dask(y) else y)
    if is_dask(sample_weight):
        sample_weight = sample_weight.compute()
    return predicted, y, sample_weight


def compute_floats(*values: Any) -> tuple[float, ...]:
    """Lazy scalars computed together (one pass)."""
    return tuple(float(v) for v in dask.compute(*values))
