"""Parity with statsmodels' GLM on data sets statsmodels ships, for every family and link.

Reference: ``statsmodels.formula.api.glm(formula, pandas_frame, family, ...).fit()`` computed
here on the same data (statsmodels 0.14+/0.15), compared at the issue's tolerances.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.formula.api as smf
from cases import CASES, dataset
from conftest import LAYOUTS, assert_matches_statsmodels, materialize, to_dask

import daskstats as ds


def _statsmodels_fit(case, data):
    kwargs = {k: data[v] for k, v in case.options.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return smf.glm(case.formula, data, family=case.family(), **kwargs).fit()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_matches_statsmodels(case, layout):
    data = dataset(case.data)
    theirs = _statsmodels_fit(case, data)
    assert theirs.converged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.DomainWarning)
        ours = ds.glm(case.formula, to_dask(data, layout), family=case.family(), **case.options)
    assert ours.converged
    assert ours.n_iter == theirs.fit_history["iteration"]
    assert_matches_statsmodels(ours, theirs)


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in CASES
        if c.id
        in {
            "poisson-log-fair-interaction-weights",
            "binomial-logit-star98",
            "gamma-log-scotland-varweights",
            "tweedie-log-fair",
        }
    ],
    ids=lambda c: c.id,
)
def test_residuals_and_predictions_match_statsmodels(case):
    data = dataset(case.data)
    theirs = _statsmodels_fit(case, data)
    ours = ds.glm(case.formula, to_dask(data, "irregular"), family=case.family(), **case.options)
    for name in ("mu", "resid_response", "resid_pearson", "resid_deviance", "resid_working"):
        np.testing.assert_allclose(
            materialize(getattr(ours, name)),
            np.asarray(getattr(theirs, name)),
            rtol=1e-6,
            atol=1e-10,
            err_msg=name,
        )
    np.testing.assert_allclose(materialize(ours.fittedvalues), theirs.fittedvalues, rtol=1e-6)
    np.testing.assert_allclose(
        materialize(ours.predict(which="linear")).to_numpy(),
        theirs.predict(which="linear"),
        rtol=1e-6,
        atol=1e-10,
    )


def test_summary_has_statsmodels_layout_and_values():
    case = next(c for c in CASES if c.id == "poisson-log-fair-exposure")
    data = dataset(case.data)
    theirs = _statsmodels_fit(case, data)
    ours = ds.glm(case.formula, to_dask(data, "irregular"), family=case.family(), **case.options)
    ours_text = ours.summary().as_text().splitlines()
    theirs_text = theirs.summary().as_text().splitlines()
    assert len(ours_text) == len(theirs_text)
    for a, b in zip(ours_text, theirs_text):
        if a.startswith(("Date:", "Time:")):
            continue
        # Date/Time cells sit on the left of rows that also hold statistics
        assert a.split("   ")[-1] == b.split("   ")[-1]
    # the coefficient table is identical line by line
    start = next(i for i, line in enumerate(theirs_text) if line.strip().startswith("coef"))
    assert ours_text[start:] == theirs_text[start:]
    assert "<table" in ours._repr_html_()
