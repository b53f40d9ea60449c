"""``res.get_influence()``: statsmodels' ``GLMInfluence`` measures, one row per used row, in
the kind of the data (numpy or pandas in memory; lazy dask for dask data), computed in one
pass from the fit's inverse information (:mod:`daskstats.kernels.influence`)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

__all__ = ["GLMInfluence"]


class GLMInfluence:
    """Influence and outlier measures of a GLM fit (statsmodels' ``GLMInfluence`` names).

    Attributes
    ----------
    hat_matrix_diag, resid_studentized, cooks_distance, d_params, dfbetas, d_linpred,
    d_fittedvalues, d_fittedvalues_scaled
        As statsmodels; ``cooks_distance`` is ``(distance, p-value)``.
    results : GLMResults
    """

    def __init__(self, results, frame, names: list[str]):
        self.results = results
        self._frame = frame
        self._names = names
        self.k_vars = len(names)
        self.nobs = results.nobs

    def _column(self, name: str):
        column = self._frame[name]
        return column.to_numpy() if hasattr(column, "to_numpy") and not _lazy(column) else column

    def _columns(self, prefix: str):
        block = self._frame[[f"{prefix}{n}" for n in self._names]]
        return block if _lazy(block) else block.to_numpy()

    @cached_property
    def hat_matrix_diag(self) -> Any:
        return self._column("hat_diag")

    @cached_property
    def resid_studentized(self) -> Any:
        return self._column("standard_resid")

    @cached_property
    def cooks_distance(self) -> tuple:
        return self._column("cooks_d"), self._column("cooks_pvalue")

    @cached_property
    def d_params(self) -> Any:
        return self._columns("dparams_")

    @cached_property
    def dfbetas(self) -> Any:
        return self._columns("dfb_")

    @cached_property
    def d_linpred(self) -> Any:
        return self._column("d_linpred")

    @cached_property
    def d_fittedvalues(self) -> Any:
        return self._column("d_fittedvalues")

    @cached_property
    def d_fittedvalues_scaled(self) -> Any:
        return self._column("dffits_internal")

    @property
    def params_one(self) -> Any:
        """The estimates without each row (one-step approximation)."""
        return np.asarray(self.results.params_array) - self.d_params

    def summary_frame(self):
        """statsmodels' summary frame: ``dfb_*``, ``cooks_d``, ``standard_resid``,
        ``hat_diag``, ``dffits_internal`` (a DataFrame; lazy for dask data)."""
        columns = [f"dfb_{n}" for n in self._names] + [
            "cooks_d",
            "standard_resid",
            "hat_diag",
            "dffits_internal",
        ]
        return self._frame[columns]


def _lazy(value) -> bool:
    return hasattr(value, "dask")
