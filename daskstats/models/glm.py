"""GLM: statsmodels' generalized linear model on dask data.

``GLM.from_formula(formula, data, family, ...)`` learns the design specification over every
partition and builds (and usually persists) the blocks (:class:`~daskstats.models.base.Model`);
``fit`` runs IRLS, one pass per iteration (:mod:`daskstats.models.irls_fit`), or a penalized
solver (:mod:`daskstats.models.penalized`), and returns
:class:`~daskstats.results.glm.GLMResults`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import patsy
from statsmodels.genmod.families import Binomial, Family, links

from daskstats.annotations import AlphaLike, ColumnLike, DataFrameLike, EvalEnv, GroupsLike
from daskstats.design import DataSummary, ExtraColumns
from daskstats.errors import DataError, ValueWarning
from daskstats.families import (
    check_degenerate_response,
    check_response_domain,
    resolve_family,
    warn_unsafe_link,
)
from daskstats.models.base import Model
from daskstats.models.covariance_request import covariance_request
from daskstats.models.gradient_fit import fit_gradient
from daskstats.models.irls_fit import fit_irls
from daskstats.models.model_functions import ModelFunctions
from daskstats.models.options import parse_fit_options
from daskstats.models.penalized import METHODS as PENALIZED_METHODS
from daskstats.models.penalized import fit_path, fit_regularized
from daskstats.passes.errors import cluster_errors_become_clear
from daskstats.results.glm import GLMResults
from daskstats.results.path import RegularizationPath
from daskstats.solvers.constraints import AffineSubspace, linear_constraint

__all__ = ["GLM"]


#: statsmodels' names of its penalized methods (the same objective)
STATSMODELS_PENALIZED = ("elastic_net", "coord_descent", "l1_slsqp")


def _is_penalized(alpha: AlphaLike) -> bool:
    return isinstance(alpha, dict) or bool(np.any(np.asarray(alpha) != 0))


class GLM(ModelFunctions, Model):
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
        **kwargs: Any,
    ):
        unknown = sorted(set(kwargs) - {"hasconst"})
        if unknown:  # statsmodels warns and ignores them
            warnings.warn(
                f"unknown kwargs {unknown}: ignored (statsmodels ignores them too)",
                ValueWarning,
                stacklevel=3,
            )
        self.hasconst = kwargs.get("hasconst")
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
        start_params=None,
        maxiter: int = 100,
        method: str = "IRLS",
        tol: float = 1e-8,
        scale: str | float | None = None,
        cov_type: str = "nonrobust",
        cov_kwds: dict | None = None,
        use_t: bool | None = None,
        full_output: bool = True,
        disp: bool = False,
        max_start_irls: int = 3,
        *,
        alpha: AlphaLike = 0.0,
        L1_wt: float = 1.0,
        verbose: bool = False,
        _constraint: AffineSubspace | None = None,
        _newton: bool = False,
        **kwargs: Any,
    ) -> GLMResults:
        """Fit the model (statsmodels' ``GLM.fit``): IRLS, one pass over the data per
        iteration, or one of statsmodels' optimizers over one-pass log-likelihood, score and
        Hessian evaluations.

        Parameters
        ----------
        start_params : array_like, optional
            Starting coefficients (default: statsmodels' start, μ from y).
        maxiter : int
        method : {"IRLS", "newton", "bfgs", "lbfgs", "cg", "ncg", "nm", "powell", "minimize"}
            IRLS by default; the others run statsmodels' optimizer (same defaults and
            options) on ``−loglike/nobs`` after ``max_start_irls`` IRLS iterations, as
            statsmodels does.
        tol : float
            IRLS stops when the deviance (over the previous scale) changes by at most
            ``atol + rtol·|deviance|`` with ``atol=tol`` (statsmodels' rule).
        scale : {None, "X2", "dev"} or float
            The dispersion: None is 1 for Binomial/Poisson/NegativeBinomial and Pearson
            χ²/df_resid otherwise; ``"X2"`` Pearson χ²/df_resid for every family
            (quasi-Poisson, quasi-binomial); ``"dev"`` deviance/df_resid; a number fixes it.
        cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "HAC", "cluster", "eim"}
            As statsmodels' GLM: HC1–HC3 are the HC0 matrix (statsmodels' GLM computes all
            four alike); ``"HAC"`` takes ``cov_kwds={"maxlags": L, "kernel": "bartlett",
            "use_correction": False}`` over the rows in order across partitions;
            ``"cluster"`` takes ``cov_kwds={"groups": ...}`` (a column name, two names, or
            one value per row: numpy, pandas, or dask with the data's partitions), plus
            ``use_correction`` and ``df_correction``.
        cov_kwds : dict, optional
        use_t : bool, optional
            Student t inference (default False, as statsmodels' GLM).
        full_output, disp : bool
            statsmodels' optimizer options (gradient methods).
        max_start_irls : int
            IRLS iterations before a gradient method (without ``start_params``).
        alpha, L1_wt : float
            A non-zero ``alpha`` makes this :meth:`fit_regularized`.
        verbose : bool
            Print one line per IRLS iteration.
        **kwargs
            ``atol``, ``rtol``, ``tol_criterion`` ("deviance" or "params"), ``wls_method``
            (accepted; every solve is a scaled Cholesky with iterative refinement) for IRLS;
            ``optim_hessian`` ("oim"/"eim") and the optimizer's own options (``gtol``, ...)
            for the gradient methods.
        """
        if _is_penalized(alpha):
            return self.fit_regularized(
                alpha=alpha,
                L1_wt=L1_wt,
                method="auto" if str(method).lower() in ("irls", "auto") else method,
                maxiter=None if maxiter == 100 else maxiter,
                start_params=start_params,
                penalize_intercept=False,
                verbose=verbose,
            )
        options = parse_fit_options(
            method, maxiter, tol, scale, max_start_irls, full_output, disp, kwargs
        )
        cov_type, cov_kwds = covariance_request(self, cov_type, cov_kwds)
        if start_params is not None:
            start_params = np.asarray(start_params, dtype=float)
        self.scaletype = options.scaletype
        if _constraint is not None and not options.is_irls:
            raise DataError(
                f"fit_constrained fits by IRLS; method={method!r} is not available with "
                "constraints."
            )
        if options.is_irls:
            return fit_irls(
                self,
                constraint=_constraint,
                newton=_newton,
                maxiter=options.maxiter,
                tol=options.atol,
                rtol=options.rtol,
                criterion=options.criterion,
                start_params=start_params,
                verbose=verbose,
                cov_type="nonrobust" if cov_type == "eim" else cov_type,
                cov_kwds=cov_kwds,
                use_t=bool(use_t),
                mle_settings={
                    "optimizer": "IRLS",
                    "wls_method": options.wls_method,
                    "attach_wls": options.attach_wls,
                },
            )
        return fit_gradient(
            self,
            options,
            start_params=start_params,
            cov_type=cov_type,
            cov_kwds=cov_kwds,
            use_t=bool(use_t),
        )

    @cluster_errors_become_clear
    def fit_constrained(self, constraints, start_params=None, **fit_kwds: Any) -> GLMResults:
        """Fit subject to linear equality constraints (statsmodels' ``fit_constrained``).

        IRLS on the subspace ``R β = q``: each pass is over the original design, each solve is
        restricted to the subspace, so the constraints cost no extra pass.

        Parameters
        ----------
        constraints : str, list of str, or (R, q)
            As statsmodels' ``t_test``: ``"x1 + x2 = 1, C(g)[T.b] = 0"`` or the matrix and
            values of ``R β = q``.
        start_params : array, optional
            In the original parameters (projected onto the constraints).
        **fit_kwds
            :meth:`fit`'s options (``maxiter``, ``tol``, ``scale``, ``cov_type``,
            ``cov_kwds``, ``use_t``, ...); IRLS only.

        Returns
        -------
        GLMResults
            With ``constraints`` (statsmodels' ``LinearConstraints``) and ``k_constr``;
            ``df_model`` is reduced and ``df_resid`` increased by ``k_constr`` and the scale
            estimated with the reduced ``df_resid``, as statsmodels.
        """
        constraint = AffineSubspace.of(*linear_constraint(constraints, self.exog_names))
        method = fit_kwds.pop("method", "IRLS")
        return self.fit(start_params, method=method, _constraint=constraint, **fit_kwds)

    @cluster_errors_become_clear
    def fit_regularized(
        self,
        method: str = "elastic_net",
        alpha: AlphaLike = 0.0,
        start_params: np.ndarray | None = None,
        refit: bool = False,
        opt_method: str = "bfgs",
        *,
        L1_wt: float = 1.0,
        maxiter: int | None = None,
        tol: float = 1e-10,
        cnvrg_tol: float | None = None,
        zero_tol: float | None = None,
        penalize_intercept: bool = True,
        rho: float | np.ndarray | None = None,
        verbose: bool = False,
        **kwargs: Any,
    ) -> GLMResults:
        """Elastic-net fit with statsmodels' objective and signature
        (``−loglike/n + α((1 − L1_wt)|β|²/2 + L1_wt|β|₁)``; see
        :mod:`daskstats.models.penalized`).

        Parameters
        ----------
        method : str
            statsmodels' ``"elastic_net"`` (also ``"coord_descent"``) and ``"l1_slsqp"``
            (``L1_wt`` must be 1) solve the objective with daskstats' default solver
            (proximal Newton); or one of daskstats' ``"auto"``, ``"prox_newton"``,
            ``"proximal_grad"``, ``"admm"``, ``"admm_async"``, ``"lbfgs"``.
        alpha : float, array of shape (p,), or dict
            Penalty weight. As in statsmodels a scalar penalizes every coefficient, the
            intercept too, unless ``penalize_intercept=False`` (the convention of
            ``ds.glm(..., alpha=)``); a dict names terms or columns
            (``{"C(g)": 0.1, "x1": 0.0}``).
        start_params : array, optional
        refit : bool
            Refit without penalty on the selected columns and report that fit's inference.
        opt_method : str
            statsmodels' optimizer of a pure ridge fit; daskstats solves every penalty with
            ``method`` (accepted for compatibility).
        L1_wt : float
            1 is the lasso, 0 ridge, in between the elastic net.
        maxiter : int, optional
        tol, cnvrg_tol : float
            Convergence tolerance (``cnvrg_tol`` is statsmodels' name for it).
        zero_tol : float, optional
            statsmodels' threshold below which coefficients are zero (daskstats' proximal
            solvers give exact zeros; accepted for compatibility).
        """
        if not isinstance(method, str):  # daskstats' earlier order: fit_regularized(alpha, ...)
            method, alpha = "auto", method
        name = method.lower()
        if name in STATSMODELS_PENALIZED:
            if name == "l1_slsqp" and float(L1_wt) != 1.0:
                raise DataError(f"L1_wt must be 1 for method='l1_slsqp', got {L1_wt!r}.")
            name = "auto"
        elif name not in PENALIZED_METHODS:
            raise DataError(
                f"method must be one of {STATSMODELS_PENALIZED + PENALIZED_METHODS}, "
                f"got {method!r}."
            )
        ignored = sorted(set(kwargs) - {"loglike_kwds", "score_kwds", "hess_kwds"})
        if ignored:
            raise TypeError(f"fit_regularized() got unexpected keyword arguments {ignored}")
        del opt_method, zero_tol
        return fit_regularized(
            self,
            alpha,
            L1_wt,
            method=name,
            refit=refit,
            maxiter=maxiter,
            tol=tol if cnvrg_tol is None else cnvrg_tol,
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
