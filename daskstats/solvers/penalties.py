"""Elastic-net penalty with statsmodels' convention, its proximal operator and optimality check.

statsmodels' ``GLM.fit_regularized`` maximizes::

    llf(β) / n − α · ((1 − L1_wt) · ‖β‖² / 2 + L1_wt · ‖β‖₁)

with ``llf`` at scale 1 and ``n`` the number of rows; daskstats minimizes the equivalent::

    F(β) = D(β) / (2n) + Σ_j α_j ((1 − L1_wt) β_j² / 2 + L1_wt |β_j|)

(``−llf = D/2 + const`` for every exponential-dispersion family at scale 1).  ``α`` may differ
per coefficient; the intercept is not penalized unless asked.

Conventions elsewhere: glmnet minimizes ``D/(2n) + λ((1−a)/2 ‖β‖² + a‖β‖₁)`` — the same with
``λ = α`` and ``a = L1_wt`` (glmnet standardizes columns by default; pass
``standardize=FALSE`` to compare). scikit-learn's ``LogisticRegression(C=...)`` minimizes
``C Σ loss + ½‖β‖²`` (L2) or ``C Σ loss + ‖β‖₁`` (L1): ``C = 1 / (n α)``; its ``ElasticNet``
(Gaussian) uses ``α`` and ``l1_ratio`` exactly as here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ElasticNet", "penalty_weights"]


def penalty_weights(
    alpha: float | np.ndarray | dict,
    names: list[str],
    penalize_intercept: bool = False,
    intercept: int | None = None,
) -> np.ndarray:
    """Per-coefficient ``α`` from a scalar, a vector or a ``{term or column: α}`` dict.

    A scalar leaves the intercept (the column at position ``intercept``) unpenalized unless
    ``penalize_intercept``; a dict names columns (``"x1"``) or formula terms (``"C(g)"``
    applies to all its columns); columns it does not name get 0.
    """
    p = len(names)
    if isinstance(alpha, dict):
        out = np.zeros(p)
        for key, value in alpha.items():
            hits = [j for j, n in enumerate(names) if n == key or n.startswith(f"{key}[")]
            if not hits:
                raise ValueError(
                    f"alpha names {key!r}, which is not a term or column ({', '.join(names)})."
                )
            out[hits] = float(value)
    else:
        arr = np.asarray(alpha, dtype=float)
        if arr.ndim == 0:
            out = np.full(p, float(arr))
            if not penalize_intercept and intercept is not None:
                out[intercept] = 0.0
        elif arr.shape == (p,):
            out = arr.copy()
        else:
            raise ValueError(
                f"alpha must be a scalar, {p} values or a dict, got shape {arr.shape}."
            )
    if np.any(out < 0) or not np.all(np.isfinite(out)):
        raise ValueError("alpha must be finite and non-negative.")
    return out


@dataclass(frozen=True)
class ElasticNet:
    """``Σ_j α_j ((1 − L1_wt) β_j² / 2 + L1_wt |β_j|)``.

    Attributes
    ----------
    alpha : ndarray of shape (p,)
    L1_wt : float
    """

    alpha: np.ndarray
    L1_wt: float

    @property
    def l1(self) -> np.ndarray:
        return self.alpha * self.L1_wt

    @property
    def l2(self) -> np.ndarray:
        return self.alpha * (1.0 - self.L1_wt)

    @property
    def has_l1(self) -> bool:
        return bool(np.any(self.l1 > 0))

    def value(self, beta: np.ndarray) -> float:
        return float(np.sum(self.l2 * beta**2) / 2 + np.sum(self.l1 * np.abs(beta)))

    def prox(self, v: np.ndarray, step: float | np.ndarray) -> np.ndarray:
        """``argmin_b P(b) + ‖b − v‖² / (2 step)`` (``step`` scalar or per coordinate)."""
        shrunk = np.sign(v) * np.maximum(np.abs(v) - step * self.l1, 0.0)
        return shrunk / (1.0 + step * self.l2)

    def kkt_violation(self, beta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Per coordinate distance from optimality of ``F`` with smooth gradient ``grad``.

        Zero at a minimum: ``g_j + l2_j β_j + l1_j sign(β_j) = 0`` for ``β_j ≠ 0`` and
        ``|g_j + l2_j β_j| ≤ l1_j`` for ``β_j = 0``.
        """
        g = grad + self.l2 * beta
        nonzero = beta != 0
        out = np.where(
            nonzero, np.abs(g + self.l1 * np.sign(beta)), np.maximum(np.abs(g) - self.l1, 0.0)
        )
        return out
