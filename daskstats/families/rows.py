"""Per-row IRLS quantities: statsmodels' family methods, with fused fast paths for three
canonical pairs.

:class:`FamilyRows` calls statsmodels' own family and link methods (the reference).  The fast
paths (Binomial–logit, Poisson–log, Gaussian–identity) compute the same quantities with fewer
temporaries and no Python-level indirection — the same clipping at machine epsilon as
statsmodels, so results agree to rounding (checked in ``tests/test_rowops.py``).
"""

from __future__ import annotations

import numpy as np
from statsmodels.genmod.families import Binomial, Family, Gaussian, Poisson, links

__all__ = ["FamilyRows", "rows_for"]

_EPS = np.finfo(float).eps


class FamilyRows:
    """Generic per-row quantities from statsmodels' family (any family, any link)."""

    def __init__(self, family: Family):
        self.family = family

    def mean(self, eta: np.ndarray) -> np.ndarray:
        """``μ = g⁻¹(η)``."""
        return self.family.fitted(eta)

    def start_eta(self, mu: np.ndarray) -> np.ndarray:
        """``η = g(μ)`` (statsmodels' start: η from μ, no offset)."""
        return self.family.predict(mu)

    def weights_working(self, eta, mu, y):
        """Unit IRLS weights ``1 / (g'(μ)² V(μ))`` and ``η + g'(μ)(y − μ)``."""
        deriv = self.family.link.deriv(mu)
        return 1.0 / (deriv**2 * self.family.variance(mu)), eta + deriv * (y - mu)

    def irls_rows(self, eta, mu, y):
        """Unit weights, working response and variance ``V(μ)`` in one call."""
        w, z = self.weights_working(eta, mu, y)
        return w, z, self.variance(mu)

    def unit_deviance(self, y, mu) -> np.ndarray:
        """statsmodels' ``_resid_dev`` (per-row deviance, before weights)."""
        return self.family._resid_dev(y, mu)

    def variance(self, mu) -> np.ndarray:
        return self.family.variance(mu)


class _LogitBinomialRows(FamilyRows):
    def mean(self, eta):
        return 1.0 / (1.0 + np.exp(-eta))

    def weights_working(self, eta, mu, y):
        p = np.clip(mu, _EPS, 1 - _EPS)
        pq = p * (1 - p)
        deriv = 1.0 / pq
        return 1.0 / (deriv * deriv * pq), eta + deriv * (y - mu)

    def irls_rows(self, eta, mu, y):
        # the clipped variance p(1 − p) is the weight (statsmodels: 1 / (g'(μ)² V(μ)), the same
        # number up to rounding) and the working response's divisor
        p = np.clip(mu, _EPS, 1 - _EPS)
        pq = p * (1 - p)
        return pq, eta + (y - mu) / pq, pq

    def unit_deviance(self, y, mu):
        a = np.maximum(y / (mu + 1e-20), _EPS)
        b = np.maximum((1.0 - y) / (1.0 - mu + 1e-20), _EPS)
        return 2.0 * (y * np.log(a) + (1 - y) * np.log(b))

    def variance(self, mu):
        p = np.clip(mu, _EPS, 1 - _EPS)
        return p * (1 - p)


class _LogPoissonRows(FamilyRows):
    def mean(self, eta):
        return np.exp(eta)

    def weights_working(self, eta, mu, y):
        deriv = 1.0 / np.maximum(mu, _EPS)
        return 1.0 / (deriv * deriv * np.abs(mu)), eta + deriv * (y - mu)

    def irls_rows(self, eta, mu, y):
        w, z = self.weights_working(eta, mu, y)
        return w, z, np.abs(mu)

    def unit_deviance(self, y, mu):
        return 2.0 * (y * np.log(np.maximum(y / mu, _EPS)) - (y - mu))

    def variance(self, mu):
        return np.abs(mu)


class _IdentityGaussianRows(FamilyRows):
    def mean(self, eta):
        return eta

    def weights_working(self, eta, mu, y):
        return np.ones_like(mu), eta + (y - mu)

    def unit_deviance(self, y, mu):
        r = y - mu
        return r * r

    def variance(self, mu):
        return np.ones_like(mu)


def rows_for(family: Family, trials: np.ndarray | None, fast: bool = True) -> FamilyRows:
    """The per-row operations for ``family`` (a fast path when one applies)."""
    if fast and trials is None:
        kind, link = type(family), type(family.link)
        if kind is Binomial and link is links.Logit and np.all(np.asarray(family.n) == 1):
            return _LogitBinomialRows(family)
        if kind is Poisson and link is links.Log:
            return _LogPoissonRows(family)
        if kind is Gaussian and link is links.Identity:
            return _IdentityGaussianRows(family)
    return FamilyRows(family)
