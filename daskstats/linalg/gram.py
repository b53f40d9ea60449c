"""The weighted Gram matrix ``XᵀWX`` (and ``XᵀWz``) in the pieces a pass sums, and their
assembly into full arrays.

With coded categorical terms (:class:`~daskstats.design.layout.Layout`) a pass never forms
indicator columns; per partition it sums

* dense × dense ``DᵀWD`` (``p_d × p_d``, upper triangle) and ``DᵀWz``,
* per coded term, the level weights ``Σ_{i∈ℓ} w_i`` (the diagonal level × level block),
  ``Σ_{i∈ℓ} w_i z_i`` and the level × dense cross sums ``Σ_{i∈ℓ} w_i d_i``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from daskstats.design.layout import CodedTerm, Layout
from daskstats.linalg.spd import symmetrize
from daskstats.partials import Partial, nested_each, summed

__all__ = ["LevelSums", "GramSums", "full_matrix", "full_rhs", "level_system"]


@dataclass(frozen=True)
class LevelSums(Partial):
    """Sums of one coded term.

    Attributes
    ----------
    weight : ndarray of shape (L,)
        ``Σ_{i∈ℓ} w_i`` per level.
    rhs : ndarray of shape (L,) or None
        ``Σ_{i∈ℓ} w_i z_i`` per level.
    cross : ndarray of shape (L, p_dense)
        ``Σ_{i∈ℓ} w_i d_i`` per level.
    """

    weight: np.ndarray = summed(None)
    rhs: np.ndarray | None = summed(None)
    cross: np.ndarray = summed(None)


@dataclass(frozen=True)
class GramSums(Partial):
    """``XᵀWX`` (and ``XᵀWz``) in pieces.

    Attributes
    ----------
    dense : ndarray of shape (p_dense, p_dense)
        ``DᵀWD``; its upper triangle is authoritative.
    rhs : ndarray of shape (p_dense,) or None
        ``DᵀWz``.
    levels : tuple of LevelSums
        One per coded term of the layout.
    """

    dense: np.ndarray = summed(None)
    rhs: np.ndarray | None = summed(None)
    levels: tuple[LevelSums, ...] = nested_each()


def level_system(
    sums: LevelSums, term: CodedTerm
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The term's diagonal ``a`` (k,), cross block ``M`` (k, p_dense) and right-hand side
    (k,) in the order of its columns (the reference level dropped)."""
    pick = term.in_column_order()
    rhs = None if sums.rhs is None else sums.rhs[pick]
    return sums.weight[pick], sums.cross[pick], rhs


def full_matrix(gram: GramSums, layout: Layout) -> np.ndarray:
    """The full symmetric ``p × p`` matrix (for a moderate number of parameters)."""
    dense = symmetrize(gram.dense)
    if not layout.coded:
        return dense
    full = np.zeros((layout.n_params, layout.n_params))
    d = layout.dense
    full[np.ix_(d, d)] = dense
    for term, sums in zip(layout.coded, gram.levels):
        a, M, _ = level_system(sums, term)
        c = term.columns
        full[np.ix_(c, d)] = M
        full[np.ix_(d, c)] = M.T
        full[c, c] = a
    return full


def full_rhs(gram: GramSums, layout: Layout) -> np.ndarray:
    """``XᵀWz`` as a full ``p`` vector."""
    if gram.rhs is None:
        raise ValueError("these sums hold no right-hand side (XᵀWz)")
    if not layout.coded:
        return gram.rhs
    out = np.empty(layout.n_params)
    out[layout.dense] = gram.rhs
    for term, sums in zip(layout.coded, gram.levels):
        out[term.columns] = level_system(sums, term)[2]
    return out
