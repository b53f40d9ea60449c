"""statsmodels' data attributes of a model: ``endog``, ``exog``, ``offset``, ``exposure``,
the weights, ``n_trials``, counts and degrees of freedom.

They are the used rows (after missing values were dropped), as statsmodels' are: numpy arrays
for numpy or pandas input, dask arrays (lazy, with the used rows' chunks) for dask input.
``exposure`` is logged, as statsmodels stores it. Counts come from the checks' summary (no
pass for a persisted design).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from daskstats.design.arrays import ArraySpec
from daskstats.design.block import Block
from daskstats.errors import DataError
from daskstats.kernels.linear import dense_design
from daskstats.kernels.regression import constant_gram_pass
from daskstats.linalg.gram import full_matrix, full_rhs
from daskstats.passes.rows import used_columns, used_rows

__all__ = ["ModelData", "series_name"]

EXTRA_NAMES = ("offset", "exposure", "freq_weights", "var_weights")


def series_name(value, default: str) -> str | None:
    """statsmodels' ``*_name`` of an offset/exposure/weights argument: a column name as given,
    a Series' name, else ``default`` (None when nothing was given)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else default


def _endog(block: Block) -> np.ndarray:
    return block.y


def _exog(block: Block, layout) -> np.ndarray:
    return dense_design(block, layout)


def _trials(block: Block) -> np.ndarray:
    return np.ones(block.nrows) if block.trials is None else block.trials


