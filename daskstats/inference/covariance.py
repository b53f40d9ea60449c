"""Covariance of the estimates, one small estimator per ``cov_type`` in a registry.

All follow statsmodels' GLM exactly (``statsmodels.base.covtype`` and
``statsmodels.stats.sandwich_covariance``):

* ``nonrobust``: ``scale · (XᵀWX)⁻¹`` with ``W`` from the last weighted least-squares solve;
* ``HC0``: ``H⁻¹ M H⁻¹`` with ``H`` the observed information at the estimate and
  ``M = Σ_i s_i s_iᵀ / f_i`` (scores ``s_i`` include the frequency weight once);
  ``HC1``–``HC3`` are the same matrix, as statsmodels' GLM computes them (its
  ``cov_white_simple`` without small-sample correction; only the label differs);
* ``HAC``: ``H⁻¹ S H⁻¹`` with the Newey–West meat over the rows in order across partitions
  (:mod:`daskstats.kernels.hac`), times ``n/(n−k)`` with ``use_correction``;
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
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.base.covtype import descriptions
from statsmodels.genmod.families import Family
from statsmodels.stats.sandwich_covariance import kernel_dict, weights_bartlett

from daskstats.design.layout import Layout
from daskstats.errors import DataError
from daskstats.kernels.hac import hac_pass
from daskstats.kernels.robust import RobustPartial, robust_pass
from daskstats.linalg.blocked import UnavailableCovariance
from daskstats.linalg.gram import GramSums, full_matrix
from daskstats.linalg.spd import inverse_spd
from daskstats.passes.aligned import RowPieces
from daskstats.passes.cluster import cluster_meats
from daskstats.passes.runner import PassRunner
from daskstats.solvers.constraints import AffineSubspace
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
    use_t : bool
    constraint : AffineSubspace or None
        The fit's linear constraints (``fit_constrained``): sandwiches use the Hessian's
        inverse on their subspace, and corrections count the free parameters.
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
    use_t: bool = False

    constraint: AffineSubspace | None = None

    @property
    def k_params(self) -> int:
        return len(self.params)

    @property
    def k_free(self) -> int:
        """Parameters not fixed by constraints (small-sample corrections count these)."""
        return self.k_params - (0 if self.constraint is None else self.constraint.k_constraints)

    def bread(self, hessian: np.ndarray) -> np.ndarray:
        """The sandwich's bread: the Hessian's inverse (on the constraints' subspace)."""
        if self.constraint is not None:
            return self.constraint.bread(hessian)
        return inverse_spd(hessian)


@dataclass(frozen=True)
class GivenGroups:
    """Cluster groups given at fit time (``cov_kwds={"groups": values}``).

    Attributes
    ----------
    pieces : RowPieces
        One piece per block.
    meta : pandas.DataFrame
        Empty frame naming the group columns (``group0``, ``group1``) with their dtypes.
    """

    pieces: RowPieces
    meta: pd.DataFrame


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


def _dense_sandwich_pieces(context: CovarianceContext, label: str) -> RobustPartial:
    p = context.k_params
    if p > context.dense_limit:
        raise DataError(
            f"cov_type={label!r} with {p} parameters needs a dense {p} x {p} sandwich; use "
            "the nonrobust covariance, or fewer levels."
        )
    return context.runner.run(
        robust_pass,
        context.layout,
        context.family,
        context.params,
        context.scale,
        name=label,
        pooled=True,
    )


def _white(label: str) -> Estimator:
    def estimate(context: CovarianceContext, kwds: dict) -> Covariance:
        if kwds:
            raise DataError(
                f"heteroscedasticity robust covariance does not use keywords (got "
                f"{sorted(kwds)} with cov_type={label!r})."
            )
        parts = _dense_sandwich_pieces(context, label)
        hessian = full_matrix(parts.hessian, context.layout)
        meat = full_matrix(parts.meat, context.layout)
        cov = sandwich(context.bread(hessian), meat)
        return Covariance(cov, label, _kwds(context, description=descriptions[label]))

    return estimate


def _kwds(context: CovarianceContext, **extra: Any) -> dict:
    """statsmodels' ``cov_kwds`` of a robust covariance."""
    return {"use_t": context.use_t, "adjust_df": False, **extra}


for _name in ("HC0", "HC1", "HC2", "HC3"):
    register(_name)(_white(_name))


@register("HAC")
def _hac(context: CovarianceContext, kwds: dict) -> Covariance:
    """statsmodels' ``cov_hac_simple``: rows in order (a time series), Bartlett weights by
    default, ``n/(n−k)`` with ``use_correction`` (default False for GLM)."""
    unknown = sorted(set(kwds) - {"maxlags", "kernel", "weights_func", "use_correction"})
    if unknown:
        raise DataError(f"cov_type='HAC' takes maxlags, kernel and use_correction; got {unknown}.")
    if "maxlags" not in kwds:
        raise DataError("cov_type='HAC' needs cov_kwds={'maxlags': L} (the highest lag).")
    maxlags = int(kwds["maxlags"])
    if maxlags < 0:
        raise DataError(f"maxlags must be at least 0, got {maxlags}.")
    kernel = kwds.get("kernel", kwds.get("weights_func", weights_bartlett))
    if isinstance(kernel, str):
        if kernel not in kernel_dict:
            raise DataError(
                f"kernel must be one of {sorted(kernel_dict)} or a function, got {kernel!r}."
            )
        kernel = kernel_dict[kernel]
    use_correction = bool(kwds.get("use_correction", False))
    weights = np.asarray(kernel(maxlags), dtype=float)
    p = context.k_params
    if p > context.dense_limit:
        raise DataError(
            f"cov_type='HAC' with {p} parameters needs a dense {p} x {p} sandwich; use the "
            "nonrobust covariance, or fewer levels."
        )
    parts = context.runner.run(
        hac_pass,
        context.layout,
        context.family,
        context.params,
        context.scale,
        weights,
        name="HAC",
    )
    if parts.hessian is None:
        raise ValueError("the HAC pass collected no Hessian")
    cov = sandwich(context.bread(full_matrix(parts.hessian, context.layout)), parts.meat)
    if use_correction:
        cov = cov * (context.n_rows / (context.n_rows - context.k_free))
    description = descriptions["HAC"].format(
        maxlags=maxlags, correction=["without", "with"][use_correction]
    )
    return Covariance(
        cov,
        "HAC",
        _kwds(
            context,
            maxlags=maxlags,
            weights_func=kernel,
            use_correction=use_correction,
            description=description,
        ),
    )


@register("cluster")
def _cluster(context: CovarianceContext, kwds: dict) -> Covariance:
    unknown = sorted(set(kwds) - {"groups", "use_correction", "df_correction"})
    if unknown:
        raise DataError(
            f"cov_type='cluster' takes groups, use_correction and df_correction; got {unknown}."
        )
    given = kwds.get("groups")
    group_meta: pd.DataFrame | None
    if isinstance(given, GivenGroups):
        groups, group_meta, pieces = tuple(given.meta.columns), given.meta, given.pieces
    else:
        groups, group_meta, pieces = context.groups, context.group_meta, None
    use_correction = kwds.get("use_correction", True)
    sets: list[tuple[str, ...]] = [(g,) for g in groups] + ([groups] if len(groups) == 2 else [])
    if group_meta is None:
        raise ValueError("a cluster covariance needs the group columns' meta")
    robust, meats = cluster_meats(
        context.runner,
        context.layout,
        context.family,
        context.params,
        context.scale,
        sets,
        group_meta,
        pieces,
    )
    bread = context.bread(full_matrix(robust.hessian, context.layout))
    covs = []
    for m in meats:
        c = sandwich(bread, m.meat)
        if use_correction:
            c = c * cluster_correction(m.groups, context.nobs, context.k_free)
        covs.append(c)
    n_groups = [m.groups for m in meats]
    cov = covs[0] if len(covs) == 1 else covs[0] + covs[1] - covs[2]
    adjust = kwds.get("df_correction", True) is not False
    extra = _kwds(
        context,
        groups=groups,
        use_correction=use_correction,
        n_groups=n_groups[0] if len(groups) == 1 else tuple(n_groups[:2]),
        description=descriptions["cluster"],
    )
    extra["adjust_df"] = adjust
    df = min(n_groups[: len(groups)]) - 1 if adjust else None
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
        robust_pass,
        context.layout,
        context.family,
        context.params,
        1.0,
        name="sandwich",
        pooled=True,
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
