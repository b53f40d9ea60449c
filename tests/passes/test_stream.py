"""A streamed design's passes reuse its read-and-build graph (materialized once per model): a
pass adds one layer of tasks, and every result is still statsmodels'."""

from __future__ import annotations

import pickle
import threading
import warnings

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

import daskstats as ds
from daskstats.passes.runner import _call, _combine_many

distributed = pytest.importorskip("distributed")


def _frame(n=4000, seed=21) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    frame["g"] = rng.choice(list("pqrs"), n)
    frame["off"] = rng.uniform(-0.3, 0.3, n)
    frame["w"] = rng.uniform(0.5, 2.0, n)
    eta = 0.2 + frame[["a", "b"]].to_numpy() @ [0.3, -0.2] + frame["off"]
    frame["y"] = rng.poisson(np.exp(eta)).astype(float)
    return frame


def _irregular(frame: pd.DataFrame, parts: int) -> dd.DataFrame:
    edges = np.unique(
        np.r_[0, np.sort(np.random.default_rng(2).choice(len(frame), parts)), len(frame)]
    )
    pieces = [frame.iloc[a:b] for a, b in zip(edges[:-1], edges[1:]) if b > a]
    return dd.concat([dd.from_pandas(p, npartitions=1) for p in pieces])


def _pass_layers(model) -> int:
    graph = model.runner.stream.reduce(_call, _combine_many, (len,), (), "probe", 8)
    return len(graph.__dask_graph__().layers)


def test_streamed_passes_reuse_one_graph_and_match_statsmodels():
    frame = _frame()
    ddf = _irregular(frame, 40)
    formula = "y ~ a + b + c + C(g)"
    with dask.config.set(scheduler="threads"):
        model = ds.GLM.from_formula(
            formula, ddf, family=ds.families.Poisson(), offset="off", var_weights="w", persist=False
        )
        assert not model.source.persisted and model.runner.stream is not None
        # the blocks' read-and-build graph plus one layer per pass, whatever the partitions
        assert _pass_layers(model) == 2
        res = model.fit()
    reference = smf.glm(
        formula, frame, family=sm.families.Poisson(), offset=frame["off"], var_weights=frame["w"]
    ).fit()
    np.testing.assert_allclose(res.params, reference.params, rtol=1e-8)
    np.testing.assert_allclose(res.bse, reference.bse, rtol=1e-7)
    assert res.llf == pytest.approx(reference.llf, rel=1e-10)
    np.testing.assert_allclose(res.resid_deviance.compute(), reference.resid_deviance, rtol=1e-7)


def test_a_single_partition_is_streamed_too():
    frame = _frame(n=500)
    with dask.config.set(scheduler="threads"):
        res = ds.glm(
            "y ~ a + b", dd.from_pandas(frame, npartitions=1), ds.families.Poisson(), persist=False
        )
    reference = smf.glm("y ~ a + b", frame, family=sm.families.Poisson()).fit()
    np.testing.assert_allclose(res.params, reference.params, rtol=1e-8)


def test_streamed_on_a_cluster_from_a_frame_persisted_there():
    """The frame's partitions live on the workers; the design is streamed from them (a
    variable of the caller named like a column, here an unpicklable lock, is not captured)."""
    frame = _frame(n=3000)
    c = threading.Lock()  # noqa: F841 - shadows column "c" in the caller's namespace
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster),
        ):
            ddf = dd.from_pandas(frame, npartitions=12).persist()
            model = ds.GLM.from_formula(
                "y ~ a + b + c", ddf, family=ds.families.Poisson(), persist=False
            )
            pickle.dumps(model.builder)  # travels to the workers
            res = model.fit()
    reference = smf.glm("y ~ a + b + c", frame, family=sm.families.Poisson()).fit()
    np.testing.assert_allclose(res.params, reference.params, rtol=1e-8)
    np.testing.assert_allclose(res.bse, reference.bse, rtol=1e-7)
