"""Which terms of a learned spec are kept as level codes (see :mod:`daskstats.design.layout`).

A term is coded when every one of patsy's subterms of it is: its categorical factors use a
contrast that selects one column per level (Treatment with any reference, or full-rank
indicators) and its numeric factors have one column each. Other contrasts (Sum, Helmert, Diff,
Poly) and multi-column numeric factors (splines) keep the term as dense columns.
"""

from __future__ import annotations

import numpy as np
import patsy

from daskstats.design.layout import CodedTerm, Layout
from daskstats.formula.contrasts import selector_columns
from daskstats.formula.spec import ModelSpec

__all__ = ["plan_layout", "coded_terms"]


def _coded_subterm(term, subterm, info: patsy.DesignInfo, start: int) -> CodedTerm | None:
    """The subterm as a :class:`CodedTerm` (columns from ``start``), or None."""
    categorical, numeric = [], []
    for factor in subterm.factors:
        factor_info = info.factor_infos[factor]
        if factor_info.type == "categorical":
            categorical.append(factor)
        elif factor_info.num_columns == 1:
            numeric.append(factor)
        else:
            return None
    if not categorical:
        return None
    selectors, n_columns = [], []
    for factor in categorical:
        matrix = subterm.contrast_matrices[factor].matrix
        column = selector_columns(matrix)
        if column is None:
            return None
        selectors.append(np.asarray(column, dtype=np.int64))
        n_columns.append(matrix.shape[1])
    # patsy's column of a combination: the left-most factor iterates fastest, and so does
    # the combined level (CodedTerm.combine_codes)
    sizes = tuple(len(s) for s in selectors)
    grids = np.meshgrid(*[np.arange(size) for size in sizes], indexing="ij")
    column = np.zeros(sizes, dtype=np.int64)
    missing = np.zeros(sizes, dtype=bool)
    stride = 1
    for grid, selector, width in zip(grids, selectors, n_columns):
        picked = selector[grid]
        column += stride * picked
        missing |= picked < 0
        stride *= width
    level_column = np.where(missing, -1, column).ravel(order="F").astype(np.intp)
    return CodedTerm(
        term.name(),
        tuple(f.code for f in categorical),
        sizes,
        tuple(tuple(info.factor_infos[f].categories) for f in categorical),
        tuple(f.code for f in numeric),
        np.arange(start, start + subterm.num_columns),
        level_column,
    )


def coded_terms(spec: ModelSpec) -> dict[str, list[CodedTerm]]:
    """Every term that can be coded, as its coded subterms (in column order)."""
    info = spec.x_info
    found = {}
    for term, subterms in info.term_codings.items():
        start = info.term_slices[term].start
        coded = []
        for subterm in subterms:
            piece = _coded_subterm(term, subterm, info, start)
            if piece is None:
                break
            coded.append(piece)
            start += subterm.num_columns
        else:
            if coded:
                found[term.name()] = coded
    return found


def plan_layout(
    spec: ModelSpec,
    *,
    min_levels: int = 2,
    allow_codes: bool = True,
    coded: tuple[str, ...] | None = None,
) -> Layout:
    """Keep every term that can be coded and has at least ``min_levels`` columns as codes.

    Parameters
    ----------
    spec : ModelSpec
    min_levels : int
        ``Thresholds.codes_min_levels``.
    allow_codes : bool
        False keeps every column dense.
    coded : tuple of str, optional
        Code exactly these terms (a layout restored from a file).
    """
    p = len(spec.x_info.column_names)
    candidates = coded_terms(spec)
    if coded is not None:
        chosen = {name: pieces for name, pieces in candidates.items() if name in coded}
    elif allow_codes:
        chosen = {
            name: pieces
            for name, pieces in candidates.items()
            if sum(len(t.columns) for t in pieces) >= min_levels
        }
    else:
        chosen = {}
    names = spec.exog_names
    if not chosen:
        dense = np.arange(p)
        return Layout(p, dense, intercept=_intercept(names, dense))
    terms = tuple(t for pieces in chosen.values() for t in pieces)
    coded_columns = np.concatenate([t.columns for t in terms])
    dense_terms = tuple(t.name() for t in spec.x_info.terms if t.name() not in chosen)
    dense = np.setdiff1d(np.arange(p), coded_columns)
    return Layout(p, dense, terms, dense_terms, _intercept(names, dense))


def _intercept(names: list[str], dense: np.ndarray) -> int | None:
    """Index among the dense columns of patsy's intercept column."""
    hits = [i for i, j in enumerate(dense) if names[j] == "Intercept"]
    return hits[0] if hits else None
