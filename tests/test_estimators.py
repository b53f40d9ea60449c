"""The scikit-learn door (:mod:`daskstats.estimators`): scikit-learn's estimator checks, dask-ml's
coefficients, statsmodels' unpenalized fits, pipelines and grid search, and lazy dask output.

Reference values come from dask-ml / dask-glm (their estimators, and their own objective and
standardization code minimized to a tight tolerance by scipy), statsmodels and scikit-learn —
never from daskstats' own output.

scikit-learn checks that do not run (there are no expected failures):

- ``check_array_api_input`` skips itself unless ``SCIPY_ARRAY_API=1``: the estimators take
  numpy and dask input, not other array API namespaces (the tag ``array_api_support`` is False).
- the multiclass parts of the classifier checks are not generated: ``LogisticRegression`` is
  binary (the tag ``classifier_tags.multi_class`` is False, as dask-ml's supports two classes
  only); ``check_classifier_not_supporting_multiclass`` checks its error.
- the sample-weight checks are not generated: ``fit`` takes no ``sample_weight`` (as dask-ml's).
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

pytest.importorskip("sklearn")

from scipy import optimize  # noqa: E402
from sklearn.metrics import d2_tweedie_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import daskstats.estimators as estimators  # noqa: E402
from daskstats.estimators import (  # noqa: E402
    LinearRegression,
    LogisticRegression,
    PoissonRegression,
)

ESTIMATORS = {
    "logistic": LogisticRegression,
    "linear": LinearRegression,
    "poisson": PoissonRegression,
}
FAMILIES = {
    "logistic": sm.families.Binomial,
    "linear": sm.families.Gaussian,
    "poisson": sm.families.Poisson,
}
#: scikit-learn checks expected to fail, with the reason (none: every generated check passes)
EXPECTED_FAILED_CHECKS: dict[str, str] = {}

N, P, CHUNK = 400, 3, 100


@pytest.fixture(scope="module")
def data():
    """Columns of different scales and means (standardization matters), three responses."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(N, P)) * [1.0, 3.0, 0.5] + [0.0, 2.0, -1.0]
    eta = X @ [0.8, -0.3, 0.6] + 0.2
    return X, {
        "logistic": (rng.random(N) < 1 / (1 + np.exp(-eta))).astype(float),
        "linear": eta + rng.normal(size=N),
        "poisson": rng.poisson(np.exp(0.3 * eta)).astype(float),
    }


def _dask(X, y):
    return da.from_array(X, chunks=(CHUNK, X.shape[1])), da.from_array(y, chunks=CHUNK)


