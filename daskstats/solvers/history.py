"""The per-iteration record every solver keeps (``res.fit_history``)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

__all__ = ["History"]


class History(list):
    """A list of per-iteration dicts: iteration, deviance, relative change, step, seconds.

    ``record`` computes the relative change of ``value`` against ``previous`` and the seconds
    since the previous record; keyword extras are stored as given (and override those).
    """

    def __init__(self, callback: Callable[[dict], None] | None = None):
        super().__init__()
        self.callback = callback
        self._clock = time.perf_counter()

    def record(
        self,
        iteration: int,
        value: float,
        previous: float = np.nan,
        step: float = np.nan,
        **extra: object,
    ) -> dict:
        now = time.perf_counter()
        if np.isfinite(previous):
            rel = abs(value - previous) / max(abs(value), 1e-300)
        else:
            rel = np.nan
        entry = {
            "iteration": iteration,
            "deviance": value,
            "rel_change": rel,
            "step": step,
            "seconds": now - self._clock,
            **extra,
        }
        self._clock = now
        self.append(entry)
        if self.callback is not None:
            self.callback(entry)
        return entry

    def as_dict(self, n_iter: int) -> dict:
        """statsmodels' ``fit_history``: ``{"iteration": n_iter, "deviance": [inf, D₀, …],
        "params": [inf, β₀, …]}`` (each list starts with ``inf`` as statsmodels'; its deviance
        is the convergence criterion, the deviance over the previous iterate's scale), plus
        daskstats' per-entry lists (``rel_change``, ``step``, ``seconds``, the unscaled
        ``deviance_unscaled``, and ``objective`` for penalized fits)."""
        keys: list[str] = []
        for entry in self:
            keys += [k for k in entry if k not in keys]
        out: dict = {"iteration": int(n_iter), "deviance": [np.inf], "params": [np.inf]}
        out["deviance_unscaled"] = [np.inf]
        for key in keys:
            if key not in ("iteration", "deviance", "params", "criterion"):
                out[key] = [np.nan]
        for entry in self:
            out["deviance"].append(entry.get("criterion", entry["deviance"]))
            out["deviance_unscaled"].append(entry["deviance"])
            out["params"].append(entry.get("params"))
            for key in out:
                if key not in ("iteration", "deviance", "params", "deviance_unscaled"):
                    out[key].append(entry.get(key, np.nan))
        return out
