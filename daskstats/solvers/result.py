"""The record every solver returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["SolverResult"]


@dataclass(frozen=True)
class SolverResult:
    """What every solver returns.

    Attributes
    ----------
    params : ndarray of shape (p,)
    converged : bool
    n_iter : int
        Iterations (weighted least-squares solves for IRLS, statsmodels' count).
    totals : Partial or None
        The combined pass at ``params`` (statistics; None when no pass was made there).
    bread : Partial or None
        The pass whose weighted least-squares system gave ``params`` (its ``XᵀWX`` is
        statsmodels' normalized covariance basis).
    history : list of dict
        Per iteration: iteration, deviance or objective, relative change, step, seconds.
    null : NullModel or None
        The null model fitted beside (IRLS).
    """

    params: np.ndarray
    converged: bool
    n_iter: int
    totals: Any = None
    bread: Any = None
    history: list = field(default_factory=list)
    null: Any = None
