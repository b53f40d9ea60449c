"""A regularization path: penalized fits along a decreasing sequence of ``alpha``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from daskstats.results.plots import pyplot

__all__ = ["RegularizationPath"]


@dataclass(frozen=True)
class RegularizationPath:
    """Coefficients along a decreasing sequence of ``alpha``.

    Attributes
    ----------
    alphas : ndarray
    coefs : pandas.DataFrame
        One row per alpha, one column per term.
    results : list of GLMResults
        One fit per alpha.
    """

    alphas: np.ndarray
    coefs: pd.DataFrame
    results: list

    def plot(self, ax=None, log: bool = True):
        """Coefficient paths against alpha (matplotlib, an optional dependency)."""
        plt = pyplot()
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.5))
        for name in self.coefs.columns:
            ax.plot(self.alphas, self.coefs[name], label=name, marker=".")
        if log and np.all(self.alphas > 0):
            ax.set_xscale("log")
        ax.invert_xaxis()
        ax.set_xlabel("alpha")
        ax.set_ylabel("coefficient")
        ax.axhline(0, color="0.6", lw=0.8)
        if len(self.coefs.columns) <= 12:
            ax.legend(fontsize="small")
        ax.set_title("Regularization path")
        return ax
