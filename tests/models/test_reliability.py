"""Faults, awkward data and invariances (issue: reliability).

References: statsmodels on the same pandas data, or the same fit under another layout."""

from __future__ import annotations

import os
import threading
import warnings

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from conftest import assert_matches_statsmodels, to_dask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import daskstats as ds

distributed = pytest.importorskip("distributed")


def _poisson_frame(n=600, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = rng.poisson(np.exp(0.3 + x @ np.array([0.4, -0.3, 0.2]))).astype(float)
    return pd.DataFrame(
        {"y": y, "a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "g": rng.choice(["u", "v", "w"], n)}
    )


# --- numerical ------------------------------------------------------------------------------
def test_columns_on_wildly_different_scales():
    """Columns scaled by 1e-6 and 1e9. Reference: statsmodels on the unscaled columns, with the
    coefficients divided by the scale (exact invariance; statsmodels' own pinv-based solve drops
    the 1e-6 column at this spread, so it cannot be the reference here)."""
    data = _poisson_frame()
    data["tiny"] = data["a"] * 1e-6
    data["huge"] = data["b"] * 1e9
    ours = ds.glm("y ~ tiny + huge + c", to_dask(data, "irregular"), ds.families.Poisson())
    ref = smf.glm("y ~ a + b + c", data, family=sm.families.Poisson()).fit()
    scale = np.array([1.0, 1e-6, 1e9, 1.0])
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params.to_numpy() / scale, rtol=1e-6)
    np.testing.assert_allclose(ours.bse.to_numpy(), ref.bse.to_numpy() / scale, rtol=1e-5)
    assert ours.llf == pytest.approx(ref.llf, rel=1e-8)


def test_zero_weight_rows_match_statsmodels():
    data = _poisson_frame()
    data["w"] = np.where(np.arange(len(data)) % 5 == 0, 0.0, 1.0 + np.arange(len(data)) % 3)
    ours = ds.glm("y ~ a + b", to_dask(data, "irregular"), ds.families.Poisson(), freq_weights="w")
    theirs = smf.glm("y ~ a + b", data, family=sm.families.Poisson(), freq_weights=data["w"]).fit()
    assert_matches_statsmodels(ours, theirs)


def test_overflow_of_exp_eta_is_handled():
    data = _poisson_frame()
    data["big"] = data["a"] * 400  # exp(eta) overflows on the first steps unless halved
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = ds.glm("y ~ big", data, ds.families.Poisson(), start_params=[0.0, 5.0])
    ref = smf.glm("y ~ big", data, family=sm.families.Poisson()).fit()
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-6)


def test_perfect_separation_warns_and_stops():
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    data = pd.DataFrame({"y": (x > 0).astype(float), "x": x, "z": rng.normal(size=300)})
    with pytest.warns(ds.PerfectSeparationWarning):
        res = ds.glm("y ~ x + z", data, ds.families.Binomial())
    assert not res.converged and res.n_iter < 20


def test_quasi_separation_warns_and_stops():
    rng = np.random.default_rng(2)
    x = rng.normal(size=300)
    y = np.where(x > 0.5, 1.0, np.where(x < -0.5, 0.0, (rng.random(300) < 0.5) * 1.0))
    data = pd.DataFrame({"y": y, "x": x, "sep": (x > 0.5) * 1.0})
    with pytest.warns(ds.PerfectSeparationWarning, match="separation"):
        res = ds.glm("y ~ x + sep", data, ds.families.Binomial())
    assert not res.converged and res.n_iter < 30


# --- data layout and types --------------------------------------------------------------------
def test_empty_and_one_row_partitions():
    data = _poisson_frame(200)
    pieces = [
        data.iloc[:0],
        data.iloc[:1],
        data.iloc[1:1],
        data.iloc[1:120],
        data.iloc[120:121],
        data.iloc[121:],
    ]
    ddf = dd.from_delayed([dask.delayed(p) for p in pieces], meta=data.iloc[:0])
    assert not ddf.known_divisions
    theirs = smf.glm("y ~ a + C(g)", data, family=sm.families.Poisson()).fit()
    assert_matches_statsmodels(ds.glm("y ~ a + C(g)", ddf, ds.families.Poisson()), theirs)


