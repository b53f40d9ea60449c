"""Per-row values of a fitted model on its own blocks or on new data, lazily.

``values_fn(eta, X, codes, layout, ...)`` turns the linear predictor of a block's rows into
predictions (mean, linear predictor, variance) or a prediction frame; these helpers wrap the
result as pandas objects indexed like the input, with NaN for rows that had missing values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from daskstats.formula import build_block_matrices

__all__ = ["predicted_values", "prediction_values", "block_values", "partition_values"]


def predicted_values(eta, X, codes, layout, family, which):
    if which == "linear":
        return eta
    mean = family.fitted(eta)
    return mean if which == "mean" else family.variance(mean)


def prediction_values(eta, X, codes, layout, family, cov, alpha, dist_args):
    from daskstats.inference.prediction import prediction_frame

    return prediction_frame(eta, X, codes, layout, family, cov, alpha, dist_args)


def _wrap(values, meta, index, kept=None, n=None):
    """Values for kept rows as a pandas object indexed like the input (NaN elsewhere)."""
    if isinstance(meta, pd.Series):
        if kept is None:
            return pd.Series(values, index=index, name=meta.name)
        out = np.full(n, np.nan)
        out[kept] = values
        return pd.Series(out, index=index, name=meta.name)
    columns = {}
    for name in meta.columns:
        if kept is None:
            columns[name] = values[name]
        else:
            col = np.full(n, np.nan)
            col[kept] = values[name]
            columns[name] = col
    return pd.DataFrame(columns, index=index)


def block_values(block, layout, params, meta, values_fn, *args):
    from daskstats.families import with_trials

    X, codes = block["X"], block.get("codes")
    eta = layout.linear_predictor(X, codes, params)
    if block.get("off") is not None:
        eta = eta + block["off"]
    family = args[0] if args else None
    if family is not None and block.get("n") is not None:
        args = (with_trials(family, block["n"]), *args[1:])
    values = values_fn(eta, X, codes, layout, *args)
    return _wrap(values, meta, pd.RangeIndex(len(eta)))


def partition_values(frame, spec, layout, params, offset_col, exposure_col, meta, values_fn, *args):
    _, X, kept, codes = build_block_matrices(
        spec, layout, frame[list(spec.x_variables)], missing="drop", with_response=False
    )
    eta = layout.linear_predictor(X, codes, params)
    if offset_col is not None:
        eta = eta + frame[offset_col].to_numpy(dtype=float)[kept]
    if exposure_col is not None:
        eta = eta + np.log(frame[exposure_col].to_numpy(dtype=float)[kept])
    values = values_fn(eta, X, codes, layout, *args)
    return _wrap(values, meta, frame.index, kept, len(frame))


#: more dense columns than this make every pass accumulate a p x p matrix per partition
