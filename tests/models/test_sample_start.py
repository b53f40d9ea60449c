"""Large persisted fits start from a fit on a sample and stop on the predicted change: fewer
passes, the same estimate (to the parity tolerances) as statsmodels' start."""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import daskstats as ds

ROWS = 240_000
SAMPLE = 50_000


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    data = pd.DataFrame(rng.normal(size=(ROWS, 4)), columns=["a", "b", "c", "d"])
    data["g"] = rng.integers(0, 25, ROWS)
    data["off"] = np.log(rng.uniform(0.5, 2.0, ROWS))
    eta = 0.3 + data[["a", "b", "c", "d"]].to_numpy() @ [0.3, -0.2, 0.1, 0.05]
    eta += rng.normal(0, 0.3, 25)[data["g"]]
    data["y"] = rng.poisson(np.exp(eta + data["off"])).astype(float)
    data["z"] = (rng.random(ROWS) < 1 / (1 + np.exp(-eta))).astype(float)
    return data


CASES = [
    ("y ~ a + b + c + d + C(g)", sm.families.Poisson(), {"offset": "off"}),
    ("z ~ a + b + c + d + C(g)", sm.families.Binomial(), {}),
    ("y ~ a + b * c + d", sm.families.Gamma(sm.families.links.Log()), {}),
]


@pytest.mark.parametrize("formula,family,options", CASES, ids=["poisson", "logit", "gamma"])
def test_sample_start_gives_the_same_estimate_in_fewer_passes(frame, formula, family, options):
    data = frame.copy()
    data["y"] = data["y"] + 0.5  # a positive response for every family
    ddf = dd.from_pandas(data, npartitions=8)
    with ds.thresholds.override(sample_start_rows=SAMPLE):
        sampled = ds.glm(formula, ddf, family, **options)
    with ds.thresholds.override(sample_start_rows=ROWS):  # statsmodels' start
        plain = ds.glm(formula, ddf, family, **options)
    assert any(name.startswith("sample start") for name, _ in sampled.pass_log)
    assert not any(name.startswith("sample start") for name, _ in plain.pass_log)
    assert sampled.passes < plain.passes
    assert not any(name in ("null model", "log-likelihood") for name, _ in sampled.pass_log)
    np.testing.assert_allclose(sampled.params, plain.params, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(sampled.bse, plain.bse, rtol=1e-6)
    # the deviance is stationary at the estimate (the llf too, up to the scale); Pearson's
    # chi2 (and the scale) are taken one sub-tolerance step before it, so to first order in it
    for stat in ("llf", "llnull", "deviance", "null_deviance"):
        assert getattr(sampled, stat) == pytest.approx(getattr(plain, stat), rel=1e-9), stat
    for stat in ("pearson_chi2", "scale"):
        assert getattr(sampled, stat) == pytest.approx(getattr(plain, stat), rel=1e-7), stat
    # and statsmodels' own fit of the same data (its start, its stopping rule)
    reference = sm.GLM.from_formula(
        formula, data, family=family, **{k: data[v] for k, v in options.items()}
    ).fit()
    np.testing.assert_allclose(sampled.params, reference.params, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(sampled.bse, reference.bse, rtol=1e-5)
    assert sampled.llf == pytest.approx(reference.llf, rel=1e-7)


def test_small_data_keeps_statsmodels_iterations(frame):
    """Below twice the sample size the fit starts and stops as statsmodels does."""
    data = frame.iloc[:5000]
    res = ds.glm("y ~ a + b + C(g)", data, ds.families.Poisson(), offset="off")
    reference = sm.GLM.from_formula(
        "y ~ a + b + C(g)", data, family=sm.families.Poisson(), offset=data["off"]
    ).fit()
    assert not any(name.startswith("sample start") for name, _ in res.pass_log)
    assert res.n_iter == reference.fit_history["iteration"]


def test_explicit_start_params_are_used_as_given(frame):
    ddf = dd.from_pandas(frame, npartitions=4)
    first = ds.glm("y ~ a + b", ddf, ds.families.Poisson(), offset="off")
    again = ds.glm("y ~ a + b", ddf, ds.families.Poisson(), offset="off", start_params=first.params)
    assert not any(name.startswith("sample start") for name, _ in again.pass_log)
    np.testing.assert_allclose(again.params, first.params, rtol=1e-8)
