"""Per-row results of a model — fitted values, residuals, predictions, prediction intervals —
in the kind the caller gave: numpy in, numpy out; pandas in, pandas out (statsmodels' in-sample
arrays hold the used rows, predictions every row); dask in, lazy dask out, on the input's index
and partitions (every row, NaN where one was dropped for missing values).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from statsmodels.base._prediction_inference import PredictionResultsDelta

from daskstats.design.arrays import ArraySpec
from daskstats.design.layout import Layout
from daskstats.errors import DataError
from daskstats.inference.prediction import Delta, empty_frame, prediction_results
from daskstats.kernels.influence import influence_columns, influence_rows
from daskstats.kernels.null import null_rows
from daskstats.kernels.rows import (
    average_sums,
    block_average,
    predicted_values,
    prediction_values,
    residuals,
)
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
from daskstats.passes.aligned import align_rows, per_block, rows_kernel, rows_kernel_none
from daskstats.passes.rows import as_dask_array, new_data_sums

__all__ = ["PerRowResults", "deliver", "Target"]

WHICH = ("mean", "linear", "var_unscaled")


@dataclass(frozen=True)
class Target:
    """New data to predict on: a dask DataFrame, its extra columns, kind, design spec and
    layout (``dense``: a raw design matrix, no formula)."""

    frame: Any
    columns: dict
    fmt: InputFormat
    spec: Any
    layout: Layout
    dense: bool


def prediction_results_delta(predicted, variance):
    """statsmodels' ``PredictionResultsDelta`` of an average prediction."""
    return PredictionResultsDelta(Delta(predicted, variance))


def deliver(result, fmt: InputFormat, lengths: tuple | None = None):
    """A lazy per-row result in the caller's kind (computed for numpy and pandas inputs)."""
    if fmt.kind == "dask":
        return result
    if fmt.kind == "dask-array":
        if isinstance(result, dd.DataFrame):
            return result
        if lengths is None:
            return result.to_dask_array(lengths=True)
        return as_dask_array(result, lengths)
    computed = result.compute()
    if fmt.kind == "numpy" and isinstance(computed, pd.Series):
        return computed.to_numpy()
    return fmt.restore_index(computed)


