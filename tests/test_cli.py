"""The command line: demo (the README's main job), fit, and clean failures (exit status 2)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from daskstats.cli import main


def test_demo_prints_summary_and_statsmodels_comparison(capsys):
    assert main(["demo", "--rows", "5000"]) == 0
    out = capsys.readouterr().out
    assert "Generalized Linear Model Regression Results" in out
    assert "Comparison with statsmodels" in out
    worst = out.split("largest relative difference:")[1].splitlines()[0]
    ratios = dict(item.split() for item in worst.split(","))
    assert set(ratios) == {"params", "bse", "pvalues", "fit"}
    assert all(float(r) < 1e-6 for r in ratios.values())


@pytest.fixture
def parquet_path(tmp_path):
    frame = sm.datasets.fair.load_pandas().data
    path = tmp_path / "fair.parquet"
    frame.to_parquet(path)
    return path, frame


def test_fit_json_matches_statsmodels(parquet_path, tmp_path):
    path, frame = parquet_path
    out = tmp_path / "res.json"
    code = main(
        [
            "fit",
            str(path),
            "affairs ~ rate_marriage + age",
            "--family",
            "poisson",
            "--exposure",
            "yrs_married",
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    assert code == 0
    got = json.loads(out.read_text())
    ref = smf.glm(
        "affairs ~ rate_marriage + age",
        frame,
        family=sm.families.Poisson(),
        exposure=frame["yrs_married"],
    ).fit()
    np.testing.assert_allclose(list(got["params"].values()), ref.params, rtol=1e-6)
    assert got["llf"] == pytest.approx(ref.llf, rel=1e-6)


def test_fit_csv_text(parquet_path, tmp_path, capsys):
    _, frame = parquet_path
    csv = tmp_path / "fair.csv"
    frame.to_csv(csv, index=False)
    assert main(["fit", str(csv), "affairs ~ age", "--family", "tweedie", "--link", "log"]) == 0
    assert "Tweedie" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args,match",
    [
        (["fit", "/nonexistent.parquet", "y ~ x"], "cannot read"),
        (["fit", "{path}", "nope ~ age", "--family", "poisson"], "neither a column"),
        (["fit", "{path}", "affairs ~ age", "--family", "gamma"], "non-positive"),
    ],
)
def test_bad_input_exits_2_with_one_line(parquet_path, capsys, args, match):
    path, _ = parquet_path
    args = [a.format(path=path) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("daskstats: error:") and match in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "formula,match",
    [
        ("affairs ~ __import__('os').system('echo hi')", "__import__"),
        ("affairs ~ age.__class__", "attribute '__class__'"),
        ("affairs ~ np.load('x')", "attribute 'load'"),
        ("affairs ~ open('x')", "'open'"),
        ("affairs ~ I((lambda: 1)())", "Lambda"),
        ("affairs ~ [a for a in age]", "ListComp"),
    ],
)
def test_formula_injection_is_rejected(parquet_path, capsys, formula, match):
    path, _ = parquet_path
    assert main(["fit", str(path), formula, "--family", "poisson"]) == 2
    err = capsys.readouterr().err
    assert match in err and "not allowed" in err or "neither a column" in err


def test_allowed_formula_functions(parquet_path, capsys):
    path, _ = parquet_path
    formula = "affairs ~ np.log(age) + C(religious) + I(age ** 2) + center(educ)"
    assert main(["fit", str(path), formula, "--family", "poisson"]) == 0


def test_penalized_fit_from_the_command_line(parquet_path, capsys):
    path, _ = parquet_path
    assert (
        main(
            [
                "fit",
                str(path),
                "affairs ~ age + educ",
                "--family",
                "poisson",
                "--alpha",
                "0.05",
                "--l1-wt",
                "0.5",
            ]
        )
        == 0
    )
    assert "Penalized fit" in capsys.readouterr().out
