"""How many threads BLAS may start: one inside a pass, and for the small solves between passes.

A pass runs one task per partition on every core, so BLAS threads inside a task only
oversubscribe them. Between passes, LAPACK on a system of a few hundred unknowns gains nothing
from threads, but waking them cost 80–110 ms per solve in a fit on this project's 2-core machine
(measured: a 179 × 179 Cholesky after a pass, 0.3 ms with one thread); that is most of a pass
over 2M rows. threadpoolctl's controller is built once (building it reads every loaded
library: ~1 ms), and limiting through it costs ~15 µs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from threadpoolctl import ThreadpoolController

__all__ = ["one_blas_thread", "SMALL_SYSTEM"]

#: systems up to this many unknowns are solved with one BLAS thread
SMALL_SYSTEM = 1024

_CONTROLLER: list[ThreadpoolController] = []


def _controller() -> ThreadpoolController:
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


@contextlib.contextmanager
def one_blas_thread(when: bool = True) -> Iterator[None]:
    """Run the block with one BLAS (and OpenMP) thread (``when`` False: unchanged)."""
    if not when:
        yield
        return
    with _controller().limit(limits=1):
        yield
