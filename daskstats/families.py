"""Families and links: statsmodels' own classes, used as they are.

``daskstats.families.Binomial()`` *is* ``statsmodels.genmod.families.Binomial()``, and any
statsmodels family instance (with any of its links) may be passed to :func:`daskstats.glm`.
This module adds only the few facts the distributed fit needs about a family: whether its
scale is estimated, which response values it accepts, and a per-partition copy for the
two-column binomial response (statsmodels keeps the number of trials on the family object).
"""

from __future__ import annotations

import copy

import numpy as np
from statsmodels.genmod import families as _sm_families
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

from daskstats.errors import DataError

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
    "check_response_domain",
    "with_trials",
]

_FIXED_SCALE = (Binomial, Poisson, NegativeBinomial)


def resolve_family(family) -> Family:
    """Return ``family`` (Gaussian when ``None``); reject anything that is not a family instance."""
    if family is None:
        return Gaussian()
    if isinstance(family, type) and issubclass(family, Family):
        raise DataError(
            f"family must be an instance, not the class: write family=ds.families."
            f"{family.__name__}() (with parentheses)."
        )
    if not isinstance(family, _sm_families.Family):
        raise DataError(
            f"family must be a statsmodels family instance such as ds.families.Binomial(), "
            f"got {family!r}."
        )
    return family


def scale_is_estimated(family: Family) -> bool:
    """True when statsmodels estimates the scale (Pearson χ² / df_resid) for ``family``."""
    return not isinstance(family, _FIXED_SCALE)


def check_response_domain(family: Family, y_min: float, y_max: float, name: str) -> None:
    """Raise :class:`DataError` when the response lies outside the family's support."""
    fam = type(family).__name__
    if isinstance(family, Binomial):
        if y_min < 0 or y_max > 1:
            raise DataError(
                f"the response {name!r} has values in [{y_min:g}, {y_max:g}], but the Binomial "
                "family needs 0/1 outcomes or proportions in [0, 1] (give the number of trials "
                "as var_weights, or write 'successes + failures ~ ...')."
            )
    elif isinstance(family, (Poisson, NegativeBinomial, Tweedie)):
        if y_min < 0:
            raise DataError(
                f"the response {name!r} has negative values (min {y_min:g}); the {fam} family "
                "needs non-negative counts or amounts."
            )
    elif isinstance(family, (Gamma, InverseGaussian)):
        if y_min <= 0:
            raise DataError(
                f"the response {name!r} has non-positive values (min {y_min:g}); the {fam} "
                "family needs a strictly positive response."
            )


def with_trials(family: Family, n_trials: np.ndarray | None) -> Family:
    """Family to evaluate on one partition.

    statsmodels' Binomial keeps the number of trials of a two-column response on the family
    (``family.n``), so each partition needs its own shallow copy holding its own trials.
    """
    if n_trials is None or not isinstance(family, Binomial):
        return family
    local = copy.copy(family)
    local.n = n_trials
    return local
