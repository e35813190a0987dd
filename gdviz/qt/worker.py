"""The worker thread that drives a :class:`~gdviz.training.TrainingSession`
(it trains here) or a :class:`~gdviz.training.remote.RemoteSession` (it
trains in a child process; this thread receives its snapshots).

Commands go straight into the session's thread-safe queue (any thread may
call them); snapshots come back through ``session.mailbox``, which the GUI
reads from a ``QTimer``. No Python object crosses threads through a Qt
signal: the only signals here are QThread's own ``started``/``finished``.
"""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QThread

from gdviz.training.priority import TRAINING_NICE, yield_cpu

__all__ = ["ENGINES", "GUI_SWITCH_INTERVAL", "TrainingThread", "engine_choice"]

#: Seconds between forced GIL hand-overs. CPython's default (5 ms) lets a
#: busy trainer hold the lock for a whole display frame; 0.5 ms measured to
#: keep the GUI thread's timer within a few ms while training at full speed.
GUI_SWITCH_INTERVAL = 0.0005


#: Where the training loop runs: "process" (a child process; the GUI never
#: waits for the training loop's GIL) or "thread" (a thread of this process).
ENGINES = ("process", "thread")


def engine_choice(engine: str | None = None) -> str:
    """``engine``, else ``$GDVIZ_ENGINE``, else ``"process"``.

    ValueError for an unknown ``engine``; an unknown ``$GDVIZ_ENGINE`` only
    warns (a typo in the environment must not stop the app from opening).
    """
    import os

    if engine is not None:
        choice = str(engine).strip().lower()
        if choice not in ENGINES:
            raise ValueError(f"unknown training engine {engine!r}: choose one of {', '.join(ENGINES)}")
        return choice
    choice = os.environ.get("GDVIZ_ENGINE", "").strip().lower() or "process"
    if choice not in ENGINES:
        import warnings

        warnings.warn(f"GDVIZ_ENGINE={choice!r} is not one of {', '.join(ENGINES)}; training in a process",
                      stacklevel=2)
        return "process"
    return choice


def share_the_gil(interval: float = GUI_SWITCH_INTERVAL) -> None:
    """Make the interpreter switch threads often enough for a smooth GUI."""
    if sys.getswitchinterval() > interval:
        sys.setswitchinterval(interval)


def _forget_dummy_thread() -> None:
    """Drop the ``threading._DummyThread`` Python made for this Qt thread.

    CPython < 3.12 registers a "Dummy-N" entry the first time Python code in a
    thread it did not start asks for ``threading.current_thread()``, and never
    removes it: every ended QThread would stay in ``threading.enumerate()``.
    """
    ident = threading.get_ident()
    try:
        with threading._active_limbo_lock:  # type: ignore[attr-defined]
            thread = threading._active.get(ident)  # type: ignore[attr-defined]
            if isinstance(thread, threading._DummyThread):  # type: ignore[attr-defined]
                del threading._active[ident]  # type: ignore[attr-defined]
    except (AttributeError, KeyError):  # another CPython: nothing to do
        pass


class TrainingThread(QThread):
    """Runs ``session.serve()`` until :meth:`shutdown` (or ``session.stop()``)."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("gdviz-training")
        self.error: BaseException | None = None

    def run(self) -> None:  # worker thread
        if getattr(self.session, "process", None) is None:  # the loop trains in this thread
            yield_cpu(TRAINING_NICE)
        try:
            self.session.serve()
        except BaseException as exc:  # noqa: BLE001 - kept for the GUI to report
            self.error = exc
            import traceback

            traceback.print_exc()
        finally:
            _forget_dummy_thread()

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Stop the loop, wait for the thread to end; True when it has.

        ``session.stop()`` wakes a paused loop at once; a running loop
        returns after its current mini-batch (so waiting without a timeout
        cannot hang). Never ``terminate()``.
        """
        self.session.stop()
        if self.isRunning():
            self.quit()
            if timeout_ms is None:
                self.wait()
            elif not self.wait(timeout_ms):
                return False
        return True
