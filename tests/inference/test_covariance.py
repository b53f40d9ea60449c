"""Robust covariances (HC0, one- and two-way cluster) against statsmodels' GLM on shipped data.

Reference: ``smf.glm(...).fit(cov_type=..., cov_kwds={"groups": ...})`` on the same frame.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.formula.api as smf
from cases import CASES, dataset
from conftest import assert_close, to_dask

import daskstats as ds

CHOSEN = [
    "poisson-log-fair-interaction-weights",
    "gamma-log-scotland",
    "binomial-logit-star98",
    "binomial-probit-spector-freqweights",
    "tweedie-log-fair",
    "gaussian-identity-varweights",
]
COVS = [
    ("HC0", None),
    ("cluster", "grp"),
    ("cluster", ["grp", "fw"]),
]


@pytest.mark.parametrize("cov_type,groups", COVS, ids=["HC0", "cluster", "cluster2way"])
@pytest.mark.parametrize("case_id", CHOSEN)
def test_robust_covariance_matches_statsmodels(case_id, cov_type, groups):
    case = next(c for c in CASES if c.id == case_id)
    data = dataset(case.data)
    kwargs = {k: data[v] for k, v in case.options.items()}
    sm_kwds = {}
    if groups is not None:
        sm_kwds = {"groups": data[groups] if isinstance(groups, str) else data[groups].to_numpy()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = smf.glm(case.formula, data, family=case.family(), **kwargs).fit(
            cov_type=cov_type, cov_kwds=sm_kwds
        )
    ours = ds.glm(
        case.formula,
        to_dask(data, "irregular"),
        family=case.family(),
        cov_type=cov_type,
        cov_kwds={"groups": groups} if groups is not None else None,
        **case.options,
    )
    assert_close(ours.bse, theirs.bse, 1e-6, "bse")
    assert_close(ours.cov_params(), theirs.cov_params(), 1e-6, "cov_params")
    assert_close(ours.pvalues, theirs.pvalues, 1e-5, "pvalues")
    assert_close(ours.conf_int(), theirs.conf_int(), 1e-6, "conf_int")
    assert ours.cov_type == theirs.cov_type
    assert cov_type in ours.summary().as_text()


def test_cluster_with_use_t_uses_groups_minus_one_degrees_of_freedom():
    data = dataset("fair")
    f = "affairs ~ rate_marriage + age"
    fam = ds.families.Poisson
    theirs = smf.glm(f, data, family=fam()).fit(
        cov_type="cluster", cov_kwds={"groups": data["grp"]}, use_t=True
    )
    ours = ds.glm(
        f,
        to_dask(data, "irregular"),
        fam(),
        cov_type="cluster",
        cov_kwds={"groups": "grp"},
        use_t=True,
    )
    assert_close(ours.pvalues, theirs.pvalues, 1e-6, "pvalues")
    assert_close(ours.conf_int(), theirs.conf_int(), 1e-6, "conf_int")


def test_cluster_groups_as_dask_series_and_string_labels():
    data = dataset("fair")
    data["label"] = np.array([f"g{i % 11}" for i in range(len(data))], dtype=object)
    f = "affairs ~ rate_marriage + age"
    theirs = smf.glm(f, data, family=ds.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": data["label"]}
    )
    ddf = to_dask(data, "irregular")
    ours = ds.glm(
        f, ddf, ds.families.Poisson(), cov_type="cluster", cov_kwds={"groups": ddf["label"]}
    )
    assert_close(ours.bse, theirs.bse, 1e-6, "bse")


def test_cluster_without_groups_is_a_clear_error():
    data = dataset("fair")
    with pytest.raises(ds.DataError, match="groups"):
        ds.glm("affairs ~ age", data, ds.families.Poisson(), cov_type="cluster")
