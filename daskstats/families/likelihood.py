"""Log-likelihood as sums over rows that can be combined across partitions.

statsmodels evaluates ``llf = Σ f_i · family.loglike_obs(y_i, μ_i, v_i, scale)`` with the final
scale (Pearson χ² / df_resid for estimated-scale families).  The scale is only known once the
last pass is summed, so a per-row evaluation would need one more pass.  For every family where
the scale enters through a few sums we collect those sums during the pass and finish on the
client:

* Binomial, Poisson, NegativeBinomial: the sum of statsmodels' own ``loglike_obs`` at scale 1
  (Poisson's and NegativeBinomial's divide by the scale; Binomial's has none);
* Gaussian: ``ll = -½ [Σ f v r² / s + Σf · log(2π s) − Σ f log v]``;
* InverseGaussian: ``ll = -½ [Σ f v r²/(y μ²) / s + Σf · log(2π s) + Σ f log(y³/v)]``;
* Gamma with constant variance weights ``c``: with ``w = c/s``,
  ``ll = Σ f [w log w + w log(y/μ) − w y/μ − lnΓ(w) − log y]``.

Anything else (Tweedie, Gamma with varying variance weights, user families) returns
``None`` here and the fit makes one extra pass that calls statsmodels' ``loglike_obs`` with the
final scale (:func:`generic_row_sums`).  The decompositions are tested against that generic
path and against statsmodels.
"""

from __future__ import annotations

import numpy as np
from scipy import special
from statsmodels.genmod.families import (
    Binomial,
    Family,
    Gamma,
    Gaussian,
    InverseGaussian,
    NegativeBinomial,
    Poisson,
)

__all__ = ["decomposable", "row_sums", "combine", "generic_row_sums"]

_EPS = np.finfo(float).eps


def decomposable(family: Family, constant_var_weight: bool) -> bool:
    """Whether :func:`row_sums` can carry the log-likelihood of ``family`` through a pass."""
    if type(family) in (Binomial, Poisson, NegativeBinomial, Gaussian, InverseGaussian):
        return True
    return type(family) is Gamma and constant_var_weight


def row_sums(family: Family, y, mu, freq_w, var_w) -> dict[str, float]:
    """Partial sums of one partition from which :func:`combine` gives the log-likelihood."""
    kind = type(family)
    if kind is Binomial and np.isscalar(family.n) and family.n == 1 and _binary(y):
        # statsmodels' formula; its log-binomial-coefficient terms are exactly 0 for 0/1 data
        ll = y * np.log((mu + 1e-20) / (1 - mu + 1e-20)) + np.log(1 - mu + 1e-20)
        return {"ll": float(np.dot(freq_w * var_w, ll))}
    if kind in (Binomial, Poisson, NegativeBinomial):
        return {"ll": float(np.dot(freq_w, family.loglike_obs(y, mu, var_w, 1.0)))}
    if kind is Gaussian:
        return {
            "f": float(freq_w.sum()),
            "fvr2": float(np.dot(freq_w * var_w, (y - mu) ** 2)),
            "flogv": float(np.dot(freq_w, np.log(var_w))),
        }
    if kind is InverseGaussian:
        return {
            "f": float(freq_w.sum()),
            "fvr2": float(np.dot(freq_w * var_w, (y - mu) ** 2 / (y * mu**2))),
            "flogy3v": float(np.dot(freq_w, np.log(y**3 / var_w))),
        }
    if kind is Gamma:
        ratio = np.clip(y / mu, _EPS, np.inf)
        return {
            "f": float(freq_w.sum()),
            "flogratio": float(np.dot(freq_w, np.log(ratio))),
            "fratio": float(np.dot(freq_w, ratio)),
            "flogy": float(np.dot(freq_w, np.log(y))),
        }
    raise TypeError(f"no decomposed log-likelihood for {kind.__name__}")


def _binary(y: np.ndarray) -> bool:
    return bool(np.all((y == 0) | (y == 1)))


def combine(family: Family, sums: dict[str, float], scale: float, var_weight: float = 1.0) -> float:
    """Log-likelihood from summed :func:`row_sums` at ``scale``.

    ``var_weight`` is the constant variance weight (used by Gamma only).
    """
    kind = type(family)
    if kind is Binomial:  # statsmodels' binomial log-likelihood has no scale
        return sums["ll"]
    if kind in (Poisson, NegativeBinomial):  # var_weights / scale * (...): sums are at scale 1
        return sums["ll"] / scale
    if kind is Gaussian:
        return -0.5 * (sums["fvr2"] / scale + sums["f"] * np.log(2 * np.pi * scale) - sums["flogv"])
    if kind is InverseGaussian:
        return -0.5 * (
            sums["fvr2"] / scale + sums["f"] * np.log(2 * np.pi * scale) + sums["flogy3v"]
        )
    if kind is Gamma:
        w = var_weight / scale
        return (
            sums["f"] * (w * np.log(w) - special.gammaln(w))
            + w * sums["flogratio"]
            - w * sums["fratio"]
            - sums["flogy"]
        )
    raise TypeError(f"no decomposed log-likelihood for {kind.__name__}")


def generic_row_sums(family: Family, y, mu, freq_w, var_w, scale: float) -> float:
    """``Σ f · loglike_obs`` of one partition with statsmodels' own formula (any family)."""
    # statsmodels returns one NaN (not one per row) where the log-likelihood is not defined
    # (e.g. Tweedie with var_power outside [1, 2])
    values = np.broadcast_to(family.loglike_obs(y, mu, var_w, scale), np.shape(y))
    return float(np.dot(freq_w, values))
