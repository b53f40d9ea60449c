"""The fused fast paths equal statsmodels' own family methods (the generic path)."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from daskstats.families.rows import FamilyRows, rows_for

F = sm.families
rng = np.random.default_rng(11)
N = 5000
ETA = np.concatenate([rng.normal(0, 2, N - 6), [-40.0, -800.0, 0.0, 36.0, 40.0, 700.0]])


@pytest.mark.parametrize(
    "family,y",
    [
        (F.Binomial(), (rng.random(N) < 0.4).astype(float)),
        (F.Binomial(), rng.random(N)),  # proportions
        (F.Poisson(), rng.poisson(2.0, N).astype(float)),
        (F.Gaussian(), rng.normal(size=N)),
    ],
    ids=["binary", "proportions", "poisson", "gaussian"],
)
def test_fast_path_equals_statsmodels(family, y):
    fast = rows_for(family, None)
    assert type(fast) is not FamilyRows
    generic = FamilyRows(family)
    eta = np.clip(ETA, -700, 700) if isinstance(family, F.Poisson) else ETA
    with np.errstate(all="ignore"):
        mu_f, mu_g = fast.mean(eta), generic.mean(eta)
        np.testing.assert_allclose(mu_f, mu_g, rtol=1e-15, atol=0)
        for a, b in zip(fast.weights_working(eta, mu_g, y), generic.weights_working(eta, mu_g, y)):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)
        np.testing.assert_allclose(
            fast.unit_deviance(y, mu_g), generic.unit_deviance(y, mu_g), rtol=1e-13, atol=1e-300
        )
        np.testing.assert_allclose(fast.variance(mu_g), generic.variance(mu_g), rtol=1e-15)
        for a, b in zip(fast.irls_rows(eta, mu_g, y), generic.irls_rows(eta, mu_g, y)):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)


def test_no_fast_path_for_other_links_or_trials():
    assert type(rows_for(F.Binomial(F.links.Probit()), None)) is FamilyRows
    assert type(rows_for(F.Binomial(), np.full(3, 2.0))) is FamilyRows
    assert type(rows_for(F.Gamma(), None)) is FamilyRows
