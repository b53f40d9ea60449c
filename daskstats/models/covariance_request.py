"""A fit's ``cov_type`` and ``cov_kwds`` read as statsmodels reads them: names normalized, the
cluster groups found (bound at construction, or given at fit time as a column name or
per-row values), and statsmodels' ``SpecificationWarning`` where it gives one."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from daskstats.errors import DataError, SpecificationWarning
from daskstats.inference.covariance import USER_COV_TYPES, GivenGroups
from daskstats.passes import input_kind
from daskstats.passes.aligned import align_rows

__all__ = ["covariance_request", "normalize_cov_type"]


_NAMES = {name.lower(): name for name in USER_COV_TYPES}


def normalize_cov_type(cov_type: str) -> str:
    """statsmodels' spelling of ``cov_type`` (``"hc1"`` → ``"HC1"``, ``"hac"`` → ``"HAC"``;
    ``"eim"`` is the nonrobust covariance from the expected information)."""
    if not isinstance(cov_type, str):
        raise DataError(f"cov_type must be a string, got {cov_type!r}.")
    lowered = cov_type.lower()
    if lowered == "eim":
        return "eim"
    if lowered in _NAMES:
        return _NAMES[lowered]
    raise DataError(
        f"cov_type must be one of {tuple(USER_COV_TYPES) + ('eim',)}, got {cov_type!r} "
        "(statsmodels' hac-panel, hac-groupsum and cluster-jk/crv3 are not available)."
    )


def _group_values(model, groups):
    """The caller's groups as one per-row object (a column name is read from the data)."""
    if isinstance(groups, str) or (
        isinstance(groups, (list, tuple)) and groups and all(isinstance(g, str) for g in groups)
    ):
        names = [groups] if isinstance(groups, str) else list(groups)
        missing = [n for n in names if n not in model.frame.columns]
        if missing:
            raise DataError(
                f"cluster groups {missing} are not columns of the data; give the column names "
                "of the data or the groups' values (one per row)."
            )
        return model.frame[names]
    if isinstance(groups, (list, tuple)):
        if len(groups) > 2:
            raise DataError("cluster groups: at most two grouping columns (two-way).")
        columns = [np.asarray(g.compute() if hasattr(g, "compute") else g) for g in groups]
        return np.column_stack(columns) if len(columns) == 2 else columns[0]
    return groups


def _meta(values) -> pd.DataFrame:
    """An empty frame naming the group columns ``group0``[, ``group1``] with their dtypes."""
    kind = input_kind(values)
    if kind == "dask":
        meta = values._meta
    elif kind == "dask-array":
        meta = np.empty((0,) + values.shape[1:], dtype=values.dtype)
    else:
        meta = values.iloc[:0] if isinstance(values, (pd.Series, pd.DataFrame)) else values[:0]
    if isinstance(meta, pd.Series):
        return pd.DataFrame({"group0": meta.to_numpy()}).astype({"group0": meta.dtype})
    if isinstance(meta, pd.DataFrame):
        if meta.shape[1] > 2:
            raise DataError("cluster groups: at most two grouping columns (two-way).")
        return pd.DataFrame(
            {f"group{j}": pd.Series(dtype=meta.dtypes.iloc[j]) for j in range(meta.shape[1])}
        )
    meta = np.asarray(meta)
    width = 1 if meta.ndim == 1 else meta.shape[1]
    if width > 2:
        raise DataError("cluster groups: at most two grouping columns (two-way).")
    return pd.DataFrame({f"group{j}": pd.Series(dtype=meta.dtype) for j in range(width)})


def covariance_request(model, cov_type: str, cov_kwds: dict | None) -> tuple[str, dict]:
    """``(cov_type, cov_kwds)`` checked and ready for the covariance registry."""
    name = normalize_cov_type(cov_type)
    kwds = dict(cov_kwds or {})
    robust = name not in ("nonrobust", "eim") and not name.startswith("HC")
    if robust:
        for extra, label in (("freq_weights", "freq_weights"), ("var_weights", "var_weights")):
            if extra == "var_weights" and getattr(model, "regression_weights", False):
                continue  # WLS: its weights are the regression's own (statsmodels: no warning)
            if getattr(model.extras, extra) is not None:
                warnings.warn(
                    f"cov_type not fully supported with {label}",
                    SpecificationWarning,
                    stacklevel=4,
                )
    if name != "cluster":
        if "groups" in kwds:
            raise DataError("cov_kwds['groups'] is only used with cov_type='cluster'.")
        return name, kwds
    groups = kwds.pop("groups", None)
    if groups is None:
        if not model.extras.groups:
            raise DataError(
                "cov_type='cluster' needs the cluster groups: fit(cov_type='cluster', "
                "cov_kwds={'groups': values or column name})."
            )
        return name, kwds
    values = _group_values(model, groups)
    summary = model.data_summary()
    pieces = align_rows(values, summary, len(model.runner.blocks), "cluster groups")
    kwds["groups"] = GivenGroups(pieces, _meta(values))
    return name, kwds
