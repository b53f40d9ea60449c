"""Saving and loading fitted results in a safe format (no pickle).

A results file is a zip archive written by :func:`numpy.savez_compressed` holding only plain
arrays: ``meta`` (UTF-8 JSON), the estimates and covariance, and ``prototype`` (the formula
spec's prototype rows as parquet bytes, from which patsy re-learns the exact same
specification: levels, names, stateful-transform state). Loading uses
``numpy.load(allow_pickle=False)``, so a file cannot run code; a corrupt or foreign file gets a
:class:`~daskstats.errors.DataError`.

After :func:`load`, ``summary()``, the tests, ``predict(new_data)`` and
``get_prediction(new_data)`` work in a new process. Per-row quantities of the fitted data
(``mu``, residuals, ``predict()`` without data) need the data and are not stored.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import patsy
from statsmodels.genmod import families as sm_families

from daskstats.errors import DataError

__all__ = ["save", "load", "FORMAT", "VERSION"]

FORMAT = "daskstats-glm-results"
VERSION = 1

_SCALARS = (
    "scale",
    "deviance",
    "pearson_chi2",
    "null_deviance",
    "llf",
    "llnull",
    "wnobs",
    "df_model",
    "df_resid",
    "llf_scale_used",
)


def _family_to_json(family) -> dict:
    link = family.link
    out = {"family": type(family).__name__, "link": type(link).__name__}
    if hasattr(link, "power"):
        out["link_power"] = float(link.power)
    if isinstance(link, sm_families.links.NegativeBinomial):
        out["link_alpha"] = float(link.alpha)
    if isinstance(family, sm_families.NegativeBinomial):
        out["alpha"] = float(family.alpha)
    if isinstance(family, sm_families.Tweedie):
        out["var_power"] = float(family.var_power)
        out["eql"] = bool(family.eql)
    return out


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
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return family_cls(**kwargs)


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return {"__array__": value.astype(float).tolist()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _from_jsonable(value):
    if isinstance(value, dict) and "__array__" in value:
        return np.asarray(value["__array__"], dtype=float)
    return value


def save(results, path) -> None:
    """Write ``results`` to ``path`` (see the module docstring for the format)."""
    from daskstats.layout import BlockCovariance

    model = results.model
    spec = model.spec
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "formula": spec.formula,
        "family": _family_to_json(results.family),
        "names": list(results.params.index),
        "endog_name": spec.endog_name,
        "variables": list(spec.variables),
        "namespace": sorted(k for k in spec.eval_env._namespaces[0] if k != "np"),
        "transforms": [
            [code, name, {k: _jsonable(v) for k, v in attrs.items()}]
            for (code, name), attrs in spec.transforms.items()
        ],
        "coded": None if model.layout.coded is None else model.layout.coded.name,
        "extras": {"offset": model.extras.offset, "exposure": model.extras.exposure},
        "missing": model.missing,
        "scalars": {k: float(getattr(results, k)) for k in _SCALARS},
        "nobs": int(results.nobs),
        "converged": bool(results.converged),
        "n_iter": int(results.n_iter),
        "passes": int(results.passes),
        "cov_type": results.cov_type,
        "use_t": bool(results.use_t),
        "method": results.method,
        "df_resid_inference": results.df_resid_inference,
        "fit_history": results.fit_history,
    }
    arrays = {"params": results.params.to_numpy()}
    for key, cov in (
        ("cov", results.cov_params_default),
        ("normalized_cov", results.normalized_cov_params),
    ):
        if isinstance(cov, BlockCovariance):
            arrays[f"{key}_schur_inverse"] = cov.schur_inverse
            arrays[f"{key}_a"] = cov.a
            arrays[f"{key}_m_scaled"] = cov.M_scaled
        else:
            arrays[key] = np.asarray(cov)
    buffer = io.BytesIO()
    spec.prototype.to_parquet(buffer)
    arrays["prototype"] = np.frombuffer(buffer.getvalue(), dtype=np.uint8)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def _read(path) -> tuple[dict, dict]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
    except FileNotFoundError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{path} is not a daskstats results file ({exc}).") from None
    if "meta" not in arrays:
        raise DataError(f"{path} is not a daskstats results file (no metadata).")
    try:
        meta = json.loads(arrays.pop("meta").tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path} has corrupt metadata ({exc}).") from None
    if meta.get("format") != FORMAT:
        raise DataError(f"{path} is not a daskstats results file (format {meta.get('format')!r}).")
    if meta.get("version") != VERSION:
        raise DataError(
            f"{path} was written by a newer daskstats (format version {meta.get('version')}); "
            f"this one reads version {VERSION}."
        )
    return meta, arrays


def load(path, namespace: dict | None = None):
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
    from daskstats.design import ExtraColumns
    from daskstats.formula import _rebuild_spec
    from daskstats.layout import BlockCovariance, plan_layout
    from daskstats.model import GLM
    from daskstats.results import GLMResults

    meta, arrays = _read(Path(path))
    try:
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
        spec = _rebuild_spec(
            meta["formula"],
            prototype,
            env,
            0,
            transforms,
            tuple(meta["variables"]),
            f"loaded-{id(arrays)}",
        )
        model = object.__new__(GLM)
        model.family = _family_from_json(meta["family"])
        model.formula = meta["formula"]
        model.missing = meta["missing"]
        model.spec = spec
        model.layout = plan_layout(
            spec, allow_codes=meta["coded"] is not None, coded_name=meta["coded"]
        )
        model.extras = ExtraColumns(**meta["extras"])
        model.design = None
        model._summary = None
        names = meta["names"]
        if spec.exog_names != names:
            raise DataError(f"{path}: the stored term names do not match the formula's.")

        def covariance(key):
            if key in arrays:
                return arrays[key]
            cov = BlockCovariance(
                model.layout,
                arrays[f"{key}_schur_inverse"],
                arrays[f"{key}_a"],
                np.zeros((len(arrays[f"{key}_a"]), 1)),
            )
            cov.M_scaled = arrays[f"{key}_m_scaled"]
            return cov

        scalars = meta["scalars"]
        return GLMResults(
            model=model,
            params=pd.Series(arrays["params"], index=names),
            normalized_cov_params=covariance("normalized_cov"),
            cov_params_default=covariance("cov"),
            nobs=meta["nobs"],
            converged=meta["converged"],
            n_iter=meta["n_iter"],
            fit_history=meta["fit_history"],
            passes=meta["passes"],
            cov_type=meta["cov_type"],
            use_t=meta["use_t"],
            method=meta["method"],
            df_resid_inference=meta["df_resid_inference"],
            **scalars,
        )
    except KeyError as exc:
        raise DataError(f"{path} is incomplete or corrupt (missing {exc}).") from None
    except patsy.PatsyError as exc:
        raise DataError(f"{path}: cannot rebuild the formula ({exc}).") from None
