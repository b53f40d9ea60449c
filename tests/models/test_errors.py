"""Bad input gets a clear error (what is wrong and how to fix it), never a silent change."""

from __future__ import annotations

import warnings

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from conftest import materialize

import daskstats as ds


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 300
    return pd.DataFrame(
        {
            "y": rng.poisson(2, n).astype(float),
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "s": rng.choice(["a", "b", "c"], n),
        }
    )


@pytest.fixture
def ddf(frame) -> dd.DataFrame:
    return dd.from_pandas(frame, npartitions=4)


def test_unknown_column_is_named(ddf):
    with pytest.raises(ds.DataError, match="'xx', which is not a column"):
        ds.glm("y ~ x + xx", ddf, ds.families.Poisson())


def test_unknown_column_suggests_case_insensitive_match(ddf):
    with pytest.raises(ds.DataError, match="Did you mean 'x'"):
        ds.glm("y ~ X", ddf, ds.families.Poisson())


def test_text_column_used_as_number(ddf):
    with pytest.raises(ds.DataError, match="'s' are not numeric"):
        ds.glm("y ~ np.log(s)", ddf, ds.families.Poisson())


def test_text_response(ddf):
    with pytest.raises(ds.DataError, match="response 's' is not numeric"):
        ds.glm("s ~ x", ddf, ds.families.Binomial())


@pytest.mark.parametrize(
    "formula,family,match",
    [
        ("y ~ x", ds.families.Binomial(), "Binomial family needs 0/1"),
        ("I(y - 1) ~ x", ds.families.Poisson(), "negative values"),
        ("I(y - 1) ~ x", ds.families.NegativeBinomial(alpha=1.0), "negative values"),
        ("y ~ x", ds.families.Gamma(ds.families.links.Log()), "non-positive"),
        ("y ~ x", ds.families.InverseGaussian(), "non-positive"),
        ("I(y - 1) ~ x", ds.families.Tweedie(), "negative values"),
    ],
)
def test_response_outside_family_domain(ddf, formula, family, match):
    with pytest.raises(ds.DataError, match=match):
        ds.glm(formula, ddf, family)


def test_empty_after_dropping_missing(frame):
    data = frame.assign(x=np.nan)
    with pytest.raises(ds.DataError, match="no rows left to fit: 300 rows were dropped"):
        ds.glm("y ~ x", dd.from_pandas(data, npartitions=3), ds.families.Poisson())


def test_empty_data(frame):
    with pytest.raises(ds.DataError, match="no rows"):
        ds.glm("y ~ x", dd.from_pandas(frame.iloc[:0], npartitions=1), ds.families.Poisson())


def test_collinear_columns_are_named(ddf):
    with pytest.raises(ds.CollinearityError, match=r"'I\(2 \* x\)' = 2\*'x'"):
        ds.glm("y ~ x + I(2 * x) + z", ddf, ds.families.Poisson())


def test_constant_column_beside_intercept_is_named(frame):
    data = frame.assign(c=3.0)
    with pytest.raises(ds.CollinearityError, match=r"'c' = 3\*'Intercept'"):
        ds.glm("y ~ x + c", dd.from_pandas(data, npartitions=2), ds.families.Poisson())


def test_dummy_trap_is_named(ddf):
    with pytest.raises(ds.CollinearityError, match="Intercept"):
        ds.glm("y ~ C(s) + I(s == 'a')", ddf, ds.families.Poisson())


def test_convergence_warning_names_iterations(ddf):
    with pytest.warns(ds.ConvergenceWarning, match="did not converge in 2 iterations"):
        res = ds.glm("y ~ x + z", ddf, ds.families.Poisson(), maxiter=2)
    assert not res.converged and res.n_iter == 2
    assert "did not converge" in res.summary().as_text()


def test_convergence_warning_is_statsmodels_category(ddf):
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    with pytest.warns(ConvergenceWarning):
        ds.glm("y ~ x + z", ddf, ds.families.Poisson(), maxiter=1)


