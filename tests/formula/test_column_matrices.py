"""A formula of plain numeric columns is read from the frame's columns as they are: the same
matrices as patsy's (its intercept implied), without a copy of the columns."""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd
import patsy
import pytest

from daskstats.errors import DataError
from daskstats.formula import column_matrices, learn_spec, rows_with_nan
from daskstats.formula.matrices import strided_view
from daskstats.passes.frames import DaskReader


def _spec(formula: str, frame: pd.DataFrame):
    reader = DaskReader(dd.from_pandas(frame, npartitions=2))
    return learn_spec(formula, reader, patsy.EvalEnvironment.capture(0))


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    values = rng.normal(size=(400, 4))
    data = pd.DataFrame(values, columns=["y", "a", "b", "c"])  # one float64 block
    return data


def test_plain_columns_are_views_of_the_frame_and_equal_patsy(frame):
    spec = _spec("y ~ a + b + c", frame)
    got = column_matrices(spec, spec.x_info, frame, missing="drop")
    assert got is not None and got.ones
    assert np.shares_memory(got.X, frame["a"].to_numpy())
    assert not got.X.flags.writeable  # the caller's data can't be changed through it
    y, X = patsy.dmatrices("y ~ a + b + c", frame, return_type="dataframe")
    np.testing.assert_array_equal(got.X, X.to_numpy()[:, 1:])
    np.testing.assert_array_equal(got.y, y.to_numpy())
    np.testing.assert_array_equal(got.kept, np.arange(len(frame)))


def test_columns_in_another_order_and_without_intercept(frame):
    spec = _spec("y ~ c + a - 1", frame)
    got = column_matrices(spec, spec.x_info, frame, missing="drop")
    assert got is not None and not got.ones
    _, X = patsy.dmatrices("y ~ c + a - 1", frame, return_type="dataframe")
    np.testing.assert_array_equal(got.X, X.to_numpy())


def test_rows_with_a_missing_value_are_dropped_as_patsy_does(frame):
    data = frame.copy()
    data.loc[[3, 17], "b"] = np.nan
    data.loc[40, "y"] = np.nan
    data.loc[41, "a"] = np.inf  # not missing: kept (the data checks refuse it later)
    spec = _spec("y ~ a + b", data)
    got = column_matrices(spec, spec.x_info, data, missing="drop")
    y, X = patsy.dmatrices("y ~ a + b", data, return_type="dataframe")
    np.testing.assert_array_equal(got.kept, X.index.to_numpy())
    np.testing.assert_array_equal(got.X, X.to_numpy()[:, 1:])
    np.testing.assert_array_equal(got.y, y.to_numpy())
    with pytest.raises(DataError, match="missing"):
        column_matrices(spec, spec.x_info, data, missing="raise")


def test_nullable_and_integer_columns_are_read_as_floats(frame):
    data = frame.copy()
    data["k"] = pd.array(np.arange(len(data)) % 7, dtype="Int64")
    data.loc[5, "k"] = pd.NA
    data["i"] = np.arange(len(data), dtype=np.int32)
    spec = _spec("y ~ k + i + a", data)
    got = column_matrices(spec, spec.x_info, data, missing="drop")
    as_float = data.astype({"k": "float64", "i": "float64"})
    _, X = patsy.dmatrices("y ~ k + i + a", as_float, return_type="dataframe")
    np.testing.assert_array_equal(got.X, X.to_numpy()[:, 1:])
    np.testing.assert_array_equal(got.kept, X.index.to_numpy())


@pytest.mark.parametrize("formula", ["y ~ np.log(a ** 2) + b", "y ~ a:b", "y ~ C(g) + a"])
def test_other_formulas_are_left_to_patsy(frame, formula):
    data = frame.assign(g=np.arange(len(frame)) % 3)
    spec = _spec(formula, data)
    assert column_matrices(spec, spec.x_info, data, missing="drop") is None


def test_rows_with_nan_flags_nan_rows_only():
    X = np.array([[1.0, 2.0], [np.nan, 1.0], [np.inf, -np.inf], [1.0, np.nan], [0.0, 0.0]])
    np.testing.assert_array_equal(rows_with_nan(X), [False, True, False, True, False])
    np.testing.assert_array_equal(rows_with_nan(np.asfortranarray(X)), rows_with_nan(X))
    np.testing.assert_array_equal(rows_with_nan(X[:, :1]), [False, True, False, False, False])
    assert rows_with_nan(np.empty((3, 0))).tolist() == [False] * 3


def test_strided_view_of_equally_spaced_columns():
    block = np.asfortranarray(np.random.default_rng(3).normal(size=(50, 6)))
    columns = [block[:, j] for j in (0, 2, 4)]
    view = strided_view(columns)
    np.testing.assert_array_equal(view, np.column_stack(columns))
    assert np.shares_memory(view, block) and not view.flags.writeable
    backwards = strided_view([block[:, j] for j in (5, 3, 1)])
    np.testing.assert_array_equal(backwards, block[:, [5, 3, 1]])
    assert strided_view([block[:, j] for j in (0, 1, 3)]) is None  # unequal spacing
    assert strided_view([block[:, 0], block[:, 1].copy()]) is None  # two arrays
    assert strided_view([block[:, 0], block[:, 0]]) is None  # the same column twice
    ints = np.asfortranarray(np.arange(20).reshape(10, 2))
    assert strided_view([ints[:, 0], ints[:, 1]]) is None


def test_a_subset_of_a_frames_columns_is_read_without_a_copy(frame):
    data = frame.assign(d=frame["a"] * 2, e=1.0)  # columns the formula does not use
    spec = _spec("y ~ c + a", data)
    got = column_matrices(spec, spec.x_info, data, missing="drop")
    _, X = patsy.dmatrices("y ~ c + a", data, return_type="dataframe")
    np.testing.assert_array_equal(got.X, X.to_numpy()[:, 1:])
    for name in ("a", "c"):
        assert np.shares_memory(got.X, data[name].to_numpy())


def test_the_intercept_alone(frame):
    spec = _spec("y ~ 1", frame)
    got = column_matrices(spec, spec.x_info, frame, missing="drop")
    assert got.ones and got.X.shape == (len(frame), 0)