class PerRowResults:
    """Per-row results of a model (a mixin of :class:`~daskstats.models.base.Model`)."""

    # Provided by the model this is mixed into.
    frame: Any
    builder: Any
    spec: Any
    layout: Any
    family: Any
    extras: Any
    exog_names: Any
    runner: Any
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

    def rows(self, what: str, params: np.ndarray, scale: float = 1.0):
        """A per-row quantity of the fitted rows: ``"mu"`` or a residual
        (:func:`~daskstats.kernels.rows.residuals`)."""
        meta = pd.Series(dtype=float, name=what)
        return self._in_sample(residuals, (self.layout, self.family, params, what, scale), meta)

    def null_values(self, null_spec):
        """The null model's fitted values of the fitted rows."""
        meta = pd.Series(dtype=float, name="null")
        return self._in_sample(null_rows, (self.family, null_spec), meta)

    def influence_frame(self, params, bread, cov, scale, hessian: str, df_resid: float):
        """statsmodels' influence measures of the fitted rows
        (:func:`~daskstats.kernels.influence.influence_rows`), as a frame."""
        names = list(self.exog_names)
        meta = pd.DataFrame({c: pd.Series(dtype=float) for c in influence_columns(names)})
        args = (self.layout, self.family, params, bread, cov, scale, hessian, names, df_resid)
        return self._in_sample(influence_rows, args, meta)

    def predict_values(self, params, exog, which: str, offset, exposure, transform=True):
        """Predictions of ``which`` (``"mean"``, ``"linear"``, ``"var_unscaled"``) on
        ``exog`` (the fitted rows when None)."""
        if which not in WHICH:
            raise DataError(f"which must be one of {WHICH}, got {which!r}.")
        meta = pd.Series(dtype=float, name="predicted")
        return self._per_row(
            exog, offset, exposure, meta, predicted_values, (self.family, which), params, transform
        )

    def prediction(
        self,
        params,
        cov,
        exog,
        offset,
        exposure,
        *,
        which: str | None,
        average: bool,
        agg_weights,
        row_labels,
        transform: bool,
        df: float,
        use_t: bool,
        scale: float,
    ):
        """statsmodels' ``get_prediction`` results (see
        :mod:`daskstats.inference.prediction`)."""
        if which is not None and which not in WHICH:
            raise DataError(f"which must be None or one of {WHICH}, got {which!r}.")
        statistic = which or "mean"
        if which is None:
            kind = getattr(self, "default_prediction_kind", "compat")
        elif which == "linear" and not average:
            kind = "linear"
        elif which == "mean" and not average:
            kind = "monotonic"
        else:
            kind = "delta"
        if average:
            return self._average(
                params, cov, exog, offset, exposure, statistic, agg_weights, transform
            )
        dense = exog is not None and not transform
        cov = cov.to_dense() if dense and hasattr(cov, "to_dense") else cov
        frame = self._per_row(
            exog,
            offset,
            exposure,
            empty_frame(),
            prediction_values,
            (self.family, cov, statistic),
            params,
            transform,
        )
        if row_labels is not None and not isinstance(frame, pd.DataFrame):
            raise DataError(
                "row_labels applies to in-memory data; the rows of dask data are labelled by "
                "its index (set it with ddf.set_index or pass the labels as the index)."
            )
        if isinstance(frame, pd.DataFrame) and row_labels is None:
            source = self.input_format if exog is None else InputFormat(input_kind(exog) or "numpy")
            row_labels = frame.index if source.kind == "pandas" else None
        return prediction_results(frame, kind, self.family, df, use_t, scale, row_labels)

    def _average(self, params, cov, exog, offset, exposure, which, agg_weights, transform):
        """statsmodels' ``average=True``: the (weighted) mean of the predictions over the rows
        and its delta-method variance, in one pass."""
        if exog is None:
            self._require_data()
            if agg_weights is None:
                sums = self.runner.run(
                    rows_kernel_none,
                    block_average,
                    self.layout,
                    params,
                    self.family,
                    which,
                    name="average prediction",
                )
            else:
                pieces = align_rows(
                    agg_weights, self.data_summary(), len(self.runner.blocks), "agg_weights"
                )
                sums = self.runner.run(
                    rows_kernel,
                    block_average,
                    self.layout,
                    params,
                    self.family,
                    which,
                    per_block=per_block(pieces),
                    name="average prediction",
                )
        else:
            target = self._target(exog, offset, exposure, transform, agg_weights)
            sums = new_data_sums(
                target.frame,
                target.spec,
                target.layout,
                params,
                target.columns.get("offset"),
                target.columns.get("exposure"),
                target.columns.get("agg_weights"),
                average_sums,
                self.family,
                which,
            )
            if target.dense and hasattr(cov, "to_dense"):
                cov = cov.to_dense()
        n = max(int(sums.rows), 1)
        gradient = sums.gradient / n
        dense = cov.to_dense() if hasattr(cov, "to_dense") else np.asarray(cov)
        variance = float(gradient @ dense @ gradient)
        return prediction_results_delta(np.asarray(sums.total / n), np.asarray(variance))

    def _per_row(
        self, exog, offset, exposure, meta, values_fn, args: tuple, params, transform=True
    ):
        if exog is None and offset is None and exposure is None:
            fn_args = (self.layout, params, values_fn, *args)
            return self._in_sample(block_predictions, fn_args, meta)
        if exog is None:
            raise DataError(
                "offset/exposure for the fitted rows: pass the data (exog) with them, or "
                "use model.predict(params, offset=..., exposure=...)."
            )
        target = self._target(exog, offset, exposure, transform)
        result = new_data_values(
            target.frame,
            target.spec,
            target.layout,
            params,
            target.columns.get("offset"),
            target.columns.get("exposure"),
            meta,
            values_fn,
            *args,
        )
        return deliver(result, target.fmt)

    def _target(self, exog, offset, exposure, transform: bool, agg_weights=None) -> Target:
        """New data (with its offset/exposure/aggregation-weight columns) to predict on."""
        if isinstance(self.spec, ArraySpec) or not transform:
            return self._new_arrays(exog, offset, exposure, agg_weights, dense=not transform)
        ddf, cols, fmt = self._new_data(exog, offset, exposure, agg_weights)
        return Target(ddf, cols, fmt, self.spec, self.layout, False)

    def _new_data(self, new_data, offset, exposure, agg_weights=None):
        """New data as a dask DataFrame with its offset/exposure/weights columns, and its
        kind. An offset/exposure the model was fitted with as a column of its data is read
        from ``new_data`` by that name (statsmodels uses none unless given)."""
        if isinstance(new_data, pd.Series):
            new_data = new_data.to_frame()
        ddf = to_dask(new_data)
        if offset is not None and np.ndim(offset) == 0 and not isinstance(offset, str):
            new_data, ddf, offset = _scalar_column(new_data, "offset", offset)
        if exposure is not None and np.ndim(exposure) == 0 and not isinstance(exposure, str):
            new_data, ddf, exposure = _scalar_column(new_data, "exposure", exposure)
        cols: dict = {}
        added: dict = {}
        joined: list = []
        given_values = (("offset", offset), ("exposure", exposure), ("agg_weights", agg_weights))
        for name, given in given_values:
            if given is None and name != "agg_weights":
                column = self.extras.user_column(name)
                if column is not None and column not in ddf.columns:
                    raise DataError(
                        f"the model was fitted with {name}={column!r}, a column of its data, "
                        f"and new data lacks that column: add it, or pass {name}= to predict "
                        f"(e.g. {name}={'0' if name == 'offset' else '1'} for none)."
                    )
                given = column
            if given is None:
                continue
            _, col = attach_column(ddf, new_data, name, given, name)
            if isinstance(col, tuple):
                if isinstance(col[1], np.ndarray):
                    added[col[0]] = col[1]
                else:
                    joined.append(col)
                col = col[0]
            cols[name] = col
        if added:
            ddf = to_dask(new_data.assign(**added))
        for name, values in joined:
            ddf = ddf.assign(**{name: values})
        missing_cols = [c for c in self.spec.x_variables if c not in ddf.columns]
        if missing_cols:
            raise DataError(
                f"new_data lacks the column(s) {', '.join(map(repr, missing_cols))} that the "
                "formula uses."
            )
        kind = input_kind(new_data)
        return ddf, cols, InputFormat("pandas" if kind == "pandas" else "dask")

    def _new_arrays(self, exog, offset, exposure, agg_weights=None, dense: bool = False):
        """A new design ``exog`` (its offset/exposure/weights values; statsmodels uses no
        offset or exposure with a new design unless given)."""
        k = self.layout.n_params if dense else self.spec.n_exog
        shape = np.shape(exog)
        if len(shape) == 1 and k == 1:
            exog = np.asarray(exog)[:, None]
        elif len(shape) == 1:
            exog = np.asarray(exog)[None, :]
        width = np.shape(exog)[1]
        if width != k:
            raise DataError(f"exog has {width} columns; the model has {k}.")
        offset, exposure = _per_row(offset, exog), _per_row(exposure, exog)
        ddf, spec, extras, fmt = prepare_arrays(
            None, exog, offset=offset, exposure=exposure, freq_weights=agg_weights
        )
        columns = {"offset": extras.offset, "exposure": extras.exposure}
        if agg_weights is not None:
            columns["agg_weights"] = extras.freq_weights
        layout = Layout.dense_only(k) if dense else self.layout
        return Target(ddf, columns, fmt, spec if dense else self.spec, layout, dense)


def _per_row(value, exog):
    """A scalar offset/exposure as one value per row of the new design (statsmodels
    broadcasts them)."""
    if value is None or np.ndim(value) > 0:
        return value
    if hasattr(exog, "chunks"):  # dask array
        return da.full(exog.shape[:1], float(value), chunks=exog.chunks[0])
    return np.full(np.shape(exog)[0], float(value))


def _scalar_column(new_data, name: str, value):
    """New data with a constant column for a scalar offset/exposure, and its name."""
    column = f"__daskstats_{name}"
    new_data = new_data.assign(**{column: float(value)})
    return new_data, to_dask(new_data), column
