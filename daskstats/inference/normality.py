"""Residual diagnostics of a linear regression's summary from the residuals' moments alone.

statsmodels' OLS summary computes Omnibus (D'Agostino–Pearson K²), Jarque–Bera, skewness,
kurtosis and Durbin–Watson on the whitened residuals in memory; all of them are functions of the
count, the central moments 2–4 and ``Σ (r_t − r_{t−1})²``, which one pass collects
(:mod:`daskstats.kernels.regression`). The K² statistic is D'Agostino's skewness test
(D'Agostino 1970) and Anscombe–Glynn's kurtosis test (1983), as in D'Agostino, Belanger and
D'Agostino (1990), "A suggestion for using powerful and informative tests of normality".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["ResidualDiagnostics", "skew_z", "kurtosis_z"]


def skew_z(skew: float, n: float) -> float:
    """D'Agostino's normal approximation of the sample skewness ``√b₁`` (needs n ≥ 8)."""
    y = skew * np.sqrt((n + 1) * (n + 3) / (6.0 * (n - 2)))
    beta2 = 3.0 * (n**2 + 27 * n - 70) * (n + 1) * (n + 3) / ((n - 2) * (n + 5) * (n + 7) * (n + 9))
    w2 = -1 + np.sqrt(2 * (beta2 - 1))
    delta = 1 / np.sqrt(0.5 * np.log(w2))
    alpha = np.sqrt(2.0 / (w2 - 1))
    y = 1.0 if y == 0 else y
    return float(delta * np.log(y / alpha + np.sqrt((y / alpha) ** 2 + 1)))


def kurtosis_z(kurtosis: float, n: float) -> float:
    """Anscombe and Glynn's normal approximation of the sample kurtosis ``b₂`` (n ≥ 5)."""
    mean = 3.0 * (n - 1) / (n + 1)
    var = 24.0 * n * (n - 2) * (n - 3) / ((n + 1) ** 2 * (n + 3) * (n + 5))
    x = (kurtosis - mean) / np.sqrt(var)
    root_beta1 = (
        6.0
        * (n**2 - 5 * n + 2)
        / ((n + 7) * (n + 9))
        * np.sqrt(6.0 * (n + 3) * (n + 5) / (n * (n - 2) * (n - 3)))
    )
    a = 6.0 + 8.0 / root_beta1 * (2.0 / root_beta1 + np.sqrt(1 + 4.0 / root_beta1**2))
    term1 = 1 - 2 / (9.0 * a)
    denom = 1 + x * np.sqrt(2 / (a - 4.0))
    if denom == 0:
        return float("nan")
    term2 = np.sign(denom) * np.cbrt((1 - 2.0 / a) / abs(denom))
    return float((term1 - term2) / np.sqrt(2 / (9.0 * a)))


@dataclass(frozen=True)
class ResidualDiagnostics:
    """The summary's residual block, from the whitened residuals' sums.

    Attributes
    ----------
    n : float
    m2, m3, m4 : float
        Central moment sums ``Σ (r − r̄)^k``.
    squared_differences : float
        ``Σ (r_t − r_{t−1})²`` over the rows in order.
    sum_squares : float
        ``Σ r²``.
    """

    n: float
    m2: float
    m3: float
    m4: float
    squared_differences: float
    sum_squares: float

    @property
    def skew(self) -> float:
        """Sample skewness (biased, as ``scipy.stats.skew``)."""
        return float((self.m3 / self.n) / (self.m2 / self.n) ** 1.5)

    @property
    def kurtosis(self) -> float:
        """Pearson's kurtosis (3 for a normal sample), as statsmodels' ``jarque_bera``."""
        return float((self.m4 / self.n) / (self.m2 / self.n) ** 2)

    @property
    def jarque_bera(self) -> tuple[float, float]:
        """``(JB, p-value)``."""
        jb = self.n / 6.0 * (self.skew**2 + (self.kurtosis - 3) ** 2 / 4.0)
        return float(jb), float(stats.chi2.sf(jb, 2))

    @property
    def omnibus(self) -> tuple[float, float]:
        """D'Agostino–Pearson's ``K²`` and its p-value (NaN below 8 rows, as statsmodels)."""
        if self.n < 8:
            return float("nan"), float("nan")
        k2 = skew_z(self.skew, self.n) ** 2 + kurtosis_z(self.kurtosis, self.n) ** 2
        return float(k2), float(stats.chi2.sf(k2, 2))

    @property
    def durbin_watson(self) -> float:
        return float(self.squared_differences / self.sum_squares)
