"""The family-agnostic part of every fit's results: estimates, their covariance, and the
inference on them (statsmodels' names and semantics), plus the small protocol results need
from their model.

Results are immutable; derived statistics are cached properties computed from the fit's
summed pass results (no pass over the data on access). Per-row quantities are lazy and come
through the model (:class:`FittedModel`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import Any, Protocol, Self

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.base._constraints import LinearConstraints

from daskstats.inference.hypotheses import StatsmodelsView, lr_test
from daskstats.solvers.constraints import AffineSubspace

__all__ = ["FittedModel", "LikelihoodResults", "recast"]


class FittedModel(Protocol):
    """What results use of their model (nothing private).

    ``rows``, ``predict_values``, ``prediction`` and ``loglike`` read the fitted data and raise
    :class:`~daskstats.errors.DataError` for a model that holds none (results loaded from a
    file); ``predict_values``/``prediction`` with new data work without it.
    """

    @property
    def formula(self) -> str | None:
        """The formula, when the model was built from one."""
        ...

    @property
    def exog_names(self) -> list[str]:
        """Names of the parameters."""
        ...

    @property
    def endog_name(self) -> str:
        """Name of the response."""
        ...

    @property
    def term_info(self) -> Any:
        """patsy's ``DesignInfo`` of the regressors (term names for ``wald_test_terms``)."""
        ...

    def rows(self, what: str, params: np.ndarray) -> Any:
        """A lazy per-row quantity of the fitted data (a dask array in row order)."""
        ...

    def predict_values(
        self,
        params: Any,
        new_data: Any,
        which: str,
        offset: Any,
        exposure: Any,
        transform: bool = True,
    ) -> Any:
        """Lazy predictions (a dask Series indexed like ``new_data``)."""
        ...

    def prediction(
        self,
        params: Any,
        cov: Any,
        new_data: Any,
        offset: Any,
        exposure: Any,
        *,
        which: str | None,
        average: bool,
        agg_weights: Any,
        row_labels: Any,
        transform: bool,
        df: float,
        use_t: bool,
        scale: float,
    ) -> Any:
        """Lazy predictions with standard errors and intervals."""
        ...

    def loglike(self, params: np.ndarray, scale: float) -> float:
        """statsmodels' log-likelihood at ``params`` and ``scale`` (one pass)."""
        ...


