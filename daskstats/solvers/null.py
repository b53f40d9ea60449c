"""The constant-only (null) model iterated beside a fit, one step per pass of the fit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from daskstats.kernels.null import NullSpec, NullSums

__all__ = ["NullModel", "deviance_threshold"]


def deviance_threshold(deviance: float, tol: float) -> float:
    """Largest deviance change taken as convergence (absolute ``tol``, floored by fp noise)."""
    return max(tol, 1000 * np.finfo(float).eps * abs(deviance))


@dataclass
class NullModel:
    """Iterate of the null model.

    Attributes
    ----------
    intercept : float or None
        With an offset: its intercept (statsmodels starts it at link(mean y)); one IRLS step
        per pass until its deviance settles.
    mean : float or None
        Without an offset: its fitted constant, the weighted mean (nothing to iterate).
    deviance : float
    converged : bool
    sums : NullSums or None
        The sums of the last pass that evaluated it.
    """

    intercept: float | None
    mean: float | None
    deviance: float = np.inf
    converged: bool = False
    sums: NullSums | None = None

    @property
    def spec(self) -> NullSpec:
        return NullSpec(self.intercept, self.mean)

    @property
    def pending(self) -> NullSpec | None:
        """What the next pass should evaluate (None once converged)."""
        return None if self.converged else self.spec

    def update(
        self, sums: NullSums | None, tol: float, relative: bool = False, predictive: bool = False
    ) -> bool:
        """Take a pass's null sums: converged when the deviance change is at most ``tol``
        (``tol · max(1, |D₀|)`` when ``relative``), else one IRLS step of the intercept.

        ``predictive``: also converged, after taking the step, when the step's predicted
        deviance change (``Σw · step²``) is within ``tol`` (no pass to confirm it; the null
        deviance and log-likelihood are those before the step, within ``tol``).
        """
        if self.converged or sums is None:
            return self.converged
        self.sums = sums
        dev0 = sums.deviance
        if self.intercept is None:  # a constant mean: nothing to iterate
            self.deviance, self.converged = dev0, True
            return True
        limit = tol * max(1.0, abs(dev0)) if relative else tol
        if abs(dev0 - self.deviance) <= deviance_threshold(dev0, limit):
            self.deviance, self.converged = dev0, True
            return True
        self.deviance = dev0
        assert sums.weighted_z is not None and sums.weight is not None  # with an intercept
        step = sums.weighted_z / sums.weight - self.intercept
        self.intercept += step
        if predictive and sums.weight * step * step <= deviance_threshold(dev0, limit):
            self.converged = True
        return self.converged