# --- scikit-learn's checks ---------------------------------------------------------------------
@parametrize_with_checks(
    [
        LogisticRegression(),
        LinearRegression(),
        PoissonRegression(),
        LogisticRegression(solver="newton"),  # unpenalized IRLS
        LinearRegression(solver="newton"),
        PoissonRegression(solver="newton"),
        LogisticRegression(penalty="l1"),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_scikit_learn_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence / separation warnings on tiny data
        check(estimator)


# --- dask-ml / dask-glm -------------------------------------------------------------------------
def _dask_glm_reference(X, y, kind, C, L1_wt, fit_intercept=True, normalize=True):
    """dask-glm's objective ``Σ loss + (1/C) R(γ)`` on dask-glm's own standardized design
    (``dask_glm.utils.normalize``), minimized by scipy's L-BFGS-B to a tight tolerance
    (``γ = u − v``, ``u, v ≥ 0``, handles the L1 part)."""
    pytest.importorskip("dask_glm")
    from dask_glm import families
    from dask_glm.utils import add_intercept
    from dask_glm.utils import normalize as dask_glm_normalize

    family = {"logistic": families.Logistic, "linear": families.Normal}.get(kind, families.Poisson)
    lam = 1.0 / C

    def solve(Z, y):
        q = Z.shape[1]

        def objective(uv):
            beta = uv[:q] - uv[q:]
            value = family.pointwise_loss(beta, Z, y)
            value += lam * (L1_wt * uv.sum() + (1 - L1_wt) * beta @ beta / 2)
            grad = family.pointwise_gradient(beta, Z, y) + lam * (1 - L1_wt) * beta
            return value, np.concatenate([grad + lam * L1_wt, -grad + lam * L1_wt])

        out = optimize.minimize(
            objective,
            np.zeros(2 * q),
            jac=True,
            method="L-BFGS-B",
            bounds=[(0, None)] * (2 * q),
            options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 20000, "maxcor": 30},
        )
        return out.x[:q] - out.x[q:]

    design = add_intercept(X) if fit_intercept else X
    beta = dask_glm_normalize(solve)(design, y, normalize=normalize)
    return (beta[:-1], beta[-1]) if fit_intercept else (beta, 0.0)


@pytest.mark.parametrize("kind", list(ESTIMATORS))
@pytest.mark.parametrize(
    "penalty, C", [("l2", 1.0), ("l2", 0.02), ("l1", 1.0), ("l1", 0.05), ("elastic_net", 0.2)]
)
def test_penalized_fit_minimizes_dask_glm_objective(data, kind, penalty, C):
    """The mapping ``α = 1/(C n)`` (``1/(2 C n)`` linear), standardized columns, intercept
    penalized, ``L1_wt`` = dask-glm's weight: the same optimum as dask-glm's objective, to
    1e-6 (both solved tightly; dask-glm's own solvers stop far earlier, see below)."""
    X, ys = data
    y = ys[kind]
    L1_wt = {"l2": 0.0, "l1": 1.0, "elastic_net": 0.5}[penalty]
    coef, intercept = _dask_glm_reference(X, y, kind, C, L1_wt)
    fitted = ESTIMATORS[kind](penalty=penalty, C=C).fit(*_dask(X, y))
    np.testing.assert_allclose(fitted.coef_, coef, atol=1e-6)
    assert fitted.intercept_ == pytest.approx(intercept, abs=1e-6)


@pytest.mark.parametrize("ones", [True, False])
def test_without_intercept(data, ones):
    """``fit_intercept=False``: dask-glm only scales the columns, unless one is constant (a
    column of ones): then it centres the others and that column's coefficient absorbs it."""
    X, ys = data
    X2 = np.column_stack([X, np.ones(N)]) if ones else X
    coef, _ = _dask_glm_reference(X2, ys["logistic"], "logistic", 0.5, 0.0, fit_intercept=False)
    fitted = LogisticRegression(C=0.5, fit_intercept=False).fit(X2, ys["logistic"])
    np.testing.assert_allclose(fitted.coef_, coef, atol=1e-6)
    assert fitted.intercept_ == 0.0


def test_normalize_false_penalizes_the_original_columns(data):
    X, ys = data
    coef, intercept = _dask_glm_reference(X, ys["poisson"], "poisson", 0.05, 1.0, normalize=False)
    fitted = PoissonRegression(penalty="l1", C=0.05, solver_kwargs={"normalize": False})
    fitted.fit(X, ys["poisson"])
    np.testing.assert_allclose(fitted.coef_, coef, atol=1e-6)
    assert fitted.intercept_ == pytest.approx(intercept, abs=1e-6)


@pytest.mark.parametrize("kind", list(ESTIMATORS))
def test_l2_matches_dask_ml_lbfgs(data, kind):
    """dask-ml's own estimators with L-BFGS at a tight tolerance (``tol`` is its projected
    gradient tolerance on the summed loss): agreement to 1e-5 (observed ≤ 2e-6; the
    difference is L-BFGS' stopping point)."""
    dask_ml = pytest.importorskip("dask_ml.linear_model")
    X, ys = data
    dX, dy = _dask(X, ys[kind])
    name = type(ESTIMATORS[kind]()).__name__
    reference = getattr(dask_ml, name)(solver="lbfgs", C=0.5, tol=1e-10, max_iter=10000)
    reference.fit(dX, dy)
    fitted = ESTIMATORS[kind](solver="lbfgs", C=0.5).fit(dX, dy)
    np.testing.assert_allclose(fitted.coef_, reference.coef_, atol=1e-5)
    assert fitted.intercept_ == pytest.approx(reference.intercept_, abs=1e-5)


def _dask_glm_objective(X, y, kind, C, L1_wt, coef, intercept):
    """dask-glm's ``Σ loss + (1/C) R(γ)`` at ``(coef, intercept)``: ``γ`` are the coefficients
    of its standardized columns (population sd), the intercept's those of the centred ones."""
    from dask_glm import families

    family = {"logistic": families.Logistic, "linear": families.Normal}.get(kind, families.Poisson)
    loss = family.pointwise_loss(np.append(coef, intercept), np.column_stack([X, np.ones(N)]), y)
    gamma = np.append(coef * X.std(axis=0), intercept + coef @ X.mean(axis=0))
    penalty = L1_wt * np.abs(gamma).sum() + (1 - L1_wt) * gamma @ gamma / 2
    return loss + penalty / C


@pytest.mark.parametrize("kind", list(ESTIMATORS))
def test_l1_is_better_than_dask_ml_at_its_own_objective(data, kind):
    """dask-ml's proximal gradient (``tol`` on the relative change of the loss) stops about
    1e-3 from the optimum (observed 5e-4 logistic, 3e-3 linear, 1e-5 Poisson): agreement to
    5e-3, and a lower value of dask-ml's own objective. (Its ADMM with tightened ``abstol`` /
    ``reltol`` agrees to 1e-5 but takes minutes here.)"""
    dask_ml = pytest.importorskip("dask_ml.linear_model")
    X, ys = data
    y = ys[kind]
    name = type(ESTIMATORS[kind]()).__name__
    reference = getattr(dask_ml, name)(penalty="l1", solver="proximal_grad", tol=1e-12)
    reference.set_params(max_iter=3000).fit(*_dask(X, y))
    fitted = ESTIMATORS[kind](penalty="l1", solver="proximal_grad").fit(*_dask(X, y))
    np.testing.assert_allclose(fitted.coef_, reference.coef_, atol=5e-3)
    assert fitted.intercept_ == pytest.approx(reference.intercept_, abs=5e-3)
    ours = _dask_glm_objective(X, y, kind, 1.0, 1.0, fitted.coef_, fitted.intercept_)
    theirs = _dask_glm_objective(X, y, kind, 1.0, 1.0, reference.coef_, reference.intercept_)
    assert ours <= theirs * (1 + 1e-12)


def test_dask_glm_tuning_keywords_are_ignored_with_a_warning(data):
    X, ys = data
    with pytest.warns(UserWarning, match="dask-glm's ADMM"):
        fitted = LogisticRegression(solver_kwargs={"abstol": 1e-7, "reltol": 1e-5})
        fitted.fit(X, ys["logistic"])
    np.testing.assert_array_equal(fitted.coef_, LogisticRegression().fit(X, ys["logistic"]).coef_)


@pytest.mark.parametrize("kind", list(ESTIMATORS))
def test_newton_matches_dask_ml_newton(data, kind):
    """dask-ml's ``solver="newton"`` ignores ``penalty`` and ``C``: unpenalized, to 1e-8."""
    dask_ml = pytest.importorskip("dask_ml.linear_model")
    X, ys = data
    dX, dy = _dask(X, ys[kind])
    name = type(ESTIMATORS[kind]()).__name__
    reference = getattr(dask_ml, name)(solver="newton", C=0.01, tol=1e-12).fit(dX, dy)
    fitted = ESTIMATORS[kind](solver="newton", C=0.01).fit(dX, dy)
    np.testing.assert_allclose(fitted.coef_, reference.coef_, atol=1e-8)
    assert fitted.intercept_ == pytest.approx(reference.intercept_, abs=1e-8)


# --- statsmodels: unpenalized fits ---------------------------------------------------------------
@pytest.mark.parametrize("kind", list(ESTIMATORS))
@pytest.mark.parametrize(
    "options", [{"solver": "newton"}, {"penalty": None}, {"penalty": "none"}, {"C": np.inf}]
)
def test_unpenalized_fits_are_statsmodels(data, kind, options):
    X, ys = data
    y = ys[kind]
    reference = sm.GLM(y, sm.add_constant(X), family=FAMILIES[kind]()).fit()
    fitted = ESTIMATORS[kind](**options).fit(*_dask(X, y))
    np.testing.assert_allclose(fitted.coef_, reference.params[1:], rtol=1e-6, atol=1e-8)
    assert fitted.intercept_ == pytest.approx(reference.params[0], rel=1e-6, abs=1e-8)
    np.testing.assert_allclose(np.asarray(fitted.results_.bse), reference.bse, rtol=1e-6)
    assert list(fitted.results_.params.index) == ["const", "x1", "x2", "x3"]


def test_unpenalized_without_intercept_and_class_weights(data):
    X, ys = data
    y = ys["logistic"]
    weights = np.where(y == 1, 0.5, 2.0)
    reference = sm.GLM(y, X, family=sm.families.Binomial(), var_weights=weights).fit()
    fitted = LogisticRegression(
        penalty=None, fit_intercept=False, class_weight={0.0: 2.0, 1.0: 0.5}
    ).fit(X, y)
    np.testing.assert_allclose(fitted.coef_, reference.params, rtol=1e-6)
    assert fitted.intercept_ == 0.0


def test_robust_covariance_through_solver_kwargs(data):
    X, ys = data
    reference = sm.GLM(ys["poisson"], sm.add_constant(X), family=sm.families.Poisson())
    reference = reference.fit(cov_type="HC0")
    fitted = PoissonRegression(solver="newton", solver_kwargs={"cov_type": "HC0"})
    fitted.fit(X, ys["poisson"])
    np.testing.assert_allclose(np.asarray(fitted.results_.bse), reference.bse, rtol=1e-6)


# --- scikit-learn tools -------------------------------------------------------------------------
def test_pipeline_and_grid_search(data):
    X, ys = data
    y = np.where(ys["logistic"] == 1, "yes", "no")
    pipeline = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    grid = {"model__C": [1e-6, 1.0]}
    search = GridSearchCV(pipeline, grid, cv=3, scoring="neg_log_loss").fit(X, y)
    assert search.best_params_ == {"model__C": 1.0}
    scores = search.cv_results_["mean_test_score"]
    # C = 1e-6 shrinks every coefficient, the intercept too (dask-glm's objective): p ≈ 1/2
    assert scores[0] == pytest.approx(-np.log(2), abs=1e-3) and scores[1] > -0.6
    assert set(search.predict(X)) <= {"no", "yes"}
    direct = LogisticRegression(C=1.0).fit(StandardScaler().fit_transform(X), y)
    np.testing.assert_allclose(search.best_estimator_[-1].coef_, direct.coef_, rtol=1e-10)
    counts, folds = ys["poisson"], KFold(3)
    scores = cross_val_score(PoissonRegression(), X, counts, cv=folds)
    d2 = [  # D², as scikit-learn's PoissonRegressor.score
        d2_tweedie_score(
            counts[test], PoissonRegression().fit(X[train], counts[train]).predict(X[test]), power=1
        )
        for train, test in folds.split(X)
    ]
    np.testing.assert_allclose(scores, d2, rtol=1e-12)


def test_scores_are_scikit_learn_metrics(data):
    X, ys = data
    y = ys["poisson"]
    fitted = PoissonRegression().fit(X, y)
    expected = d2_tweedie_score(y, fitted.predict(X), power=1)
    assert fitted.score(X, y) == pytest.approx(expected, rel=1e-12)
    assert fitted.score(*_dask(X, y)) == pytest.approx(expected, rel=1e-10)
    deviance = sm.families.Poisson().deviance(y, fitted.predict(X))
    assert fitted.get_deviance(*_dask(X, y)) == pytest.approx(deviance, rel=1e-10)


# --- dask in, lazy dask out -------------------------------------------------------------------
def _no_compute(*args, **kwargs):
    raise AssertionError("a prediction computed something")


@pytest.mark.parametrize("kind", list(ESTIMATORS))
def test_dask_input_gives_lazy_dask_output(data, kind):
    X, ys = data
    dX, dy = _dask(X, ys[kind])
    on_numpy = ESTIMATORS[kind]().fit(X, ys[kind])
    on_dask = ESTIMATORS[kind]().fit(dX, dy)
    np.testing.assert_allclose(on_dask.coef_, on_numpy.coef_, rtol=1e-9, atol=1e-12)
    methods = ["predict"] + (["predict_proba", "decision_function"] if kind == "logistic" else [])
    for method in methods:
        with dask.config.set(scheduler=_no_compute):
            lazy = getattr(on_dask, method)(dX)
        assert isinstance(lazy, da.Array) and lazy.chunks[0] == dX.chunks[0]
        expected = getattr(on_numpy, method)(X)
        assert isinstance(expected, np.ndarray)
        np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-9, atol=1e-12)
    assert on_dask.score(dX, dy) == pytest.approx(on_numpy.score(X, ys[kind]), rel=1e-9)


