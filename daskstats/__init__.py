"""daskstats: statsmodels-exact generalized linear models on dask DataFrames."""

from daskstats import families, thresholds
from daskstats.api import glm
from daskstats.compare import compare
from daskstats.errors import (
    ClusterError,
    CollinearityError,
    ConvergenceWarning,
    DataError,
    DomainWarning,
    HessianInversionWarning,
    PerfectSeparationWarning,
    SpecificationWarning,
    ValueWarning,
)
from daskstats.io import load
from daskstats.models import GLM
from daskstats.results import GLMResults, RegularizationPath

__version__ = "0.1.0"

__all__ = [
    "compare",
    "glm",
    "GLM",
    "load",
    "GLMResults",
    "RegularizationPath",
    "families",
    "thresholds",
    "DataError",
    "CollinearityError",
    "ClusterError",
    "ConvergenceWarning",
    "DomainWarning",
    "PerfectSeparationWarning",
    "SpecificationWarning",
    "ValueWarning",
    "HessianInversionWarning",
    "__version__",
]
