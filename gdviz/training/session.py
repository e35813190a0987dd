"""A training session: the loop that moves θ, takes commands between
mini-batches and publishes immutable snapshots (no Qt here).

Two ways to drive it:

* **Synchronously** (CLI, tests, benchmarks): ``train_step()``,
  ``train_epoch()``, ``evaluate()``, ``snapshot()`` from one thread.
* **From a worker thread** (the window): ``serve()`` runs the loop until
  ``stop()``; any thread sends commands (``run``, ``pause``, ``step``,
  ``set_lr``...) which are applied before the next mini-batch, and reads the
  latest snapshot from ``mailbox``. There the ``eval_every`` grid is thinned
  to a bounded share of the time (:mod:`gdviz.training.eval_cadence`); the
  synchronous API evaluates every grid point, so its output depends on steps alone.

All state is changed by the thread that trains; commands only enter a queue.
"""

from __future__ import annotations

import math
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from gdviz.core import Network, make_update_rule
from gdviz.training import commands as cmd
from gdviz.training.commands import CommandQueue
from gdviz.training.config import LESSON, LR_MIN, SettingError, TrainConfig
from gdviz.training.eval_cadence import EvalCadence
from gdviz.training.evaluation import measure
from gdviz.training.protocol import Session, SessionStatus, checked_theta
from gdviz.training.snapshot import Evaluation, Mailbox, Snapshot, frozen

GD_CHUNK = 1000  # examples per chunk when summing the full-data gradient
MAX_COMMANDS_PER_BATCH = 64
MAX_UNREAD_COSTS = 1 << 20  # per-step costs kept while no snapshot is taken (8 MB)
# Mini-batches are copied from the data in shuffled order and scaled to floats
# this many rows at a time (whole batches; at least one): a few calls per ~12
# batches of 10 instead of per batch, and 128 rows (400 kB) stay in cache.
CHUNK_ROWS = 128
THROUGHPUT_WINDOW_S = 0.5  # samples/s is measured over at least this much wall-clock time
_INV255 = np.float32(1.0 / 255.0)


def diverged_message(step: int, lr: float) -> str:
    return (f"Training stopped at step {step:,}: the cost became infinite or not a number. "
            f"The learning rate η = {lr:g} is too large, so each step overshoots and the "
            f"weights blow up. Choose a smaller η, then restore the last good weights.")


