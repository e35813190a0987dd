"""Train in a separate process: a :class:`~gdviz.training.protocol.Session`
like :class:`~gdviz.training.TrainingSession`, but with no shared GIL (no Qt here).

Why: with the training loop in a thread of the window's process, every
small NumPy call of a batch-10 step competes with the GUI thread for the
interpreter lock, and a 2 ms repaint stretches to 10-26 ms while training
runs at full speed. In a child process the two only share the CPU cores.

How (two one-way pipes; the messages are in :mod:`gdviz.training.child`)::

    window process                                training process
    run() / set_lr() ... ─► CommandQueue ─► sender ──► relay ─► session.send()
    serve() (worker thread) ◄────────────── Snap ───── session.publish()
        └─ mailbox.put(snapshot); Ack ─► CommandQueue   (one snapshot in flight)

No caller ever waits for the process: a command enters a
:class:`~gdviz.training.commands.CommandQueue` (never blocks; the latest
value of a setting wins while the process is behind) and the sender thread,
the only writer of the command pipe, is the one that waits when the process
is stopped or slow. It also pings the process; ``responding`` turns False
when nothing has come back for ``NOT_RESPONDING_AFTER`` seconds.

Commands are checked in the caller's thread (a bad value raises
``SettingError`` at once) and applied to a *shadow*: a never-trained
``TrainingSession`` (``TrainingSession.apply``), so ``config``,
``initial_theta``, ``net.sizes`` and the dataset are known here without
asking the process. Counters (step, epoch, examples seen, running, busy)
come with every snapshot. A recorder set as ``recorder`` receives θ every
K-th step from the process, so replays stay bitwise exact.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

import numpy as np

from gdviz.training import commands as cmd
from gdviz.training import shared_data
from gdviz.training.child import Ack, Bye, Failed, Ping, RecorderStopped, Snap, Tap, ThetaAt, child_main
from gdviz.training.commands import CommandQueue
from gdviz.training.config import LESSON, TrainConfig
from gdviz.training.protocol import Session, SessionStatus
from gdviz.training.session import TrainingSession
from gdviz.training.snapshot import Mailbox

__all__ = ["RemoteSession", "EngineError", "EngineStartError", "NOT_RESPONDING_AFTER", "start_method"]

#: Seconds to wait for the training process to end after "stop" before it is killed.
STOP_TIMEOUT = 10.0
#: The same for a process that is not responding (stopped, or stuck).
SILENT_STOP_TIMEOUT = 1.0
#: Seconds between pings while the session is served.
PING_INTERVAL = 0.25
#: Seconds without any message from the process after which it is "not responding".
NOT_RESPONDING_AFTER = 2.0
#: Seconds a starting process may take to say anything before it is "not responding".
STARTUP_GRACE = 20.0
#: Bytes the snapshot pipe holds (Linux; 64 kB by default). A snapshot (~160 kB for the
#: lesson's network) is then written at once; in 64 kB pieces the trainer waits for the
#: window's reader thread to get the GIL between pieces (with the GIL busy half the time:
#: 1.9 ms a snapshot instead of 0.7, 7 % of the trainer's time at 60 snapshots a second).
SNAP_PIPE_BYTES = 1 << 20


class EngineError(RuntimeError):
    """The training process could not start or ended unexpectedly."""


class EngineStartError(EngineError):
    """The training process could not start at all (the window then trains in a thread)."""


def start_method() -> str:
    """``forkserver`` where it exists (safe beside Qt's threads, and fast: the
    server has numpy and gdviz imported once), else ``spawn``."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


_CONTEXT = None


def _widen(conn, size: int) -> bool:
    """Make the pipe behind ``conn`` hold ``size`` bytes; False where it cannot
    (not Linux, or above the system's limit): it then works as it is."""
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, size)
        return True
    except (ImportError, AttributeError, OSError):
        return False


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        ctx = multiprocessing.get_context(start_method())
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["gdviz.training.remote"])
        _CONTEXT = ctx
    return _CONTEXT


