"""Results saved to a file and loaded in a new process give the same summary, tests and
predictions; corrupt and foreign files get clear errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from cases import dataset

import daskstats as ds

FAIR = "affairs ~ rate_marriage + np.log(age) + C(religious) + center(educ)"


@pytest.fixture(scope="module")
def fitted():
    data = dataset("fair")
    return data, ds.glm(
        FAIR, data, ds.families.Tweedie(var_power=1.4), exposure="yrs_married", cov_type="HC0"
    )


def _strip_time(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith(("Date", "Time")))


def test_round_trip_in_a_new_process(fitted, tmp_path):
    data, res = fitted
    path = tmp_path / "res.dsk"
    res.save(path)
    new = data.iloc[:50]
    new.to_parquet(tmp_path / "new.parquet")
    script = textwrap.dedent(f"""
        import json, pandas as pd, daskstats as ds
        res = ds.load({str(path)!r})
        new = pd.read_parquet({str(tmp_path / "new.parquet")!r})
        out = {{
            "summary": res.summary().as_text(),
            "pred": res.predict(new).compute().tolist(),
            "frame": res.get_prediction(new).summary_frame().compute().to_numpy().tolist(),
            "wald": float(res.wald_test("np.log(age) = 0", scalar=True).statistic),
        }}
        print(json.dumps(out))
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    import json

    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert _strip_time(got["summary"]) == _strip_time(res.summary().as_text())
    np.testing.assert_allclose(got["pred"], res.predict(new).compute(), rtol=1e-12)
    np.testing.assert_allclose(
        got["frame"], res.get_prediction(new).summary_frame().compute(), rtol=1e-12
    )
    assert got["wald"] == pytest.approx(res.wald_test("np.log(age) = 0", scalar=True).statistic)


def test_coded_layout_round_trip(tmp_path):
    data = dataset("fair")
    with ds.thresholds.override(codes_min_levels=2):
        res = ds.glm("affairs ~ age + C(occupation)", data, ds.families.Poisson())
    assert res.model.layout.coded != ()
    res.save(tmp_path / "r")
    back = ds.load(tmp_path / "r")
    np.testing.assert_allclose(back.bse, res.bse, rtol=1e-12)
    np.testing.assert_allclose(back.predict(data).compute(), res.predict(data).compute())


def test_user_functions_must_be_passed_back(tmp_path):
    data = dataset("fair")

    def double(x):
        return 2 * x

    res = ds.glm("affairs ~ double(age)", data, ds.families.Poisson())
    res.save(tmp_path / "r")
    with pytest.raises(ds.DataError, match="double"):
        ds.load(tmp_path / "r")
    back = ds.load(tmp_path / "r", namespace={"double": double})
    np.testing.assert_allclose(back.predict(data).compute(), res.predict(data).compute())


def test_loaded_results_explain_what_needs_data(fitted, tmp_path):
    _, res = fitted
    res.save(tmp_path / "r")
    back = ds.load(tmp_path / "r")
    with pytest.raises(ds.DataError, match="loaded from a file"):
        _ = back.resid_pearson


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04garbage"])
def test_corrupt_files(tmp_path, content):
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(ds.DataError, match="not a daskstats results file"):
        ds.load(path)


def test_foreign_npz(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, a=np.arange(3))
    with pytest.raises(ds.DataError, match="not a daskstats results file"):
        ds.load(path)


def test_pickled_object_arrays_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, meta=np.array([{"format": "daskstats-glm-results"}], dtype=object))
    with pytest.raises(ds.DataError):
        ds.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        ds.load(tmp_path / "nope")
