"""Families and links: statsmodels' own classes, used as they are.

``daskstats.families.Binomial()`` *is* ``statsmodels.genmod.families.Binomial()``, and any
statsmodels family instance (with any of its links) may be passed to :func:`daskstats.glm`.
This package adds only what the distributed fit needs: facts about a family
(:mod:`~daskstats.families.domain`), fused per-row quantities for the commonest pairs
(:mod:`~daskstats.families.rows`) and log-likelihoods as sums that combine across partitions
(:mod:`~daskstats.families.likelihood`). Pure numpy: no dask here.
"""

from statsmodels.genmod.families import (
    Binomial,
    Family,
    Gamma,
    Gaussian,
    InverseGaussian,
    NegativeBinomial,
    Poisson,
    Tweedie,
    links,
    varfuncs,
)

from daskstats.families.domain import (
    check_degenerate_response,
    check_response_domain,
    curvature_constant,
    estimate_scale,
    is_linear_gaussian,
    parse_scale,
    resolve_family,
    scale_is_estimated,
    warn_unsafe_link,
    with_trials,
)

__all__ = [
    "Family",
    "Gaussian",
    "Binomial",
    "Poisson",
    "Gamma",
    "InverseGaussian",
    "NegativeBinomial",
    "Tweedie",
    "links",
    "varfuncs",
    "resolve_family",
    "scale_is_estimated",
    "parse_scale",
    "estimate_scale",
    "check_response_domain",
    "check_degenerate_response",
    "warn_unsafe_link",
    "is_linear_gaussian",
    "curvature_constant",
    "with_trials",
]
