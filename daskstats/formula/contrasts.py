"""Treatment (dummy) coding without the dense ``L × (L − 1)`` contrast matrix.

patsy stores every categorical term's contrast matrix densely: for a 20,000-level factor that is
3.2 GB, built when the formula is learned and again whenever the spec is rebuilt on a worker.
Treatment coding only *selects* a column per level, so :class:`SelectorMatrix` keeps that
selection (one integer per level) and answers what patsy asks of a contrast matrix — its shape
and ``matrix[level_codes, column]`` — computing values on demand. :class:`LazyTreatment` is
patsy's ``Treatment`` with that storage for factors of more than
``Thresholds.lazy_contrast_min_levels`` levels (same column order, names and values);
:func:`lazy_treatment` makes it patsy's default coding while a formula is learned.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import numpy as np
import patsy
import patsy.build
from patsy.contrasts import ContrastMatrix, _get_level, _name_levels

__all__ = ["SelectorMatrix", "LazyTreatment", "lazy_treatment", "selector_columns"]

#: factors with more levels than this get a :class:`SelectorMatrix` while
#: :func:`lazy_treatment` is active (set from ``Thresholds.lazy_contrast_min_levels``)
_MIN_LEVELS = [256]


class SelectorMatrix:
    """A contrast matrix whose rows are unit vectors or zero, stored as the column of each row.

    Parameters
    ----------
    level_column : ndarray of int, shape (L,)
        Column of each level's 1, or -1 for an all-zero row (the reference level).
    n_columns : int
    """

    ndim = 2
    dtype = np.dtype(np.float64)

    def __init__(self, level_column: np.ndarray, n_columns: int):
        self.level_column = np.asarray(level_column, dtype=np.intp)
        self.shape = (len(self.level_column), int(n_columns))

    def __getitem__(self, key):
        rows, column = key
        if not isinstance(column, (int, np.integer)):
            return np.asarray(self)[key]
        return (self.level_column[rows] == column).astype(np.float64)

    def __array__(self, dtype=None, copy=None):
        out = np.zeros(self.shape, dtype=dtype or np.float64)
        has = self.level_column >= 0
        out[np.flatnonzero(has), self.level_column[has]] = 1
        return out

    def __repr__(self) -> str:
        return f"SelectorMatrix(shape={self.shape})"


def _selector_contrast(level_column: np.ndarray, names: list[str]) -> ContrastMatrix:
    # ContrastMatrix.__init__ would densify the matrix with np.asarray
    contrast = ContrastMatrix.__new__(ContrastMatrix)
    contrast.matrix = SelectorMatrix(level_column, len(names))
    contrast.column_suffixes = names
    return contrast


class LazyTreatment(patsy.Treatment):
    """patsy's ``Treatment`` coding; large factors get a :class:`SelectorMatrix`."""

    def code_with_intercept(self, levels):
        if len(levels) <= _MIN_LEVELS[0]:
            return super().code_with_intercept(levels)
        return _selector_contrast(np.arange(len(levels)), _name_levels("", levels))

    def code_without_intercept(self, levels):
        if len(levels) <= _MIN_LEVELS[0]:
            return super().code_without_intercept(levels)
        levels = list(levels)
        reference = 0 if self.reference is None else _get_level(levels, self.reference)
        index = np.arange(len(levels))
        level_column = index - (index > reference)
        level_column[reference] = -1
        names = _name_levels("T.", levels[:reference] + levels[reference + 1 :])
        return _selector_contrast(level_column, names)


_LOCK = threading.RLock()


@contextlib.contextmanager
def lazy_treatment(min_levels: int = 256) -> Iterator[None]:
    """Make :class:`LazyTreatment` patsy's default coding while design builders are made;
    factors with more than ``min_levels`` levels get a :class:`SelectorMatrix`."""
    with _LOCK:
        saved, saved_min = patsy.build.Treatment, _MIN_LEVELS[0]
        patsy.build.Treatment = LazyTreatment
        _MIN_LEVELS[0] = min_levels
        try:
            yield
        finally:
            patsy.build.Treatment = saved
            _MIN_LEVELS[0] = saved_min


def selector_columns(contrast) -> np.ndarray | None:
    """Column of each level when every row of a contrast matrix is a unit vector or zero
    (Treatment coding with any reference, full-rank indicator coding); None otherwise.

    Works without ``L × k`` temporaries; a :class:`SelectorMatrix` already is that selection.
    """
    if isinstance(contrast, SelectorMatrix):
        return contrast.level_column
    matrix = np.asarray(contrast)
    n_levels, k = matrix.shape
    if np.count_nonzero(matrix) != k:
        return None
    best = matrix.argmax(axis=1)
    top = matrix[np.arange(n_levels), best]
    hit = top == 1
    if np.count_nonzero(hit) != k or len(np.unique(best[hit])) != k:
        return None
    return np.where(hit, best, -1)
