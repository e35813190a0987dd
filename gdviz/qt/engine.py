"""The window's training engine: which session it drives, the worker thread
that serves it, and what happens when the training process stops answering
or dies.

* ``process`` (the default): a :class:`~gdviz.training.remote.RemoteSession`
  trains in a child process; ``thread``: the
  :class:`~gdviz.training.TrainingSession` trains in the worker thread. If no
  process can start, the window trains in a thread and says why.
* A process that has not answered for a while shows "Training process not
  responding" in the status bar (the window itself never waits for it), and
  the words go away when it answers again.
* A process that died is replaced by a new one that carries on where the user
  was: from the weights shown last, with the same settings and example,
  running if it was running and paused if it was paused.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel

from gdviz.qt.worker import TrainingThread, engine_choice
from gdviz.training.protocol import Session
from gdviz.training.session import TrainingSession

__all__ = ["EngineController", "HEALTH_HZ", "NOT_RESPONDING_TEXT"]

#: Checks per second of whether the training process answers.
HEALTH_HZ = 4
NOT_RESPONDING_TEXT = "Training process not responding"


class EngineController(QObject):
    """Owns ``session`` and the :class:`TrainingThread` that serves it for ``window``.

    ``window`` provides ``last_snapshot``, ``controls``, ``show_error`` and
    ``statusBar()``; ``on_replaced(session)`` rewires the window's parts to a
    new session (called between stopping the old thread and starting the new one).
    """

    def __init__(self, window, engine: str | None, on_replaced: Callable[[Session], None]):
        super().__init__(window)
        self._window = window
        self._on_replaced = on_replaced
        self.kind = engine_choice(engine)  # "process" or "thread"
        self.note = ""  # why the window fell back to the thread engine, if it did
        self.session: Session | None = None
        self.thread: TrainingThread | None = None
        self.health_label = QLabel()
        self.health_label.setObjectName("EngineHealth")
        self.health_label.setStyleSheet("color: #b2182b; font-weight: bold;")
        self.health_label.setContentsMargins(6, 0, 6, 0)
        self.health_label.setToolTip("The training process has not answered for a few seconds (stopped, "
                                     "or the computer is very busy). The window keeps working; your "
                                     "commands wait and reach it when it answers again.")
        self.health_label.hide()
        self._quiet = False
        window.statusBar().insertPermanentWidget(0, self.health_label)
        self._health_timer = QTimer(self)
        self._health_timer.timeout.connect(self.update_health)
        self._health_timer.start(1000 // HEALTH_HZ)

    # ------------------------------------------------------------ sessions
    def wrap(self, session: TrainingSession) -> Session:
        """``session`` as this engine runs it: itself (``thread``), or a
        :class:`RemoteSession` with its data, settings and initial θ (``process``;
        the thread engine if no process can be made)."""
        if self.kind != "process":
            return session
        from gdviz.training.remote import EngineError, RemoteSession

        try:
            # started by the worker thread's serve(): the first paint never waits for it
            return RemoteSession.like(session, start=False)
        except (EngineError, OSError) as exc:  # e.g. no pipe: too many open files
            self._fall_back(exc)
            return session

    def _fall_back(self, why) -> None:
        self.kind = "thread"
        self.note = f"Training runs in a thread of this window ({why})."

    def start(self) -> None:
        self.thread = TrainingThread(self.session)
        self.thread.start()

    def stop(self) -> None:
        """Stop the worker thread (and the training process); idempotent."""
        self._health_timer.stop()
        if self.thread is not None:
            self.thread.shutdown()

    def replace(self, session: Session) -> None:
        """Swap in ``session`` (e.g. from a checkpoint): stop, rewire, start."""
        if self.thread is not None:
            self.thread.shutdown()
        self.session = session
        self._on_replaced(session)
        self.start()
        if not self._health_timer.isActive():
            self._health_timer.start()
        self.update_health()

    # ------------------------------------------------------------ faults
    def check(self) -> None:
        """If the training process died, say so and start a new one where the user was."""
        thread = self.thread
        if thread is None or thread.error is None or thread.isRunning():
            return
        error, thread.error = thread.error, None
        from gdviz.training.remote import EngineStartError

        window = self._window
        if isinstance(error, EngineStartError):  # no process can start here: train in a thread
            self._fall_back(error)
            window.statusBar().showMessage(self.note, 10000)
            self.replace(self.session.in_process())
            return
        old = self.session
        running = self._was_running(old)
        pinned = old.pinned
        fresh = TrainingSession(old.dataset, old.config, initial_theta=self._resume_theta(old))
        self.replace(self.wrap(fresh))
        if pinned is not None:
            self.session.pin_example(pinned)
        if running:
            window.controls.run()
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        window.show_error("Training stopped unexpectedly",
                          f"The training engine stopped ({first_line}). A new one has started from the "
                          f"weights shown last and is {'training' if running else 'paused'}, as before; "
                          f"its step count starts again at 0.")

    def _was_running(self, old: Session) -> bool:
        """What the user last asked for (Run, or Pause/Step), unless training had diverged."""
        snap = self._window.last_snapshot
        if snap is not None and snap.diverged:
            return False
        return old.requested_running

    def _resume_theta(self, old: Session):
        """The weights shown last (the last finite ones after a divergence), if they
        fit the network the session has now (a new shape may not have been shown yet)."""
        snap = self._window.last_snapshot
        if snap is None or snap.n_params != old.net.n_params:
            return None
        return old.last_finite_theta() if snap.diverged else snap.theta

    def update_health(self) -> None:
        """Show or hide "Training process not responding" (``HEALTH_HZ`` times a second)."""
        quiet = self.session is not None and not self.session.responding
        if quiet != self._quiet:
            self._quiet = quiet
            self.health_label.setText(NOT_RESPONDING_TEXT if quiet else "")
            self.health_label.setVisible(quiet)
