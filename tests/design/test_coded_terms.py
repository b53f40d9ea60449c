"""Every categorical term kept as level codes gives statsmodels' dense fit: several factors,
factor × factor and factor × numeric interactions, two-way fixed effects, every family, new
data, save/load, penalized fits.

Reference: statsmodels' ``smf.glm`` on the same pandas frame (indicator columns) and, for the
penalized fits, daskstats' own dense fit of the same objective (codes switched off).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from conftest import LAYOUTS, assert_matches_statsmodels, materialize, to_dask

import daskstats as ds

F = sm.families
L = F.links


def _factors(n: int, sizes: dict, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": rng.normal(size=n), "z": rng.uniform(0.5, 2.0, n)})
    frame["e"] = rng.uniform(0.5, 2.0, n)
    eta = 0.2 + 0.3 * frame["x"]
    for name, size in sizes.items():
        codes = rng.integers(0, size, n)
        frame[name] = np.array([f"{name}{i:03d}" for i in range(size)], dtype=object)[codes]
        eta = eta + rng.normal(0, 0.2, size)[codes]
    frame["mu"] = np.exp(eta)
    frame["y"] = rng.poisson(frame["mu"] * frame["e"]).astype(float)
    frame["g"] = rng.gamma(3.0, frame["mu"] / 3.0)
    return frame


@pytest.fixture(scope="module")
def three_factors() -> pd.DataFrame:
    return _factors(8000, {"a": 40, "b": 60, "c": 80})


@pytest.fixture(scope="module")
def small_factors() -> pd.DataFrame:
    return _factors(6000, {"s": 6, "t": 8, "u": 30}, seed=1)


def _coded_names(result) -> set[str]:
    return {t.name for t in result.model.layout.coded}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_three_factors_with_exposure(three_factors, layout):
    formula = "y ~ x + C(a) + C(b) + C(c)"
    ours = ds.glm(formula, to_dask(three_factors, layout), ds.families.Poisson(), exposure="e")
    assert _coded_names(ours) == {"C(a)", "C(b)", "C(c)"}
    theirs = smf.glm(formula, three_factors, family=F.Poisson(), exposure=three_factors["e"]).fit()
    assert_matches_statsmodels(ours, theirs)
    new = three_factors.iloc[:200]
    np.testing.assert_allclose(
        materialize(ours.predict(new)), theirs.predict(new, exposure=new["e"]), rtol=1e-8
    )
    a = materialize(ours.get_prediction(new).summary_frame())
    b = theirs.get_prediction(new, exposure=new["e"]).summary_frame()
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "formula",
    [
        "y ~ x + C(s):C(t)",
        "y ~ C(s) * C(t) + C(u)",
        "y ~ C(s):C(t) - 1",
        "y ~ C(s, Treatment(3)) * C(t) + x",
        "y ~ C(u) + C(u):C(s)",
    ],
)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_factor_by_factor_interactions(small_factors, formula, layout):
    ours = ds.glm(formula, to_dask(small_factors, layout), ds.families.Poisson(), offset="z")
    theirs = smf.glm(formula, small_factors, family=F.Poisson(), offset=small_factors["z"]).fit()
    assert any(":" in name for name in _coded_names(ours))
    assert_matches_statsmodels(ours, theirs)
    new = small_factors.iloc[:100]
    np.testing.assert_allclose(
        materialize(ours.predict(new)), theirs.predict(new, offset=new["z"]), rtol=1e-8
    )


@pytest.mark.parametrize(
    "formula",
    ["g ~ C(u):x", "g ~ C(u) * x + C(s)", "g ~ C(u):np.log(z) + C(s):x + x"],
)
def test_factor_by_numeric_gamma_log(small_factors, formula):
    family = F.Gamma(L.Log())
    ours = ds.glm(formula, to_dask(small_factors, "irregular"), family, var_weights="e")
    theirs = smf.glm(formula, small_factors, family=family, var_weights=small_factors["e"]).fit()
    coded = [t for t in ours.model.layout.coded if t.value_codes]
    assert coded, "a factor × numeric term is kept as codes with a value column"
    assert_matches_statsmodels(ours, theirs)
    new = small_factors.iloc[:100]
    a = materialize(ours.get_prediction(new).summary_frame())
    b = theirs.get_prediction(new).summary_frame()
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "family",
    [
        F.Binomial(),
        F.Binomial(L.Probit()),
        F.Gaussian(),
        F.Gaussian(L.Log()),
        F.Gamma(),
        F.NegativeBinomial(alpha=0.5),
        F.Tweedie(var_power=1.5),
    ],
    ids=lambda f: f"{type(f).__name__}-{type(f.link).__name__}",
)
def test_every_family_with_coded_terms(small_factors, family):
    data = small_factors.copy()
    if isinstance(family, F.Binomial):
        data["r"] = (data["y"] > data["y"].median()).astype(float)
    else:
        data["r"] = data["g"]
    formula = "r ~ x + C(s) + C(t):x + C(u)"
    ours = ds.glm(formula, to_dask(data, "irregular"), family, freq_weights="e")
    theirs = smf.glm(formula, data, family=family, freq_weights=data["e"]).fit()
    assert len(ours.model.layout.coded) == 3
    assert_matches_statsmodels(ours, theirs)


def test_two_way_fixed_effects():
    """900 + 250 levels: the dense design statsmodels needs is 6,000 x 1,151."""
    data = _factors(6000, {"firm": 900, "year": 250}, seed=3)
    formula = "y ~ x + C(firm) + C(year)"
    with ds.thresholds.override(dense_covariance_limit=500):  # covariance kept in blocks
        ours = ds.glm(formula, to_dask(data, "irregular"), ds.families.Poisson(), offset="z")
    theirs = smf.glm(formula, data, family=F.Poisson(), offset=data["z"]).fit()
    assert _coded_names(ours) == {"C(firm)", "C(year)"}
    assert type(ours.cov_params_default).__name__ == "BlockCovariance"
    np.testing.assert_allclose(ours.params, theirs.params, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.bse, theirs.bse, rtol=1e-5)
    assert ours.llf == pytest.approx(theirs.llf, rel=1e-7)
    assert ours.deviance == pytest.approx(theirs.deviance, rel=1e-7)
    new = data.iloc[:300]
    a = materialize(ours.get_prediction(new).summary_frame())
    b = theirs.get_prediction(new, offset=new["z"]).summary_frame()
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-6)


def test_tests_and_wald_terms_with_coded_terms(small_factors):
    formula = "y ~ x + C(s) * C(t) + C(u)"
    ours = ds.glm(formula, small_factors, ds.families.Poisson())
    theirs = smf.glm(formula, small_factors, family=F.Poisson()).fit()
    a = ours.wald_test_terms(scalar=True).table
    b = theirs.wald_test_terms(scalar=True).table
    np.testing.assert_allclose(a["statistic"], b["statistic"], rtol=1e-6)
    np.testing.assert_allclose(a["pvalue"], b["pvalue"], rtol=1e-5, atol=1e-300)
    constraint = "C(s)[T.s001] = C(s)[T.s002], x = 0"
    assert ours.f_test(constraint).fvalue == pytest.approx(
        theirs.f_test(constraint).fvalue, rel=1e-6
    )


def test_save_and_load_with_several_coded_terms(small_factors, tmp_path):
    formula = "y ~ x + C(s) * C(t) + C(u):x"
    with ds.thresholds.override(dense_covariance_limit=20):
        res = ds.glm(formula, small_factors, ds.families.Poisson(), offset="z")
    res.save(tmp_path / "r")
    with ds.thresholds.override(dense_covariance_limit=20):
        back = ds.load(tmp_path / "r")
    assert [t.name for t in back.model.layout.coded] == [t.name for t in res.model.layout.coded]
    theirs = smf.glm(formula, small_factors, family=F.Poisson(), offset=small_factors["z"]).fit()
    np.testing.assert_allclose(back.bse, theirs.bse, rtol=1e-5)
    new = small_factors.iloc[:50]
    a = materialize(back.get_prediction(new).summary_frame())
    b = theirs.get_prediction(new, offset=new["z"]).summary_frame()
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-6)


def test_unseen_level_at_predict_is_a_clear_error(small_factors):
    res = ds.glm("y ~ C(s) * C(t)", small_factors, ds.families.Poisson())
    new = small_factors.iloc[:3].assign(t="never")
    with pytest.raises(ds.DataError, match="not seen when the model was fitted"):
        materialize(res.predict(new))


@pytest.mark.parametrize(
    "options",
    [
        {"L1_wt": 1.0},
        {"L1_wt": 0.5, "method": "proximal_grad"},
        {"L1_wt": 1.0, "method": "admm"},
        {"L1_wt": 0.0},
    ],
    ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()),
)
def test_penalized_fits_with_coded_terms(small_factors, options):
    """The same objective with the terms as codes and as dense columns."""
    formula = "y ~ x + C(s) * C(t) + C(u)"
    data = to_dask(small_factors, "irregular")
    coded = ds.GLM.from_formula(formula, data, ds.families.Poisson())
    with ds.thresholds.override(codes_min_levels=10**9):
        dense = ds.GLM.from_formula(formula, data, ds.families.Poisson())
    assert coded.layout.coded != () and dense.layout.coded == ()
    a = coded.fit_regularized(alpha=0.002, **options)
    b = dense.fit_regularized(alpha=0.002, **options)
    atol = 1e-4 if options.get("method") in ("admm", "proximal_grad") else 1e-7
    np.testing.assert_allclose(a.params, b.params, atol=atol)
    np.testing.assert_allclose(a.deviance, b.deviance, rtol=1e-6)
    if options["L1_wt"] == 0.0:
        np.testing.assert_allclose(a.bse, b.bse, rtol=1e-5)


def test_regularization_path_with_coded_terms(small_factors):
    path = ds.glm(
        "y ~ x + C(u) + C(s)",
        small_factors,
        ds.families.Poisson(),
        alphas=[0.05, 0.01, 0.002],
    )
    assert path.coefs.shape == (3, 1 + 1 + 29 + 5)
    nonzero = (path.coefs != 0).sum(axis=1).to_numpy()
    assert nonzero[0] <= nonzero[1] <= nonzero[2]


def test_many_levels_memory_stays_below_n_times_levels():
    """Three 500-level factors on 60,000 rows: indicator columns would be 60,000 x 1,500
    (720 MB); the codes take one int16 per row and term."""
    data = _factors(60_000, {"a": 500, "b": 500, "c": 500}, seed=5)
    tracemalloc.start()
    try:
        res = ds.glm("y ~ x + C(a) + C(b) + C(c)", data, ds.families.Poisson())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(res.model.layout.coded) == 3
    assert peak < 250e6
    block = res.model.source.blocks[0].compute()
    assert block.codes.dtype == np.int16 and block.codes.shape[0] == 3  # term-major (k, n)


def test_too_many_parameters_for_a_dense_solve(small_factors):
    """Beyond the dense limits an unpenalized fit is refused before any pass, naming the
    sizes; the lasso by proximal gradient (gradients only) still fits, and equals the fit of
    the same objective within the limits."""
    formula = "y ~ x + C(u) + C(s):C(t)"
    with ds.thresholds.override(max_dense_columns=20, penalized_max_params=20):
        model = ds.GLM.from_formula(formula, small_factors, ds.families.Poisson())
    with pytest.raises(ds.DataError, match=r"remain to be solved densely.*proximal_grad"):
        model.fit()
    assert model.runner.passes == 0
    with pytest.raises(ds.DataError, match="method='proximal_grad' with an L1 part"):
        model.fit_regularized(alpha=0.01, L1_wt=0.0)
    big = model.fit_regularized(alpha=0.002, L1_wt=1.0)  # "auto" picks proximal gradient
    assert "proximal_grad" in big.method
    assert big.bse.isna().all()
    reference = ds.GLM.from_formula(formula, small_factors, ds.families.Poisson())
    small = reference.fit_regularized(alpha=0.002, L1_wt=1.0, method="proximal_grad")
    np.testing.assert_allclose(big.params, small.params, atol=1e-5)
