"""Saving and loading fitted results in a safe format (no pickle).

The file format is :mod:`daskstats.results.persist`'s. :func:`load` rebuilds the formula's
specification from the stored prototype rows, a model that holds no data
(:meth:`daskstats.GLM.from_spec`) and the results through their constructor. After
:func:`load`, ``summary()``, the tests, ``llf_scaled`` (for the families whose log-likelihood
decomposes), ``predict(new_data)`` and ``get_prediction(new_data)`` work in a new process.
Per-row quantities of the fitted data (``mu``, residuals, ``predict()`` without data) need the
data and are not stored.
"""

from __future__ import annotations

import io
import uuid
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import patsy
from statsmodels.genmod import families as sm_families

from daskstats.design import ExtraColumns, Layout, plan_layout
from daskstats.design.arrays import ArraySpec
from daskstats.errors import DataError
from daskstats.formula import rebuild_spec
from daskstats.inference.statistics import FitStatistics
from daskstats.linalg.blocked import BlockCovariance, UnavailableCovariance
from daskstats.models.discrete import Logit, Poisson, Probit
from daskstats.models.glm import GLM
from daskstats.models.regression import OLS, WLS
from daskstats.results.discrete import BinaryResults, CountResults, DiscreteResults
from daskstats.results.glm import GLMResults
from daskstats.results.persist import history_from_json, read_results, save_results
from daskstats.results.regression import RegressionResults

__all__ = ["save", "load"]

save = save_results


