"""Plots of fitted results (matplotlib is an optional dependency: ``daskstats[plot]``).

The binned residual plot is computed by dask: rows are binned by their fitted value and the
per-bin means are reduced on the workers, so no scatter of every row is ever drawn or moved.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "pyplot",
    "plot_coefficients",
    "plot_convergence",
    "plot_binned_residuals",
    "binned_residuals",
]


def pyplot():
    """matplotlib's pyplot, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install 'daskstats[plot]'") from None
    return plt


def plot_coefficients(results, alpha: float = 0.05, ax=None, drop_intercept: bool = True):
    """Estimates with their ``1 − alpha`` confidence intervals (one row per term)."""
    plt = pyplot()
    params = results.params
    ci = results.conf_int(alpha)
    if drop_intercept and "Intercept" in params.index:
        params, ci = params.drop("Intercept"), ci.drop("Intercept")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(params) + 1.5))
    y = np.arange(len(params))[::-1]
    err = np.vstack([params - ci[0], ci[1] - params])
    finite = np.all(np.isfinite(err), axis=0)
    ax.errorbar(params[finite], y[finite], xerr=err[:, finite], fmt="o", capsize=3)
    ax.plot(params[~finite], y[~finite], "o", color="C1")
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_yticks(y, params.index)
    ax.set_xlabel(f"estimate with {100 * (1 - alpha):.0f}% interval")
    ax.set_title("Coefficients")
    return ax


def plot_convergence(results, ax=None):
    """Deviance (or penalized objective) per iteration and its relative change."""
    plt = pyplot()
    history = pd.DataFrame(results.fit_history)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    value = history["objective"] if "objective" in history else history["deviance"]
    ax.plot(history["iteration"], value, marker="o", label="deviance / objective")
    ax.set_xlabel("iteration")
    ax.set_ylabel("deviance")
    change = history["rel_change"].replace(0, np.nan)
    if change.notna().any():
        twin = ax.twinx()
        twin.semilogy(history["iteration"], change, marker="s", color="C1", label="relative change")
        twin.set_ylabel("relative change")
    ax.set_title(f"Convergence: {results.n_iter} iterations, {results.passes} passes")
    return ax


def binned_residuals(results, bins: int = 20):
    """Mean fitted value, mean residual and its standard error per bin of the fitted value.

    Computed with dask in two passes over the fitted rows (quantile edges, then the per-bin
    sums); returns a small pandas DataFrame.
    """
    import dask
    import dask.array as da

    mu = results.mu
    resid = results.resid_response
    lo, hi = dask.compute(mu.min(), mu.max())
    edges = np.linspace(lo, hi, bins + 1)
    index = da.clip(da.digitize(mu, edges[1:-1]), 0, bins - 1)
    count = da.bincount(index, minlength=bins)
    sums = da.bincount(index, weights=resid, minlength=bins)
    squares = da.bincount(index, weights=resid * resid, minlength=bins)
    fitted = da.bincount(index, weights=mu, minlength=bins)
    count, sums, squares, fitted = dask.compute(count, sums, squares, fitted)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / count
        variance = squares / count - mean**2
        frame = pd.DataFrame(
            {
                "fitted": fitted / count,
                "resid": mean,
                "se": np.sqrt(np.maximum(variance, 0) / count),
                "rows": count,
            }
        )
    return frame[frame["rows"] > 0].reset_index(drop=True)


def plot_binned_residuals(results, bins: int = 20, ax=None):
    """Binned residuals against the fitted value with ±2 standard-error bands."""
    plt = pyplot()
    frame = binned_residuals(results, bins)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.plot(frame["fitted"], frame["resid"], "o")
    ax.fill_between(
        frame["fitted"], -2 * frame["se"], 2 * frame["se"], color="0.85", label="±2 s.e."
    )
    ax.axhline(0, color="0.4", lw=0.8)
    ax.set_xlabel("fitted value (bin mean)")
    ax.set_ylabel("mean response residual")
    ax.set_title(f"Binned residuals ({len(frame)} bins)")
    ax.legend()
    return ax
