"""Train in a separate process: the same commands and mailbox as a
:class:`~gdviz.training.TrainingSession`, but no shared GIL (no Qt here).

Why: with the training loop in a thread of the window's process, every
small NumPy call of a batch-10 step competes with the GUI thread for the
interpreter lock, and a 2 ms repaint stretches to 10-26 ms while training
runs at full speed. In a child process the two only share the CPU cores.

How (one duplex pipe, pickled messages)::

    window process                            training process
    RemoteSession.run() / set_lr() ... ──►   relay thread ─► session.send()
    RemoteSession.serve()  (worker thread) ◄── session.publish() ─ "snap"
        └─ mailbox.put(snapshot), "ack" ──►   (one snapshot in flight at a
                                               time; newer ones merge, as in
                                               the Mailbox: latest wins)

Commands are checked in the caller's thread (a bad value raises
``SettingError`` at once) by a *shadow* session: a never-trained
``TrainingSession`` that applies the same commands, so ``config``,
``initial_theta``, ``net.sizes`` and the dataset are known here without
asking the child. Counters (step, epoch, examples seen, running, busy) come
with every snapshot. A recorder set as ``recorder`` receives θ every K-th
step from the child, so replays stay bitwise exact.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import traceback

import numpy as np

from gdviz.training.config import LESSON, TrainConfig
from gdviz.training.priority import TRAINING_NICE, yield_cpu
from gdviz.training.snapshot import Mailbox
from gdviz.training.session import TrainingSession

__all__ = ["RemoteSession", "EngineError", "EngineStartError", "start_method"]

#: Seconds to wait for the training process to end after "stop" before it is killed.
STOP_TIMEOUT = 10.0


class EngineError(RuntimeError):
    """The training process could not start or ended unexpectedly."""


class EngineStartError(EngineError):
    """The training process could not start at all (the window then trains in a thread)."""


def start_method() -> str:
    """``forkserver`` where it exists (safe beside Qt's threads, and fast: the
    server has numpy and gdviz imported once), else ``spawn``."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


_CONTEXT = None


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        ctx = multiprocessing.get_context(start_method())
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["gdviz.training.remote"])
        _CONTEXT = ctx
    return _CONTEXT


# ============================================================================ child
class _Outbox:
    """The child's end of the pipe: a Mailbox whose ``put`` sends.

    At most one snapshot is unacknowledged; a snapshot published meanwhile
    waits here, merged with newer ones (so every step's cost still arrives).
    Status counters travel with each snapshot.
    """

    def __init__(self, conn, session: TrainingSession):
        self._conn = conn
        self._session = session
        self._lock = threading.Lock()  # the trainer and the relay both send
        self._credit = 1
        self._pending = None  # (snapshot, status) waiting for the credit
        self.received = 0  # commands handed to the session so far

    def send(self, msg) -> None:
        with self._lock:
            self._conn.send(msg)

    def _status(self, snap) -> dict:
        s = self._session
        # Order matters: `received` is read before the queue is checked, so a
        # command counted here was queued before the queue was seen empty.
        received = self.received
        status = {"step": s.step_count, "epoch": s.epoch, "examples_seen": s.examples_seen,
                  "running": s.running, "pending": s._pending, "received": received,
                  "idle": s._commands.empty(), "diverged": s.diverged, "config": s.config}
        if s.diverged:
            status["last_good"] = np.array(s.last_finite_theta(), copy=True)
        return status

    def put(self, snap) -> None:  # trainer thread (session.publish)
        status = self._status(snap)
        with self._lock:
            if self._pending is not None:
                snap = snap.merged_after(self._pending[0])
            if self._credit > 0:
                self._credit -= 1
                self._pending = None
                self._conn.send(("snap", snap, status))
            else:
                self._pending = (snap, status)

    def ack(self) -> None:  # relay thread
        with self._lock:
            if self._pending is not None:
                snap, status = self._pending
                self._pending = None
                self._conn.send(("snap", snap, status))
            else:
                self._credit += 1

    # (Mailbox API the session may use)
    def take(self):
        return None

    def peek(self):
        return None


