"""Checks of a model's data made before any pass of a fit, from the summed
:class:`~daskstats.design.block.DataSummary` (no pass of their own)."""

from __future__ import annotations

from daskstats.design.block import DataSummary
from daskstats.errors import DataError

__all__ = ["check_data"]


def check_data(summary: DataSummary, n_params: int) -> None:
    """Raise :class:`DataError`, saying what to fix, for data that cannot be fitted."""
    if summary.nobs == 0:
        raise DataError(
            f"no rows left to fit: {summary.dropped} rows were dropped for missing values in "
            "the used columns (missing='drop'); check the data for NaN."
            if summary.dropped
            else "the data has no rows: there is nothing to fit."
        )
    if summary.nonfinite_X or summary.nonfinite_y:
        raise DataError(
            "the design or the response has infinite values (±inf), e.g. from np.log(0) or "
            "a division by zero; remove or replace them before fitting."
        )
    if summary.exposure_min <= 0:
        raise DataError("exposure must be strictly positive (it is logged).")
    for column, what in (
        (summary.offset, "offset/exposure"),
        (summary.freq_weights, "freq_weights"),
        (summary.var_weights, "var_weights"),
    ):
        if column is not None and column.nonfinite:
            raise DataError(f"{what} has infinite values; they must be finite.")
    for column, what in (
        (summary.freq_weights, "freq_weights"),
        (summary.var_weights, "var_weights"),
    ):
        if column is not None and column.min < 0:
            raise DataError(f"{what} must be non-negative.")
    if summary.nobs < n_params:
        raise DataError(
            f"{summary.nobs} rows for {n_params} parameters: the model needs at least as many "
            "rows as parameters."
        )
