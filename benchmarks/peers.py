"""Peer GLM implementations timed against daskstats by ``benchmarks/run.py``.

Every peer is a :class:`Peer` in :data:`PEERS`.  ``prepare(case, options)`` converts the case's
data to the peer's input format (untimed, or timed separately as "load" for Spark) and returns a
:class:`Prepared` whose zero-argument ``fit`` is what gets timed; ``fit`` returns the
coefficients in the order of ``case.names`` (intercept first).
"""

from __future__ import annotations

import importlib.util
import math
import os
import shutil
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Case", "Options", "Peer", "Prepared", "PEERS", "unavailable_reason", "shutdown"]


@dataclass
class Case:
    """One synthetic data set, in every form the fits need.

    Attributes
    ----------
    name : str
        ``logistic``, ``poisson_cat``, ``gaussian`` or ``wide``.
    family : str
        ``binomial``, ``poisson`` or ``gaussian`` (canonical link).
    formula : str
        daskstats formula.
    frame : pandas.DataFrame
        Response ``y``, numeric columns ``x*``, optionally ``g`` (categorical) and ``off``.
    X : ndarray of shape (n, p)
        C-contiguous float64 design, intercept column first, in the order of ``names``.
    y : ndarray of shape (n,)
    offset : ndarray of shape (n,) or None
    names : list of str
        daskstats' coefficient names (``Intercept``, ``x0``, ..., ``C(g)[T.level]``).
    numeric : list of str
        Numeric predictor columns of ``frame``.
    levels : list of str
        Levels of ``g`` (sorted; the first is the reference level), empty if no factor.
    """

    name: str
    family: str
    formula: str
    frame: pd.DataFrame
    X: np.ndarray
    y: np.ndarray
    offset: np.ndarray | None
    names: list
    numeric: list
    levels: list = field(default_factory=list)

    @property
    def nrows(self) -> int:
        return len(self.y)


@dataclass
class Options:
    """Command-line settings the peers use."""

    partitions: int = 16
    statsmodels_rows: int | None = None
    spark_memory: str = "8g"


@dataclass
class Prepared:
    """A peer ready to fit: ``fit()`` is timed; ``scale`` multiplies its seconds (extrapolation).

    Attributes
    ----------
    fit : callable
        Fits the model and returns the coefficients in ``case.names`` order.
    scale : float
        Factor applied to the measured seconds (``rows / subsample rows`` when subsampled).
    note : str
        Shown in the table (tolerances, subsampling, load time, ...).
    comparable : bool
        Whether the coefficients come from the same rows as daskstats' fit.
    close : callable, optional
        Releases the converted data (e.g. unpersists Spark's cached frame).
    """

    fit: Callable[[], np.ndarray]
    scale: float = 1.0
    note: str = ""
    comparable: bool = True
    close: Callable[[], None] = lambda: None


@dataclass
class Peer:
    """A peer: required modules, an optional support check and a prepare function."""

    name: str
    modules: tuple
    prepare: Callable[[Case, Options], Prepared]
    supports: Callable[[Case], str | None] = lambda case: None


def unavailable_reason(peer: Peer) -> str | None:
    """Why ``peer`` cannot run here (missing module or Java), or None if it can."""
    for module in peer.modules:
        if importlib.util.find_spec(module) is None:
            return f"not installed ({module} not importable)"
    if peer.name == "spark" and shutil.which("java") is None:
        return "java not found on PATH"
    return None


def _no_offset(case: Case) -> str | None:
    return "no offset support" if case.offset is not None else None


# --------------------------------------------------------------------------- statsmodels


def _prepare_statsmodels(case: Case, options: Options) -> Prepared:
    import statsmodels.api as sm

    family = {
        "binomial": sm.families.Binomial,
        "poisson": sm.families.Poisson,
        "gaussian": sm.families.Gaussian,
    }[case.family]()
    rows = min(options.statsmodels_rows or case.nrows, case.nrows)
    X = case.X[:rows]
    y = case.y[:rows]
    offset = None if case.offset is None else case.offset[:rows]

    def fit():
        return np.asarray(sm.GLM(y, X, family=family, offset=offset).fit().params)

    note = "sm.GLM on numpy (no formula), IRLS tol 1e-8"
    if rows < case.nrows:
        note += f"; fit on {rows:,} rows, time EXTRAPOLATED x{case.nrows / rows:.2f}"
    return Prepared(fit, scale=case.nrows / rows, note=note, comparable=rows == case.nrows)


# --------------------------------------------------------------------------- glum


def _prepare_glum(case: Case, options: Options) -> Prepared:
    from glum import GeneralizedLinearRegressor

    family = {"binomial": "binomial", "poisson": "poisson", "gaussian": "normal"}[case.family]
    if case.levels:
        X = case.frame[case.numeric + ["g"]]
        note = "pandas categorical g (glum's fast path), drop_first"
    else:
        X = np.ascontiguousarray(case.X[:, 1:])
        note = "numpy"
    note += ", alpha=0, default gradient_tol"

    def fit():
        model = GeneralizedLinearRegressor(
            family=family, alpha=0, fit_intercept=True, drop_first=True
        )
        model.fit(X, case.y, offset=case.offset)
        if not case.levels:
            return np.concatenate([[model.intercept_], model.coef_])
        coefs = dict(zip(model.feature_names_, model.coef_, strict=True))
        renamed = {(f"C(g)[T.{k[2:-1]}]" if k.startswith("g[") else k): v for k, v in coefs.items()}
        return np.array([model.intercept_] + [renamed[n] for n in case.names[1:]])

    return Prepared(fit, note=note)