class _ThetaTap:
    """Stands in the child for the window's Recorder: sends θ every K-th step
    (and at the first step it sees); the window's recorder stores it."""

    def __init__(self, outbox: _Outbox, theta_every: int):
        self._out = outbox
        self.theta_every = max(1, int(theta_every))
        self._first = True

    def on_step(self, step: int, theta: np.ndarray, cost: float | None = None) -> None:
        if self._first or step % self.theta_every == 0:
            self._first = False
            self._out.send(("theta", int(step), theta))  # pickled (copied) before this returns

    def stop(self, reason: str) -> None:
        self._out.send(("rec_stopped", reason))


def _relay(conn, session: TrainingSession, outbox: _Outbox) -> None:
    """Child: turn the window's messages into session commands until "stop"."""
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the window's process is gone
            session.stop()
            return
        kind = msg[0]
        if kind == "cmd":
            if msg[1] == "stop":
                session.stop()
                outbox.received += 1
                return
            session.send(msg[1], *msg[2])
            outbox.received += 1  # after queueing: see _Outbox._status
        elif kind == "ack":
            outbox.ack()
        elif kind == "tap":
            session.recorder = None if msg[1] is None else _ThetaTap(outbox, msg[1])


def _child_main(conn, dataset, config: TrainConfig, initial_theta, publish_hz: float) -> None:
    """The training process: build the session, serve it, say goodbye."""
    # Ctrl+C in a terminal reaches the whole process group: the window decides
    # (the thread engine trains on); this process ends when the pipe says so.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    yield_cpu(TRAINING_NICE)  # the window's frames come first (this thread, and the relay it starts)
    try:
        session = TrainingSession(dataset, config, publish_hz=publish_hz, initial_theta=initial_theta)
        outbox = _Outbox(conn, session)
        session.mailbox = outbox
        relay = threading.Thread(target=_relay, args=(conn, session, outbox), name="gdviz-relay",
                                 daemon=True)
        relay.start()
        session.serve()
        outbox.send(("bye",))
    except BaseException:  # noqa: BLE001 - reported to the window, which stays up
        try:
            conn.send(("error", traceback.format_exc()))
        except (OSError, ValueError):
            pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


