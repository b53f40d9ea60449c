"""Linear equality constraints ``R β = q`` as an affine subspace ``β = c + T γ``.

A constrained GLM is the unconstrained GLM of ``γ`` on the design ``X T`` with offset
``X c`` (statsmodels' ``fit_constrained``). Rather than build that design, the IRLS solves
are restricted to the subspace: a pass over the original design yields ``XᵀWX`` and the
right-hand side, and each solve projects them, ``T (TᵀAT)⁻¹ Tᵀ``. statsmodels'
``TransformRestriction`` gives ``T`` and ``c``. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import patsy
from numpy.typing import ArrayLike
from statsmodels.base._constraints import TransformRestriction

from daskstats.errors import DataError
from daskstats.linalg.spd import inverse_spd

__all__ = ["AffineSubspace", "linear_constraint"]


def linear_constraint(constraints: Any, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(R, q)`` of constraints given as statsmodels' ``t_test`` takes them: a string
    (``"x1 + x2 = 1, x3 = 0"``), a list of strings, or ``(R, q)``."""
    if isinstance(constraints, tuple) and len(constraints) == 2:
        R, q = constraints
        R = np.atleast_2d(np.asarray(R, dtype=float))
        if R.shape[1] != len(names):
            raise DataError(
                f"R has {R.shape[1]} columns but the model has {len(names)} parameters."
            )
        return R, np.asarray(q, dtype=float).reshape(-1)
    try:
        lc = patsy.DesignInfo(list(names)).linear_constraint(constraints)
    except patsy.PatsyError as exc:
        raise DataError(f"cannot read the constraints {constraints!r}: {exc}") from None
    return np.asarray(lc.coefs, dtype=float), np.asarray(lc.constants, dtype=float).reshape(-1)


@dataclass(frozen=True)
class AffineSubspace:
    """The coefficients ``β = constant + transform @ γ`` that satisfy ``R β = q``.

    Attributes
    ----------
    R : ndarray of shape (k, p)
    q : ndarray of shape (k,)
    transform : ndarray of shape (p, p − k)
    constant : ndarray of shape (p,)
    """

    R: np.ndarray
    q: np.ndarray
    transform: np.ndarray
    constant: np.ndarray

    @classmethod
    def of(cls, R: ArrayLike, q: ArrayLike) -> AffineSubspace:
        """The subspace of ``R β = q``.

        Raises
        ------
        DataError
            When the constraints are redundant or contradictory (``R`` without full row rank).
        """
        R = np.atleast_2d(np.asarray(R, dtype=float))
        q = np.asarray(q, dtype=float).reshape(-1)
        if R.shape[0] != q.shape[0]:
            raise DataError(f"R has {R.shape[0]} rows but q has {q.shape[0]} values.")
        if np.linalg.matrix_rank(R) < R.shape[0]:
            raise DataError(
                f"the {R.shape[0]} constraints are not linearly independent (R has rank "
                f"{np.linalg.matrix_rank(R)}); drop the redundant ones."
            )
        restriction = TransformRestriction(R, q)
        return cls(
            R=R,
            q=q,
            transform=np.asarray(restriction.transf_mat, dtype=float),
            constant=np.asarray(restriction.constant, dtype=float).reshape(-1),
        )

    @property
    def k_constraints(self) -> int:
        return self.R.shape[0]

    def project(self, params: np.ndarray) -> np.ndarray:
        """The point of the subspace nearest ``params``."""
        T = self.transform
        gamma = np.linalg.lstsq(T, np.asarray(params, dtype=float) - self.constant, rcond=None)[0]
        return self.constant + T @ gamma

    def _reduced_inverse(self, A: np.ndarray) -> np.ndarray:
        T = self.transform
        return inverse_spd(T.T @ A @ T)

    def bread(self, A: np.ndarray) -> np.ndarray:
        """``T (TᵀAT)⁻¹ Tᵀ``: the inverse of ``A`` on the subspace (a normalized covariance)."""
        T = self.transform
        return T @ self._reduced_inverse(A) @ T.T

    def step(self, A: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The correction within the subspace for the system ``A δ = b``."""
        return self.bread(A) @ b

    def solution(self, A: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The subspace's solution of ``A β = b`` (the coefficients themselves)."""
        return self.constant + self.bread(A) @ (b - A @ self.constant)
