"""Where the columns of the design live: dense columns, and at most one categorical term kept
as integer codes instead of indicator columns.

For a categorical term with many levels (fixed effects, a 200-level region), indicator
columns would make every pass cost O(n·L²) and the design O(n·L) memory. Kept as codes, the
blocks of ``XᵀWX`` are

* dense × dense  ``DᵀWD``                           (p_d × p_d, BLAS ``syrk``),
* level × level  ``diag(Σ_{i∈ℓ} w_i)``              (a ``bincount``),
* level × dense  ``Σ_{i∈ℓ} w_i d_i``                (a sparse one-hot product, O(n·p_d)),

and the weighted least-squares system is solved by eliminating the diagonal block (its Schur
complement ``S = DᵀWD − Mᵀ diag(1/a) M`` is p_d × p_d). The covariance keeps the same structure:
standard errors of every level come from its diagonal without forming the L × L block.

Term names, column order and results are those of patsy/statsmodels with indicator columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import patsy
from scipy import sparse

from daskstats.contrasts import SelectorMatrix

__all__ = ["Layout", "CodedTerm", "plan_layout", "CODES_MIN_LEVELS", "BlockCovariance"]

#: a categorical term with at least this many columns is kept as codes
CODES_MIN_LEVELS = 32
#: covariance matrices are materialized only up to this many parameters
DENSE_COVARIANCE_LIMIT = 5000


@dataclass(frozen=True)
class CodedTerm:
    """A single-factor categorical term whose contrast selects one column per level.

    Attributes
    ----------
    name : str
        The term's name (``C(g)``).
    factor : object
        Its patsy factor.
    columns : ndarray of int, shape (k,)
        Positions of its k columns in the full parameter vector.
    level_column : ndarray of int, shape (L,)
        Column (0..k-1) of each level, -1 for the reference level.
    levels : tuple
        The learned levels, in patsy's order.
    """

    name: str
    factor: object
    columns: np.ndarray
    level_column: np.ndarray
    levels: tuple

    @property
    def n_levels(self) -> int:
        return len(self.levels)


@dataclass(frozen=True)
class Layout:
    """Dense columns plus an optional coded categorical term.

    Attributes
    ----------
    n_params : int
    dense : ndarray of int
        Positions of the dense columns in the full parameter vector.
    coded : CodedTerm or None
    dense_info : patsy.DesignInfo
        patsy's description of the dense columns only (the full one when nothing is coded).
    """

    n_params: int
    dense: np.ndarray
    coded: CodedTerm | None
    dense_info: patsy.DesignInfo | None
    spec: object = None

    @classmethod
    def dense_only(cls, n_params: int) -> Layout:
        """All columns dense (for kernels used on plain arrays)."""
        return cls(n_params, np.arange(n_params), None, None, None)

    def __dask_tokenize__(self):
        coded = None if self.coded is None else self.coded.name
        return ("daskstats-layout", getattr(self.spec, "token", None), self.n_params, coded)

    def __reduce__(self):
        # patsy objects cannot be pickled: workers re-plan the layout from the (picklable) spec
        return (_rebuild_layout, (self.spec, None if self.coded is None else self.coded.name))

    # --- per-partition pieces (pure numpy) ------------------------------------------------
    def level_coefficients(self, params: np.ndarray) -> np.ndarray:
        """Coefficient of each level (0 for the reference level), shape (L,)."""
        coded = self.coded
        values = np.zeros(coded.n_levels)
        has = coded.level_column >= 0
        values[has] = params[coded.columns[coded.level_column[has]]]
        return values

    def scatter(self, dense_values: np.ndarray, level_values: np.ndarray | None) -> np.ndarray:
        """A length-``p`` vector in parameter order from per-dense-column values and per-level
        values (the reference level's value is dropped)."""
        out = np.zeros(self.n_params)
        if self.coded is None:
            out[:] = dense_values
            return out
        out[self.dense] = dense_values
        keep = self.coded.level_column >= 0
        out[self.coded.columns[self.coded.level_column[keep]]] = level_values[keep]
        return out

    def dense_params(self, params: np.ndarray) -> np.ndarray:
        return params[self.dense] if self.coded is not None else params

    def linear_predictor(self, X: np.ndarray, codes, params: np.ndarray, levels=None):
        """``η = D β_d + β_c[codes]`` for rows of one block (``levels`` may be precomputed)."""
        eta = X @ self.dense_params(params)
        if self.coded is not None:
            if levels is None:
                levels = self.level_coefficients(params)
            eta += levels[codes]
        return eta

    def quadratic_form(self, X: np.ndarray, codes, cov) -> np.ndarray:
        """Row-wise ``x_i V x_iᵀ`` for rows of one block (``cov`` dense or blocked)."""
        if self.coded is None:
            cov = cov.to_dense() if hasattr(cov, "to_dense") else cov
            return np.einsum("ij,jk,ik->i", X, cov, X)
        d, c = self.dense, self.coded.columns
        if isinstance(cov, BlockCovariance):
            v_dd = cov.schur_inverse
            v_dc = -(cov.M_scaled @ cov.schur_inverse).T
            diag_c = cov.diagonal()[c]
        else:
            v_dd, v_dc, diag_c = cov[np.ix_(d, d)], cov[np.ix_(d, c)], np.diag(cov)[c]
        out = np.einsum("ij,jk,ik->i", X, v_dd, X)
        column = self.coded.level_column[codes]
        has = column >= 0
        cols = column[has]
        out[has] += 2 * np.einsum("ij,ji->i", X[has], v_dc[:, cols]) + diag_c[cols]
        return out

    def empty_pieces(self) -> dict:
        p_d = len(self.dense) if self.coded is not None else self.n_params
        pieces = {"xtwx": np.zeros((p_d, p_d)), "xtwz": np.zeros(p_d)}
        if self.coded is not None:
            L = self.coded.n_levels
            pieces.update(cat_w=np.zeros(L), cat_wz=np.zeros(L), cat_cross=np.zeros((L, p_d)))
        return pieces

    def accumulate_cat(self, pieces: dict, Xs, codes, w, wz=None) -> None:
        """Add one slice's level sums (``Σ w``, ``Σ w z``, ``Σ w d``) to ``pieces``."""
        L = self.coded.n_levels
        pieces["cat_w"] += np.bincount(codes, weights=w, minlength=L)
        if wz is not None:
            pieces["cat_wz"] += np.bincount(codes, weights=wz, minlength=L)
        n = len(codes)
        onehot = sparse.csr_matrix((w, codes, np.arange(n + 1)), shape=(n, L))
        pieces["cat_cross"] += onehot.T @ Xs

    # --- assembling and solving (client side, small arrays) ------------------------------
    def _coded_blocks(self, totals: dict, prefix: str = "cat_"):
        coded = self.coded
        keep = coded.level_column >= 0
        order = np.argsort(coded.level_column[keep])
        pick = np.flatnonzero(keep)[order]
        a = totals[prefix + "w"][pick]
        M = totals[prefix + "cross"][pick]
        return a, M, pick

    def dense_gram(self, totals: dict) -> np.ndarray:
        """The full symmetric p × p matrix (only for a moderate number of parameters)."""
        from daskstats.kernels import symmetrize

        B = symmetrize(totals["xtwx"])
        if self.coded is None:
            return B
        a, M, _ = self._coded_blocks(totals)
        full = np.zeros((self.n_params, self.n_params))
        d, c = self.dense, self.coded.columns
        full[np.ix_(d, d)] = B
        full[np.ix_(c, d)] = M
        full[np.ix_(d, c)] = M.T
        full[c, c] = a
        return full

    def dense_rhs(self, totals: dict) -> np.ndarray:
        """``XᵀWz`` as a full p-vector from summed pieces."""
        if self.coded is None:
            return totals["xtwz"]
        out = np.empty(self.n_params)
        out[self.dense] = totals["xtwz"]
        _, _, pick = self._coded_blocks(totals)
        out[self.coded.columns] = totals["cat_wz"][pick]
        return out

    def solve(self, totals: dict, names: list[str]) -> np.ndarray:
        """Solve the weighted least-squares system ``XᵀWX β = XᵀWz`` from summed pieces."""
        from daskstats.kernels import symmetrize
        from daskstats.solvers.irls import solve_dense

        if self.coded is None:
            return solve_dense(symmetrize(totals["xtwx"]), totals["xtwz"], names)
        a, M, pick = self._coded_blocks(totals)
        self._check_levels(a)
        rc = totals["cat_wz"][pick]
        schur = symmetrize(totals["xtwx"]) - M.T @ (M / a[:, None])
        rhs = totals["xtwz"] - M.T @ (rc / a)
        dense_names = [names[j] for j in self.dense]
        beta_d = solve_dense(schur, rhs, dense_names)
        beta = np.empty(self.n_params)
        beta[self.dense] = beta_d
        beta[self.coded.columns] = (rc - M @ beta_d) / a
        return beta

    def _check_levels(self, a: np.ndarray) -> None:
        from daskstats.errors import CollinearityError

        empty = np.flatnonzero(~(a > 0))
        if len(empty):
            coded = self.coded
            names = [
                str(coded.levels[i]) for i in np.flatnonzero(coded.level_column >= 0)[empty][:5]
            ]
            raise CollinearityError(
                f"level(s) {', '.join(names)} of {coded.name} have no rows with positive weight, "
                "so their coefficients are not identified; remove those levels from the data."
            )

    def inverse(self, totals: dict, names: list[str]):
        """``(XᵀWX)⁻¹``: a dense array, or a :class:`BlockCovariance` for many parameters."""
        from daskstats.kernels import symmetrize
        from daskstats.solvers.linalg import inverse_spd

        if self.coded is None:
            return inverse_spd(symmetrize(totals["xtwx"]))
        a, M, _ = self._coded_blocks(totals)
        self._check_levels(a)
        schur = symmetrize(totals["xtwx"]) - M.T @ (M / a[:, None])
        cov = BlockCovariance(self, inverse_spd(schur), a, M)
        return cov.to_dense() if self.n_params <= DENSE_COVARIANCE_LIMIT else cov


class BlockCovariance:
    """Inverse of ``[[B, Mᵀ], [M, diag(a)]]`` kept in blocks (dense part × coded levels).

    ``S⁻¹`` with ``S = B − Mᵀ diag(1/a) M`` is the dense block; the level block is
    ``diag(1/a) + (M/a) S⁻¹ (M/a)ᵀ``, whose diagonal gives the levels' variances.
    """

    def __init__(self, layout: Layout, schur_inverse: np.ndarray, a: np.ndarray, M: np.ndarray):
        self.layout = layout
        self.schur_inverse = schur_inverse
        self.a = a
        self.M_scaled = M / a[:, None]
        self.shape = (layout.n_params, layout.n_params)

    def __mul__(self, factor: float) -> BlockCovariance:
        out = BlockCovariance.__new__(BlockCovariance)
        out.layout, out.shape = self.layout, self.shape
        out.schur_inverse = self.schur_inverse * factor
        out.a = self.a / factor
        out.M_scaled = self.M_scaled
        return out

    __rmul__ = __mul__

    def diagonal(self) -> np.ndarray:
        out = np.empty(self.shape[0])
        out[self.layout.dense] = np.diag(self.schur_inverse)
        ms = self.M_scaled
        out[self.layout.coded.columns] = 1.0 / self.a + np.einsum(
            "ij,jk,ik->i", ms, self.schur_inverse, ms
        )
        return out

    def to_dense(self) -> np.ndarray:
        p = self.shape[0]
        if p > DENSE_COVARIANCE_LIMIT:
            raise MemoryError(
                f"the covariance matrix has {p} x {p} entries; it is kept in blocks. Use "
                "bse / conf_int(), or cov_params() of a model with fewer levels."
            )
        d, c = self.layout.dense, self.layout.coded.columns
        ms = self.M_scaled
        cross = -ms @ self.schur_inverse
        full = np.zeros((p, p))
        full[np.ix_(d, d)] = self.schur_inverse
        full[np.ix_(c, d)] = cross
        full[np.ix_(d, c)] = cross.T
        full[np.ix_(c, c)] = ms @ self.schur_inverse @ ms.T
        full[c, c] += 1.0 / self.a
        return full


def _selector_columns(contrast: np.ndarray) -> np.ndarray | None:
    """Column of each level when every row of the contrast matrix is a unit vector or 0.

    Works without L × k temporaries; a :class:`~daskstats.contrasts.SelectorMatrix` (large
    Treatment codings) already is that selection.
    """
    if isinstance(contrast, SelectorMatrix):
        return contrast.level_column
    matrix = np.asarray(contrast)
    n_levels, k = matrix.shape
    if np.count_nonzero(matrix) != k:
        return None
    best = matrix.argmax(axis=1)
    top = matrix[np.arange(n_levels), best]
    hit = top == 1
    if np.count_nonzero(hit) != k or len(np.unique(best[hit])) != k:
        return None
    return np.where(hit, best, -1)


def _rebuild_layout(spec, coded_name):
    return plan_layout(spec, allow_codes=coded_name is not None, coded_name=coded_name)


def plan_layout(spec, allow_codes: bool = True, coded_name: str | None = None) -> Layout:
    """Keep the categorical term with the most columns (≥ CODES_MIN_LEVELS) as codes.

    Parameters
    ----------
    spec : ModelSpec
    allow_codes : bool
        False keeps every column dense (used with cluster-robust covariances).
    coded_name : str, optional
        Code exactly this term (when a layout is rebuilt on a worker).
    """
    x_info = spec.x_info
    p = len(x_info.column_names)
    best = None
    if allow_codes:
        for term, codings in x_info.term_codings.items():
            if len(term.factors) != 1 or len(codings) != 1:
                continue
            factor = term.factors[0]
            info = x_info.factor_infos[factor]
            if info.type != "categorical":
                continue
            contrast = codings[0].contrast_matrices[factor].matrix
            level_column = _selector_columns(contrast)
            span = x_info.term_slices[term]
            width = span.stop - span.start
            if level_column is None:
                continue
            if coded_name is not None:
                if term.name() != coded_name:
                    continue
            elif width < CODES_MIN_LEVELS:
                continue
            if best is None or width > len(best.columns):
                best = CodedTerm(
                    term.name(),
                    factor,
                    np.arange(span.start, span.stop),
                    level_column,
                    tuple(info.categories),
                )
    if best is None:
        return Layout(p, np.arange(p), None, x_info, spec)
    dense_terms = [t for t in x_info.terms if t.name() != best.name]
    dense_info = x_info.subset(dense_terms) if dense_terms else None
    dense = np.setdiff1d(np.arange(p), best.columns)
    return Layout(p, dense, best, dense_info, spec)
