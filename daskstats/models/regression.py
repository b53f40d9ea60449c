"""OLS and WLS: statsmodels' linear regression on dask data.

A linear regression is the shared engine's Gaussian–identity fit (one pass builds ``XᵀWX`` and
``XᵀWy``, the next confirms the solution, refines it when ``XᵀWX`` is ill-conditioned and
collects the statistics); these classes add statsmodels' regression semantics: ``weights``
(WLS), the t distribution by default, OLS's heteroscedasticity-robust covariances with their
real small-sample corrections (HC1 scales HC0 by ``n / df_resid``; HC2 and HC3 weight each
row's squared residual by ``1 / (1 − h)`` and ``1 / (1 − h)²``, one more pass) and
:class:`~daskstats.results.regression.RegressionResults`.
"""

from __future__ import annotations

from typing import Any

import dask.array as da
import numpy as np
import patsy
from statsmodels.base.covtype import descriptions
from statsmodels.genmod.families import Gaussian

from daskstats.annotations import ColumnLike, DataFrameLike, EvalEnv, GroupsLike
from daskstats.errors import DataError
from daskstats.kernels.regression import leverage_meat_pass
from daskstats.models.glm import GLM
from daskstats.passes.errors import cluster_errors_become_clear
from daskstats.results.base import recast
from daskstats.results.regression import RegressionResults
from daskstats.solvers.constraints import AffineSubspace, linear_constraint

__all__ = ["OLS", "WLS"]

#: statsmodels' least-squares solvers, accepted by name (every solve here is a Cholesky of
#: ``XᵀWX`` with iterative refinement)
LSTSQ_METHODS = ("pinv", "qr", "lsqr")


class WLS(GLM):
    """Weighted least squares (statsmodels' ``WLS``): ``weights`` are inverse variances.

    Parameters
    ----------
    endog, exog : array_like, pandas or dask
        As :class:`~daskstats.GLM` (add a constant with ``sm.add_constant``).
    weights : array_like, optional
        One value per row (ones by default).
    missing : {"none", "drop", "raise"}
    hasconst : bool, optional
        Accepted for statsmodels compatibility (the constant is detected from the data).
    """

    default_prediction_kind = "regression"
    #: the variance weights are WLS's regression weights (robust covariances support them)
    regression_weights = True

    def __init__(
        self,
        endog,
        exog,
        weights=1.0,
        missing: str = "none",
        hasconst: bool | None = None,
        *,
        groups=None,
        persist: bool | None = None,
        **kwargs: Any,
    ):
        weights = _broadcast(weights, endog)
        super().__init__(
            endog,
            exog,
            family=Gaussian(),
            var_weights=weights,
            missing=missing,
            groups=groups,
            persist=persist,
            hasconst=hasconst,
            **kwargs,
        )

    @classmethod
    @cluster_errors_become_clear
    def from_formula(  # type: ignore[override]
        cls,
        formula: str,
        data: DataFrameLike,
        weights: ColumnLike | None = None,
        *,
        missing: str = "drop",
        groups: GroupsLike | None = None,
        persist: bool | None = None,
        eval_env: EvalEnv = 0,
        **kwargs: Any,
    ):
        """The model of a patsy formula on a (dask or pandas) DataFrame; ``weights`` is a
        column name or values aligned with the data."""
        if kwargs:
            raise DataError(f"{cls.__name__}.from_formula does not take {sorted(kwargs)}.")
        if isinstance(eval_env, int):
            eval_env = patsy.EvalEnvironment.capture(eval_env + 2)
        return cls._from_formula(
            formula,
            data,
            eval_env=eval_env,
            var_weights=weights,
            missing=missing,
            groups=groups,
            persist=persist,
            family=Gaussian(),
        )

    def _default_df_model(self) -> float:
        return float(self.layout.n_params - self.k_constant)

    @property
    def weights(self):
        """The regression weights of the used rows (ones without them)."""
        return self.var_weights

    @property
    def wendog(self):
        """``√w y``."""
        return self.endog * np.sqrt(self.weights)

    @property
    def wexog(self):
        """``√w X``."""
        root = np.sqrt(self.weights)
        return self.exog * (root[:, None] if hasattr(root, "ndim") else root)

    @cluster_errors_become_clear
    def fit(  # type: ignore[override]
        self,
        method: str = "pinv",
        cov_type: str = "nonrobust",
        cov_kwds: dict | None = None,
        use_t: bool | None = None,
        *,
        verbose: bool = False,
        **kwargs: Any,
    ) -> RegressionResults:
        """Least squares (statsmodels' ``RegressionModel.fit``).

        Parameters
        ----------
        method : {"pinv", "qr", "lsqr"}
            statsmodels' solver names, accepted; daskstats solves the normal equations by
            a scaled Cholesky with iterative refinement (NIST's Longley to 1e-12).
        cov_type : str
            ``"nonrobust"``, ``"HC0"``–``"HC3"``, ``"HAC"`` or ``"cluster"``.
        cov_kwds : dict, optional
        use_t : bool, optional
            Student t inference (statsmodels' regression default: True).
        """
        if str(method).lower() == "irls":  # the engine's name for it
            method = "pinv"
        if str(method).lower() not in LSTSQ_METHODS:
            raise DataError(f"method must be one of {LSTSQ_METHODS}, got {method!r}.")
        unknown = sorted(set(kwargs) - {"_constraint"})
        if unknown:
            raise DataError(f"fit() does not take {unknown}.")
        use_t = (cov_type == "nonrobust") if use_t is None else bool(use_t)
        name = cov_type.upper() if cov_type.upper() in ("HC0", "HC1", "HC2", "HC3") else cov_type
        base = "HC0" if name in ("HC1", "HC2", "HC3") else cov_type
        res = GLM.fit(
            self,
            cov_type=base,
            cov_kwds=cov_kwds,
            use_t=use_t,
            verbose=verbose,
            _constraint=kwargs.get("_constraint"),
        )
        res = recast(res, RegressionResults, method=str(method).lower())
        if name in ("HC1", "HC2", "HC3"):
            res = recast(
                res,
                RegressionResults,
                cov_params_default=self._hc_covariance(res, name),
                cov_type=name,
                cov_kwds={"description": descriptions[name]},
            )
        return res

    def fit_constrained(self, constraints, start_params=None, **fit_kwds: Any):
        """Least squares subject to ``R β = q`` (statsmodels' ``fit_constrained``)."""
        constraint = AffineSubspace.of(*linear_constraint(constraints, self.exog_names))
        return self.fit(_constraint=constraint, **fit_kwds)

    def _hc_covariance(self, res: RegressionResults, name: str) -> np.ndarray:
        if name == "HC1":
            return np.asarray(res.cov_params_default) * (res.nobs / res.df_resid)
        if res.constraint is not None:
            raise DataError(f"cov_type={name!r} is not available with constraints.")
        bread = np.asarray(res.normalized_cov_params, dtype=float)
        power = 1 if name == "HC2" else 2
        parts = self.runner.run(
            leverage_meat_pass, self.layout, res.params_array, bread, power, name=name
        )
        return bread @ parts.meat @ bread

    def fit_regularized(  # type: ignore[override]  # statsmodels' OLS signature
        self,
        method: str = "elastic_net",
        alpha=0.0,
        L1_wt: float = 1.0,
        start_params=None,
        profile_scale: bool = False,
        refit: bool = False,
        **kwargs: Any,
    ):
        """statsmodels' ``OLS.fit_regularized``: the elastic net of the Gaussian likelihood
        (``ssr / (2n) + alpha · penalty``), solved by the GLM's penalized solvers."""
        if profile_scale:
            raise DataError("profile_scale=True is not supported; use profile_scale=False.")
        res = GLM.fit_regularized(
            self,
            method=method,
            alpha=alpha,
            start_params=start_params,
            refit=refit,
            L1_wt=L1_wt,
            **kwargs,
        )
        return recast(res, RegressionResults)


