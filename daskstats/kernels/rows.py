"""Per-row values of a fitted model on one block or on the rows of new data: residuals,
predictions, and the pieces of prediction intervals. Pure numpy (the lazy dask wrapping is in
:mod:`daskstats.passes.rows`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from statsmodels.genmod.families import Family

from daskstats.design.block import Block, dense_matrix
from daskstats.design.layout import Layout
from daskstats.families import with_trials
from daskstats.kernels.linear import block_linear_predictor
from daskstats.linalg.blocked import BlockCovariance
from daskstats.partials import Partial, summed

__all__ = [
    "RESIDUALS",
    "residuals",
    "predicted_values",
    "prediction_values",
    "statistic_and_derivative",
    "quadratic_form",
    "PREDICTION_COLUMNS",
    "AverageSums",
    "average_sums",
    "block_average",
]

#: the per-row columns :func:`prediction_values` returns
PREDICTION_COLUMNS = ("linpred", "linpred_var", "predicted", "var_pred")

#: the per-row quantities :func:`residuals` computes
RESIDUALS = ("mu", "response", "pearson", "deviance", "working", "anscombe", "linear")


def residuals(
    block: Block,
    layout: Layout,
    family: Family,
    params: np.ndarray,
    what: str,
    scale: float = 1.0,
) -> np.ndarray:
    """Fitted mean (``"mu"``), linear predictor (``"linear"``) or a residual of every row of a
    fitted block, as statsmodels (``scale``: for the scaled Anscombe residuals)."""
    if what not in RESIDUALS:
        raise ValueError(f"what must be one of {RESIDUALS}, got {what!r}")
    family = with_trials(family, block.trials)
    eta = block_linear_predictor(block, layout.split(params))
    if what == "linear":
        return eta
    mu = family.fitted(eta)
    y = block.y
    vw = 1.0 if block.var_weights is None else block.var_weights
    if what == "mu":
        return mu
    if what == "anscombe":  # statsmodels' family.resid_anscombe at ``scale``
        return family.resid_anscombe(y, mu, var_weights=vw, scale=scale)
    trials = 1.0 if block.trials is None else block.trials
    # statsmodels scales residuals of a two-column binomial response by the trials
    if what == "response":
        return trials * (y - mu)
    if what == "pearson":
        return np.sqrt(trials) * (y - mu) * np.sqrt(vw) / np.sqrt(family.variance(mu))
    if what == "deviance":
        return family.resid_dev(y, mu, var_weights=vw, scale=1.0)
    return trials * trials * (y - mu) * family.link.deriv(mu)


def predicted_values(
    eta: np.ndarray,
    X: np.ndarray,
    codes: tuple,
    values: tuple,
    layout: Layout,
    family: Family,
    which: str,
) -> np.ndarray:
    """Linear predictor, mean, or the variance function at the mean (``var_unscaled``)."""
    if which == "linear":
        return eta
    mean = family.fitted(eta)
    return mean if which == "mean" else family.variance(mean)


def _block(cov: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    if isinstance(cov, np.ndarray):
        return cov[np.ix_(rows, cols)]
    return cov.block(rows, cols)  # a covariance kept in blocks


def _entries(cov: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    if isinstance(cov, np.ndarray):
        return cov[rows, cols]
    return cov.entries(rows, cols)


def quadratic_form(
    X: np.ndarray,
    codes: tuple,
    values: tuple,
    layout: Layout,
    cov: np.ndarray | BlockCovariance,
) -> np.ndarray:
    """Row-wise ``x_i V x_iᵀ`` without indicator columns (``cov`` a dense array or a
    :class:`BlockCovariance`).

    A row is its dense part ``d`` plus, per coded term, one column ``c_t`` with value ``v_t``
    (or none): ``dᵀ V_dd d + 2 Σ_t v_t dᵀ V_{d,c_t} + Σ_t v_t² V_{c_t c_t}
    + 2 Σ_{s<t} v_s v_t V_{c_s c_t}``.
    """
    d = layout.dense
    out = np.einsum("ij,jk,ik->i", X, _block(cov, d, d), X)
    columns, weights = [], []
    for term, term_codes, term_values in zip(layout.coded, codes, values):
        column = term.level_column[term_codes]
        has = column >= 0
        position = np.where(has, term.columns[np.maximum(column, 0)], 0)
        weight = has * (1.0 if term_values is None else term_values)
        columns.append(position)
        weights.append(weight)
        if len(d):
            cross = _block(cov, d, term.columns)  # (p_d, k_t)
            out += 2 * weight * np.einsum("ij,ji->i", X, cross[:, np.maximum(column, 0)])
        out += weight**2 * _entries(cov, position, position)
    for s in range(len(columns)):
        for t in range(s + 1, len(columns)):
            out += 2 * weights[s] * weights[t] * _entries(cov, columns[s], columns[t])
    return out


def prediction_values(
    eta: np.ndarray,
    X: np.ndarray,
    codes: tuple,
    values: tuple,
    layout: Layout,
    family: Family,
    cov: np.ndarray | BlockCovariance,
    which: str,
) -> dict[str, np.ndarray]:
    """The per-row pieces of statsmodels' prediction results for rows with linear predictor
    ``eta``: ``linpred`` and its variance ``x V xᵀ``, the predicted statistic (``which``:
    ``"mean"``, ``"linear"`` or ``"var_unscaled"``) and its delta-method variance
    ``(∂f/∂η)² x V xᵀ``."""
    linpred_var = quadratic_form(X, codes, values, layout, cov)
    predicted, deriv = statistic_and_derivative(family, eta, which)
    return {
        "linpred": eta,
        "linpred_var": linpred_var,
        "predicted": predicted,
        "var_pred": deriv**2 * linpred_var,
    }


def statistic_and_derivative(
    family: Family, eta: np.ndarray, which: str
) -> tuple[np.ndarray, np.ndarray]:
    """A prediction statistic at ``eta`` and its derivative in ``eta``."""
    if which == "linear":
        return eta, np.ones_like(eta)
    mean = family.fitted(eta)
    deriv = family.link.inverse_deriv(eta)
    if which == "mean":
        return mean, deriv
    return family.variance(mean), family.variance.deriv(mean) * deriv


@dataclass(frozen=True)
class AverageSums(Partial):
    """``Σ a_i f(η_i)``, its gradient ``Σ a_i f'(η_i) x_i`` and the rows (statsmodels'
    ``get_prediction(average=True)``: the weighted mean over rows and its delta method)."""

    total: float = summed()
    gradient: np.ndarray = summed(None)
    rows: int = summed(0)


def average_sums(
    eta: np.ndarray,
    X: np.ndarray,
    codes: tuple,
    values: tuple,
    layout: Layout,
    family: Family,
    which: str,
    weights: np.ndarray | None,
) -> AverageSums:
    """One piece of rows' :class:`AverageSums` (``weights``: the aggregation weights of its
    rows, None for ones)."""
    statistic, deriv = statistic_and_derivative(family, eta, which)
    a = np.ones_like(eta) if weights is None else np.asarray(weights, dtype=float)
    factor = a * deriv
    levels = []
    for term, term_codes, term_values in zip(layout.coded, codes, values):
        weight = factor if term_values is None else factor * term_values
        levels.append(np.bincount(term_codes, weights=weight, minlength=term.n_levels))
    gradient = layout.scatter(X.T @ factor, tuple(levels))
    return AverageSums(float(np.dot(a, statistic)), gradient, len(eta))


def block_average(
    block: Block,
    weights: np.ndarray | None,
    layout: Layout,
    params: np.ndarray,
    family: Family,
    which: str,
) -> AverageSums:
    """:func:`average_sums` of a fitted block (``weights``: its rows' aggregation weights)."""
    eta = block_linear_predictor(block, layout.split(params))
    family = with_trials(family, block.trials)
    return average_sums(
        eta,
        dense_matrix(block.X, block.ones),
        block.term_codes(),
        block.values,
        layout,
        family,
        which,
        weights,
    )
