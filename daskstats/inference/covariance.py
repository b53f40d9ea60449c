"""Covariance of the estimates, one small estimator per ``cov_type`` in a registry.

All follow statsmodels' GLM exactly (``statsmodels.base.covtype`` and
``statsmodels.stats.sandwich_covariance``):

* ``nonrobust``: ``scale · (XᵀWX)⁻¹`` with ``W`` from the last weighted least-squares solve;
* ``HC0``: ``H⁻¹ M H⁻¹`` with ``H`` the observed information at the estimate and
  ``M = Σ_i s_i s_iᵀ / f_i`` (scores ``s_i`` include the frequency weight once);
* ``cluster``: ``c · H⁻¹ (Σ_g S_g S_gᵀ) H⁻¹`` with group score sums ``S_g`` and
  ``c = G/(G−1) · (N−1)/(N−k)``; two-way clustering is ``V_1 + V_2 − V_12``;

and, for penalized fits, the sandwich with the penalized Hessian (L2) or no covariance at all
(after L1 selection). A new covariance type is one function registered with
:func:`register`; it receives a :class:`CovarianceContext` (which can run passes) and returns a
:class:`Covariance`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.genmod.families import Family

from daskstats.design.layout import Layout
from daskstats.errors import DataError
from daskstats.kernels.robust import robust_pass
from daskstats.linalg.blocked import UnavailableCovariance
from daskstats.linalg.gram import GramSums, full_matrix
from daskstats.linalg.spd import inverse_spd
from daskstats.passes.cluster import cluster_meats
from daskstats.passes.runner import PassRunner
from daskstats.solvers.penalties import ElasticNet

__all__ = [
    "Covariance",
    "CovarianceContext",
    "COVARIANCE_TYPES",
    "USER_COV_TYPES",
    "register",
    "estimate_covariance",
    "sandwich",
    "cluster_correction",
]


@dataclass(frozen=True)
class CovarianceContext:
    """What an estimator may use: the fit, and a runner for its own pass over the data.

    Attributes
    ----------
    runner : PassRunner
    layout : Layout
    family : statsmodels Family
    params : ndarray of shape (p,)
    scale : float
    nobs : int
    normalized_cov : ndarray or BlockCovariance
        ``(XᵀWX)⁻¹`` of the last weighted least-squares solve (NaN where not identified).
    dense_limit : int
        Largest ``p`` for a dense ``p × p`` sandwich.
    groups : tuple of str
        Cluster-group columns of the design.
    group_meta : pandas.DataFrame or None
        Their dtypes (for the groupby's meta).
    penalty : ElasticNet or None
    gram : GramSums or None
        ``XᵀWX`` at the estimate (penalized fits).
    n_rows : float
        Rows (statsmodels' penalized objective divides by them).
    """

    runner: PassRunner
    layout: Layout
    family: Family
    params: np.ndarray
    scale: float
    nobs: int
    normalized_cov: object
    dense_limit: int
    groups: tuple[str, ...] = ()
    group_meta: pd.DataFrame | None = None
    penalty: ElasticNet | None = None
    gram: GramSums | None = None
    n_rows: float = 1.0

    @property
    def k_params(self) -> int:
        return len(self.params)


@dataclass(frozen=True)
class Covariance:
    """An estimator's answer: the matrix, its summary label, what it used."""

    matrix: object
    label: str
    kwds: dict = field(default_factory=dict)
    df_resid_inference: float | None = None


Estimator = Callable[[CovarianceContext, dict], Covariance]
COVARIANCE_TYPES: dict[str, Estimator] = {}
#: the ``cov_type`` values a user may ask for
USER_COV_TYPES: list[str] = []


def register(name: str, user: bool = True) -> Callable[[Estimator], Estimator]:
    """Register an estimator under ``name`` (``user=False``: chosen by the fit itself)."""

    def decorate(estimator: Estimator) -> Estimator:
        COVARIANCE_TYPES[name] = estimator
        if user:
            USER_COV_TYPES.append(name)
        return estimator

    return decorate


def estimate_covariance(cov_type: str, context: CovarianceContext, cov_kwds: dict) -> Covariance:
    """The covariance of ``cov_type`` (a registered name)."""
    try:
        estimator = COVARIANCE_TYPES[cov_type]
    except KeyError:
        raise DataError(
            f"cov_type must be one of {tuple(USER_COV_TYPES)}, got {cov_type!r}."
        ) from None
    return estimator(context, cov_kwds)


def sandwich(bread_inverse: np.ndarray, meat: np.ndarray) -> np.ndarray:
    """``B M B`` for a symmetric bread inverse ``B``."""
    cov = bread_inverse @ meat @ bread_inverse
    return (cov + cov.T) / 2


def cluster_correction(n_groups: int, nobs: int, k_params: int) -> float:
    """statsmodels' CRV1 small-sample factor ``G/(G−1) · (N−1)/(N−k)``."""
    return n_groups / (n_groups - 1.0) * ((nobs - 1.0) / float(nobs - k_params))


@register("nonrobust")
def _nonrobust(context: CovarianceContext, kwds: dict) -> Covariance:
    return Covariance(context.normalized_cov * context.scale, "nonrobust")  # type: ignore[operator]


@register("HC0")
def _hc0(context: CovarianceContext, kwds: dict) -> Covariance:
    p = context.k_params
    if p > context.dense_limit:
        raise DataError(
            f"cov_type='HC0' with {p} parameters needs a dense {p} x {p} sandwich; use "
            "the nonrobust covariance, or fewer levels."
        )
    parts = context.runner.run(
        robust_pass, context.layout, context.family, context.params, context.scale, name="HC0"
    )
    hessian = full_matrix(parts.hessian, context.layout)
    meat = full_matrix(parts.meat, context.layout)
    return Covariance(sandwich(inverse_spd(hessian), meat), "HC0", {"description": "HC0"})


@register("cluster")
def _cluster(context: CovarianceContext, kwds: dict) -> Covariance:
    groups = context.groups
    use_correction = kwds.get("use_correction", True)
    sets: list[tuple[str, ...]] = [(g,) for g in groups] + ([groups] if len(groups) == 2 else [])
    if context.group_meta is None:
        raise ValueError("a cluster covariance needs the group columns' meta")
    robust, meats = cluster_meats(
        context.runner,
        context.layout,
        context.family,
        context.params,
        context.scale,
        sets,
        context.group_meta,
    )
    bread = inverse_spd(full_matrix(robust.hessian, context.layout))
    covs = []
    for m in meats:
        c = sandwich(bread, m.meat)
        if use_correction:
            c = c * cluster_correction(m.groups, context.nobs, context.k_params)
        covs.append(c)
    n_groups = [m.groups for m in meats]
    cov = covs[0] if len(covs) == 1 else covs[0] + covs[1] - covs[2]
    extra = {
        "groups": groups,
        "use_correction": use_correction,
        "n_groups": n_groups[0] if len(groups) == 1 else tuple(n_groups[:2]),
    }
    df = min(n_groups[: len(groups)]) - 1 if kwds.get("df_correction", True) is not False else None
    return Covariance(cov, "cluster", extra, df)


@register("penalized sandwich", user=False)
def _penalized_sandwich(context: CovarianceContext, kwds: dict) -> Covariance:
    """``H⁻¹ M H⁻¹`` with the penalized Hessian ``H = XᵀWX/n + diag(α (1 − L1_wt))``."""
    n = context.n_rows
    if context.k_params > context.dense_limit:
        raise DataError(
            f"an L2-penalized fit's sandwich covariance needs a dense {context.k_params} x "
            f"{context.k_params} matrix, more than ds.thresholds' dense_covariance_limit="
            f"{context.dense_limit}; use an L1 part (L1_wt > 0) or fewer levels."
        )
    if context.gram is None or context.penalty is None:
        raise ValueError("a penalized sandwich needs the penalty and XᵀWX at the estimate")
    hessian = full_matrix(context.gram, context.layout) / n + np.diag(context.penalty.l2)
    parts = context.runner.run(
        robust_pass, context.layout, context.family, context.params, 1.0, name="sandwich"
    )
    meat = full_matrix(parts.meat, context.layout) / n**2
    return Covariance(sandwich(inverse_spd(hessian), meat), "sandwich (penalized Hessian)")


@register("none (L1 selection)", user=False)
def _after_selection(context: CovarianceContext, kwds: dict) -> Covariance:
    """No covariance: after L1 selection the usual sampling distribution does not hold."""
    p = context.k_params
    if p > context.dense_limit:
        return Covariance(UnavailableCovariance(p, context.dense_limit), "none (L1 selection)")
    return Covariance(np.full((p, p), np.nan), "none (L1 selection)")