# ============================================================================ window side
class RemoteSession:
    """A :class:`TrainingSession` whose loop runs in a child process.

    Same command methods, ``mailbox``, ``serve()``/``stop()`` contract and
    read-only properties as the in-process session, so the window and its
    worker thread drive either one. The process starts at construction (it
    loads while the window builds); ``serve()`` receives its snapshots until
    ``stop()``.

    As with any ``multiprocessing`` program, a script that creates one must
    guard its entry point with ``if __name__ == "__main__":`` (the ``gdviz``
    command, ``python -m gdviz`` and the packaged app do).
    """

    def __init__(self, dataset, config: TrainConfig = LESSON, *, publish_hz: float = 60.0,
                 initial_theta: np.ndarray | None = None, start: bool = True):
        self._shadow = TrainingSession(dataset, config, publish_hz=0, initial_theta=initial_theta)
        self._shadow_send = self._shadow.send
        self._shadow.send = self._command  # the shadow validates, then we forward
        self.mailbox = Mailbox()
        # Step 0 is known here already (same θ0, bit for bit): a window can paint
        # the untrained network before the process has even started.
        self.mailbox.put(self._shadow.snapshot())
        self.error: str | None = None
        self._recorder = None
        self._sent = 0
        self._status: dict = {}
        self._send_lock = threading.Lock()  # commands (any thread) and acks (serve) share the pipe
        self._cmd_lock = threading.RLock()
        self._stopping = False
        self._killer: threading.Timer | None = None
        self._end_lock = threading.Lock()  # the kill timer, and giving back the ended process's pipes
        self._ended = False  # the process has ended and been reaped
        ctx = _context()
        self._conn, child_conn = ctx.Pipe(duplex=True)
        self._proc = ctx.Process(
            target=_child_main, name="gdviz-training",
            args=(child_conn, dataset, self._shadow.config, self._shadow.initial_theta
                  if initial_theta is not None else None, publish_hz),
            daemon=True)
        self._child_conn = child_conn
        self._start_lock = threading.Lock()
        self._started = False
        if start:
            self.start()

    def start(self) -> None:
        """Start the training process (once; ``serve()`` does it if nobody has).

        The window leaves it to its worker thread, so the first paint never
        waits for the process server. Raises :class:`EngineStartError`.
        """
        with self._start_lock:
            if self._started:
                return
            self._started = True
            try:
                self._proc.start()
            except (OSError, RuntimeError, ValueError, AssertionError) as exc:
                raise EngineStartError(f"could not start the training process: {exc}") from exc
            finally:
                self._child_conn.close()

    def _reap(self, timeout: float) -> None:
        """Wait up to ``timeout`` s for the process to end, then kill it."""
        if self._proc._popen is None:  # never started
            return
        self._proc.join(timeout)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(1.0)
        if self._proc.exitcode is not None:  # ended: give back its pipes now, not at garbage collection
            with self._end_lock:  # (not while the kill timer polls them)
                self._ended = True
                self._proc._popen.close()  # (exitcode and is_alive() still answer)

    def _close_conn(self) -> None:
        """Close this end of the pipe (the child then sees EOF, or EPIPE if it was sending)."""
        with self._send_lock:
            try:
                self._conn.close()
            except OSError:
                pass

    def in_process(self) -> TrainingSession:
        """A fresh in-process session with this one's data, settings and given weights."""
        sh = self._shadow
        return TrainingSession(sh.dataset, sh.config, initial_theta=sh._theta_override)

    @classmethod
    def like(cls, session: TrainingSession, **kwargs) -> "RemoteSession":
        """A remote session with ``session``'s dataset, settings and initial θ
        (given weights, e.g. a checkpoint's, stay given: Reset returns to them)."""
        return cls(session.dataset, session.config, initial_theta=session._theta_override, **kwargs)

    # =============================================================== commands
    def _command(self, name: str, *args) -> None:
        """Apply to the shadow (config, θ0 stay known here), then to the child."""
        with self._cmd_lock:  # the shadow and the child see the commands in one order
            self._shadow_send(name, *args)
            while not self._shadow._commands.empty():
                self._shadow._drain()
            self._sent += 1
            self._send(("cmd", name, args))

    def _send(self, msg) -> None:
        with self._send_lock:
            try:
                self._conn.send(msg)
            except (OSError, ValueError):  # the process has ended: nothing to tell it
                pass

    def send(self, name: str, *args) -> None:
        self._command(name, *args)

    def load_theta(self, theta: np.ndarray, config: TrainConfig | None = None) -> None:
        """As :meth:`TrainingSession.load_theta`; without ``config``, the child's
        settings (e.g. a decayed η) stay, not the shadow's."""
        self._shadow.load_theta(theta, self.config if config is None else config)

    def __getattr__(self, name):
        # run, pause, step, step_epoch, set_lr, set_batch_size, set_optimizer,
        # set_speed, set_eval_every, reset, reseed, set_dataset,
        # pin_example, restore_last_finite: the shadow checks the value and
        # sends through _command.
        if name in _FORWARDED:
            return getattr(self._shadow, name)
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    def stop(self) -> None:
        """Make the child's loop return after its current mini-batch; ``serve()`` then
        ends (at the latest ``STOP_TIMEOUT`` s later: the process is killed then)."""
        self._stopping = True
        with self._end_lock:
            if self._killer is None and not self._ended:  # (a reaped process needs no timer)
                # A child that does not end in time (stuck, or frozen by a debugger)
                # is killed, so quitting never hangs; serve() then sees the pipe close.
                self._killer = threading.Timer(STOP_TIMEOUT, self._kill_if_alive)
                self._killer.daemon = True
                self._killer.start()
        self._command("stop")

    def _disarm(self) -> None:
        """Cancel the kill timer and wait for its thread to end (so no thread outlives the session)."""
        killer = self._killer
        if killer is not None:
            killer.cancel()
            if killer is not threading.current_thread():
                killer.join(1.0)

    def _kill_if_alive(self) -> None:
        with self._end_lock:
            if not self._ended and self._proc.is_alive():
                self._proc.kill()

    def close(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop and reap the process (for a session that is not being served)."""
        self.stop()
        # Nobody reads what the child sends: close our end first, so a child stuck
        # sending a snapshot larger than the pipe's buffer gets EPIPE and ends.
        self._close_conn()
        self._reap(timeout)
        with self._start_lock:
            if not self._started:  # never started: nothing will read the child's end
                self._started = True
                self._child_conn.close()
        self._disarm()

    # =============================================================== the worker thread
    def serve(self) -> None:
        """Receive the child's snapshots into ``mailbox`` until it stops.

        Raises :class:`EngineError` if the process ends without being asked to.
        """
        from threadpoolctl import threadpool_limits

        self.start()
        conn, failure = self._conn, None
        # As in TrainingSession.serve (the limit is process-wide): the views' small
        # NumPy products in this process must not wake a BLAS thread pool that
        # fights the training process for the cores (a 13k-element dot took 1.4 ms).
        limits = threadpool_limits(limits=1, user_api="blas")
        try:
            while True:
                try:
                    msg = conn.recv()
                except (EOFError, OSError):
                    if not self._stopping:
                        self._proc.join(1.0)  # (its exit code, not None)
                        failure = f"the training process ended unexpectedly (exit code {self._proc.exitcode})"
                    break
                kind = msg[0]
                if kind == "snap":
                    self._status = msg[2]
                    self.mailbox.put(msg[1])
                    self._send(("ack",))
                elif kind == "theta":
                    rec = self._recorder
                    if rec is not None:
                        rec.on_step(msg[1], msg[2])
                elif kind == "rec_stopped":
                    rec, self._recorder = self._recorder, None
                    if rec is not None:
                        rec.stop(msg[1])
                elif kind == "error":
                    failure = "the training process failed:\n" + msg[1]
                    break
                elif kind == "bye":
                    break
        finally:
            limits.restore_original_limits()
            self._close_conn()  # after "bye" nothing more comes; else the child must not wait for us
            self._reap(STOP_TIMEOUT if failure is None else 1.0)
            self._disarm()
        if failure is not None:
            self.error = failure
            raise EngineError(failure)

    @property
    def process(self):
        """The ``multiprocessing.Process`` that trains."""
        return self._proc

    # =============================================================== state
    @property
    def recorder(self):
        return self._recorder

    @recorder.setter
    def recorder(self, rec) -> None:
        """Set a :class:`~gdviz.training.recording.Recorder` (or None): the child
        then sends θ every ``rec.theta_every`` steps, which it stores."""
        self._recorder = rec
        self._send(("tap", None if rec is None else rec.theta_every))

    @property
    def dataset(self):
        return self._shadow.dataset

    @property
    def config(self) -> TrainConfig:
        """The settings as sent (the child's own, e.g. a decayed η, once a snapshot says so)."""
        st = self._status
        status = st.get("config")
        # (a command the child has received but not applied yet is not in its config)
        if status is None or st.get("received", 0) < self._sent or not st.get("idle", True):
            return self._shadow.config
        return status

    @property
    def net(self):
        """A network of the session's shape holding the *initial* θ (never trained here)."""
        return self._shadow.net

    @property
    def initial_theta(self) -> np.ndarray:
        return self._shadow.initial_theta

    def last_finite_theta(self) -> np.ndarray:
        """After a divergence, the last θ whose cost was finite (else the newest θ known)."""
        good = self._status.get("last_good")
        if good is not None:
            return good
        snap = self.mailbox.peek()
        return snap.theta if snap is not None else self._shadow.initial_theta

    @property
    def step_count(self) -> int:
        return int(self._status.get("step", 0))

    @property
    def epoch(self) -> int:
        return int(self._status.get("epoch", 0))

    @property
    def examples_seen(self) -> int:
        return int(self._status.get("examples_seen", 0))

    @property
    def diverged(self) -> bool:
        return bool(self._status.get("diverged", False))

    @property
    def running(self) -> bool:
        return bool(self._status.get("running", False))

    @property
    def busy(self) -> bool:
        """True while running, with steps still to do, or with commands not yet applied."""
        st = self._status
        return (st.get("received", -1) < self._sent or not st.get("idle", True)
                or bool(st.get("running")) or st.get("pending", 0) > 0)

    def __repr__(self) -> str:
        return f"<RemoteSession pid={self._proc.pid} alive={self._proc.is_alive()}>"


_FORWARDED = frozenset({
    "run", "pause", "step", "step_epoch", "set_lr", "set_batch_size", "set_optimizer",
    "set_speed", "set_eval_every", "reset", "reseed", "set_dataset",
    "pin_example", "restore_last_finite",
})

if os.environ.get("GDVIZ_DEBUG_REMOTE"):  # pragma: no cover - a developer's aid
    multiprocessing.log_to_stderr().setLevel("DEBUG")
