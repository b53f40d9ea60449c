"""Treatment coding of many-level factors without patsy's dense contrast matrix.

References: patsy's own ``Treatment`` coding (matrix, names) and statsmodels' GLM on the same
formula (which uses patsy's dense coding).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.formula.api as smf
from conftest import assert_matches_statsmodels, to_dask

import daskstats as ds
from daskstats.formula.contrasts import LazyTreatment, SelectorMatrix
from daskstats.thresholds import Thresholds

LEVELS = [f"g{i:03d}" for i in range(Thresholds().lazy_contrast_min_levels + 44)]


@pytest.mark.parametrize("reference", [None, "g000", "g150", "g299"])
@pytest.mark.parametrize("intercept", [False, True])
def test_selector_matrix_is_patsys_treatment_coding(reference, intercept):
    code = "code_without_intercept" if not intercept else "code_with_intercept"
    ours = getattr(LazyTreatment(reference), code)(LEVELS)
    theirs = getattr(patsy.Treatment(reference), code)(LEVELS)
    assert isinstance(ours.matrix, SelectorMatrix)
    assert ours.matrix.shape == theirs.matrix.shape
    assert ours.column_suffixes == theirs.column_suffixes
    np.testing.assert_array_equal(np.asarray(ours.matrix), theirs.matrix)
    codes = np.random.default_rng(0).integers(0, len(LEVELS), 500)
    for column in (0, 7, ours.matrix.shape[1] - 1):
        np.testing.assert_array_equal(ours.matrix[codes, column], theirs.matrix[codes, column])


def test_small_factors_keep_patsys_dense_matrix():
    small = LazyTreatment().code_without_intercept(LEVELS[:10])
    assert isinstance(small.matrix, np.ndarray)


@pytest.fixture(scope="module")
def wide_factor() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    n = 6000
    g = rng.integers(0, len(LEVELS), n)
    x = rng.normal(size=n)
    effect = rng.normal(0, 0.3, len(LEVELS))
    return pd.DataFrame(
        {
            "y": rng.poisson(np.exp(0.3 + 0.2 * x + effect[g])).astype(float),
            "x": x,
            "g": np.array(LEVELS, dtype=object)[g],
        }
    )


@pytest.mark.parametrize(
    "formula",
    [
        "y ~ x + C(g)",
        "y ~ x + C(g, Treatment(reference='g150'))",
        "y ~ x + g",  # a text column: patsy's default coding
        "y ~ C(g) + x - 1",  # full dummy coding
    ],
)
def test_many_level_factor_matches_statsmodels(wide_factor, formula):
    ours = ds.glm(formula, to_dask(wide_factor, "irregular"), ds.families.Poisson())
    theirs = smf.glm(formula, wide_factor, family=ds.families.Poisson()).fit()
    assert list(ours.params.index) == list(theirs.params.index)
    assert_matches_statsmodels(ours, theirs)


@pytest.mark.parametrize("coded", [True, False], ids=["coded", "dense"])
def test_interaction_with_a_many_level_factor(wide_factor, coded):
    """``C(g):x`` kept as level codes with a value column, or (codes off) built column by
    column by patsy through the selector matrix."""
    data = wide_factor.iloc[:3000]
    formula = "y ~ C(g):x"
    with ds.thresholds.override(codes_min_levels=2 if coded else 10**9):
        ours = ds.glm(formula, data, ds.families.Poisson())
    theirs = smf.glm(formula, data, family=ds.families.Poisson()).fit()
    assert (ours.model.layout.coded != ()) == coded
    assert_matches_statsmodels(ours, theirs)


def test_twenty_thousand_levels_without_a_dense_contrast():
    """patsy's dense Treatment matrix alone would be 20,000 × 19,999 × 8 bytes = 3.2 GB."""
    rng = np.random.default_rng(2)
    n, levels = 60_000, 20_000
    g = rng.permutation(np.arange(n) % levels)  # every level on 3 rows
    mean = np.exp(rng.normal(0, 0.2, levels)[g])
    frame = pd.DataFrame({"y": rng.poisson(mean).astype(float) + 1.0, "g": g})
    tracemalloc.start()
    try:
        model = ds.GLM.from_formula("y ~ C(g)", frame, ds.families.Poisson())
        res = model.fit()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model.layout.coded != ()
    assert len(res.params) == levels
    assert peak < 400e6
    # the coded fit of a single factor is the per-level mean: closed form
    observed = frame.groupby("g")["y"].mean().to_numpy()
    fitted = np.exp(res.params["Intercept"] + np.r_[0.0, res.params.iloc[1:].to_numpy()])
    np.testing.assert_allclose(fitted, observed, rtol=1e-6)
    # standard errors, closed form: the inverse Fisher information of the per-level means is
    # diag(1 / S_g) with S_g the level's response total, so Var(intercept) = 1/S_0 and
    # Var(beta_g) = 1/S_g + 1/S_0 (reference level 0)
    totals = frame.groupby("g")["y"].sum().to_numpy()
    expected = np.sqrt(np.r_[1 / totals[0], 1 / totals[1:] + 1 / totals[0]])
    np.testing.assert_allclose(res.bse.to_numpy(), expected, rtol=1e-6)
    assert np.all(np.isfinite(res.conf_int().to_numpy()))
