"""A categorical term kept as level codes (no indicator columns) gives statsmodels' results.

References: statsmodels' GLM with the same formula (indicator columns) on the same data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from cases import CASES, dataset
from conftest import assert_matches_statsmodels, materialize, to_dask

import daskstats as ds
from daskstats.linalg import BlockCovariance


@pytest.fixture
def many_levels() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n, levels = 4000, 60
    g = rng.integers(0, levels, n)
    effect = rng.normal(0, 0.3, levels)
    x = rng.normal(size=n)
    off = rng.normal(0, 0.1, n)
    mu = np.exp(0.2 + 0.3 * x + effect[g] + off)
    return pd.DataFrame(
        {
            "y": rng.poisson(mu).astype(float),
            "x": x,
            "z": rng.uniform(size=n),
            "g": np.array([f"g{i:02d}" for i in g], dtype=object),
            "off": off,
            "w": 1.0 + (np.arange(n) % 3),
        }
    )


@pytest.mark.parametrize(
    "formula",
    [
        "y ~ x + C(g)",
        "y ~ C(g) + x + z - 1",
        "y ~ x * z + C(g, Treatment(reference='g07'))",
        "y ~ C(g) - 1",
    ],
)
def test_coded_term_matches_statsmodels(many_levels, formula):
    model = ds.GLM.from_formula(
        formula,
        to_dask(many_levels, "irregular"),
        ds.families.Poisson(),
        offset="off",
        freq_weights="w",
    )
    assert model.layout.coded
    ours = model.fit()
    theirs = smf.glm(
        formula,
        many_levels,
        family=ds.families.Poisson(),
        offset=many_levels["off"],
        freq_weights=many_levels["w"],
    ).fit()
    assert_matches_statsmodels(ours, theirs)
    np.testing.assert_allclose(materialize(ours.mu), theirs.mu, rtol=1e-8)
    new = many_levels.iloc[:50]
    np.testing.assert_allclose(
        materialize(ours.predict(new)), theirs.predict(new, offset=new["off"]), rtol=1e-8
    )


def test_coded_term_hc0_matches_statsmodels(many_levels):
    ours = ds.glm("y ~ x + C(g)", many_levels, ds.families.Poisson(), cov_type="HC0")
    theirs = smf.glm("y ~ x + C(g)", many_levels, family=ds.families.Poisson()).fit(cov_type="HC0")
    np.testing.assert_allclose(ours.bse, theirs.bse, rtol=1e-6)


@pytest.mark.parametrize("groups", ["w", ["w", "grp2"]], ids=["one-way", "two-way"])
def test_cluster_covariance_with_coded_terms(many_levels, groups):
    """Reference: statsmodels' cluster covariance of the dense (indicator) fit."""
    data = many_levels.assign(grp2=np.arange(len(many_levels)) % 11)
    formula = "y ~ x + C(g)"
    ours = ds.glm(
        formula,
        to_dask(data, "irregular"),
        ds.families.Poisson(),
        cov_type="cluster",
        cov_kwds={"groups": groups},
    )
    assert ours.model.layout.coded != ()
    model = smf.glm(formula, data, family=ds.families.Poisson())
    values = data[groups].to_numpy() if isinstance(groups, list) else data[groups]
    theirs = model.fit(cov_type="cluster", cov_kwds={"groups": values})
    np.testing.assert_allclose(ours.params, theirs.params, rtol=1e-7)
    np.testing.assert_allclose(ours.bse, theirs.bse, rtol=1e-6)
    np.testing.assert_allclose(ours.pvalues, theirs.pvalues, rtol=1e-5, atol=1e-12)


def test_empty_level_is_a_clear_error(many_levels):
    data = many_levels.copy()
    data["g"] = pd.Categorical(data["g"], categories=sorted(data["g"].unique()) + ["never"])
    with pytest.raises(ds.CollinearityError, match="never"):
        ds.glm("y ~ x + C(g)", data, ds.families.Poisson())


CATEGORICAL_CASES = [c for c in CASES if "C(" in c.formula]


@pytest.mark.parametrize("case", CATEGORICAL_CASES, ids=[c.id for c in CATEGORICAL_CASES])
def test_shipped_data_with_small_categoricals_coded(case):
    """Force the coded path for the shipped data sets' few-level categoricals."""
    data = dataset(case.data)
    with ds.thresholds.override(codes_min_levels=2):
        model = ds.GLM.from_formula(
            case.formula, to_dask(data, "irregular"), case.family(), **case.options
        )
    assert model.layout.coded
    ours = model.fit()
    kwargs = {k: data[v] for k, v in case.options.items()}
    theirs = smf.glm(case.formula, data, family=case.family(), **kwargs).fit()
    assert_matches_statsmodels(ours, theirs)


def test_block_covariance_equals_dense_inverse(many_levels):
    """Beyond the dense limit the covariance is kept in blocks; its standard errors, its
    dense x level block and (materialized) its whole matrix equal the dense inverse's."""
    formula = "y ~ x + z + C(g)"
    dense = ds.glm(formula, many_levels, ds.families.Poisson())
    assert isinstance(dense.normalized_cov_params, np.ndarray)  # 62 parameters: materialized
    with ds.thresholds.override(dense_covariance_limit=10):
        blocked = ds.glm(formula, many_levels, ds.families.Poisson())
    cov = blocked.cov_params_default
    assert isinstance(cov, BlockCovariance)
    with pytest.raises(MemoryError, match="kept in blocks"):
        blocked.cov_params()
    np.testing.assert_allclose(blocked.params, dense.params, rtol=1e-10)
    np.testing.assert_allclose(blocked.bse, dense.bse, rtol=1e-10)
    reference = dense.cov_params().to_numpy()
    layout = blocked.model.layout
    d, c = layout.dense, layout.coded[0].columns
    np.testing.assert_allclose(cov.block(d, c), reference[np.ix_(d, c)], rtol=1e-8, atol=1e-14)
    unlimited = BlockCovariance(
        layout.n_params, cov.rest, cov.eliminated, cov.schur_inverse, cov.a, cov.M_scaled, 10**6
    )
    np.testing.assert_allclose(unlimited.to_dense(), reference, rtol=1e-8, atol=1e-14)
    # tests and intervals from the blocked covariance
    np.testing.assert_allclose(blocked.conf_int(), dense.conf_int(), rtol=1e-10)
