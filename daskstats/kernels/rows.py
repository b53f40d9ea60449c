"""Per-row values of a fitted model on one block or on the rows of new data: residuals,
predictions, and the pieces of prediction intervals. Pure numpy (the lazy dask wrapping is in
:mod:`daskstats.passes.rows`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from statsmodels.genmod.families import Family, links

from daskstats.design.block import Block
from daskstats.design.layout import Layout
from daskstats.families import with_trials
from daskstats.kernels.linear import block_linear_predictor
from daskstats.linalg.blocked import BlockCovariance

__all__ = [
    "RESIDUALS",
    "residuals",
    "predicted_values",
    "prediction_values",
    "quadratic_form",
]

#: the per-row quantities :func:`residuals` computes
RESIDUALS = ("mu", "response", "pearson", "deviance", "working")


def residuals(
    block: Block, layout: Layout, family: Family, params: np.ndarray, what: str
) -> np.ndarray:
    """Fitted mean (``"mu"``) or a residual of every row of a fitted block, as statsmodels."""
    if what not in RESIDUALS:
        raise ValueError(f"what must be one of {RESIDUALS}, got {what!r}")
    family = with_trials(family, block.trials)
    mu = family.fitted(block_linear_predictor(block, layout.split(params)))
    y = block.y
    vw = 1.0 if block.var_weights is None else block.var_weights
    if what == "mu":
        return mu
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


def _is_identity_like(link: links.Link) -> bool:
    tmp = np.linspace(0, 1, 6)
    with np.errstate(all="ignore"):
        return bool(np.all(link.inverse(tmp) == tmp))


def prediction_values(
    eta: np.ndarray,
    X: np.ndarray,
    codes: tuple,
    values: tuple,
    layout: Layout,
    family: Family,
    cov: np.ndarray | BlockCovariance,
    alpha: float,
    dist_args: tuple,
) -> dict[str, np.ndarray]:
    """statsmodels' ``summary_frame`` columns for rows with linear predictor ``eta``.

    The linear predictor's variance is ``x V xᵀ``; the mean's standard error is ``|dμ/dη|``
    times its square root (delta method); the mean's interval is the linear predictor's interval
    mapped through the inverse link ("endpoint" method), or ``mean ± q·se`` for an
    identity-like link.
    """
    link = family.link
    se_linear = np.sqrt(quadratic_form(X, codes, values, layout, cov))
    mean = family.fitted(eta)
    mean_se = np.abs(link.inverse_deriv(eta)) * se_linear
    dist, args = dist_args
    q = dist.ppf(1 - alpha / 2.0, *args)
    if _is_identity_like(link):
        lower, upper = mean - q * mean_se, mean + q * mean_se
    else:
        lower, upper = link.inverse(eta - q * se_linear), link.inverse(eta + q * se_linear)
    return {"mean": mean, "mean_se": mean_se, "mean_ci_lower": lower, "mean_ci_upper": upper}