def test_missing_raise(frame):
    data = frame.assign(x=frame.x.where(frame.x > -2))
    with pytest.raises(ds.DataError, match="missing='raise'"):
        ds.glm("y ~ x", dd.from_pandas(data, npartitions=3), ds.families.Poisson(), missing="raise")


def test_missing_drop_counts_used_rows(frame):
    data = frame.assign(x=frame.x.where(frame.x > -1))
    res = ds.glm("y ~ x", dd.from_pandas(data, npartitions=3), ds.families.Poisson())
    assert res.nobs == int(data.x.notna().sum())


def test_infinite_values(ddf):
    with pytest.raises(ds.DataError, match="infinite"):
        ds.glm("y ~ np.log(y)", ddf, ds.families.Poisson())


def test_exposure_needs_log_link(ddf):
    with pytest.raises(ds.DataError, match="log link"):
        ds.glm("y ~ x", ddf, ds.families.Poisson(ds.families.links.Identity()), exposure="z")


def test_nonpositive_exposure(ddf):
    with pytest.raises(ds.DataError, match="exposure must be strictly positive"):
        ds.glm("y ~ x", ddf, ds.families.Poisson(), exposure="z")


def test_negative_weights(ddf):
    with pytest.raises(ds.DataError, match="freq_weights must be non-negative"):
        ds.glm("y ~ x", ddf, ds.families.Poisson(), freq_weights="z")


def test_family_class_instead_of_instance(ddf):
    with pytest.raises(ds.DataError, match=r"Poisson\(\) \(with parentheses\)"):
        ds.glm("y ~ x", ddf, ds.families.Poisson)


@pytest.mark.parametrize(
    "formula,match",
    [
        ("y ~ x +", "could not parse"),
        ("y", "needs a response"),
        ("y + x ~ z", "only valid with the Binomial"),
    ],
)
def test_bad_formulas(ddf, formula, match):
    with pytest.raises(ds.DataError, match=match):
        ds.glm(formula, ddf, ds.families.Poisson())


def test_unknown_offset_column(ddf):
    with pytest.raises(ds.DataError, match="offset='nope' is not a column"):
        ds.glm("y ~ x", ddf, ds.families.Poisson(), offset="nope")


def test_all_zero_counts(frame):
    data = frame.assign(y=0.0)
    with pytest.raises(ds.DataError, match="0 in every row"):
        ds.glm("y ~ x", dd.from_pandas(data, npartitions=2), ds.families.Poisson())


def test_too_wide_design_is_refused_before_any_pass(ddf):
    with ds.thresholds.override(max_dense_columns=2):
        with pytest.raises(ds.DataError, match="dense columns"):
            ds.GLM.from_formula("y ~ x + z + np.log(z ** 2)", ddf, ds.families.Poisson())


def test_unseen_level_at_predict(ddf):
    res = ds.glm("y ~ C(s)", ddf, ds.families.Poisson())
    with pytest.raises(ds.DataError, match="not seen when the model was fitted.*'d'"):
        materialize(res.predict(pd.DataFrame({"s": ["a", "d"]})))


def test_caller_data_is_not_modified(frame):
    before = frame.copy(deep=True)
    ddf = dd.from_pandas(frame, npartitions=3)
    ddf_before = ddf.compute()
    res = ds.glm("y ~ x + C(s)", ddf, ds.families.Poisson(), offset="z", cov_type="HC0")
    materialize(res.predict(ddf))
    ds.glm("y ~ x + C(s)", frame, ds.families.Poisson(), freq_weights=np.ones(len(frame)))
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(ddf.compute(), ddf_before)
    assert list(ddf.columns) == list(before.columns)


def test_domain_warning_for_unsafe_link(ddf):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        family = ds.families.Poisson(ds.families.links.Identity())
    with pytest.warns(ds.DomainWarning):
        ds.glm("y ~ x", ddf.assign(x=ddf.x.abs()), family)