def test_dask_dataframes_and_feature_names(data):
    X, ys = data
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    y = pd.Series(ys["logistic"])
    ddf, series = dd.from_pandas(frame, npartitions=3), dd.from_pandas(y, npartitions=3)
    fitted = LogisticRegression().fit(ddf, series)
    expected = LogisticRegression().fit(frame, y)
    assert list(fitted.feature_names_in_) == ["a", "b", "c"]
    assert list(expected.feature_names_in_) == ["a", "b", "c"]
    np.testing.assert_allclose(fitted.coef_, expected.coef_, rtol=1e-9)
    assert list(fitted.results_.params.index) == ["const", "a", "b", "c"]
    with dask.config.set(scheduler=_no_compute):
        proba = fitted.predict_proba(ddf)
    assert isinstance(proba, da.Array)
    np.testing.assert_allclose(proba.compute(), expected.predict_proba(frame), rtol=1e-9)
    assert proba.shape[1] == 2 and isinstance(expected.predict(frame), np.ndarray)
    with pytest.raises(ValueError, match="feature names"):
        fitted.predict(ddf[["b", "a", "c"]])


# --- parameters -------------------------------------------------------------------------------
def test_parameters_are_dask_ml_s():
    dask_ml = pytest.importorskip("dask_ml.linear_model")
    for name in ("LogisticRegression", "LinearRegression", "PoissonRegression"):
        ours = getattr(estimators, name)().get_params()
        assert ours == getattr(dask_ml, name)().get_params()


