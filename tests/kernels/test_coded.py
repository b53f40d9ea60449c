"""The compiled pass over coded terms equals the numpy reference and the sums computed from
indicator columns."""

from __future__ import annotations

import numpy as np
import pytest

from daskstats.kernels.coded import HAVE_NUMBA, coded_sums, coded_sums_numpy

rng = np.random.default_rng(17)
N = 5000
SIZES = [3, 7, 12]


def _data(with_values: bool):
    codes = np.stack([rng.integers(0, L, N) for L in SIZES], axis=1).astype(np.int16)
    values = (None, rng.normal(size=N), None) if with_values else (None, None, None)
    X = np.c_[np.ones(N), rng.normal(size=(N, 2))]
    return codes, values, X, rng.uniform(0.2, 2.0, N), rng.normal(size=N)


def _indicators(codes, values):
    blocks = []
    for t, L in enumerate(SIZES):
        onehot = np.zeros((N, L))
        onehot[np.arange(N), codes[:, t]] = 1.0 if values[t] is None else values[t]
        blocks.append(onehot)
    return np.hstack(blocks)


@pytest.mark.parametrize("with_values", [False, True], ids=["plain", "values"])
@pytest.mark.parametrize("implementation", ["compiled", "compiled-intercept", "numpy"])
def test_coded_sums_equal_indicator_products(with_values, implementation):
    if implementation.startswith("compiled") and not HAVE_NUMBA:
        pytest.skip("numba is not installed")
    codes, values, X, w, z = _data(with_values)
    if implementation == "numpy":
        sums = coded_sums_numpy(codes, values, SIZES, X, w, z)
    else:  # column 0 of X is the intercept: its cross sums may come from the diagonal
        intercept = 0 if implementation.endswith("intercept") else None
        sums = coded_sums(codes, values, SIZES, X, w, z, intercept)
    Z = _indicators(codes, values)
    edges = np.r_[0, np.cumsum(SIZES)]
    gram = Z.T @ (Z * w[:, None])
    for t in range(len(SIZES)):
        block = slice(edges[t], edges[t + 1])
        np.testing.assert_allclose(sums.diagonal[t], np.diag(gram)[block], rtol=1e-12)
        np.testing.assert_allclose(sums.rhs[t], Z[:, block].T @ (w * z), rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(sums.cross[t], Z[:, block].T @ (X * w[:, None]), rtol=1e-11)
    for (s, t), pair in sums.pairs.items():
        expected = gram[edges[s] : edges[s + 1], edges[t] : edges[t + 1]]
        np.testing.assert_allclose(pair, expected, rtol=1e-11, atol=1e-12)


def test_without_right_hand_side_and_negative_weights():
    codes, values, X, _, _ = _data(True)
    w = rng.normal(size=N)  # an observed information's row weights can be negative
    ours = coded_sums(codes, values, SIZES, X, w, None)
    reference = coded_sums_numpy(codes, values, SIZES, X, w, None)
    assert ours.rhs == [None, None, None]
    np.testing.assert_allclose(ours.pairs_flat, reference.pairs_flat, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.cross_flat, reference.cross_flat, rtol=1e-10, atol=1e-12)
