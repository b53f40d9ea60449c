"""Passes over the data are counted: an unpenalized fit of n_iter iterations reads the data
n_iter + O(1) times, each pass is one dask graph, and each chunk is read once per pass."""

from __future__ import annotations

import threading

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from dask.callbacks import Callback

import daskstats as ds
from daskstats.design.block import stored_summary

READS = {"n": 0}
LOCK = threading.Lock()


def _load(seed: int, n: int) -> pd.DataFrame:
    with LOCK:
        READS["n"] += 1
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    eta = 0.3 + x @ np.array([0.5, -0.25, 0.1])
    return pd.DataFrame(
        {
            "y": rng.poisson(np.exp(eta)).astype(float),
            "x0": x[:, 0],
            "x1": x[:, 1],
            "x2": x[:, 2],
            "w": 1.0 + (np.arange(n) % 3),
        }
    )


def counted_frame(parts: int = 6, n: int = 500) -> dd.DataFrame:
    meta = _load(0, 1).iloc[:0]
    READS["n"] = 0
    return dd.from_delayed(
        [dask.delayed(_load)(i, n + 37 * i) for i in range(parts)], meta=meta, verify_meta=False
    )


class CountComputes(Callback):
    def __init__(self):
        super().__init__()
        self.graphs = 0

    def _start(self, dsk):
        self.graphs += 1


@pytest.mark.parametrize(
    "family,extra", [(ds.families.Poisson(), 2), (ds.families.Tweedie(var_power=1.5), 3)]
)
def test_streamed_fit_reads_each_chunk_once_per_pass(family, extra):
    ddf = counted_frame()
    model = ds.GLM.from_formula("y ~ x0 + x1 + x2", ddf, family, persist=False)
    READS["n"] = 0
    with CountComputes() as counter:
        res = model.fit()
    # checks + start + one pass per iteration (+ one log-likelihood pass for Tweedie, whose
    # likelihood does not decompose into sums)
    assert res.passes == res.n_iter + extra
    assert counter.graphs == res.passes
    assert READS["n"] == res.passes * ddf.npartitions


def test_persisted_design_is_built_once():
    ddf = counted_frame()
    model = ds.GLM.from_formula("y ~ x0 + x1 + x2", ddf, ds.families.Poisson(), persist=True)
    READS["n"] = 0
    res = model.fit()
    assert READS["n"] == 0
    # the data checks were made while the design was built: start + one pass per iteration
    assert res.passes == res.n_iter + 1


def test_robust_covariance_costs_one_more_pass():
    ddf = counted_frame()
    res = ds.glm("y ~ x0 + x1", ddf, ds.families.Poisson(), cov_type="HC0", persist=True)
    assert res.passes == res.n_iter + 2
    assert [name for name, _ in res.pass_log].count("HC0") == 1


