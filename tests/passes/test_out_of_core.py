"""Out-of-core: a parquet data set three times larger than the memory the workers are allowed
is fitted by streaming (each pass reads the needed columns once), without persisting or
spilling the design, and gives the in-memory answer."""

from __future__ import annotations

import warnings

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import daskstats as ds

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.timeout(300)

ROWS, PARTS, COLS = 1_200_000, 24, 8
MEMORY_LIMIT = 12e6  # bytes per worker; two workers allow 24 MB, the design is 86 MB


def _write(path) -> pd.DataFrame:
    rng = np.random.default_rng(9)
    x = rng.normal(size=(ROWS, COLS))
    eta = -0.3 + x @ np.linspace(-0.2, 0.2, COLS)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(COLS)])
    frame["y"] = (rng.random(ROWS) < 1 / (1 + np.exp(-eta))).astype(float)
    frame["unused"] = rng.normal(size=ROWS)  # never read: column projection
    dd.from_pandas(frame, npartitions=PARTS).to_parquet(path)
    return frame


def _record_spills(dask_worker):
    from dask.sizeof import sizeof

    dask_worker.daskstats_spilled = spilled = []
    dask_worker.data.fast_to_slow_callbacks.append(lambda k, v: spilled.append((k, sizeof(v))))


def _spilled(dask_worker):
    return dask_worker.daskstats_spilled


def test_streamed_fit_on_a_tight_cluster(tmp_path):
    path = tmp_path / "big"
    frame = _write(path)
    formula = "y ~ " + " + ".join(f"x{i}" for i in range(COLS))
    # the same iteration as the streamed fit (a persisted design would start from a sample)
    with dask.config.set(scheduler="threads"), ds.thresholds.override(sample_start_rows=ROWS):
        in_memory = ds.glm(formula, frame, ds.families.Binomial())
    design_bytes = ROWS * (COLS + 1) * 8
    assert design_bytes > 3 * 2 * MEMORY_LIMIT
    config = {
        # the process baseline alone exceeds these limits: keep workers alive, keep spilling on
        "distributed.worker.memory.pause": False,
        "distributed.worker.memory.terminate": False,
    }
    with dask.config.set(config), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit=MEMORY_LIMIT,
            dashboard_address=None,
        ) as cluster:
            with distributed.Client(cluster) as client:
                model = ds.GLM.from_formula(formula, dd.read_parquet(path), ds.families.Binomial())
                assert not model.source.persisted  # decided automatically: it does not fit
                client.run(_record_spills)
                res = model.fit()
                spilled = client.run(_spilled)
    # the memory limit is below the workers' baseline, so a worker spills whatever it holds
    # between tasks: each partition must be read, built and reduced in one task, leaving only
    # the small pass results (never a design block or a data partition) to be spilled
    sizes = [size for pairs in spilled.values() for _, size in pairs]
    assert max(sizes, default=0) < 0.05 * design_bytes / PARTS  # a block would be 20x larger
    assert sum(sizes) < 0.01 * design_bytes
    # the checks' pass, then one per iteration and the start's (the last step is taken
    # without a pass when the large-data stop predicts it within the tolerance)
    confirmed = res.fit_history.get("predicted", [False])[-1] is not True
    assert res.passes == res.n_iter + 1 + confirmed
    np.testing.assert_allclose(res.params, in_memory.params, rtol=1e-9)
    np.testing.assert_allclose(res.bse, in_memory.bse, rtol=1e-9)
    assert res.llf == pytest.approx(in_memory.llf, rel=1e-9)
