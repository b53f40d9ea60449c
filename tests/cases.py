"""Parity cases: statsmodels' shipped data sets, formulas, families and links.

Each case names a data set from ``statsmodels.datasets``, a formula, a family factory and the
model options; the reference is statsmodels' own ``smf.glm(...).fit()`` on the same pandas
frame, computed in the test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

L = sm.families.links


def dataset(name: str) -> pd.DataFrame:
    data = getattr(sm.datasets, name).load_pandas().data.copy()
    n = len(data)
    # deterministic weights, offsets and groups derived from the row number (not random)
    data["fw"] = (np.arange(n) % 3 + 1).astype(float)
    data["vw"] = 0.5 + (np.arange(n) % 4) / 2.0
    data["off"] = ((np.arange(n) % 5) - 2) / 10.0
    data["grp"] = np.arange(n) % 7
    return data


@dataclass(frozen=True)
class Case:
    id: str
    data: str
    formula: str
    family: object  # callable returning a family
    options: dict = field(default_factory=dict)


def _fam(cls, link=None, **kw):
    def make():
        return cls(link=link(), **kw) if link is not None else cls(**kw)

    return make


STAR98 = "NABOVE + NBELOW ~ LOWINC + PERASIAN + PERBLACK + PERHISP + PCTCHRT + PCTYRRND"
SCOTLAND = "YES ~ COUTAX + UNEMPF + MOR + ACT + GDP + AGE"
CPUNISH = "EXECUTIONS ~ INCOME + PERPOVERTY + PERBLACK + np.log(VC100k96) + SOUTH + DEGREE"
SPECTOR = "GRADE ~ GPA + TUCE + PSI"
RANDHIE = "mdvis ~ lncoins + idp + lpi + fmde + physlm + disea + hlthg + hlthf + hlthp"
FAIR = "affairs ~ rate_marriage + age + yrs_married + C(religious) + educ"

F = sm.families

CASES = [
    # Gaussian
    Case(
        "gaussian-identity-longley",
        "longley",
        "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR",
        _fam(F.Gaussian),
    ),
    Case("gaussian-log-scotland", "scotland", SCOTLAND, _fam(F.Gaussian, L.Log)),
    Case("gaussian-inverse-scotland", "scotland", SCOTLAND, _fam(F.Gaussian, L.InversePower)),
    Case(
        "gaussian-identity-varweights",
        "scotland",
        SCOTLAND,
        _fam(F.Gaussian),
        {"var_weights": "vw"},
    ),
    Case(
        "gaussian-identity-freqweights-offset",
        "fair",
        FAIR,
        _fam(F.Gaussian),
        {"freq_weights": "fw", "offset": "off"},
    ),
    # Binomial: two-column response (star98) and binary (spector)
    Case("binomial-logit-star98", "star98", STAR98, _fam(F.Binomial, L.Logit)),
    Case("binomial-probit-star98", "star98", STAR98, _fam(F.Binomial, L.Probit)),
    Case("binomial-cauchy-star98", "star98", STAR98, _fam(F.Binomial, L.Cauchy)),
    Case("binomial-cloglog-star98", "star98", STAR98, _fam(F.Binomial, L.CLogLog)),
    Case("binomial-loglog-star98", "star98", STAR98, _fam(F.Binomial, L.LogLog)),
    Case(
        "binomial-log-star98",
        "star98",
        "NABOVE + NBELOW ~ PCTCHRT + PERMINTE",
        _fam(F.Binomial, L.Log),
    ),
    Case(
        "binomial-logc-star98",
        "star98",
        "NBELOW + NABOVE ~ PERBLACK + PERMINTE",
        _fam(F.Binomial, L.LogC),
    ),
    Case(
        "binomial-identity-star98",
        "star98",
        "NABOVE + NBELOW ~ LOWINC + PERASIAN",
        _fam(F.Binomial, L.Identity),
    ),
    Case("binomial-logit-spector", "spector", SPECTOR, _fam(F.Binomial)),
    Case(
        "binomial-probit-spector-freqweights",
        "spector",
        SPECTOR,
        _fam(F.Binomial, L.Probit),
        {"freq_weights": "fw"},
    ),
    Case("binomial-logit-star98-offset", "star98", STAR98, _fam(F.Binomial), {"offset": "off"}),
    # Poisson
    Case("poisson-log-cpunish", "cpunish", CPUNISH, _fam(F.Poisson)),
    Case("poisson-log-randhie", "randhie", RANDHIE, _fam(F.Poisson)),
    Case(
        "poisson-identity-cpunish",
        "cpunish",
        "EXECUTIONS ~ INCOME + SOUTH",
        _fam(F.Poisson, L.Identity),
    ),
    Case("poisson-sqrt-cpunish", "cpunish", "EXECUTIONS ~ INCOME + SOUTH", _fam(F.Poisson, L.Sqrt)),
    Case(
        "poisson-log-fair-exposure",
        "fair",
        "affairs ~ rate_marriage + age + C(religious)",
        _fam(F.Poisson),
        {"exposure": "yrs_married"},
    ),
    Case(
        "poisson-log-fair-interaction-weights",
        "fair",
        "affairs ~ C(rate_marriage) * age + C(religious) + educ",
        _fam(F.Poisson),
        {"freq_weights": "fw", "var_weights": "vw", "offset": "off"},
    ),
    # Gamma
    Case("gamma-inverse-scotland", "scotland", SCOTLAND, _fam(F.Gamma)),
    Case("gamma-log-scotland", "scotland", SCOTLAND, _fam(F.Gamma, L.Log)),
    Case("gamma-identity-scotland", "scotland", SCOTLAND, _fam(F.Gamma, L.Identity)),
    Case(
        "gamma-log-scotland-varweights",
        "scotland",
        SCOTLAND,
        _fam(F.Gamma, L.Log),
        {"var_weights": "vw"},
    ),
    Case(
        "gamma-log-scotland-freqweights",
        "scotland",
        SCOTLAND,
        _fam(F.Gamma, L.Log),
        {"freq_weights": "fw"},
    ),
    # Inverse Gaussian
    Case("invgauss-inversesquared-scotland", "scotland", SCOTLAND, _fam(F.InverseGaussian)),
    Case(
        "invgauss-inverse-scotland", "scotland", SCOTLAND, _fam(F.InverseGaussian, L.InversePower)
    ),
    Case("invgauss-identity-scotland", "scotland", SCOTLAND, _fam(F.InverseGaussian, L.Identity)),
    Case(
        "invgauss-log-scotland-varweights",
        "scotland",
        SCOTLAND,
        _fam(F.InverseGaussian, L.Log),
        {"var_weights": "vw"},
    ),
    # Negative binomial (alpha fixed, as statsmodels' GLM family)
    Case("negbin-log-randhie", "randhie", RANDHIE, _fam(F.NegativeBinomial)),
    Case(
        "negbin-cloglog-star98",
        "star98",
        "I(NABOVE / (NABOVE + NBELOW)) ~ PERMINTE + PCTCHRT",
        _fam(F.NegativeBinomial, L.CLogLog),
    ),
    Case(
        "negbin-identity-cpunish",
        "cpunish",
        "EXECUTIONS ~ INCOME + SOUTH",
        _fam(F.NegativeBinomial, L.Identity),
    ),
    Case(
        "negbin-nblink-cpunish",
        "cpunish",
        "EXECUTIONS ~ INCOME + SOUTH",
        lambda: F.NegativeBinomial(link=L.NegativeBinomial(alpha=1.0), alpha=1.0),
    ),
    Case(
        "negbin-power-cpunish",
        "cpunish",
        "EXECUTIONS ~ INCOME + SOUTH",
        lambda: F.NegativeBinomial(link=L.Power(0.5)),
    ),
    Case(
        "negbin-log-fair-exposure",
        "fair",
        FAIR,
        lambda: F.NegativeBinomial(alpha=0.5),
        {"exposure": "yrs_married"},
    ),
    # Tweedie
    Case("tweedie-log-fair", "fair", FAIR, lambda: F.Tweedie(var_power=1.5)),
    Case(
        "tweedie-power-fair",
        "fair",
        "affairs ~ rate_marriage + age + yrs_married",
        lambda: F.Tweedie(link=L.Power(0.5), var_power=1.5),
    ),
    Case(
        "tweedie-log-fair-varweights",
        "fair",
        FAIR,
        lambda: F.Tweedie(var_power=1.2),
        {"var_weights": "vw"},
    ),
]


ENET_RESULTS = Path(sm.__file__).parent / "genmod" / "tests" / "results"
ENET_FAMILIES = {"binomial": sm.families.Binomial, "poisson": sm.families.Poisson}


def enet_dataset(dtype: str):
    """statsmodels' shipped elastic-net test data (``enet_binomial.csv``/``enet_poisson.csv``):
    the frame, a formula without intercept and statsmodels' model on the same arrays."""
    data = np.loadtxt(ENET_RESULTS / f"enet_{dtype}.csv", delimiter=",")
    frame = pd.DataFrame(data[:, 1:], columns=[f"x{i}" for i in range(data.shape[1] - 1)])
    frame["y"] = data[:, 0]
    formula = "y ~ " + " + ".join(frame.columns[:-1]) + " - 1"
    return frame, formula, sm.GLM(data[:, 0], data[:, 1:], family=ENET_FAMILIES[dtype]())
