"""The coded terms' sums of ``XᵀWX`` and ``XᵀWz`` in compiled loops over a block's rows.

For every row, with weight ``w``, working response ``z``, dense columns ``d`` and, per coded
term ``t``, its level ``ℓ_t`` and value ``v_t`` (1 without a numeric factor)::

    diagonal[t][ℓ_t]      += w v_t²
    rhs[t][ℓ_t]           += w v_t z
    cross[t][ℓ_t, :]      += w v_t d
    pairs[s, t][ℓ_s, ℓ_t] += w v_s v_t          (s < t)

numpy needs one pass over the rows per sum (a ``bincount`` per term and per pair, a sparse
product per term), holding the GIL; the compiled loops release it, so the threaded scheduler's
partitions run in parallel. The codes are term-major ``(k, n)``: each loop fills one small table
(a term's levels, or one pair's cells) from contiguous code rows. Measured on a 250,000-row
block with 8 factors (5–100 levels) and 6 dense columns: 17–20 ms, against 30 ms for one
row-by-row loop visiting every table and 36 ms for numpy. numba compiles the loops once per
machine (cached); :func:`coded_sums_numpy` is the same computation in numpy (the fallback, and
the reference the tests compare with).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from scipy import sparse

from daskstats.linalg.cells import PairCells

try:  # numba is a dependency; the numpy path keeps working without it
    import numba
except ImportError:  # pragma: no cover - depends on the environment
    numba = None  # type: ignore[assignment]

__all__ = [
    "CodedSums",
    "coded_sums",
    "coded_sums_numpy",
    "add_coded_levels",
    "warm_up",
    "as_code_terms",
    "HAVE_NUMBA",
]

HAVE_NUMBA = numba is not None

#: a pair with more cells than this many per row of the block is summed as cells
#: (:class:`~daskstats.linalg.cells.PairCells`), not as a dense table
SPARSE_CELLS_PER_ROW = 2


class CodedSums:
    """Per-term and per-pair sums of one block (flat buffers with offsets).

    Attributes
    ----------
    diagonal, rhs : list of ndarray (L_t,)
    cross : list of ndarray (L_t, p_dense)
    pairs : dict
        ``{(s, t): ndarray (L_s, L_t)}`` for ``s < t``.
    """

    def __init__(self, sizes: list[int], p: int, with_rhs: bool, nrows: int = 0):
        self.sizes = sizes
        k = len(sizes)
        self.level_offsets = np.r_[0, np.cumsum(sizes)].astype(np.int64)
        total = int(self.level_offsets[-1])
        self.pair_index = np.full((k, k), -1, dtype=np.int64)
        #: pairs with more cells than twice the block's rows, summed as cells (PairCells)
        self.sparse: dict[tuple[int, int], PairCells] = {}
        pair_total = 0
        for s in range(k):
            for t in range(s + 1, k):
                if sizes[s] * sizes[t] > SPARSE_CELLS_PER_ROW * nrows > 0:
                    continue
                self.pair_index[s, t] = pair_total
                pair_total += sizes[s] * sizes[t]
        self.diagonal_flat = np.zeros(total)
        self.rhs_flat = np.zeros(total if with_rhs else 0)
        self.cross_flat = np.zeros((total, p))
        self.pairs_flat = np.zeros(pair_total)
        self.with_rhs = with_rhs

    def add_sparse_pairs(self, codes: tuple, values: tuple, w: np.ndarray) -> None:
        """Each row's cell and ``w v_s v_t`` in the sparse pairs (``codes``, ``values``: per
        term, as :func:`coded_sums` takes them)."""
        k = len(self.sizes)
        for s in range(k):
            for t in range(s + 1, k):
                if self.pair_index[s, t] >= 0:
                    continue
                width = self.sizes[t]
                cells = np.asarray(codes[s], dtype=np.int64) * width + codes[t]
                weight = np.array(w, dtype=np.float64)
                for v in (values[s], values[t]):
                    if v is not None:
                        weight *= v
                self.sparse[(s, t)] = PairCells((self.sizes[s], width), cells, weight)

    def _level(self, flat: np.ndarray, t: int) -> np.ndarray:
        return flat[self.level_offsets[t] : self.level_offsets[t + 1]]

    @property
    def diagonal(self) -> list[np.ndarray]:
        return [self._level(self.diagonal_flat, t) for t in range(len(self.sizes))]

    @property
    def rhs(self) -> list[np.ndarray | None]:
        if not self.with_rhs:
            return [None] * len(self.sizes)
        return [self._level(self.rhs_flat, t) for t in range(len(self.sizes))]

    @property
    def cross(self) -> list[np.ndarray]:
        return [self._level(self.cross_flat, t) for t in range(len(self.sizes))]

    @property
    def pairs(self) -> dict:
        out: dict = {}
        k = len(self.sizes)
        for s in range(k):
            for t in range(s + 1, k):
                if (s, t) in self.sparse:
                    out[(s, t)] = self.sparse[(s, t)]
                    continue
                start = self.pair_index[s, t]
                size = self.sizes[s] * self.sizes[t]
                out[(s, t)] = self.pairs_flat[start : start + size].reshape(
                    self.sizes[s], self.sizes[t]
                )
        return out


def _loop_plain(
    codes: np.ndarray,
    first: int,
    level_offsets: np.ndarray,
    pair_base: np.ndarray,
    sizes: np.ndarray,
    X: np.ndarray,
    w: np.ndarray,
    z: np.ndarray,
    with_rhs: bool,
    diagonal: np.ndarray,
    rhs: np.ndarray,
    cross: np.ndarray,
    pairs: np.ndarray,
) -> None:
    """Terms without numeric factors (every value 1): the common case, specialized. Dense
    columns before ``first`` are skipped (the intercept: its cross sums are the diagonal).

    Term by term, then pair by pair, each over all rows: every inner loop updates one small
    table (one term's levels, or one pair's ``L_s × L_t`` cells) from two contiguous code rows,
    which measured 1.7× faster than visiting every table for each row."""
    k, n = codes.shape
    p = X.shape[1]
    for s in range(k):
        term = codes[s]
        offset = level_offsets[s]
        for i in range(n):
            a = offset + term[i]
            wi = w[i]
            diagonal[a] += wi
            if with_rhs:
                rhs[a] += wi * z[i]
            for j in range(first, p):
                cross[a, j] += wi * X[i, j]
        for t in range(s + 1, k):
            base = pair_base[s * k + t]
            if base < 0:  # a sparse pair (summed as cells)
                continue
            other = codes[t]
            width = sizes[t]
            for i in range(n):
                pairs[base + term[i] * width + other[i]] += w[i]


def _loop_values(
    codes: np.ndarray,
    value_rows: np.ndarray,
    value_slot: np.ndarray,
    level_offsets: np.ndarray,
    pair_base: np.ndarray,
    sizes: np.ndarray,
    X: np.ndarray,
    w: np.ndarray,
    z: np.ndarray,
    with_rhs: bool,
    diagonal: np.ndarray,
    rhs: np.ndarray,
    cross: np.ndarray,
    pairs: np.ndarray,
) -> None:
    """Terms with numeric factors (``C(a):x``): each row's value in every term (row ``slot``
    of ``value_rows``, 1 where the term's slot is -1)."""
    k, n = codes.shape
    p = X.shape[1]
    for s in range(k):
        term = codes[s]
        offset = level_offsets[s]
        slot = value_slot[s]
        for i in range(n):
            ws = w[i] * value_rows[slot, i] if slot >= 0 else w[i]
            vs = value_rows[slot, i] if slot >= 0 else 1.0
            a = offset + term[i]
            diagonal[a] += ws * vs
            if with_rhs:
                rhs[a] += ws * z[i]
            for j in range(p):
                cross[a, j] += ws * X[i, j]
        for t in range(s + 1, k):
            base = pair_base[s * k + t]
            if base < 0:  # a sparse pair (summed as cells)
                continue
            other = codes[t]
            width = sizes[t]
            other_slot = value_slot[t]
            for i in range(n):
                ws = w[i] * value_rows[slot, i] if slot >= 0 else w[i]
                vt = value_rows[other_slot, i] if other_slot >= 0 else 1.0
                pairs[base + term[i] * width + other[i]] += ws * vt


