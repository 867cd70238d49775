"""Work that makes many objects at once (a batch of a mass-due tick, a rebuild's page of
events): Python's cyclic garbage collector is paused for its length.

Folding a batch of pilots makes hundreds of thousands of small objects that all survive the
batch (events, dicts, the aggregates); each of them counts towards the collector's next pass,
and each pass walks every object still alive, the batch's and the process's. Measured on a
mass-due tick of 5,000 pilots (SQLite, benchmarks/PROFILE.md): a quarter of the tick was the
collector finding no garbage. Nothing that work makes is a reference cycle that must be freed
before it ends; what it leaves is collected on the next pass after it.

Paused and resumed with a count, so nested or concurrent uses (threads of one process) resume
the collector only when the last one ends, and only if it was running before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def paused_collector() -> Iterator[None]:
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
