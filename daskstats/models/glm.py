"""GLM: statsmodels' generalized linear model on dask data.

``GLM.from_formula(formula, data, family, ...)`` learns the design specification over every
partition and builds (and usually persists) the blocks (:class:`~daskstats.models.base.Model`);
``fit`` runs IRLS, one pass per iteration (:mod:`daskstats.models.irls_fit`), or a penalized
solver (:mod:`daskstats.models.penalized`), and returns
:class:`~daskstats.results.glm.GLMResults`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import patsy
from statsmodels.genmod.families import Binomial, Family, links

from daskstats.annotations import AlphaLike, ColumnLike, DataFrameLike, EvalEnv, GroupsLike
from daskstats.design import DataSummary, ExtraColumns
from daskstats.errors import DataError
from daskstats.families import (
    check_degenerate_response,
    check_response_domain,
    resolve_family,
    warn_unsafe_link,
)
from daskstats.inference.covariance import USER_COV_TYPES
from daskstats.models.base import Model
from daskstats.models.irls_fit import fit_irls
from daskstats.models.penalized import fit_path, fit_regularized
from daskstats.passes.errors import cluster_errors_become_clear
from daskstats.results.glm import GLMResults
from daskstats.results.path import RegularizationPath

__all__ = ["GLM"]


def _is_penalized(alpha: AlphaLike) -> bool:
    return isinstance(alpha, dict) or bool(np.any(np.asarray(alpha) != 0))


class GLM(Model):
    """Generalized linear model on dask data (statsmodels' ``GLM`` semantics).

    ``GLM(endog, exog, family, ...)`` as statsmodels (numpy arrays, pandas or dask
    Series/DataFrames, dask arrays), or :meth:`from_formula`; then :meth:`fit`.

    Parameters
    ----------
    endog : array_like, pandas/dask Series or DataFrame, or dask array
        The response: one column, or two ``(successes, failures)`` for the Binomial family.
    exog : array_like, pandas/dask DataFrame, or dask array
        The regressors (add a constant with ``sm.add_constant``, as in statsmodels). Columns are
        named by a DataFrame's columns, else ``x1, x2, ...`` with a constant column ``const``.
    family : statsmodels Family instance, optional
        Default Gaussian (identity link).
    offset, exposure, freq_weights, var_weights : array_like, Series or dask array, optional
        One value per row, with the data's partitions when the data is dask.
    missing : {"none", "drop", "raise"}
        statsmodels' default ``"none"`` does not look for missing values (its estimates
        would be NaN); daskstats refuses them with an error. ``"drop"`` drops those rows.
    groups : array_like, optional
        Cluster groups for ``cov_type="cluster"`` (or give them in ``fit``'s ``cov_kwds``).
    persist : bool, optional
        Keep the design in memory (default: when it takes at most half the memory).

    Attributes
    ----------
    formula : str
    family : statsmodels Family
    spec : ModelSpec
        Learned design specification (levels over all partitions), reused by ``predict``.
    layout : Layout
        Dense columns and the categorical terms kept as level codes.
    source : BlockSource
        Per-partition blocks of response, design, offset and weights.
    exog_names, endog_names : list of str
    """

    @cluster_errors_become_clear
    def __init__(
        self,
        endog,
        exog,
        family: Family | None = None,
        offset=None,
        exposure=None,
        freq_weights=None,
        var_weights=None,
        missing: str = "none",
        *,
        groups=None,
        persist: bool | None = None,
    ):
        self._from_arrays(
            endog,
            exog,
            offset=offset,
            exposure=exposure,
            freq_weights=freq_weights,
            var_weights=var_weights,
            missing=missing,
            groups=groups,
            persist=persist,
            family=family,
        )

    # --- the GLM's own options and checks (hooks of Model) -------------------------------
    def _configure(self, family: Family | None = None, **options: Any) -> None:
        super()._configure(**options)
        self.family = resolve_family(family)
        warn_unsafe_link(self.family, stacklevel=5)

    def _check_inputs(self, extras: ExtraColumns) -> None:
        if extras.exposure is not None and not isinstance(self.family.link, links.Log):
            raise DataError(
                "exposure can only be used with the log link; use offset=np.log(exposure) "
                "for other links, or choose link=ds.families.links.Log()."
            )

    def _two_column_response(self, spec) -> bool:
        if len(spec.endog_names) == 2 and isinstance(self.family, Binomial):
            return True
        if len(spec.endog_names) > 1:
            raise DataError(
                f"the response has {len(spec.endog_names)} columns "
                f"({', '.join(spec.endog_names)}); 'successes + failures ~ ...' is only "
                "valid with the Binomial family."
            )
        return False

    def _check_data(self, summary: DataSummary) -> None:
        name = self.spec.endog_name
        check_response_domain(self.family, summary.y.min, summary.y.max, name)
        check_degenerate_response(self.family, summary.y.min, summary.y.max, name)

    # --- construction --------------------------------------------------------------------
    @classmethod
    @cluster_errors_become_clear
    def from_formula(
        cls,
        formula: str,
        data: DataFrameLike,
        family: Family | None = None,
        *,
        offset: ColumnLike | None = None,
        exposure: ColumnLike | None = None,
        freq_weights: ColumnLike | None = None,
        var_weights: ColumnLike | None = None,
        missing: str = "drop",
        groups: GroupsLike | None = None,
        persist: bool | None = None,
        eval_env: EvalEnv = 0,
    ) -> GLM:
        """Specify a GLM from a patsy formula and a dask (or pandas) DataFrame.

        Parameters
        ----------
        formula : str
            patsy formula, e.g. ``"y ~ x1 + C(g) + np.log(x2)"``.  Formulas are Python code
            evaluated by patsy: do not pass formulas from untrusted sources.
        data : dask.dataframe.DataFrame or pandas.DataFrame
            Not modified.
        family : statsmodels Family instance, optional
            Default Gaussian (identity link).
        offset, exposure, freq_weights, var_weights : str or dask Series, optional
            Column names of ``data`` or dask Series aligned with it (arrays are accepted when
            ``data`` is pandas).  ``exposure`` is logged and requires the log link.
        missing : {"drop", "raise"}
            Drop rows with a missing value in any used column (statsmodels' default) or raise.
        groups : str, list of two str, or Series, optional
            Cluster groups for ``cov_type="cluster"`` (may also be given in ``fit``'s
            ``cov_kwds``; they are needed when the design is built).
        persist : bool, optional
            Keep the design in memory (default: when it takes at most half the memory).
        eval_env : int or patsy.EvalEnvironment
            Where the formula's names are looked up (stack depth, as in patsy).
        """
        if isinstance(eval_env, int):
            eval_env = patsy.EvalEnvironment.capture(eval_env + 2)
        return cls._from_formula(
            formula,
            data,
            eval_env=eval_env,
            offset=offset,
            exposure=exposure,
            freq_weights=freq_weights,
            var_weights=var_weights,
            missing=missing,
            groups=groups,
            persist=persist,
            family=family,
        )

    # --- fitting -------------------------------------------------------------------------
    @cluster_errors_become_clear
    def fit(
        self,
        method: str = "auto",
        *,
        cov_type: str = "nonrobust",
        cov_kwds: dict | None = None,
        use_t: bool | None = None,
        maxiter: int = 100,
        tol: float = 1e-8,
        start_params: np.ndarray | None = None,
        alpha: AlphaLike = 0.0,
        L1_wt: float = 1.0,
        verbose: bool = False,
    ) -> GLMResults:
        """Fit by IRLS (one pass over the data per iteration).

        Parameters
        ----------
        method : {"auto", "irls"}
            ``"auto"`` picks IRLS for unpenalized fits.
        cov_type : {"nonrobust", "HC0", "cluster"}
        cov_kwds : dict, optional
            ``{"groups": ...}`` for ``cov_type="cluster"`` (given to ``from_formula``) and
            ``use_correction`` / ``df_correction`` as in statsmodels.
        use_t : bool, optional
            Student t inference (default False, as statsmodels' GLM).
        maxiter : int
        tol : float
            Convergence when the deviance changes by at most ``max(tol, 1000 ε |D|)``.
        start_params : array_like, optional
        alpha, L1_wt : float
            A non-zero ``alpha`` makes this :meth:`fit_regularized`.
        verbose : bool
            Print one line per iteration.
        """
        if _is_penalized(alpha):
            return self.fit_regularized(
                alpha=alpha,
                L1_wt=L1_wt,
                method=method,
                maxiter=None if maxiter == 100 else maxiter,
                start_params=start_params,
                verbose=verbose,
            )
        if method not in ("auto", "irls", "IRLS"):
            raise DataError(f"method must be 'auto' or 'irls', got {method!r}.")
        if cov_type not in USER_COV_TYPES:
            raise DataError(f"cov_type must be one of {tuple(USER_COV_TYPES)}, got {cov_type!r}.")
        cov_kwds = dict(cov_kwds or {})
        if cov_type == "cluster" and not self.extras.groups:
            raise DataError(
                "cov_type='cluster' needs the cluster groups: pass groups='column' to "
                "ds.glm(..., cov_kwds={'groups': 'column'}) or GLM.from_formula(..., groups=...)."
            )
        if cov_type != "cluster" and "groups" in cov_kwds:
            raise DataError("cov_kwds['groups'] is only used with cov_type='cluster'.")
        cov_kwds.pop("groups", None)
        return fit_irls(
            self,
            maxiter=maxiter,
            tol=tol,
            start_params=start_params,
            verbose=verbose,
            cov_type=cov_type,
            cov_kwds=cov_kwds,
            use_t=bool(use_t),
        )

    @cluster_errors_become_clear
    def fit_regularized(
        self,
        alpha: AlphaLike,
        L1_wt: float = 1.0,
        *,
        method: str = "auto",
        refit: bool = False,
        maxiter: int | None = None,
        tol: float = 1e-10,
        start_params: np.ndarray | None = None,
        penalize_intercept: bool = False,
        rho: float | np.ndarray | None = None,
        verbose: bool = False,
    ) -> GLMResults:
        """Elastic-net fit with statsmodels' objective (see :mod:`daskstats.models.penalized`).

        Parameters
        ----------
        alpha : float, array of shape (p,), or dict
            Penalty weight; a scalar leaves the intercept unpenalized; a dict names terms or
            columns (``{"C(g)": 0.1, "x1": 0.0}``).
        L1_wt : float
            1 is the lasso, 0 ridge, in between the elastic net.
        method : {"auto", "prox_newton", "proximal_grad", "admm", "admm_async", "lbfgs"}
        refit : bool
            Refit without penalty on the selected columns and report that fit's inference.
        """
        return fit_regularized(
            self,
            alpha,
            L1_wt,
            method=method,
            refit=refit,
            maxiter=maxiter,
            tol=tol,
            start_params=start_params,
            penalize_intercept=penalize_intercept,
            rho=rho,
            verbose=verbose,
        )

    def fit_path(
        self, alphas: np.ndarray | list, L1_wt: float = 1.0, **kwargs: Any
    ) -> RegularizationPath:
        """Penalized fits along ``alphas`` (largest first) with warm starts."""
        return fit_path(self, alphas, L1_wt, **kwargs)