class OLS(WLS):
    """Ordinary least squares (statsmodels' ``OLS``).

    Parameters
    ----------
    endog, exog : array_like, pandas or dask
    missing : {"none", "drop", "raise"}
    hasconst : bool, optional
    """

    def __init__(
        self,
        endog,
        exog=None,
        missing: str = "none",
        hasconst: bool | None = None,
        *,
        groups=None,
        persist: bool | None = None,
        **kwargs: Any,
    ):
        if "weights" in kwargs:
            raise DataError("OLS takes no weights; use WLS(endog, exog, weights=...).")
        super().__init__(
            endog, exog, 1.0, missing, hasconst, groups=groups, persist=persist, **kwargs
        )

    @classmethod
    @cluster_errors_become_clear
    def from_formula(  # type: ignore[override]
        cls,
        formula: str,
        data: DataFrameLike,
        *,
        missing: str = "drop",
        groups: GroupsLike | None = None,
        persist: bool | None = None,
        eval_env: EvalEnv = 0,
        **kwargs: Any,
    ):
        """The model of a patsy formula on a (dask or pandas) DataFrame."""
        if "weights" in kwargs:
            raise DataError("OLS takes no weights; use WLS.from_formula(..., weights=...).")
        if isinstance(eval_env, int):
            eval_env = patsy.EvalEnvironment.capture(eval_env + 2)
        return super().from_formula(
            formula,
            data,
            missing=missing,
            groups=groups,
            persist=persist,
            eval_env=eval_env,
            **kwargs,
        )


def _broadcast(weights, endog):
    """statsmodels' scalar weights as one value per row (None for the default 1)."""
    if weights is None or np.ndim(weights) > 0 and np.size(weights) > 1:
        return weights
    value = float(np.asarray(weights).reshape(-1)[0])
    if value == 1.0:
        return None
    if hasattr(endog, "map_partitions"):  # dask Series/DataFrame
        first = endog if endog.ndim == 1 else endog.iloc[:, 0]
        return first * 0.0 + value
    if hasattr(endog, "chunks"):  # dask array
        return da.full(endog.shape[:1], value, chunks=endog.chunks[0])
    return np.full(np.shape(endog)[0], value)