class RemoteSession(Session):
    """A :class:`~gdviz.training.protocol.Session` whose loop runs in a child process.

    The process starts at construction (it loads while the window builds)
    unless ``start=False``; ``serve()`` starts it if nobody has, and receives
    its snapshots until ``stop()``.

    As with any ``multiprocessing`` program, a script that creates one must
    guard its entry point with ``if __name__ == "__main__":`` (the ``gdviz``
    command, ``python -m gdviz`` and the packaged app do).
    """

    def __init__(self, dataset, config: TrainConfig = LESSON, *, publish_hz: float = 60.0,
                 initial_theta: np.ndarray | None = None, start: bool = True):
        shared_data.install()  # datasets go to the process as shared memory, not as 55 MB messages
        self._shadow = TrainingSession(dataset, config, publish_hz=0, initial_theta=initial_theta)
        self.mailbox = Mailbox()
        # Step 0 is known here already (same θ0, bit for bit): a window can paint
        # the untrained network before the process has even started.
        self.mailbox.put(self._shadow.snapshot())
        self.error: str | None = None
        self._recorder = None
        self._outgoing = CommandQueue()
        self._cmd_lock = threading.Lock()  # the shadow and the process see commands in one order
        self._report: Snap | None = None  # the newest status (its snapshot is not kept here)
        self._serving_since: float | None = None
        self._heard_at: float | None = None  # when the process last said anything (monotonic s)
        self._stopping = False
        self._killer: threading.Timer | None = None
        self._end_lock = threading.Lock()  # the kill timer, and giving back the ended process's pipes
        self._ended = False  # the process has ended and been reaped
        ctx = _context()
        cmd_in, self._cmd_out = ctx.Pipe(duplex=False)
        self._snap_in, snap_out = ctx.Pipe(duplex=False)
        _widen(self._snap_in, SNAP_PIPE_BYTES)
        given = self._shadow.given_theta
        self._proc = ctx.Process(
            target=child_main, name="gdviz-training",
            args=(cmd_in, snap_out, dataset, self._shadow.config, given, publish_hz), daemon=True)
        self._child_ends = (cmd_in, snap_out)
        self._sender = threading.Thread(target=self._send_loop, name="gdviz-sender", daemon=True)
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
                self._close_quietly(self._cmd_out)
                raise EngineStartError(f"could not start the training process: {exc}") from exc
            finally:
                for conn in self._child_ends:
                    self._close_quietly(conn)
            self._sender.start()

    @staticmethod
    def _close_quietly(conn) -> None:
        try:
            conn.close()
        except OSError:
            pass

    def in_process(self) -> TrainingSession:
        """A fresh in-process session with this one's data, settings and given weights."""
        sh = self._shadow
        return TrainingSession(sh.dataset, sh.config, initial_theta=sh.given_theta)

    @classmethod
    def like(cls, session: Session, **kwargs) -> "RemoteSession":
        """A remote session with ``session``'s dataset, settings and initial θ
        (given weights, e.g. a checkpoint's, stay given: Reset returns to them)."""
        return cls(session.dataset, session.config, initial_theta=session.given_theta, **kwargs)

    # =============================================================== commands
    def send(self, command: cmd.Command) -> None:
        """Apply ``command`` to the shadow (config, θ0 stay known here), then queue it
        for the process. Never waits for the process."""
        with self._cmd_lock:
            self._shadow.apply(command)
            self._outgoing.put(command)

    def _send_loop(self) -> None:
        """Sender thread: the only writer of the command pipe. It alone waits
        when the process is stopped or slow; it ends after Stop, or when the
        process has ended."""
        conn, next_ping = self._cmd_out, 0.0
        try:
            while True:
                item = self._outgoing.get(timeout=PING_INTERVAL)
                if item is not None:
                    conn.send(item)
                    if isinstance(item, cmd.Stop):
                        return
                if self._serving_since is not None and time.monotonic() >= next_ping:
                    conn.send(Ping())
                    next_ping = time.monotonic() + PING_INTERVAL
        except (OSError, ValueError):  # the process has ended: nothing more to tell it
            pass
        finally:
            self._close_quietly(conn)

    def stop(self) -> None:
        """Make the process's loop return after its current mini-batch; ``serve()`` then
        ends (at the latest ``STOP_TIMEOUT`` s later, ``SILENT_STOP_TIMEOUT`` if it is
        not responding: the process is killed then)."""
        self._stopping = True
        timeout = STOP_TIMEOUT if self.responding else SILENT_STOP_TIMEOUT
        with self._end_lock:
            if self._killer is None and not self._ended:  # (a reaped process needs no timer)
                # A process that does not end in time (stuck, stopped, or frozen by a
                # debugger) is killed, so quitting never hangs; serve() then sees the pipe close.
                self._killer = threading.Timer(timeout, self._kill_if_alive)
                self._killer.daemon = True
                self._killer.start()
        self.send(cmd.Stop())

    def _kill_if_alive(self) -> None:
        with self._end_lock:
            if not self._ended and self._proc.is_alive():
                self._proc.kill()

    def _disarm(self) -> None:
        """Cancel the kill timer and wait for its thread to end (so no thread outlives the session)."""
        killer = self._killer
        if killer is not None:
            killer.cancel()
            if killer is not threading.current_thread():
                killer.join(1.0)

    def _reap(self, timeout: float) -> None:
        """Wait up to ``timeout`` s for the process to end, then kill it; then the sender."""
        if not self._started or self._proc.pid is None:  # never started
            return
        self._proc.join(timeout)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(1.0)
        if self._proc.exitcode is not None:  # ended: give back its pipes now, not at garbage collection
            with self._end_lock:  # (not while the kill timer polls them)
                self._ended = True
                # multiprocessing's own handle: closing it keeps exitcode and is_alive() answering
                self._proc._popen.close()
        if self._sender.is_alive():
            # A last Stop wakes a sender that waits for commands; one stuck writing
            # to a stopped process got EPIPE when it was killed. Either way it ends.
            self._outgoing.put(cmd.Stop())
            self._sender.join(1.0)

    def close(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop and reap the process (for a session that is not being served)."""
        self.stop()
        # Nobody reads what the process sends: close our end first, so a process stuck
        # sending a snapshot larger than the pipe's buffer gets EPIPE and ends.
        self._close_quietly(self._snap_in)
        with self._start_lock:
            if not self._started:  # never started: nothing will use the pipes
                self._started = True
                for conn in (*self._child_ends, self._cmd_out):
                    self._close_quietly(conn)
        self._reap(timeout)
        self._disarm()

    # =============================================================== the worker thread
    def serve(self) -> None:
        """Receive the process's snapshots into ``mailbox`` until it stops.

        Raises :class:`EngineError` if the process ends without being asked to.
        """
        from threadpoolctl import threadpool_limits

        self.start()
        conn, failure = self._snap_in, None
        self._serving_since = time.monotonic()
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
                self._heard_at = time.monotonic()
                if isinstance(msg, Snap):
                    self._report = msg
                    self.mailbox.put(msg.snapshot)
                    self._outgoing.put(Ack())
                elif isinstance(msg, ThetaAt):
                    rec = self._recorder
                    if rec is not None:
                        rec.on_step(msg.step, msg.theta)
                elif isinstance(msg, RecorderStopped):
                    rec, self._recorder = self._recorder, None
                    if rec is not None:
                        rec.stop(msg.reason)
                elif isinstance(msg, Failed):
                    failure = "the training process failed:\n" + msg.text
                    break
                elif isinstance(msg, Bye):
                    break
        finally:
            self._serving_since = None
            limits.restore_original_limits()
            self._close_quietly(conn)  # after Bye nothing more comes; else the process must not wait for us
            self._reap(STOP_TIMEOUT if failure is None else 1.0)
            self._disarm()
        if failure is not None:
            self.error = failure
            raise EngineError(failure)

    @property
    def process(self):
        """The ``multiprocessing.Process`` that trains."""
        return self._proc

    # =============================================================== health
    @property
    def reply_age(self) -> float | None:
        """Seconds since the process last said anything while served (None before that)."""
        heard = self._heard_at
        return None if heard is None or self._serving_since is None else time.monotonic() - heard

    @property
    def responding(self) -> bool:
        """False when the served process has not answered for ``NOT_RESPONDING_AFTER``
        seconds (``STARTUP_GRACE`` before its first message): stopped, or too slow."""
        since = self._serving_since
        if since is None:
            return True
        age = self.reply_age
        if age is None:
            return time.monotonic() - since < STARTUP_GRACE
        return age < NOT_RESPONDING_AFTER

    @property
    def dropped_commands(self) -> int:
        """Commands refused because too many were waiting for the process."""
        return self._outgoing.dropped

    # =============================================================== state
    @property
    def recorder(self):
        return self._recorder

    @recorder.setter
    def recorder(self, rec) -> None:
        """Set a :class:`~gdviz.training.recording.Recorder` (or None): the process
        then sends θ every ``rec.theta_every`` steps, which it stores."""
        self._recorder = rec
        self._outgoing.put(Tap(None if rec is None else rec.theta_every))

    @property
    def dataset(self):
        return self._shadow.dataset

    def _settled(self) -> SessionStatus | None:
        """The process's status if it has applied every command sent, else None."""
        rep = self._report
        waiting, taken = self._outgoing.counts()
        if rep is None or waiting or rep.received < taken or not rep.status.idle:
            return None
        return rep.status

    @property
    def config(self) -> TrainConfig:
        """The settings as sent (the process's own, e.g. a decayed η, once it has applied them)."""
        status = self._settled()
        return self._shadow.config if status is None else status.config

    @property
    def net(self):
        """A network of the session's shape holding the *initial* θ (never trained here)."""
        return self._shadow.net

    @property
    def initial_theta(self) -> np.ndarray:
        return self._shadow.initial_theta

    @property
    def given_theta(self) -> np.ndarray | None:
        return self._shadow.given_theta

    @property
    def pinned(self) -> int | None:
        return self._shadow.pinned

    @property
    def requested_running(self) -> bool:
        """True when the last Run/Pause/Step sent asked to run (whatever the process did with it)."""
        return self._shadow.running

    def last_finite_theta(self) -> np.ndarray:
        """After a divergence, the last θ whose cost was finite (else the newest θ known)."""
        rep = self._report
        if rep is not None and rep.last_good is not None:
            return rep.last_good
        snap = self.mailbox.peek()
        return snap.theta if snap is not None else self._shadow.initial_theta

    def _status_value(self, name: str, default):
        rep = self._report
        return default if rep is None else getattr(rep.status, name)

    @property
    def step_count(self) -> int:
        return int(self._status_value("step", 0))

    @property
    def epoch(self) -> int:
        return int(self._status_value("epoch", 0))

    @property
    def examples_seen(self) -> int:
        return int(self._status_value("examples_seen", 0))

    @property
    def diverged(self) -> bool:
        return bool(self._status_value("diverged", False))

    @property
    def running(self) -> bool:
        return bool(self._status_value("running", False))

    @property
    def busy(self) -> bool:
        """True while running, with steps still to do, or with commands not yet applied."""
        rep = self._report
        if rep is None:
            return True
        st = rep.status
        return self._settled() is None or st.running or st.pending > 0

    def __repr__(self) -> str:
        return f"<RemoteSession pid={self._proc.pid} alive={self._proc.is_alive()}>"


if os.environ.get("GDVIZ_DEBUG_REMOTE"):  # pragma: no cover - a developer's aid
    multiprocessing.log_to_stderr().setLevel("DEBUG")
