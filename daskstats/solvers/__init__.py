"""Solvers: pure functions over small in-memory arrays; they never import dask.

Every solver takes an ``evaluate`` callable (one pass over the data, returning a combined
:class:`~daskstats.partials.Partial`) and returns a
:class:`~daskstats.solvers.result.SolverResult`.

======================  =======================================================
``irls``                unpenalized GLMs (statsmodels' iteration)
``prox_newton``         elastic net: IRLS passes + coordinate descent
``proximal_gradient``   elastic net: FISTA with a diagonal metric
``admm``                elastic net: consensus over partitions (sync/async state)
``lbfgs``               L2 only: scipy's L-BFGS-B
======================  =======================================================
"""

from daskstats.solvers.irls import irls
from daskstats.solvers.null import NullModel
from daskstats.solvers.penalties import ElasticNet, penalty_weights
from daskstats.solvers.result import SolverResult

__all__ = ["irls", "NullModel", "SolverResult", "ElasticNet", "penalty_weights"]
