"""A model's blocks read a formula's plain numeric columns where they are (no copy, the
intercept implied), and every kernel gives what the materialized design gives."""

from __future__ import annotations

import dataclasses

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

import daskstats as ds
from daskstats.design.block import (
    Block,
    concatenate,
    dense_dot,
    dense_matrix,
    dense_tdot,
    head,
    pool,
)
from daskstats.design.layout import Layout
from daskstats.design.matrices import layout_matrices
from daskstats.kernels.gram import GramAccumulator
from daskstats.kernels.linear import ROWS_PER_SLICE, row_slices
from daskstats.linalg.gram import full_matrix, full_rhs


def _frame(n=6000, seed=11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"])
    eta = 0.2 + frame.to_numpy() @ [0.5, -0.3, 0.2, 0.1]
    frame["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return frame


def test_blocks_are_views_of_the_input_partitions_and_the_fit_is_statsmodels():
    frame = _frame()
    before = frame.copy()
    ddf = dd.from_pandas(frame, npartitions=3, sort=False).persist()
    with dask.config.set(scheduler="threads"):
        model = ds.GLM.from_formula("y ~ a + b + c + d", ddf, family=ds.families.Binomial())
        blocks = dask.compute(*model.source.blocks)
        parts = [p.compute() for p in ddf.partitions]
        res = model.fit()
    for block, part in zip(blocks, parts, strict=True):
        assert block.ones and block.X.shape == (len(part), 4)
        assert np.shares_memory(block.X, part["a"].to_numpy())
        assert np.shares_memory(block.y, part["y"].to_numpy())
    reference = smf.glm("y ~ a + b + c + d", frame, family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(res.params, reference.params, rtol=1e-10)
    np.testing.assert_allclose(res.bse, reference.bse, rtol=1e-8)
    np.testing.assert_allclose(res.resid_pearson.compute(), reference.resid_pearson, rtol=1e-8)
    np.testing.assert_allclose(
        res.get_influence().hat_matrix_diag, reference.get_influence().hat_matrix_diag, rtol=1e-7
    )
    pd.testing.assert_frame_equal(frame, before)  # the caller's data is not modified


def test_a_formula_on_some_of_the_columns_reads_them_where_they_are():
    frame = _frame()
    ddf = dd.from_pandas(frame, npartitions=3, sort=False).persist()
    with dask.config.set(scheduler="threads"):
        parts = dask.compute(*ddf.to_delayed())
        model = ds.GLM.from_formula("y ~ d + b", ddf, family=ds.families.Binomial())
        blocks = dask.compute(*model.source.blocks)
        res = model.fit()
    for block, part in zip(blocks, parts, strict=True):
        assert np.shares_memory(block.X, part["b"].to_numpy())
        np.testing.assert_array_equal(block.X, part[["d", "b"]].to_numpy())
    reference = smf.glm("y ~ d + b", frame, family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(res.params, reference.params, rtol=1e-10)


def test_dense_helpers_equal_the_materialized_design():
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.normal(size=(50, 3)))
    D = np.column_stack([np.ones(50), X])
    beta, r = rng.normal(size=4), rng.normal(size=(50, 2))
    np.testing.assert_array_equal(dense_matrix(X, True), D)
    assert dense_matrix(X, False) is X
    np.testing.assert_allclose(dense_dot(X, True, beta), D @ beta, rtol=1e-14)
    np.testing.assert_allclose(dense_dot(D, False, beta), D @ beta, rtol=1e-14)
    np.testing.assert_allclose(dense_tdot(X, True, r), D.T @ r, rtol=1e-13)
    np.testing.assert_allclose(dense_tdot(X, True, r[:, 0]), D.T @ r[:, 0], rtol=1e-13)


@pytest.mark.parametrize("chunk", [ROWS_PER_SLICE, 3 * ROWS_PER_SLICE + 5])
@pytest.mark.parametrize("signed", [False, True])
def test_gram_of_column_views_equals_the_gram_of_the_copied_design(signed, chunk):
    """Rows added a slice at a time, or in chunks longer than the accumulator's buffer (it
    sums their slices one by one)."""
    rng = np.random.default_rng(1)
    n = 70_000  # several slices, and several chunks
    wide = np.asfortranarray(rng.normal(size=(n, 5)))
    X = wide[:, 1:]  # column-stored, a view of a larger array
    D = np.ascontiguousarray(np.column_stack([np.ones(n), X]))
    y = rng.random(n)
    layout = Layout.dense_only(5)
    views = Block(X=X, y=y, ones=True)
    copied = Block(X=D, y=y)
    w = rng.random(n) - (0.2 if signed else 0.0)
    z = rng.normal(size=n)
    sums = []
    for block in (views, copied):
        acc = GramAccumulator(layout, block, signed=signed)
        for rows in row_slices(n, chunk):
            acc.add(rows, w[rows], z[rows])
        sums.append(acc.result())
    expected = D.T @ (D * w[:, None])
    for got in sums:
        np.testing.assert_allclose(full_matrix(got, layout), expected, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(full_rhs(got, layout), D.T @ (w * z), rtol=1e-10, atol=1e-9)


def test_a_block_head_and_pool_keep_the_implied_ones():
    X = np.asfortranarray(np.arange(12.0).reshape(6, 2))
    a = Block(X=X[:3], y=np.zeros(3), ones=True)
    b = Block(X=X[3:], y=np.ones(3), ones=True)
    assert head(a, 2).ones and concatenate([a, b]).ones
    pooled, *views = pool(a, b)
    assert pooled.ones and all(v.ones for v in views)
    np.testing.assert_array_equal(views[1].X, X[3:])
    with pytest.raises(ValueError, match="ones"):
        concatenate([a, dataclasses.replace(b, ones=False)])


def test_large_partitions_are_not_pooled_small_ones_are():
    frame = _frame(n=4000)
    ddf = dd.from_pandas(frame, npartitions=40, sort=False).persist()
    formula = "y ~ a + b + c + d"
    with dask.config.set(scheduler="threads", num_workers=2):
        with ds.thresholds.override(pool_below_bytes=1):  # every partition is "large"
            kept = ds.GLM.from_formula(formula, ddf, family=ds.families.Binomial())
        pooled = ds.GLM.from_formula(formula, ddf, family=ds.families.Binomial())
        assert kept.runner.pooled is None and len(kept.runner.pass_blocks) == 40
        assert pooled.runner.pooled is not None and len(pooled.runner.pass_blocks) == 8
        np.testing.assert_allclose(kept.fit().params, pooled.fit().params, rtol=1e-12)


def test_dense_columns_beside_coded_terms_are_views_too():
    frame = _frame()
    # a pandas Categorical beside one float block
    levels = [f"l{i}" for i in range(30)]
    frame["g"] = pd.Categorical(np.random.default_rng(4).choice(levels, len(frame)))
    ddf = dd.from_pandas(frame, npartitions=3, sort=False).persist()
    formula = "y ~ a + b + C(g) + c"
    with dask.config.set(scheduler="threads"):
        model = ds.GLM.from_formula(formula, ddf, family=ds.families.Binomial())
        assert model.layout.coded  # C(g) kept as level codes
        block = dask.compute(model.source.blocks[1])[0]
        res = model.fit()
    assert block.ones and block.X.shape == (2000, 3)
    # the block's dense columns are those of the frame it was built from, not a copy
    part = frame.iloc[2000:4000][["y", "a", "b", "g", "c"]]
    matrices = layout_matrices(model.spec, model.layout, part, missing="drop", views=True)
    assert matrices.ones and np.shares_memory(matrices.X, part["a"].to_numpy())
    np.testing.assert_array_equal(matrices.X, block.X)
    reference = smf.glm(formula, frame, family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(res.params, reference.params[res.params.index], rtol=1e-9)
    np.testing.assert_allclose(res.bse, reference.bse[res.params.index], rtol=1e-8)
