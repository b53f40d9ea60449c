"""Per-row values a caller hands to a fitted model (``mu`` for ``estimate_scale``, cluster
``groups`` given at fit time, ...), split into one piece per block of the design.

statsmodels takes such arrays with one value per used row (``nobs``). daskstats accepts that,
and also one value per row of the input (what its per-row results for a dask input hold: every
row, NaN where one was dropped), in any kind: numpy, pandas, a dask Series/DataFrame with the
data's partitions, or a dask array with its row chunks. Each block takes its rows from its
piece (:func:`take_rows`); a length that fits neither is a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from daskstats.design.block import Block, DataSummary
from daskstats.errors import DataError

__all__ = [
    "RowPieces",
    "align_rows",
    "take_rows",
    "rows_kernel",
    "rows_kernel_none",
    "per_block",
]


@dataclass(frozen=True)
class RowPieces:
    """One piece per block (arrays, pandas objects or delayed ones).

    Attributes
    ----------
    pieces : list
    input_rows : bool or None
        The pieces hold every input row (each block keeps its used rows) — True — or only the
        used rows — False; None: decided per piece by its length.
    """

    pieces: list
    input_rows: bool | None


def _split(values, bounds: tuple) -> list:
    edges = np.cumsum((0, *bounds))
    if isinstance(values, (pd.Series, pd.DataFrame)):
        return [values.iloc[a:b] for a, b in zip(edges[:-1], edges[1:])]
    return [values[a:b] for a, b in zip(edges[:-1], edges[1:])]


def align_rows(values, summary: DataSummary, npartitions: int, what: str) -> RowPieces:
    """``values`` (one per used row, or one per input row) as one piece per block."""
    lengths, sizes = tuple(summary.lengths), tuple(summary.sizes)
    nobs, total = int(sum(lengths)), int(sum(sizes))
    expected = (
        f"one value per used row ({nobs}) or per input row ({total})"
        if nobs != total
        else f"one value per row ({nobs})"
    )
    if isinstance(values, (dd.Series, dd.DataFrame)):
        if values.npartitions != npartitions:
            raise DataError(
                f"{what} has {values.npartitions} partitions but the data has {npartitions}: "
                "give it with the data's partitions (or as a numpy/pandas array)."
            )
        return RowPieces(list(values.to_delayed()), None)
    if isinstance(values, da.Array):
        if values.ndim == 0 or np.any(np.isnan(values.chunks[0])):
            raise DataError(
                f"{what}: a dask array with unknown chunk sizes; call compute_chunk_sizes()."
            )
        chunks = tuple(int(c) for c in values.chunks[0])
        if values.ndim == 2:
            values = values.rechunk({1: -1})
        if chunks == sizes:
            return RowPieces(list(values.to_delayed().ravel()), True)
        if chunks == lengths:
            return RowPieces(list(values.to_delayed().ravel()), False)
        raise DataError(
            f"{what} is a dask array with row chunks {chunks}; it needs the data's row chunks "
            f"{sizes} (or the used rows' {lengths})."
        )
    if not isinstance(values, (pd.Series, pd.DataFrame)):
        values = np.asarray(values)
    n = len(values)
    if n == nobs:
        return RowPieces(_split(values, lengths), False)
    if n == total:
        return RowPieces(_split(values, sizes), True)
    raise DataError(f"{what} has {n} values; it needs {expected}.")


def take_rows(block: Block, piece, input_rows: bool | None):
    """The rows of ``piece`` that ``block`` uses (as numpy, or pandas for a frame)."""
    n_used = block.nrows
    n = len(piece)
    if input_rows is None:
        input_rows = n != n_used
    if input_rows and block.kept is not None:
        if isinstance(piece, (pd.Series, pd.DataFrame)):
            piece = piece.iloc[block.kept]
        else:
            piece = np.asarray(piece)[block.kept]
    if len(piece) != n_used:
        raise DataError(
            f"a piece of per-row values has {n} rows where its partition has {n_used} used "
            "rows: give one value per used row, or per input row with the data's partitions."
        )
    return piece


def rows_kernel(block: Block, piece, input_rows: bool | None, kernel, *args):
    """``kernel(block, rows, *args)`` with ``rows`` the block's used rows of ``piece`` (for
    :meth:`~daskstats.passes.runner.PassRunner.run` with ``per_block``)."""
    return kernel(block, take_rows(block, piece, input_rows), *args)


def rows_kernel_none(block: Block, kernel, *args):
    """``kernel(block, None, *args)``: a rows kernel without per-row values."""
    return kernel(block, None, *args)


def per_block(rows: RowPieces) -> list[tuple]:
    """The ``per_block`` arguments of :func:`rows_kernel`."""
    return [(piece, rows.input_rows) for piece in rows.pieces]
