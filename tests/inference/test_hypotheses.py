"""Hypothesis tests, predictions with intervals and fit statistics against statsmodels' GLM
(the reference, computed here on the same shipped data)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from cases import dataset
from conftest import materialize, to_dask

import daskstats as ds

FAIR = "affairs ~ rate_marriage + age + yrs_married + C(religious) + educ"
L = sm.families.links


@pytest.fixture(scope="module")
def fair():
    return dataset("fair")


@pytest.fixture(scope="module", params=["nonrobust", "HC0", "cluster"])
def fits(request, fair):
    kw = {"cov_type": request.param}
    sm_kw = dict(kw)
    if request.param == "cluster":
        kw["cov_kwds"] = {"groups": "grp"}
        sm_kw["cov_kwds"] = {"groups": fair["grp"]}
    ours = ds.glm(FAIR, to_dask(fair, "irregular"), ds.families.Poisson(), **kw)
    theirs = smf.glm(FAIR, fair, family=sm.families.Poisson()).fit(**sm_kw)
    return ours, theirs


CONSTRAINTS = [
    "age = yrs_married, educ = 0",
    "age = 0",
    "C(religious)[T.2.0] = C(religious)[T.3.0]",
    "2 * age - educ = 0.01",
]


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_t_f_wald_tests_match(fits, constraint):
    ours, theirs = fits
    a, b = ours.t_test(constraint), theirs.t_test(constraint)
    np.testing.assert_allclose(a.tvalue, b.tvalue, rtol=1e-6)
    np.testing.assert_allclose(a.pvalue, b.pvalue, rtol=1e-5, atol=1e-300)
    np.testing.assert_allclose(a.conf_int(), b.conf_int(), rtol=1e-6)
    a, b = ours.wald_test(constraint, scalar=True), theirs.wald_test(constraint, scalar=True)
    assert a.distribution == b.distribution
    np.testing.assert_allclose(a.statistic, b.statistic, rtol=1e-6)
    np.testing.assert_allclose(a.pvalue, b.pvalue, rtol=1e-5, atol=1e-300)
    np.testing.assert_allclose(
        ours.f_test(constraint).fvalue, theirs.f_test(constraint).fvalue, rtol=1e-6
    )


def test_matrix_and_tuple_constraints(fits):
    ours, theirs = fits
    R = np.zeros((2, len(ours.params)))
    R[0, -1], R[1, -2] = 1, 1
    q = np.array([0.01, -0.02])
    np.testing.assert_allclose(
        ours.wald_test((R, q), scalar=True).statistic,
        theirs.wald_test((R, q), scalar=True).statistic,
        rtol=1e-6,
    )
    np.testing.assert_allclose(ours.t_test(R).effect, theirs.t_test(R).effect, rtol=1e-6)


def test_wald_test_terms(fits):
    ours, theirs = fits
    a, b = ours.wald_test_terms(scalar=True), theirs.wald_test_terms(scalar=True)
    assert list(a.table.index) == list(b.table.index)
    np.testing.assert_allclose(a.table["statistic"], b.table["statistic"], rtol=1e-6)
    np.testing.assert_allclose(a.table["df_constraint"], b.table["df_constraint"])


def test_use_t_gives_t_and_f_distributions(fair):
    ours = ds.glm(FAIR, fair, ds.families.Poisson(), use_t=True)
    theirs = smf.glm(FAIR, fair, family=sm.families.Poisson()).fit(use_t=True)
    a, b = (
        ours.wald_test("age = 0, educ = 0", scalar=True),
        theirs.wald_test("age = 0, educ = 0", scalar=True),
    )
    assert a.distribution == b.distribution == "F"
    np.testing.assert_allclose(a.pvalue, b.pvalue, rtol=1e-6)
    np.testing.assert_allclose(ours.pvalues, theirs.pvalues, rtol=1e-6)
    assert "P>|t|" in ours.summary().as_text()


def test_likelihood_ratio_test(fair):
    full = ds.glm(FAIR, fair, ds.families.Poisson())
    restricted = ds.glm("affairs ~ rate_marriage + age", fair, ds.families.Poisson())
    ref_full = smf.glm(FAIR, fair, family=sm.families.Poisson()).fit()
    ref_restricted = smf.glm(
        "affairs ~ rate_marriage + age", fair, family=sm.families.Poisson()
    ).fit()
    lr, p, df = full.compare_lr_test(restricted)
    # closed form from statsmodels' log-likelihoods
    expected = 2 * (ref_full.llf - ref_restricted.llf)
    assert lr == pytest.approx(expected, rel=1e-8)
    assert df == 5
    from scipy import stats

    assert p == pytest.approx(stats.chi2.sf(expected, 5), rel=1e-6)
    with pytest.raises(ValueError, match="fewer parameters"):
        restricted.compare_lr_test(full)


PREDICTION_FAMILIES = [
    (lambda: sm.families.Poisson(), "affairs"),
    (lambda: sm.families.Gaussian(), "affairs"),
    (lambda: sm.families.Gamma(L.Log()), "I(affairs + 0.5)"),
    (lambda: sm.families.Binomial(L.Probit()), "I((affairs > 0) * 1.0)"),
    (lambda: sm.families.Gamma(L.InversePower()), "I(affairs + 0.5)"),
]


@pytest.mark.parametrize("family,response", PREDICTION_FAMILIES)
@pytest.mark.parametrize("use_t", [False, True])
def test_get_prediction_summary_frame(fair, family, response, use_t):
    f = f"{response} ~ rate_marriage + age + C(religious)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = smf.glm(f, fair, family=family()).fit(use_t=use_t)
        ours = ds.glm(f, to_dask(fair, "irregular"), family(), use_t=use_t)
    new = fair.iloc[100:400]
    a = materialize(ours.get_prediction(to_dask(new, "irregular")).summary_frame(alpha=0.1))
    b = theirs.get_prediction(new).summary_frame(alpha=0.1)
    assert list(a.columns) == list(b.columns)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-6)
    own = materialize(ours.get_prediction().summary_frame())
    np.testing.assert_allclose(
        own.to_numpy(), theirs.get_prediction().summary_frame().to_numpy(), rtol=1e-6
    )
    np.testing.assert_allclose(
        materialize(ours.predict(new, which="var_unscaled")),
        theirs.predict(new, which="var_unscaled"),
        rtol=1e-6,
    )


def test_get_prediction_with_coded_categorical_and_offset(fair):
    f = "affairs ~ rate_marriage + age + C(occupation)"
    with ds.thresholds.override(codes_min_levels=2):
        ours = ds.glm(f, fair, ds.families.Poisson(), offset="off")
    assert ours.model.layout.coded != ()
    theirs = smf.glm(f, fair, family=sm.families.Poisson(), offset=fair["off"]).fit()
    new = fair.iloc[:300]
    a = materialize(ours.get_prediction(new).summary_frame())
    b = theirs.get_prediction(new, offset=new["off"]).summary_frame()
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-6)


@pytest.mark.parametrize("family", [sm.families.Poisson, sm.families.Gaussian])
def test_fit_statistics(fair, family):
    ours = ds.glm(FAIR, fair, family())
    theirs = smf.glm(FAIR, fair, family=family()).fit()
    for kind in ("cs", "mcf"):
        assert ours.pseudo_rsquared(kind) == pytest.approx(theirs.pseudo_rsquared(kind), rel=1e-6)
    for name in ("bic_llf", "bic_deviance", "llnull", "aic", "bic"):
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name), rel=1e-6), name
    for crit, kw in (("aic", {}), ("bic", {"dk_params": 1}), ("qaic", {"scale": 2.5})):
        assert ours.info_criteria(crit, **kw) == pytest.approx(
            theirs.info_criteria(crit, **kw), rel=1e-6
        )


def test_wald_and_prediction_closed_form_on_generated_data():
    """Gaussian/identity: V = s² (XᵀX)⁻¹ with s² = RSS/(n-p) (closed form, numpy)."""
    rng = np.random.default_rng(21)
    n = 500
    X = np.c_[np.ones(n), rng.normal(size=(n, 2))]
    y = X @ np.array([1.0, 0.5, 0.5]) + rng.normal(size=n)
    frame = __import__("pandas").DataFrame({"y": y, "a": X[:, 1], "b": X[:, 2]})
    res = ds.glm("y ~ a + b", frame)
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    s2 = np.sum((y - X @ beta) ** 2) / (n - 3)
    V = s2 * np.linalg.inv(X.T @ X)
    R = np.array([[0.0, 1.0, -1.0]])
    chi2 = float((R @ beta) @ np.linalg.solve(R @ V @ R.T, R @ beta))
    assert res.wald_test("a = b", scalar=True).statistic == pytest.approx(chi2, rel=1e-8)
    x0 = np.array([1.0, 0.3, -0.2])
    frame0 = res.get_prediction(__import__("pandas").DataFrame({"a": [0.3], "b": [-0.2]}))
    got = materialize(frame0.summary_frame()).iloc[0]
    assert got["mean"] == pytest.approx(x0 @ beta, rel=1e-10)
    assert got["mean_se"] == pytest.approx(np.sqrt(x0 @ V @ x0), rel=1e-8)


def test_cluster_with_as_many_groups_as_rows(fair):
    """Every row its own cluster: the group sums pass through a dask groupby on the workers.

    Reference: statsmodels with the same groups."""
    data = fair.assign(row=np.arange(len(fair)))
    ours = ds.glm(
        "affairs ~ rate_marriage + age",
        to_dask(data, "irregular"),
        ds.families.Poisson(),
        cov_type="cluster",
        cov_kwds={"groups": "row"},
    )
    theirs = smf.glm("affairs ~ rate_marriage + age", data, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": data["row"]}
    )
    np.testing.assert_allclose(ours.bse, theirs.bse, rtol=1e-6)
    assert ours.cov_kwds["n_groups"] == len(data)
