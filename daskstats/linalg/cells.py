"""A sparse pair block: the ``L_s × L_t`` cross block of two coded terms as its rows' cells.

Two fixed effects of 5,000 and 1,000 levels have a 5,000,000-cell cross block, but a partition
of 250,000 rows touches at most 250,000 of its cells. Allocating, filling and summing a dense
40 MB block per partition and pass cost more than the rest of the pass (fresh pages fault in
one by one). A partition's share is instead each row's cell index and weight; shares add by
concatenation, and turn into the dense block (one ``bincount``) when they hold as many entries
as it has cells, or when a solve reads them — so the memory stays bounded by the dense size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["PairCells", "dense_block"]


class PairCells:
    """``Σ values`` per cell of a ``shape`` block, kept as unsummed ``(cell, value)`` entries.

    Parameters
    ----------
    shape : tuple of int
        ``(L_s, L_t)``.
    cells : ndarray of int64
        Flat cell index of each entry (``ℓ_s · L_t + ℓ_t``).
    values : ndarray of float64
    """

    __slots__ = ("shape", "cells", "values", "_dense")

    def __init__(self, shape: tuple[int, int], cells: np.ndarray, values: np.ndarray):
        self.shape = shape
        self.cells = cells
        self.values = values
        self._dense: np.ndarray | None = None

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    def toarray(self) -> np.ndarray:
        """The dense block (computed once)."""
        if self._dense is None:
            summed = np.bincount(self.cells, weights=self.values, minlength=self.size)
            self._dense = summed.reshape(self.shape)
        return self._dense

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        dense = self.toarray()
        return dense if dtype is None else dense.astype(dtype)

    def __add__(self, other: Any) -> PairCells | np.ndarray:
        if isinstance(other, PairCells):
            if other.shape != self.shape:
                raise ValueError(f"cannot add pair blocks of shapes {self.shape}, {other.shape}")
            if len(self.cells) + len(other.cells) >= self.size:  # dense is no larger
                return self.toarray() + other.toarray()
            return PairCells(
                self.shape,
                np.concatenate([self.cells, other.cells]),
                np.concatenate([self.values, other.values]),
            )
        return self.toarray() + np.asarray(other)

    __radd__ = __add__

    def __reduce__(self) -> tuple:
        return (PairCells, (self.shape, self.cells, self.values))


def dense_block(block: Any) -> np.ndarray:
    """A summed pair block as a dense array (sparse cells summed; dense unchanged)."""
    return block.toarray() if isinstance(block, PairCells) else block
