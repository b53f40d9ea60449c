"""A lost dask scheduler (or cancelled work) becomes one clear :class:`ClusterError`, and the
active distributed Client, if any."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from daskstats.errors import ClusterError

__all__ = ["cluster_errors", "cluster_errors_become_clear", "active_client", "dashboard_link"]

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def cluster_errors(what: str) -> Iterator[None]:
    """Turn a lost scheduler (or cancelled work) into one clear error instead of a hang."""
    try:
        yield
    except Exception as exc:
        name = type(exc).__name__
        if name in {"FutureCancelledError", "CancelledError", "CommClosedError"} or (
            "scheduler" in str(exc).lower() and "connection" in str(exc).lower()
        ):
            raise ClusterError(
                f"the dask cluster failed during the {what!r} pass ({name}: "
                f"{' '.join(str(exc).split())[:200]}); the connection to the scheduler was lost "
                "or the work was cancelled. Restart the cluster and fit again."
            ) from exc
        raise


def cluster_errors_become_clear(function: F) -> F:
    """Decorator: a lost scheduler anywhere in ``function`` raises :class:`ClusterError`."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with cluster_errors(function.__name__):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def active_client():
    """The active ``distributed.Client``, or None."""
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError):
        return None


def dashboard_link() -> str | None:
    """The dask dashboard address when a distributed Client is active."""
    client = active_client()
    return None if client is None else client.dashboard_link
