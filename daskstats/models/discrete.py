"""Logit, Probit and Poisson: statsmodels' discrete models on dask data.

Each is the shared engine's GLM of its family (Binomial–logit, Binomial–probit, Poisson–log):
the maximum-likelihood estimate is the same, and IRLS reaches it in as many passes as Newton's
method takes iterations. What differs is what statsmodels reports: the observed information
for the standard errors (Probit's differ from the GLM's expected information; one more pass),
degrees of freedom that count the constant, the linear predictor as ``fittedvalues`` and the
discrete results (:mod:`daskstats.results.discrete`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import dask
import dask.array as da
import numpy as np
import patsy
from statsmodels.discrete import discrete_model as sm_discrete
from statsmodels.genmod import families as sm_families
from statsmodels.genmod.families import Family, links

from daskstats.annotations import ColumnLike, DataFrameLike, EvalEnv, GroupsLike
from daskstats.errors import DataError
from daskstats.models.glm import GLM
from daskstats.passes.errors import cluster_errors_become_clear
from daskstats.results.base import recast
from daskstats.results.discrete import BinaryResults, CountResults, DiscreteResults
from daskstats.solvers.constraints import AffineSubspace, linear_constraint

__all__ = ["Logit", "Probit", "Poisson"]

#: statsmodels' optimizer names, accepted (the estimate is the same; IRLS reaches it)
OPTIMIZERS = ("newton", "nm", "bfgs", "lbfgs", "powell", "cg", "ncg", "basinhopping", "minimize")
#: the scipy optimizers' own settings statsmodels passes through ``fit(**kwargs)``: accepted
#: and recorded in ``mle_settings`` (Newton's method to convergence does not use them)
OPTIMIZER_SETTINGS = frozenset(
    {
        "gtol",
        "ftol",
        "xtol",
        "fatol",
        "xatol",
        "avextol",
        "epsilon",
        "norm",
        "retall",
        "m",
        "pgtol",
        "factr",
        "maxfun",
        "maxls",
        "approx_grad",
        "bounds",
        "loglike_and_score",
        "niter",
        "niter_success",
        "minimizer",
        "seed",
        "T",
        "stepsize",
        "interval",
        "min_method",
        "warn_convergence",
        "direc",
        "callback",
        "full_output",
        "disp",
    }
)


def optimizer_settings(kwargs: dict) -> dict:
    """statsmodels' optimizer settings in ``kwargs`` (removed from it); an error for others."""
    unknown = sorted(set(kwargs) - OPTIMIZER_SETTINGS - {"_constraint"})
    if unknown:
        raise DataError(f"fit() does not take {unknown}.")
    return {k: kwargs.pop(k) for k in list(kwargs) if k in OPTIMIZER_SETTINGS}


