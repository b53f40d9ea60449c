"""``ds.compare(a, b)``: two fits side by side, with their differences.

The comparison users make when they port a statsmodels fit (or check a refit on more data):
coefficients, standard errors and p-values matched by name, then the fit statistics both fits
have, each with the absolute and relative difference. Either fit may be daskstats' or
statsmodels' (any model: GLM, OLS, Logit, ...).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["compare", "FIT_STATISTICS"]

#: the fit statistics compared when both fits have them
FIT_STATISTICS = (
    "nobs",
    "df_model",
    "df_resid",
    "llf",
    "llnull",
    "deviance",
    "null_deviance",
    "pearson_chi2",
    "scale",
    "aic",
    "bic_llf",
    "rsquared",
    "rsquared_adj",
    "prsquared",
    "ssr",
    "fvalue",
)


def _names(results: Any) -> list[str]:
    params = results.params
    if isinstance(params, pd.Series):
        return [str(name) for name in params.index]
    names = getattr(getattr(results, "model", None), "exog_names", None)
    if names is not None and len(names) == len(np.atleast_1d(params)):
        return [str(name) for name in names]
    return [f"x{i}" for i in range(len(np.atleast_1d(params)))]


def _per_parameter(results: Any, what: str) -> pd.Series:
    try:
        values = np.asarray(getattr(results, what), dtype=float).reshape(-1)
    except Exception:  # noqa: BLE001 (a fit without this attribute: left out)
        values = np.full(len(_names(results)), np.nan)
    return pd.Series(values, index=_names(results))


def _statistic(results: Any, name: str) -> float | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' bic/llnull notices, pseudo-R² notes
        try:
            value = getattr(results, name)
        except Exception:  # noqa: BLE001 (not defined for this model or family)
            return None
    if callable(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def compare(a: Any, b: Any, names: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
    """Two fits side by side.

    Parameters
    ----------
    a, b : daskstats or statsmodels results object
        daskstats or statsmodels results (any model).
    names : (str, str)
        Column names of the two fits.

    Returns
    -------
    pandas.DataFrame
        Rows indexed by ``(quantity, name)``: ``("params", column)``, ``("bse", column)``,
        ``("pvalues", column)`` for every column of either fit (matched by name; NaN where a
        fit lacks it), then ``("fit", statistic)`` for each of :data:`FIT_STATISTICS` both
        fits have. Columns: the two fits' values, ``abs_diff`` = ``|a − b|`` and
        ``rel_diff`` = ``|a − b| / |b|`` (``b`` is the reference).
    """
    first, second = names
    if first == second:
        raise ValueError(f"the two names must differ, got {names!r}.")
    blocks = []
    for what in ("params", "bse", "pvalues"):
        left, right = _per_parameter(a, what), _per_parameter(b, what)
        order = list(left.index) + [n for n in right.index if n not in left.index]
        frame = pd.DataFrame(
            {first: left.reindex(order), second: right.reindex(order)}, index=order
        )
        frame.index = pd.MultiIndex.from_product([[what], order], names=["quantity", "name"])
        blocks.append(frame)
    rows = {}
    for name in FIT_STATISTICS:
        value_a, value_b = _statistic(a, name), _statistic(b, name)
        if value_a is not None and value_b is not None:
            rows[("fit", name)] = (value_a, value_b)
    if rows:
        stats = pd.DataFrame.from_dict(rows, orient="index", columns=[first, second])
        stats.index = pd.MultiIndex.from_tuples(list(rows), names=["quantity", "name"])
        blocks.append(stats)
    out = pd.concat(blocks)
    out["abs_diff"] = (out[first] - out[second]).abs()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rel_diff"] = (out["abs_diff"] / out[second].abs()).where(out["abs_diff"] != 0, 0.0)
    return out
