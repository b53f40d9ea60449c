"""The normal equations ``XᵀWX β = XᵀWz`` and ``(XᵀWX)⁻¹`` from summed
:class:`~daskstats.linalg.gram.GramSums`, eliminating a coded term's diagonal block.

With a coded term (levels ``c``, diagonal block ``diag(a)``, cross block ``M``) and dense
columns ``d`` (block ``B``), the Schur complement ``S = B − Mᵀ diag(1/a) M`` is only
``p_d × p_d``: ``β_d = S⁻¹ (r_d − Mᵀ r_c / a)`` and ``β_c = (r_c − M β_d) / a``. The inverse
keeps the same structure (:class:`BlockCovariance`): standard errors of every level come from
its diagonal without forming the ``L × L`` block.
"""

from __future__ import annotations

import numpy as np

from daskstats.design.layout import CodedTerm, Layout
from daskstats.errors import CollinearityError
from daskstats.linalg.gram import GramSums, level_system
from daskstats.linalg.spd import inverse_spd, solve_dense, symmetrize

__all__ = ["BlockCovariance", "solve_normal_equations", "normalized_inverse"]


def _single_coded(layout: Layout) -> CodedTerm:
    if len(layout.coded) != 1:
        raise NotImplementedError("the blocked solve eliminates exactly one coded term")
    return layout.coded[0]


def _check_levels(a: np.ndarray, term: CodedTerm) -> None:
    empty = np.flatnonzero(~(a > 0))
    if len(empty):
        names = [str(term.levels[i]) for i in term.in_column_order()[empty][:5]]
        raise CollinearityError(
            f"level(s) {', '.join(names)} of {term.name} have no rows with positive weight, "
            "so their coefficients are not identified; remove those levels from the data."
        )


def solve_normal_equations(gram: GramSums, layout: Layout, names: list[str]) -> np.ndarray:
    """``β`` solving ``XᵀWX β = XᵀWz`` (aliased columns are named when it is singular)."""
    if gram.rhs is None:
        raise ValueError("these sums hold no right-hand side (XᵀWz)")
    if not layout.coded:
        return solve_dense(symmetrize(gram.dense), gram.rhs, names)
    term = _single_coded(layout)
    a, M, rc = level_system(gram.levels[0], term)
    assert rc is not None  # a right-hand side was accumulated with the dense one
    _check_levels(a, term)
    schur = symmetrize(gram.dense) - M.T @ (M / a[:, None])
    rhs = gram.rhs - M.T @ (rc / a)
    beta_d = solve_dense(schur, rhs, [names[j] for j in layout.dense])
    beta = np.empty(layout.n_params)
    beta[layout.dense] = beta_d
    beta[term.columns] = (rc - M @ beta_d) / a
    return beta


def normalized_inverse(
    gram: GramSums, layout: Layout, dense_limit: int
) -> np.ndarray | BlockCovariance:
    """``(XᵀWX)⁻¹``: a dense array, or a :class:`BlockCovariance` beyond ``dense_limit``
    parameters."""
    if not layout.coded:
        return inverse_spd(symmetrize(gram.dense))
    term = _single_coded(layout)
    a, M, _ = level_system(gram.levels[0], term)
    _check_levels(a, term)
    schur = symmetrize(gram.dense) - M.T @ (M / a[:, None])
    cov = BlockCovariance(layout, inverse_spd(schur), a, M / a[:, None], dense_limit)
    return cov.to_dense() if layout.n_params <= dense_limit else cov


class BlockCovariance:
    """Inverse of ``[[B, Mᵀ], [M, diag(a)]]`` kept in blocks (dense part × coded levels).

    ``S⁻¹`` with ``S = B − Mᵀ diag(1/a) M`` is the dense block; the level block is
    ``diag(1/a) + (M/a) S⁻¹ (M/a)ᵀ``, whose diagonal gives the levels' variances.

    Parameters
    ----------
    layout : Layout
    schur_inverse : ndarray of shape (p_dense, p_dense)
    a : ndarray of shape (k,)
        The coded term's diagonal block, in column order.
    M_scaled : ndarray of shape (k, p_dense)
        ``M / a``.
    dense_limit : int
        Largest ``p`` materialized by :meth:`to_dense`.
    """

    def __init__(
        self,
        layout: Layout,
        schur_inverse: np.ndarray,
        a: np.ndarray,
        M_scaled: np.ndarray,
        dense_limit: int,
    ):
        self.layout = layout
        self.schur_inverse = schur_inverse
        self.a = a
        self.M_scaled = M_scaled
        self.dense_limit = dense_limit
        self.shape = (layout.n_params, layout.n_params)

    def __mul__(self, factor: float) -> BlockCovariance:
        return BlockCovariance(
            self.layout,
            self.schur_inverse * factor,
            self.a / factor,
            self.M_scaled,
            self.dense_limit,
        )

    __rmul__ = __mul__

    @property
    def term(self) -> CodedTerm:
        return self.layout.coded[0]

    def diagonal(self) -> np.ndarray:
        out = np.empty(self.shape[0])
        out[self.layout.dense] = np.diag(self.schur_inverse)
        ms = self.M_scaled
        out[self.term.columns] = 1.0 / self.a + np.einsum("ij,jk,ik->i", ms, self.schur_inverse, ms)
        return out

    def dense_cross(self) -> np.ndarray:
        """The dense × level block, shape (p_dense, k)."""
        return -(self.M_scaled @ self.schur_inverse).T

    def to_dense(self) -> np.ndarray:
        p = self.shape[0]
        if p > self.dense_limit:
            raise MemoryError(
                f"the covariance matrix has {p} x {p} entries; it is kept in blocks. Use "
                "bse / conf_int(), or cov_params() of a model with fewer levels."
            )
        d, c = self.layout.dense, self.term.columns
        ms = self.M_scaled
        cross = self.dense_cross()
        full = np.zeros((p, p))
        full[np.ix_(d, d)] = self.schur_inverse
        full[np.ix_(d, c)] = cross
        full[np.ix_(c, d)] = cross.T
        full[np.ix_(c, c)] = ms @ self.schur_inverse @ ms.T
        full[c, c] += 1.0 / self.a
        return full
