"""Write a recording while training runs (:class:`Recorder`)."""

from __future__ import annotations

import math
import os
import threading
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from gdviz import __version__
from gdviz.core import count_parameters, validate_sizes
from gdviz.training.config import SettingError, TrainConfig
from gdviz.training.recording.format import (
    _CHUNK,
    _I64,
    _LEN,
    _PREAMBLE,
    _TRACKED,
    COST_CHUNK_STEPS,
    EPOCH_DTYPE,
    EVAL_DTYPE,
    FLUSH_SECONDS,
    FORMAT_NAME,
    FORMAT_VERSION,
    MAGIC,
    RecordingError,
    _config_json,
    _json_bytes,
    _pad8,
    _sizes_text,
    default_theta_every,
)
from gdviz.training.snapshot import Evaluation, Snapshot


class Recorder:
    """Append one training run to ``path`` as it trains (see the package docstring).

    Feed it in any of these ways (they may be mixed; every input is
    de-duplicated by step, so a step's cost or θ is stored once):

    * :meth:`record_snapshot` with each :class:`Snapshot` taken from the
      session's mailbox (GUI thread): costs, evaluations, epoch costs, setting
      changes, and θ — at the snapshot's step, at most every K steps, only
      while :meth:`on_step` is not used;
    * :meth:`on_step` from the training loop after every update (worker
      thread): θ at exactly every K-th step; costs too when ``cost`` is given;
    * the ``add_*`` methods, for anything else.

    All methods are thread-safe. :meth:`close` finishes the file (adding the
    last θ seen in a snapshot) and renames ``NAME.part`` to ``NAME``. After a
    snapshot of another run (``run_id`` changed: reset, reseed, new data) the
    recorder stops taking input; close it then.
    """

    def __init__(self, path, config: TrainConfig, sizes, dataset_name: str,
                 theta_every: int | None = None, *, n_train: int | None = None,
                 n_test: int | None = None, flush_seconds: float = FLUSH_SECONDS):
        self.path = Path(path)
        self.partial_path = self.path.with_name(self.path.name + ".part")
        try:
            self.config = config.validated()
            self.sizes = validate_sizes(sizes)
        except (SettingError, ValueError, TypeError) as exc:
            raise RecordingError(f"{self.path}: cannot record these settings: {exc}") from None
        if tuple(self.sizes[1:-1]) != tuple(self.config.hidden):
            raise RecordingError(f"{self.path}: layer sizes {_sizes_text(self.sizes)} do not match "
                                 f"the hidden layers {self.config.hidden} of the settings")
        self.n_params = count_parameters(self.sizes)
        k = default_theta_every(self.n_params) if theta_every is None else int(theta_every)
        if k < 1:
            raise RecordingError(f"{self.path}: theta_every must be at least 1 (got {theta_every!r})")
        self.theta_every = k
        self.dataset_name = str(dataset_name)
        self.flush_seconds = float(flush_seconds)
        self._lock = threading.Lock()
        self._cost_steps = np.empty(COST_CHUNK_STEPS, np.int64)
        self._cost_vals = np.empty(COST_CHUNK_STEPS, np.float64)
        self._n_pending = 0
        self._last_cost_step = -1
        self._last_theta_step = -1
        self._n_costs = self._n_thetas = self._n_evals = 0
        self._dropped = 0  # non-finite costs / θ offered (never written)
        self._used_on_step = False
        self._latest: tuple[int, np.ndarray] | None = None  # (step, θ) of the last snapshot
        self._run_id: int | None = None
        self._settings = {k: getattr(self.config, k) for k in _TRACKED}
        self.closed = False
        self.stopped_reason = ""  # why input is no longer taken (another run, a write error)
        self.io_error: OSError | None = None
        self.bytes_written = 0
        header = {
            "format": FORMAT_NAME, "version": FORMAT_VERSION, "gdviz_version": __version__,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "dataset": self.dataset_name,
            "n_train": None if n_train is None else int(n_train),
            "n_test": None if n_test is None else int(n_test),
            "sizes": list(self.sizes), "n_params": self.n_params, "theta_every": k,
            "theta_dtype": "<f4", "config": _config_json(self.config),
        }
        try:
            self._fh = open(self.partial_path, "wb", buffering=1 << 20)  # noqa: SIM115
        except OSError as exc:
            raise RecordingError(f"{self.path}: cannot write the recording: {exc.strerror or exc}") from None
        try:
            self._fh.write(_PREAMBLE.pack(MAGIC, FORMAT_VERSION, 0))
            self.bytes_written = _PREAMBLE.size
            self._write_chunk(b"HEAD", _json_bytes(header))
            self._fh.flush()
        except BaseException:
            self._discard()
            raise
        self._last_flush = time.monotonic()

    @classmethod
    def from_session(cls, path, session, theta_every: int | None = None, **kwargs) -> "Recorder":
        """A recorder for ``session`` that already holds θ at its current step.

        Call it from the thread that trains the session (or while it is not
        being served), since it reads ``session.net.theta``.
        """
        ds = session.dataset
        rec = cls(path, session.config, session.net.sizes, getattr(ds, "name", "unknown"),
                  theta_every, n_train=len(ds.train_labels), n_test=len(ds.test_labels), **kwargs)
        rec.add_theta(session.step_count, session.net.theta)
        return rec

    # ------------------------------------------------------------------ hot path
    def on_step(self, step: int, theta: np.ndarray, cost: float | None = None) -> None:
        """Call after every update with θ after ``step`` updates (and its batch cost).

        Cheap: unless ``step`` is a multiple of K (or no θ is stored yet) it
        only notes the cost. The θ due is written before this returns, so the
        caller may change θ right after.
        """
        self._used_on_step = True
        if cost is not None:
            with self._lock:
                if step > self._last_cost_step and not self.closed and not self.stopped_reason:
                    try:
                        self._append_cost(step, cost)
                    except OSError as exc:
                        self._io_failed(exc)
        if step % self.theta_every and self._last_theta_step >= 0:
            return
        with self._lock:
            if not self.closed and not self.stopped_reason:
                try:
                    self._add_theta(step, theta)
                    self._maybe_flush()
                except OSError as exc:
                    self._io_failed(exc)

    # ------------------------------------------------------------------ snapshots
    def record_snapshot(self, snap: Snapshot) -> bool:
        """Take what is new in ``snap``; False when it was not taken (closed, or another run)."""
        with self._lock:
            if self.closed or self.stopped_reason:
                return False
            if self._run_id is None:
                self._run_id = snap.run_id
            elif snap.run_id != self._run_id:
                self.stopped_reason = (f"the run was restarted at snapshot {snap.seq} (reset, new seed "
                                       f"or new data); the recording ends at step {self._last_step()}")
                return False
            if snap.theta.size != self.n_params:
                raise RecordingError(f"{self.path}: a snapshot holds {snap.theta.size:,} parameters but "
                                     f"this recording is of a {_sizes_text(self.sizes)} network "
                                     f"({self.n_params:,})")
            try:
                changes = {k: getattr(snap, k) for k in _TRACKED if getattr(snap, k) != self._settings[k]}
                if changes:
                    self._settings.update(changes)
                    self._write_chunk(b"SETS", _json_bytes({"step": int(snap.step), "changes": changes}))
                self._add_costs(snap.new_steps, snap.new_costs)
                if snap.new_evals:
                    self._write_evals(snap.new_evals)
                if snap.new_epoch_costs:
                    self._write_epoch_costs(snap.new_epoch_costs)
                if self._last_theta_step < 0 or (
                        not self._used_on_step and snap.step >= self._last_theta_step + self.theta_every):
                    self._add_theta(snap.step, snap.theta)
                self._latest = (int(snap.step), snap.theta)
                self._maybe_flush()
            except OSError as exc:
                self._io_failed(exc)
                return False
            return True

    # ------------------------------------------------------------------ explicit input
    def add_costs(self, steps, costs) -> None:
        """Costs of updates ``steps`` (increasing); steps already recorded are skipped."""
        with self._lock:
            self._check_open()
            self._add_costs(steps, costs)

    def add_theta(self, step: int, theta: np.ndarray) -> bool:
        """θ after ``step`` updates, whatever K says; False if not after the last θ (or not finite)."""
        with self._lock:
            self._check_open()
            return self._add_theta(step, theta)

    def maybe_add_theta(self, step: int, theta: np.ndarray) -> bool:
        """θ after ``step`` updates when ``step`` is a multiple of K (or no θ is stored yet)."""
        if step % self.theta_every and self._last_theta_step >= 0:
            return False
        return self.add_theta(step, theta)

    def add_eval(self, ev: Evaluation) -> None:
        with self._lock:
            self._check_open()
            self._write_evals((ev,))

    def add_epoch_cost(self, epoch: int, step: int, cost: float) -> None:
        with self._lock:
            self._check_open()
            self._write_epoch_costs(((epoch, step, cost),))

    def add_settings_change(self, step: int, **changes) -> None:
        """Note that settings changed after ``step`` updates (e.g. ``lr=0.5``)."""
        with self._lock:
            self._check_open()
            self._write_chunk(b"SETS", _json_bytes({"step": int(step), "changes": changes}))

    # ------------------------------------------------------------------ finishing
    def flush(self) -> None:
        """Write buffered costs and push the file to the operating system."""
        with self._lock:
            if not self.closed:
                self._flush()

    def close(self) -> Path:
        """Finish the file and move it to ``path`` (atomically); return ``path``.

        Adds θ of the last snapshot seen if it is newer than the last θ stored.
        Raises :class:`RecordingError` (and writes nothing) when no θ was ever
        recorded. Closing twice is harmless.
        """
        with self._lock:
            if self.closed:
                return self.path
            if self.io_error is not None:
                self.closed = True
                try:
                    self._fh.close()
                except OSError:
                    pass
                raise RecordingError(f"{self.path}: {self.stopped_reason}; what was written before is in "
                                     f"{self.partial_path.name} (open it with allow_partial=True)")
            try:
                if self._latest is not None and self._latest[0] > self._last_theta_step:
                    self._add_theta(*self._latest)
                if self._n_thetas == 0:
                    raise RecordingError(f"{self.path}: nothing was recorded (no θ); no file was written")
                self._write_pending_costs()
                summary = {"steps": self._n_costs, "thetas": self._n_thetas, "evals": self._n_evals,
                           "last_step": self._last_step(), "dropped_non_finite": self._dropped,
                           "stopped": self.stopped_reason,
                           "closed": datetime.now(timezone.utc).isoformat(timespec="seconds")}
                self._write_chunk(b"END ", _json_bytes(summary))
                self._fh.flush()
                os.fsync(self._fh.fileno())
                self._fh.close()
                os.replace(self.partial_path, self.path)
            except BaseException:
                self._discard()
                raise
            finally:
                self.closed = True
            return self.path

    def stop(self, reason: str = "recording stopped") -> None:
        """Take no more input (call on reset/reseed/new data, from any thread); close() later."""
        with self._lock:
            if not self.stopped_reason:
                self.stopped_reason = f"{reason}; the recording ends at step {self._last_step():,}"

    def abort(self) -> None:
        """Stop recording and delete the unfinished file."""
        with self._lock:
            if not self.closed:
                self._discard()
                self.closed = True

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is not None and self._n_thetas == 0 and self._latest is None:
            self.abort()  # nothing worth keeping; do not hide the original error
        else:
            self.close()

    @property
    def n_thetas(self) -> int:
        return self._n_thetas

    @property
    def n_costs(self) -> int:
        return self._n_costs + self._n_pending

    # ------------------------------------------------------------------ internals (lock held)
    def _io_failed(self, exc: OSError) -> None:
        """A write failed (disk full...): stop recording, never disturb the training that called."""
        self.io_error = exc
        self.stopped_reason = (f"recording stopped after step {self._last_step():,}: cannot write "
                               f"{self.partial_path.name} ({exc.strerror or exc})")

    def _check_open(self) -> None:
        if self.closed:
            raise RecordingError(f"{self.path}: the recording is closed")

    def _last_step(self) -> int:
        return max(self._last_cost_step, self._last_theta_step, 0)

    def _discard(self) -> None:
        try:
            self._fh.close()
        except Exception:  # noqa: BLE001 - best effort while failing
            pass
        try:
            os.unlink(self.partial_path)
        except OSError:
            pass

    def _write_chunk(self, tag: bytes, *parts) -> None:
        length = sum(memoryview(p).nbytes for p in parts)
        len_bytes = _LEN.pack(length)
        crc = zlib.crc32(len_bytes, zlib.crc32(tag))
        for p in parts:
            crc = zlib.crc32(p, crc)
        fh = self._fh
        fh.write(_CHUNK.pack(tag, crc, length))
        for p in parts:
            fh.write(p)
        pad = _pad8(length)
        if pad:
            fh.write(b"\0" * pad)
        self.bytes_written += _CHUNK.size + length + pad

    def _add_theta(self, step: int, theta) -> bool:
        step = int(step)
        if step <= self._last_theta_step or step < 0:
            return False
        theta = np.ascontiguousarray(theta, dtype="<f4")
        if theta.shape != (self.n_params,):
            raise RecordingError(f"{self.path}: θ has shape {theta.shape} but a "
                                 f"{_sizes_text(self.sizes)} network has {self.n_params:,} parameters")
        if not np.isfinite(theta).all():
            self._dropped += 1
            return False
        self._write_chunk(b"THTA", _I64.pack(step), theta)
        self._last_theta_step = step
        self._n_thetas += 1
        return True

    def _append_cost(self, step: int, cost: float) -> None:
        if not math.isfinite(cost):
            self._dropped += 1
            return
        i = self._n_pending
        self._cost_steps[i] = step
        self._cost_vals[i] = cost
        self._n_pending = i + 1
        self._last_cost_step = int(step)
        if i + 1 == COST_CHUNK_STEPS:
            self._write_pending_costs()

    def _add_costs(self, steps, costs) -> None:
        steps = np.asarray(steps, dtype=np.int64).ravel()
        costs = np.asarray(costs, dtype=np.float64).ravel()
        if steps.shape != costs.shape:
            raise RecordingError(f"{self.path}: {steps.size} steps but {costs.size} costs")
        keep = steps > self._last_cost_step
        if not keep.all():
            steps, costs = steps[keep], costs[keep]
        if steps.size == 0:
            return
        if steps.size > 1 and not (np.diff(steps) > 0).all():
            raise RecordingError(f"{self.path}: costs must be given in increasing step order")
        finite = np.isfinite(costs)
        if not finite.all():
            self._dropped += int(steps.size - np.count_nonzero(finite))
            steps, costs = steps[finite], costs[finite]
        start = 0
        while start < steps.size:
            i = self._n_pending
            n = min(COST_CHUNK_STEPS - i, steps.size - start)
            self._cost_steps[i:i + n] = steps[start:start + n]
            self._cost_vals[i:i + n] = costs[start:start + n]
            self._n_pending = i + n
            start += n
            if self._n_pending == COST_CHUNK_STEPS:
                self._write_pending_costs()
        if steps.size:
            self._last_cost_step = int(steps[-1])

    def _write_pending_costs(self) -> None:
        k = self._n_pending
        if k:
            self._write_chunk(b"COST", _I64.pack(k), self._cost_steps[:k], self._cost_vals[:k])
            self._n_costs += k
            self._n_pending = 0

    def _write_evals(self, evals) -> None:
        rec = np.array([(e.step, e.epoch, e.test_cost, e.test_accuracy, e.train_cost, e.train_accuracy)
                        for e in evals], dtype=EVAL_DTYPE)
        self._write_chunk(b"EVAL", rec)
        self._n_evals += len(rec)

    def _write_epoch_costs(self, items) -> None:
        self._write_chunk(b"EPCH", np.array([tuple(x) for x in items], dtype=EPOCH_DTYPE))

    def _maybe_flush(self) -> None:
        if time.monotonic() - self._last_flush >= self.flush_seconds:
            self._flush()

    def _flush(self) -> None:
        self._write_pending_costs()
        self._fh.flush()
        self._last_flush = time.monotonic()