def test_dtypes_bool_int_float32_nullable_string():
    data = _poisson_frame(400)
    typed = pd.DataFrame(
        {
            "y": data["y"].astype("int64"),
            "a": data["a"].astype("float32"),
            "flag": data["b"] > 0,
            "n": pd.array(np.round(data["c"] * 10), dtype="Int64"),
            "s": pd.array(data["g"], dtype="string"),
        }
    )
    typed.loc[[3, 7], "n"] = pd.NA
    typed.loc[[11], "s"] = pd.NA
    plain = pd.DataFrame(
        {
            "y": typed["y"].astype(float),
            "a": typed["a"].astype(float),
            "flag": typed["flag"],
            "n": typed["n"].astype("float64"),
            "s": typed["s"].astype(object).where(typed["s"].notna(), None),
        }
    )
    f = "y ~ a + flag + n + C(s)"
    ours = ds.glm(f, to_dask(typed, "irregular"), ds.families.Poisson())
    theirs = smf.glm(f, plain, family=sm.families.Poisson()).fit()
    assert ours.nobs == theirs.nobs == 397
    assert_matches_statsmodels(ours, theirs)


def test_unused_categories_are_named():
    data = _poisson_frame(300)
    data["g"] = pd.Categorical(data["g"], categories=["u", "v", "w", "unused"])
    with pytest.raises(ds.CollinearityError, match="unused"):
        ds.glm("y ~ a + g", data, ds.families.Poisson())


def test_infinite_values_are_refused():
    data = _poisson_frame(100)
    data.loc[5, "a"] = np.inf
    with pytest.raises(ds.DataError, match="infinite"):
        ds.glm("y ~ a", data, ds.families.Poisson())


# --- invariances (property tests) ---------------------------------------------------------------
BASE = _poisson_frame(240, seed=5)
REF = ds.glm("y ~ a + b + C(g)", BASE, ds.families.Poisson())


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), parts=st.integers(1, 9))
def test_invariant_to_row_order_and_partitioning(seed, parts):
    order = np.random.default_rng(seed).permutation(len(BASE))
    shuffled = BASE.iloc[order].reset_index(drop=True)
    bounds = np.sort(
        np.random.default_rng(seed + 1).choice(np.arange(1, len(BASE)), parts - 1, replace=False)
    )
    edges = [0, *bounds.tolist(), len(BASE)]
    ddf = dd.from_delayed(
        [dask.delayed(shuffled.iloc[a:b]) for a, b in zip(edges, edges[1:])], meta=BASE.iloc[:0]
    )
    res = ds.glm("y ~ a + b + C(g)", ddf, ds.families.Poisson())
    np.testing.assert_allclose(res.params, REF.params, rtol=1e-9)
    np.testing.assert_allclose(res.bse, REF.bse, rtol=1e-9)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_duplicated_rows_equal_frequency_weight_two(seed):
    data = _poisson_frame(150, seed=seed)
    doubled = pd.concat([data, data], ignore_index=True)
    a = ds.glm("y ~ a + b", doubled, ds.families.Poisson())
    b = ds.glm("y ~ a + b", data.assign(w=2.0), ds.families.Poisson(), freq_weights="w")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-9)
    assert a.llf == pytest.approx(b.llf, rel=1e-9)


@settings(max_examples=5, deadline=None)
@given(factor=st.floats(1e-4, 1e4))
def test_rescaling_a_column_rescales_its_coefficient(factor):
    scaled = ds.glm("y ~ I(a * k) + b + C(g)", BASE.assign(k=factor), ds.families.Poisson())
    np.testing.assert_allclose(scaled.params["I(a * k)"] * factor, REF.params["a"], rtol=1e-7)
    np.testing.assert_allclose(scaled.params["b"], REF.params["b"], rtol=1e-7)


