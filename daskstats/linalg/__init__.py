"""Linear algebra on the small summed systems: SPD solves that name aliased columns, the Gram
matrix in pieces, and the blocked (Schur complement) solve and inverse for coded terms. Pure
numpy/scipy: no dask here."""

from daskstats.linalg.blocked import (
    BlockCovariance,
    UnavailableCovariance,
    normalized_inverse,
    solve_normal_equations,
)
from daskstats.linalg.gram import GramSums, LevelSums, full_matrix, full_rhs
from daskstats.linalg.spd import (
    aliased_columns,
    inverse_spd,
    scaled_pinv,
    solve_dense,
    solve_spd,
    symmetrize,
)

__all__ = [
    "BlockCovariance",
    "UnavailableCovariance",
    "GramSums",
    "LevelSums",
    "aliased_columns",
    "full_matrix",
    "full_rhs",
    "inverse_spd",
    "normalized_inverse",
    "scaled_pinv",
    "solve_dense",
    "solve_normal_equations",
    "solve_spd",
    "symmetrize",
]
