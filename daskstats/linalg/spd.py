"""Small dense linear algebra on the p×p weighted Gram matrix (no dask)."""

from __future__ import annotations

import numpy as np
from scipy import linalg

from daskstats.errors import CollinearityError, DataError
from daskstats.linalg.threads import SMALL_SYSTEM, one_blas_thread

__all__ = [
    "aliased_columns",
    "solve_spd",
    "inverse_spd",
    "scaled_pinv",
    "solve_dense",
    "symmetrize",
    "RANK_TOL",
]

#: a column is aliased when, in the correlation-scaled Gram matrix, the part of it not
#: explained by the earlier columns has squared norm below this fraction of its own
RANK_TOL = 1e-11


def _scaled(gram: np.ndarray, magnitude: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``D M D`` and ``D = diag^-1/2`` (of ``|diag|`` with ``magnitude``; 1 where not positive)."""
    diag = np.abs(np.diag(gram)) if magnitude else np.diag(gram).copy()
    diag[diag <= 0] = 1.0
    d = 1.0 / np.sqrt(diag)
    return gram * d[:, None] * d[None, :], d


def aliased_columns(gram: np.ndarray, tol: float = RANK_TOL) -> dict[int, dict[int, float]]:
    """Columns that are (numerically) linear combinations of earlier columns.

    Sequential Cholesky on the correlation-scaled Gram matrix: column ``j`` is aliased when its
    pivot (the squared norm of its residual on the kept columns, relative to its own norm) is
    below ``tol``.

    Returns
    -------
    dict
        ``{aliased column: {kept column: coefficient}}`` with ``x_j ≈ Σ c_k x_k``.
    """
    p = gram.shape[0]
    scaled, d = _scaled(gram)
    kept: list[int] = []
    chol = np.zeros((p, p))  # lower Cholesky factor of scaled[kept, kept], grown row by row
    aliased: dict[int, dict[int, float]] = {}
    for j in range(p):
        if gram[j, j] <= 0:
            aliased[j] = {}
            continue
        k = len(kept)
        rhs = scaled[kept, j]
        v = linalg.solve_triangular(chol[:k, :k], rhs, lower=True) if k else np.empty(0)
        pivot = scaled[j, j] - v @ v
        if pivot < tol:
            coef = linalg.solve_triangular(chol[:k, :k].T, v, lower=False) if k else v
            # undo the scaling: d_j x_j = sum_k c_k d_k x_k
            aliased[j] = {kk: float(c * d[kk] / d[j]) for kk, c in zip(kept, coef) if abs(c) > 1e-8}
        else:
            chol[k, :k] = v
            chol[k, k] = np.sqrt(pivot)
            kept.append(j)
    return aliased


def solve_spd(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve ``gram @ x = rhs`` for a symmetric positive definite ``gram`` (scaled Cholesky)."""
    scaled, d = _scaled(gram)
    row_scale = d if rhs.ndim == 1 else d[:, None]
    with one_blas_thread(gram.shape[0] <= SMALL_SYSTEM):
        factor = linalg.cho_factor(scaled, lower=False, check_finite=True)
        return row_scale * linalg.cho_solve(factor, row_scale * rhs)


def scaled_pinv(matrix: np.ndarray) -> np.ndarray:
    """Pseudo-inverse of a symmetric matrix (an information matrix, possibly indefinite when
    observed) computed on its diagonally scaled form ``D M D`` (``D = |diag M|^-1/2``).

    The same inverse when ``M`` is invertible, without the rounding error of badly scaled
    columns: ``pinv`` of ``M`` itself loses ``eps · cond(M)``, while only ``cond(D M D)``
    is the problem's (an income column beside indicators: the hat diagonal of statsmodels'
    cpunish Poisson fit went from 1e-8 to 2e-13 of statsmodels' ``pinv(√W X)``).
    """
    scaled, d = _scaled(matrix, magnitude=True)
    return d[:, None] * np.linalg.pinv(scaled) * d[None, :]


def inverse_spd(gram: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive definite matrix (scaled Cholesky)."""
    return solve_spd(gram, np.eye(gram.shape[0]))


def symmetrize(upper: np.ndarray) -> np.ndarray:
    """Full symmetric matrix from one whose upper triangle is authoritative."""
    return np.triu(upper) + np.triu(upper, 1).T


def solve_dense(gram: np.ndarray, rhs: np.ndarray, names: list[str]) -> np.ndarray:
    """Solve a symmetric positive definite system; name the aliased columns if it is singular."""
    try:
        return solve_spd(gram, rhs)
    except (linalg.LinAlgError, ValueError):
        pass
    if not np.all(np.isfinite(gram)) or not np.all(np.isfinite(rhs)):
        raise DataError(
            "the weighted least-squares system is not finite (overflow in the working weights); "
            "check for extreme values in the data, or rescale the columns."
        )
    raise collinearity_error(gram, names)


def collinearity_error(gram: np.ndarray, names: list[str]) -> CollinearityError:
    """The error naming each aliased column as a combination of the others."""
    aliased = aliased_columns(gram)
    parts = []
    for j, combo in aliased.items():
        if not combo:
            parts.append(f"{names[j]!r} is zero on every used row")
        else:
            terms = " + ".join(f"{c:.6g}*{names[k]!r}" for k, c in combo.items())
            parts.append(f"{names[j]!r} = {terms}")
    detail = "; ".join(parts) if parts else "the weighted Gram matrix is singular"
    return CollinearityError(
        f"the design matrix is rank deficient (collinear columns): {detail}. "
        "Remove the aliased terms from the formula (e.g. a constant column beside the "
        "intercept, or a dummy for every level plus an intercept)."
    )