class ModelData:
    """Data attributes (a mixin of :class:`~daskstats.models.base.Model`)."""

    # Provided by the model this is mixed into.
    spec: Any
    layout: Any
    extras: Any
    frame: Any
    builder: Any
    runner: Any
    input_format: Any
    extra_names: dict
    data_summary: Any
    _require_data: Any

    # --- counts ---------------------------------------------------------------------------
    @property
    def nobs(self) -> int:
        """Rows used (after dropping missing values)."""
        return int(self.data_summary().nobs)

    @property
    def wnobs(self) -> float:
        """Sum of the frequency weights (``nobs`` without them)."""
        summary = self.data_summary()
        return float(summary.wnobs) if self.extras.freq_weights is not None else float(summary.nobs)

    def _default_df_model(self) -> float:
        """The GLM's: parameters minus one (regression and discrete models count the
        constant instead)."""
        return float(self.layout.n_params - 1)

    @property
    def df_model(self) -> float:
        """Parameters minus one (the design is full rank: a rank-deficient one is refused);
        settable, as statsmodels' (results of later fits use the value set)."""
        given = self.__dict__.get("_df_model")
        return self._default_df_model() if given is None else float(given)

    @df_model.setter
    def df_model(self, value: float) -> None:
        self.__dict__["_df_model"] = float(value)

    @property
    def df_resid(self) -> float:
        """``wnobs - df_model - 1`` (settable, as statsmodels')."""
        given = self.__dict__.get("_df_resid")
        return self.wnobs - float(self.layout.n_params) if given is None else float(given)

    @df_resid.setter
    def df_resid(self, value: float) -> None:
        self.__dict__["_df_resid"] = float(value)

    @property
    def k_constant(self) -> int:
        """1 when the design holds a constant, explicitly (an intercept or a constant column)
        or implicitly (columns that add up to one, e.g. every level of a factor: one pass to
        find out, as statsmodels' rank check), else 0; ``hasconst`` overrides it."""
        given = getattr(self, "hasconst", None)
        if given is not None:
            return int(bool(given))
        if self.has_explicit_constant:
            return 1
        cached = self.__dict__.get("_implicit_constant")
        if cached is None:
            cached = self.__dict__["_implicit_constant"] = self._implicit_constant()
        return cached

    @property
    def has_explicit_constant(self) -> bool:
        """An intercept or a constant column."""
        spec = self.spec
        if isinstance(spec, ArraySpec):
            if spec.constant is None:
                self.data_summary()
                spec = self.spec
            return bool(np.any(spec.constant))
        return self.layout.intercept is not None

    def _implicit_constant(self) -> int:
        """Whether a constant lies in the design's column space (one pass over ``XᵀX``)."""
        if getattr(self, "runner", None) is None or self.layout.n_params == 0:
            return 0
        gram = self.runner.run(constant_gram_pass, self.layout, name="constant check", pooled=True)
        A, s = full_matrix(gram, self.layout), full_rhs(gram, self.layout)
        n = float(self.data_summary().nobs)
        solution = np.linalg.lstsq(A, s, rcond=None)[0]
        return int(n - float(s @ solution) <= 1e-9 * n)

    # --- per-row data ---------------------------------------------------------------------
    def _rows(self, fn, args: tuple = (), width: int | None = None):
        self._require_data()
        summary = self.data_summary()
        return used_rows(
            self.runner.blocks, fn, args, summary.lengths, self.input_format.lazy, width
        )

    def _column(self, column: str):
        self._require_data()
        summary = self.data_summary()
        return used_columns(
            self.frame, self.builder, [column], summary.lengths, self.input_format.lazy
        )

    @property
    def endog(self):
        """The response of the used rows (proportions for a two-column binomial response)."""
        return self._rows(_endog)

    @property
    def exog(self):
        """The design of the used rows, ``(nobs, k)`` in parameter order (coded categorical
        terms expanded into their indicator columns)."""
        return self._rows(_exog, (self.layout,), width=self.layout.n_params)

    @property
    def offset(self):
        """The offset of the used rows (None without one)."""
        return None if self.extras.offset is None else self._column(self.extras.offset)

    @property
    def exposure(self):
        """``log(exposure)`` of the used rows, as statsmodels stores it (None without one)."""
        if self.extras.exposure is None:
            return None
        values = self._column(self.extras.exposure)
        return np.log(values)

    def _weights(self, name: str):
        column = getattr(self.extras, name)
        if column is None:
            return self._rows(_ones)
        return self._column(column)

    @property
    def freq_weights(self):
        """Frequency weights of the used rows (ones without them, as statsmodels)."""
        return self._weights("freq_weights")

    @property
    def var_weights(self):
        """Variance weights of the used rows (ones without them)."""
        return self._weights("var_weights")

    @property
    def iweights(self):
        """``freq_weights * var_weights``."""
        return self.freq_weights * self.var_weights

    @property
    def n_trials(self):
        """Binomial trials of a two-column response (ones otherwise)."""
        return self._rows(_trials)

    def _get_init_kwds(self) -> dict:
        """statsmodels' constructor keywords of this model (the used rows' arrays): a model
        rebuilt with ``type(model)(model.endog, model.exog, **kwds)`` is the same model."""
        exposure = self.exposure
        return {
            "family": getattr(self, "family", None),
            "offset": self.offset,
            "exposure": None if exposure is None else np.exp(exposure),
            "freq_weights": None if self.extras.freq_weights is None else self.freq_weights,
            "var_weights": None if self.extras.var_weights is None else self.var_weights,
        }

    # --- names ----------------------------------------------------------------------------
    def _extra_name(self, name: str) -> str | None:
        names = getattr(self, "extra_names", None) or {}
        return names.get(name)

    @property
    def offset_name(self) -> str | None:
        """Name of the offset: its column, or its Series' name, else ``"offset"``."""
        return self._extra_name("offset")

    @property
    def exposure_name(self) -> str | None:
        """Name of the exposure: its column, or its Series' name, else ``"exposure"``."""
        return self._extra_name("exposure")

    @property
    def freq_weights_name(self) -> str | None:
        return self._extra_name("freq_weights")

    @property
    def var_weights_name(self) -> str | None:
        return self._extra_name("var_weights")


def _ones(block: Block) -> np.ndarray:
    return np.ones(block.nrows)


def check_params(params, k: int, names: list[str]) -> np.ndarray:
    """``params`` as a float vector of the model's ``k`` parameters (clear error otherwise)."""
    array = np.asarray(params, dtype=float).ravel()
    if array.shape != (k,):
        raise DataError(f"params must have {k} values ({', '.join(names)}), got {array.size}.")
    return array
