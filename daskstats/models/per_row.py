"""Per-row results of a model — fitted values, residuals, predictions, prediction intervals —
in the kind the caller gave: numpy in, numpy out; pandas in, pandas out (statsmodels' in-sample
arrays hold the used rows, predictions every row); dask in, lazy dask out, on the input's index
and partitions (every row, NaN where one was dropped for missing values).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd

from daskstats.design.arrays import ArraySpec
from daskstats.errors import DataError
from daskstats.inference.prediction import PredictionResults, empty_frame
from daskstats.kernels.rows import predicted_values, prediction_values, residuals
from daskstats.passes import (
    InputFormat,
    attach_column,
    block_predictions,
    in_sample_values,
    input_kind,
    new_data_values,
    prepare_arrays,
    to_dask,
)

__all__ = ["PerRowResults", "deliver"]

WHICH = ("mean", "linear", "var_unscaled")


def deliver(result, fmt: InputFormat, lengths: tuple | None = None):
    """A lazy per-row result in the caller's kind (computed for numpy and pandas inputs)."""
    if fmt.kind == "dask":
        return result
    if fmt.kind == "dask-array":
        if isinstance(result, dd.DataFrame):
            return result
        return result.to_dask_array(lengths=list(lengths) if lengths is not None else True)
    computed = result.compute()
    if fmt.kind == "numpy" and isinstance(computed, pd.Series):
        return computed.to_numpy()
    return computed


class PerRowResults:
    """Per-row results of a model (a mixin of :class:`~daskstats.models.base.Model`)."""

    # Provided by the model this is mixed into.
    frame: Any
    builder: Any
    spec: Any
    layout: Any
    family: Any
    extras: Any
    input_format: InputFormat
    _require_data: Callable[[], Any]
    data_summary: Callable[[], Any]

    def _in_sample(self, fn: Callable, args: tuple, meta):
        self._require_data()
        fmt = self.input_format
        spread = fmt.lazy
        result = in_sample_values(self.frame, self.builder, fn, args, meta, spread)
        lengths = self.data_summary().sizes if fmt.kind == "dask-array" else None
        return deliver(result, fmt, lengths)

    def rows(self, what: str, params: np.ndarray):
        """A per-row quantity of the fitted rows: ``"mu"`` or a residual
        (:func:`~daskstats.kernels.rows.residuals`)."""
        meta = pd.Series(dtype=float, name=what)
        return self._in_sample(residuals, (self.layout, self.family, params, what), meta)

    def predict_values(self, params, new_data, which: str, offset, exposure):
        """Predictions of ``which`` (``"mean"``, ``"linear"``, ``"var_unscaled"``) on
        ``new_data`` (the fitted rows when None)."""
        if which not in WHICH:
            raise DataError(f"which must be one of {WHICH}, got {which!r}.")
        meta = pd.Series(dtype=float, name="predicted")
        return self._per_row(
            new_data, offset, exposure, meta, predicted_values, (self.family, which), params
        )

    def prediction(self, params, cov, new_data, offset, exposure, df: float, use_t: bool):
        """Predictions with standard errors and confidence intervals."""

        def make(alpha, dist_args):
            args = (self.family, cov, alpha, dist_args)
            return self._per_row(
                new_data, offset, exposure, empty_frame(), prediction_values, args, params
            )

        return PredictionResults(make, df, use_t)

    def _per_row(self, new_data, offset, exposure, meta, values_fn, args: tuple, params):
        if new_data is None:
            fn_args = (self.layout, params, values_fn, *args)
            return self._in_sample(block_predictions, fn_args, meta)
        ddf, cols, fmt = self._new_data(new_data, offset, exposure)
        result = new_data_values(
            ddf,
            self.spec,
            self.layout,
            params,
            cols.get("offset"),
            cols.get("exposure"),
            meta,
            values_fn,
            *args,
        )
        return deliver(result, fmt)

    def _new_data(self, new_data, offset, exposure) -> tuple[Any, dict, InputFormat]:
        """New data as a dask DataFrame with its offset/exposure columns, and its kind."""
        if isinstance(self.spec, ArraySpec):
            return self._new_arrays(new_data, offset, exposure)
        ddf = to_dask(new_data)
        cols = {}
        for name, given in (("offset", offset), ("exposure", exposure)):
            fitted = getattr(self.extras, name)
            if given is None and fitted is not None:
                column = self.extras.user_column(name)
                if column is None:
                    raise DataError(
                        f"the model was fitted with an {name}: pass {name}=... to predict."
                    )
                if column not in ddf.columns:
                    raise DataError(
                        f"the model was fitted with {name}={column!r}, which new_data lacks; "
                        f"pass {name}=... (a column name or values) to predict."
                    )
                given = column
            ddf, col = attach_column(ddf, new_data, name, given, name)
            if isinstance(col, tuple):
                if isinstance(col[1], np.ndarray):
                    ddf = to_dask(new_data.assign(**{col[0]: col[1]}))
                else:
                    ddf = ddf.assign(**{col[0]: col[1]})
                col = col[0]
            cols[name] = col
        missing_cols = [c for c in self.spec.x_variables if c not in ddf.columns]
        if missing_cols:
            raise DataError(
                f"new_data lacks the column(s) {', '.join(map(repr, missing_cols))} that the "
                "formula uses."
            )
        kind = input_kind(new_data)
        return ddf, cols, InputFormat("pandas" if kind == "pandas" else "dask")

    def _new_arrays(self, exog, offset, exposure):
        """New ``exog`` (and its offset/exposure values) of a model given as arrays."""
        width = np.shape(exog)[1] if np.ndim(exog) == 2 else 1
        if width != self.spec.n_exog:
            raise DataError(f"exog has {width} columns; the model has {self.spec.n_exog}.")
        for name, given in (("offset", offset), ("exposure", exposure)):
            if given is None and getattr(self.extras, name) is not None:
                raise DataError(f"the model was fitted with an {name}: pass {name}=... too.")
        ddf, _, extras, fmt = prepare_arrays(None, exog, offset=offset, exposure=exposure)
        return ddf, {"offset": extras.offset, "exposure": extras.exposure}, fmt
