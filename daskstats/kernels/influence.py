"""Per-row influence measures of a GLM fit on one block, with statsmodels' ``GLMInfluence``
definitions, without the ``n × n`` hat matrix or the ``n × k`` pseudo-inverse: every row's
measures need only its own row and the inverse information ``B = (Xᵀ W X)⁻¹`` (``W`` the
observed or expected information weights at scale 1). Pure numpy.

* ``hat_diag`` ``h = w xᵀ B x``;
* ``standard_resid`` ``r / √(1 − h)`` with the Pearson residual ``r`` over ``√scale``;
* ``cooks_d`` ``standard_resid² h / (1 − h) / k``;
* ``d_params`` ``B √w x · standard_resid / √(1 − h)`` and ``dfb_*`` = ``d_params / bse``;
* ``dffits_internal`` the change of the fitted mean, ``μ'(η) xᵀ d_params``, over its standard
  error ``|μ'(η)| √(xᵀ V x)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.genmod.families import Family

from daskstats.design.block import Block
from daskstats.design.layout import Layout
from daskstats.families import with_trials
from daskstats.kernels.derivatives import row_factors
from daskstats.kernels.linear import block_linear_predictor, dense_design
from daskstats.kernels.rows import residuals

__all__ = ["influence_rows", "influence_columns"]


def influence_columns(names: list[str]) -> list[str]:
    """The columns :func:`influence_rows` returns (statsmodels' ``summary_frame`` order, then
    the ``d_params`` columns and the measures it lacks)."""
    return (
        [f"dfb_{n}" for n in names]
        + ["cooks_d", "standard_resid", "hat_diag", "dffits_internal", "cooks_pvalue"]
        + [f"dparams_{n}" for n in names]
        + ["d_linpred", "d_fittedvalues"]
    )


def influence_rows(
    block: Block,
    layout: Layout,
    family: Family,
    params: np.ndarray,
    bread: np.ndarray,
    cov: np.ndarray,
    scale: float,
    hessian: str,
    names: list,
    df_resid: float,
) -> pd.DataFrame:
    """The influence measures of a fitted block's rows (see the module docstring)."""
    fam = with_trials(family, block.trials)
    eta = block_linear_predictor(block, layout.split(params))
    _, _, info = row_factors(block, fam, eta, hessian)
    assert info is not None
    X = dense_design(block, layout)
    BX = X @ bread  # rows: (B x_i)ᵀ
    hat = info * np.einsum("ij,ij->i", X, BX)
    pearson = residuals(block, layout, family, params, "pearson") / np.sqrt(scale)
    studentized = pearson / np.sqrt(1 - hat)
    k = layout.n_params
    cooks = studentized**2 * hat / (1 - hat) / k
    # statsmodels' hessian_factor holds 1/scale: the one-step change is √scale larger
    d_params = BX * (np.sqrt(info * scale) * studentized / np.sqrt(1 - hat))[:, None]
    bse = np.sqrt(np.diag(cov))
    d_linpred = np.einsum("ij,ij->i", X, d_params)
    deriv = fam.link.inverse_deriv(eta)
    se_linpred = np.sqrt(np.einsum("ij,jk,ik->i", X, cov, X))
    d_fitted = deriv * d_linpred
    columns = influence_columns(list(names))
    values = np.column_stack(
        [
            d_params / bse,
            cooks,
            studentized,
            hat,
            d_fitted / (np.abs(deriv) * se_linpred),
            stats.f.sf(cooks, k, df_resid),
            d_params,
            d_linpred,
            d_fitted,
        ]
    )
    return pd.DataFrame(values, columns=columns)
