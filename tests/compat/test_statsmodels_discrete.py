"""statsmodels' own discrete-model test suite (statsmodels/discrete/tests/test_discrete.py of
the installed statsmodels), run against daskstats' Logit, Probit, Poisson and
NegativeBinomial through :mod:`statsmodels_adapter` (MNLogit, NegativeBinomialP, the
generalized and zero-inflated models stay statsmodels')."""

from compat.statsmodels_adapter import load_suite

globals().update(
    load_suite(
        "statsmodels.discrete.tests.test_discrete",
        ("Logit", "Probit", "Poisson", "NegativeBinomial"),
    )
)
