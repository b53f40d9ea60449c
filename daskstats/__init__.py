"""daskstats: statsmodels-exact regression models (GLM, OLS/WLS, Logit/Probit, Poisson,
NegativeBinomial) on dask DataFrames and arrays."""

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
from daskstats.kernels.coded import warm_up as _warm_up
from daskstats.models import GLM, OLS, WLS, Logit, NegativeBinomial, Poisson, Probit
from daskstats.results import GLMResults, RegularizationPath
from daskstats.shortcuts import logit, negativebinomial, ols, poisson, probit, wls

__version__ = "0.1.0"

# the compiled loops of coded terms load (from numba's cache: ~0.25 s holding the GIL) in a
# background thread while the caller loads data, not inside the first fit
_warm_up()

__all__ = [
    "compare",
    "glm",
    "GLM",
    "ols",
    "wls",
    "logit",
    "probit",
    "poisson",
    "negativebinomial",
    "OLS",
    "WLS",
    "Logit",
    "Probit",
    "Poisson",
    "NegativeBinomial",
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
