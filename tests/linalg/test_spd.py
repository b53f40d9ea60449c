"""The pseudo-inverse of an information matrix, against closed forms."""

from __future__ import annotations

import numpy as np

from daskstats.linalg import scaled_pinv


def _badly_scaled(signs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``M = D S D`` with a well-conditioned symmetric ``S`` (signs of its eigenvalues given)
    and column scales from 1e-3 to 1e5 (an income column beside indicators), and its exact
    inverse ``D⁻¹ S⁻¹ D⁻¹``."""
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(len(signs), len(signs))))
    S = q @ np.diag(signs * np.linspace(1.0, 4.0, len(signs))) @ q.T
    d = np.logspace(-3, 5, len(signs))
    inverse = (1 / d)[:, None] * np.linalg.inv(S) * (1 / d)[None, :]
    return d[:, None] * S * d[None, :], inverse


def test_scaled_pinv_of_a_badly_scaled_information_is_its_inverse():
    M, inverse = _badly_scaled(np.ones(6))
    got = scaled_pinv(M)
    np.testing.assert_allclose(got, inverse, rtol=1e-12, atol=0)


def test_scaled_pinv_of_an_indefinite_observed_information():
    M, inverse = _badly_scaled(np.array([1.0, 1.0, -1.0, 1.0, -1.0]))
    np.testing.assert_allclose(scaled_pinv(M), inverse, rtol=1e-12, atol=0)


def test_scaled_pinv_of_a_singular_matrix_is_its_pseudo_inverse():
    X = np.random.default_rng(5).normal(size=(40, 3))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])  # rank 3
    G = X.T @ X
    P = scaled_pinv(G)
    # a generalized inverse: the hat matrix X G⁻ Xᵀ is the projection onto X's columns
    H = X @ P @ X.T
    Q, _ = np.linalg.qr(X[:, :3])
    np.testing.assert_allclose(H, Q @ Q.T, atol=1e-12)
    np.testing.assert_allclose(G @ P @ G, G, atol=1e-10)
