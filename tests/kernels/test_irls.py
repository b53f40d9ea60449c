"""Per-partition kernels against direct numpy formulas (statsmodels' IRLS definitions), and
invariance of their summed results to how rows are split into partitions."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from daskstats import kernels
from daskstats.design import Block, Layout
from daskstats.kernels.null import NullSpec
from daskstats.linalg import symmetrize
from daskstats.partials import combine_all

F = sm.families
L = F.links
rng = np.random.default_rng(7)
N, P = 20_000, 5  # more rows than one slice, so the slicing inside a kernel is exercised
X = np.ascontiguousarray(np.c_[np.ones(N), rng.normal(size=(N, P - 1))])
BETA = np.array([0.2, 0.3, -0.2, 0.1, 0.05])
OFF = rng.normal(0, 0.1, N)
FW = rng.integers(1, 3, N).astype(float)
VW = rng.uniform(0.5, 1.5, N)
DENSE = Layout.dense_only(P)

FAMILIES = [
    (F.Binomial(), lambda mu: (rng.random(N) < mu).astype(float)),
    (F.Binomial(L.Probit()), lambda mu: (rng.random(N) < mu).astype(float)),
    (F.Poisson(), lambda mu: rng.poisson(mu).astype(float)),
    (F.Gamma(L.Log()), lambda mu: rng.gamma(2.0, mu / 2.0)),
    (F.Gaussian(), lambda mu: mu + rng.normal(size=N)),
]


def _block(y, lo=0, hi=N):
    return Block(
        X=X[lo:hi], y=y[lo:hi], offset=OFF[lo:hi], freq_weights=FW[lo:hi], var_weights=VW[lo:hi]
    )


@pytest.mark.parametrize("family,draw", FAMILIES, ids=lambda v: v.__class__.__name__)
def test_irls_pass_matches_direct_formulas(family, draw):
    mu = family.fitted(X @ BETA + OFF)
    y = draw(np.clip(mu, 1e-3, 1 - 1e-3) if isinstance(family, F.Binomial) else mu)
    spec = kernels.IRLSPassSpec(family, BETA, float(y.mean()), DENSE, loglike=False)
    out = kernels.irls_pass(_block(y), spec)
    eta = X @ BETA + OFF
    mu = family.fitted(eta)
    w = FW * VW / (family.link.deriv(mu) ** 2 * family.variance(mu))
    z = eta + family.link.deriv(mu) * (y - mu) - OFF
    np.testing.assert_allclose(symmetrize(out.gram.dense), X.T @ (X * w[:, None]), rtol=1e-10)
    np.testing.assert_allclose(out.gram.rhs, X.T @ (w * z), rtol=1e-10)
    np.testing.assert_allclose(out.fit.deviance, family.deviance(y, mu, VW, FW), rtol=1e-10)
    pearson = np.sum(FW * VW * (y - mu) ** 2 / family.variance(mu))
    np.testing.assert_allclose(out.fit.pearson, pearson, rtol=1e-10)


@pytest.mark.parametrize("cuts", [[N], [1, N], [3, 9000, 9001, N], [N // 2, N]])
def test_summed_partials_do_not_depend_on_the_split(cuts):
    family = F.Poisson()
    y = rng.poisson(np.exp(X @ BETA + OFF)).astype(float)
    spec = kernels.IRLSPassSpec(family, BETA, float(y.mean()), DENSE, null=NullSpec(intercept=0.1))
    whole = kernels.irls_pass(_block(y), spec)
    bounds = [0, *cuts]
    total = combine_all(
        kernels.irls_pass(_block(y, lo, hi), spec) for lo, hi in zip(bounds[:-1], bounds[1:])
    )
    pairs = [
        (total.gram.dense, whole.gram.dense, "XtWX"),
        (total.gram.rhs, whole.gram.rhs, "XtWz"),
        (total.fit.deviance, whole.fit.deviance, "deviance"),
        (total.fit.pearson, whole.fit.pearson, "pearson"),
        (total.fit.max_abs_resid, whole.fit.max_abs_resid, "max_abs_resid"),
        (total.null.deviance, whole.null.deviance, "null deviance"),
        (total.null.weight, whole.null.weight, "null weight"),
        (total.null.weighted_z, whole.null.weighted_z, "null weighted z"),
    ]
    pairs += [(total.fit.loglike[k], v, k) for k, v in whole.fit.loglike.items()]
    pairs += [(total.null.loglike[k], v, "null " + k) for k, v in whole.null.loglike.items()]
    for got, expected, what in pairs:
        np.testing.assert_allclose(got, expected, rtol=1e-11, err_msg=what)


def test_start_pass_uses_the_global_mean():
    """statsmodels starts from mu = (y + mean(y)) / 2 over the WHOLE response."""
    family = F.Poisson()
    y = rng.poisson(2.0, N).astype(float)
    spec = kernels.IRLSPassSpec(family, None, 5.0, DENSE, loglike=False)
    out = kernels.irls_pass(Block(X=X, y=y), spec)
    mu = (y + 5.0) / 2
    np.testing.assert_allclose(out.fit.deviance, family.deviance(y, mu), rtol=1e-12)


@pytest.mark.parametrize("family,draw", FAMILIES, ids=lambda v: v.__class__.__name__)
def test_gradient_pass_matches_direct_formulas(family, draw):
    """Gradient of D/2 (statsmodels' score with the sign flipped, at scale 1), the Fisher
    diagonal and, for canonical pairs with bounded variance, a Gram that bounds the Hessian."""
    mu = family.fitted(X @ BETA + OFF)
    y = draw(np.clip(mu, 1e-3, 1 - 1e-3) if isinstance(family, F.Binomial) else mu)
    bound = 0.25 if type(family) is F.Binomial and type(family.link) is L.Logit else None
    bound = 1.0 if type(family) is F.Gaussian else bound
    out = kernels.gradient_pass(_block(y), DENSE, family, BETA, diag=True, bound=bound)
    model = sm.GLM(y, X, family=family, offset=OFF, freq_weights=FW, var_weights=VW)
    np.testing.assert_allclose(out.grad, -model.score(BETA, scale=1.0), rtol=1e-10)
    np.testing.assert_allclose(out.deviance, family.deviance(y, mu, VW, FW), rtol=1e-10)
    w = FW * VW / (family.link.deriv(mu) ** 2 * family.variance(mu))
    np.testing.assert_allclose(out.diag, (X * X).T @ w, rtol=1e-10)
    if bound is not None:
        gram = symmetrize(out.bound.dense)
        np.testing.assert_allclose(gram, bound * X.T @ (X * (FW * VW)[:, None]), rtol=1e-10)
        for beta in (BETA, -3 * BETA, np.zeros(P)):  # B - Hessian(beta) is positive semidefinite
            hessian = -model.hessian(beta, scale=1.0, observed=False)
            assert np.linalg.eigvalsh(gram - hessian)[0] >= -1e-8 * np.abs(gram).max()