# --- faults on a cluster -------------------------------------------------------------------------
@pytest.fixture
def cluster():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            with distributed.Client(cluster) as client:
                yield cluster, client


@pytest.mark.timeout(240)
@pytest.mark.parametrize("npartitions", [8, 40], ids=["8-partitions", "40-pooled-into-8"])
def test_worker_killed_mid_fit_gives_the_same_answer(cluster, monkeypatch, npartitions):
    from daskstats.models import irls_fit

    local_cluster, _ = cluster
    data = _poisson_frame(20_000)
    with dask.config.set(scheduler="threads", **{"dataframe.shuffle.method": "tasks"}):
        ref = ds.glm("y ~ a + b + c", data, ds.families.Poisson())
    killed = []

    def kill_at_second_iteration(entry):
        if entry["iteration"] == 2 and not killed:
            nanny = list(local_cluster.workers.values())[0]
            nanny.process.process.kill()
            killed.append(True)

    monkeypatch.setattr(irls_fit, "_print_iteration", kill_at_second_iteration)
    monkeypatch.setattr(irls_fit, "_announce_dashboard", lambda: None)
    res = ds.glm(
        "y ~ a + b + c",
        dd.from_pandas(data, npartitions=npartitions),
        ds.families.Poisson(),
        verbose=True,
    )
    assert killed
    assert len(res.model.runner.pass_blocks) == min(npartitions, 8)  # 2 threads x 4
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-9)
    np.testing.assert_allclose(res.bse, ref.bse, rtol=1e-9)


@pytest.mark.timeout(120)
def test_lost_scheduler_is_a_clear_error_quickly(cluster):
    import time

    local_cluster, client = cluster
    data = _poisson_frame(20_000)
    timer = threading.Timer(0.2, lambda: client.loop.add_callback(local_cluster.scheduler.close))
    started = time.time()
    timer.start()
    with pytest.raises((ds.ClusterError, ds.DataError, OSError)):
        for _ in range(50):  # keep fitting until the scheduler is gone
            ds.glm("y ~ a + b + c", dd.from_pandas(data, npartitions=8), ds.families.Poisson())
    assert time.time() - started < 60


@pytest.fixture
def remote_cluster(tmp_path):
    """Scheduler and workers in their own processes (a LocalCluster runs its scheduler inside
    the client process, whose bookkeeping of every finished task would count as ours)."""
    import subprocess
    import sys
    import time

    file = tmp_path / "scheduler.json"
    cli = [sys.executable, "-m"]
    procs = [
        subprocess.Popen(
            cli
            + ["distributed.cli.dask_scheduler", "--scheduler-file", str(file), "--port", "0"]
            + ["--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.time() + 60
        while not file.exists() and time.time() < deadline:
            time.sleep(0.1)
        procs.append(
            subprocess.Popen(
                cli
                + ["distributed.cli.dask_worker", "--scheduler-file", str(file)]
                + ["--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        with distributed.Client(scheduler_file=str(file)) as client:
            client.wait_for_workers(2, timeout=60)
            yield client
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


@pytest.mark.timeout(300)
def test_soak_200_fits_do_not_grow_memory(remote_cluster):
    psutil = pytest.importorskip("psutil")
    process = psutil.Process(os.getpid())
    data = _poisson_frame(2000)
    ddf = dd.from_pandas(data, npartitions=2).persist()

    def fit():
        return ds.glm("y ~ a + b + C(g)", ddf, ds.families.Poisson())

    for _ in range(20):  # warm up caches and the allocator
        fit()
    import gc

    gc.collect()
    before = process.memory_info().rss
    for _ in range(200):
        fit()
    gc.collect()
    after = process.memory_info().rss
    assert after <= before * 1.10, (before, after)
