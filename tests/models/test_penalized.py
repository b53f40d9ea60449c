"""Penalized fits: optimality (KKT) for every method, objective at least as good as glmnet's
and statsmodels' on statsmodels' shipped glmnet reference data, agreement between methods,
and the inference rules."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from cases import ENET_FAMILIES
from cases import enet_dataset as _load
from conftest import to_dask
from statsmodels.genmod.tests.results import glmnet_r_results

import daskstats as ds
from daskstats.solvers.penalties import ElasticNet

METHODS = ["auto", "proximal_grad", "admm"]


def _penalized_llf(model, params, alpha, L1_wt, n):
    """statsmodels' objective (its own test of fit_regularized uses this form)."""
    return model.loglike(params) / n - alpha * (
        (1 - L1_wt) * np.sum(params**2) / 2 + L1_wt * np.sum(np.abs(params))
    )


CASES = [(d, j) for d in ("binomial", "poisson") for j in (1, 2, 4, 5, 7, 8)]


@pytest.mark.parametrize("dtype,j", CASES)
def test_glmnet_reference_problems(dtype, j):
    frame, formula, sm_model = _load(dtype)
    n = len(frame)
    L1_wt, alpha, glmnet = getattr(glmnet_r_results, f"rslt_{dtype}_{j}")[[0, 1]].tolist() + [
        getattr(glmnet_r_results, f"rslt_{dtype}_{j}")[2:]
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm_fit = sm_model.fit_regularized(alpha=alpha, L1_wt=L1_wt)
    fits = {}
    for method in METHODS + (["lbfgs"] if L1_wt == 0 else []):
        res = ds.glm(
            formula,
            to_dask(frame, "irregular"),
            ENET_FAMILIES[dtype](),
            alpha=alpha,
            L1_wt=L1_wt,
            method=method,
        )
        assert res.converged, method
        fits[method] = res.params.to_numpy()
        # optimality: the gradient of -llf/n (statsmodels' score) against the penalty
        grad = -sm_model.score(fits[method], scale=1.0) / n
        violation = ElasticNet(np.full(len(grad), alpha), L1_wt).kkt_violation(fits[method], grad)
        assert np.max(violation) < 1e-5, (method, violation)
        ours = _penalized_llf(sm_model, fits[method], alpha, L1_wt, n)
        assert ours >= _penalized_llf(sm_model, glmnet, alpha, L1_wt, n) - 1e-12, method
        assert ours >= _penalized_llf(sm_model, sm_fit.params, alpha, L1_wt, n) - 1e-10, method
    for method, params in fits.items():
        np.testing.assert_allclose(params, fits["auto"], atol=1e-5, err_msg=method)


def test_admm_does_not_depend_on_chunking():
    frame, formula, _ = _load("binomial")
    one = ds.glm(formula, to_dask(frame, "one"), ds.families.Binomial(), alpha=0.02, method="admm")
    many = ds.glm(
        formula, to_dask(frame, "irregular"), ds.families.Binomial(), alpha=0.02, method="admm"
    )
    np.testing.assert_allclose(one.params, many.params, atol=1e-6)


def test_l1_fit_reports_no_standard_errors_and_says_why():
    frame, formula, _ = _load("poisson")
    res = ds.glm(formula, frame, ds.families.Poisson(), alpha=0.05, L1_wt=1.0)
    assert np.all(np.isnan(res.bse)) and np.all(np.isnan(res.pvalues))
    assert np.all(np.isnan(res.conf_int().to_numpy()))
    text = res.summary().as_text()
    assert "not valid" in text and "refit=True" in text


def test_refit_matches_unpenalized_statsmodels_on_selected_columns():
    frame, formula, _ = _load("binomial")
    res = ds.glm(formula, frame, ds.families.Binomial(), alpha=0.03, L1_wt=1.0)
    selected = [c for c, v in res.params.items() if v != 0]
    assert 0 < len(selected) < len(res.params)
    refit = ds.glm(formula, frame, ds.families.Binomial(), alpha=0.03, L1_wt=1.0, refit=True)
    ref = sm.GLM(frame["y"], frame[selected], family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(refit.params[selected], ref.params, rtol=1e-6)
    np.testing.assert_allclose(refit.bse[selected], ref.bse, rtol=1e-5)
    dropped = [c for c in res.params.index if c not in selected]
    assert np.all(refit.params[dropped] == 0) and np.all(np.isnan(refit.bse[dropped]))
    assert "ignore the selection" in refit.summary().as_text()


def test_l2_sandwich_standard_errors_closed_form():
    """Reference: H⁻¹ M H⁻¹ from statsmodels' Fisher information and score_obs (numpy)."""
    frame, formula, sm_model = _load("poisson")
    n, alpha = len(frame), 0.5
    res = ds.glm(formula, frame, ds.families.Poisson(), alpha=alpha, L1_wt=0.0)
    beta = res.params.to_numpy()
    hessian = -sm_model.hessian(beta, scale=1.0, observed=False) / n + alpha * np.eye(len(beta))
    scores = sm_model.score_obs(beta, scale=1.0)
    meat = scores.T @ scores / n**2
    inverse = np.linalg.inv(hessian)
    np.testing.assert_allclose(res.bse, np.sqrt(np.diag(inverse @ meat @ inverse)), rtol=1e-6)
    assert "sandwich" in res.summary().as_text()


def test_intercept_unpenalized_by_default_and_alpha_by_term():
    frame, formula, _ = _load("binomial")
    with_intercept = formula.replace(" - 1", "")
    big = ds.glm(with_intercept, frame, ds.families.Binomial(), alpha=10.0)
    assert big.params["Intercept"] != 0
    assert np.all(big.params.drop("Intercept") == 0)
    mean = frame["y"].mean()
    assert big.params["Intercept"] == pytest.approx(np.log(mean / (1 - mean)), rel=1e-6)
    only_x0 = ds.glm(with_intercept, frame, ds.families.Binomial(), alpha={"x0": 10.0})
    assert only_x0.params["x0"] == 0 and np.all(only_x0.params.drop("x0") != 0)


def test_path_with_warm_starts_and_plot(tmp_path):
    frame, formula, _ = _load("binomial")
    path = ds.glm(formula, frame, ds.families.Binomial(), alphas=[0.001, 0.1, 0.01], L1_wt=1.0)
    assert list(path.alphas) == [0.1, 0.01, 0.001]
    assert list(path.coefs.columns) == [f"x{i}" for i in range(5)]
    nonzero = (path.coefs != 0).sum(axis=1).to_numpy()
    assert np.all(np.diff(nonzero) >= 0)  # fewer coefficients survive a larger penalty
    for a, res in zip(path.alphas, path.results):
        single = ds.glm(formula, frame, ds.families.Binomial(), alpha=a, L1_wt=1.0)
        np.testing.assert_allclose(res.params, single.params, atol=1e-7)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = path.plot()
    out = tmp_path / "path.png"
    ax.figure.savefig(out)
    assert out.stat().st_size > 5000 and len(ax.lines) >= 5


def test_bad_penalty_arguments():
    frame, formula, _ = _load("binomial")
    with pytest.raises(ds.DataError, match="L1_wt must be in"):
        ds.glm(formula, frame, ds.families.Binomial(), alpha=0.1, L1_wt=2.0)
    with pytest.raises(ds.DataError, match="smooth problems"):
        ds.glm(formula, frame, ds.families.Binomial(), alpha=0.1, L1_wt=1.0, method="lbfgs")
    with pytest.raises(ds.DataError, match="not a term or column"):
        ds.glm(formula, frame, ds.families.Binomial(), alpha={"nope": 1.0})
    with pytest.raises(ds.DataError, match="needs a dask.distributed Client"):
        ds.glm(formula, frame, ds.families.Binomial(), alpha=0.1, method="admm_async")


@pytest.mark.parametrize("method", ["auto", "proximal_grad"])
def test_fit_statistics_with_offset_match_statsmodels(method):
    """llf, llnull, deviance, null deviance and Pearson χ² at the penalized estimate are
    statsmodels' values at the same coefficients (its constant-only fit for the null model);
    prox-Newton's last pass already holds them (no extra pass)."""
    frame, _, _ = _load("poisson")
    frame = frame[["y", "x0", "x1", "x2"]].copy()
    frame["off"] = 0.3 * np.sin(np.arange(len(frame)))
    res = ds.glm(
        "y ~ x0 + x1 + x2",
        to_dask(frame, "irregular"),
        ds.families.Poisson(),
        offset="off",
        alpha=0.05,
        method=method,
    )
    exog = sm.add_constant(frame[["x0", "x1", "x2"]].to_numpy())
    theirs = sm.GLM(frame["y"], exog, family=sm.families.Poisson(), offset=frame["off"])
    mu = theirs.predict(res.params.to_numpy())
    null = sm.GLM(
        frame["y"], np.ones(len(frame)), family=sm.families.Poisson(), offset=frame["off"]
    ).fit()
    assert res.llf == pytest.approx(theirs.loglike(res.params.to_numpy()), rel=1e-10)
    assert res.deviance == pytest.approx(theirs.family.deviance(frame["y"], mu), rel=1e-10)
    assert res.pearson_chi2 == pytest.approx(np.sum((frame["y"] - mu) ** 2 / mu), rel=1e-10)
    assert res.llnull == pytest.approx(null.llf, rel=1e-8)
    assert res.null_deviance == pytest.approx(null.deviance, rel=1e-8)
    statistics_passes = [name for name, _ in res.pass_log].count("statistics")
    if method == "auto":
        assert statistics_passes == 0
        # stopping before a step whose predicted decrease is below tol loses no accuracy
        tight = ds.GLM.from_formula(
            "y ~ x0 + x1 + x2", frame, ds.families.Poisson(), offset="off"
        ).fit_regularized(alpha=0.05, tol=1e-15, maxiter=200, penalize_intercept=False)
        np.testing.assert_allclose(res.params, tight.params, rtol=0, atol=1e-7)
    else:  # gradient passes hold no statistics; the null model is iterated after the fit
        assert statistics_passes >= 2


@pytest.mark.parametrize(
    "family", [sm.families.Binomial(), sm.families.Poisson()], ids=["binomial", "poisson"]
)
def test_methods_agree_with_a_many_level_categorical(family):
    """A 40-level categorical is kept as level codes (not dummies); every method reaches the
    same penalized optimum, which is at least as good as statsmodels' on the dense dummies."""
    rng = np.random.default_rng(3)
    n = 4000
    frame = pd.DataFrame({"x": rng.normal(size=n), "g": rng.integers(0, 40, n).astype(str)})
    eta = 0.3 * frame["x"] + frame["g"].astype(int) % 5 * 0.2 - 0.4
    mean = 1 / (1 + np.exp(-eta)) if isinstance(family, sm.families.Binomial) else np.exp(eta)
    frame["y"] = (
        (rng.random(n) < mean).astype(float)
        if isinstance(family, sm.families.Binomial)
        else rng.poisson(mean).astype(float)
    )
    alpha, L1_wt = 0.002, 0.5
    fits = {
        method: ds.glm(
            "y ~ x + C(g)",
            to_dask(frame, "irregular"),
            type(family)(),
            alpha=alpha,
            L1_wt=L1_wt,
            method=method,
        )
        for method in METHODS
    }
    assert fits["auto"].model.layout.coded != ()  # the categorical is coded
    sm_model = sm.GLM.from_formula("y ~ x + C(g)", frame, family=type(family)())
    weights = np.full(len(fits["auto"].params), alpha)
    weights[0] = 0.0  # intercept unpenalized
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sm_model.fit_regularized(alpha=weights, L1_wt=L1_wt).params

    def objective(params):
        params = np.asarray(params)
        return sm_model.loglike(params) / n - np.sum(
            weights * ((1 - L1_wt) * params**2 / 2 + L1_wt * np.abs(params))
        )

    best = objective(fits["auto"].params)
    assert best >= objective(theirs) - 1e-10
    for method, res in fits.items():
        assert list(res.params.index) == list(sm_model.exog_names)
        np.testing.assert_allclose(res.params, fits["auto"].params, atol=1e-5, err_msg=method)
        assert objective(res.params) >= best - 1e-9, method


def test_admm_local_step_is_verified_by_the_next_call():
    """A local step returned unverified is checked by the next call's pass (on the problem it
    was taken for) and halved back towards its origin when it raised that objective."""
    from daskstats.design import Block, Layout
    from daskstats.kernels import local_solve

    rng = np.random.default_rng(4)
    n = 500
    X = np.c_[np.ones(n), rng.normal(size=(n, 2))]
    y = rng.poisson(np.exp(X @ [0.2, 0.3, -0.2])).astype(float)
    block = Block(X=X, y=y)
    layout, family = Layout.dense_only(3), sm.families.Poisson()
    v, rho = np.zeros(3), np.full(3, 0.5)

    def local_objective(beta):
        mu = np.exp(X @ beta)
        return family.deviance(y, mu) / (2 * n) + np.sum(rho * (beta - v) ** 2) / 2

    origin = np.zeros(3)
    bad = origin + 3.0  # a step that raised the local objective a lot
    assert local_objective(bad) > local_objective(origin)
    beta, (accepted, value) = local_solve(
        block, layout, family, v, rho, n, bad, previous=(origin, local_objective(origin), v, rho)
    )
    assert local_objective(accepted) <= local_objective(origin)
    assert value == pytest.approx(local_objective(accepted), rel=1e-12)
    assert local_objective(beta) < local_objective(origin)
    # a good step is kept as it is
    _, (kept, _) = local_solve(
        block, layout, family, v, rho, n, beta, previous=(accepted, value, v, rho)
    )
    np.testing.assert_array_equal(kept, beta)
