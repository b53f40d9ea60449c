"""GLM: formula → design → IRLS passes → inference → results.

``GLM.from_formula(formula, data, family, ...)`` learns the design specification over every
partition and builds (and usually persists) the design; ``fit`` runs the solver, one pass per
iteration, then assembles :class:`~daskstats.results.GLMResults`.
"""

from __future__ import annotations

import os
import warnings

import dask.dataframe as dd
import numpy as np
import pandas as pd
import patsy
from dask.delayed import delayed
from statsmodels.genmod.families import Binomial, links

from daskstats import kernels, likelihood
from daskstats.design import ExtraColumns, build_design
from daskstats.errors import DataError, DomainWarning
from daskstats.families import check_response_domain, resolve_family, scale_is_estimated
from daskstats.formula import ModelSpec, learn_spec
from daskstats.inference.covariance import cluster_correction, robust_kernel, sandwich
from daskstats.inference.rows import (
    block_values,
    partition_values,
    predicted_values,
    prediction_values,
)
from daskstats.layout import DENSE_COVARIANCE_LIMIT, plan_layout
from daskstats.passes import PassRunner, cluster_errors_become_clear, cluster_meats
from daskstats.results import GLMResults
from daskstats.solvers.irls import NullState, irls
from daskstats.solvers.linalg import inverse_spd

__all__ = ["GLM"]

_PREFIX = "__daskstats_"
_COV_TYPES = ("nonrobust", "HC0", "cluster")


