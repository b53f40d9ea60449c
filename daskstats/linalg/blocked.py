"""The normal equations ``XᵀWX β = XᵀWz`` and ``(XᵀWX)⁻¹`` from summed
:class:`~daskstats.linalg.gram.GramSums`, eliminating the widest coded term's diagonal block.

With the eliminated term's columns ``e`` (diagonal block ``diag(a)``) and the rest ``r`` (dense
columns and the other coded terms: block ``A_rr``, cross block ``A_re``), the Schur complement
``S = A_rr − A_re diag(1/a) A_reᵀ`` is only ``n_rest × n_rest``: ``β_r = S⁻¹ (b_r − A_re b_e / a)``
and ``β_e = (b_e − A_reᵀ β_r) / a``. The inverse keeps the same structure
(:class:`BlockCovariance`): standard errors of every level come from its diagonal without
forming the ``k_e × k_e`` block.
"""

from __future__ import annotations

import numpy as np

from daskstats.design.layout import CodedTerm, Layout
from daskstats.errors import CollinearityError
from daskstats.linalg.gram import GramSums, rest_system
from daskstats.linalg.spd import inverse_spd, solve_dense, symmetrize

__all__ = [
    "BlockCovariance",
    "UnavailableCovariance",
    "solve_normal_equations",
    "normalized_inverse",
]


def _check_levels(a: np.ndarray, term: CodedTerm, names: list[str] | None) -> None:
    empty = np.flatnonzero(~(a > 0))
    if len(empty):
        columns = term.columns[empty][:5]
        shown = [names[j] for j in columns] if names else [str(j) for j in columns]
        raise CollinearityError(
            f"column(s) {', '.join(shown)} of {term.name} have no rows with positive weight "
            "(levels absent from the used rows), so their coefficients are not identified; "
            "remove those levels from the data."
        )


def _schur(gram: GramSums, layout: Layout, names: list[str] | None, with_rhs: bool) -> tuple:
    e = layout.eliminated
    assert e is not None
    rest, A_rr, A_re, a, r_r, r_e = rest_system(gram, layout, e, with_rhs)
    _check_levels(a, layout.coded[e], names)
    root = A_re * (1.0 / np.sqrt(a))
    schur = A_rr - root @ root.T  # numpy hands B Bᵀ to BLAS syrk (half a product's flops)
    return e, rest, schur, A_re, a, r_r, r_e


def solve_normal_equations(gram: GramSums, layout: Layout, names: list[str]) -> np.ndarray:
    """``β`` solving ``XᵀWX β = XᵀWz`` (aliased columns are named when it is singular)."""
    if gram.rhs is None:
        raise ValueError("these sums hold no right-hand side (XᵀWz)")
    if not layout.coded:
        return solve_dense(symmetrize(gram.dense), gram.rhs, names)
    e, rest, schur, A_re, a, r_r, r_e = _schur(gram, layout, names, True)
    assert r_r is not None and r_e is not None
    beta_r = solve_dense(schur, r_r - A_re @ (r_e / a), [names[j] for j in rest])
    beta = np.empty(layout.n_params)
    beta[rest] = beta_r
    beta[layout.coded[e].columns] = (r_e - A_re.T @ beta_r) / a
    return beta


def normalized_inverse(
    gram: GramSums, layout: Layout, dense_limit: int, names: list[str] | None = None
) -> np.ndarray | BlockCovariance:
    """``(XᵀWX)⁻¹``: a dense array, or a :class:`BlockCovariance` beyond ``dense_limit``
    parameters."""
    if not layout.coded:
        return inverse_spd(symmetrize(gram.dense))
    e, rest, schur, A_re, a, _, _ = _schur(gram, layout, names, False)
    cov = BlockCovariance(
        layout.n_params,
        rest,
        layout.coded[e].columns,
        inverse_spd(schur),
        a,
        (A_re / a).T,
        dense_limit,
    )
    return cov.to_dense() if layout.n_params <= dense_limit else cov


