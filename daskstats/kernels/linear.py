"""The two per-row quantities every kernel starts from: the linear predictor and the row
weights. Pure numpy on one :class:`~daskstats.design.block.Block`."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from daskstats.design.block import Block, dense_dot, dense_matrix, likelihood_weights, row_weights
from daskstats.design.layout import Coefficients, Layout
from daskstats.kernels.coded import add_coded_levels

__all__ = [
    "linear_predictor",
    "block_linear_predictor",
    "row_weights",
    "likelihood_weights",
    "row_slices",
    "dense_design",
    "ROWS_PER_SLICE",
]

#: rows per cache-sized slice (a tuning constant: 2M x 21 passes measured 0.18 s at 16k rows,
#: 0.24 s at 64k, 0.40 s at 256k)
ROWS_PER_SLICE = 8192

#: rows per chunk of element-wise work (η, μ, weights, deviance): every numpy call releases
#: and retakes the GIL, and on 8,192-row slices two threads spent more time handing it over
#: than computing (2M rows: 52 ms on one thread, 62 ms on two; 30 ms on two at 65,536)
ROWS_PER_CHUNK = 65536


def row_slices(nrows: int, size: int = ROWS_PER_SLICE) -> Iterator[slice]:
    """Consecutive slices of at most ``size`` rows covering ``0..nrows``."""
    for start in range(0, nrows, size):
        yield slice(start, min(start + size, nrows))


def linear_predictor(
    X: np.ndarray,
    codes: tuple[np.ndarray, ...],
    values: tuple[np.ndarray | None, ...],
    coefficients: Coefficients,
    offset: np.ndarray | None = None,
    ones: bool = False,
) -> np.ndarray:
    """``η = D β_d + Σ_t β_t[codes_t] · v_t + offset`` for rows with dense columns ``X``
    (n, p_d), per coded term the level codes and values (None: 1), and an optional offset.

    ``coefficients`` are the parameters split by
    :meth:`~daskstats.design.layout.Layout.split`; ``ones``: the dense design is ``[1, X]``.
    """
    eta = dense_dot(X, ones, coefficients.dense)
    for term_codes, term_values, levels in zip(codes, values, coefficients.levels):
        if term_values is None:
            eta += levels[term_codes]
        else:
            eta += levels[term_codes] * term_values
    if offset is not None:
        eta += offset
    return eta


def block_linear_predictor(
    block: Block, coefficients: Coefficients, rows: slice = slice(None)
) -> np.ndarray:
    """:func:`linear_predictor` on ``rows`` of a block (offset and log exposure included)."""
    if coefficients.levels and all(v is None for v in block.values):
        eta = dense_dot(block.X[rows], block.ones, coefficients.dense)
        if add_coded_levels(eta, block.codes, rows, coefficients.levels):
            if block.offset is not None:
                eta += block.offset[rows]
            return eta
    return linear_predictor(
        block.X[rows],
        tuple(c[rows] for c in block.term_codes()),
        tuple(None if v is None else v[rows] for v in block.values),
        coefficients,
        None if block.offset is None else block.offset[rows],
        block.ones,
    )


def dense_design(block: Block, layout: Layout, rows: slice = slice(None)) -> np.ndarray:
    """The design's ``rows`` as one dense ``(n, p)`` array in parameter order: the dense
    columns, and every coded term's indicator (times its value) columns (``O(n·p)`` memory:
    for the model's ``exog`` and the per-row covariances, not for a pass's sums)."""
    X = dense_matrix(block.X[rows], block.ones)
    n = X.shape[0]
    out = np.zeros((n, layout.n_params))
    out[:, layout.dense] = X
    for term, codes, values in zip(layout.coded, block.term_codes(), block.values):
        column = term.level_column[codes[rows]]
        has = column >= 0
        weight = np.ones(n) if values is None else values[rows]
        out[np.flatnonzero(has), term.columns[column[has]]] = weight[has]
    return out
