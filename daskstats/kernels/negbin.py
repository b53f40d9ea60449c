"""The negative binomial log-likelihood with its dispersion ``α`` as a parameter: per-block
sums of the log-likelihood, the score and the Hessian in ``(β, α)``, and optionally the
outer product of the row scores (a robust meat). Pure numpy and scipy.

statsmodels' parameterizations (``NegativeBinomial(loglike_method=...)``), with
``μ = exp(Xβ + offset)``:

* NB2, ``Var = μ + α μ²``: size ``a = 1/α``;
* NB1, ``Var = μ + α μ = (1 + α) μ``: size ``a = μ/α``.

Both are ``ℓ = lgamma(y + a) − lgamma(a) − lgamma(y + 1) + a log p + y log(1 − p)`` with
``p = a / (a + μ)``; the derivatives below are those of this expression by the chain rule
through ``a`` and ``μ``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from daskstats.design.block import Block
from daskstats.design.layout import Layout
from daskstats.kernels.linear import block_linear_predictor, dense_design, row_slices
from daskstats.partials import Partial

__all__ = ["NegBinPartial", "negbin_pass", "negbin_rows", "negbin_row_values"]

METHODS = ("nb2", "nb1")


@dataclass(frozen=True)
class NegBinPartial(Partial):
    """Sums over rows at ``(β, α)``.

    Attributes
    ----------
    llf : float
    score : ndarray of shape (p + 1,)
    hessian : ndarray of shape (p + 1, p + 1)
    meat : ndarray of shape (p + 1, p + 1) or None
        ``Σ s_i s_iᵀ`` of the row scores (robust covariances).
    n : float
    resid_sq, mu_sum, mu_sq, pearson_poisson : float
        ``Σ (y − μ)²``, ``Σ μ``, ``Σ μ²`` and ``Σ (y − μ)² / μ`` (moment starts for α).
    """

    llf: float
    score: np.ndarray
    hessian: np.ndarray
    meat: np.ndarray | None
    n: float
    resid_sq: float
    mu_sum: float
    mu_sq: float
    pearson_poisson: float

    def combine(self, other: NegBinPartial, into: bool = False) -> NegBinPartial:  # type: ignore[override]
        meat = None
        if self.meat is not None and other.meat is not None:
            meat = self.meat + other.meat
        return NegBinPartial(
            self.llf + other.llf,
            self.score + other.score,
            self.hessian + other.hessian,
            meat,
            self.n + other.n,
            self.resid_sq + other.resid_sq,
            self.mu_sum + other.mu_sum,
            self.mu_sq + other.mu_sq,
            self.pearson_poisson + other.pearson_poisson,
        )


def negbin_rows(y: np.ndarray, eta: np.ndarray, alpha: float, method: str):
    """Per-row ``ℓ``, ``∂ℓ/∂η``, ``∂²ℓ/∂η²``, ``∂ℓ/∂α``, ``∂²ℓ/∂α²`` and ``∂²ℓ/∂η∂α``."""
    mu = np.exp(eta)
    if method == "nb2":
        a = np.full_like(mu, 1.0 / alpha)
        a_eta, a_alpha, a_alpha2, a_eta_alpha = 0.0, -(a**2), 2 * a**3, 0.0
    else:
        a = mu / alpha
        a_eta, a_alpha, a_alpha2, a_eta_alpha = a, -a / alpha, 2 * a / alpha**2, -a / alpha
    am = a + mu
    log_p = np.log(a) - np.log(am)
    log_q = np.log(mu) - np.log(am)
    llf = (
        special.gammaln(y + a) - special.gammaln(a) - special.gammaln(y + 1) + a * log_p + y * log_q
    )
    # f(a, μ) = lgamma(y + a) − lgamma(a) + a log a − (a + y) log(a + μ) + y log μ
    f_a = special.digamma(y + a) - special.digamma(a) + log_p + 1 - (a + y) / am
    f_aa = special.polygamma(1, y + a) - special.polygamma(1, a) + 1 / a - 2 / am + (a + y) / am**2
    f_mu = -(a + y) / am + y / mu
    f_mumu = (a + y) / am**2 - y / mu**2
    f_amu = -1 / am + (a + y) / am**2
    # μ_η = μ, μ_ηη = μ; μ does not depend on α
    d_eta = f_a * a_eta + f_mu * mu
    d_eta2 = f_aa * a_eta**2 + 2 * f_amu * a_eta * mu + f_mumu * mu**2 + f_a * a_eta + f_mu * mu
    d_alpha = f_a * a_alpha
    d_alpha2 = f_aa * a_alpha**2 + f_a * a_alpha2
    d_eta_alpha = f_aa * a_eta * a_alpha + f_amu * mu * a_alpha + f_a * a_eta_alpha
    return llf, d_eta, d_eta2, d_alpha, d_alpha2, d_eta_alpha, mu


def negbin_pass(
    block: Block, layout: Layout | None, beta: np.ndarray, alpha: float, method: str, meat: bool
) -> NegBinPartial:
    """The sums of one block at ``(beta, alpha)`` (see the module docstring); ``layout=None``
    is the constant-only model (``beta`` its intercept)."""
    p = 1 if layout is None else layout.n_params
    score = np.zeros(p + 1)
    hessian = np.zeros((p + 1, p + 1))
    outer = np.zeros((p + 1, p + 1)) if meat else None
    llf = resid_sq = mu_sum = mu_sq = pearson = 0.0
    if layout is None:
        eta_all = np.full(block.nrows, float(beta[0]))
        if block.offset is not None:
            eta_all = eta_all + block.offset
    else:
        eta_all = block_linear_predictor(block, layout.split(beta))
    size = max(1, (1 << 20) // max(p + 1, 1))
    for rows in row_slices(block.nrows, size):
        y = block.y[rows]
        llf_r, d_eta, d_eta2, d_alpha, d_alpha2, d_eta_alpha, mu = negbin_rows(
            y, eta_all[rows], alpha, method
        )
        X = np.ones((len(y), 1)) if layout is None else dense_design(block, layout, rows)
        llf += float(llf_r.sum())
        score[:p] += X.T @ d_eta
        score[p] += float(d_alpha.sum())
        hessian[:p, :p] += X.T @ (X * d_eta2[:, None])
        cross = X.T @ d_eta_alpha
        hessian[:p, p] += cross
        hessian[p, :p] += cross
        hessian[p, p] += float(d_alpha2.sum())
        if outer is not None:
            S = np.column_stack([X * d_eta[:, None], d_alpha])
            outer += S.T @ S
        resid = y - mu
        resid_sq += float(resid @ resid)
        mu_sum += float(mu.sum())
        mu_sq += float(mu @ mu)
        pearson += float(np.sum(resid * resid / mu))
    return NegBinPartial(
        llf, score, hessian, outer, float(block.nrows), resid_sq, mu_sum, mu_sq, pearson
    )


def negbin_row_values(
    block: Block, layout: Layout, beta: np.ndarray, alpha: float, method: str, what: str
) -> np.ndarray:
    """Per-row ``loglike`` (``what="loglike"``) or scores ``(n, p + 1)`` (``"score"``) of one
    block; ``alpha`` is not a parameter of the geometric model (``method="geometric"``: the
    scores have no ``α`` column)."""
    geometric = method == "geometric"
    eta = block_linear_predictor(block, layout.split(beta))
    llf, d_eta, _, d_alpha, _, _, _ = negbin_rows(
        block.y, eta, 1.0 if geometric else alpha, "nb2" if geometric else method
    )
    if what == "loglike":
        return llf
    X = dense_design(block, layout)
    scores = X * d_eta[:, None]
    return scores if geometric else np.column_stack([scores, d_alpha])
