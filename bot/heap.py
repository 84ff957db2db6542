"""Long-lived data and Python's cyclic garbage collector.

The gazetteer (35,000 communes) and a loaded search index (millions of small objects) live
as long as the process, or until replaced. Building them with the collector on costs 15 %
more, and once built every full collection walks them again: in a cold `python -m bot search`
the collections right after loading the saved index took 0.45 s of 1.2 s. They hold no
reference cycles, so they are built with the collector off and then frozen out of its walks
(`gc.freeze`); dropped later, they are still freed at once by reference counting.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived() -> Iterator[None]:
    """Build inside this block what the process keeps: no collection meanwhile, and what
    exists at its end is left out of later collections."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Freezing takes in every object alive, also cyclic ones that would die later: only
        # in the main thread (a command, the bot's start), never in the running bot's
        # index thread, where in-flight updates' objects would be kept for good.
        if threading.current_thread() is threading.main_thread():
            gc.freeze()
        if was_enabled:
            gc.enable()
