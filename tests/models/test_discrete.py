"""Parity of daskstats' Logit, Probit and Poisson with statsmodels' discrete models.

References, computed here on the same data (never numbers taken from daskstats): statsmodels
(installed version, 0.15) ``statsmodels.api.Logit/Probit/Poisson`` on numpy or pandas arrays
and ``statsmodels.formula.api.logit/probit/poisson`` on the pandas frame, ``.fit(disp=0)``
(Newton's method), their ``get_margeff``, ``pred_table``, ``predict``, ``predict_prob``,
``summary``, tests and robust covariances. The one exception is cpunish's Poisson, whose
reference is fitted with ``maxiter=300``: statsmodels' default 35 Newton iterations from its
start do not converge there (``mle_retvals["converged"]`` False, llf -246363 against the
optimum's -31.93).

Data: statsmodels' ``spector`` and ``anes96`` (binary), ``fair`` (counts ``naff =
round(affairs · yrs_married / 4)``, exposure ``yrs_married``, a deterministic offset),
``randhie`` and ``cpunish`` (counts). Doors: arrays (numpy, pandas, dask arrays with irregular
row chunks) and formulas (pandas, dask DataFrame with one partition, and with irregular
partitions by ``ddf.repartition(divisions=[...])``, one of them a single row).

Tolerances (the issue's): params rtol 1e-6, bse (t, p, intervals) 1e-5, llf and the other
statistics 1e-7, marginal effects and their standard errors 1e-6, summary text equal apart
from the Date and Time lines.
"""

from __future__ import annotations

import functools
import io
import json
import pickle

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

import daskstats as ds
from daskstats.cli import main as cli_main

PARAMS_RTOL = 1e-6
BSE_RTOL = 1e-5
STAT_RTOL = 1e-7
MARGEFF_RTOL = 1e-6

ARRAY_DOORS = ("numpy", "pandas", "dask-array")
FORMULA_DOORS = ("formula-pandas", "formula-dask-1", "formula-dask-irregular")
DOORS = ARRAY_DOORS + FORMULA_DOORS
DASK_DOORS = ("dask-array", "formula-dask-1", "formula-dask-irregular")
FEW_DOORS = ("numpy", "dask-array", "formula-dask-irregular")

# --- data ------------------------------------------------------------------------------------
#: response and regressors of each data set (the formula is "y ~ x1 + x2 + ...")
SPECS = {
    "spector": ("GRADE", ["GPA", "TUCE", "PSI"]),
    "anes96": (
        "vote",
        ["logpopul", "TVnews", "selfLR", "ClinLR", "DoleLR", "PID", "age", "educ", "income"],
    ),
    "fair": ("naff", ["rate_marriage", "age", "religious", "educ", "children"]),
    "randhie": (
        "mdvis",
        ["lncoins", "idp", "lpi", "fmde", "physlm", "disea", "hlthg", "hlthf", "hlthp"],
    ),
    "cpunish": ("EXECUTIONS", ["INCOME", "PERPOVERTY", "PERBLACK", "logVC", "SOUTH", "DEGREE"]),
}
#: the Poisson's extra: None, an exposure or an offset column
EXTRAS = {"none": None, "exposure": "yrs_married", "offset": "off"}


def formula_of(name: str, drop: int = 0) -> str:
    y, xs = SPECS[name]
    return f"{y} ~ " + " + ".join(xs[: len(xs) - drop])


@functools.cache
def frame(name: str) -> pd.DataFrame:
    """A statsmodels data set with derived columns and deterministic cluster ids ``g``."""
    data = getattr(sm.datasets, name).load_pandas().data.reset_index(drop=True)
    n = len(data)
    if name == "fair":
        data["naff"] = np.round(data["affairs"] * data["yrs_married"] / 4).astype(int)
        data["off"] = ((np.arange(n) % 5) - 2) / 10.0
    if name == "cpunish":
        data["logVC"] = np.log(data["VC100k96"])
    data["g"] = np.arange(n) % 7
    return data


