"""The weighted Gram matrix ``XᵀWX`` (and ``XᵀWz``) in the pieces a pass sums, and their
assembly into arrays in parameter order.

With coded terms (:class:`~daskstats.design.layout.Layout`) a pass never forms indicator
columns; per partition it sums

* dense × dense ``DᵀWD`` (``p_d × p_d``, upper triangle) and ``DᵀWz``,
* per coded term, the diagonal level block ``Σ_{i∈ℓ} w v²``, ``Σ_{i∈ℓ} w v z`` and the
  level × dense cross sums ``Σ_{i∈ℓ} w v d_i`` (``v`` the row's value in its column),
* per pair of coded terms, the level × level cross block (``L_s × L_t``).

Levels without a column (reference levels, combinations of an interaction that patsy does not
code) are summed like the others and dropped when the pieces are placed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from daskstats.design.layout import CodedTerm, Layout
from daskstats.linalg.cells import dense_block
from daskstats.linalg.spd import symmetrize
from daskstats.partials import Partial, keyed, nested_each, summed

__all__ = [
    "LevelSums",
    "GramSums",
    "full_matrix",
    "full_rhs",
    "level_system",
    "pair_block",
    "rest_system",
    "ridged",
    "curvature",
]


@dataclass(frozen=True)
class LevelSums(Partial):
    """Sums of one coded term.

    Attributes
    ----------
    weight : ndarray of shape (L,)
        ``Σ_{i∈ℓ} w v²`` per level (the diagonal of the term's block).
    rhs : ndarray of shape (L,) or None
        ``Σ_{i∈ℓ} w v z`` per level.
    cross : ndarray of shape (L, p_dense)
        ``Σ_{i∈ℓ} w v d_i`` per level.
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
    pairs : dict or None
        ``{(s, t): ndarray of shape (L_s, L_t)}`` for coded terms ``s < t`` (or
        :class:`~daskstats.linalg.cells.PairCells` when the block is sparse; read it with
        :func:`pair_block`).
    """

    dense: np.ndarray = summed(None)
    rhs: np.ndarray | None = summed(None)
    levels: tuple[LevelSums, ...] = nested_each()
    pairs: dict | None = keyed()


def ridged(gram: GramSums, amount: float) -> GramSums:
    """The sums with ``amount`` added to every diagonal entry of ``XᵀWX`` (levels without rows
    then get a finite, zero, solution)."""
    dense = gram.dense + amount * np.eye(len(gram.dense))
    levels = tuple(LevelSums(s.weight + amount, s.rhs, s.cross) for s in (gram.levels or ()))
    return GramSums(dense, gram.rhs, levels, gram.pairs)


def curvature(gram: GramSums, layout: Layout, v: np.ndarray) -> float:
    """``vᵀ XᵀWX v`` from the pieces, in level space (no ``p × p`` matrix)."""
    coefficients = layout.split(v)
    d = coefficients.dense
    total = float(d @ symmetrize(gram.dense) @ d)
    levels = coefficients.levels
    for t, sums in enumerate(gram.levels or ()):
        u = levels[t]
        total += float(np.dot(sums.weight, u * u)) + 2.0 * float(u @ (sums.cross @ d))
    for (s, t), block in (gram.pairs or {}).items():
        total += 2.0 * float(levels[s] @ dense_block(block) @ levels[t])
    return total


def level_system(
    sums: LevelSums, term: CodedTerm
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The term's diagonal ``a`` (k,), cross block ``M`` (k, p_dense) and right-hand side
    (k,) in the order of its columns (levels without a column dropped)."""
    pick = term.in_column_order()
    rhs = None if sums.rhs is None else sums.rhs[pick]
    return sums.weight[pick], sums.cross[pick], rhs


def _picker(levels: np.ndarray) -> slice | np.ndarray:
    """A slice when the levels are consecutive (treatment coding: all but the reference
    level at an end), so that a block is a view, not a copy."""
    if len(levels) and np.all(np.diff(levels) == 1):
        return slice(int(levels[0]), int(levels[-1]) + 1)
    return levels


def pair_block(gram: GramSums, layout: Layout, s: int, t: int) -> np.ndarray:
    """The block of coded terms ``s`` × ``t`` (``s ≠ t``) in the order of their columns (a
    view of the summed block when both terms' levels are consecutive)."""
    rows = _picker(layout.coded[s].in_column_order())
    cols = _picker(layout.coded[t].in_column_order())
    pairs = gram.pairs or {}
    block = dense_block(pairs[(s, t)]) if s < t else dense_block(pairs[(t, s)]).T
    if isinstance(rows, slice) and isinstance(cols, slice):
        return block[rows, cols]
    return block[np.ix_(np.arange(block.shape[0])[rows], np.arange(block.shape[1])[cols])]


def _positions(layout: Layout, terms: list[int]) -> np.ndarray:
    return np.concatenate([layout.dense, *[layout.coded[t].columns for t in terms]])


def _assemble(gram: GramSums, layout: Layout, terms: list[int]) -> np.ndarray:
    """The symmetric block of the dense columns and the ``terms``' columns, in that order."""
    sizes = [layout.n_dense] + [len(layout.coded[t].columns) for t in terms]
    edges = np.cumsum([0] + sizes)
    out = np.zeros((edges[-1], edges[-1]))
    p = layout.n_dense
    out[:p, :p] = symmetrize(gram.dense)
    for i, t in enumerate(terms):
        lo, hi = edges[i + 1], edges[i + 2]
        a, M, _ = level_system(gram.levels[t], layout.coded[t])
        out[lo:hi, lo:hi][np.diag_indices(hi - lo)] = a
        out[lo:hi, :p] = M
        out[:p, lo:hi] = M.T
        for j, u in enumerate(terms[:i]):
            block = pair_block(gram, layout, t, u)
            out[lo:hi, edges[j + 1] : edges[j + 2]] = block
            out[edges[j + 1] : edges[j + 2], lo:hi] = block.T
    return out


def _assemble_rhs(gram: GramSums, layout: Layout, terms: list[int]) -> np.ndarray:
    if gram.rhs is None:
        raise ValueError("these sums hold no right-hand side (XᵀWz)")
    pieces = [gram.rhs]
    for t in terms:
        rhs = level_system(gram.levels[t], layout.coded[t])[2]
        if rhs is None:
            raise ValueError("these sums hold no right-hand side (XᵀWz)")
        pieces.append(rhs)
    return np.concatenate(pieces)


def full_matrix(gram: GramSums, layout: Layout) -> np.ndarray:
    """The full symmetric ``p × p`` matrix in parameter order (moderate ``p`` only)."""
    if not layout.coded:
        return symmetrize(gram.dense)
    terms = list(range(len(layout.coded)))
    order = _positions(layout, terms)
    out = np.empty((layout.n_params, layout.n_params))
    out[np.ix_(order, order)] = _assemble(gram, layout, terms)
    return out


def full_rhs(gram: GramSums, layout: Layout) -> np.ndarray:
    """``XᵀWz`` as a full ``p`` vector in parameter order."""
    terms = list(range(len(layout.coded)))
    out = np.empty(layout.n_params)
    out[_positions(layout, terms)] = _assemble_rhs(gram, layout, terms)
    return out


def rest_system(
    gram: GramSums, layout: Layout, eliminated: int, with_rhs: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The system split around the coded term ``eliminated`` (its block is diagonal).

    Returns
    -------
    rest : ndarray of int
        Parameter positions of the rest (dense columns, then the other coded terms).
    A_rr : ndarray of shape (n_rest, n_rest)
    A_re : ndarray of shape (n_rest, k_e)
    a_e : ndarray of shape (k_e,)
        The eliminated term's diagonal.
    r_r, r_e : ndarray or None
        The right-hand sides.
    """
    others = [t for t in range(len(layout.coded)) if t != eliminated]
    rest = _positions(layout, others)
    A_rr = _assemble(gram, layout, others)
    a_e, M_e, r_e = level_system(gram.levels[eliminated], layout.coded[eliminated])
    blocks = [M_e.T] + [pair_block(gram, layout, t, eliminated) for t in others]
    A_re = np.vstack(blocks)
    r_r = _assemble_rhs(gram, layout, others) if with_rhs else None
    return rest, A_rr, A_re, a_e, r_r, r_e if with_rhs else None
