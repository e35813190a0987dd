"""A latest-wins background job for the teaching views.

The views compute things that take tens to hundreds of milliseconds (a cost
landscape, the full-data gradient, the confusion matrix). They must never run
in the GUI thread, and a slow result must never queue up behind newer
requests. ``LatestJob`` keeps one worker thread and one request slot: a new
``submit`` replaces a request not yet started, and ``result()`` returns the
newest finished result. Only plain Python objects cross the thread boundary,
through a lock — no Qt signal carries them (see the PySide6 hazard).

Closing: a window tells all its jobs to stop (``request_stop``) before it
waits for any (``stop(deadline=...)`` against one shared deadline), so jobs
finishing their current call slowly (beside a busy process) cost the close at
most that deadline, not one timeout each.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from gdviz.training.priority import JOB_NICE, yield_cpu


class LatestJob:
    """Runs ``fn(*args)`` in a background thread, newest request only.

    ``result()`` -> ``(seq, value)`` of the newest finished call (``seq``
    counts submissions), or ``None`` before the first one. An exception is
    kept as ``error`` (a short message) and does not stop the worker.
    """

    def __init__(self, fn: Callable[..., Any], name: str = "gdviz-job"):
        self._fn = fn
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._request: tuple[int, tuple] | None = None
        self._result: tuple[int, Any] | None = None
        self._seq = 0
        self._busy = False
        self._stopping = False
        self.error: str = ""
        self.seconds = 0.0  # duration of the last finished call
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, *args) -> int:
        """Ask for ``fn(*args)``; replaces any request not yet started. Returns its seq."""
        with self._lock:
            self._seq += 1
            self._request = (self._seq, args)
        self._wake.set()
        return self._seq

    @property
    def busy(self) -> bool:
        """True while a call runs or a request waits."""
        with self._lock:
            return self._busy or self._request is not None

    def result(self) -> tuple[int, Any] | None:
        with self._lock:
            return self._result

    def forget_result(self, seq: int | None = None) -> None:
        """Drop the newest finished result (only if it is call ``seq``, when given)."""
        with self._lock:
            if seq is None or (self._result is not None and self._result[0] == seq):
                self._result = None

    def request_stop(self) -> None:
        """Tell the worker to stop; returns at once (``cancelled()`` turns True)."""
        self._stopping = True
        self._wake.set()

    def stop(self, timeout: float = 2.0, *, deadline: float | None = None) -> None:
        """Stop the worker and wait for its running call to finish: up to ``timeout`` s, or
        until ``deadline`` (``time.monotonic()`` seconds) when given. The worker is a daemon."""
        self.request_stop()
        wait = timeout if deadline is None else max(0.0, deadline - time.monotonic())
        self._thread.join(wait)

    def cancelled(self) -> bool:
        """For ``fn`` to poll: True when a newer request is waiting or the job stops."""
        return self._stopping or self._request is not None

    def _loop(self) -> None:
        yield_cpu(JOB_NICE)  # the GUI thread's frames come first
        while not self._stopping:
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                req, self._request = self._request, None
                self._busy = req is not None
            if req is None:
                continue
            seq, args = req
            t0 = time.perf_counter()
            try:
                value = self._fn(*args)
            except Exception as exc:  # keep the worker alive; the view shows the message
                self.error = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
                value = None
            self.seconds = time.perf_counter() - t0
            with self._lock:
                if value is not None:
                    self._result = (seq, value)
                self._busy = False
            req = args = value = None  # waiting, the thread holds neither (a wide θ is ~3 MB)
