"""Which categorical terms of a learned spec are kept as level codes (see
:mod:`daskstats.design.layout`)."""

from __future__ import annotations

import numpy as np

from daskstats.design.layout import CodedTerm, Layout
from daskstats.formula.contrasts import selector_columns
from daskstats.formula.spec import ModelSpec

__all__ = ["plan_layout"]


def _candidates(spec: ModelSpec) -> list[CodedTerm]:
    """Single-factor categorical terms whose contrast selects one column per level."""
    x_info = spec.x_info
    found = []
    for term, codings in x_info.term_codings.items():
        if len(term.factors) != 1 or len(codings) != 1:
            continue
        factor = term.factors[0]
        info = x_info.factor_infos[factor]
        if info.type != "categorical":
            continue
        level_column = selector_columns(codings[0].contrast_matrices[factor].matrix)
        if level_column is None:
            continue
        span = x_info.term_slices[term]
        found.append(
            CodedTerm(
                term.name(),
                factor.code,
                np.arange(span.start, span.stop),
                np.asarray(level_column),
                tuple(info.categories),
            )
        )
    return found


def plan_layout(
    spec: ModelSpec,
    *,
    min_levels: int = 32,
    allow_codes: bool = True,
    coded: tuple[str, ...] | None = None,
) -> Layout:
    """Keep the categorical term with the most columns (at least ``min_levels``) as codes.

    Parameters
    ----------
    spec : ModelSpec
    min_levels : int
        ``Thresholds.codes_min_levels``.
    allow_codes : bool
        False keeps every column dense (used with cluster-robust covariances).
    coded : tuple of str, optional
        Code exactly these terms (a layout restored from a file).
    """
    p = len(spec.x_info.column_names)
    chosen: list[CodedTerm] = []
    if coded is not None:
        chosen = [t for t in _candidates(spec) if t.name in coded]
    elif allow_codes:
        wide = [t for t in _candidates(spec) if len(t.columns) >= min_levels]
        chosen = sorted(wide, key=lambda t: -len(t.columns))[:1]
    if not chosen:
        return Layout(p, np.arange(p))
    coded_names = {t.name for t in chosen}
    coded_columns = np.concatenate([t.columns for t in chosen])
    dense_terms = tuple(t.name() for t in spec.x_info.terms if t.name() not in coded_names)
    return Layout(p, np.setdiff1d(np.arange(p), coded_columns), tuple(chosen), dense_terms)
