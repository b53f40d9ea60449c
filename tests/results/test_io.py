"""Results saved to a file and loaded in a new process give the same summary, tests and
predictions; corrupt and foreign files get clear errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from cases import dataset
from conftest import materialize

import daskstats as ds
from daskstats.linalg import BlockCovariance

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
            "pred": res.predict(new).tolist(),
            "frame": res.get_prediction(new).summary_frame().to_numpy().tolist(),
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
    np.testing.assert_allclose(got["pred"], materialize(res.predict(new)), rtol=1e-12)
    np.testing.assert_allclose(
        got["frame"], materialize(res.get_prediction(new).summary_frame()), rtol=1e-12
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
    np.testing.assert_allclose(materialize(back.predict(data)), materialize(res.predict(data)))


def test_user_functions_must_be_passed_back(tmp_path):
    data = dataset("fair")

    def double(x):
        return 2 * x

    res = ds.glm("affairs ~ double(age)", data, ds.families.Poisson())
    res.save(tmp_path / "r")
    with pytest.raises(ds.DataError, match="double"):
        ds.load(tmp_path / "r")
    back = ds.load(tmp_path / "r", namespace={"double": double})
    np.testing.assert_allclose(materialize(back.predict(data)), materialize(res.predict(data)))


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


STATISTICS = (
    "llf",
    "llnull",
    "deviance",
    "null_deviance",
    "pearson_chi2",
    "scale",
    "aic",
    "bic",
    "nobs",
    "df_model",
    "df_resid",
)


@pytest.mark.parametrize(
    "case",
    [
        ("scotland", "YES ~ COUTAX + UNEMPF + MOR", sm.families.Gaussian(), {"var_weights": "vw"}),
        ("scotland", "YES ~ COUTAX + UNEMPF", sm.families.Gamma(sm.families.links.Log()), {}),
        ("fair", "affairs ~ age + C(religious)", sm.families.Poisson(), {"offset": "off"}),
    ],
    ids=["gaussian-varweights", "gamma-log", "poisson-offset"],
)
def test_loaded_statistics_and_llf_scaled_equal_statsmodels(tmp_path, case):
    """Reference: statsmodels' fit of the same model; llf_scaled from the stored
    log-likelihood sums, with no data."""
    name, formula, family, options = case
    data = dataset(name)
    ours = ds.glm(formula, data, family, **options)
    ours.save(tmp_path / "r")
    back = ds.load(tmp_path / "r")
    assert back.model.source is None  # no data behind the loaded results
    theirs = smf.glm(formula, data, family=family, **{k: data[v] for k, v in options.items()}).fit()
    for stat in STATISTICS:
        assert getattr(back, stat) == pytest.approx(getattr(theirs, stat), rel=1e-7), stat
    np.testing.assert_allclose(back.bse, theirs.bse, rtol=1e-6)
    np.testing.assert_allclose(back.conf_int(), theirs.conf_int(), rtol=1e-6)
    for scale in (0.5, 2.0):
        assert back.llf_scaled(scale) == pytest.approx(theirs.llf_scaled(scale), rel=1e-8)
    assert back.summary().as_text() == ours.summary().as_text()


def test_loaded_llf_scaled_needing_data_is_a_clear_error(fitted, tmp_path):
    _, res = fitted  # Tweedie: its log-likelihood does not decompose into sums
    res.save(tmp_path / "r")
    back = ds.load(tmp_path / "r")
    assert back.llf_scaled() == res.llf
    with pytest.raises(ds.DataError, match="needs a pass over the data"):
        back.llf_scaled(2.0)
    assert res.llf_scaled(2.0) == pytest.approx(
        smf.glm(
            FAIR,
            dataset("fair"),
            family=sm.families.Tweedie(var_power=1.4),
            exposure=dataset("fair")["yrs_married"],
        )
        .fit()
        .llf_scaled(2.0),
        rel=1e-8,
    )


def test_blocked_covariance_round_trip(tmp_path):
    """A covariance kept in blocks (beyond the dense limit) is saved as its blocks."""
    data = dataset("fair")
    formula = "affairs ~ age + C(occupation)"
    with ds.thresholds.override(codes_min_levels=2, dense_covariance_limit=4):
        res = ds.glm(formula, data, ds.families.Poisson())
    assert isinstance(res.cov_params_default, BlockCovariance)
    res.save(tmp_path / "r")
    with ds.thresholds.override(dense_covariance_limit=4):
        back = ds.load(tmp_path / "r")
    assert isinstance(back.cov_params_default, BlockCovariance)
    theirs = smf.glm(formula, data, family=sm.families.Poisson()).fit()
    np.testing.assert_allclose(back.bse, theirs.bse, rtol=1e-6)
    new = data.iloc[:40]
    np.testing.assert_allclose(
        materialize(back.get_prediction(new).summary_frame()),
        theirs.get_prediction(new).summary_frame(),
        rtol=1e-6,
    )


def test_format_version_1_still_loads():
    """A file written before the architecture change (tests/reference/README.md)."""
    back = ds.load(Path(__file__).parent.parent / "reference" / "fair_poisson_v1.dsk")
    data = sm.datasets.fair.load_pandas().data
    theirs = smf.glm(
        "affairs ~ rate_marriage + age + C(religious)",
        data,
        family=sm.families.Poisson(),
        exposure=data["yrs_married"],
    ).fit()
    np.testing.assert_allclose(back.params, theirs.params, rtol=1e-6)
    np.testing.assert_allclose(back.bse, theirs.bse, rtol=1e-5)
    for stat in ("llf", "deviance", "aic", "nobs"):
        assert getattr(back, stat) == pytest.approx(getattr(theirs, stat), rel=1e-7), stat
    np.testing.assert_allclose(
        materialize(back.predict(data.iloc[:20])),
        theirs.predict(data.iloc[:20], exposure=data["yrs_married"].iloc[:20]),
        rtol=1e-6,
    )
