"""Shared helpers: partition layouts and statsmodels comparisons."""

from __future__ import annotations

import os
import sys

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, os.path.dirname(__file__))


def irregular_divisions(n: int, parts: int = 7) -> list[int]:
    """Deterministic, uneven partition boundaries (sizes differ by up to ~5x)."""
    weights = np.array([1, 5, 2, 3, 1, 4, 2, 6, 1, 3][:parts], dtype=float)
    cuts = np.floor(np.cumsum(weights) / weights.sum() * n).astype(int)
    bounds = sorted(set([0, *cuts.tolist()]))
    bounds[-1] = n
    return bounds


def to_dask(frame: pd.DataFrame, layout: str) -> dd.DataFrame:
    """The same rows as a dask DataFrame with one partition or many irregular ones."""
    frame = frame.reset_index(drop=True)
    if layout == "one":
        return dd.from_pandas(frame, npartitions=1, sort=True)
    if layout == "irregular":
        bounds = irregular_divisions(len(frame), parts=min(7, max(1, len(frame) // 3)))
        pieces = [frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        return dd.from_delayed(
            [dask.delayed(p) for p in pieces], meta=frame.iloc[:0], verify_meta=False
        )
    raise ValueError(layout)


LAYOUTS = ["one", "irregular"]


def assert_close(actual, expected, rtol, what):
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=0, err_msg=what)


def assert_matches_statsmodels(ours, theirs, params_rtol=1e-6, bse_rtol=1e-5, stat_rtol=1e-6):
    """The parity bar of issue 2: params 1e-6, bse 1e-5, statistics 1e-6, same names."""
    assert list(ours.params.index) == list(theirs.params.index)
    assert_close(ours.params, theirs.params, params_rtol, "params")
    assert_close(ours.bse, theirs.bse, bse_rtol, "bse")
    # compare correlations (bounded by 1), off-diagonals too
    scale = np.sqrt(np.outer(theirs.bse, theirs.bse))
    np.testing.assert_allclose(
        np.asarray(ours.cov_params() / scale),
        np.asarray(theirs.cov_params() / scale),
        rtol=bse_rtol,
        atol=1e-9,
        err_msg="cov_params",
    )
    for name in (
        "deviance",
        "llf",
        "aic",
        "pearson_chi2",
        "scale",
        "null_deviance",
        "llnull",
        "bic",
    ):
        assert_close(getattr(ours, name), getattr(theirs, name), stat_rtol, name)
    assert ours.nobs == theirs.nobs
    assert ours.df_model == theirs.df_model
    assert ours.df_resid == pytest.approx(theirs.df_resid, rel=1e-12)
    assert_close(ours.pvalues, theirs.pvalues, 1e-5, "pvalues")
    assert_close(ours.conf_int(), theirs.conf_int(), 1e-5, "conf_int")


def materialize(value):
    """A per-row result as pandas/numpy: computed when it is lazy (dask input), as it is
    otherwise (daskstats returns numpy/pandas for numpy/pandas input, like statsmodels)."""
    return value.compute() if hasattr(value, "compute") else value
