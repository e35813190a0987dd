"""The training process's side of :class:`~gdviz.training.remote.RemoteSession`,
and the messages the two processes exchange (no Qt here).

Two one-way pipes. Window → training process: session commands
(:mod:`gdviz.training.commands`), :class:`Ack`, :class:`Tap` and
:class:`Ping`, read by the relay thread. Training process → window:
:class:`Snap`, :class:`ThetaAt`, :class:`RecorderStopped`, :class:`Pong`,
:class:`Failed` and :class:`Bye`, read by ``RemoteSession.serve``.

At most one snapshot is unacknowledged; one published meanwhile waits in
the :class:`Outbox`, merged with newer ones (every step's cost still
arrives), so a slow window never makes the trainer wait.
"""

from __future__ import annotations

import signal
import threading
import traceback
from dataclasses import dataclass, field

import numpy as np

from gdviz.training import commands as cmd
from gdviz.training.config import TrainConfig
from gdviz.training.memory import TRIM_EVERY_S, bound_heap, trim_every
from gdviz.training.priority import TRAINING_NICE, yield_cpu
from gdviz.training.protocol import SessionStatus
from gdviz.training.session import TrainingSession
from gdviz.training.snapshot import Snapshot

__all__ = ["Ack", "Bye", "Failed", "Ping", "Pong", "RecorderStopped", "Snap", "Tap", "ThetaAt",
           "child_main"]


# ------------------------------------------------------------- window -> process
@dataclass(frozen=True)
class Ack:
    """The window has taken a snapshot: the process may send the next one."""


@dataclass(frozen=True)
class Tap:
    """Send θ every ``every`` steps for the window's recorder (None: stop)."""

    every: int | None


@dataclass(frozen=True)
class Ping:
    """Are you there? (answered by :class:`Pong` from the relay thread)."""


# ------------------------------------------------------------- process -> window
@dataclass(frozen=True, eq=False)
class Snap:
    """A snapshot with the session's status. ``received``: commands handed to the
    session so far (read before ``status.idle``); ``last_good``: after a divergence,
    the last finite θ."""

    snapshot: Snapshot
    status: SessionStatus
    received: int
    last_good: np.ndarray | None = field(default=None, repr=False)


@dataclass(frozen=True, eq=False)
class ThetaAt:
    """θ after ``step`` for the window's recorder."""

    step: int
    theta: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class RecorderStopped:
    reason: str


@dataclass(frozen=True)
class Pong:
    """The answer to a :class:`Ping`."""


@dataclass(frozen=True)
class Failed:
    """The process failed; ``text`` is its traceback."""

    text: str


@dataclass(frozen=True)
class Bye:
    """The loop has ended as asked; nothing more comes."""


class Outbox:
    """The process's end of the snapshot pipe: a Mailbox whose ``put`` sends."""

    def __init__(self, conn, session: TrainingSession):
        self._conn = conn
        self._session = session
        self._lock = threading.Lock()  # the trainer and the relay both send
        self._credit = 1
        self._pending: Snap | None = None  # waiting for the credit
        self.received = 0  # commands handed to the session so far

    def send(self, msg) -> None:
        with self._lock:
            self._conn.send(msg)

    def put(self, snap: Snapshot) -> None:  # trainer thread (session.publish)
        s = self._session
        # Order matters: `received` is read before the status checks the queue, so a
        # command counted here was queued before the queue was seen empty.
        received = self.received
        status = s.status()
        last_good = np.array(s.last_finite_theta(), copy=True) if status.diverged else None
        with self._lock:
            if self._pending is not None:
                snap = snap.merged_after(self._pending.snapshot)
            msg = Snap(snap, status, received, last_good)
            if self._credit > 0:
                self._credit -= 1
                self._pending = None
                self._conn.send(msg)
            else:
                self._pending = msg

    def ack(self) -> None:  # relay thread
        with self._lock:
            if self._pending is not None:
                msg, self._pending = self._pending, None
                self._conn.send(msg)
            else:
                self._credit += 1

    # (the Mailbox API the session may use)
    def take(self):
        return None

    def peek(self):
        return None


class ThetaTap:
    """Stands in the process for the window's Recorder: sends θ every K-th step
    (and at the first step it sees); the window's recorder stores it."""

    def __init__(self, outbox: Outbox, theta_every: int):
        self._out = outbox
        self.theta_every = max(1, int(theta_every))
        self._first = True

    def on_step(self, step: int, theta: np.ndarray, cost: float | None = None) -> None:
        if self._first or step % self.theta_every == 0:
            self._first = False
            self._out.send(ThetaAt(int(step), theta))  # pickled (copied) before this returns

    def stop(self, reason: str) -> None:
        self._out.send(RecorderStopped(reason))


def _relay(conn, session: TrainingSession, outbox: Outbox) -> None:
    """Turn the window's messages into session commands until Stop (or the window is gone)."""
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the window's process is gone
            session.stop()
            return
        if isinstance(msg, cmd.Stop):
            session.stop()
            outbox.received += 1
            return
        if isinstance(msg, cmd.COMMANDS):
            session.send(msg)
            outbox.received += 1  # after queueing: see Outbox.put
        elif isinstance(msg, Ack):
            outbox.ack()
        elif isinstance(msg, Ping):
            outbox.send(Pong())
        elif isinstance(msg, Tap):
            session.recorder = None if msg.every is None else ThetaTap(outbox, msg.every)


def child_main(cmd_conn, snap_conn, dataset, config: TrainConfig, initial_theta,
               publish_hz: float) -> None:
    """The training process: build the session, serve it, say goodbye."""
    # Ctrl+C in a terminal reaches the whole process group: the window decides
    # (the thread engine trains on); this process ends when the pipe says so.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    yield_cpu(TRAINING_NICE)  # the window's frames come first (this thread, and the relay it starts)
    bound_heap()
    try:
        session = TrainingSession(dataset, config, publish_hz=publish_hz, initial_theta=initial_theta)
        outbox = Outbox(snap_conn, session)
        session.mailbox = outbox
        relay = threading.Thread(target=_relay, args=(cmd_conn, session, outbox), name="gdviz-relay",
                                 daemon=True)
        relay.start()
        done = threading.Event()
        trim_every(TRIM_EVERY_S, done)  # freed heap back to the system (networks of other sizes...)
        try:
            session.serve()
        finally:
            done.set()
        outbox.send(Bye())
    except BaseException:  # noqa: BLE001 - reported to the window, which stays up
        try:
            snap_conn.send(Failed(traceback.format_exc()))
        except (OSError, ValueError):
            pass
    finally:
        for conn in (snap_conn, cmd_conn):
            try:
                conn.close()
            except OSError:
                pass
