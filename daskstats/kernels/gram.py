"""Accumulating ``XᵀWX`` and ``XᵀWz`` over cache-sized row slices, without indicator columns.

Dense columns: ``(√w·[D, z])ᵀ(√w·[D, z])`` on a reused buffer — numpy hands ``B.T @ B`` to BLAS
``syrk`` and releases the GIL (scipy's ``dsyrk`` wrapper holds it, which serializes the threaded
scheduler's workers). Coded terms: ``bincount`` of the weights (the diagonal level block) and of
``w·z``, and a sparse one-hot product for the level × dense sums, O(n·p_d).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from daskstats.design.layout import Layout
from daskstats.linalg.gram import GramSums, LevelSums

__all__ = ["GramAccumulator"]


class GramAccumulator:
    """Sums one block's share of ``XᵀWX`` (and ``XᵀWz``) slice by slice.

    Parameters
    ----------
    layout : Layout
    max_rows : int
        Largest slice that will be added (the size of the reused buffer).
    with_rhs : bool
        Also accumulate ``XᵀWz``.
    signed : bool
        The weights may be negative (an observed information away from the optimum): sum
        ``Xᵀ(w·X)`` instead of the square of ``√w·X``.
    """

    def __init__(self, layout: Layout, max_rows: int, with_rhs: bool = True, signed: bool = False):
        p = layout.n_dense
        self.layout = layout
        self.with_rhs = with_rhs
        self.signed = signed
        width = p + 1 if with_rhs else p
        self._p = p
        self._gram = np.zeros((width, width))
        self._buffer = np.empty((max_rows, width))
        self._levels = [
            (
                np.zeros(t.n_levels),
                np.zeros(t.n_levels) if with_rhs else None,
                np.zeros((t.n_levels, p)),
            )
            for t in layout.coded
        ]

    def add(self, X: np.ndarray, codes: tuple, w: np.ndarray, z: np.ndarray | None = None) -> None:
        """Add rows with dense columns ``X`` (m, p_d), level codes per coded term (each (m,)),
        weights ``w`` (m,) and working response ``z`` (m,, needed with ``with_rhs``)."""
        if self.with_rhs and z is None:
            raise ValueError("the working response z is needed for XᵀWz")
        p = self._p
        if p and self.signed:
            B = self._buffer[: len(w)]
            np.multiply(X, w[:, None], out=B[:, :p])
            self._gram[:p, :p] += X.T @ B[:, :p]
            if z is not None and self.with_rhs:
                self._gram[:p, p] += X.T @ (w * z)
        elif p:
            root = np.sqrt(w)
            B = self._buffer[: len(root)]
            np.multiply(X, root[:, None], out=B[:, :p])
            if z is not None and self.with_rhs:
                np.multiply(z, root, out=B[:, p])
            self._gram += B.T @ B
        n = len(w)
        for term_codes, (weight, rhs, cross), term in zip(codes, self._levels, self.layout.coded):
            L = term.n_levels
            weight += np.bincount(term_codes, weights=w, minlength=L)
            if rhs is not None and z is not None:
                rhs += np.bincount(term_codes, weights=w * z, minlength=L)
            if p:
                onehot = sparse.csr_matrix((w, term_codes, np.arange(n + 1)), shape=(n, L))
                cross += onehot.T @ X

    def result(self) -> GramSums:
        """The block's sums."""
        p = self._p
        return GramSums(
            dense=self._gram[:p, :p],
            rhs=self._gram[:p, p] if self.with_rhs else None,
            levels=tuple(LevelSums(w, r, c) for w, r, c in self._levels),
        )
