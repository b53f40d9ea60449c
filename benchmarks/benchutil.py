"""Small helpers shared by ``scaling.py``, ``distributed_overhead.py``, ``out_of_core.py`` and
``categoricals.py`` (data generation and the machine description come from ``run.py``)."""

from __future__ import annotations

import datetime
import sys
import threading

import numpy as np
import psutil

__all__ = ["append_markdown", "RssSampler", "max_rel_diff", "mib"]


def append_markdown(path: str, script: str, argv, info: list[str], sections: list[str]) -> None:
    """Append a run header (time, command line, machine description) and ``sections``.

    Parameters
    ----------
    path : str
        Markdown file, created if missing.
    script : str
        File name of the benchmark (``scaling.py``).
    argv : list of str or None
        The arguments given to ``main`` (None: ``sys.argv[1:]``).
    info : list of str
        ``run.machine_info()`` lines.
    sections : list of str
        Report sections.
    """
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    command = f"python benchmarks/{script} " + " ".join(sys.argv[1:] if argv is None else argv)
    block = [f"## Run {stamp}", "", f"`{command}`", "", *[f"- {ln}" for ln in info], ""]
    with open(path, "a") as fh:
        fh.write("\n".join(block + sections) + "\n")
    print(f"appended to {path}")


def max_rel_diff(a, b) -> float:
    """``max |a - b| / max |b|``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def mib(n_bytes: float) -> str:
    """Bytes as MiB text."""
    return f"{n_bytes / 2**20:,.0f} MiB"


class RssSampler:
    """Sample the resident set size of some processes every ``interval`` seconds in a thread.

    Use as a context manager; ``peak`` maps each pid to the largest RSS seen (bytes).

    Parameters
    ----------
    pids : dict
        ``{label: pid}``.
    interval : float
        Seconds between samples.
    """

    def __init__(self, pids: dict, interval: float = 0.2):
        self.procs = {label: psutil.Process(pid) for label, pid in pids.items()}
        self.interval = interval
        self.peak = {label: 0 for label in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        for label, proc in self.procs.items():
            try:
                self.peak[label] = max(self.peak[label], proc.memory_info().rss)
            except psutil.Error:  # the process ended (e.g. a restarted worker)
                pass

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
