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
from daskstats.kernels.gram import GramAccumulator
from daskstats.kernels.linear import block_linear_predictor, dense_design, row_slices
from daskstats.linalg.gram import full_matrix
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
    null: NegBinPartial | None = None

    def combine(self, other: NegBinPartial, into: bool = False) -> NegBinPartial:
        meat = None
        if self.meat is not None and other.meat is not None:
            meat = self.meat + other.meat
        null = None
        if self.null is not None:
            if other.null is None:
                raise TypeError("cannot combine a NegBinPartial with null sums with one without")
            null = self.null.combine(other.null)
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
            null,
        )


#: counts up to this are looked up in tables of the special functions (NB2)
TABLE_MAX = 1_000_000


def _special_terms(
    y: np.ndarray, a: np.ndarray, method: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``lgamma(y + a) − lgamma(a) − lgamma(y + 1)``, ``ψ(y + a) − ψ(a)`` and
    ``ψ'(y + a) − ψ'(a)``. For NB2 (``a`` the same for every row) and integer counts the
    special functions are evaluated once per count value and looked up: a pass costs about
    what a Poisson IRLS pass costs, instead of several special-function calls per row."""
    if method == "nb2" and len(y):
        top = float(y.max())
        if y.min() >= 0 and top <= TABLE_MAX:
            counts = y.astype(np.int64)
            if np.array_equal(counts, y):
                a0 = float(a[0])
                values = np.arange(int(top) + 1, dtype=float)
                gammas = (
                    special.gammaln(values + a0) - special.gammaln(a0) - special.gammaln(values + 1)
                )
                digammas = special.digamma(values + a0) - special.digamma(a0)
                trigammas = special.polygamma(1, values + a0) - special.polygamma(1, a0)
                return gammas[counts], digammas[counts], trigammas[counts]
    gammas = special.gammaln(y + a) - special.gammaln(a) - special.gammaln(y + 1)
    digammas = special.digamma(y + a) - special.digamma(a)
    trigammas = special.polygamma(1, y + a) - special.polygamma(1, a)
    return gammas, digammas, trigammas


def negbin_rows(
    y: np.ndarray, eta: np.ndarray, alpha: float, method: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-row ``ℓ``, ``∂ℓ/∂η``, ``∂²ℓ/∂η²``, ``∂ℓ/∂α``, ``∂²ℓ/∂α²`` and ``∂²ℓ/∂η∂α``."""
    mu = np.exp(eta)
    nb2 = method == "nb2"
    a = np.full_like(mu, 1.0 / alpha) if nb2 else mu / alpha
    am = a + mu
    log_am = np.log(am)
    log_p = np.log(a) - log_am
    log_q = eta - log_am
    gammas, digammas, trigammas = _special_terms(y, a, method)
    llf = gammas + a * log_p + y * log_q
    # f(a, μ) = lgamma(y + a) − lgamma(a) + a log a − (a + y) log(a + μ) + y log μ
    ay_am = (a + y) / am
    ay_am2 = ay_am / am
    f_a = digammas + log_p + 1 - ay_am
    f_aa = trigammas + 1 / a - 2 / am + ay_am2
    f_amu = ay_am2 - 1 / am
    # with μ_η = μ_ηη = μ: (f_μ μ) = y − (a + y) μ / (a + μ), (f_μμ μ²) = ay_am2 μ² − y
    f_mu_mu = y - ay_am * mu
    f_mumu_mu2 = ay_am2 * mu * mu - y
    if nb2:  # a = 1/α: a_η = 0, a_α = −a², a_αα = 2a³
        d_eta = f_mu_mu
        d_eta2 = f_mumu_mu2 + f_mu_mu
        a_alpha = -(a * a)
        d_alpha = f_a * a_alpha
        d_alpha2 = f_aa * a_alpha * a_alpha + f_a * (2 * a * a * a)
        d_eta_alpha = f_amu * mu * a_alpha
    else:  # a = μ/α: a_η = a, a_α = −a/α, a_αα = 2a/α², a_ηα = −a/α
        a_alpha = -a / alpha
        d_eta = f_a * a + f_mu_mu
        d_eta2 = f_aa * a * a + 2 * f_amu * a * mu + f_mumu_mu2 + f_a * a + f_mu_mu
        d_alpha = f_a * a_alpha
        d_alpha2 = f_aa * a_alpha * a_alpha + f_a * (2 * a / alpha**2)
        d_eta_alpha = f_aa * a * a_alpha + f_amu * mu * a_alpha + f_a * a_alpha
    return llf, d_eta, d_eta2, d_alpha, d_alpha2, d_eta_alpha, mu


def negbin_pass(
    block: Block,
    layout: Layout | None,
    beta: np.ndarray,
    alpha: float,
    method: str,
    meat: bool,
    null: tuple[float, float] | None = None,
) -> NegBinPartial:
    """The sums of one block at ``(beta, alpha)`` (see the module docstring); ``layout=None``
    is the constant-only model (``beta`` its intercept); ``null=(intercept, alpha)`` adds the
    constant-only model's sums there (iterated in the same passes)."""
    null_part = None
    if null is not None:
        null_part = negbin_pass(block, None, np.array([null[0]]), null[1], method, False)
    p = 1 if layout is None else layout.n_params
    score = np.zeros(p + 1)
    hessian = np.zeros((p + 1, p + 1))
    outer = np.zeros((p + 1, p + 1)) if meat else None
    if layout is None:
        eta_all = np.full(block.nrows, float(beta[0]))
        if block.offset is not None:
            eta_all = eta_all + block.offset
    else:
        eta_all = block_linear_predictor(block, layout.split(beta))
    y = block.y
    llf_r, d_eta, d_eta2, d_alpha, d_alpha2, d_eta_alpha, mu = negbin_rows(
        y, eta_all, alpha, method
    )
    llf = float(llf_r.sum())
    score[p] = float(d_alpha.sum())
    hessian[p, p] = float(d_alpha2.sum())
    if layout is None:
        score[0] = float(d_eta.sum())
        hessian[0, 0] = float(d_eta2.sum())
        hessian[0, 1] = hessian[1, 0] = float(d_eta_alpha.sum())
    else:
        # −∂²ℓ/∂η² ≥ 0 for NB2 (the fast symmetric rank-k update); NB1 may have either sign
        accumulator = GramAccumulator(layout, block, with_rhs=False, signed=method != "nb2")
        for rows in row_slices(block.nrows):
            accumulator.add(rows, -d_eta2[rows])
        hessian[:p, :p] = -full_matrix(accumulator.result(), layout)
        size = max(1, (1 << 20) // max(p + 1, 1))
        for rows in row_slices(block.nrows, size):
            X = dense_design(block, layout, rows)
            both = X.T @ np.column_stack([d_eta[rows], d_eta_alpha[rows]])
            score[:p] += both[:, 0]
            hessian[:p, p] += both[:, 1]
            hessian[p, :p] += both[:, 1]
            if outer is not None:
                S = np.column_stack([X * d_eta[rows, None], d_alpha[rows]])
                outer += S.T @ S
    if outer is not None and layout is None:
        S = np.column_stack([d_eta, d_alpha])
        outer += S.T @ S
    resid = y - mu
    resid_sq = float(resid @ resid)
    mu_sum = float(mu.sum())
    mu_sq = float(mu @ mu)
    pearson = float(np.sum(resid * resid / mu))
    return NegBinPartial(
        llf,
        score,
        hessian,
        outer,
        float(block.nrows),
        resid_sq,
        mu_sum,
        mu_sq,
        pearson,
        null_part,
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
