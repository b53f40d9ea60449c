"""The estimators' shared part: dask-ml's parameters, the fit by daskstats, and ``η``.

See :mod:`daskstats.estimators` for the objective and how dask-ml's ``penalty``, ``C`` and
``solver`` become daskstats' ``alpha``, ``L1_wt`` and method.
"""

from __future__ import annotations

import warnings
from numbers import Real
from typing import Any, ClassVar

import dask.array as da
import dask.dataframe as dd
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data
from statsmodels.genmod.families import Family, Gaussian

from daskstats.estimators.data import (
    Standardization,
    dask_matrix,
    dask_response,
    design_frame,
    is_dask,
)
from daskstats.models import GLM
from daskstats.results import GLMResults

__all__ = ["DaskGLMEstimator", "L1_WEIGHTS", "SOLVERS", "UNPENALIZED_SOLVERS"]

#: dask-glm's regularizers by name -> daskstats' ``L1_wt``
L1_WEIGHTS = {"l1": 1.0, "l2": 0.0, "elastic_net": 0.5}
SOLVERS = ("admm", "gradient_descent", "newton", "lbfgs", "proximal_grad")
#: dask-ml passes neither ``penalty`` nor ``C`` to these solvers
UNPENALIZED_SOLVERS = ("newton", "gradient_descent")
#: ``solver_kwargs`` that tune dask-glm's ADMM only: ignored with a warning
DASK_GLM_TUNING = ("rho", "over_relax", "abstol", "reltol")
#: ``solver_kwargs`` daskstats reads
SOLVER_KWARGS = ("normalize", "method", "tol", "cov_type", "cov_kwds")
STANDARDIZED_NOTE = (
    "Penalized as dask-glm does: the coefficients above are those of the standardized "
    "columns (x - mean) / sd, intercept penalized; the estimator's coef_ and intercept_ are "
    "those of the original columns."
)


