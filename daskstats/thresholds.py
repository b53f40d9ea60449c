"""Every size threshold of daskstats in one place, injectable without monkeypatching.

A model reads :func:`current` once, when it is built, and carries that :class:`Thresholds`
(a small frozen, picklable record) to everything that needs it, on the client and on the
workers. Tests and users change a value for the models built inside a ``with`` block::

    with ds.thresholds.override(dense_covariance_limit=10):
        res = ds.glm("y ~ C(g)", data)        # a blocked covariance from 11 parameters on

Nothing here imports the rest of the package.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Thresholds", "current", "override"]


@dataclass(frozen=True)
class Thresholds:
    """Size limits and tuning constants.

    Attributes
    ----------
    codes_min_levels : int
        A categorical term with at least this many columns is kept as level codes (no
        indicator columns).
    dense_covariance_limit : int
        Covariance matrices are materialized as dense ``p × p`` arrays up to this many
        parameters; beyond it they are kept in blocks (``bse`` works at any size).
    max_dense_columns : int
        A design with more dense columns than this is refused before any pass (each pass would
        sum a ``p × p`` matrix per partition); so is an unpenalized fit whose dense system (the
        parameters left after eliminating the widest coded term) is larger.
    max_pair_cells : int
        The coded terms' cross blocks (``Σ L_s · L_t`` cells) summed per partition in a pass.
    lazy_contrast_min_levels : int
        Treatment coding of a factor with more levels than this stores one integer per level
        instead of patsy's dense ``L × (L − 1)`` contrast matrix.
    in_memory_rows : int
        Diagnostics that statsmodels computes on the data in memory (added-variable, partial
        residual and CERES plots, marginal effects) refuse models with more rows than this.
    penalized_max_params : int
        Penalized solvers work on a dense ``p × p`` Gram matrix up to this many parameters.
    persist_fraction : float
        The design is held in memory automatically when it takes at most this fraction of
        the memory available.
    prototype_rows : int
        Rows of the data kept to learn dtypes and column names.
    sample_start_rows : int
        An unpenalized fit of a persisted design with more rows than twice this starts from a
        fit on a sample of about this many rows (taken from every partition), so that the
        passes over the whole data start near the estimate.
    sample_start_max_params : int
        ... and with at most this many parameters (beyond, a sample fit's solves cost as much
        as the passes it would save).
    split_every : int
        Width of the tree that sums partial results.
    blocks_per_thread : int
        A persisted design with more partitions than this many per worker thread is pooled
        into about this many blocks per thread for the passes that sum over rows, so a pass's
        cost does not grow with the number of partitions (0: never pool) ...
    pool_below_bytes : int
        ... when its partitions' designs average fewer bytes than this (larger partitions
        cost far more to reduce than to schedule, and pooling copies them; unpooled, a
        design of plain numeric columns is the partitions' own columns, not a copy).
    tasks_per_thread : int
        On a local scheduler (no distributed client), a pass that sums over a held design
        runs about this many tasks per thread, each reducing a run of consecutive blocks
        (0: one task per block). Waiting for the scheduler to hand out the next task cost
        ~1.5 ms per task (16 blocks of 125,000 rows: 125 ms per pass, 99 ms in 4 tasks).
    """

    codes_min_levels: int = 1
    dense_covariance_limit: int = 5000
    max_dense_columns: int = 5000
    max_pair_cells: int = 50_000_000
    lazy_contrast_min_levels: int = 256
    in_memory_rows: int = 10_000_000
    penalized_max_params: int = 2000
    persist_fraction: float = 0.5
    prototype_rows: int = 200
    sample_start_rows: int = 50_000
    sample_start_max_params: int = 1000
    split_every: int = 8
    blocks_per_thread: int = 4
    pool_below_bytes: int = 4 << 20
    tasks_per_thread: int = 2


_CURRENT: contextvars.ContextVar[Thresholds] = contextvars.ContextVar(
    "daskstats_thresholds",
    default=Thresholds(),  # noqa: B039 (frozen: immutable)
)


def current() -> Thresholds:
    """The thresholds in force (the defaults unless inside :func:`override`)."""
    return _CURRENT.get()


@contextlib.contextmanager
def override(**changes: int | float) -> Iterator[Thresholds]:
    """Use changed thresholds for the models built inside the ``with`` block.

    Parameters
    ----------
    **changes
        Field names of :class:`Thresholds` and their new values.

    Raises
    ------
    TypeError
        For a name that is not a threshold.
    """
    fields = {f.name for f in dataclasses.fields(Thresholds)}
    unknown = sorted(set(changes) - fields)
    if unknown:
        raise TypeError(f"unknown threshold(s) {unknown}; the thresholds are {sorted(fields)}.")
    token = _CURRENT.set(dataclasses.replace(_CURRENT.get(), **changes))  # type: ignore[arg-type]
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(token)
