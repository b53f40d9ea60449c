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
