"""statsmodels' own GLM weights test suite (statsmodels/genmod/tests/test_glm_weights.py of
the installed statsmodels), run against daskstats through :mod:`statsmodels_adapter`."""

from compat.statsmodels_adapter import load_suite

globals().update(load_suite("statsmodels.genmod.tests.test_glm_weights"))