def _family_from_json(spec: dict):
    links = sm_families.links
    link_cls = getattr(links, spec["link"], None)
    family_cls = getattr(sm_families, spec["family"], None)
    if link_cls is None or family_cls is None:
        raise DataError(f"unknown family or link in the file: {spec['family']}/{spec['link']}")
    if "link_power" in spec and spec["link"] == "Power":
        link = link_cls(power=spec["link_power"])
    elif "link_alpha" in spec:
        link = link_cls(alpha=spec["link_alpha"])
    else:
        link = link_cls()
    kwargs = {"link": link}
    if "alpha" in spec:
        kwargs["alpha"] = spec["alpha"]
    if "var_power" in spec:
        kwargs.update(var_power=spec["var_power"], eql=spec["eql"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return family_cls(**kwargs)


def _from_jsonable(value):
    if isinstance(value, dict) and "__array__" in value:
        return np.asarray(value["__array__"], dtype=float)
    return value


def _statistics(meta: dict) -> FitStatistics:
    if "statistics" in meta:
        return FitStatistics(**meta["statistics"])
    scalars = meta["scalars"]  # format version 1
    return FitStatistics(
        nobs=meta["nobs"],
        wnobs=scalars["wnobs"],
        df_model=scalars["df_model"],
        df_resid=scalars["df_resid"],
        scale=scalars["scale"],
        deviance=scalars["deviance"],
        pearson_chi2=scalars["pearson_chi2"],
        null_deviance=scalars["null_deviance"],
        llf=scalars["llf"],
        llnull=scalars["llnull"],
        llf_scale=scalars["llf_scale_used"],
    )


#: the models and results classes a file may name (all on the GLM engine and its format)
MODEL_CLASSES = {cls.__name__: cls for cls in (GLM, OLS, WLS, Logit, Probit, Poisson)}
RESULTS_CLASSES = {
    cls.__name__: cls
    for cls in (GLMResults, RegressionResults, DiscreteResults, BinaryResults, CountResults)
}


def _model_class(meta: dict) -> type[GLM]:
    name = meta.get("model", "GLM")
    if name not in MODEL_CLASSES:
        raise DataError(f"the file holds a {name} model, which this daskstats cannot rebuild.")
    return MODEL_CLASSES[name]


def _formula_model(meta: dict, arrays: dict, namespace: dict | None) -> GLM:
    """The data-free model of a saved formula fit: its spec re-learned from the prototype."""
    env = {"np": np, **(namespace or {})}
    missing_names = [n for n in meta["namespace"] if n not in env]
    if missing_names:
        raise DataError(
            f"the formula {meta['formula']!r} uses {', '.join(missing_names)}, which the file "
            "cannot hold (it is code): pass them with load(path, namespace={...})."
        )
    prototype = pd.read_parquet(io.BytesIO(arrays.pop("prototype").tobytes()))
    transforms = {
        (code, name): {k: _from_jsonable(v) for k, v in attrs.items()}
        for code, name, attrs in meta["transforms"]
    }
    spec = rebuild_spec(
        meta["formula"],
        prototype,
        env,
        0,
        transforms,
        tuple(meta["variables"]),
        f"loaded-{uuid.uuid4().hex}",  # unique: id() of a freed object is reused
        meta.get("lazy_min_levels", 256),
    )
    coded = meta["coded"]
    coded = tuple(coded) if isinstance(coded, list) else (() if coded is None else (coded,))
    return _model_class(meta).from_spec(
        spec,
        _family_from_json(meta["family"]),
        layout=plan_layout(spec, coded=coded),
        extras=ExtraColumns(**meta["extras"]),
        missing=meta["missing"],
    )


def _array_model(meta: dict) -> GLM:
    """The data-free model of a saved array fit (``ds.GLM(endog, exog)``)."""
    stored = meta["arrays"]
    constant = stored["constant"]
    spec = ArraySpec(
        endog_names=list(stored["endog_names"]),
        given_exog_names=stored["given_exog_names"],
        n_exog=int(stored["n_exog"]),
        constant=None if constant is None else np.asarray(constant, dtype=bool),
    )
    return _model_class(meta).from_spec(
        spec,
        _family_from_json(meta["family"]),
        layout=Layout.dense_only(spec.n_exog),
        extras=ExtraColumns(**meta["extras"]),
        missing=meta["missing"],
    )


def load(path, namespace: dict | None = None) -> GLMResults:
    """Read results written by :meth:`GLMResults.save`.

    Parameters
    ----------
    path : str or Path
    namespace : dict, optional
        Functions the formula calls besides numpy (``{"double": double}``); they are code and
        are never stored in the file.

    Returns
    -------
    GLMResults
    """
    meta, arrays = read_results(Path(path))
    try:
        if meta.get("formula") is None:
            model = _array_model(meta)
        else:
            model = _formula_model(meta, arrays, namespace)
        layout = model.layout
        names = meta["names"]
        if model.exog_names != names:
            raise DataError(f"{path}: the stored column names do not match the model's.")

        def covariance(key):
            if key in arrays:
                return arrays[key]
            if f"{key}_unavailable" in arrays:
                return UnavailableCovariance(
                    layout.n_params, model.thresholds.dense_covariance_limit
                )
            if f"{key}_rest" in arrays:
                rest, eliminated = arrays[f"{key}_rest"], arrays[f"{key}_eliminated"]
            else:  # format version 1: one coded term, the rest are the dense columns
                rest, eliminated = layout.dense, layout.coded[0].columns
            return BlockCovariance(
                layout.n_params,
                rest,
                eliminated,
                arrays[f"{key}_schur_inverse"],
                arrays[f"{key}_a"],
                arrays[f"{key}_m_scaled"],
                model.thresholds.dense_covariance_limit,
            )

        results_class = RESULTS_CLASSES.get(meta.get("results", "GLMResults"))
        if results_class is None:
            raise DataError(f"{path}: unknown results class {meta.get('results')!r}.")
        results = results_class(
            model=model,
            estimates=pd.Series(arrays["params"], index=names),
            normalized_cov_params=covariance("normalized_cov"),
            cov_params_default=covariance("cov"),
            cov_type=meta["cov_type"],
            use_t=meta["use_t"],
            df_resid_inference=meta["df_resid_inference"],
            converged=meta["converged"],
            n_iter=meta["n_iter"],
            fit_history=history_from_json(meta["fit_history"], meta["n_iter"]),
            passes=meta["passes"],
            method=meta["method"],
            notes=tuple(meta.get("notes", ())),
            statistics=_statistics(meta),
        )
        if hasattr(results, "restore_state"):
            results.restore_state(meta.get("state", {}))
        return results
    except KeyError as exc:
        raise DataError(f"{path} is incomplete or corrupt (missing {exc}).") from None
    except patsy.PatsyError as exc:
        raise DataError(f"{path}: cannot rebuild the formula ({exc}).") from None
