"""Formula handling: levels learned over every partition, patsy/statsmodels names, reuse."""

from __future__ import annotations

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.formula.api as smf
from conftest import assert_matches_statsmodels, materialize, to_dask

import daskstats as ds
from daskstats.formula import build_matrices, learn_spec
from daskstats.formula.spec import _REBUILT
from daskstats.passes import DaskReader


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 600
    g = rng.choice(["north", "south", "east"], n).astype(object)
    g[-3:] = "west"  # a level that only the last partition holds
    return pd.DataFrame(
        {
            "y": rng.poisson(3, n).astype(float),
            "x1": rng.normal(size=n),
            "x2": rng.uniform(1, 5, size=n),
            "g": g,
            "k": rng.integers(0, 4, n),
            "flag": rng.random(n) > 0.5,
            "odd name": rng.normal(size=n),
        }
    )


def _parts(frame, sizes):
    bounds = np.cumsum([0, *sizes])
    pieces = [frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    return dd.from_delayed([dask.delayed(p) for p in pieces], meta=frame.iloc[:0])


FORMULAS = [
    "y ~ x1 + C(g) + np.log(x2)",
    "y ~ C(g) * x1 + I(x1 ** 2)",
    "y ~ C(k) + C(g):x1 - 1",
    "y ~ flag + g + Q('odd name')",
    "y ~ C(g, Treatment(reference='south')) + center(x1) + standardize(x2)",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_levels_over_all_partitions_and_statsmodels_names(frame, formula):
    ddf = _parts(frame, [300, 200, 97, 3])
    ours = ds.glm(formula, ddf, ds.families.Poisson())
    theirs = smf.glm(formula, frame, family=ds.families.Poisson()).fit()
    assert list(ours.params.index) == list(theirs.params.index)
    assert_matches_statsmodels(ours, theirs)


def test_level_only_in_last_partition_is_a_column(frame):
    spec = learn_spec(
        "y ~ C(g)", DaskReader(_parts(frame, [300, 200, 97, 3])), patsy.EvalEnvironment.capture()
    )
    assert "C(g)[T.west]" in spec.exog_names


def test_pandas_categorical_order_is_kept(frame):
    data = frame.assign(g=pd.Categorical(frame.g, categories=["west", "south", "north", "east"]))
    theirs = smf.glm("y ~ g", data, family=ds.families.Poisson()).fit()
    ours = ds.glm("y ~ g", dd.from_pandas(data, npartitions=3), ds.families.Poisson())
    assert list(ours.params.index) == list(theirs.params.index)
    np.testing.assert_allclose(ours.params, theirs.params, rtol=1e-8)


def test_predict_reuses_the_learned_spec(frame):
    ddf = to_dask(frame, "irregular")
    res = ds.glm("y ~ x1 + C(g) + np.log(x2)", ddf, ds.families.Poisson())
    theirs = smf.glm("y ~ x1 + C(g) + np.log(x2)", frame, family=ds.families.Poisson()).fit()
    new = frame.iloc[:7].copy()  # holds only some of the levels
    np.testing.assert_allclose(materialize(res.predict(new)), theirs.predict(new), rtol=1e-8)
    np.testing.assert_allclose(
        materialize(res.predict(dd.from_pandas(new, npartitions=2), which="linear")),
        theirs.predict(new, which="linear"),
        rtol=1e-8,
    )


def test_predict_missing_rows_give_nan_and_keep_index(frame):
    res = ds.glm("y ~ x1 + C(g)", frame, ds.families.Poisson())
    new = pd.DataFrame({"x1": [0.1, np.nan, 0.3], "g": ["north", "east", None]}, index=[10, 11, 12])
    out = materialize(res.predict(new))
    assert list(out.index) == [10, 11, 12]
    assert np.isfinite(out.iloc[0]) and out.iloc[1:].isna().all()


def test_predict_offset_column_is_required_in_new_data(frame):
    res = ds.glm("y ~ x1", frame.assign(o=0.2), ds.families.Poisson(), offset="o")
    with pytest.raises(ds.DataError, match="offset='o'"):
        materialize(res.predict(frame[["x1"]]))
    theirs = smf.glm(
        "y ~ x1", frame, family=ds.families.Poisson(), offset=np.full(len(frame), 0.2)
    ).fit()
    got = materialize(res.predict(frame[["x1"]].assign(o=0.2)))
    np.testing.assert_allclose(
        got, theirs.predict(frame, offset=np.full(len(frame), 0.2)), rtol=1e-8
    )


def test_two_column_binomial_response(frame):
    data = frame.assign(succ=frame.k.astype(float), fail=(4 - frame.k).astype(float))
    theirs = smf.glm("succ + fail ~ x1 + C(g)", data, family=ds.families.Binomial()).fit()
    ours = ds.glm("succ + fail ~ x1 + C(g)", to_dask(data, "irregular"), ds.families.Binomial())
    assert_matches_statsmodels(ours, theirs)


def test_proportions_with_var_weights(frame):
    data = frame.assign(p=frame.k / 4.0, n=4.0)
    theirs = smf.glm("p ~ x1", data, family=ds.families.Binomial(), var_weights=data.n).fit()
    ours = ds.glm("p ~ x1", to_dask(data, "irregular"), ds.families.Binomial(), var_weights="n")
    assert_matches_statsmodels(ours, theirs)


def test_caller_namespace_functions(frame):
    def double(v):
        return 2 * v

    ours = ds.glm("y ~ double(x1)", frame, ds.families.Poisson())
    assert list(ours.params.index) == ["Intercept", "double(x1)"]


def test_spec_survives_pickling_for_workers(frame):
    """patsy objects cannot be pickled; the spec re-learns itself from its prototype rows and
    restores stateful-transform state (reference: the design built before pickling)."""
    import pickle

    import cloudpickle

    spec = learn_spec(
        "y ~ center(x1) + C(g) + standardize(x2) + np.log(x2)",
        DaskReader(_parts(frame, [300, 300])),
        patsy.EvalEnvironment.capture(),
    )
    before = build_matrices(spec, frame, missing="drop")[1]
    _REBUILT.clear()
    again = pickle.loads(cloudpickle.dumps(spec))
    assert again.exog_names == spec.exog_names
    np.testing.assert_array_equal(build_matrices(again, frame, missing="drop")[1], before)


@pytest.mark.parametrize("formula", ["y ~ x1 + x2", "y ~ x1 * x2 - 1", "y ~ x2:x1 + k"])
def test_numeric_fast_build_equals_patsy(frame, formula):
    """Reference: patsy.dmatrices on the same rows (NaN rows dropped by patsy)."""
    data = frame.copy()
    data.loc[::7, "x1"] = np.nan
    spec = learn_spec(
        formula, DaskReader(dd.from_pandas(data, npartitions=2)), patsy.EvalEnvironment.capture()
    )
    y, X, kept = build_matrices(spec, data, missing="drop")
    ref_y, ref_X = patsy.dmatrices(formula, data, return_type="dataframe")
    np.testing.assert_array_equal(X, ref_X.to_numpy())
    np.testing.assert_array_equal(y, ref_y.to_numpy())
    np.testing.assert_array_equal(kept, ref_X.index.to_numpy())


def test_formula_with_hundreds_of_terms():
    """patsy parses 'a + b + ...' recursively; 600 terms exceed Python's default limit."""
    rng = np.random.default_rng(2)
    data = pd.DataFrame(rng.normal(size=(1500, 600)), columns=[f"x{i}" for i in range(600)])
    data["y"] = rng.normal(size=1500)
    formula = "y ~ " + " + ".join(data.columns[:-1])
    res = ds.glm(formula, data)
    assert len(res.params) == 601
    # reference: least squares by numpy (statsmodels' formula parser hits the same limit)
    ols = np.linalg.lstsq(np.c_[np.ones(1500), data.iloc[:, :600]], data.y, rcond=None)[0]
    np.testing.assert_allclose(res.params, ols, rtol=1e-7, atol=1e-10)