@dataclass(frozen=True, eq=False, kw_only=True)
class LikelihoodResults:
    """Estimates and their inference, common to every model.

    Attributes
    ----------
    model : FittedModel
    estimates : pandas.Series
        Estimated coefficients indexed by term name (``params`` gives them in the kind
        statsmodels does: a Series, or an array for numpy input).
    normalized_cov_params : ndarray of shape (p, p) or BlockCovariance
        ``(XᵀWX)⁻¹`` of the last weighted least-squares solve.
    cov_params_default : ndarray of shape (p, p) or BlockCovariance
        Covariance of ``params`` for the chosen ``cov_type``.
    cov_type : str
    use_t : bool
    cov_kwds : dict
    df_resid_inference : float or None
        Degrees of freedom of t and F tests when they differ from ``df_resid`` (clusters).
    converged : bool
    n_iter : int
    fit_history : dict
        statsmodels' ``{"iteration": n, "deviance": [...], "params": [...]}``, plus per entry
        the relative change, step and seconds (:meth:`~daskstats.solvers.history.History.as_dict`).
    mle_settings : dict or None
        statsmodels' record of the optimizer's settings (``optimizer``, its options).
    mle_retvals : dict or None
        The optimizer's report (gradient methods), as statsmodels'.
    passes : int
        Passes over the data the whole fit made.
    pass_log : list of (str, float)
        What each pass was for and its seconds.
    method : str
    notes : tuple of str
        Extra lines for the summary.
    constraint : AffineSubspace or None
        The linear constraints of a ``fit_constrained`` fit.
    """

    model: FittedModel
    estimates: pd.Series
    normalized_cov_params: Any
    cov_params_default: Any
    cov_type: str = "nonrobust"
    use_t: bool = False
    cov_kwds: dict = field(default_factory=dict)
    df_resid_inference: float | None = None
    converged: bool = True
    n_iter: int = 0
    fit_history: dict = field(default_factory=dict)
    passes: int = 0
    pass_log: list = field(default_factory=list)
    method: str = ""
    notes: tuple = ()
    mle_retvals: dict | None = None
    mle_settings: dict | None = None
    constraint: AffineSubspace | None = None

    # --- constraints (fit_constrained) --------------------------------------------------
    @property
    def k_constr(self) -> int:
        """Linear constraints the fit was subject to (0 without ``fit_constrained``)."""
        return 0 if self.constraint is None else self.constraint.k_constraints

    @property
    def constraints(self) -> LinearConstraints | None:
        """statsmodels' ``LinearConstraints`` of a ``fit_constrained`` fit (None otherwise)."""
        if self.constraint is None:
            return None
        names = list(self.estimates.index)
        return LinearConstraints(self.constraint.R, self.constraint.q, names)

    # --- provided by each model's results -----------------------------------------------
    @property
    def nobs(self) -> int:
        """Rows used."""
        raise NotImplementedError

    @property
    def df_model(self) -> float:
        raise NotImplementedError

    @property
    def df_resid(self) -> float:
        raise NotImplementedError

    @property
    def llf(self) -> float:
        """Log-likelihood at the estimate."""
        raise NotImplementedError

    def with_notes(self, notes: tuple) -> Self:
        """A copy with more lines for the summary's notes."""
        return replace(self, notes=tuple(self.notes) + tuple(notes))

    # --- parameters and inference -------------------------------------------------------
    @cached_property
    def _names(self) -> list[str]:
        return list(self.estimates.index)

    @cached_property
    def _as_arrays(self) -> bool:
        """statsmodels returns arrays (not Series) for a model given numpy arrays."""
        fmt = getattr(self.model, "input_format", None)
        return fmt is not None and fmt.kind == "numpy"

    def _wrap(self, values) -> Any:
        """Per-parameter values as statsmodels gives them: a Series by name, or an array."""
        values = np.asarray(values, dtype=float)
        return values if self._as_arrays else pd.Series(values, index=self._names)

    @property
    def params(self) -> Any:
        """Estimated coefficients (a Series by term name; an array for numpy input)."""
        return self.estimates.to_numpy().copy() if self._as_arrays else self.estimates

    @cached_property
    def params_array(self) -> np.ndarray:
        """The estimates as a numpy array."""
        return self.estimates.to_numpy()

    @cached_property
    def k_params(self) -> int:
        return len(self.estimates)

    def cov_params(self, r_matrix=None, column=None, scale=None, cov_p=None, other=None) -> Any:
        """Covariance of the estimates (statsmodels' ``cov_params``): the whole matrix (a
        DataFrame by term names; an array for numpy input), or ``R V Rᵀ`` (``R V otherᵀ``),
        or the block of the ``column`` indices.

        With a many-level coded term the covariance is kept in blocks; the whole matrix is
        materialized only up to ``Thresholds.dense_covariance_limit`` parameters (``bse``
        works at any size).
        """
        if cov_p is None:
            cov = self.cov_params_default
            if scale is not None:
                cov = self.normalized_cov_params
        else:
            cov = cov_p
        dense = cov.to_dense() if hasattr(cov, "to_dense") else np.asarray(cov)
        if scale is not None and cov_p is None:
            dense = dense * scale
        if column is not None:
            column = np.asarray(column)
            return dense[np.ix_(column, column)] if column.shape else dense[column, column]
        if r_matrix is not None:
            r_matrix = np.atleast_2d(np.asarray(r_matrix, dtype=float))
            other = r_matrix if other is None else np.atleast_2d(np.asarray(other, dtype=float))
            return r_matrix @ dense @ other.T
        if self._as_arrays:
            return dense
        return pd.DataFrame(dense, index=self._names, columns=self._names)

    @cached_property
    def bse(self) -> Any:
        """Standard errors of the estimates."""
        return self._wrap(np.sqrt(self.cov_params_default.diagonal()))

    @cached_property
    def tvalues(self) -> Any:
        """``params / bse`` (z statistics unless ``use_t``)."""
        return self._wrap(self.params_array / np.asarray(self.bse))

    @cached_property
    def _df_inference(self) -> float:
        return self.df_resid if self.df_resid_inference is None else self.df_resid_inference

    @cached_property
    def pvalues(self) -> Any:
        """Two-sided p-values (normal, or Student t with ``df_resid`` when ``use_t``)."""
        t = np.abs(np.asarray(self.tvalues))
        if self.use_t:
            p = 2 * stats.t.sf(t, self._df_inference)
        else:
            p = 2 * stats.norm.sf(t)
        return self._wrap(p)

    def conf_int(self, alpha: float = 0.05, cols=None) -> Any:
        """Confidence intervals at level ``1 - alpha``: a DataFrame with columns 0 and 1 (an
        array of shape (k, 2) for numpy input), as statsmodels; ``cols`` selects rows."""
        if self.use_t:
            q = stats.t.ppf(1 - alpha / 2, self._df_inference)
        else:
            q = stats.norm.ppf(1 - alpha / 2)
        bse = np.asarray(self.bse)
        lower = self.params_array - q * bse
        upper = self.params_array + q * bse
        if self._as_arrays:
            out = np.column_stack([lower, upper])
            return out if cols is None else out[np.asarray(cols)]
        frame = pd.DataFrame({0: lower, 1: upper}, index=self._names)
        return frame if cols is None else frame.iloc[np.asarray(cols)]

    # --- hypothesis tests (statsmodels' own implementations) -----------------------------
    def t_test(self, r_matrix, cov_p=None, use_t=None):
        """t (or z) tests of linear constraints: ``"x1 = x2"``, a matrix, or ``(R, q)``.

        Returns statsmodels' ``ContrastResults``.
        """
        return StatsmodelsView(self).t_test(r_matrix, cov_p=cov_p, use_t=use_t)

    def f_test(self, r_matrix, cov_p=None, invcov=None):
        """Joint F test of linear constraints (statsmodels' ``ContrastResults``)."""
        return StatsmodelsView(self).f_test(r_matrix, cov_p=cov_p, invcov=invcov)

    def wald_test(
        self, r_matrix, cov_p=None, invcov=None, use_f=None, df_constraints=None, scalar=True
    ):
        """Joint Wald test, chi² unless ``use_f`` (default: ``use_t``), as statsmodels."""
        return StatsmodelsView(self).wald_test(
            r_matrix,
            cov_p=cov_p,
            invcov=invcov,
            use_f=use_f,
            df_constraints=df_constraints,
            scalar=scalar,
        )

    def wald_test_terms(
        self, skip_single=False, extra_constraints=None, combine_terms=None, scalar=True
    ):
        """One joint Wald test per formula term (statsmodels' ``WaldTestResults``)."""
        return StatsmodelsView(self).wald_test_terms(
            skip_single=skip_single,
            extra_constraints=extra_constraints,
            combine_terms=combine_terms,
            scalar=scalar,
        )

    def compare_lr_test(self, restricted) -> tuple[float, float, float]:
        """Likelihood-ratio test against a nested ``restricted`` fit on the same rows.

        Returns ``(lr_stat, p_value, df_diff)`` as statsmodels' ``compare_lr_test``.
        """
        return lr_test(self, restricted)

    # --- presentation --------------------------------------------------------------------
    def summary(self, yname=None, xname=None, title=None, alpha: float = 0.05):
        """statsmodels' summary of this kind of model."""
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def recast(results: Any, cls: type, **changes: Any) -> Any:
    """``results`` as an instance of the results class ``cls`` (a subclass with the same
    fields: a model's own results built from the shared engine's), with ``changes``."""
    values = {f.name: getattr(results, f.name) for f in fields(results) if f.init}
    values.update(changes)
    return cls(**values)