def _add_levels(
    codes: np.ndarray,
    start: int,
    stop: int,
    levels: np.ndarray,
    level_offsets: np.ndarray,
    eta: np.ndarray,
) -> None:
    """``eta[i] += Σ_t levels[offset_t + codes[t, start + i]]`` for the rows ``start:stop``."""
    k = codes.shape[0]
    for t in range(k):
        term = codes[t]
        offset = level_offsets[t]
        for i in range(stop - start):
            eta[i] += levels[offset + term[start + i]]


_plain: Any = None
_values: Any = None
_add: Any = None
if numba is not None:
    _plain = numba.njit(nogil=True, cache=True)(_loop_plain)
    _values = numba.njit(nogil=True, cache=True)(_loop_values)
    _add = numba.njit(nogil=True, cache=True)(_add_levels)


_WARMED: list = []
_WARM_LOCK = threading.Lock()


def warm_up() -> None:
    """Load (or compile) the compiled loops in a background thread, once per process, so that
    the first pass does not wait for them (a model with coded terms calls this while its
    blocks are being built)."""
    if numba is None:
        return
    with _WARM_LOCK:
        if _WARMED:
            return
        _WARMED.append(True)

    def run() -> None:
        codes = np.zeros((2, 2), dtype=np.int16)
        X, w = np.ones((2, 2)), np.ones(2)
        coded_sums(codes, (None, None), [1, 1], X, w, w, 0)
        coded_sums(codes, (None, w), [1, 1], X, w, w)
        # dense columns read where they are: read-only views of a frame's columns, column-
        # stored (a whole block, or the rows of a larger one)
        for view in (np.ones((3, 2), order="F")[:2], np.ones((2, 2), order="F")):
            view.flags.writeable = False
            coded_sums(codes, (None, None), [1, 1], view, w, w, ones=True)
            coded_sums(codes, (None, w), [1, 1], view, w, w, ones=True)
        add_coded_levels(np.zeros(2), codes, slice(0, 2), (np.zeros(1), np.zeros(1)))

    threading.Thread(target=run, name="daskstats-warm-up", daemon=True).start()