def _to_dask(data) -> dd.DataFrame:
    if isinstance(data, dd.DataFrame):
        return data
    if isinstance(data, pd.DataFrame):
        n = len(data)
        nparts = max(1, min(2 * (os.cpu_count() or 1), n // 100_000 or 1))
        return dd.from_pandas(data, npartitions=nparts, sort=False)
    raise DataError(
        f"data must be a dask.dataframe.DataFrame or a pandas.DataFrame, got {type(data).__name__}."
    )


def _attach(data, original, name: str, value, what: str):
    """Return (data, column name) for an offset/weights/groups argument."""
    if value is None:
        return data, None
    if isinstance(value, str):
        if value not in data.columns:
            raise DataError(f"{what}={value!r} is not a column of the data.")
        return data, value
    column = _PREFIX + name
    if isinstance(value, dd.Series):
        if isinstance(original, pd.DataFrame):
            value = value.compute()
        else:
            if value.npartitions != data.npartitions:
                raise DataError(
                    f"{what} is a dask Series with {value.npartitions} partitions but the data has "
                    f"{data.npartitions}; pass a column name, or a Series derived from the data."
                )
            return data.assign(**{column: value}), column
    if isinstance(original, pd.DataFrame):
        values = np.asarray(value)
        if values.shape[0] != len(original):
            raise DataError(
                f"{what} has {values.shape[0]} values but the data has {len(original)} rows."
            )
        return data, (column, values)
    raise DataError(
        f"{what} must be a column name or a dask Series aligned with the data, got "
        f"{type(value).__name__}."
    )


class GLM:
    """Generalized linear model on a dask DataFrame (statsmodels' ``GLM`` semantics).

    Build it with :meth:`from_formula`, then call :meth:`fit`.

    Attributes
    ----------
    formula : str
    family : statsmodels Family
    spec : ModelSpec
        Learned design specification (levels over all partitions), reused by ``predict``.
    design : Design
        Per-partition blocks of response, design matrix, offset and weights.
    exog_names, endog_names : list of str
    """

    def __init__(self, *args, **kwargs):
        raise TypeError(
            "build a daskstats GLM with GLM.from_formula(formula, data, family=...), or call "
            "daskstats.glm(formula, data, family=...) to fit directly."
        )

    @classmethod
    @cluster_errors_become_clear
    def from_formula(
        cls,
        formula: str,
        data,
        family=None,
        *,
        offset=None,
        exposure=None,
        freq_weights=None,
        var_weights=None,
        missing: str = "drop",
        groups=None,
        persist: bool | None = None,
        eval_env=0,
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
        self = object.__new__(cls)
        if missing not in ("drop", "raise"):
            raise DataError(f"missing must be 'drop' or 'raise', got {missing!r}.")
        self.family = resolve_family(family)
        self.formula = formula
        self.missing = missing
        if isinstance(eval_env, int):
            eval_env = patsy.EvalEnvironment.capture(eval_env + 1)
        ddf = _to_dask(data)
        extra_arrays = {}
        extras = {}
        for name, value in (
            ("offset", offset),
            ("exposure", exposure),
            ("freq_weights", freq_weights),
            ("var_weights", var_weights),
        ):
            ddf, col = _attach(ddf, data, name, value, name)
            if isinstance(col, tuple):
                extra_arrays[col[0]] = col[1]
                col = col[0]
            extras[name] = col
        group_cols: tuple[str, ...] = ()
        if groups is not None:
            group_values = groups if isinstance(groups, (list, tuple)) else [groups]
            if len(group_values) > 2:
                raise DataError("cluster groups: at most two grouping columns (two-way).")
            cols = []
            for i, g in enumerate(group_values):
                ddf, col = _attach(ddf, data, f"group{i}", g, "groups")
                if isinstance(col, tuple):
                    extra_arrays[col[0]] = col[1]
                    col = col[0]
                cols.append(col)
            group_cols = tuple(cols)
        if extra_arrays:
            ddf = _to_dask(data.assign(**extra_arrays))
        if exposure is not None and not isinstance(self.family.link, links.Log):
            raise DataError(
                "exposure can only be used with the log link; use offset=np.log(exposure) "
                "for other links, or choose link=ds.families.links.Log()."
            )
        self.extras = ExtraColumns(
            offset=extras["offset"],
            exposure=extras["exposure"],
            freq_weights=extras["freq_weights"],
            var_weights=extras["var_weights"],
            groups=group_cols,
        )
        if type(self.family.link) not in _allowed_links(self.family):
            warnings.warn(
                f"The {type(self.family.link).__name__} link function does not respect the "
                f"domain of the {type(self.family).__name__} family.",
                DomainWarning,
                stacklevel=3,
            )
        self._group_meta = ddf._meta[list(group_cols)] if group_cols else None
        self.spec: ModelSpec = learn_spec(formula, ddf, eval_env)
        two_column = isinstance(self.family, Binomial) and len(self.spec.endog_names) == 2
        if len(self.spec.endog_names) > 1 and not two_column:
            raise DataError(
                f"the response has {len(self.spec.endog_names)} columns "
                f"({', '.join(self.spec.endog_names)}); 'successes + failures ~ ...' is only "
                "valid with the Binomial family."
            )
        self.layout = plan_layout(self.spec, allow_codes=not group_cols)
        _check_width(self.layout)
        self.design = build_design(
            ddf,
            self.spec,
            self.layout,
            self.extras,
            missing=missing,
            two_column_binomial=two_column,
            persist=persist,
        )
        self.runner = PassRunner(self.design.blocks, fuse=self.design.fusable)
        self._summary = None
        return self

    # --- names ---------------------------------------------------------------------------
    @property
    def exog_names(self) -> list[str]:
        return self.spec.exog_names

    @property
    def endog_names(self) -> str:
        return self.spec.endog_name

    @property
    def _lengths(self) -> list[int]:
        return self._data_summary()["lengths"]

    def __repr__(self) -> str:
        return f"<daskstats GLM {self.formula!r} {type(self.family).__name__}>"

    # --- data checks (made while the design is built) ------------------------------------
    def _data_summary(self) -> dict:
        """Counts and ranges of the data, checked before the fit.

        Each block computes its summary when it is built, so for a persisted design this reads
        only small dicts (no pass over the data); a streamed design is rebuilt (one pass).
        """
        if self._summary is None:
            self._summary = self.runner.run(
                kernels.block_summary, name="checks", counted=not self.design.persisted
            )
            self._check(self._summary)
        return self._summary

    def _check(self, s: dict) -> None:
        if s["nobs"] == 0:
            dropped = s.get("dropped", 0)
            raise DataError(
                f"no rows left to fit: {dropped} rows were dropped for missing values in the "
                "used columns (missing='drop'); check the data for NaN."
                if dropped
                else "the data has no rows: there is nothing to fit."
            )
        if s["nonfinite_X"] or s["nonfinite_y"]:
            raise DataError(
                "the design or the response has infinite values (±inf), e.g. from np.log(0) or "
                "a division by zero; remove or replace them before fitting."
            )
        if s.get("min_exposure", np.inf) <= 0:
            raise DataError("exposure must be strictly positive (it is logged).")
        for key, what in (
            ("off", "offset/exposure"),
            ("fw", "freq_weights"),
            ("vw", "var_weights"),
        ):
            if s.get(f"nonfinite_{key}"):
                raise DataError(f"{what} has infinite values; they must be finite.")
        if s.get("min_fw", 0) < 0:
            raise DataError("freq_weights must be non-negative.")
        if s.get("min_vw", 0) < 0:
            raise DataError("var_weights must be non-negative.")
        check_response_domain(self.family, s["min_y"], s["max_y"], self.spec.endog_name)
        _check_degenerate_response(self.family, s, self.spec.endog_name)
        if s["nobs"] <= len(self.exog_names):
            raise DataError(
                f"{s['nobs']} rows for {len(self.exog_names)} parameters: the model needs more "
                "rows than parameters."
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
        start_params=None,
        alpha: float = 0.0,
        L1_wt: float = 1.0,
        verbose: bool = False,
        _solve=None,
        _selected=None,
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
        if isinstance(alpha, dict) or np.any(np.asarray(alpha) != 0):
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
        if cov_type not in _COV_TYPES:
            raise DataError(f"cov_type must be one of {_COV_TYPES}, got {cov_type!r}.")
        cov_kwds = dict(cov_kwds or {})
        if cov_type == "cluster" and not self.extras.groups:
            raise DataError(
                "cov_type='cluster' needs the cluster groups: pass groups='column' to "
                "ds.glm(..., cov_kwds={'groups': 'column'}) or GLM.from_formula(..., groups=...)."
            )
        if cov_type != "cluster" and "groups" in cov_kwds:
            raise DataError("cov_kwds['groups'] is only used with cov_type='cluster'.")

        summary = self._data_summary()
        family = self.family
        names = self.exog_names
        p = len(names)
        y_mean = summary["sum_y"] / summary["nobs"]
        nobs = int(summary["nobs"])
        wnobs = summary["wnobs"] if self.extras.freq_weights is not None else float(nobs)
        df_model = (p if _selected is None else len(_selected)) - 1
        df_resid = wnobs - df_model - 1
        layout = self.layout
        var_w_const = summary.get("min_vw", 1.0) == summary.get("max_vw", 1.0)
        decomposed = likelihood.decomposable(family, var_w_const)
        null = self._null_state(summary)

        def evaluate(params, null_state, loglike):
            null_args = null_state.as_kwargs() if null_state is not None else {}
            spec = kernels.IRLSPassSpec(
                family,
                params,
                y_mean,
                layout,
                loglike=decomposed and loglike,
                null_loglike=decomposed,
                **null_args,
            )
            totals = self.runner.run(kernels.irls_pass, spec, name="irls")
            if scale_is_estimated(family):
                totals["scale"] = totals["pearson"] / df_resid
            return totals

        def null_evaluate(null_state):
            spec = kernels.IRLSPassSpec(
                family,
                None,
                y_mean,
                layout,
                gram=False,
                null_loglike=decomposed,
                **null_state.as_kwargs(),
            )
            return self.runner.run(kernels.null_pass, spec, name="null model")

        callback = _print_iteration if verbose else None
        self.runner.progress = verbose
        if verbose:
            _announce_dashboard()
        if start_params is not None:
            start_params = np.asarray(start_params, dtype=float)
            if start_params.shape != (p,):
                raise DataError(f"start_params must have {p} values ({', '.join(names)}).")
        result = irls(
            evaluate,
            p,
            names,
            solve=_solve or (lambda totals: layout.solve(totals, names)),
            null=null,
            null_evaluate=null_evaluate,
            start_params=start_params,
            maxiter=maxiter,
            tol=tol,
            callback=callback,
        )

        totals = result.totals
        pearson = totals["pearson"]
        scale = pearson / df_resid if scale_is_estimated(family) else 1.0
        llf_scale = scale
        is_linear_gaussian = type(family).__name__ == "Gaussian" and isinstance(
            family.link, links.Identity
        )
        if is_linear_gaussian:
            llf_scale = pearson / wnobs  # concentrated log-likelihood, as statsmodels
        var_weight = summary.get("min_vw", 1.0) if self.extras.var_weights else 1.0
        has_ll = any(k.startswith("ll_") for k in totals)
        has_null_ll = any(k.startswith("null_ll_") for k in totals)
        if decomposed and has_ll and has_null_ll:
            llf = likelihood.combine(
                family, kernels.strip_prefix(totals, "ll_"), llf_scale, var_weight
            )
            llnull = likelihood.combine(
                family, kernels.strip_prefix(totals, "null_ll_"), scale, var_weight
            )
        else:
            # statsmodels' loglike_obs at the final scale: one more pass (families whose
            # likelihood does not decompose, or a fit that converged sooner than expected)
            ll = self.runner.run(
                kernels.loglike_pass,
                layout,
                family,
                result.params,
                null.as_kwargs(),
                scale,
                llf_scale,
                name="log-likelihood",
            )
            llf, llnull = ll["llf"], ll["llnull"]
        if _selected is None:
            normalized_cov = layout.inverse(result.bread, names)
        else:  # refit on a subset of columns: the others are fixed at 0
            sub = np.ix_(_selected, _selected)
            normalized_cov = np.full((p, p), np.nan)
            normalized_cov[sub] = inverse_spd(layout.dense_gram(result.bread)[sub])
        cov, extra = self._covariance(
            cov_type, cov_kwds, normalized_cov, scale, result.params, nobs, p
        )
        if use_t is None:
            use_t = False
        return GLMResults(
            model=self,
            params=pd.Series(result.params, index=names),
            normalized_cov_params=normalized_cov,
            cov_params_default=cov,
            scale=float(scale),
            deviance=float(totals["dev"]),
            pearson_chi2=float(pearson),
            null_deviance=float(totals["null_dev"]),
            llf=float(llf),
            llnull=float(llnull),
            nobs=nobs,
            wnobs=float(wnobs),
            df_model=float(df_model),
            df_resid=float(df_resid),
            converged=result.converged,
            n_iter=result.n_iter,
            fit_history=result.history,
            passes=self.runner.passes,
            pass_log=list(self.runner.log),
            cov_type=cov_type,
            use_t=bool(use_t),
            cov_kwds=extra,
            method="IRLS",
            df_resid_inference=extra.get("df_resid_inference"),
            llf_scale_used=float(llf_scale),
        )

    def _covariance(self, cov_type, cov_kwds, normalized_cov, scale, params, nobs, p):
        if cov_type == "nonrobust":
            return normalized_cov * scale, {}
        if cov_type == "HC0":
            parts = self.runner.run(
                robust_kernel, self.layout, self.family, params, scale, name="HC0"
            )
            if p > DENSE_COVARIANCE_LIMIT:
                raise DataError(
                    f"cov_type='HC0' with {p} parameters needs a dense {p} x {p} sandwich; use "
                    "the nonrobust covariance, or fewer levels."
                )
            hessian = self.layout.dense_gram(kernels.strip_prefix(parts, "hessian_"))
            meat = self.layout.dense_gram(kernels.strip_prefix(parts, "meat_"))
            return sandwich(inverse_spd(hessian), meat), {"description": "HC0"}
        use_correction = cov_kwds.get("use_correction", True)
        groups = self.extras.groups
        sets = [(g,) for g in groups] + ([groups] if len(groups) == 2 else [])
        hessian, meats = cluster_meats(
            self.runner,
            self.layout,
            self.family,
            params,
            scale,
            sets,
            robust_kernel,
            self._group_meta,
        )
        bread = inverse_spd(self.layout.dense_gram(kernels.strip_prefix(hessian, "hessian_")))
        covs, n_groups = [], []
        for m in meats:
            c = sandwich(bread, m["meat"])
            if use_correction:
                c = c * cluster_correction(m["groups"], nobs, p)
            covs.append(c)
            n_groups.append(m["groups"])
        cov = covs[0] if len(covs) == 1 else covs[0] + covs[1] - covs[2]
        extra = {
            "groups": groups,
            "use_correction": use_correction,
            "n_groups": n_groups[0] if len(groups) == 1 else tuple(n_groups[:2]),
        }
        if cov_kwds.get("df_correction", True) is not False:
            extra["df_resid_inference"] = min(n_groups[: len(groups)]) - 1
        return cov, extra

    @cluster_errors_become_clear
    def fit_regularized(
        self,
        alpha,
        L1_wt: float = 1.0,
        *,
        method: str = "auto",
        refit: bool = False,
        maxiter: int | None = None,
        tol: float = 1e-10,
        start_params=None,
        penalize_intercept: bool = False,
        rho: float | None = None,
        verbose: bool = False,
    ) -> GLMResults:
        """Elastic-net fit with statsmodels' objective (see :mod:`daskstats.regularized`).

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
        from daskstats.regularized import fit_regularized

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

    def fit_path(self, alphas, L1_wt: float = 1.0, **kwargs):
        """Penalized fits along ``alphas`` (largest first) with warm starts."""
        from daskstats.regularized import fit_path

        return fit_path(self, alphas, L1_wt, **kwargs)

    def _null_state(self, summary: dict) -> NullState:
        """The constant-only model: iterated beside the fit when there is an offset (statsmodels
        starts it at link(mean y)), else its fitted constant is the weighted mean."""
        if self.extras.offset is not None or self.extras.exposure is not None:
            y_mean = summary["sum_y"] / summary["nobs"]
            return NullState(intercept=float(self.family.link(np.array([y_mean]))[0]), mean=None)
        return NullState(intercept=None, mean=summary["sum_iwy"] / summary["sum_iw"])

    def _require_data(self) -> None:
        if self.design is None:
            raise DataError(
                "these results were loaded from a file and hold no data: pass new_data (and its "
                "offset/exposure) to predict or get_prediction."
            )

    def _loglike_at(self, params, scale: float) -> float:
        """statsmodels' log-likelihood at ``params`` and a given ``scale`` (one pass)."""
        null = {"null_intercept": None, "null_mean": None}
        return self.runner.run(
            kernels.loglike_pass,
            self.layout,
            self.family,
            params,
            null,
            scale,
            scale,
            name="log-likelihood",
        )["llf"]

    # --- prediction ----------------------------------------------------------------------
    def _predict(self, params, new_data, which, offset, exposure):
        if which not in ("mean", "linear", "var_unscaled"):
            raise DataError(f"which must be 'mean', 'linear' or 'var_unscaled', got {which!r}.")
        meta = pd.Series(dtype=float, name="predicted")
        return self._per_row(
            new_data, offset, exposure, meta, predicted_values, self.family, which, params=params
        )

    def _prediction(self, params, cov, new_data, offset, exposure, df, use_t):
        from daskstats.inference.prediction import PredictionResults, empty_frame

        def make(alpha, dist_args):
            return self._per_row(
                new_data,
                offset,
                exposure,
                empty_frame(),
                prediction_values,
                self.family,
                cov,
                alpha,
                dist_args,
                params=params,
            )

        return PredictionResults(make, df, use_t)

    def _per_row(self, new_data, offset, exposure, meta, values_fn, *args, params):
        """Lazy per-row values: ``values_fn(eta, X, codes, layout, *args)`` on every partition of
        ``new_data`` (or of the fit's own rows), as a dask Series/DataFrame."""
        if new_data is None:
            self._require_data()
            parts = [
                delayed(block_values)(b, self.layout, params, meta, values_fn, *args)
                for b in self.design.blocks
            ]
            return dd.from_delayed(parts, meta=meta, verify_meta=False)
        ddf, cols = self._new_data(new_data, offset, exposure)
        return ddf.map_partitions(
            partition_values,
            self.spec,
            self.layout,
            params,
            cols.get("offset"),
            cols.get("exposure"),
            meta,
            values_fn,
            *args,
            meta=meta,
        )

    def _new_data(self, new_data, offset, exposure):
        ddf = _to_dask(new_data)
        cols = {}
        for name, given, fitted_col in (
            ("offset", offset, self.extras.offset),
            ("exposure", exposure, self.extras.exposure),
        ):
            if given is None and fitted_col is not None and not fitted_col.startswith(_PREFIX):
                if fitted_col not in ddf.columns:
                    raise DataError(
                        f"the model was fitted with {name}={fitted_col!r}, which new_data lacks; "
                        f"pass {name}=... (a column name or values) to predict."
                    )
                given = fitted_col
            if given is None and fitted_col is not None:
                raise DataError(f"the model was fitted with an {name}: pass {name}=... to predict.")
            ddf, col = _attach(ddf, new_data, name, given, name)
            if isinstance(col, tuple):
                ddf = _to_dask(new_data.assign(**{col[0]: col[1]}))
                col = col[0]
            cols[name] = col
        missing_cols = [c for c in self.spec.x_variables if c not in ddf.columns]
        if missing_cols:
            raise DataError(
                f"new_data lacks the column(s) {', '.join(map(repr, missing_cols))} that the "
                "formula uses."
            )
        return ddf, cols


MAX_DENSE_COLUMNS = 5000


def _check_width(layout) -> None:
    """Refuse, before any pass, a design whose p x p system cannot be handled."""
    dense = len(layout.dense)
    if dense > MAX_DENSE_COLUMNS:
        gib = dense * dense * 8 / 2**30
        raise DataError(
            f"the design has {dense} dense columns: each pass would sum a {dense} x {dense} "
            f"matrix ({gib:.1f} GiB) per partition. Use fewer terms or interactions, or write a "
            "many-level categorical as a single C(...) term (it is then kept as level codes)."
        )


def _check_degenerate_response(family, s: dict, name: str) -> None:
    """A response at the boundary of the family's support in every row has no finite MLE."""
    from statsmodels.genmod.families import Binomial

    boundary = [0.0, 1.0] if isinstance(family, Binomial) else [0.0]
    if s["min_y"] == s["max_y"] and s["min_y"] in boundary:
        raise DataError(
            f"the response {name!r} is {s['min_y']:g} in every row: the {type(family).__name__} "
            "model's estimates would be infinite (no maximum-likelihood estimate exists)."
        )


def _allowed_links(family) -> tuple:
    return tuple(getattr(family, "safe_links", ()) or (type(family.link),))


def _announce_dashboard() -> None:
    from daskstats.passes import dashboard_link

    link = dashboard_link()
    if link:
        print(f"dask dashboard: {link}", flush=True)


def _print_iteration(entry: dict) -> None:
    print(
        f"iteration {entry['iteration']:3d}  deviance {entry['deviance']:.10g}  "
        f"rel. change {entry['rel_change']:.3g}  step {entry['step']:.3g}  "
        f"{entry['seconds']:.3f} s",
        flush=True,
    )
