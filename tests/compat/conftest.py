"""statsmodels' test markers and fixtures, for its test modules run here."""

import pytest


def pytest_configure(config):
    for marker in ("smoke", "matplotlib", "slow", "thread_unsafe", "low_precision", "example"):
        config.addinivalue_line("markers", f"{marker}: statsmodels' marker")


@pytest.fixture
def close_figures():
    """statsmodels' fixture: matplotlib's pyplot, figures closed afterwards."""
    plt = pytest.importorskip("matplotlib.pyplot")
    plt.close("all")
    yield plt
    plt.close("all")


# statsmodels tests that daskstats does not pass, each with the reason (docs/from-statsmodels.md
# lists them too). Not strict: a newer statsmodels may change or drop a test.
KNOWN_DIFFERENCES = {
    "test_tweedie_EQL": (
        "statsmodels' fit_regularized(method='elastic_net') of a Tweedie model with an "
        "estimated var_power (EQL) optimizes its extended quasi-likelihood; daskstats' "
        "penalized fits use the deviance"
    ),
    "test_glm_lasso_6431": "calls statsmodels' private model._fit_ridge",
    "test_regularized_l1_slsqp_vs_discrete": (
        "daskstats' L1 estimate reaches a lower penalized objective than statsmodels' "
        "discrete L1 (0.65531572637 vs 0.65531572652 at alpha=0.01) and differs from it by "
        "3e-5 in a flat direction, above the test's atol=1e-5"
    ),
    "test_regularized_elastic_net_ridge_shortcut": (
        "checks isinstance(result, statsmodels' RegularizedResultsWrapper)"
    ),
    "test_regularized_elastic_net_method_alias": (
        "calls statsmodels' fit_elasticnet(model, ...), which reads statsmodels' model.data"
    ),
    "test_tweedie_score": (
        "differentiates loglike with complex steps (statsmodels' approx_fprime_cs); "
        "daskstats' likelihood sums are real"
    ),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        reason = KNOWN_DIFFERENCES.get(item.originalname or item.name)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
