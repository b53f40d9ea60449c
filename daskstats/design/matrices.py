"""Response, dense design columns and level codes of one pandas frame under a
:class:`~daskstats.design.layout.Layout`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from daskstats.design.layout import Layout
from daskstats.formula import ModelSpec, build_matrices, level_codes, patsy_frame, rows_to_keep

__all__ = ["layout_matrices"]


def layout_matrices(
    spec: ModelSpec,
    layout: Layout,
    frame: pd.DataFrame,
    *,
    missing: str,
    with_response: bool = True,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """The matrices of one partition.

    Returns
    -------
    y : ndarray of shape (n_kept, k_y) or None
    X : ndarray of shape (n_kept, p_dense)
    kept : ndarray of int
        Positions of the kept rows in ``frame``.
    codes : tuple of ndarray of int32
        Per coded term, the level index (0..L-1, patsy's level order) of each kept row.
    """
    if not layout.coded:
        y, X, kept = build_matrices(spec, frame, missing=missing, with_response=with_response)
        return y, X, kept, ()
    local = patsy_frame(frame.reset_index(drop=True))
    evaluated = [level_codes(spec, t.factor_code, local, missing) for t in layout.coded]
    is_na = np.zeros(len(local), dtype=bool)
    for _, na in evaluated:
        is_na |= na
    positions = rows_to_keep(is_na, missing)
    if positions is not None:
        local = local.iloc[positions]
    dense_info = spec.x_subset(layout.dense_terms or ())
    if dense_info is not None:
        y, X, kept = build_matrices(
            spec, local, missing=missing, with_response=with_response, x_info=dense_info
        )
    elif with_response:  # only coded terms on the right: build the response alone
        y, _, kept = build_matrices(spec, local, missing=missing, x_info=spec.y_info)
        X = np.empty((len(kept), 0))
    else:
        y, kept, X = None, np.arange(len(local)), np.empty((len(local), 0))
    rows = kept if positions is None else positions[kept]
    return y, X, rows, tuple(codes[rows].astype(np.int32) for codes, _ in evaluated)
