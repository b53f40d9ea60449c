"""The same fit on one partition, on many irregular partitions and on a distributed
LocalCluster with two worker processes gives the same answer (rtol 1e-9)."""

from __future__ import annotations

import warnings

import dask.dataframe as dd
import numpy as np
import pytest
from cases import CASES, dataset
from conftest import to_dask

import daskstats as ds

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.timeout(180)  # a failure on a worker must not hang the suite

CHOSEN = [
    "poisson-log-fair-interaction-weights",
    "binomial-logit-star98",
    "tweedie-log-fair",
    "gamma-log-scotland-varweights",
    "negbin-log-fair-exposure",
]


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


def _fit(case, data, layout, **kw):
    return ds.glm(case.formula, to_dask(data, layout), family=case.family(), **case.options, **kw)


def _same(a, b, rtol=1e-9):
    np.testing.assert_allclose(a.params, b.params, rtol=rtol)
    np.testing.assert_allclose(a.bse, b.bse, rtol=rtol)
    for name in ("deviance", "llf", "pearson_chi2", "null_deviance", "llnull", "scale"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=rtol, err_msg=name)


@pytest.mark.parametrize("case_id", CHOSEN)
def test_layouts_and_cluster_agree(client, case_id):
    case = next(c for c in CASES if c.id == case_id)
    data = dataset(case.data)
    with _threaded():
        one = _fit(case, data, "one")
        many = _fit(case, data, "irregular")
    on_cluster = _fit(case, data, "irregular")
    _same(one, many)
    _same(one, on_cluster)
    assert on_cluster.model.source.persisted


def test_cluster_covariance_on_workers(client):
    data = dataset("fair")
    f = "affairs ~ rate_marriage + age + C(religious)"
    with _threaded():
        local = ds.glm(
            f,
            to_dask(data, "irregular"),
            ds.families.Poisson(),
            cov_type="cluster",
            cov_kwds={"groups": "grp"},
        )
    remote = ds.glm(
        f,
        to_dask(data, "irregular"),
        ds.families.Poisson(),
        cov_type="cluster",
        cov_kwds={"groups": "grp"},
    )
    np.testing.assert_allclose(local.bse, remote.bse, rtol=1e-9)


def _threaded():
    import dask

    # the local threaded scheduler even while a Client exists (tasks-based shuffles only)
    return dask.config.set({"scheduler": "threads", "dataframe.shuffle.method": "tasks"})


def test_coded_categorical_on_workers(client):
    """The layout travels to the workers as plain data, the spec by its prototype rows."""
    data = dataset("fair")
    f = "affairs ~ rate_marriage + age + C(occupation)"
    with ds.thresholds.override(codes_min_levels=2):
        with _threaded():
            local = ds.glm(f, to_dask(data, "irregular"), ds.families.Poisson())
        assert local.model.layout.coded != ()
        remote = ds.glm(f, to_dask(data, "irregular"), ds.families.Poisson())
    np.testing.assert_allclose(local.params, remote.params, rtol=1e-9)
    np.testing.assert_allclose(local.bse, remote.bse, rtol=1e-9)


def test_async_admm_on_the_cluster(client):
    """Asynchronous ADMM updates the consensus as each partition reports; it converges to the
    synchronous answer (reference: method='auto' on the threaded scheduler)."""
    from cases import enet_dataset as _load

    data, f, _ = _load("binomial")
    with _threaded():
        ref = ds.glm(f, to_dask(data, "irregular"), ds.families.Binomial(), alpha=0.02, L1_wt=0.5)
    res = ds.glm(
        f,
        to_dask(data, "irregular"),
        ds.families.Binomial(),
        alpha=0.02,
        L1_wt=0.5,
        method="admm_async",
    )
    assert res.converged
    np.testing.assert_allclose(res.params, ref.params, atol=1e-4)


def test_verbose_on_a_cluster_prints_dashboard_and_progress(client, capsys):
    data = dataset("cpunish")
    res = ds.glm(
        "EXECUTIONS ~ INCOME + SOUTH",
        to_dask(data, "irregular"),
        ds.families.Poisson(),
        verbose=True,
    )
    out = capsys.readouterr().out
    assert f"dask dashboard: {client.dashboard_link}" in out
    assert out.count("iteration") == res.n_iter + 1
    assert "[" in out and "%" in out  # distributed's text progress bar


def test_pooled_design_on_the_cluster(client):
    """40 partitions on 2 worker threads are pooled into 8 blocks; the fit equals the
    threaded one-partition fit, and per-row results keep the input's partitions."""
    case = next(c for c in CASES if c.id == "poisson-log-fair-interaction-weights")
    data = dataset(case.data).reset_index(drop=True)
    with _threaded():
        one = _fit(case, data, "one")
    frame = dd.from_pandas(data, npartitions=40)
    pooled = ds.glm(case.formula, frame, family=case.family(), **case.options)
    assert len(pooled.model.runner.blocks) == 40
    assert len(pooled.model.runner.pass_blocks) == 8
    _same(one, pooled)
    resid = pooled.resid_response
    assert resid.npartitions == 40
    np.testing.assert_allclose(resid.compute().to_numpy(), one.resid_response, rtol=1e-9)
