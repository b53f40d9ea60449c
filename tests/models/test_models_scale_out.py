"""Every model of issue 13 on a dask.distributed LocalCluster (worker processes) and on parquet
data read from disk: the same numbers as statsmodels on the same data in memory (statsmodels is
the reference; the fits go through the same engine as the GLM's distributed tests)."""

from __future__ import annotations

import warnings

import dask.dataframe as dd
import distributed
import numpy as np
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

import daskstats as ds


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def fair():
    frame = sm.datasets.fair.load_pandas().data
    frame["had_affair"] = (frame["affairs"] > 0).astype(float)
    frame["n_affairs"] = np.round(frame["affairs"] * 3)
    return frame


CASES = {
    "ols": (ds.ols, smf.ols, "affairs ~ rate_marriage + age + C(religious)", {}),
    "wls": (ds.wls, smf.wls, "affairs ~ rate_marriage + age", {"weights": "yrs_married"}),
    "logit": (ds.logit, smf.logit, "had_affair ~ rate_marriage + age + C(religious)", {}),
    "probit": (ds.probit, smf.probit, "had_affair ~ rate_marriage + age", {}),
    "poisson": (
        ds.poisson,
        smf.poisson,
        "n_affairs ~ age + C(religious)",
        {"exposure": "yrs_married"},
    ),
    "negativebinomial": (ds.negativebinomial, smf.negativebinomial, "n_affairs ~ age + educ", {}),
}


def _reference(name, frame):
    _, theirs, formula, kwds = CASES[name]
    kwds = {k: frame[v] for k, v in kwds.items()}
    model = theirs(formula, frame, **kwds)
    if name in ("ols", "wls"):
        return model.fit()
    return model.fit(disp=0, method="newton", maxiter=300)


def _check(ours, ref):
    np.testing.assert_allclose(ours.params, ref.params, rtol=1e-6)
    np.testing.assert_allclose(ours.bse, ref.bse, rtol=1e-5)
    np.testing.assert_allclose(ours.llf, ref.llf, rtol=1e-7)


@pytest.mark.parametrize("name", list(CASES))
def test_on_a_local_cluster(name, client, fair):
    fit, _, formula, kwds = CASES[name]
    ours = fit(formula, dd.from_pandas(fair, npartitions=5), **kwds)
    _check(ours, _reference(name, fair))


@pytest.mark.parametrize("name", list(CASES))
def test_on_parquet(name, fair, tmp_path):
    path = tmp_path / "fair"
    dd.from_pandas(fair, npartitions=7).to_parquet(path)
    fit, _, formula, kwds = CASES[name]
    ours = fit(formula, dd.read_parquet(path), **kwds)
    _check(ours, _reference(name, fair))