class DiscreteModel(GLM):
    """A discrete model: a GLM of a fixed family with statsmodels' discrete semantics."""

    #: the statsmodels class of the same model (margins are computed by it, in memory)
    statsmodels_class: ClassVar[Any] = None
    #: the results class
    results_class: ClassVar[type[DiscreteResults]] = DiscreteResults

    @classmethod
    def family_of(cls) -> Family:
        raise NotImplementedError

    def _default_df_model(self) -> float:
        return float(self.layout.n_params - self.k_constant)

    # --- statsmodels' discrete conventions ------------------------------------------------
    def hessian_factor(self, params, scale=None, observed: bool = True):
        """Per-row factors with ``hessian = (exog.T * factor) @ exog`` (negative: statsmodels'
        discrete sign)."""
        return -super().hessian_factor(params, scale, observed)

    def loglikeobs(self, params):
        """Per-row log-likelihood (lazy for dask input)."""
        mu = self.predict(params)
        endog = self.endog
        return _elementwise(lambda y, m: self.family.loglike_obs(y, m), endog, mu)

    def predict(
        self,
        params,
        exog=None,
        exposure=None,
        offset=None,
        which: str = "mean",
        linear=None,
        **kwargs: Any,
    ):
        """statsmodels' discrete ``predict``: ``which="mean"``, ``"linear"`` or ``"var"``."""
        which = "var_unscaled" if which == "var" else which
        return super().predict(params, exog, exposure, offset, which=which, linear=linear)

    def __init__(
        self,
        endog,
        exog,
        offset=None,
        exposure=None,
        missing: str = "none",
        check_rank: bool = True,
        *,
        groups=None,
        persist: bool | None = None,
        **kwargs: Any,
    ):
        super().__init__(
            endog,
            exog,
            family=self.family_of(),
            offset=offset,
            exposure=exposure,
            missing=missing,
            groups=groups,
            persist=persist,
            **kwargs,
        )

    @classmethod
    @cluster_errors_become_clear
    def from_formula(  # type: ignore[override]
        cls,
        formula: str,
        data: DataFrameLike,
        *,
        offset: ColumnLike | None = None,
        exposure: ColumnLike | None = None,
        missing: str = "drop",
        groups: GroupsLike | None = None,
        persist: bool | None = None,
        eval_env: EvalEnv = 0,
        **kwargs: Any,
    ):
        """The model of a patsy formula on a (dask or pandas) DataFrame; ``offset`` and
        ``exposure`` are column names or values aligned with the data."""
        if kwargs:
            raise DataError(f"{cls.__name__}.from_formula does not take {sorted(kwargs)}.")
        if isinstance(eval_env, int):
            eval_env = patsy.EvalEnvironment.capture(eval_env + 2)
        return cls._from_formula(
            formula,
            data,
            eval_env=eval_env,
            offset=offset,
            exposure=exposure,
            missing=missing,
            groups=groups,
            persist=persist,
            family=cls.family_of(),
        )

    @cluster_errors_become_clear
    def fit(  # type: ignore[override]
        self,
        start_params=None,
        method: str = "newton",
        maxiter: int = 35,
        full_output: bool = True,
        disp: bool = True,
        callback=None,
        cov_type: str = "nonrobust",
        cov_kwds: dict | None = None,
        use_t: bool | None = None,
        *,
        tol: float = 1e-10,
        verbose: bool = False,
        **kwargs: Any,
    ) -> DiscreteResults:
        """Maximum likelihood (statsmodels' discrete ``fit``).

        Parameters
        ----------
        start_params : array, optional
        method : str
            statsmodels' optimizer names are accepted and recorded in ``mle_settings``; the
            fit is IRLS (Newton's method for Logit and Poisson, Fisher scoring for Probit),
            one pass per iteration, to the same estimate.
        maxiter : int
        cov_type, cov_kwds, use_t
            As :meth:`daskstats.GLM.fit`.
        tol : float
            Convergence tolerance on the deviance change.
        """
        if str(method).lower() not in OPTIMIZERS:
            raise DataError(f"method must be one of {OPTIMIZERS}, got {method!r}.")
        settings = optimizer_settings(kwargs)
        constraint = kwargs.pop("_constraint", None)
        res = GLM.fit(
            self,
            start_params,
            maxiter=int(maxiter),
            tol=tol,
            cov_type=cov_type,
            cov_kwds=cov_kwds,
            use_t=bool(use_t),
            verbose=verbose,
            _constraint=constraint,
            _newton=True,  # Newton's method: statsmodels' observed information
        )
        calls = res.passes
        changes: dict = {
            "mle_retvals": {
                "converged": bool(res.converged),
                "iterations": int(res.n_iter),
                "fcalls": calls,
                "gcalls": calls,
                "hcalls": calls,
                "warnflag": 0 if res.converged else 1,
            },
            "mle_settings": {
                "optimizer": str(method).lower(),
                "maxiter": int(maxiter),
                **settings,
            },
        }
        return recast(res, self.results_class, **changes)

    def fit_constrained(self, constraints, start_params=None, **fit_kwds: Any):
        """Maximum likelihood subject to ``R β = q`` (statsmodels' ``fit_constrained``)."""
        constraint = AffineSubspace.of(*linear_constraint(constraints, self.exog_names))
        return self.fit(start_params, _constraint=constraint, **fit_kwds)

    def fit_regularized(  # type: ignore[override]  # statsmodels' discrete signature
        self,
        start_params=None,
        method: str = "l1",
        maxiter="defined_by_method",
        full_output=1,
        disp=True,
        callback=None,
        alpha=0,
        **kwargs: Any,
    ):
        """statsmodels' discrete ``fit_regularized``: the L1 penalty ``alpha · ‖β‖₁`` on the
        *summed* log-likelihood (``alpha`` may be a vector), solved by daskstats' penalized
        solvers (the GLM's objective is the mean: ``alpha / nobs``)."""
        if method not in ("l1", "l1_cvxopt_cp"):
            raise DataError(f"method must be 'l1' (or 'l1_cvxopt_cp'), got {method!r}.")
        nobs = self.data_summary().nobs
        res = GLM.fit_regularized(
            self,
            method="auto",
            alpha=np.asarray(alpha, dtype=float) / nobs,
            start_params=start_params,
            L1_wt=1.0,
            maxiter=None if maxiter == "defined_by_method" else int(maxiter),
            tol=kwargs.pop("tol", 1e-10),
        )
        return recast(res, self.results_class)


class Logit(DiscreteModel):
    """Logistic regression (statsmodels' ``Logit``): a 0/1 response (or proportions)."""

    statsmodels_class = sm_discrete.Logit
    results_class = BinaryResults

    @classmethod
    def family_of(cls) -> Family:
        return sm_families.Binomial()


class Probit(DiscreteModel):
    """Probit regression (statsmodels' ``Probit``), with the observed information's
    standard errors as statsmodels."""

    statsmodels_class = sm_discrete.Probit
    results_class = BinaryResults

    @classmethod
    def family_of(cls) -> Family:
        return sm_families.Binomial(links.Probit())


class Poisson(DiscreteModel):
    """Poisson regression (statsmodels' discrete ``Poisson``), with ``offset`` and
    ``exposure``."""

    statsmodels_class = sm_discrete.Poisson
    results_class = CountResults

    @classmethod
    def family_of(cls) -> Family:
        return sm_families.Poisson()


def _elementwise(function, *values):
    """``function`` of aligned per-row values: numpy, pandas, or lazy dask (block by block)."""
    first = values[0]
    if hasattr(first, "map_blocks") and all(hasattr(v, "map_blocks") for v in values):
        return da.map_blocks(function, *values, dtype=float)
    # one graph for every lazy input (never a compute() per value)
    arrays = [np.asarray(v) for v in dask.compute(*values)]
    return function(*arrays)
