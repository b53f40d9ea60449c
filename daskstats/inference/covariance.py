"""Covariance of the estimates: nonrobust, HC0 and cluster-robust (one- and two-way).

All follow statsmodels' GLM exactly (``statsmodels.base.covtype`` and
``statsmodels.stats.sandwich_covariance``):

* ``nonrobust``: ``scale · (XᵀWX)⁻¹`` with ``W`` from the last weighted least-squares solve;
* ``HC0``: ``H⁻¹ M H⁻¹`` with ``H`` the observed information at the estimate and
  ``M = Σ_i s_i s_iᵀ / f_i`` (scores ``s_i`` include the frequency weight once);
* ``cluster``: ``c · H⁻¹ (Σ_g S_g S_gᵀ) H⁻¹`` with group score sums ``S_g`` and
  ``c = G/(G−1) · (N−1)/(N−k)``; two-way clustering is ``V_1 + V_2 − V_12``.

The per-row pieces are pure numpy (:func:`score_parts`); group sums are reduced by dask
(``groupby(...).sum()`` on the workers, see :mod:`daskstats.passes`).
"""

from __future__ import annotations

import numpy as np
from statsmodels.genmod.families import Family

from daskstats.families import with_trials

__all__ = ["score_parts", "robust_kernel", "sandwich", "cluster_correction"]


def score_parts(block: dict, layout, family: Family, params: np.ndarray, scale: float):
    """Score factors and observed-information factors of one partition.

    Returns
    -------
    score_factor : ndarray of shape (n,)
        ``f v n (y − μ) / (g'(μ) V(μ) scale)``; the score of row i is ``score_factor_i · x_i``.
    oim_factor : ndarray of shape (n,)
        Row weights of the observed information ``H = Σ oim_i x_i x_iᵀ``.
    freq_w : ndarray of shape (n,)
    """
    X, y = block["X"], block["y"]
    nrows = y.shape[0]
    family = with_trials(family, block.get("n"))
    link = family.link
    eta = layout.linear_predictor(X, block.get("codes"), params)
    if block.get("off") is not None:
        eta = eta + block["off"]
    mu = family.fitted(eta)
    fw = np.ones(nrows) if block.get("fw") is None else block["fw"]
    vw = np.ones(nrows) if block.get("vw") is None else block["vw"]
    iw = fw * vw if block.get("n") is None else fw * vw * block["n"]
    deriv = link.deriv(mu)
    variance = family.variance(mu)
    unit_score = (y - mu) / (deriv * variance)
    eim = iw / (deriv**2 * variance)
    correction = unit_score * (variance * link.deriv2(mu) + family.variance.deriv(mu) * deriv)
    oim = eim * (1 + correction)
    return iw * unit_score / scale, oim / scale, fw


def robust_kernel(block: dict, layout, family: Family, params: np.ndarray, scale: float) -> dict:
    """Observed information (``hessian_*``) and the HC0 meat (``meat_*``) of one partition, as
    the layout's pieces (dense block, and level sums for a coded categorical term)."""
    X, codes = block["X"], block.get("codes")
    score, oim, fw = score_parts(block, layout, family, params, scale)
    out = {}
    for name, w in (("hessian", oim), ("meat", score**2 / fw)):
        pieces = layout.empty_pieces()
        pieces["xtwx"] = X.T @ (X * w[:, None])
        if codes is not None:
            layout.accumulate_cat(pieces, X, codes, w)
        out.update({f"{name}_{k}": v for k, v in pieces.items() if k not in ("xtwz", "cat_wz")})
    return out


def sandwich(bread_inverse: np.ndarray, meat: np.ndarray) -> np.ndarray:
    """``B M B`` for a symmetric bread inverse ``B``."""
    cov = bread_inverse @ meat @ bread_inverse
    return (cov + cov.T) / 2


def cluster_correction(n_groups: int, nobs: int, k_params: int) -> float:
    """statsmodels' CRV1 small-sample factor ``G/(G−1) · (N−1)/(N−k)``."""
    return n_groups / (n_groups - 1.0) * ((nobs - 1.0) / float(nobs - k_params))
