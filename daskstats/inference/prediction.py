"""Prediction results with statsmodels' classes and semantics.

The per-row pieces (:func:`daskstats.kernels.rows.prediction_values`: the linear predictor and
its variance ``x V xᵀ``, the predicted statistic and its delta-method variance) are computed
partition by partition. For in-memory data they become statsmodels' own result objects —
``PredictionResultsMean`` (``which=None``), ``PredictionResultsBase`` (``"linear"``),
``PredictionResultsMonotonic`` (``"mean"``) and ``PredictionResultsDelta``
(``"var_unscaled"``, averages) — so every attribute and method is statsmodels'. For dask data
:class:`LazyPrediction` offers the same names over lazy dask Series.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.base._prediction_inference import (
    PredictionResultsBase,
    PredictionResultsDelta,
    PredictionResultsMean,
    PredictionResultsMonotonic,
)
from statsmodels.regression._prediction import PredictionResults as LinearPredictionResults

__all__ = ["prediction_results", "LazyPrediction", "Delta", "KINDS", "empty_frame"]

#: what ``get_prediction`` returns: statsmodels' backward-compatible mean results
#: (``which=None``), the linear predictor, the mean by endpoint transformation, the delta method
KINDS = ("compat", "linear", "monotonic", "delta", "regression")
COLUMNS = ("linpred", "linpred_var", "predicted", "var_pred")


def empty_frame() -> pd.DataFrame:
    """The meta of the per-row prediction columns."""
    return pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS})


class Delta:
    """statsmodels' ``NonlinearDeltaCov`` interface (``predicted()``, ``var()``) over
    analytic values (:class:`PredictionResultsDelta` takes one)."""

    def __init__(self, predicted: Any, variance: Any) -> None:
        self._predicted = predicted
        self._variance = variance

    def predicted(self) -> Any:
        return self._predicted

    def var(self) -> Any:
        return self._variance


def _dist(use_t: bool) -> str:
    return "t" if use_t else "norm"


def prediction_results(
    frame: Any,
    kind: str,
    family: Any,
    df: float,
    use_t: bool,
    scale: float,
    row_labels: Any = None,
) -> Any:
    """statsmodels' prediction results of ``kind`` from the per-row columns in ``frame``
    (pandas: statsmodels' own classes; dask: :class:`LazyPrediction`)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if not isinstance(frame, pd.DataFrame):
        return LazyPrediction(frame, kind, family, df, use_t, scale)
    dist = _dist(use_t)
    col = {c: frame[c].to_numpy() for c in COLUMNS}
    if kind == "linear":
        return PredictionResultsBase(
            col["linpred"], col["linpred_var"], df=df, dist=dist, row_labels=row_labels
        )
    if kind == "regression":  # statsmodels' OLS/WLS: mean and observation intervals
        return LinearPredictionResults(
            col["linpred"], col["linpred_var"], scale, df=df, dist=dist, row_labels=row_labels
        )
    if kind == "compat":
        linpred = LinearPredictionResults(
            col["linpred"], col["linpred_var"], scale, df=df, dist=dist, row_labels=row_labels
        )
        return PredictionResultsMean(
            col["predicted"],
            col["var_pred"],
            scale,
            df=df,
            dist=dist,
            row_labels=row_labels,
            linpred=linpred,
            link=family.link,
        )
    if kind == "monotonic":
        return PredictionResultsMonotonic(
            col["predicted"],
            col["var_pred"],
            df=df,
            dist=dist,
            row_labels=row_labels,
            linpred=col["linpred"],
            linpred_se=np.sqrt(col["linpred_var"]),
            func=family.link.inverse,
            deriv=family.link.inverse_deriv,
        )
    return PredictionResultsDelta(Delta(col["predicted"], col["var_pred"]))


def _elementwise(function: Callable[[np.ndarray], Any]) -> Callable[[pd.Series], pd.Series]:
    """``function`` of a pandas Series' values, as a Series on its index."""

    def apply(series: pd.Series) -> pd.Series:
        return pd.Series(function(series.to_numpy()), index=series.index, name=series.name)

    return apply


def _is_identity(link: Any) -> bool:
    tmp = np.linspace(0, 1, 6)
    with np.errstate(all="ignore"):
        return bool(np.all(link.inverse(tmp) == tmp))


class LazyPrediction:
    """statsmodels' prediction results over lazy dask Series (one row per row of the data,
    on its index and partitions). Nothing is computed until asked.

    Attributes
    ----------
    predicted, var_pred, se, tvalues : dask Series
    linpred : LazyPrediction (``which=None``) or dask Series (``"mean"``)
    linpred_se : dask Series
    predicted_mean, var_pred_mean, se_mean : aliases (statsmodels' backward-compatible names)
    df : float
    dist, dist_args : scipy distribution and its arguments (normal, or t with ``use_t``)
    row_labels : the data's index (lazy)
    """

    def __init__(
        self, frame: Any, kind: str, family: Any, df: float, use_t: bool, scale: float
    ) -> None:
        self.frame = frame
        self.kind = kind
        self.family = family
        self.df = df
        self.var_resid = scale
        self.link = family.link
        delta = kind == "delta"  # statsmodels' delta results use the normal distribution
        self.dist = stats.t if use_t and not delta else stats.norm
        self.dist_args = (df,) if use_t and not delta else ()
        self._use_t = use_t
        self.row_labels = frame.index

    # --- the statistic ----------------------------------------------------------------------
    @property
    def predicted(self) -> Any:
        column = "linpred" if self.kind in ("linear", "regression") else "predicted"
        return self.frame[column]

    @property
    def var_pred(self) -> Any:
        column = "linpred_var" if self.kind in ("linear", "regression") else "var_pred"
        return self.frame[column]

    @property
    def se(self) -> Any:
        return self.var_pred**0.5

    @property
    def tvalues(self) -> Any:
        return self.predicted / self.se

    predicted_mean = predicted
    var_pred_mean = var_pred
    se_mean = se

    @property
    def linpred(self) -> Any:
        if self.kind == "compat":
            return LazyPrediction(self.frame, "linear", self.family, self.df, self._use_t, 0.0)
        return self.frame["linpred"]

    @property
    def linpred_se(self) -> Any:
        return self.frame["linpred_var"] ** 0.5

    # --- inference --------------------------------------------------------------------------
    def _q(self, alpha: float) -> float:
        return float(self.dist.ppf(1 - alpha / 2.0, *self.dist_args))

    def conf_int(self, method: str = "endpoint", alpha: float = 0.05, **kwds: Any) -> Any:
        """Lower and upper limits as a lazy dask DataFrame with columns 0 and 1 (statsmodels
        returns the same two columns as an array)."""
        if method not in ("endpoint", "delta"):
            raise ValueError(f"method must be 'endpoint' or 'delta', got {method!r}")
        q = self._q(alpha)
        endpoint = (
            method == "endpoint"
            and self.kind in ("compat", "monotonic")
            and not _is_identity(self.link)
        )
        if endpoint:
            lin, se = self.frame["linpred"], self.linpred_se
            inverse = _elementwise(self.link.inverse)
            lower = (lin - q * se).map_partitions(inverse, meta=lin._meta)
            upper = (lin + q * se).map_partitions(inverse, meta=lin._meta)
        else:
            lower, upper = self.predicted - q * self.se, self.predicted + q * self.se
        return lower.to_frame(0).assign(**{"1": upper}).rename(columns={"1": 1})

    def summary_frame(self, alpha: float = 0.05) -> Any:
        """statsmodels' summary frame, lazily: ``mean, mean_se, mean_ci_lower,
        mean_ci_upper`` (``which=None``) or ``predicted, se, ci_lower, ci_upper``."""
        ci = self.conf_int(alpha=alpha)
        if self.kind == "regression":  # statsmodels' OLS frame, with observation intervals
            q = self._q(alpha)
            se_obs = (self.var_pred + self.var_resid) ** 0.5
            columns = {
                "mean": self.predicted,
                "mean_se": self.se,
                "mean_ci_lower": ci[0],
                "mean_ci_upper": ci[1],
                "obs_ci_lower": self.predicted - q * se_obs,
                "obs_ci_upper": self.predicted + q * se_obs,
            }
            return self.frame.assign(**columns)[list(columns)]
        if self.kind == "compat":
            names = ("mean", "mean_se", "mean_ci_lower", "mean_ci_upper")
        else:
            names = ("predicted", "se", "ci_lower", "ci_upper")
        return self.frame.assign(
            **{
                names[0]: self.predicted,
                names[1]: self.se,
                names[2]: ci[0],
                names[3]: ci[1],
            }
        )[list(names)]

    def t_test(self, value: Any = 0, alternative: str = "two-sided") -> tuple[Any, Any]:
        """z (or t) test that the statistic equals ``value``: lazy ``(stat, pvalue)``."""
        stat = (self.predicted - value) / self.se
        dist, args = self.dist, self.dist_args
        functions = {
            "two-sided": lambda s: 2 * dist.sf(np.abs(s), *args),
            "larger": lambda s: dist.sf(s, *args),
            "smaller": lambda s: dist.cdf(s, *args),
        }
        if alternative not in functions:
            raise ValueError("alternative must be 'two-sided', 'larger' or 'smaller'")
        pvalue = stat.map_partitions(_elementwise(functions[alternative]), meta=stat._meta)
        return stat, pvalue
