"""The blocked (Schur complement) solve and inverse of a system with a coded term, against
numpy's dense solve and inverse of the same system built with indicator columns."""

from __future__ import annotations

import numpy as np
import pytest

from daskstats.design import Block, CodedTerm, Layout
from daskstats.errors import CollinearityError
from daskstats.kernels.gram import GramAccumulator
from daskstats.linalg import (
    BlockCovariance,
    full_matrix,
    full_rhs,
    normalized_inverse,
    solve_normal_equations,
)

rng = np.random.default_rng(11)
N, P_DENSE, LEVELS = 3000, 3, 12


def _problem(reference: int = 0):
    """Dense columns, a 12-level factor (reference level dropped), weights and z."""
    X = np.c_[np.ones(N), rng.normal(size=(N, P_DENSE - 1))]
    codes = rng.integers(0, LEVELS, N).astype(np.int32)
    level_column = np.arange(LEVELS) - (np.arange(LEVELS) > reference)
    level_column[reference] = -1
    term = CodedTerm(
        "C(g)",
        ("C(g)",),
        (LEVELS,),
        (tuple(range(LEVELS)),),
        (),
        np.arange(P_DENSE, P_DENSE + LEVELS - 1),
        level_column,
    )
    layout = Layout(P_DENSE + LEVELS - 1, np.arange(P_DENSE), (term,), ("Intercept", "x"))
    indicators = np.zeros((N, LEVELS - 1))
    has = level_column[codes] >= 0
    indicators[np.flatnonzero(has), level_column[codes][has]] = 1.0
    full_X = np.c_[X, indicators]
    w = rng.uniform(0.5, 2.0, N)
    z = rng.normal(size=N)
    accumulator = GramAccumulator(layout, Block(X=X, y=z, codes=(codes,), values=(None,)))
    accumulator.add(slice(None), w, z)
    return layout, accumulator.result(), full_X, w, z, (X, codes)


@pytest.mark.parametrize("reference", [0, 5, 11])
def test_pieces_assemble_to_the_indicator_system(reference):
    layout, gram, full_X, w, z, _ = _problem(reference)
    np.testing.assert_allclose(
        full_matrix(gram, layout), full_X.T @ (full_X * w[:, None]), rtol=1e-12, atol=1e-9
    )
    np.testing.assert_allclose(full_rhs(gram, layout), full_X.T @ (w * z), rtol=1e-12)


@pytest.mark.parametrize("reference", [0, 5, 11])
def test_schur_solve_equals_dense_solve(reference):
    layout, gram, full_X, w, z, _ = _problem(reference)
    names = [f"c{j}" for j in range(layout.n_params)]
    A = full_X.T @ (full_X * w[:, None])
    expected = np.linalg.solve(A, full_X.T @ (w * z))
    np.testing.assert_allclose(solve_normal_equations(gram, layout, names), expected, rtol=1e-10)


def test_blocked_inverse_equals_dense_inverse():
    layout, gram, full_X, w, _, _ = _problem()
    expected = np.linalg.inv(full_X.T @ (full_X * w[:, None]))
    dense = normalized_inverse(gram, layout, dense_limit=10_000)
    assert isinstance(dense, np.ndarray)
    np.testing.assert_allclose(dense, expected, rtol=1e-9, atol=1e-14)
    blocked = normalized_inverse(gram, layout, dense_limit=5)
    assert isinstance(blocked, BlockCovariance)
    np.testing.assert_allclose(blocked.diagonal(), np.diag(expected), rtol=1e-10)
    d, c = layout.dense, layout.coded[0].columns
    np.testing.assert_allclose(blocked.block(d, c), expected[np.ix_(d, c)], rtol=1e-8, atol=1e-14)
    with pytest.raises(MemoryError, match="kept in blocks"):
        blocked.to_dense()
    scaled = blocked * 2.5  # the covariance is scale · (XᵀWX)⁻¹
    np.testing.assert_allclose(scaled.diagonal(), 2.5 * np.diag(expected), rtol=1e-10)
    big = BlockCovariance(
        layout.n_params,
        blocked.rest,
        blocked.eliminated,
        blocked.schur_inverse,
        blocked.a,
        blocked.M_scaled,
        10**6,
    )
    np.testing.assert_allclose(big.to_dense(), expected, rtol=1e-8, atol=1e-14)


def test_a_level_without_weight_is_named():
    layout, gram, _, _, _, _ = _problem()
    gram.levels[0].weight[4] = 0.0
    with pytest.raises(CollinearityError, match="column.*c6.*of C\\(g\\)"):
        solve_normal_equations(gram, layout, [f"c{j}" for j in range(layout.n_params)])


def test_signed_weights_accumulate_exactly():
    """An observed information can have negative row weights (no square roots then)."""
    layout, _, full_X, _, _, (X, codes) = _problem()
    w = rng.normal(size=N)
    block = Block(X=X, y=w, codes=(codes,), values=(None,))
    accumulator = GramAccumulator(layout, block, with_rhs=False, signed=True)
    accumulator.add(slice(None), w)
    np.testing.assert_allclose(
        full_matrix(accumulator.result(), layout),
        full_X.T @ (full_X * w[:, None]),
        rtol=1e-10,
        atol=1e-9,
    )