def test_history_is_recorded_per_iteration():
    res = ds.glm("y ~ x0 + x1", counted_frame(), ds.families.Poisson(), freq_weights="w")
    history = res.fit_history  # statsmodels' dict of lists, each starting with inf/nan
    assert history["iteration"] == res.n_iter
    assert len(history["deviance"]) == len(history["params"]) == res.n_iter + 2
    assert all(s >= 0 for s in history["seconds"][1:])
    devs = history["deviance_unscaled"][2:]
    # Poisson-log IRLS decreases the deviance here (up to rounding once converged)
    assert all(b <= a * (1 + 1e-12) for a, b in zip(devs, devs[1:]))
    assert history["deviance_unscaled"][-1] == pytest.approx(res.deviance, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"cov_type": "HC0"},
        {"alpha": 0.01},
        {"alpha": 0.01, "method": "proximal_grad"},
        {"alpha": 0.01, "method": "admm"},
        {"alpha": 0.01, "L1_wt": 0.0, "method": "lbfgs"},
    ],
    ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()) or "irls",
)
def test_streamed_parquet_fit_equals_the_persisted_one(tmp_path, kwargs):
    """A streamed parquet source is read, built and reduced in one task per partition; every
    solver gives what it gives on the persisted design."""
    frame = pd.concat([_load(seed, 400) for seed in range(5)], ignore_index=True)
    dd.from_pandas(frame, npartitions=5).to_parquet(tmp_path / "data")
    source = dd.read_parquet(tmp_path / "data")
    streamed = ds.GLM.from_formula(
        "y ~ x0 + x1 + x2", source, ds.families.Poisson(), freq_weights="w", persist=False
    )
    assert streamed.source.fusable and streamed.runner.fuse
    persisted = ds.GLM.from_formula(
        "y ~ x0 + x1 + x2", source, ds.families.Poisson(), freq_weights="w", persist=True
    )
    fit = {k: v for k, v in kwargs.items() if k == "cov_type"}
    penalized = {k: v for k, v in kwargs.items() if k != "cov_type"}
    if penalized:
        ours, theirs = streamed.fit_regularized(**penalized), persisted.fit_regularized(**penalized)
    else:
        ours, theirs = streamed.fit(**fit), persisted.fit(**fit)
    np.testing.assert_allclose(ours.params, theirs.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.bse, theirs.bse, rtol=1e-9)
    assert ours.llf == pytest.approx(theirs.llf, rel=1e-12)


class CountTasks(Callback):
    """Counts the tasks each graph runs whose key starts with ``prefix``."""

    def __init__(self, prefix: str):
        super().__init__()
        self.prefix = prefix
        self.keys: list = []

    def _pretask(self, key, dsk, state):
        name = key[0] if isinstance(key, tuple) else key
        if str(name).startswith(self.prefix):
            self.keys.append(key)


def _fit_with_tasks(ddf, tasks_per_thread: int, partitions: int):
    with (
        dask.config.set(scheduler="threads", num_workers=2),
        ds.thresholds.override(tasks_per_thread=tasks_per_thread, blocks_per_thread=0),
    ):
        model = ds.GLM.from_formula(
            "y ~ x0 + x1 + x2", ddf, ds.families.Poisson(), freq_weights="w", persist=True
        )
        assert model.runner.tasks_per_thread == tasks_per_thread
        with CountTasks("irls_pass") as counter:
            res = model.fit()
        summary = model.runner.run(stored_summary, name="lengths", counted=False)
    per_pass = len(counter.keys) / [name for name, _ in res.pass_log].count("irls")
    expected = partitions if tasks_per_thread == 0 else min(2 * tasks_per_thread, partitions)
    assert per_pass == expected
    assert summary.lengths == tuple(len(p) for p in ddf.partitions)
    return res


@pytest.mark.parametrize("partitions", [1, 3, 19])
def test_a_local_pass_runs_a_few_tasks_of_consecutive_blocks(partitions):
    """On the threaded scheduler a pass over held blocks runs ``threads · tasks_per_thread``
    tasks (each running its kernel on a run of consecutive blocks), and gives what one task
    per block gives, to the last bit (the same summation tree over the blocks): the
    per-block lengths keep the partitions' order, and the fit is statsmodels'."""
    frame = pd.concat([_load(seed, 50 + 7 * seed) for seed in range(19)], ignore_index=True)
    ddf = dd.from_pandas(frame, npartitions=partitions, sort=False)
    reference = smf.glm(
        "y ~ x0 + x1 + x2", frame, family=sm.families.Poisson(), freq_weights=frame["w"]
    ).fit()
    one_each = _fit_with_tasks(ddf, 0, partitions)
    for tasks_per_thread in (1, 2):
        res = _fit_with_tasks(ddf, tasks_per_thread, partitions)
        np.testing.assert_array_equal(res.params, one_each.params)
        np.testing.assert_array_equal(res.bse, one_each.bse)
        assert res.llf == one_each.llf and res.deviance == one_each.deviance
    np.testing.assert_allclose(res.params, reference.params, rtol=1e-9)
    np.testing.assert_allclose(res.bse, reference.bse, rtol=1e-8)
    assert res.llf == pytest.approx(reference.llf, rel=1e-12)
