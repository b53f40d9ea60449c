"""daskstats: statsmodels-exact generalized linear models on dask DataFrames."""

from daskstats import families
from daskstats.api import glm
from daskstats.errors import (
    ClusterError,
    CollinearityError,
    ConvergenceWarning,
    DataError,
    DomainWarning,
    PerfectSeparationWarning,
)
from daskstats.io import load
from daskstats.model import GLM
from daskstats.results import GLMResults

__version__ = "0.1.0"

__all__ = [
    "glm",
    "GLM",
    "load",
    "GLMResults",
    "families",
    "DataError",
    "CollinearityError",
    "ClusterError",
    "ConvergenceWarning",
    "DomainWarning",
    "PerfectSeparationWarning",
    "__version__",
]