def test_dask_glm_regularizer_objects_and_bad_parameters(data):
    pytest.importorskip("dask_glm")
    from dask_glm.regularizers import L1

    X, ys = data
    y = ys["linear"]
    by_name = LinearRegression(penalty="l1", C=0.05).fit(X, y)
    by_object = LinearRegression(penalty=L1(), C=0.05).fit(X, y)
    np.testing.assert_array_equal(by_name.coef_, by_object.coef_)
    for bad in ({"solver": "sag"}, {"penalty": "l3"}, {"C": 0.0}, {"solver_kwargs": {"x": 1}}):
        with pytest.raises(ValueError):
            LinearRegression(**bad).fit(X, y)
    with pytest.raises(ValueError, match="unpenalized"):
        LinearRegression(solver_kwargs={"cov_type": "HC0"}).fit(X, y)


def test_penalized_results_say_they_are_standardized(data):
    X, ys = data
    fitted = LogisticRegression(solver_kwargs={"method": "admm"}).fit(X, ys["logistic"])
    assert "standardized" in str(fitted.results_.summary())
    default = LogisticRegression().fit(X, ys["logistic"])
    np.testing.assert_allclose(fitted.coef_, default.coef_, atol=1e-5)


def test_import_daskstats_does_not_import_scikit_learn():
    code = "import sys, daskstats; assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
