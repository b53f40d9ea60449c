"""statsmodels' own OLS/WLS test suite (statsmodels/regression/tests/test_regression.py of the
installed statsmodels), run against daskstats' OLS and WLS through :mod:`statsmodels_adapter`
(GLS, GLSAR and the other linear models stay statsmodels')."""

from compat.statsmodels_adapter import load_suite

globals().update(load_suite("statsmodels.regression.tests.test_regression", ("OLS", "WLS")))
