"""One partition of a pandas frame → one :class:`~daskstats.design.block.Block`.

A :class:`BlockBuilder` holds everything needed (learned spec, layout, the names of the
offset/exposure/weight/group columns, the missing-value rule) and is applied to every partition
by :mod:`daskstats.passes.source`, once when the design is persisted or on every pass when it
is streamed from the source.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from daskstats.design.block import Block, summarize
from daskstats.design.extras import ExtraColumns
from daskstats.design.layout import Layout
from daskstats.design.matrices import layout_matrices
from daskstats.errors import DataError
from daskstats.formula import ModelSpec, rows_to_keep

__all__ = ["BlockBuilder", "combined_offset"]

_MISSING_EXTRAS = (
    "missing values in the offset, exposure, weights or cluster groups and missing='raise'; "
    "pass missing='drop' to drop those rows as statsmodels does."
)


def _as_float(values: pd.Series, what: str) -> np.ndarray:
    try:
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise DataError(
            f"the {what} column has non-numeric values (dtype {values.dtype}); it must be numeric."
        ) from None


def combined_offset(offset: np.ndarray | None, exposure: np.ndarray | None) -> np.ndarray | None:
    """``offset + log(exposure)`` (either may be absent; a non-positive exposure gives a
    non-finite value, refused by the data checks)."""
    if exposure is None:
        return offset
    with np.errstate(divide="ignore", invalid="ignore"):
        log_exposure = np.log(exposure)
    return log_exposure if offset is None else offset + log_exposure


def _code_rows(codes: tuple[np.ndarray, ...]):
    """The coded terms' codes as one term-major ``(k, n)`` array of the widest type they need
    (the compiled kernels read it as it is), or ``()``."""
    if not codes:
        return ()
    return np.ascontiguousarray(np.stack(codes, axis=0), dtype=np.result_type(*codes))


@dataclass(frozen=True)
class BlockBuilder:
    """Builds the block of one partition (a callable on pandas frames).

    Attributes
    ----------
    spec : ModelSpec
    layout : Layout
    extras : ExtraColumns
        Names of the non-formula columns in the prepared frame.
    missing : {"drop", "raise"}
    two_column_binomial : bool
        The response ``successes + failures`` becomes proportions and trials.
    """

    spec: ModelSpec
    layout: Layout
    extras: ExtraColumns
    missing: str
    two_column_binomial: bool = False

    @property
    def columns(self) -> list[str]:
        """Columns of the prepared frame a block is built from."""
        extras = self.extras
        return list(
            dict.fromkeys([*self.spec.variables, *extras.numeric().values(), *extras.groups])
        )

    def __call__(self, frame: pd.DataFrame) -> Block:
        extras = self.extras
        n_rows = len(frame)
        values = {key: _as_float(frame[col], key) for key, col in extras.numeric().items()}
        bad = np.zeros(n_rows, dtype=bool)
        for arr in values.values():
            bad |= np.isnan(arr)
        for col in extras.groups:
            bad |= frame[col].isna().to_numpy()
        positions = rows_to_keep(bad, self.missing, _MISSING_EXTRAS)
        if positions is not None:
            frame = frame.iloc[positions]
        # the frame as it is (its formula columns are read by name): selecting columns as a
        # frame would make pandas copy them
        matrices = layout_matrices(
            self.spec,
            self.layout,
            frame,
            missing=self.missing,
            views=True,
        )
        y, kept = matrices.y, matrices.kept
        assert y is not None  # built with the response
        local = kept
        if positions is not None:
            kept = positions[kept]
        trials = None
        if y.shape[1] == 2 and self.two_column_binomial:
            trials = y.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                response = y[:, 0] / trials
        elif y.shape[1] != 1:
            raise DataError(
                f"the response has {y.shape[1]} columns ({', '.join(self.spec.endog_names)}); "
                "a two-column response 'successes + failures ~ ...' needs the Binomial family."
            )
        else:
            response = np.ascontiguousarray(y[:, 0])
        kept_values = {key: arr[kept] for key, arr in values.items()}
        exposure = kept_values.get("exposure")
        offset = combined_offset(kept_values.get("offset"), exposure)
        groups = None
        if extras.groups:
            groups = frame.iloc[local][list(extras.groups)].reset_index(drop=True)
        block = Block(
            X=matrices.X,
            y=response,
            codes=_code_rows(matrices.codes),
            values=matrices.values,
            offset=offset,
            freq_weights=kept_values.get("freq_weights"),
            var_weights=kept_values.get("var_weights"),
            trials=trials,
            groups=groups,
            kept=None if len(kept) == n_rows else kept,
            ones=matrices.ones,
        )
        # checked before the fit, at no extra pass
        summary = summarize(
            block, exposure=exposure, dropped=n_rows - len(kept), x_range=matrices.x_range
        )
        return dataclasses.replace(block, summary=summary)