# --------------------------------------------------------------------------- dask-ml / dask-glm


def _dask_arrays(case: Case, options: Options, intercept: bool):
    import dask.array as da

    chunk = math.ceil(case.nrows / options.partitions)
    X = case.X if intercept else np.ascontiguousarray(case.X[:, 1:])
    Xd = da.from_array(X, chunks=(chunk, X.shape[1])).persist()
    yd = da.from_array(case.y, chunks=(chunk,)).persist()
    return Xd, yd


def _prepare_dask_ml(case: Case, options: Options) -> Prepared:
    from dask_ml.linear_model import LinearRegression, LogisticRegression

    Xd, yd = _dask_arrays(case, options, intercept=False)
    cls = LogisticRegression if case.family == "binomial" else LinearRegression

    def fit():
        model = cls(solver="newton", tol=1e-8, max_iter=100, fit_intercept=True)
        model.fit(Xd, yd)
        return np.concatenate([[model.intercept_], np.ravel(model.coef_)])

    return Prepared(fit, note=f"{cls.__name__}(solver='newton') (unpenalized), tol 1e-8")


def _prepare_dask_glm(case: Case, options: Options) -> Prepared:
    from dask_glm import families
    from dask_glm.algorithms import newton

    Xd, yd = _dask_arrays(case, options, intercept=True)
    family = families.Logistic if case.family == "binomial" else families.Normal

    def fit():
        return np.asarray(newton(Xd, yd, max_iter=100, tol=1e-8, family=family))

    return Prepared(fit, note=f"algorithms.newton, family {family.__name__}, tol 1e-8")


# --------------------------------------------------------------------------- Spark

_SPARK: dict = {}


def _spark_session(options: Options):
    if "session" not in _SPARK:
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        from pyspark.sql import SparkSession

        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        started = time.perf_counter()
        session = (
            SparkSession.builder.master("local[2]")
            .appName("daskstats-bench")
            .config("spark.driver.memory", options.spark_memory)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.shuffle.partitions", str(options.partitions))
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        _SPARK["session"] = session
        _SPARK["startup"] = time.perf_counter() - started
    return _SPARK["session"]


def _prepare_spark(case: Case, options: Options) -> Prepared:
    from pyspark.ml.feature import OneHotEncoder, StringIndexer, VectorAssembler
    from pyspark.ml.regression import GeneralizedLinearRegression

    spark = _spark_session(options)
    started = time.perf_counter()
    extra = ["off"] if case.offset is not None else []
    pdf = case.frame[["y"] + case.numeric + extra].copy()
    inputs = list(case.numeric)
    if case.levels:
        pdf["g"] = case.frame["g"].astype(str)
    sdf = spark.createDataFrame(pdf).repartition(options.partitions)
    if case.levels:
        # alphabetDesc gives the first level the last index, which dropLast drops: the
        # reference level is patsy's, and slot i holds level levels[-1 - i].
        indexer = StringIndexer(inputCol="g", outputCol="g_idx", stringOrderType="alphabetDesc")
        sdf = indexer.fit(sdf).transform(sdf)
        encoder = OneHotEncoder(inputCols=["g_idx"], outputCols=["g_vec"], dropLast=True)
        sdf = encoder.fit(sdf).transform(sdf)
        inputs.append("g_vec")
    sdf = VectorAssembler(inputCols=inputs, outputCol="features").transform(sdf)
    sdf = sdf.select(["y", "features"] + extra).cache()
    sdf.count()
    load = time.perf_counter() - started

    n_num = len(case.numeric)
    n_levels = len(case.levels)
    order = list(range(n_num)) + [n_num + n_levels - 1 - k for k in range(1, n_levels)]
    family, link = _spark_family(case)
    kwargs = {"offsetCol": "off"} if extra else {}

    def fit():
        glr = GeneralizedLinearRegression(
            family=family,
            link=link,
            maxIter=100,
            tol=1e-8,
            regParam=0.0,
            solver="irls",
            labelCol="y",
            featuresCol="features",
            **kwargs,
        )
        model = glr.fit(sdf)
        coefs = model.coefficients.toArray()
        return np.concatenate([[model.intercept], coefs[order]])

    note = (
        f"local[2], IRLS tol 1e-8; excluded: load {load:.1f}s, "
        f"session start {_SPARK['startup']:.1f}s"
    )
    return Prepared(fit, note=note, close=sdf.unpersist)


def _spark_family(case: Case) -> tuple[str, str]:
    return {"binomial": ("binomial", "logit"), "poisson": ("poisson", "log")}.get(
        case.family, ("gaussian", "identity")
    )


def shutdown() -> None:
    """Stop the Spark session if one was started."""
    session = _SPARK.pop("session", None)
    if session is not None:
        session.stop()


PEERS: dict[str, Peer] = {
    "statsmodels": Peer("statsmodels", ("statsmodels",), _prepare_statsmodels),
    "glum": Peer("glum", ("glum",), _prepare_glum),
    "dask-ml": Peer("dask-ml", ("dask_ml",), _prepare_dask_ml, _no_offset),
    "dask-glm": Peer("dask-glm", ("dask_glm",), _prepare_dask_glm, _no_offset),
    "spark": Peer("spark", ("pyspark",), _prepare_spark),
}
