"""Exceptions and warnings raised by daskstats.

Warnings reuse statsmodels' categories (``ConvergenceWarning``, ``PerfectSeparationWarning``,
``DomainWarning``, ``SpecificationWarning``, ``ValueWarning``, ``HessianInversionWarning``) so
that existing ``warnings.filterwarnings`` calls keep working.
"""

from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    DomainWarning,
    HessianInversionWarning,
    PerfectSeparationWarning,
    SpecificationWarning,
    ValueWarning,
)

__all__ = [
    "DataError",
    "CollinearityError",
    "ClusterError",
    "ConvergenceWarning",
    "DomainWarning",
    "PerfectSeparationWarning",
    "SpecificationWarning",
    "ValueWarning",
    "HessianInversionWarning",
]


class DataError(ValueError):
    """The data or the formula cannot be fitted as given; the message says how to fix it."""


class CollinearityError(DataError):
    """The design matrix is rank deficient; the message names the aliased columns."""


class ClusterError(RuntimeError):
    """The dask cluster became unusable during a fit (e.g. the scheduler was lost)."""
