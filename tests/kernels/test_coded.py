"""The compiled pass over coded terms equals the numpy reference and the sums computed from
indicator columns."""

from __future__ import annotations

import numpy as np
import pytest

from daskstats.kernels.coded import HAVE_NUMBA, coded_sums, coded_sums_numpy
from daskstats.linalg.cells import PairCells, dense_block

rng = np.random.default_rng(17)
N = 5000
SIZES = [3, 7, 12]


def _data(with_values: bool | str):
    # term-major (k, n), as the blocks hold them
    codes = np.stack([rng.integers(0, L, N) for L in SIZES], axis=0).astype(np.int16)
    values = (None, rng.normal(size=N), None) if with_values else (None, None, None)
    if with_values == "both":  # a pair whose two terms both have values
        values = (None, rng.normal(size=N), rng.uniform(0.5, 2.0, N))
    X = np.c_[np.ones(N), rng.normal(size=(N, 2))]
    return codes, values, X, rng.uniform(0.2, 2.0, N), rng.normal(size=N)


def _indicators(codes, values):
    blocks = []
    for t, L in enumerate(SIZES):
        onehot = np.zeros((N, L))
        onehot[np.arange(N), codes[t]] = 1.0 if values[t] is None else values[t]
        blocks.append(onehot)
    return np.hstack(blocks)


@pytest.mark.parametrize(
    "with_values", [False, True, "both"], ids=["plain", "values", "values-pair"]
)
@pytest.mark.parametrize(
    "implementation",
    ["compiled", "compiled-intercept", "compiled-ones-view", "compiled-ones-copy", "numpy"],
)
def test_coded_sums_equal_indicator_products(with_values, implementation):
    if implementation.startswith("compiled") and not HAVE_NUMBA:
        pytest.skip("numba is not installed")
    codes, values, X, w, z = _data(with_values)
    if implementation == "numpy":
        sums = coded_sums_numpy(codes, values, SIZES, X, w, z)
    elif "ones" in implementation:
        # the intercept implied, the other columns read where they are: the rows of a
        # read-only column-stored block (a frame's columns), or a C-ordered copy
        stored = np.asfortranarray(np.vstack([X[:, 1:], X[:, 1:]]))[:N]
        if implementation.endswith("copy"):
            stored = np.ascontiguousarray(stored)
        stored.flags.writeable = False
        sums = coded_sums(codes, values, SIZES, stored, w, z, ones=True)
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


@pytest.mark.parametrize("with_values", [False, "both"], ids=["plain", "values-pair"])
def test_sparse_pairs_equal_the_dense_tables(with_values):
    """A pair with more cells than twice the block's rows is summed as cells; its sum equals
    the numpy reference's dense table, and shares add (concatenate) like the dense ones."""
    if not HAVE_NUMBA:
        pytest.skip("numba is not installed")
    n, sizes = 400, [300, 50, 4]  # 300 x 50 = 15,000 cells > 2 x 400 rows
    codes = np.stack([rng.integers(0, L, n) for L in sizes], axis=0).astype(np.int16)
    values = (None, None, None)
    if with_values == "both":
        values = (rng.normal(size=n), rng.uniform(0.5, 2.0, n), None)
    X, w, z = np.c_[np.ones(n), rng.normal(size=n)], rng.uniform(0.2, 2.0, n), rng.normal(size=n)
    ours = coded_sums(codes, values, sizes, X, w, z, 0)
    reference = coded_sums_numpy(codes, values, sizes, X, w, z)
    assert isinstance(ours.pairs[(0, 1)], PairCells)
    assert isinstance(ours.pairs[(1, 2)], np.ndarray)  # 200 cells: dense
    for key, table in reference.pairs.items():
        np.testing.assert_allclose(dense_block(ours.pairs[key]), table, rtol=1e-12, atol=1e-14)
    half = coded_sums(
        codes[:, : n // 2],
        tuple(None if v is None else v[: n // 2] for v in values),
        sizes,
        X[: n // 2],
        w[: n // 2],
        z[: n // 2],
        0,
    )
    rest = coded_sums(
        codes[:, n // 2 :],
        tuple(None if v is None else v[n // 2 :] for v in values),
        sizes,
        X[n // 2 :],
        w[n // 2 :],
        z[n // 2 :],
        0,
    )
    total = half.pairs[(0, 1)] + rest.pairs[(0, 1)]
    np.testing.assert_allclose(dense_block(total), reference.pairs[(0, 1)], rtol=1e-12, atol=1e-14)


def test_pair_cells_turn_dense_when_no_smaller():
    """Shares whose entries reach the block's cell count are summed into the dense table (the
    memory of a sum stays bounded by the dense size)."""
    a = PairCells((2, 3), np.array([0, 5, 5, 1]), np.array([1.0, 2.0, 3.0, 4.0]))
    b = PairCells((2, 3), np.array([5, 2]), np.array([10.0, 1.0]))
    total = a + b
    assert isinstance(total, np.ndarray)
    np.testing.assert_array_equal(total, [[1.0, 4.0, 1.0], [0.0, 0.0, 15.0]])
    small = PairCells((2, 3), np.array([1]), np.array([1.0])) + PairCells(
        (2, 3), np.array([1]), np.array([2.0])
    )
    assert isinstance(small, PairCells)
    np.testing.assert_array_equal(np.asarray(small), [[0.0, 3.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(np.asarray(small) + a, np.asarray(a) + np.asarray(small))
    with pytest.raises(ValueError, match="shapes"):
        a + PairCells((3, 2), np.array([0]), np.array([1.0]))