def irregular_bounds(n: int) -> list[int]:
    """Uneven row boundaries ``[0, ..., n]``: a short first partition, a single-row one."""
    cuts = {0, max(1, n // 25), n * 3 // 10, n * 3 // 10 + 1, n * 11 // 20, n * 17 // 20}
    return [*sorted(cuts), n]


def dask_frame(data: pd.DataFrame, layout: str) -> dd.DataFrame:
    ddf = dd.from_pandas(data, npartitions=1, sort=True)
    if layout == "one":
        return ddf
    bounds = irregular_bounds(len(data))
    out = ddf.repartition(divisions=[*bounds[:-1], len(data) - 1])
    sizes = out.map_partitions(len).compute().tolist()
    assert len(set(sizes)) > 2 and 1 in sizes, sizes
    return out


def dask_array(values) -> da.Array:
    values = np.asarray(values)
    chunks = tuple(np.diff(irregular_bounds(len(values))).tolist())
    return da.from_array(values, chunks=(chunks, *values.shape[1:]))


def formula_data(name: str, door: str):
    data = frame(name)
    return {
        "formula-pandas": data,
        "formula-dask-1": dask_frame(data, "one"),
        "formula-dask-irregular": dask_frame(data, "irregular"),
    }[door]


def array_data(name: str, door: str, extra: str = "none"):
    """``(y, X, extra values or None, groups)`` as the door gives them to daskstats (numpy for
    the numpy door and statsmodels' reference of the numpy and dask-array doors)."""
    data = frame(name)
    y_name, xs = SPECS[name]
    column = EXTRAS[extra]
    values = [data[y_name], sm.add_constant(data[xs]), None if column is None else data[column]]
    values.append(data["g"])
    if door == "pandas":
        return tuple(values)
    values = [None if v is None else np.asarray(v) for v in values]
    if door == "numpy":
        return tuple(values)
    return tuple(None if v is None else dask_array(v) for v in values)


# --- fits (cached) ---------------------------------------------------------------------------
def _cov(cov: str, groups):
    if cov == "cluster":
        return "cluster", {"groups": groups}
    return cov, None


@functools.cache
def reference(model: str, name: str, door: str, cov: str = "nonrobust", extra: str = "none"):
    """statsmodels' fit of the same model and data."""
    data = frame(name)
    maxiter = 300 if name == "cpunish" else 35
    if door in FORMULA_DOORS:
        column = EXTRAS[extra]
        kwargs = {} if column is None else {extra: data[column]}
        cov_type, cov_kwds = _cov(cov, data["g"])
        mod = getattr(smf, model.lower())(formula_of(name), data, **kwargs)
    else:
        y, X, values, g = array_data(name, "pandas" if door == "pandas" else "numpy", extra)
        kwargs = {} if values is None else {extra: values}
        cov_type, cov_kwds = _cov(cov, g)
        mod = getattr(sm, model)(y, X, **kwargs)
    robust = {} if cov_kwds is None else {"cov_kwds": cov_kwds}
    res = mod.fit(disp=0, maxiter=maxiter, cov_type=cov_type, **robust)
    assert res.mle_retvals["converged"]
    return res


@functools.cache
def ours(model: str, name: str, door: str, cov: str = "nonrobust", extra: str = "none"):
    """daskstats' ``Model(...).fit()`` or ``Model.from_formula(...).fit()``."""
    cls = getattr(ds, model)
    if door in FORMULA_DOORS:
        column = EXTRAS[extra]
        kwargs = {} if column is None else {extra: column}  # a column name
        cov_type, cov_kwds = _cov(cov, "g")
        mod = cls.from_formula(formula_of(name), formula_data(name, door), **kwargs)
    else:
        y, X, values, g = array_data(name, door, extra)
        kwargs = {} if values is None else {extra: values}
        cov_type, cov_kwds = _cov(cov, g)
        mod = cls(y, X, **kwargs)
    return mod.fit(cov_type=cov_type, cov_kwds=cov_kwds)


# --- helpers ---------------------------------------------------------------------------------
def computed(value):
    return value.compute() if dask.is_dask_collection(value) else value


def close(actual, expected, rtol, what, atol=0.0):
    np.testing.assert_allclose(
        np.asarray(computed(actual), dtype=float),
        np.asarray(expected, dtype=float),
        rtol=rtol,
        atol=atol,
        err_msg=what,
    )


def strip_time(text) -> str:
    return "\n".join(
        line for line in str(text).splitlines() if not line.startswith(("Date:", "Time:"))
    )


def assert_same_summary(res, ref):
    ours_text, theirs = strip_time(res.summary()), strip_time(ref.summary())
    assert ours_text == theirs, f"\n--- daskstats\n{ours_text}\n--- statsmodels\n{theirs}"


def assert_per_row(value, expected, door, name=None, what=""):
    """Lazy for dask input, in row order, indexed like the data in the formula doors."""
    if door in DASK_DOORS:
        assert dask.is_dask_collection(value), f"{what} is not lazy for {door}"
    value = computed(value)
    expected = np.asarray(expected, dtype=float)
    close(value, expected, 1e-6, what, atol=1e-10 * max(1.0, np.abs(expected).max()))
    if door in FORMULA_DOORS:
        assert isinstance(value, pd.Series), what
        assert value.index.equals(frame(name).index), what


STATISTICS = ("llf", "llnull", "llr", "llr_pvalue", "prsquared", "aic", "bic")


def assert_discrete_parity(res, ref):
    assert list(np.atleast_1d(res.model.exog_names)) == list(ref.model.exog_names)
    close(res.params, ref.params, PARAMS_RTOL, "params")
    close(res.bse, ref.bse, BSE_RTOL, "bse")
    close(res.tvalues, ref.tvalues, BSE_RTOL, "tvalues")
    close(res.pvalues, ref.pvalues, BSE_RTOL, "pvalues")
    close(res.conf_int(), ref.conf_int(), BSE_RTOL, "conf_int")
    close(res.cov_params(), ref.cov_params(), BSE_RTOL, "cov_params")
    for name in STATISTICS:
        close(getattr(res, name), getattr(ref, name), STAT_RTOL, name)
    assert res.df_model == ref.df_model
    assert res.df_resid == ref.df_resid
    assert res.nobs == ref.nobs
    assert res.k_constant == ref.k_constant
    assert res.use_t == ref.use_t
    assert res.cov_type == ref.cov_type
    assert bool(res.converged) == bool(ref.mle_retvals["converged"])


BINARY = ("model, name", [(m, n) for m in ("Logit", "Probit") for n in ("spector", "anes96")])
#: Poisson fits (name, extra, door): fair (exposure, offset) and cpunish through every door,
#: randhie (20190 rows) through two
COUNTS = (
    "name, extra, door",
    [
        pytest.param(name, extra, door, id=f"{name}-{extra}-{door}")
        for name, extra, doors in (
            ("fair", "exposure", DOORS),
            ("fair", "offset", DOORS),
            ("cpunish", "none", DOORS),
            ("randhie", "none", ("numpy", "formula-dask-irregular")),
        )
        for door in doors
    ],
)


# --- Logit / Probit --------------------------------------------------------------------------
@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(*BINARY)
def test_binary_statistics(model, name, door):
    """params, bse (Probit: statsmodels' observed information), llf, llnull, llr, ..."""
    assert_discrete_parity(ours(model, name, door), reference(model, name, door))


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(*BINARY)
def test_binary_summary(model, name, door):
    assert_same_summary(ours(model, name, door), reference(model, name, door))


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(*BINARY)
def test_pred_table(model, name, door):
    res, ref = ours(model, name, door), reference(model, name, door)
    for threshold in (0.5, 0.3, 0.7):
        np.testing.assert_array_equal(res.pred_table(threshold), ref.pred_table(threshold))
    np.testing.assert_array_equal(res.pred_table(), ref.pred_table())


@pytest.mark.parametrize(
    "door",
    [pytest.param(d) if d in ("formula-dask-1", "formula-dask-irregular") else d for d in DOORS],
)
def test_probit_resid_generalized(door):
    """statsmodels: ``y φ(xb)/Φ(xb) − (1 − y) φ(xb)/(1 − Φ(xb))``."""
    res, ref = ours("Probit", "spector", door), reference("Probit", "spector", door)
    assert_per_row(res.resid_generalized, ref.resid_generalized, door, "spector", "resid_g")


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(*BINARY)
def test_binary_per_row(model, name, door):
    """predict(which="mean"|"linear"), fittedvalues (the linear predictor), resid_generalized
    (Logit: y − p; Probit's in the test above), resid_response; lazy and aligned."""
    res, ref = ours(model, name, door), reference(model, name, door)
    assert_per_row(res.predict(), ref.predict(), door, name, "predict")
    assert_per_row(res.predict(which="mean"), ref.predict(which="mean"), door, name, "mean")
    assert_per_row(res.predict(which="linear"), ref.predict(which="linear"), door, name, "lin")
    assert_per_row(res.fittedvalues, ref.fittedvalues, door, name, "fittedvalues")
    assert_per_row(res.resid_response, ref.resid_response, door, name, "resid_response")
    if model == "Logit":
        assert_per_row(res.resid_generalized, ref.resid_generalized, door, name, "resid_g")


@pytest.mark.parametrize("door", ["numpy", "pandas", "formula-pandas", "formula-dask-irregular"])
@pytest.mark.parametrize("model", ["Logit", "Probit"])
def test_binary_predict_new_rows(model, door):
    res, ref = ours(model, "anes96", door), reference(model, "anes96", door)
    if door in FORMULA_DOORS:
        new = frame("anes96").iloc[10:30]
        new_ref = new
    else:
        new = array_data("anes96", door)[1][10:30]
        new_ref = new
    for which in ("mean", "linear"):
        close(res.predict(new, which=which), ref.predict(new_ref, which=which), 1e-6, which)


#: (at, method) pairs statsmodels allows, dummy/count variants
MARGINS = [
    (at, method, dummy, count)
    for at in ("overall", "mean", "median", "zero")
    for method in ("dydx", "eyex", "dyex", "eydx")
    for dummy, count in ((False, False), (True, False), (False, True), (True, True))
    # statsmodels: dummy/count effects only for dydx/eydx at overall/mean
    if not ((dummy or count) and (method in ("eyex", "dyex") or at in ("median", "zero")))
]


def _assert_margins(res, ref, at, method, dummy, count):
    theirs = ref.get_margeff(at=at, method=method, dummy=dummy, count=count)
    mine = res.get_margeff(at=at, method=method, dummy=dummy, count=count)
    np.testing.assert_allclose(
        mine.margeff, theirs.margeff, rtol=MARGEFF_RTOL, atol=1e-12, err_msg="margeff"
    )
    np.testing.assert_allclose(
        mine.margeff_se, theirs.margeff_se, rtol=MARGEFF_RTOL, atol=1e-12, err_msg="margeff_se"
    )
    assert str(mine.summary()) == str(theirs.summary())


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("model", ["Logit", "Probit"])
def test_binary_margins(model, door):
    """Every ``at``/``method`` (and ``dummy``/``count``) on spector (PSI is a dummy) through
    the irregular partitions; the default and the dummy effects at the mean elsewhere."""
    res, ref = ours(model, "spector", door), reference(model, "spector", door)
    grid = (
        MARGINS
        if door == "formula-dask-irregular"
        else [
            ("overall", "dydx", False, False),
            ("mean", "dydx", True, False),
        ]
    )
    for at, method, dummy, count in grid:
        _assert_margins(res, ref, at, method, dummy, count)


@pytest.mark.parametrize("door", ["pandas", "dask-array", "formula-dask-irregular"])
@pytest.mark.parametrize("cov", ["HC0", "HC1", "cluster"])
@pytest.mark.parametrize("model", ["Logit", "Probit"])
def test_binary_robust_covariances(model, cov, door):
    """HC0 (HC1 is the same for statsmodels' discrete models) and one-way cluster (groups as
    a column name in the formula door); the summary too."""
    res, ref = ours(model, "anes96", door, cov), reference(model, "anes96", door, cov)
    assert_discrete_parity(res, ref)
    assert_same_summary(res, ref)


@pytest.mark.parametrize("model", ["logit", "probit"])
def test_binary_formula_functions(model):
    """``ds.logit(formula, data, ...)`` / ``ds.probit`` return fitted results (reference:
    ``smf.logit/probit(formula, data).fit(...)``), with keywords going to fit."""
    data = frame("anes96")
    f = formula_of("anes96")
    ref = getattr(smf, model)(f, data).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": data["g"]}
    )
    res = getattr(ds, model)(
        f, dask_frame(data, "irregular"), cov_type="cluster", cov_kwds={"groups": "g"}
    )
    assert_discrete_parity(res, ref)
    assert_same_summary(res, ref)


# --- Poisson ---------------------------------------------------------------------------------
@pytest.mark.parametrize(*COUNTS)
def test_poisson_statistics(name, extra, door):
    """Exposure and offset: arrays in the array doors, column names in the formula doors."""
    res, ref = (
        ours("Poisson", name, door, extra=extra),
        reference("Poisson", name, door, extra=extra),
    )
    assert_discrete_parity(res, ref)


@pytest.mark.parametrize(*COUNTS)
def test_poisson_summary(name, extra, door):
    res, ref = (
        ours("Poisson", name, door, extra=extra),
        reference("Poisson", name, door, extra=extra),
    )
    assert_same_summary(res, ref)


@pytest.mark.parametrize(*COUNTS)
def test_poisson_per_row(name, extra, door):
    """predict (mean, linear: with the exposure/offset), resid, predict_prob (statsmodels'
    PoissonResults has no resid_generalized; fittedvalues: test_poisson_fittedvalues)."""
    res, ref = (
        ours("Poisson", name, door, extra=extra),
        reference("Poisson", name, door, extra=extra),
    )
    assert_per_row(res.predict(), ref.predict(), door, name, "predict")
    assert_per_row(res.predict(which="linear"), ref.predict(which="linear"), door, name, "lin")
    assert_per_row(res.resid, ref.resid, door, name, "resid")
    probs = res.predict_prob()
    if door in DASK_DOORS:
        assert dask.is_dask_collection(probs)
    close(probs, ref.predict_prob(), 1e-6, "predict_prob", atol=1e-14)
    close(res.predict_prob(n=[0, 1, 3]), ref.predict_prob(n=[0, 1, 3]), 1e-6, "n", atol=1e-14)
    close(res.predict(which="prob"), ref.predict(which="prob"), 1e-6, "which=prob", atol=1e-14)


@pytest.mark.parametrize(
    "name, extra, door",
    [
        pytest.param(
            name,
            extra,
            door,
            marks=(),
            id=f"{name}-{extra}-{door}",
        )
        for name, extra in (("fair", "exposure"), ("fair", "offset"), ("cpunish", "none"))
        for door in ("numpy", "dask-array", "formula-pandas", "formula-dask-irregular")
    ],
)
def test_poisson_fittedvalues(name, extra, door):
    """statsmodels: ``fittedvalues = exog @ params`` (no offset, no exposure)."""
    res, ref = (
        ours("Poisson", name, door, extra=extra),
        reference("Poisson", name, door, extra=extra),
    )
    assert_per_row(res.fittedvalues, ref.fittedvalues, door, name, "fittedvalues")


@pytest.mark.parametrize(
    "door", ["numpy", "pandas", "dask-array", "formula-pandas", "formula-dask-irregular"]
)
@pytest.mark.parametrize("extra", ["exposure", "offset"])
def test_poisson_predict_new_rows(extra, door):
    """New rows with their exposure/offset (statsmodels: the keyword; a formula model given a
    column name reads it from the new rows)."""
    res, ref = (
        ours("Poisson", "fair", door, extra=extra),
        reference("Poisson", "fair", door, extra=extra),
    )
    rows = slice(100, 130)
    new_values = np.asarray(frame("fair")[EXTRAS[extra]])[rows]
    if door in FORMULA_DOORS:
        new = frame("fair").iloc[rows]
        got = res.predict(new)
    else:
        new = array_data("fair", "numpy" if door == "dask-array" else door, extra)[1][rows]
        got = res.predict(new, **{extra: new_values})
    expected = ref.predict(new, **{extra: new_values})
    close(got, expected, 1e-6, "new rows")
    close(
        res.predict(new, **{extra: new_values}, which="linear"),
        ref.predict(new, **{extra: new_values}, which="linear"),
        1e-6,
        "linear",
    )


@pytest.mark.parametrize(
    "name, extra, door",
    [
        ("fair", "exposure", "formula-dask-irregular"),
        ("fair", "exposure", "dask-array"),
        ("fair", "exposure", "numpy"),
        ("cpunish", "none", "formula-dask-1"),
        ("randhie", "none", "formula-dask-irregular"),
    ],
)
def test_poisson_margins(name, extra, door):
    """Every ``at``/``method``/``dummy``/``count`` on fair (age, educ and children are counts)
    through the irregular partitions; the default and dummy/count effects at the mean
    elsewhere (randhie: idp and hlth* are dummies; cpunish: SOUTH)."""
    res, ref = (
        ours("Poisson", name, door, extra=extra),
        reference("Poisson", name, door, extra=extra),
    )
    full = (name, door) == ("fair", "formula-dask-irregular")
    grid = MARGINS if full else [("overall", "dydx", False, False), ("mean", "dydx", True, True)]
    for at, method, dummy, count in grid:
        _assert_margins(res, ref, at, method, dummy, count)


@pytest.mark.parametrize("door", ["numpy", "formula-dask-irregular"])
def test_poisson_margins_with_offset_not_available(door):
    """statsmodels raises NotImplementedError("Margins with offset are not available.")."""
    ref = reference("Poisson", "fair", door, extra="offset")
    with pytest.raises(NotImplementedError, match="offset") as theirs:
        ref.get_margeff()
    with pytest.raises(NotImplementedError) as mine:
        ours("Poisson", "fair", door, extra="offset").get_margeff()
    assert str(mine.value) == str(theirs.value)


def test_poisson_formula_with_categorical():
    """``C(religious)`` dummies (dummy margins), exposure by column name, ``ds.poisson``."""
    data = frame("fair")
    f = "naff ~ rate_marriage + age + C(religious) + educ"
    ref = smf.poisson(f, data, exposure=data["yrs_married"]).fit(disp=0)
    res = ds.poisson(f, dask_frame(data, "irregular"), exposure="yrs_married")
    assert_discrete_parity(res, ref)
    assert_same_summary(res, ref)
    for at in ("overall", "mean"):
        _assert_margins(res, ref, at, "dydx", True, False)


@pytest.mark.parametrize("door", ["pandas", "dask-array", "formula-dask-irregular"])
@pytest.mark.parametrize("cov", ["HC0", "HC1", "cluster"])
def test_poisson_robust_covariances(cov, door):
    res = ours("Poisson", "fair", door, cov, extra="exposure")
    ref = reference("Poisson", "fair", door, cov, extra="exposure")
    assert_discrete_parity(res, ref)
    assert_same_summary(res, ref)


# --- every model: tests, pickling, persistence, compare --------------------------------------
ALL = [("Logit", "spector", "none"), ("Probit", "anes96", "none"), ("Poisson", "fair", "exposure")]


@pytest.mark.parametrize("door", ["numpy", "dask-array", "formula-dask-irregular"])
@pytest.mark.parametrize("model, name, extra", ALL)
def test_t_f_wald_tests(model, name, extra, door):
    res, ref = ours(model, name, door, extra=extra), reference(model, name, door, extra=extra)
    k = len(ref.params)
    names = list(ref.model.exog_names)
    if door in FORMULA_DOORS:
        one, two = f"{names[1]} = {names[2]}", f"{names[1]} = {names[2]}, {names[3]} = 0.1"
    else:
        one = np.eye(k)[1] - np.eye(k)[2]
        two = (np.vstack([np.eye(k)[1] - np.eye(k)[2], np.eye(k)[3]]), np.array([0.0, 0.1]))
    t_ours, t_ref = res.t_test(one), ref.t_test(one)
    for attr in ("effect", "sd", "tvalue", "pvalue"):
        close(getattr(t_ours, attr), getattr(t_ref, attr), BSE_RTOL, f"t_test.{attr}")
    close(t_ours.conf_int(), t_ref.conf_int(), BSE_RTOL, "t_test.conf_int")
    assert t_ours.distribution == t_ref.distribution
    f_ours, f_ref = res.f_test(two), ref.f_test(two)
    close(f_ours.fvalue, f_ref.fvalue, BSE_RTOL, "f_test.fvalue")
    close(f_ours.pvalue, f_ref.pvalue, BSE_RTOL, "f_test.pvalue")
    assert (f_ours.df_num, f_ours.df_denom) == (f_ref.df_num, f_ref.df_denom)
    for use_f in (False, True):
        w_ours = res.wald_test(two, use_f=use_f, scalar=True)
        w_ref = ref.wald_test(two, use_f=use_f, scalar=True)
        close(w_ours.statistic, w_ref.statistic, BSE_RTOL, "wald_test.statistic")
        close(w_ours.pvalue, w_ref.pvalue, BSE_RTOL, "wald_test.pvalue")
        assert w_ours.distribution == w_ref.distribution


@pytest.mark.parametrize("door", ["numpy", "dask-array", "formula-dask-irregular"])
@pytest.mark.parametrize("model, name, extra", ALL)
def test_pickle_round_trip(model, name, extra, door):
    res, ref = ours(model, name, door, extra=extra), reference(model, name, door, extra=extra)
    back = pickle.loads(pickle.dumps(res))
    assert type(back) is type(res)
    assert_discrete_parity(back, ref)
    assert_same_summary(back, ref)
    assert_per_row(back.predict(), ref.predict(), door, name, "predict")


@pytest.mark.parametrize("model, name, extra", ALL)
def test_save_load(model, name, extra, tmp_path):
    """``res.save(path)`` / ``ds.load(path)``: estimates, statistics, the summary and
    predictions for new rows (the exposure read from them) without the data."""
    door = "formula-dask-irregular"
    res, ref = ours(model, name, door, extra=extra), reference(model, name, door, extra=extra)
    path = tmp_path / "res.dsk"
    res.save(path)
    loaded = ds.load(path)
    close(loaded.params, ref.params, PARAMS_RTOL, "params")
    close(loaded.bse, ref.bse, BSE_RTOL, "bse")
    assert strip_time(loaded.summary()) == strip_time(ref.summary())
    for stat in STATISTICS:
        close(getattr(loaded, stat), getattr(ref, stat), STAT_RTOL, stat)
    new = frame(name).iloc[5:25]
    kwargs = {} if extra == "none" else {extra: new[EXTRAS[extra]]}
    close(loaded.predict(new), ref.predict(new, **kwargs), 1e-6, "predict after load")


@pytest.mark.parametrize("model, name, extra", ALL)
def test_compare_side_by_side(model, name, extra):
    door = "formula-dask-irregular"
    res, ref = ours(model, name, door, extra=extra), reference(model, name, door, extra=extra)
    table = ds.compare(res, ref, names=("daskstats", "statsmodels"))
    assert list(table.columns) == ["daskstats", "statsmodels", "abs_diff", "rel_diff"]
    for what, rtol in (("params", PARAMS_RTOL), ("bse", BSE_RTOL), ("pvalues", BSE_RTOL)):
        block = table.loc[what]
        assert list(block.index) == list(ref.params.index)
        close(block["statsmodels"], getattr(ref, what), 0, what)
        assert (block["rel_diff"] <= rtol).all(), what
    fit = table.loc["fit"]
    for stat in ("nobs", "df_model", "df_resid", "llf", "llnull", "aic", "prsquared"):
        assert stat in fit.index, stat
        close(fit.loc[stat, "statsmodels"], getattr(ref, stat), 0, stat)
        assert fit.loc[stat, "rel_diff"] <= STAT_RTOL, stat


# --- command line ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def parquet_files(tmp_path_factory):
    """One parquet file (pandas) per data set."""
    folder = tmp_path_factory.mktemp("cli")
    paths = {}
    for name in ("anes96", "fair"):
        paths[name] = str(folder / f"{name}.parquet")
        frame(name).to_parquet(paths[name])
    return paths


@pytest.mark.parametrize(
    "model, name, extra",
    [("logit", "anes96", "none"), ("probit", "anes96", "none"), ("poisson", "fair", "exposure")],
)
def test_cli_fit_json(model, name, extra, parquet_files, capsys):
    """``daskstats fit DATA FORMULA --model logit|probit|poisson --format json``."""
    data = frame(name)
    f = formula_of(name)
    args = ["fit", parquet_files[name], f, "--model", model, "--format", "json"]
    kwargs = {}
    if extra != "none":
        args += [f"--{extra}", EXTRAS[extra]]
        kwargs = {extra: data[EXTRAS[extra]]}
    ref = getattr(smf, model)(f, data, **kwargs).fit(disp=0)
    assert cli_main(args) == 0
    got = json.load(io.StringIO(capsys.readouterr().out))
    assert got["model"] == model.capitalize()
    assert got["nobs"] == ref.nobs
    assert list(got["params"]) == list(ref.params.index)
    close(list(got["params"].values()), ref.params, PARAMS_RTOL, "params")
    close(list(got["bse"].values()), ref.bse, BSE_RTOL, "bse")
    close(list(got["pvalues"].values()), ref.pvalues, BSE_RTOL, "pvalues")
    close(list(got["conf_int"].values()), ref.conf_int(), BSE_RTOL, "conf_int")
    for stat in ("llf", "aic", "bic", "llnull", "llr_pvalue", "prsquared"):
        close(got[stat], getattr(ref, stat), STAT_RTOL, stat)
