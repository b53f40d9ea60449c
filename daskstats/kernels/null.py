"""The constant-only (null) model's sums on one block, collected beside a fit's passes.

statsmodels reports the null deviance and null log-likelihood of the model with the intercept
only (and the same offset, weights and family). Without an offset its fitted mean is the
weighted mean of the response (known before the fit); with one it is fitted by IRLS on the
intercept, one step per pass of the main fit (``weight`` and ``weighted_z`` are that step's
``Σ w`` and ``Σ w z``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.genmod.families import Family

from daskstats.design.block import Block
from daskstats.families import likelihood, with_trials
from daskstats.kernels.linear import likelihood_weights, row_weights
from daskstats.partials import Partial, keyed, summed

__all__ = ["NullSpec", "NullSums", "null_mean", "null_sums", "null_pass", "null_rows"]


@dataclass(frozen=True)
class NullSpec:
    """The null model's current iterate.

    Attributes
    ----------
    intercept : float or None
        With an offset: ``η₀ = intercept + offset``.
    mean : float or None
        Without one: the fitted constant mean.
    """

    intercept: float | None = None
    mean: float | None = None


@dataclass(frozen=True)
class NullSums(Partial):
    """Deviance (and, with an offset, the intercept's IRLS sums and log-likelihood sums)."""

    deviance: float = summed()
    weight: float | None = summed(None)
    weighted_z: float | None = summed(None)
    loglike: dict | None = keyed()


def null_mean(block: Block, null: NullSpec, family: Family) -> np.ndarray:
    """``μ₀`` of every row of the block."""
    nrows = block.nrows
    if null.mean is not None:
        return np.full(nrows, null.mean)
    if null.intercept is None:
        raise ValueError("a null model needs its mean or its intercept")
    eta0 = null.intercept + (0.0 if block.offset is None else block.offset)
    return family.fitted(np.broadcast_to(eta0, (nrows,)).astype(float))


def null_sums(block: Block, null: NullSpec, family: Family, loglike: bool) -> NullSums:
    """The null model's sums on ``block`` (``family`` already holds the block's trials)."""
    y = block.y
    prior, iweights = row_weights(block)
    mu0 = null_mean(block, null, family)
    unit_deviance = family._resid_dev(y, mu0)
    deviance = float(unit_deviance.sum() if prior is None else np.dot(prior, unit_deviance))
    weight = weighted_z = None
    if null.intercept is not None:
        deriv = family.link.deriv(mu0)
        w0 = 1.0 / (deriv**2 * family.variance(mu0))
        if iweights is not None:
            w0 = iweights * w0
        weight = float(w0.sum())
        weighted_z = float(np.dot(w0, null.intercept + deriv * (y - mu0)))
    sums = None
    if loglike:
        sums = likelihood.row_sums(family, y, mu0, *likelihood_weights(block))
    return NullSums(deviance, weight, weighted_z, sums)


def null_rows(block: Block, family: Family, null: NullSpec) -> np.ndarray:
    """The null model's fitted value of every row of a block."""
    return null_mean(block, null, with_trials(family, block.trials))


def null_pass(block: Block, family: Family, null: NullSpec, loglike: bool) -> NullSums:
    """Null-model sums only (no design work): when the null fit needs more passes than the
    main fit."""
    return null_sums(block, null, with_trials(family, block.trials), loglike)
