"""Who gets the CPU first: the window's GUI thread, then training and background jobs.

On a 2-core machine the training loop, a view's background job and the GUI
thread often want a core at the same moment. The GUI thread must win (a late
frame is what a user sees); the others lose a few milliseconds of work.
:func:`yield_cpu` lowers the scheduling priority (niceness) of the calling
thread — on Linux niceness belongs to each thread, and threads started from
it afterwards inherit it — and of nothing else. Elsewhere it lowers the
process's, or does nothing where that is not possible.
"""

from __future__ import annotations

import os
import sys
import threading

__all__ = ["TRAINING_NICE", "JOB_NICE", "yield_cpu"]

#: Niceness added for the training loop (its own process, or its thread). Measured with
#: benchmarks/bench_user.py: see benchmarks/README.md.
TRAINING_NICE = 10
#: Niceness added for the teaching views' background jobs (threads of the window's process).
JOB_NICE = 10


def yield_cpu(increment: int) -> bool:
    """Lower the calling thread's scheduling priority by ``increment``; True if it changed."""
    if increment <= 0:
        return False
    try:
        if sys.platform.startswith("linux"):
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + increment))
            return True
        if threading.current_thread() is threading.main_thread() and hasattr(os, "nice"):
            os.nice(increment)  # (the whole process: only from a training process's main thread)
            return True
    except OSError:  # not allowed here (e.g. a sandbox): the thread keeps its priority
        pass
    return False
