"""A persisted design of many partitions is pooled into a few blocks per worker thread, and
every result is still statsmodels' (on the same rows, in the same order)."""

from __future__ import annotations

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

import daskstats as ds
from daskstats.passes.pool import pool_groups


@pytest.mark.parametrize("npartitions, threads, per_thread", [(1000, 2, 4), (9, 2, 4), (37, 3, 2)])
def test_pool_groups_are_consecutive_runs_covering_every_partition(
    npartitions, threads, per_thread
):
    groups = pool_groups(npartitions, threads, per_thread)
    assert [i for g in groups for i in g] == list(range(npartitions))
    assert len(groups) == min(npartitions, threads * per_thread)
    sizes = [len(g) for g in groups]
    assert max(sizes) - min(sizes) <= 1


def test_few_partitions_or_zero_per_thread_are_not_pooled():
    assert pool_groups(8, 2, 4) == [[i] for i in range(8)]
    assert pool_groups(100, 2, 0) == [[i] for i in range(100)]


def _frame(n=3000, seed=3):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "g": rng.choice(list("pqrstu"), n),
            "off": np.log(rng.uniform(0.5, 2.0, n)),
            "w": rng.uniform(0.5, 2.0, n),
            "cl": rng.integers(0, 40, n),
        }
    )
    eta = 0.2 + 0.3 * frame["a"] - 0.2 * frame["b"] + frame["off"]
    frame["y"] = rng.poisson(np.exp(eta)).astype(float)
    frame.loc[::97, "a"] = np.nan  # dropped rows: the views keep each partition's kept rows
    return frame


def _irregular(frame: pd.DataFrame, parts: int) -> dd.DataFrame:
    rng = np.random.default_rng(0)
    cuts = np.sort(rng.choice(np.arange(1, len(frame)), parts - 1, replace=False))
    bounds = [0, *cuts.tolist(), len(frame)]
    pieces = [frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    return dd.from_delayed([dask.delayed(p) for p in pieces], meta=frame.iloc[:0]).persist()


FORMULA = "y ~ a + b + C(g)"


@pytest.fixture(scope="module")
def pooled():
    frame = _frame()
    with dask.config.set(scheduler="threads", num_workers=2):
        res = ds.glm(
            FORMULA, _irregular(frame, 60), ds.families.Poisson(), offset="off", var_weights="w"
        )
    return frame, res


def test_a_design_of_many_partitions_is_pooled(pooled):
    _, res = pooled
    runner = res.model.runner
    assert len(runner.blocks) == 60
    assert len(runner.pass_blocks) == 8  # 2 threads x blocks_per_thread 4
    assert len(res.model.source.blocks) == 60


def test_pooled_fit_equals_statsmodels(pooled):
    """Reference: statsmodels' GLM on the same rows (missing rows dropped)."""
    frame, res = pooled
    used = frame.dropna()
    ref = smf.glm(
        FORMULA, used, family=sm.families.Poisson(), offset=used["off"], var_weights=used["w"]
    ).fit()
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-8)
    np.testing.assert_allclose(res.bse, ref.bse, rtol=1e-7)
    assert res.deviance == pytest.approx(ref.deviance, rel=1e-9)
    assert res.llf == pytest.approx(ref.llf, rel=1e-9)
    # per-row results come from the partitions' blocks (views of the pooled ones): aligned
    # with the input, NaN on the dropped rows
    resid = res.resid_response.compute()
    assert len(resid) == len(frame)
    np.testing.assert_allclose(resid.dropna().to_numpy(), ref.resid_response.to_numpy(), rtol=1e-7)
    assert resid.isna().sum() == len(frame) - len(used)
    # cluster groups given per input row are split along the partitions
    ref_cl = smf.glm(
        FORMULA, used, family=sm.families.Poisson(), offset=used["off"], var_weights=used["w"]
    ).fit(cov_type="cluster", cov_kwds={"groups": used["cl"].to_numpy()})
    ours_cl = res.model.fit(cov_type="cluster", cov_kwds={"groups": frame["cl"].to_numpy()})
    np.testing.assert_allclose(ours_cl.bse, ref_cl.bse, rtol=1e-7)
    hac = res.model.fit(cov_type="HAC", cov_kwds={"maxlags": 3})
    ref_hac = smf.glm(
        FORMULA, used, family=sm.families.Poisson(), offset=used["off"], var_weights=used["w"]
    ).fit(cov_type="HAC", cov_kwds={"maxlags": 3})
    np.testing.assert_allclose(hac.bse, ref_hac.bse, rtol=1e-7)


def test_pooling_can_be_turned_off(pooled):
    frame, res = pooled
    with ds.thresholds.override(blocks_per_thread=0), dask.config.set(scheduler="threads"):
        plain = ds.glm(
            FORMULA, _irregular(frame, 60), ds.families.Poisson(), offset="off", var_weights="w"
        )
    assert plain.model.runner.pooled is None
    np.testing.assert_allclose(plain.params, res.params, rtol=1e-10)
    np.testing.assert_allclose(plain.bse, res.bse, rtol=1e-10)


def test_penalized_solvers_on_pooled_blocks(pooled):
    """ADMM's local problems are the pooled blocks; it reaches the proximal Newton optimum."""
    frame, res = pooled
    newton = res.model.fit_regularized(alpha=0.01, L1_wt=1.0, method="prox_newton")
    admm = res.model.fit_regularized(alpha=0.01, L1_wt=1.0, method="admm", cnvrg_tol=1e-10)
    np.testing.assert_allclose(admm.params, newton.params, atol=1e-5)