class BlockCovariance:
    """Inverse of ``[[A_rr, A_re], [A_er, diag(a)]]`` kept in blocks.

    ``S⁻¹`` with ``S = A_rr − A_re diag(1/a) A_er`` is the rest × rest block; the rest × e block
    is ``−S⁻¹ Mᵀ`` and the e × e block ``diag(1/a) + M S⁻¹ Mᵀ`` with ``M = A_er / a``, whose
    diagonal gives the eliminated levels' variances.

    Parameters
    ----------
    n_params : int
    rest, eliminated : ndarray of int
        Parameter positions of the two parts.
    schur_inverse : ndarray of shape (n_rest, n_rest)
    a : ndarray of shape (k_e,)
        The eliminated block's diagonal.
    M_scaled : ndarray of shape (k_e, n_rest)
        ``A_er / a``.
    dense_limit : int
        Largest ``p`` materialized by :meth:`to_dense`.
    """

    def __init__(
        self,
        n_params: int,
        rest: np.ndarray,
        eliminated: np.ndarray,
        schur_inverse: np.ndarray,
        a: np.ndarray,
        M_scaled: np.ndarray,
        dense_limit: int,
    ):
        self.n_params = n_params
        self.rest = np.asarray(rest)
        self.eliminated = np.asarray(eliminated)
        self.schur_inverse = schur_inverse
        self.a = a
        self.M_scaled = M_scaled
        self.dense_limit = dense_limit
        self.shape = (n_params, n_params)
        where = np.full(n_params, -1, dtype=np.intp)
        where[self.rest] = np.arange(len(self.rest))
        self._in_rest = where
        where_e = np.full(n_params, -1, dtype=np.intp)
        where_e[self.eliminated] = np.arange(len(self.eliminated))
        self._in_e = where_e
        self._cross: np.ndarray | None = None

    def __mul__(self, factor: float) -> BlockCovariance:
        return BlockCovariance(
            self.n_params,
            self.rest,
            self.eliminated,
            self.schur_inverse * factor,
            self.a / factor,
            self.M_scaled,
            self.dense_limit,
        )

    __rmul__ = __mul__

    @property
    def cross(self) -> np.ndarray:
        """The rest × eliminated block ``−S⁻¹ Mᵀ``, shape (n_rest, k_e)."""
        if self._cross is None:
            self._cross = -(self.M_scaled @ self.schur_inverse).T
        return self._cross

    def diagonal(self) -> np.ndarray:
        out = np.empty(self.n_params)
        out[self.rest] = np.diag(self.schur_inverse)
        ms = self.M_scaled
        out[self.eliminated] = 1.0 / self.a + np.einsum("ij,jk,ik->i", ms, self.schur_inverse, ms)
        return out

    def block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``V[np.ix_(rows, cols)]`` from the blocks (the e × e part only as needed)."""
        rows, cols = np.asarray(rows), np.asarray(cols)
        out = np.zeros((len(rows), len(cols)))
        r_rest, c_rest = self._in_rest[rows], self._in_rest[cols]
        r_e, c_e = self._in_e[rows], self._in_e[cols]
        rr, cr = np.flatnonzero(r_rest >= 0), np.flatnonzero(c_rest >= 0)
        re, ce = np.flatnonzero(r_e >= 0), np.flatnonzero(c_e >= 0)
        out[np.ix_(rr, cr)] = self.schur_inverse[np.ix_(r_rest[rr], c_rest[cr])]
        out[np.ix_(rr, ce)] = self.cross[np.ix_(r_rest[rr], c_e[ce])]
        out[np.ix_(re, cr)] = self.cross[np.ix_(c_rest[cr], r_e[re])].T
        if len(re) and len(ce):
            ms = self.M_scaled
            ee = ms[r_e[re]] @ self.schur_inverse @ ms[c_e[ce]].T
            same = r_e[re][:, None] == c_e[ce][None, :]
            ee[same] += np.broadcast_to(1.0 / self.a[r_e[re]][:, None], ee.shape)[same]
            out[np.ix_(re, ce)] = ee
        return out

    def entries(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``V[rows[i], cols[i]]`` for every ``i`` (positions in two different parts, or a
        position with itself)."""
        rows, cols = np.asarray(rows), np.asarray(cols)
        out = np.empty(len(rows))
        r_rest, c_rest = self._in_rest[rows], self._in_rest[cols]
        r_e, c_e = self._in_e[rows], self._in_e[cols]
        both = (r_rest >= 0) & (c_rest >= 0)
        out[both] = self.schur_inverse[r_rest[both], c_rest[both]]
        rest_e = (r_rest >= 0) & (c_e >= 0)
        out[rest_e] = self.cross[r_rest[rest_e], c_e[rest_e]]
        e_rest = (r_e >= 0) & (c_rest >= 0)
        out[e_rest] = self.cross[c_rest[e_rest], r_e[e_rest]]
        e_e = (r_e >= 0) & (c_e >= 0)
        if e_e.any():
            ms = self.M_scaled
            i, j = r_e[e_e], c_e[e_e]
            values = np.einsum("ij,jk,ik->i", ms[i], self.schur_inverse, ms[j])
            out[e_e] = values + np.where(i == j, 1.0 / self.a[i], 0.0)
        return out

    def to_dense(self) -> np.ndarray:
        p = self.n_params
        if p > self.dense_limit:
            raise MemoryError(
                f"the covariance matrix has {p} x {p} entries; it is kept in blocks. Use "
                "bse / conf_int(), or cov_params() of a model with fewer levels."
            )
        everything = np.arange(p)
        return self.block(everything, everything)


class UnavailableCovariance:
    """The covariance of estimates that have none (after an L1 selection) when there are too
    many parameters to hold a ``p × p`` array of NaN: its diagonal is NaN."""

    def __init__(self, n_params: int, dense_limit: int):
        self.n_params = n_params
        self.dense_limit = dense_limit
        self.shape = (n_params, n_params)

    def __mul__(self, factor: float) -> UnavailableCovariance:
        return self

    __rmul__ = __mul__

    def diagonal(self) -> np.ndarray:
        return np.full(self.n_params, np.nan)

    def block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return np.full((len(rows), len(cols)), np.nan)

    def entries(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return np.full(len(rows), np.nan)

    def to_dense(self) -> np.ndarray:
        if self.n_params > self.dense_limit:
            raise MemoryError(
                f"these estimates have no covariance (after an L1 selection), and a {self.n_params}"
                f" x {self.n_params} array of NaN is not materialized."
            )
        return np.full(self.shape, np.nan)
