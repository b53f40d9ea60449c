"""Design: the response, design matrix, offset and weights as one block per partition.

The design is built once per partition from the learned :class:`~daskstats.formula.ModelSpec`
(``map`` over ``ddf.to_delayed()``), and persisted when it fits in memory, so IRLS passes
never rebuild it.  When it is not persisted every pass rebuilds each block from the source
(reading each needed column once per pass).
"""

from __future__ import annotations

from dataclasses import dataclass

import dask
import numpy as np
import pandas as pd
from dask.delayed import delayed

from daskstats.errors import DataError
from daskstats.formula import ModelSpec, build_block_matrices, rows_to_keep
from daskstats.kernels import summary_pass
from daskstats.layout import Layout

__all__ = ["Design", "build_design", "ExtraColumns", "block_from_frame"]

#: persist the design automatically when it takes at most this fraction of the memory available
PERSIST_FRACTION = 0.5


@dataclass(frozen=True)
class ExtraColumns:
    """Names (inside the prepared frame) of the non-formula columns of the model."""

    offset: str | None = None
    exposure: str | None = None
    freq_weights: str | None = None
    var_weights: str | None = None
    groups: tuple[str, ...] = ()

    def numeric(self) -> dict[str, str]:
        items = {
            "off": self.offset,
            "exp": self.exposure,
            "fw": self.freq_weights,
            "vw": self.var_weights,
        }
        return {k: v for k, v in items.items() if v is not None}


def _as_float(values: pd.Series, what: str) -> np.ndarray:
    try:
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise DataError(
            f"the {what} column has non-numeric values (dtype {values.dtype}); it must be numeric."
        ) from None


_WHAT = {"off": "offset", "exp": "exposure", "fw": "freq_weights", "vw": "var_weights"}


def block_from_frame(
    frame: pd.DataFrame,
    spec: ModelSpec,
    layout: Layout,
    extras: ExtraColumns,
    missing: str,
    two_column_binomial: bool,
) -> dict:
    """Build one partition's block dict (see :mod:`daskstats.kernels`)."""
    n_rows = len(frame)
    values = {key: _as_float(frame[col], _WHAT[key]) for key, col in extras.numeric().items()}
    bad = np.zeros(n_rows, dtype=bool)
    for arr in values.values():
        bad |= np.isnan(arr)
    for col in extras.groups:
        bad |= frame[col].isna().to_numpy()
    positions = rows_to_keep(
        bad,
        missing,
        "missing values in the offset, exposure, weights or cluster groups and "
        "missing='raise'; pass missing='drop' to drop those rows as statsmodels does.",
    )
    if positions is not None:
        frame = frame.iloc[positions]
    y, X, kept, codes = build_block_matrices(
        spec, layout, frame[list(spec.variables)], missing=missing
    )
    if positions is not None:
        kept = positions[kept]
    block: dict = {"X": X, "codes": codes, "dropped": n_rows - len(kept)}
    if y.shape[1] == 2 and two_column_binomial:
        trials = y.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            block["y"] = y[:, 0] / trials
        block["n"] = trials
    elif y.shape[1] != 1:
        raise DataError(
            f"the response has {y.shape[1]} columns ({', '.join(spec.endog_names)}); a "
            "two-column response 'successes + failures ~ ...' is only valid with the Binomial "
            "family."
        )
    else:
        block["y"] = np.ascontiguousarray(y[:, 0])
    kept_values = {key: arr[kept] for key, arr in values.items()}
    offset = kept_values.get("off")
    if "exp" in kept_values:
        exposure = kept_values["exp"]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_exposure = np.log(exposure)
        offset = log_exposure if offset is None else offset + log_exposure
    block["off"] = offset
    block["fw"] = kept_values.get("fw")
    block["vw"] = kept_values.get("vw")
    if "exp" in kept_values:
        block["min_exposure"] = float(kept_values["exp"].min()) if len(kept) else np.inf
    if extras.groups:
        block["groups"] = frame.iloc[
            kept if positions is None else np.searchsorted(positions, kept)
        ][list(extras.groups)].reset_index(drop=True)
    block["summary"] = summary_pass(block)  # checked before the fit, at no extra pass
    return block


@dataclass
class Design:
    """The model's data as per-partition blocks.

    Attributes
    ----------
    spec : ModelSpec
    layout : Layout
        Which columns are dense and which categorical term is kept as level codes.
    blocks : list of dask.delayed.Delayed
        One block dict per partition.
    persisted : bool
        Whether the blocks are held in memory (computed once) or rebuilt on every pass.
    fusable : bool
        Whether a streamed block can be read, built and reduced in one task (each partition
        of the source is a single root task, e.g. one parquet read): then no block is ever held
        (or spilled) between tasks.
    """

    spec: ModelSpec
    layout: Layout
    blocks: list
    persisted: bool
    fusable: bool = False

    @property
    def exog_names(self) -> list[str]:
        return self.spec.exog_names


def _memory_available() -> float:
    try:
        from distributed import get_client

        client = get_client()
        info = client.scheduler_info()
        limits = [w.get("memory_limit", 0) or 0 for w in info["workers"].values()]
        return float(sum(limits)) if all(limits) else float("inf")
    except (ImportError, ValueError):
        pass
    try:
        import os

        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return float("inf")


def build_design(
    data,
    spec: ModelSpec,
    layout: Layout,
    extras: ExtraColumns,
    *,
    missing: str,
    two_column_binomial: bool,
    persist: bool | None,
) -> Design:
    """Build (and persist when it fits in memory, or when asked) the design blocks."""
    columns = list(
        dict.fromkeys(
            list(spec.variables) + [c for c in extras.numeric().values()] + list(extras.groups)
        )
    )
    frame = data[columns]
    parts = frame.to_delayed()
    blocks = [
        delayed(block_from_frame)(part, spec, layout, extras, missing, two_column_binomial)
        for part in parts
    ]
    if persist is None:
        persist = _decide_persist(frame, len(layout.dense) + 1)
    if persist:
        blocks = list(dask.persist(*blocks))
    # one root task per partition (all partitions share one graph holding just those tasks)
    fusable = not persist and len(parts[0].__dask_graph__()) == len(parts)
    return Design(spec=spec, layout=layout, blocks=blocks, persisted=bool(persist), fusable=fusable)


def _decide_persist(frame, n_columns: int) -> bool:
    """Persist when the design takes at most :data:`PERSIST_FRACTION` of the memory available.

    The row count comes from ``len(frame)``: free for in-memory data, read from the parquet
    metadata for parquet sources (a pass over the data only for text formats).
    """
    n_rows = len(frame)
    size = float(n_rows) * (n_columns + 4) * 8
    return size <= PERSIST_FRACTION * _memory_available()
