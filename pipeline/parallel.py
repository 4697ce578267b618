"""Spread CPU-bound work over the machine's cores, for runs large enough to pay for it."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_FROM = 64
"""Fewer items than this run in-process: starting workers costs more than it saves."""


def map_in_processes(function: Callable[[T], R], items: Sequence[T],
                     parallel_from: int = PARALLEL_FROM) -> list[R]:
    """`[function(item) for item in items]`, in forked worker processes when there are many
    (`parallel_from`: as many as pay for starting them; fewer for items that take long).

    fork: workers inherit the loaded code, lexicons and module state (a context set in a
    module global before the call) instead of importing and pickling them again.
    """
    workers = min(os.cpu_count() or 1, 4)
    if len(items) < parallel_from or workers < 2 or \
            "fork" not in multiprocessing.get_all_start_methods():
        return [function(item) for item in items]
    gc.freeze()  # what the workers inherit is never scanned (nor copied) by their collectors
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(os.getpid(),))
    try:
        # Small chunks: the last one finishes soon after the others (fewer, larger chunks
        # left a worker alone on its last one for about a tenth of the run).
        return list(pool.map(function, items, chunksize=max(1, len(items) // (workers * 16))))
    finally:
        # Interrupted (Ctrl-C, a CI time limit's SIGTERM), the run waits for the chunks under
        # way, not for all the work queued behind them.
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


_PR_SET_PDEATHSIG = 1


def _start_worker(parent: int) -> None:
    """Workers live for one run and allocate many small objects (tokens, sentences): collecting
    cycles less often saves about a tenth of their time. On Linux a worker is stopped when its
    parent dies (killed with SIGKILL, say), instead of working on for nobody."""
    gc.set_threshold(100_000, 50, 100)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the CLI's clean exit: the pool's
    # worker loop would catch that and go on
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)
