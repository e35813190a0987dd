"""Where the network trains, and what happens when that fails.

The ``process`` engine trains in a child process (a
:class:`~gdviz.training.remote.RemoteSession`); ``thread`` trains in the
worker thread. :class:`Engine` wraps a new session for the chosen engine,
falls back to the thread engine when no process can start, and replaces a
training process that died with a new one at the last θ shown.
"""

from __future__ import annotations

from gdviz.qt.worker import engine_choice
from gdviz.training import TrainingSession
from gdviz.training.remote import EngineError, EngineStartError, RemoteSession

__all__ = ["Engine"]


class Engine:
    """``choice`` is "process" or "thread"; ``note`` says why it fell back, if it did."""

    def __init__(self, choice: str | None = None):
        self.choice = engine_choice(choice)
        self.note = ""

    def _fall_back(self, reason) -> None:
        self.choice = "thread"
        self.note = f"Training runs in a thread of this window ({reason})."

    def wrap(self, session: TrainingSession):
        """``session`` as this engine runs it: itself (``thread``), or a RemoteSession
        with its data, settings and initial θ (``process``; the thread engine if no
        process can start)."""
        if self.choice != "process":
            return session
        try:
            # started by the worker thread's serve(): the first paint never waits for it
            return RemoteSession.like(session, start=False)
        except (EngineError, OSError) as exc:  # e.g. no pipe: too many open files
            self._fall_back(exc)
            return session

    def replacement(self, error: BaseException, session, last_snapshot):
        """The session to train with after the engine of ``session`` stopped with
        ``error``, and the message for the person (empty for a quiet fall-back)."""
        if isinstance(error, EngineStartError):  # no process can start here: train in a thread
            self._fall_back(error)
            return session.in_process(), ""
        snap = last_snapshot
        # (the last θ shown may be of the shape before a change the process never applied)
        fits = snap is not None and not snap.diverged and snap.n_params == session.net.n_params
        fresh = TrainingSession(session.dataset, session.config, initial_theta=snap.theta if fits else None)
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return self.wrap(fresh), (f"The training engine stopped ({first_line}). A new one has started "
                                  f"from the weights shown last; its step count starts again at 0.")

    def check(self, window) -> None:
        """If ``window``'s training engine died, say so and go on with a new one
        (``window``: ``thread``, ``session``, ``last_snapshot``, ``replace_session``)."""
        thread = window.thread
        if thread is None or thread.error is None or thread.isRunning():
            return
        error, thread.error = thread.error, None
        session, message = self.replacement(error, window.session, window.last_snapshot)
        window.replace_session(session)
        if message:
            window.show_error("Training stopped unexpectedly", message)
        else:
            window.statusBar().showMessage(self.note, 10000)
