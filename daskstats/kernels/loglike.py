"""statsmodels' own log-likelihood of the model and of the null model on one block (for the
families whose likelihood does not decompose into sums the scale applies to afterwards)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.genmod.families import Family

from daskstats.design.block import Block
from daskstats.design.layout import Layout
from daskstats.families import likelihood, with_trials
from daskstats.kernels.linear import block_linear_predictor, likelihood_weights
from daskstats.kernels.null import NullSpec, null_mean
from daskstats.partials import Partial, summed

__all__ = ["LoglikePartial", "loglike_pass"]


@dataclass(frozen=True)
class LoglikePartial(Partial):
    """``Σ f · loglike_obs`` of the model (``llf``) and of the null model (``llnull``)."""

    llf: float = summed()
    llnull: float | None = summed(None)


def loglike_pass(
    block: Block,
    layout: Layout,
    family: Family,
    params: np.ndarray,
    null: NullSpec | None,
    scale: float,
    llf_scale: float,
) -> LoglikePartial:
    """Log-likelihoods at the final scale with statsmodels' ``loglike_obs`` (``llf_scale`` is
    the concentrated scale for the linear Gaussian model, ``scale`` the null model's)."""
    y = block.y
    family = with_trials(family, block.trials)
    fw, vw = likelihood_weights(block)
    mu = family.fitted(block_linear_predictor(block, layout.split(params)))
    llf = likelihood.generic_row_sums(family, y, mu, fw, vw, llf_scale)
    llnull = None
    if null is not None:
        mu0 = null_mean(block, null, family)
        llnull = likelihood.generic_row_sums(family, y, mu0, fw, vw, scale)
    return LoglikePartial(llf, llnull)
