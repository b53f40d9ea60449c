"""Sums of a block's rows at a given mean ``μ`` (one value per used row, supplied by the
caller): what statsmodels' ``GLM.loglike_mu``, ``estimate_scale(mu)`` and
``estimate_tweedie_power(mu)`` compute over the whole data. Pure numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from statsmodels.genmod.families import Family

from daskstats.design.block import Block
from daskstats.families import with_trials
from daskstats.kernels.linear import likelihood_weights, row_weights
from daskstats.partials import Partial, summed

__all__ = ["MeanSums", "mean_sums", "TweedieSums", "tweedie_sums"]


@dataclass(frozen=True)
class MeanSums(Partial):
    """Pearson χ², deviance (scale 1) and ``Σ f · loglike_obs`` at ``scale``."""

    pearson: float = summed()
    deviance: float = summed()
    llf: float = summed()


def mean_sums(block: Block, mu: ArrayLike, family: Family, scale: float) -> MeanSums:
    """The sums of ``block``'s rows at the mean ``mu`` (its used rows, in order)."""
    mu = np.asarray(mu, dtype=float)
    family = with_trials(family, block.trials)
    y = block.y
    prior, iweights = row_weights(block)
    chi2 = (y - mu) ** 2 / family.variance(mu)
    unit_dev = family._resid_dev(y, mu)
    fw, vw = likelihood_weights(block)
    return MeanSums(
        float(chi2.sum() if iweights is None else np.dot(iweights, chi2)),
        float(unit_dev.sum() if prior is None else np.dot(prior, unit_dev)),
        float(np.dot(fw, np.broadcast_to(family.loglike_obs(y, mu, vw, scale), y.shape))),
    )


@dataclass(frozen=True)
class TweedieSums(Partial):
    """At a power ``p``: ``Σ w r² μ⁻ᵖ``, ``Σ w r² μ⁻ᵖ log μ``, ``Σ w log μ`` (``w = f v``,
    ``r = y − μ``) and ``Σ f``."""

    r2: float = summed()
    r2_log: float = summed()
    log: float = summed()
    freq: float = summed()


def tweedie_sums(block: Block, mu: ArrayLike, power: float) -> TweedieSums:
    """statsmodels' ``estimate_tweedie_power`` sums of ``block``'s rows at ``power``."""
    mu = np.asarray(mu, dtype=float)
    _, iweights = row_weights(block)
    iw = np.ones(block.nrows) if iweights is None else iweights
    fw, _ = likelihood_weights(block)
    r2 = iw * (block.y - mu) ** 2 / mu**power
    log_mu = np.log(mu)
    return TweedieSums(
        float(r2.sum()), float(np.dot(r2, log_mu)), float(np.dot(iw, log_mu)), float(fw.sum())
    )
