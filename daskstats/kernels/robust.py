"""Per-row scores and observed information on one block: the pieces of the robust (sandwich)
covariances, following statsmodels' GLM exactly (``statsmodels.base.covtype``). Pure numpy
(and pandas for the groups' score sums that a cluster covariance reduces)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from statsmodels.genmod.families import Family

from daskstats.design.block import Block, dense_matrix
from daskstats.design.layout import Layout
from daskstats.families import with_trials
from daskstats.kernels.gram import GramAccumulator
from daskstats.kernels.linear import block_linear_predictor, likelihood_weights, row_weights
from daskstats.linalg.gram import GramSums
from daskstats.partials import Partial, nested

__all__ = [
    "RobustPartial",
    "score_parts",
    "robust_pass",
    "group_score_sums",
    "group_meat",
    "GROUP_PARAM",
    "GROUP_VALUE",
]


@dataclass(frozen=True)
class RobustPartial(Partial):
    """The observed information ``H = Σ oim_i x_i x_iᵀ`` and the HC0 meat
    ``M = Σ s_i s_iᵀ / f_i``, as Gram pieces."""

    hessian: GramSums = nested()
    meat: GramSums = nested()


def score_parts(
    block: Block, layout: Layout, family: Family, params: np.ndarray, scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score factors and observed-information factors of a block's rows.

    Returns
    -------
    score_factor : ndarray of shape (n,)
        ``f v n (y − μ) / (g'(μ) V(μ) scale)``; the score of row i is ``score_factor_i · x_i``.
    oim_factor : ndarray of shape (n,)
        Row weights of the observed information ``H = Σ oim_i x_i x_iᵀ``.
    freq_w : ndarray of shape (n,)
    """
    y = block.y
    family = with_trials(family, block.trials)
    link = family.link
    mu = family.fitted(block_linear_predictor(block, layout.split(params)))
    _, iweights = row_weights(block)
    iw = np.ones(block.nrows) if iweights is None else iweights
    fw, _ = likelihood_weights(block)
    deriv = link.deriv(mu)
    variance = family.variance(mu)
    unit_score = (y - mu) / (deriv * variance)
    eim = iw / (deriv**2 * variance)
    correction = unit_score * (variance * link.deriv2(mu) + family.variance.deriv(mu) * deriv)
    oim = eim * (1 + correction)
    return iw * unit_score / scale, oim / scale, fw


def robust_pass(
    block: Block, layout: Layout, family: Family, params: np.ndarray, scale: float
) -> RobustPartial:
    """Observed information and HC0 meat of one block."""
    score, oim, fw = score_parts(block, layout, family, params, scale)
    pieces = []
    for w in (oim, score**2 / fw):
        accumulator = GramAccumulator(layout, block, with_rhs=False, signed=True)
        accumulator.add(slice(None), w)
        pieces.append(accumulator.result())
    return RobustPartial(*pieces)


def group_ids(groups: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's group number (0..G-1, in order of first appearance) and the groups' keys."""
    columns = list(groups.columns)
    ids = groups.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()
    return ids, groups.drop_duplicates().reset_index(drop=True)


def sparse_group_sums(
    ids: np.ndarray,
    n_groups: int,
    X: np.ndarray,
    score: np.ndarray,
    codes: tuple,
    values: tuple,
    layout: Layout,
) -> sparse.coo_matrix:
    """``S_g = Σ_{i∈g} s_i x_i`` for every group as a sparse ``G × p`` matrix (duplicates
    summed), without indicator columns: a coded term adds one entry per row."""
    rows, cols, data = [], [], []
    for j, position in enumerate(layout.dense):
        rows.append(ids)
        cols.append(np.full(len(ids), position))
        data.append(score * X[:, j])
    for term, term_codes, term_values in zip(layout.coded, codes, values):
        column = term.level_column[term_codes]
        has = column >= 0
        weight = score if term_values is None else score * term_values
        rows.append(ids[has])
        cols.append(term.columns[column[has]])
        data.append(weight[has])
    shape = (n_groups, layout.n_params)
    if not rows:
        return sparse.coo_matrix(shape)
    matrix = sparse.coo_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=shape
    )
    return matrix.tocsr().tocoo()  # duplicates summed


GROUP_PARAM = "__daskstats_param"
GROUP_VALUE = "__daskstats_value"


def group_score_sums(
    block: Block,
    layout: Layout,
    family: Family,
    params: np.ndarray,
    scale: float,
    group_columns: tuple[str, ...],
    groups: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """This block's share of every group's score sum ``S_g``, in long form: one row per
    (group, parameter) with a non-zero sum — the group's key columns, ``GROUP_PARAM`` and
    ``GROUP_VALUE``. Summing a group's rows over all blocks gives its ``S_g``. ``groups``: the
    block's rows' groups when they were given at fit time (else the block's own)."""
    if groups is None:
        if block.groups is None:
            raise ValueError("the block was built without its cluster groups")
        groups = block.groups
    score, _, _ = score_parts(block, layout, family, params, scale)
    ids, keys = group_ids(groups[list(group_columns)])
    sums = sparse_group_sums(
        ids,
        len(keys),
        dense_matrix(block.X, block.ones),
        score,
        block.term_codes(),
        block.values,
        layout,
    )
    frame = keys.iloc[sums.row].reset_index(drop=True)
    frame[GROUP_PARAM] = sums.col.astype(np.int64)
    frame[GROUP_VALUE] = sums.data
    return frame


def group_meat(
    frame: pd.DataFrame, group_columns: tuple[str, ...], n_params: int
) -> tuple[np.ndarray, int]:
    """``(Σ_g S_g S_gᵀ, G)`` from long-form score sums holding every row of each of its groups."""
    if len(frame) == 0:
        return np.zeros((n_params, n_params)), 0
    ids, keys = group_ids(frame[list(group_columns)])
    S = sparse.csr_matrix(
        (frame[GROUP_VALUE].to_numpy(), (ids, frame[GROUP_PARAM].to_numpy())),
        shape=(len(keys), n_params),
    )
    return np.asarray((S.T @ S).todense()), len(keys)
