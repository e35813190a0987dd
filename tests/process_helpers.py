"""Helpers for tests that stop a real training process."""

from __future__ import annotations

import os
import signal
import threading

#: A stopped process is continued by a watchdog after this long, so a test that
#: would block cannot hang the suite; it then fails because the watchdog fired.
WATCHDOG_S = 60.0


class Stopped:
    """``with Stopped(pid) as stopped:`` SIGSTOPs the process, SIGCONTs it on exit
    or when the watchdog fires (then ``stopped.fired`` is set)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.fired = threading.Event()
        self._watchdog = threading.Timer(WATCHDOG_S, self._cont, args=(True,))
        self._watchdog.daemon = True

    def _cont(self, fired: bool = False) -> None:
        if fired:
            self.fired.set()
        try:
            os.kill(self.pid, signal.SIGCONT)
        except ProcessLookupError:
            pass

    def __enter__(self):
        os.kill(self.pid, signal.SIGSTOP)
        self._watchdog.start()
        return self

    def __exit__(self, *exc):
        self._watchdog.cancel()
        self._watchdog.join(1.0)
        self._cont()
