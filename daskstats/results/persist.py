"""Writing fitted results in a safe format (no pickle), and reading such a file back.

A results file is a zip archive written by :func:`numpy.savez_compressed` holding only plain
arrays: ``meta`` (UTF-8 JSON), the estimates and covariance, and for a formula model
``prototype`` (the formula spec's prototype rows as parquet bytes, from which patsy re-learns
the exact same specification: levels, names, stateful-transform state); an array model's
column names are in ``meta``. The data are never stored. Reading uses
``numpy.load(allow_pickle=False)``, so a file cannot run code; a corrupt or foreign file gets a
:class:`~daskstats.errors.DataError`. :func:`daskstats.load` rebuilds the model and results.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path

import numpy as np
from statsmodels.genmod import families as sm_families

from daskstats.errors import DataError
from daskstats.linalg.blocked import BlockCovariance, UnavailableCovariance

__all__ = ["save_results", "read_results", "FORMAT", "VERSION"]

FORMAT = "daskstats-glm-results"
VERSION = 3
#: older versions this one still reads
READABLE_VERSIONS = (1, 2, 3)


def family_to_json(family) -> dict:
    """A statsmodels family and its link as plain data."""
    link = family.link
    out: dict[str, object] = {"family": type(family).__name__, "link": type(link).__name__}
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


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return {"__array__": value.astype(float).tolist()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain(value):
    """A history value as JSON: arrays as lists, numpy scalars as Python numbers."""
    if isinstance(value, np.ndarray):
        return value.astype(float).tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def history_from_json(history, n_iter: int) -> dict:
    """A saved ``fit_history`` as statsmodels' dict (format versions 1 and 2 kept a list of
    per-iteration records)."""
    if isinstance(history, dict):
        return history
    out: dict = {"iteration": int(n_iter), "deviance": [np.inf], "params": [np.inf]}
    for entry in history:
        out["deviance"].append(entry.get("deviance"))
        out["params"].append(None)
    return out


def save_results(results, path) -> None:
    """Write GLM ``results`` to ``path`` (see the module docstring for the format)."""
    model = results.model
    spec = model.spec
    formula = getattr(spec, "formula", None)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "formula": formula,
        "family": family_to_json(results.family),
        "names": list(results.estimates.index),
        "endog_name": spec.endog_name,
        "extras": {"offset": model.extras.offset, "exposure": model.extras.exposure},
        "missing": model.missing,
        "statistics": dataclasses.asdict(results.statistics),
        "converged": bool(results.converged),
        "n_iter": int(results.n_iter),
        "passes": int(results.passes),
        "cov_type": results.cov_type,
        "use_t": bool(results.use_t),
        "method": results.method,
        "model": type(model).__name__,
        "results": type(results).__name__,
        # what the model's own results compute from the data (its summary's statistics)
        "state": results.persisted_state() if hasattr(results, "persisted_state") else {},
        "df_resid_inference": results.df_resid_inference,
        "fit_history": {
            k: [_plain(x) for x in v] if isinstance(v, list) else _plain(v)
            for k, v in results.fit_history.items()
        },
        "notes": list(results.notes),
    }
    if formula is not None:
        meta.update(
            variables=list(spec.variables),
            namespace=sorted(k for k in spec.namespace if k != "np"),
            transforms=[
                [code, name, {k: _jsonable(v) for k, v in attrs.items()}]
                for (code, name), attrs in spec.transforms.items()
            ],
            lazy_min_levels=spec.lazy_min_levels,
            coded=sorted({t.name for t in model.layout.coded}),
        )
    else:  # the array door: the columns' names and which are constant
        meta["arrays"] = {
            "endog_names": list(spec.endog_names),
            "given_exog_names": spec.given_exog_names,
            "n_exog": int(spec.n_exog),
            "constant": None if spec.constant is None else [bool(c) for c in spec.constant],
        }
    arrays = {"params": results.params_array}
    for key, cov in (
        ("cov", results.cov_params_default),
        ("normalized_cov", results.normalized_cov_params),
    ):
        if isinstance(cov, UnavailableCovariance):
            arrays[f"{key}_unavailable"] = np.asarray([cov.n_params])
        elif isinstance(cov, BlockCovariance):
            arrays[f"{key}_schur_inverse"] = cov.schur_inverse
            arrays[f"{key}_a"] = cov.a
            arrays[f"{key}_m_scaled"] = cov.M_scaled
            arrays[f"{key}_rest"] = cov.rest
            arrays[f"{key}_eliminated"] = cov.eliminated
        else:
            arrays[key] = np.asarray(cov)
    if formula is not None:
        buffer = io.BytesIO()
        spec.prototype.to_parquet(buffer)
        arrays["prototype"] = np.frombuffer(buffer.getvalue(), dtype=np.uint8)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def read_results(path) -> tuple[dict, dict]:
    """The metadata and arrays of a results file (checked to be one of this version)."""
    path = Path(path)
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
    if meta.get("version") not in READABLE_VERSIONS:
        raise DataError(
            f"{path} was written by another daskstats (format version {meta.get('version')}); "
            f"this one reads version {VERSION}."
        )
    return meta, arrays
