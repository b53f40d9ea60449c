"""One IRLS pass over a block: the statistics at the current coefficients and the weighted
least-squares system for the next ones. Pure numpy.

IRLS quantities follow statsmodels exactly (``GLM._fit_irls``):

* weights ``w = f v n / (g'(μ)² V(μ))``,
* working response ``z = η + g'(μ)(y − μ) − offset``,
* deviance ``Σ f v d(y, μ)``, Pearson ``Σ f v n (y − μ)² / V(μ)``.

Every per-row quantity is computed on the same cache-sized slice of rows as its share of
``XᵀWX`` (:class:`~daskstats.kernels.gram.GramAccumulator`), while it is in cache.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.genmod.families import Binomial, Family

from daskstats.design.block import Block
from daskstats.design.layout import Layout
from daskstats.families import likelihood, with_trials
from daskstats.families.rows import rows_for
from daskstats.kernels.gram import GramAccumulator
from daskstats.kernels.linear import (
    ROWS_PER_CHUNK,
    block_linear_predictor,
    likelihood_weights,
    row_slices,
    row_weights,
)
from daskstats.kernels.null import NullSpec, NullSums, null_sums
from daskstats.linalg.gram import GramSums
from daskstats.partials import Partial, keyed, largest, nested, summed

__all__ = ["IRLSPassSpec", "FitSums", "IRLSPartial", "irls_pass"]


@dataclass(frozen=True)
class IRLSPassSpec:
    """What one IRLS pass evaluates.

    Attributes
    ----------
    family : statsmodels Family
    params : ndarray of shape (p,) or None
        Coefficients to evaluate at; ``None`` means statsmodels' starting values (μ from y).
    y_mean : float
        Unweighted mean of the response (statsmodels' ``starting_mu`` uses it).
    layout : Layout
    null : NullSpec or None
        The null model's iterate, when its sums are wanted in this pass.
    loglike : bool
        Collect the decomposed log-likelihood sums (:mod:`daskstats.families.likelihood`).
    null_loglike : bool
        Collect them for the null model too.
    gram : bool
        Accumulate ``XᵀWX`` and ``XᵀWz`` (False when only the deviance is needed).
    correction : bool
        At given ``params``, accumulate ``XᵀW r`` with the working residual
        ``r = g'(μ)(y − μ)`` instead of ``XᵀWz``: the next iterate is ``params + (XᵀWX)⁻¹XᵀWr``,
        the same point, computed as a correction (iterative refinement: the rounding error of
        the solve does not carry into the coefficients, which matters when ``XᵀWX`` is
        ill-conditioned, e.g. Longley's data).
    observed : bool
        With ``correction``, weight ``XᵀWX`` by the *observed* information (the right-hand
        side keeps the score): each iteration is a Newton step, quadratically convergent for
        non-canonical links (statsmodels' Probit). Rows whose observed information is not
        positive keep the expected one.
    """

    family: Family
    params: np.ndarray | None
    y_mean: float
    layout: Layout
    null: NullSpec | None = None
    loglike: bool = True
    null_loglike: bool = True
    gram: bool = True
    correction: bool = False
    observed: bool = False


@dataclass(frozen=True)
class FitSums(Partial):
    """Statistics of the rows at the evaluated coefficients.

    Attributes
    ----------
    deviance, pearson : float
    max_abs_resid : float
        Largest ``|y − μ|`` (perfect prediction when it is ~0).
    at_boundary : int
        Rows fitted at the edge of the mean's range with a ~0 residual (separation's sign).
    loglike : dict or None
        Decomposed log-likelihood sums, when collected.
    """

    deviance: float = summed()
    pearson: float = summed()
    max_abs_resid: float = largest(0.0)
    at_boundary: int = summed(0)
    loglike: dict | None = keyed()


@dataclass(frozen=True)
class IRLSPartial(Partial):
    """What an IRLS pass returns: statistics, the system, the null model's sums."""

    fit: FitSums = nested()
    gram: GramSums | None = nested()
    null: NullSums | None = nested()

    @property
    def deviance(self) -> float:
        return self.fit.deviance


def _start_mu(family: Family, y: np.ndarray, y_mean: float) -> np.ndarray:
    # statsmodels: Family.starting_mu(y) = (y + y.mean()) / 2 on the WHOLE response, so the
    # global mean is passed in; Binomial overrides it with (y + 0.5) / 2.
    if isinstance(family, Binomial):
        return family.starting_mu(y)
    return (y + y_mean) / 2.0


def _observed_factor(
    family: Family, mu: np.ndarray, resid: np.ndarray, variance: np.ndarray
) -> np.ndarray:
    """Observed over expected information of each row (1 where not positive)."""
    link = family.link
    deriv = link.deriv(mu)
    unit_score = resid / (deriv * variance)
    factor = 1 + unit_score * (variance * link.deriv2(mu) + family.variance.deriv(mu) * deriv)
    return np.where(factor > 0, factor, 1.0)


def irls_pass(block: Block, spec: IRLSPassSpec) -> IRLSPartial:
    """One IRLS pass over a block: deviance and statistics at ``spec.params`` and the weighted
    least-squares system for the next iterate; the log-likelihood and null-model sums (needed
    once or twice per fit) only when requested."""
    y = block.y
    nrows = block.nrows
    family = with_trials(spec.family, block.trials)
    rows_ops = rows_for(family, block.trials)
    prior, iweights = row_weights(block)
    accumulator = GramAccumulator(spec.layout, block) if spec.gram else None
    coefficients = spec.layout.split(spec.params) if spec.params is not None else None
    dev = pearson = max_abs = 0.0
    at_boundary = 0
    two_sided = isinstance(family, Binomial)
    correction = spec.correction and coefficients is not None
    mu_all = np.empty(nrows) if spec.loglike else None
    for rows in row_slices(nrows, ROWS_PER_CHUNK):
        ys = y[rows]
        if coefficients is None:
            mu = _start_mu(family, ys, spec.y_mean)
            eta = rows_ops.start_eta(mu)
        else:
            eta = block_linear_predictor(block, coefficients, rows)
            mu = rows_ops.mean(eta)
        if mu_all is not None:
            mu_all[rows] = mu
        resid = ys - mu
        if accumulator is not None:
            unit_w, z, variance = rows_ops.irls_rows(eta, mu, ys)
        else:
            variance = rows_ops.variance(mu)
        unit_dev = rows_ops.unit_deviance(ys, mu)
        if prior is None:
            dev += float(unit_dev.sum())
        else:
            dev += float(np.dot(prior[rows], unit_dev))
        if iweights is None:
            pearson += float(np.dot(resid, resid / variance))
        else:
            pearson += float(np.dot(iweights[rows], resid * resid / variance))
        abs_resid = np.abs(resid)
        if len(abs_resid):
            max_abs = max(max_abs, float(abs_resid.max()))
            if abs_resid.min() < 1e-8:
                # rows fitted (numerically) at the edge of the mean's range: separation's sign
                edge = mu < 1e-10
                if two_sided:
                    edge |= mu > 1 - 1e-10
                at_boundary += int(np.count_nonzero(edge & (abs_resid < 1e-8)))
        if accumulator is not None:
            w = unit_w if iweights is None else iweights[rows] * unit_w
            if correction:
                z = z - eta
                if spec.observed:
                    factor = _observed_factor(family, mu, resid, variance)
                    w = w * factor
                    z = z / factor
            elif block.offset is not None:
                z = z - block.offset[rows]
            accumulator.add(rows, w, z)
    loglike = None
    if mu_all is not None:
        loglike = likelihood.row_sums(family, y, mu_all, *likelihood_weights(block))
    return IRLSPartial(
        fit=FitSums(dev, pearson, max_abs, at_boundary, loglike),
        gram=accumulator.result() if accumulator is not None else None,
        null=null_sums(block, spec.null, family, spec.null_loglike) if spec.null else None,
    )
