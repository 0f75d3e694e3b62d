"""Python's cyclic garbage collector, paused while a scan builds its results.

Reference counting frees every object as soon as nothing refers to it, collector or not; the
collector only finds groups of objects that refer to each other in a cycle. A scan's main process
builds tens of thousands of long-lived objects (each file's facts, analysis and result, each SKU's
verdict, each report row) that all survive until the reports are written, and the collector's
full passes over that growing heap find nothing to free. Measured on the benchmark's warm scan of
10,000 files (`bench/run.py --files 10000`, four runs of each, alternating): 3.18 s with the
collector as Python sets it, 2.67 s with it off, peak RSS 192 MB either way.

The worker processes reading files are forked from a process that may be inside `paused()`; they
turn the collector back on first thing (executor._worker_main), since pypdf's object graphs do
hold cycles.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Cyclic garbage collection off inside the block, and as it was before once the block ends
    (also on an exception). Nests: an inner block inside an outer one leaves it off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def resume_in_child() -> None:
    """In a process forked from inside `paused()`: collect cycles again, as Python does by default."""
    gc.enable()
