"""The decomposed log-likelihood equals statsmodels' ``family.loglike`` (the reference) for
every family it handles, at any scale, with frequency and variance weights."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from daskstats.families import likelihood

F = sm.families
rng = np.random.default_rng(3)
N = 257
MU = rng.uniform(0.2, 0.8, N)
FW = rng.integers(1, 4, N).astype(float)
VW = rng.uniform(0.5, 2.0, N)

CASES = [
    (F.Gaussian(), rng.normal(0.5, 1.0, N), VW),
    (F.Binomial(), (rng.random(N) < MU).astype(float), VW),
    (F.Poisson(), rng.poisson(MU * 3).astype(float), VW),
    (F.NegativeBinomial(alpha=0.7), rng.poisson(MU * 3).astype(float), VW),
    (F.InverseGaussian(), rng.uniform(0.1, 2.0, N), VW),
    (F.Gamma(), rng.uniform(0.1, 2.0, N), np.full(N, 1.7)),
    (F.Gamma(), rng.uniform(0.1, 2.0, N), np.ones(N)),
]


@pytest.mark.parametrize(
    "family,y,vw", CASES, ids=lambda v: type(v).__name__ if hasattr(v, "link") else None
)
@pytest.mark.parametrize("scale", [1.0, 0.37, 2.5])
def test_decomposed_loglike_matches_statsmodels(family, y, vw, scale):
    mu = MU * (3 if isinstance(family, (F.Poisson, F.NegativeBinomial)) else 1)
    if isinstance(family, (F.Binomial, F.Poisson, F.NegativeBinomial)):
        scale = 1.0  # fixed-scale families are always evaluated at scale 1
    assert likelihood.decomposable(family, np.ptp(vw) == 0)
    # split into two "partitions" and add the partial sums
    half = N // 3
    parts = [
        likelihood.row_sums(family, y[s], mu[s], FW[s], vw[s])
        for s in (slice(0, half), slice(half, N))
    ]
    sums = {k: parts[0][k] + parts[1][k] for k in parts[0]}
    ours = likelihood.combine(family, sums, scale, var_weight=vw[0])
    theirs = family.loglike(y, mu, var_weights=vw, freq_weights=FW, scale=scale)
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_varying_gamma_weights_and_tweedie_use_the_generic_path():
    assert not likelihood.decomposable(F.Gamma(), constant_var_weight=False)
    assert not likelihood.decomposable(F.Tweedie(var_power=1.5), constant_var_weight=True)
    y = rng.uniform(0.1, 2.0, N)
    family = F.Tweedie(var_power=1.5)
    ours = likelihood.generic_row_sums(family, y, MU, FW, VW, 0.8)
    assert ours == pytest.approx(family.loglike(y, MU, VW, FW, 0.8), rel=1e-12)