class TrainingSession(Session):
    """Trains ``Network(config.sizes())`` on ``dataset`` (a ``gdviz.data.Dataset``)."""

    def __init__(self, dataset, config: TrainConfig = LESSON, *, publish_hz: float = 60.0,
                 initial_theta: np.ndarray | None = None, eval_cadence: EvalCadence | None = None):
        self.mailbox = Mailbox()
        self.publish_interval = 1.0 / publish_hz if publish_hz > 0 else 0.0
        self._commands = CommandQueue()
        self._wake = threading.Event()
        self._stopping = False
        self._running = False
        self._pending = 0
        self._seq = 0
        self._run_id = 0
        self._pinned: int | None = None
        self._message = ""
        self.recorder = None  # a gdviz.training.recording.Recorder, fed θ every step
        self.eval_cadence = eval_cadence or EvalCadence()  # which grid points serve() evaluates
        self._dataset = dataset
        self.config = config.validated()
        self._theta_override = None if initial_theta is None else checked_theta(
            initial_theta, dataset, self.config)
        self._build()

    # =============================================================== commands
    # The command methods (run, pause, set_lr...) come from Session: they check
    # their values in the caller's thread and send a command here.
    def send(self, command: cmd.Command) -> None:
        """Queue ``command`` for the loop (safe from any thread; never blocks)."""
        self._handler(command)  # (a TypeError here, not in the loop)
        self._commands.put(command)
        self._wake.set()

    def apply(self, command: cmd.Command) -> None:
        """Apply ``command`` now, in this thread: for a session nobody serves
        (e.g. the window's copy of a training process's settings)."""
        handler = self._handler(command)
        self._dirty = True
        handler(self, command)

    def _handler(self, command) -> Callable[[TrainingSession, cmd.Command], None]:
        try:
            return self._HANDLERS[type(command)]
        except KeyError:
            raise TypeError(f"not a session command: {command!r}") from None

    def stop(self) -> None:
        """Make ``serve()`` return as soon as the current mini-batch is done."""
        self._stopping = True
        self.send(cmd.Stop())

    # =============================================================== worker loop
    def serve(self) -> None:
        """Run the command/training loop until ``stop()``; call from a worker thread."""
        from threadpoolctl import threadpool_limits

        # Tiny matrices: a second BLAS thread only adds jitter and starves the GUI.
        with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):
            self.publish()
            last_pub = time.perf_counter()
            while True:
                self._wake.clear()
                self._drain()
                if self._stopping:
                    break
                if self._running or self._pending:
                    wait = self._next_due - time.perf_counter()
                    if wait > 0:
                        self._wake.wait(wait)
                        continue
                    self._advance()
                    now = time.perf_counter()
                    idle = not (self._running or self._pending)
                    if idle or now - last_pub >= self.publish_interval:
                        self.publish()
                        last_pub = now
                else:
                    if self._dirty:
                        self.publish()
                        last_pub = time.perf_counter()
                    if self._commands.empty():
                        self._wake.wait(0.25)

    @property
    def running(self) -> bool:
        return self._running

    @property
    def busy(self) -> bool:
        """True while running, with steps still to do, or with commands not yet applied."""
        return self._running or self._pending > 0 or not self._commands.empty()

    @property
    def requested_running(self) -> bool:
        """As ``running``: commands reach this loop before its next mini-batch."""
        return self._running

    @property
    def responding(self) -> bool:
        """Always True: this loop runs in this process (its thread cannot be stopped alone)."""
        return True

    def status(self) -> SessionStatus:
        """The counters and settings now (for a training process to report)."""
        return SessionStatus(self.step_count, self.epoch, self.examples_seen, self._running,
                             self._pending, self._commands.empty(), self.diverged, self.config)

    # =============================================================== synchronous API
    def train_step(self) -> float:
        """Apply pending commands, do one update, return its batch cost (nan if diverged)."""
        self._drain()
        before = self.step_count
        with np.errstate(all="ignore"):  # overflow shows up as a non-finite cost
            self._one_step()
        return self._costs[-1] if self.step_count > before else math.nan

    def train_epoch(self, progress: Callable[[int], None] | None = None) -> dict:
        """Train to the end of the current epoch; return its summary.

        ``progress(n_examples)`` is called after each update. Summary keys:
        ``epoch, step, train_cost, train_accuracy, test_cost, test_accuracy,
        samples_per_s, train_seconds, diverged``.
        """
        self._drain()
        start_epoch, seen0 = self.epoch, self.examples_seen
        with np.errstate(all="ignore"):  # overflow shows up as a non-finite cost
            if progress is None:  # one clock around the whole loop
                t0 = time.perf_counter()
                while self.epoch == start_epoch and not self.diverged:
                    self._one_step(evaluate_at_end=False)
                t_train = time.perf_counter() - t0
            else:  # the callback (a progress bar) is not training time
                t_train = 0.0
                while self.epoch == start_epoch and not self.diverged:
                    seen = self.examples_seen
                    t0 = time.perf_counter()
                    self._one_step(evaluate_at_end=False)
                    t_train += time.perf_counter() - t0
                    progress(self.examples_seen - seen)
        n = self.examples_seen - seen0
        ev = self._epoch_evaluation() if not self.diverged else None
        return {
            "epoch": self.epoch, "step": self.step_count,
            "train_cost": ev.train_cost if ev else math.nan,
            "train_accuracy": ev.train_accuracy if ev else math.nan,
            "test_cost": ev.test_cost if ev else math.nan,
            "test_accuracy": ev.test_accuracy if ev else math.nan,
            "samples_per_s": n / t_train if t_train > 0 else math.nan,
            "train_seconds": t_train, "diverged": self.diverged,
        }

    def evaluate(self, full_train: bool = False) -> Evaluation:
        """Measure test (and training) cost and accuracy at θ now; record it."""
        ds = self._dataset
        ev, _ = self.eval_cadence.timed(lambda: measure(
            self.net, None, self.step_count, self.epoch + self._epoch_fraction(), ds.test_images,
            ds.test_labels, ds.train_images, ds.train_labels, full_train=full_train))
        self._evals.append(ev)
        self._dirty = True
        return ev

    def test_predictions(self) -> np.ndarray:
        """The network's answer for every test digit, ``(n_test,)`` int64."""
        return self.net.evaluate(self._dataset.test_images, self._dataset.test_labels)[2]

    def snapshot(self) -> Snapshot:
        """Build a snapshot of the state now (and forget the history it carries)."""
        ds, net = self._dataset, self.net
        if self._pinned is not None:
            img, label = ds.test_images[self._pinned], int(ds.test_labels[self._pinned])
            source = f"test digit #{self._pinned}"
        else:
            j = self._example_index
            img, label, source = ds.train_images[j], int(ds.train_labels[j]), f"training digit #{j}"
        with np.errstate(all="ignore"):  # a diverged θ gives NaN activations, shown as such
            acts = net.forward(img.astype(net.dtype) * _INV255)[1:]
        costs = np.frombuffer(self._costs, dtype=np.float64) if len(self._costs) else np.zeros(0)
        first = self.step_count - len(costs) + 1
        self._costs = array("d")
        evals, self._evals = tuple(self._evals), []
        epoch_costs, self._epoch_costs = tuple(self._epoch_costs), []
        self._seq += 1
        snap = Snapshot(
            seq=self._seq, run_id=self._run_id, step=self.step_count, epoch=self.epoch,
            epoch_fraction=self._epoch_fraction(), examples_seen=self.examples_seen,
            lr=self.config.lr, batch_size=self.config.batch_size,
            optimizer=self.config.optimizer, seed=self.config.seed, running=self._running,
            steps_per_second=self.config.steps_per_second, sizes=net.sizes,
            activation=net.activation.name, cost_name=net.cost.name,
            n_train=len(ds.train_labels), n_test=len(ds.test_labels),
            new_steps=frozen(np.arange(first, self.step_count + 1, dtype=np.int64)),
            new_costs=frozen(costs, np.float64),
            new_epoch_costs=epoch_costs, new_evals=evals,
            last_eval=self._last_eval,
            theta=frozen(net.theta), grad=frozen(self._grad), delta=frozen(self._delta),
            example_image=frozen(img), example_label=label, example_source=source,
            example_activations=tuple(frozen(a[0]) for a in acts),
            samples_per_s=self._throughput, diverged=self.diverged, message=self._message,
        )
        self._dirty = False
        return snap

    def publish(self) -> Snapshot:
        """Put a new snapshot into the mailbox and return it."""
        snap = self.snapshot()
        self.mailbox.put(snap)
        return snap

    # =============================================================== properties
    @property
    def dataset(self):
        return self._dataset

    @property
    def initial_theta(self) -> np.ndarray:
        return self._theta0

    @property
    def given_theta(self) -> np.ndarray | None:
        """Weights given or loaded (Reset returns to them), or None: θ0 from the seed."""
        return self._theta_override

    @property
    def pinned(self) -> int | None:
        return self._pinned

    def last_finite_theta(self) -> np.ndarray:
        return self._last_good

    # =============================================================== internals
    def _build(self) -> None:
        """(Re)create network, θ0, update rule and shuffles from ``config``; step 0."""
        cfg, ds = self.config, self._dataset
        n_in = int(np.prod(ds.train_images.shape[1:]))
        self.net = Network(cfg.sizes(n_in, 10), cfg.activation, cfg.cost)
        init_seq, shuffle_seq = np.random.SeedSequence(cfg.seed).spawn(2)
        self.net.initialise(np.random.default_rng(init_seq))
        if self._theta_override is not None:
            self.net.theta[...] = self._theta_override
        self._theta0 = frozen(self.net.theta)
        self._shuffle_seq = shuffle_seq
        self._restart()

    def _restart(self) -> None:
        """Step 0 from θ0 with the first epoch's shuffle (bitwise the same every time)."""
        if getattr(self, "recorder", None) is not None:
            self.recorder.stop("the run was reset")
            self.recorder = None
        net = self.net
        net.theta[...] = self._theta0
        self._rng = np.random.default_rng(self._shuffle_seq)
        self._rule = make_update_rule(self.config.optimizer, net.n_params, net.dtype)
        self._grad = np.zeros(net.n_params, net.dtype)
        self._delta = np.zeros(net.n_params, net.dtype)
        self._gd_grad = np.zeros(net.n_params, net.dtype)
        self._last_good = net.theta.copy()
        self._eye = np.eye(10, dtype=net.dtype)
        self._xbufs: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._n_train = len(self._dataset.train_labels)
        # examples [_chunk_lo, _chunk_hi) of the epoch's shuffled order: pixels as
        # read, scaled to [0, 1], and one-hot targets
        self._raw_chunk = self._xchunk = self._ychunk = None
        self._chunk_lo = self._chunk_hi = 0
        self.step_count = 0
        self.epoch = 0
        self.examples_seen = 0
        self.diverged = False
        self._order = None
        self._cursor = 0
        self._costs = array("d")  # cost of every step since the last snapshot
        self._evals: list[Evaluation] = []
        self._epoch_costs: list[tuple[int, int, float]] = []
        self._last_eval: Evaluation | None = None
        self._example_index = 0  # the current example: an index into the training set
        self._throughput = 0.0
        self._tp_start: tuple[float, int] | None = None  # (time, examples_seen) opening the window
        self._next_due = 0.0
        self._running = False
        self._pending = 0
        self._run_id += 1
        self._dirty = True
        self._evaluate_if_stale()  # the untrained network's cost and accuracy: the run's first point

    def _drain(self) -> None:
        """Apply the queued commands, at most ``MAX_COMMANDS_PER_BATCH`` (worker thread only).

        Bounded, so a flood of commands cannot starve training.
        """
        for _ in range(MAX_COMMANDS_PER_BATCH):
            command = self._commands.get()
            if command is None:
                return
            self.apply(command)

    # One handler per command type (the table is _HANDLERS, below them).
    def _on_run(self, c: cmd.Run) -> None:
        self._running, self._message = True, ""
        self._tp_start = None

    def _on_pause(self, c: cmd.Pause | cmd.Stop) -> None:
        self._running, self._pending = False, 0
        if isinstance(c, cmd.Pause):
            self._evaluate_if_stale()

    def _on_step(self, c: cmd.Step) -> None:
        self._running = False
        self._tp_start = None
        self._pending += c.n

    def _on_step_epoch(self, c: cmd.StepEpoch) -> None:
        self._running = False
        self._tp_start = None
        if self.config.optimizer == "gd":
            self._pending += 1
        else:
            remaining = len(self._dataset.train_labels) - self._cursor
            if self._order is None or remaining <= 0:
                remaining = len(self._dataset.train_labels)
            self._pending += -(-remaining // self.config.batch_size)

    def _on_set(self, c: cmd.Set) -> None:
        self.config = replace(self.config, **{c.name: c.value})
        if c.name == "optimizer":
            self._rule = make_update_rule(c.value, self.net.n_params, self.net.dtype)

    def _on_reset(self, c: cmd.Reset) -> None:
        if c.config is not None and c.config != self.config:
            if c.config.hidden != self.config.hidden:
                self._theta_override = None  # loaded weights no longer fit
            self.config = c.config
            self._build()
        else:
            self._restart()
        self._message = "Reset to the initial weights (step 0)."

    def _on_reseed(self, c: cmd.Reseed) -> None:
        self._theta_override = None
        self.config = replace(self.config, seed=c.seed)
        self._build()
        self._message = f"New random starting weights (seed {c.seed})."

    def _on_dataset(self, c: cmd.SetDataset) -> None:
        self._dataset = c.dataset
        self._pinned = None
        self._build()
        self._message = f"Now training on {getattr(c.dataset, 'description', 'new data')}."

    def _on_load(self, c: cmd.LoadTheta) -> None:
        self._theta_override, self.config = c.theta, c.config
        self._build()
        self._message = "Loaded weights: Reset now returns to them."

    def _on_pin(self, c: cmd.PinExample) -> None:
        self._pinned = None if c.index is None else int(c.index) % len(self._dataset.test_labels)

    def _on_restore(self, c: cmd.RestoreLastFinite) -> None:
        if self.diverged:
            self.net.theta[...] = self._last_good
            self._rule.reset()
            self.diverged = False
            self._message = "Restored the last weights whose cost was finite."

    _HANDLERS: dict[type, Callable[[TrainingSession, cmd.Command], None]] = {
        cmd.Run: _on_run, cmd.Pause: _on_pause, cmd.Step: _on_step, cmd.StepEpoch: _on_step_epoch,
        cmd.Set: _on_set, cmd.Reset: _on_reset, cmd.Reseed: _on_reseed, cmd.SetDataset: _on_dataset,
        cmd.LoadTheta: _on_load, cmd.PinExample: _on_pin, cmd.RestoreLastFinite: _on_restore,
        cmd.Stop: _on_pause,
    }

    def _epoch_fraction(self) -> float:
        n = len(self._dataset.train_labels)
        return 0.0 if self._order is None else min(1.0, self._cursor / n)

    def _xbuf(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        bufs = self._xbufs.get(batch)
        if bufs is None:
            if len(self._xbufs) > 8:
                self._xbufs.clear()
            n_in = self.net.sizes[0]
            bufs = self._xbufs[batch] = (np.empty((batch, n_in), self.net.dtype),
                                         np.empty((batch, 10), self.net.dtype))
        return bufs

    def _advance(self) -> None:
        """One update inside ``serve``, with the speed limit and step accounting."""
        if self._pending:
            self._pending -= 1
        self._one_step(cadenced=True)
        if not (self._running or self._pending):
            self._evaluate_if_stale()
        # The pace holds while running; steps asked for (→, to the end of the epoch) go at once.
        sps = self.config.steps_per_second if self._running else 0.0
        self._next_due = time.perf_counter() + 1.0 / sps if sps > 0 else 0.0

    def _one_step(self, evaluate_at_end: bool = True, cadenced: bool = False) -> None:
        """One update of θ (a mini-batch, or the whole set for ``gd``); ``cadenced``: a grid
        point is evaluated only if ``eval_cadence`` finds it worth its time."""
        if self.diverged:
            self._running, self._pending = False, 0
            return
        cfg = self.config
        # callers hold np.errstate(all="ignore"): overflow is caught here as a non-finite cost
        if cfg.optimizer == "gd":
            cost, n = self._full_gradient(), self._n_train
        else:
            cost, n = self._batch_gradient(cfg.batch_size)
        if not math.isfinite(cost):
            self._diverge()
            return
        theta = self.net.theta
        np.copyto(self._last_good, theta)  # its cost was just found finite
        self._delta = self._rule.step(theta, self._grad, cfg.lr)  # the rule's own buffer; snapshots copy it
        self.step_count += 1
        self.examples_seen += n
        costs = self._costs
        costs.append(cost)
        if len(costs) > MAX_UNREAD_COSTS:  # nobody reads snapshots: keep the newest
            del costs[:MAX_UNREAD_COSTS // 2]
        if self.recorder is not None:
            self.recorder.on_step(self.step_count, theta)
        self._measure_throughput(time.perf_counter())
        if cfg.optimizer == "gd" or self._cursor >= self._n_train:  # the epoch is done
            self.epoch += 1
            if cfg.lr_decay != 1.0:
                self.config = replace(cfg, lr=max(LR_MIN, cfg.lr * cfg.lr_decay))
            self._order = None
            self._cursor = 0
            if evaluate_at_end:
                self._epoch_evaluation()
        elif cfg.eval_every and (self.eval_cadence.due(self.step_count, cfg.eval_every) if cadenced
                                 else self.step_count % cfg.eval_every == 0):
            self._last_eval = self.evaluate()

    def _evaluate_if_stale(self) -> None:
        """Evaluate at θ now unless the last evaluation is of this step (or θ diverged).

        Called when training stops (pause, the last of the steps asked for)
        and at step 0, so every figure shown while paused is of the step shown.
        """
        ev = self._last_eval
        if not self.diverged and (ev is None or ev.step != self.step_count):
            self._last_eval = self.evaluate()

    def _measure_throughput(self, now: float) -> None:
        """Examples per second of wall-clock time, over windows of at least ``THROUGHPUT_WINDOW_S``.

        Wall-clock, not compute time: at a pace of 30 steps/s with batches of
        10 it reads 300, whatever the waits between steps. The window opens
        at the first step after a run/step command (``_tp_start`` None), so a
        pause is never counted.
        """
        if self._tp_start is None:
            self._tp_start = (now, self.examples_seen)
            return
        t0, seen0 = self._tp_start
        if now - t0 >= THROUGHPUT_WINDOW_S:
            self._throughput = (self.examples_seen - seen0) / (now - t0)
            self._tp_start = (now, self.examples_seen)

    def _epoch_evaluation(self) -> Evaluation:
        ev = self.evaluate(full_train=True)
        self._last_eval = ev
        self._epoch_costs.append((self.epoch, self.step_count, ev.train_cost))
        return ev

    def _batch_gradient(self, batch_size: int) -> tuple[float, int]:
        """∇C of the next mini-batch into ``_grad``; return (its average C, its size)."""
        if self._order is None:  # a new epoch
            self._order = self._rng.permutation(self._n_train)
            self._cursor = self._chunk_lo = self._chunk_hi = 0
        i = self._cursor
        b = min(batch_size, self._n_train - i)
        if i < self._chunk_lo or i + b > self._chunk_hi:
            self._load_chunk(i, b)
        j = i - self._chunk_lo
        cost, _ = self.net.gradient(self._xchunk[j:j + b], self._ychunk[j:j + b], self._grad)
        self._cursor = i + b
        self._example_index = self._order[i]
        return cost, b

    def _load_chunk(self, i: int, b: int) -> None:
        """Copy the epoch's examples ``i``, ``i + 1``... (in shuffled order) into the
        chunk buffers: as many whole batches of ``b`` as fit in ``CHUNK_ROWS``, at
        least one; each batch is then one contiguous slice. A chunk at a time, not a
        shuffled copy of the whole set each epoch: the images are touched once, not
        three times (≈ 1.5 µs a step less at batch 10), and not held twice (47 MB).
        """
        ds = self._dataset
        rows = min(self._n_train - i, max(b, CHUNK_ROWS // b * b))
        if self._xchunk is None or self._xchunk.shape[0] < rows:
            cap = max(rows, CHUNK_ROWS)
            self._raw_chunk = np.empty((cap,) + ds.train_images.shape[1:], ds.train_images.dtype)
            self._xchunk = np.empty((cap, self.net.sizes[0]), self.net.dtype)
            self._ychunk = np.empty((cap, 10), self.net.dtype)
        idx = self._order[i:i + rows]
        raw, X = self._raw_chunk[:rows], self._xchunk[:rows]
        # mode="clip": the indices are valid (a permutation), and the default
        # "raise" writes through an extra buffer
        np.take(ds.train_images, idx, axis=0, out=raw, mode="clip")
        np.copyto(X, raw.reshape(rows, -1))  # uint8 -> float (exact), then one multiply
        np.multiply(X, _INV255, X)
        np.take(self._eye, ds.train_labels[idx], axis=0, out=self._ychunk[:rows], mode="clip")
        self._chunk_lo, self._chunk_hi = i, i + rows

    def _full_gradient(self) -> float:
        """∇C over the whole training set (the lesson's gradient descent)."""
        ds = self._dataset
        n_total = len(ds.train_labels)
        acc = self._gd_grad
        acc[...] = 0.0
        total = 0.0
        for i in range(0, n_total, GD_CHUNK):
            b = min(GD_CHUNK, n_total - i)
            X, Y = self._xbuf(b)
            np.multiply(ds.train_images[i:i + b], _INV255, out=X)
            np.take(self._eye, ds.train_labels[i:i + b], axis=0, out=Y)
            cost, _ = self.net.gradient(X, Y, self._grad)
            acc += self._grad * np.float32(b / n_total)
            total += cost * b
        self._grad[...] = acc
        j = self.step_count % n_total
        self._example_index = j
        return total / n_total

    def _diverge(self) -> None:
        self.diverged = True
        self._running, self._pending = False, 0
        self._message = diverged_message(self.step_count, self.config.lr)
        self._dirty = True


__all__ = ["SessionStatus", "TrainingSession", "SettingError", "TrainConfig", "LESSON", "diverged_message"]