def add_coded_levels(
    eta: np.ndarray, codes: np.ndarray | tuple, rows: slice, levels: tuple[np.ndarray, ...]
) -> bool:
    """Add the coded terms' level coefficients of ``rows`` to ``eta`` in one compiled loop
    (terms without values, term-major codes); False when that does not apply."""
    if _add is None or not (isinstance(codes, np.ndarray) and codes.ndim == 2):
        return False
    start, stop, _ = rows.indices(codes.shape[1])
    offsets = np.r_[0, np.cumsum([len(v) for v in levels])].astype(np.int64)
    _add(codes, start, stop, np.concatenate(levels), offsets, eta)
    return True


def as_code_terms(codes: np.ndarray | tuple) -> np.ndarray:
    """The coded terms' codes as one term-major ``(k, n)`` integer array (the block's own
    array when it already is one)."""
    if isinstance(codes, np.ndarray) and codes.ndim == 2:
        return np.ascontiguousarray(codes)
    return np.ascontiguousarray(np.stack([np.asarray(c) for c in codes], axis=0))


def coded_sums(
    codes: np.ndarray | tuple,
    values: tuple,
    sizes: list[int],
    X: np.ndarray,
    w: np.ndarray,
    z: np.ndarray | None,
    intercept: int | None = None,
    ones: bool = False,
) -> CodedSums:
    """The coded terms' sums over all rows of a block (compiled; numpy without numba).

    Parameters
    ----------
    codes : ndarray of shape (k, n) or tuple of k arrays of shape (n,)
    values : tuple of k arrays of shape (n,) or None
    sizes : list of int
        Levels of each coded term.
    X : ndarray of shape (n, p_dense)
    w, z : ndarray of shape (n,)
        Weights and working response (``z`` None: no right-hand side).
    intercept : int, optional
        Index of a dense column of ones (its cross sums are the diagonal's).
    ones : bool
        The dense design is ``[1, X]`` (the intercept implied: ``X`` may be a view of a
        frame's columns, read where it is).
    """
    if _plain is None:  # pragma: no cover - depends on the environment
        return coded_sums_numpy(codes, values, sizes, X if not ones else _with_ones(X), w, z)
    k = len(sizes)
    out = CodedSums(sizes, X.shape[1] + int(ones), z is not None, nrows=len(w))
    terms = as_code_terms(codes)
    common = (
        out.level_offsets,
        out.pair_index.ravel(),  # pair (s, t) at s·k + t; -1: none, or sparse
        np.asarray(sizes, dtype=np.int64),
        X if ones else np.ascontiguousarray(X),
        w,
        np.empty(0) if z is None else z,
        z is not None,
        out.diagonal_flat,
        out.rhs_flat,
        out.cross_flat[:, 1:] if ones else out.cross_flat,
        out.pairs_flat,
    )
    slots = [t for t, v in enumerate(values) if v is not None]
    if not slots:
        first = 1 if intercept == 0 and not ones else 0
        _plain(terms, first, *common)
        if first or ones:
            out.cross_flat[:, 0] = out.diagonal_flat
    else:
        value_slot = np.full(k, -1, dtype=np.int64)
        value_slot[slots] = np.arange(len(slots))
        value_rows = np.stack([values[t] for t in slots], axis=0)
        _values(terms, value_rows, value_slot, *common)
        if ones:  # the implied column of ones: Σ_{i∈ℓ} w v per level
            for t, (term_codes, term_values) in enumerate(zip(terms, values)):
                weight = w if term_values is None else w * term_values
                out.cross[t][:, 0] = np.bincount(term_codes, weights=weight, minlength=sizes[t])
    out.add_sparse_pairs(tuple(terms), values, w)
    return out