class DaskGLMEstimator(BaseEstimator):
    """dask-ml's generalized linear model estimator, fitted by daskstats.

    Parameters
    ----------
    penalty : {"l2", "l1", "elastic_net"}, dask-glm Regularizer or None, default "l2"
        ``None`` (or ``"none"``) fits without penalty.
    dual : bool, default False
        Ignored (as in dask-ml).
    tol : float, default 1e-4
        Ignored: dask-glm's tolerances have other units; daskstats' solvers stop on their own
        (tight) criteria. ``solver_kwargs={"tol": ...}`` sets daskstats' tolerance.
    C : float, default 1.0
        Inverse penalty strength, ``λ = 1 / C`` on the summed loss; ``np.inf`` is no penalty.
    fit_intercept : bool, default True
        Add an intercept column.
    intercept_scaling : float, default 1.0
        Ignored (as in dask-ml).
    class_weight : dict, "balanced" or None, default None
        Logistic regression only: each row's loss is weighted by its class' weight
        (daskstats' ``var_weights``). dask-ml ignores it.
    random_state : default None
        Ignored (as in dask-ml).
    solver : {"admm", "gradient_descent", "newton", "lbfgs", "proximal_grad"}, default "admm"
        ``"newton"`` and ``"gradient_descent"`` fit without penalty (as in dask-ml); the others
        fit the penalized model by daskstats' proximal Newton (``solver_kwargs`` ``method``).
    max_iter : int, default 100
        Most iterations (passes over the data for IRLS and proximal Newton).
    multi_class : str, default "ovr"
        Ignored (as in dask-ml): two classes only.
    verbose : int, default 0
        Above 0, daskstats prints one line per iteration.
    warm_start : bool, default False
        Ignored (as in dask-ml).
    n_jobs : int, default 1
        Ignored (as in dask-ml): dask's scheduler decides.
    solver_kwargs : dict, optional
        ``normalize`` (bool, default True: dask-glm's standardization before penalizing),
        ``method`` (daskstats' penalized method: ``"auto"``, ``"prox_newton"``, ``"admm"``,
        ``"proximal_grad"``, ``"lbfgs"``), ``tol`` (daskstats' tolerance), and ``cov_type`` /
        ``cov_kwds`` for an unpenalized fit's ``results_``. dask-glm's ADMM settings
        (``rho``, ``over_relax``, ``abstol``, ``reltol``) are ignored with a warning.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients of the original columns (one-dimensional, as dask-ml's).
    intercept_ : float
        0.0 when ``fit_intercept=False``.
    results_ : GLMResults
        The daskstats results behind the fit: of the original columns (``const`` first) for an
        unpenalized fit, of the standardized columns for a penalized one (its summary says so).
    n_iter_ : int
        Iterations of the daskstats solver.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        Only when ``X`` was a (pandas or dask) DataFrame with string column names.
    """

    #: the statsmodels family of the model
    _family: ClassVar[type[Family]] = Gaussian
    #: dask-glm's summed loss over ``D / 2`` (2 for the squared error, else 1)
    _loss_per_half_deviance: ClassVar[float] = 1.0
    #: regressors check that ``y`` holds numbers; the classifier takes any labels
    _numeric_y: ClassVar[bool] = True

    def __init__(
        self,
        penalty: Any = "l2",
        dual: bool = False,
        tol: float = 1e-4,
        C: float = 1.0,
        fit_intercept: bool = True,
        intercept_scaling: float = 1.0,
        class_weight: dict | str | None = None,
        random_state: Any = None,
        solver: str = "admm",
        max_iter: int = 100,
        multi_class: str = "ovr",
        verbose: int = 0,
        warm_start: bool = False,
        n_jobs: int | None = 1,
        solver_kwargs: dict | None = None,
    ):
        self.penalty = penalty
        self.dual = dual
        self.tol = tol
        self.C = C
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.multi_class = multi_class
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.solver_kwargs = solver_kwargs

    # --- parameters ------------------------------------------------------------------------
    def _l1_weight(self) -> float | None:
        """daskstats' ``L1_wt``, or None for an unpenalized fit."""
        if self.solver not in SOLVERS:
            raise ValueError(f"'solver' must be one of {SOLVERS}, got {self.solver!r}.")
        if not isinstance(self.C, Real) or not self.C > 0:
            raise ValueError(f"C must be a positive number (np.inf: no penalty), got {self.C!r}.")
        penalty = self.penalty
        if self.solver in UNPENALIZED_SOLVERS or penalty is None or np.isinf(self.C):
            return None
        if isinstance(penalty, str):
            if penalty == "none":
                return None
            if penalty not in L1_WEIGHTS:
                raise ValueError(
                    f"penalty must be one of {tuple(L1_WEIGHTS)} or None, got {penalty!r}."
                )
            return L1_WEIGHTS[penalty]
        name = getattr(penalty, "name", None)  # a dask-glm Regularizer instance
        if name in L1_WEIGHTS:
            return float(getattr(penalty, "weight", L1_WEIGHTS[name]))
        raise ValueError(f"penalty must be 'l1', 'l2', 'elastic_net' or None, got {penalty!r}.")

    def _solver_options(self, penalized: bool) -> dict:
        options = dict(self.solver_kwargs or {})
        ignored = [key for key in DASK_GLM_TUNING if options.pop(key, None) is not None]
        if ignored:
            warnings.warn(
                f"solver_kwargs {ignored} tune dask-glm's ADMM; daskstats' solvers choose "
                "their own settings: ignored.",
                UserWarning,
                stacklevel=3,
            )
        unknown = sorted(set(options) - set(SOLVER_KWARGS))
        if unknown:
            raise ValueError(f"solver_kwargs {unknown} are not known; use {SOLVER_KWARGS}.")
        if penalized and ({"cov_type", "cov_kwds"} & set(options)):
            raise ValueError(
                "solver_kwargs cov_type / cov_kwds apply to unpenalized fits only (penalized "
                "fits report the penalized sandwich, or no standard errors after L1)."
            )
        return options

    # --- fitting ---------------------------------------------------------------------------
    def fit(self, X, y) -> DaskGLMEstimator:
        """Fit the model.

        Parameters
        ----------
        X : array-like, pandas DataFrame, dask array or dask DataFrame of shape (n, p)
        y : array-like, pandas Series, dask array or dask Series of shape (n,)
            With a dask ``X``, a dask ``y`` needs the same row chunks (partitions).

        Returns
        -------
        self
        """
        L1_wt = self._l1_weight()
        options = self._solver_options(penalized=L1_wt is not None)
        normalize = L1_wt is not None and bool(options.pop("normalize", True))
        tolerance = {"tol": options.pop("tol")} if "tol" in options else {}
        method = options.pop("method", "auto")
        X, y = self._validated(X, y)
        target, var_weights = self._response(y)
        scaling = (
            Standardization.of(X, self.fit_intercept)
            if normalize
            else Standardization.identity(X.shape[1])
        )
        design = design_frame(scaling.apply(X), self._column_names(), self.fit_intercept)
        model = GLM(target, design, family=self._family(), var_weights=var_weights)
        verbose = bool(self.verbose)
        if L1_wt is None:
            results = model.fit(maxiter=self.max_iter, verbose=verbose, **tolerance, **options)
        else:
            n = model.data_summary().nobs
            alpha = 1.0 / (self._loss_per_half_deviance * self.C * n)
            results = model.fit_regularized(
                method=method,
                alpha=np.full(len(model.exog_names), alpha),
                L1_wt=L1_wt,
                penalize_intercept=True,  # dask-glm penalizes every coefficient
                maxiter=self.max_iter,
                verbose=verbose,
                **tolerance,
            )
            if normalize:
                results = results.with_notes((STANDARDIZED_NOTE,))
        params = np.asarray(results.params, dtype=float)
        self.coef_, self.intercept_ = scaling.original(params, self.fit_intercept)
        self.results_: GLMResults = results
        self.n_iter_ = max(int(results.n_iter), 1)
        return self

    def _validated(self, X, y) -> tuple[Any, Any]:
        """``X`` as a float numpy or dask array, ``y`` as numpy or dask values; sets
        ``n_features_in_`` and ``feature_names_in_``."""
        if not is_dask(X):
            if is_dask(y):
                y = y.compute()
            return validate_data(
                self, X, y, dtype=np.float64, y_numeric=self._numeric_y, ensure_min_samples=2
            )
        array = dask_matrix(X)
        self.n_features_in_ = int(array.shape[1])
        if isinstance(X, dd.DataFrame) and all(isinstance(c, str) for c in X.columns):
            self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return array, dask_response(y, type(self).__name__)

    def _column_names(self) -> list[str]:
        """The features' names in ``results_``: ``feature_names_in_``, else ``x1, x2, ...``
        (statsmodels' names)."""
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return [f"x{j + 1}" for j in range(self.n_features_in_)]
        return [str(name) for name in names]

    def _response(self, y) -> tuple[Any, Any]:
        """The response daskstats fits and its ``var_weights`` (None here)."""
        return y.astype(float), None

    # --- prediction ------------------------------------------------------------------------
    def _linear_predictor(self, X):
        """``η = X coef_ + intercept_``: numpy for array-like input, lazy dask for dask."""
        check_is_fitted(self)
        coef, intercept = self.coef_, self.intercept_
        if not is_dask(X):
            X = validate_data(self, X, dtype=np.float64, reset=False)
            return X @ coef + intercept
        expected = getattr(self, "feature_names_in_", None)
        if isinstance(X, dd.DataFrame) and expected is not None:
            if list(X.columns) != list(expected):
                raise ValueError(
                    "The feature names should match those that were passed during fit: "
                    f"{list(expected)}, got {list(X.columns)}."
                )
        array = dask_matrix(X, self.n_features_in_, type(self).__name__)
        return da.map_blocks(
            _linear, array, coef=coef, intercept=intercept, drop_axis=1, dtype=np.float64
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


def _linear(block: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
    return block @ coef + intercept
