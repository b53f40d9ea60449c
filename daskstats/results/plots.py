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
    params = results.estimates
    ci = pd.DataFrame(np.asarray(results.conf_int(alpha)), index=params.index)
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
    lists = {k: v[1:] for k, v in results.fit_history.items() if isinstance(v, list)}
    history = pd.DataFrame({k: v for k, v in lists.items() if k != "params"})
    history["iteration"] = np.arange(len(history))
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    value = history["objective"] if "objective" in history else history["deviance_unscaled"]
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

    mu, resid = _pieces(results.mu), _pieces(results.resid_response)
    bounds = dask.compute([dask.delayed(_bounds)(m) for m in mu])[0]
    lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
    edges = np.linspace(lo, hi, bins + 1)
    parts = dask.compute([dask.delayed(_bin_sums)(m, r, edges) for m, r in zip(mu, resid)])[0]
    count, sums, squares, fitted = np.sum(parts, axis=0)
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


def _pieces(values) -> list:
    """A per-row quantity as a list of pieces: dask partitions as delayed objects (no
    conversion to a dask array, whose graph dask cannot build for ``from_delayed`` frames),
    or one numpy array."""
    if hasattr(values, "to_delayed"):
        return list(values.to_delayed())
    return [np.asarray(values, dtype=float)]


def _bounds(mu) -> tuple[float, float]:
    """Smallest and largest finite value of one piece (``(inf, -inf)`` when it has none)."""
    mu = np.asarray(mu, dtype=float)
    mu = mu[np.isfinite(mu)]
    return (float(mu.min()), float(mu.max())) if mu.size else (np.inf, -np.inf)


def _bin_sums(mu, resid, edges) -> np.ndarray:
    """Rows, residual sum, residual sum of squares and fitted sum per bin of one piece."""
    mu, resid = np.asarray(mu, dtype=float), np.asarray(resid, dtype=float)
    finite = np.isfinite(mu) & np.isfinite(resid)
    mu, resid = mu[finite], resid[finite]
    bins = len(edges) - 1
    index = np.clip(np.digitize(mu, edges[1:-1]), 0, bins - 1)
    return np.stack(
        [
            np.bincount(index, minlength=bins).astype(float),
            np.bincount(index, weights=resid, minlength=bins),
            np.bincount(index, weights=resid * resid, minlength=bins),
            np.bincount(index, weights=mu, minlength=bins),
        ]
    )


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