def _with_ones(X: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(X.shape[0]), X])


def coded_sums_numpy(
    codes: np.ndarray | tuple,
    values: tuple,
    sizes: list[int],
    X: np.ndarray,
    w: np.ndarray,
    z: np.ndarray | None,
) -> CodedSums:
    """:func:`coded_sums` with numpy: a ``bincount`` per term and per pair (2-D, on the
    combined index ``ℓ_s · L_t + ℓ_t``), a sparse one-hot product per term."""
    n = len(w)
    out = CodedSums(sizes, X.shape[1], z is not None)
    if isinstance(codes, np.ndarray) and codes.ndim == 2:
        codes = tuple(codes)
    weighted = [w if v is None else w * v for v in values]
    for t, (term_codes, term_values) in enumerate(zip(codes, values)):
        L, wv = sizes[t], weighted[t]
        out.diagonal[t][:] = np.bincount(
            term_codes, weights=wv if term_values is None else wv * term_values, minlength=L
        )
        if z is not None:
            out._level(out.rhs_flat, t)[:] = np.bincount(term_codes, weights=wv * z, minlength=L)
        if X.shape[1]:
            onehot = sparse.csr_matrix((wv, term_codes, np.arange(n + 1)), shape=(n, L))
            out.cross[t][:] = onehot.T @ X
    pairs = out.pairs
    for (s, t), block in pairs.items():
        weights = weighted[s] if values[t] is None else weighted[s] * values[t]
        combined = codes[s].astype(np.int64) * sizes[t] + codes[t]
        block[:] = np.bincount(combined, weights=weights, minlength=sizes[s] * sizes[t]).reshape(
            sizes[s], sizes[t]
        )
    return out
