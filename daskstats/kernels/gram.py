"""Accumulating ``XᵀWX`` and ``XᵀWz`` over a block without indicator columns.

Dense columns: ``(√w·[D, z])ᵀ(√w·[D, z])`` on cache-sized row slices and a reused buffer —
numpy hands ``B.T @ B`` to BLAS ``syrk`` and releases the GIL (scipy's ``dsyrk`` wrapper holds
it, which serializes the threaded scheduler's workers).

Coded terms (each row has one column per term, with value ``v``, 1 without numeric factor), once
per block over all its rows, in one compiled loop (:mod:`daskstats.kernels.coded`):

* the diagonal level block ``Σ_{i∈ℓ} w v²`` and ``Σ_{i∈ℓ} w v z`` — O(n);
* level × dense ``Σ_{i∈ℓ} w v d_i`` — O(n·p_d);
* term × term ``Σ_{i: ℓ_s(i)=a, ℓ_t(i)=b} w v_s v_t`` (a 2-D weighted bincount) —
  O(n + L_s·L_t).

A pass costs O(n·(k² + p_d²)) for k coded terms and p_d dense columns, plus O(Σ L_s·L_t) for
the cross blocks, never O(n·L).
"""

from __future__ import annotations

import numpy as np

from daskstats.design.block import Block, dense_matrix
from daskstats.design.layout import Layout
from daskstats.kernels.coded import coded_sums
from daskstats.kernels.linear import ROWS_PER_SLICE
from daskstats.linalg.gram import GramSums, LevelSums

__all__ = ["GramAccumulator", "level_sums"]


def level_sums(codes: np.ndarray, weights: np.ndarray, n_levels: int) -> np.ndarray:
    """``Σ_{i∈ℓ} weights_i`` for every level ℓ."""
    return np.bincount(codes, weights=weights, minlength=n_levels)


class GramAccumulator:
    """Sums one block's share of ``XᵀWX`` (and ``XᵀWz``).

    Parameters
    ----------
    layout : Layout
    block : Block
    with_rhs : bool
        Also accumulate ``XᵀWz``.
    signed : bool
        The weights may be negative (an observed information away from the optimum): sum
        ``Xᵀ(w·X)`` instead of the square of ``√w·X``.
    """

    def __init__(self, layout: Layout, block: Block, with_rhs: bool = True, signed: bool = False):
        p = layout.n_dense
        self.layout = layout
        self.block = block
        self.with_rhs = with_rhs
        self.signed = signed
        width = p + 1 if with_rhs else p
        self._p = p
        self._gram = np.zeros((width, width))
        rows = min(ROWS_PER_SLICE, block.nrows)
        self._buffer_rows = max(rows, 1)
        # columns stored column by column (a view of a frame's columns): a transposed buffer
        # is filled along them, one contiguous column at a time
        X = block.X
        self._transposed = X.ndim == 2 and X.shape[0] > 1 and X.strides[0] == X.itemsize
        self._buffer = np.empty((width, rows) if self._transposed else (rows, width))
        coded = bool(layout.coded)
        self._w = np.empty(block.nrows) if coded else None
        self._z = np.empty(block.nrows) if coded and with_rhs else None

    def add(self, rows: slice, w: np.ndarray, z: np.ndarray | None = None) -> None:
        """Add the block's ``rows`` (at most ``ROWS_PER_SLICE`` of them unless ``signed``)
        with weights ``w`` and working response ``z`` (needed with ``with_rhs``)."""
        if self.with_rhs and z is None:
            raise ValueError("the working response z is needed for XᵀWz")
        p = self._p
        block = self.block
        start, stop, _ = rows.indices(block.nrows)
        if not self.signed and stop - start > self._buffer_rows:
            # a chunk of rows longer than the buffer: its cache-sized slices one by one
            for lo in range(start, stop, self._buffer_rows):
                hi = min(lo + self._buffer_rows, stop)
                part = slice(lo - start, hi - start)
                self.add(slice(lo, hi), w[part], None if z is None else z[part])
            return
        X = block.X[rows]
        if p and self.signed:
            X = dense_matrix(X, block.ones)
            self._gram[:p, :p] += np.dot(X.T, X * w[:, None])
            if z is not None and self.with_rhs:
                self._gram[:p, p] += np.dot(X.T, w * z)
        elif p and self._transposed:
            root = np.sqrt(w)
            Bt = self._buffer[:, : len(root)]
            first = int(block.ones)
            if first:
                Bt[0] = root
            np.multiply(X.T, root, out=Bt[first:p])
            if z is not None and self.with_rhs:
                np.multiply(z, root, out=Bt[p])
            self._gram += np.dot(Bt, Bt.T)
        elif p:
            root = np.sqrt(w)
            B = self._buffer[: len(root)]
            if block.ones:  # the implied column of ones, first: √w itself
                B[:, 0] = root
                np.multiply(X, root[:, None], out=B[:, 1:p])
            else:
                np.multiply(X, root[:, None], out=B[:, :p])
            if z is not None and self.with_rhs:
                np.multiply(z, root, out=B[:, p])
            self._gram += np.dot(B.T, B)
        if self._w is not None:
            self._w[rows] = w
            if self._z is not None and z is not None:
                self._z[rows] = z

    def result(self) -> GramSums:
        """The block's sums."""
        p = self._p
        levels: tuple[LevelSums, ...] = ()
        pairs = None
        if self._w is not None:
            levels, pairs = self._coded_sums(self._w)
        return GramSums(
            dense=self._gram[:p, :p],
            rhs=self._gram[:p, p] if self.with_rhs else None,
            levels=levels,
            pairs=pairs,
        )

    def _coded_sums(self, w: np.ndarray) -> tuple[tuple[LevelSums, ...], dict | None]:
        block = self.block
        sizes = [t.n_levels for t in self.layout.coded]
        sums = coded_sums(
            block.codes,
            block.values,
            sizes,
            block.X,
            w,
            self._z,
            None if block.ones else self.layout.intercept,
            ones=block.ones,
        )
        levels = tuple(LevelSums(d, r, c) for d, r, c in zip(sums.diagonal, sums.rhs, sums.cross))
        return levels, sums.pairs or None
