"""What the distributed fit needs to know about a statsmodels family.

Whether its scale is estimated, which response values it accepts, whether a link respects its
domain, the curvature bound of a canonical pair, and a per-partition copy for the two-column
binomial response (statsmodels keeps the number of trials on the family object).
"""

from __future__ import annotations

import copy
import warnings

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
)

from daskstats.errors import DataError, DomainWarning, PerfectSeparationWarning

__all__ = [
    "resolve_family",
    "scale_is_estimated",
    "check_response_domain",
    "check_degenerate_response",
    "warn_unsafe_link",
    "is_linear_gaussian",
    "curvature_constant",
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


def parse_scale(scale) -> str | float | None:
    """statsmodels' ``fit(scale=...)``: None, ``"X2"``, ``"dev"`` (any case) or a number."""
    if scale is None:
        return None
    if isinstance(scale, str):
        lowered = scale.lower()
        if lowered not in ("x2", "dev"):
            raise DataError(f"scale must be None, 'X2', 'dev' or a number, got {scale!r}.")
        return lowered
    try:
        return float(scale)
    except (TypeError, ValueError):
        raise DataError(f"scale must be None, 'X2', 'dev' or a number, got {scale!r}.") from None


def estimate_scale(
    family: Family, scaletype: str | float | None, pearson: float, deviance: float, df_resid: float
) -> float:
    """statsmodels' ``GLM.estimate_scale``: the dispersion for ``scaletype`` (None: 1 for
    Binomial/Poisson/NegativeBinomial, else Pearson χ² / df_resid; ``"x2"``: Pearson χ² /
    df_resid for every family (quasi-likelihood); ``"dev"``: deviance / df_resid; a number:
    that number) from the Pearson χ² and the deviance at the mean."""
    # numpy division: no residual degrees of freedom give NaN or inf (and numpy's warning), as
    # in statsmodels, not a ZeroDivisionError
    if scaletype is None:
        return np.float64(pearson) / df_resid if scale_is_estimated(family) else np.float64(1.0)
    if scaletype == "x2":
        return np.float64(pearson) / df_resid
    if scaletype == "dev":
        return np.float64(deviance) / df_resid
    return np.float64(scaletype)


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


def check_degenerate_response(family: Family, y_min: float, y_max: float, name: str) -> None:
    """A response at the boundary of the family's support in every row has no finite MLE."""
    boundary = [0.0, 1.0] if isinstance(family, Binomial) else [0.0]
    if y_min == y_max and y_min in boundary:
        raise DataError(
            f"the response {name!r} is {y_min:g} in every row: the {type(family).__name__} "
            "model's estimates would be infinite (no maximum-likelihood estimate exists)."
        )
    if y_min == y_max and scale_is_estimated(family):
        warnings.warn(
            f"the response {name!r} is {y_min:g} in every row: the model fits it exactly, its "
            "scale is 0 and so are the standard errors (statsmodels stops with an error here).",
            PerfectSeparationWarning,
            stacklevel=5,
        )


def warn_unsafe_link(family: Family, stacklevel: int = 2) -> None:
    """statsmodels' :class:`DomainWarning` for a link outside the family's safe links."""
    allowed = tuple(getattr(family, "safe_links", ()) or (type(family.link),))
    if not isinstance(family.link, allowed):
        warnings.warn(
            f"The {type(family.link).__name__} link function does not respect the "
            f"domain of the {type(family).__name__} family.",
            DomainWarning,
            stacklevel=stacklevel + 1,
        )


def is_linear_gaussian(family: Family) -> bool:
    """Gaussian with the identity link (its log-likelihood uses the concentrated scale)."""
    return type(family) is Gaussian and isinstance(family.link, links.Identity)


def curvature_constant(family: Family) -> float | None:
    """``c`` with ``V(μ) ≤ c`` for a canonical link (then ``c XᵀX`` bounds the Hessian of
    ``D/2``): Binomial–logit 1/4, Gaussian–identity 1; ``None`` for other pairs."""
    if type(family) is Binomial and type(family.link) is links.Logit:
        return 0.25
    if type(family) is Gaussian and type(family.link) is links.Identity:
        return 1.0
    return None
