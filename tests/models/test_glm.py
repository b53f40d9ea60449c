"""GLM options: dask Series arguments, start_params, verbose output, the two-step API."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.formula.api as smf
from cases import dataset
from conftest import assert_matches_statsmodels, to_dask

import daskstats as ds


def test_offset_and_weights_as_dask_series():
    data = dataset("fair")
    ddf = to_dask(data, "irregular")
    ours = ds.glm(
        "affairs ~ rate_marriage + age",
        ddf,
        ds.families.Poisson(),
        offset=ddf["off"],
        freq_weights=ddf["fw"],
    )
    theirs = smf.glm(
        "affairs ~ rate_marriage + age",
        data,
        family=ds.families.Poisson(),
        offset=data["off"],
        freq_weights=data["fw"],
    ).fit()
    assert_matches_statsmodels(ours, theirs)


def test_arrays_accepted_with_pandas_data():
    data = dataset("fair")
    ours = ds.glm(
        "affairs ~ rate_marriage + age",
        data,
        ds.families.Poisson(),
        var_weights=data["vw"].to_numpy(),
    )
    theirs = smf.glm(
        "affairs ~ rate_marriage + age", data, family=ds.families.Poisson(), var_weights=data["vw"]
    ).fit()
    assert_matches_statsmodels(ours, theirs)


def test_start_params_give_statsmodels_answer():
    data = dataset("scotland")
    f = "YES ~ COUTAX + UNEMPF"
    fam = ds.families.Gamma(ds.families.links.Log())
    theirs = smf.glm(f, data, family=fam).fit(start_params=np.array([4.0, 0.0, 0.0]))
    ours = ds.glm(f, data, fam, start_params=[4.0, 0.0, 0.0])
    np.testing.assert_allclose(ours.params, theirs.params, rtol=1e-6)
    with pytest.raises(ds.DataError, match="start_params must have 3 values"):
        ds.glm(f, data, fam, start_params=[1.0])


def test_verbose_prints_one_line_per_iteration(capsys):
    data = dataset("cpunish")
    res = ds.glm("EXECUTIONS ~ INCOME + SOUTH", data, ds.families.Poisson(), verbose=True)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("iteration")]
    assert len(lines) == res.n_iter + 1
    assert "deviance" in lines[-1] and "rel. change" in lines[-1]


def test_two_step_api_and_repr():
    data = dataset("spector")
    model = ds.GLM.from_formula("GRADE ~ GPA + TUCE + PSI", data, ds.families.Binomial())
    assert model.exog_names == ["Intercept", "GPA", "TUCE", "PSI"]
    res = model.fit()
    theirs = smf.glm("GRADE ~ GPA + TUCE + PSI", data, family=ds.families.Binomial()).fit()
    assert_matches_statsmodels(res, theirs)
    assert "Binomial(Logit)" in repr(res)
    with pytest.raises(TypeError, match="endog"):
        ds.GLM()  # statsmodels' door: GLM(endog, exog, family)


def test_results_are_immutable():
    res = ds.glm("GRADE ~ GPA", dataset("spector"), ds.families.Binomial())
    with pytest.raises(AttributeError):
        res.params = None
