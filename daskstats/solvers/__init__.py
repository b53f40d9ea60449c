"""Solvers: pure functions over small in-memory arrays; they never import dask.

Every solver takes an ``evaluate`` callable (one pass over the data, returning summed partial
results) and returns an :class:`~daskstats.solvers.irls.IRLSResult`-like record.
"""

from daskstats.solvers.irls import IRLSResult, irls

__all__ = ["irls", "IRLSResult"]
