"""Record a training run to one file; open it again to scrub, replay and compare runs.

No Qt here (NumPy and the standard library only), and no pickle anywhere.

What a recording holds
======================
* the settings (:class:`~gdviz.training.TrainConfig`, seed included), the
  layer sizes, the dataset's name and size, the gdviz version;
* **every step's cost**: ``(step, cost)`` exactly as the session computed it
  (float64, bitwise);
* **θ every K steps** (float32, bitwise): at the first step offered (normally
  0), at every step that is a multiple of K, and at the last step seen when
  the recorder is closed;
* every :class:`~gdviz.training.Evaluation`, every end-of-epoch training cost
  ``(epoch, step, cost)``, and the changes of η / batch size / update rule
  made while it ran (seen in the snapshots, so placed within one display frame).

K, and the size of a file
=========================
θ of the lesson's 784-16-16-10 network is 13,002 float32 = 52,008 bytes. A
10-epoch run on full MNIST at batch 10 is 60,000 steps. With **K = 64** that is
939 θ records (52,032 bytes each with their chunk header) = 48.9 MB, plus
60,000 costs × 16 bytes = 0.96 MB: **≈ 49.8 MB** in all. In general::

    bytes ≈ (4·n_params + 24) · (steps / K + 2) + 16 · steps

The default (``theta_every=None``) is :func:`default_theta_every`:
``K = 64 · ceil(n_params / 13,002)`` — 64 for the lesson's network (and
smaller ones), growing in proportion to θ for larger networks so the same run
stays near 50 MB. K is fixed for a recording; a longer run makes a bigger file
(about 5 MB per full-MNIST epoch at batch 10).

Why a streamed chunk file (and not an .npz)
===========================================
An ``.npz`` (zip) cannot be appended to while training goes on, so the whole
run would have to sit in RAM and be lost in a crash. Instead the recorder
appends small typed chunks to a file as training goes, and flushes it every
couple of seconds; θ chunks go straight from the network's buffer into the
file's write buffer (one copy, no per-step Python work unless a θ is due).
The reader then memory-maps the file: opening it scans only the 16-byte chunk
headers, and ``theta_at(step)`` is a binary search plus a zero-copy view.

Recording never disturbs training: a failed write (a full disk...) stops the
recorder, which then takes no more input, and :meth:`Recorder.close` reports it.

The file is written as ``NAME.part`` beside ``NAME`` and renamed over ``NAME``
in one ``os.replace`` by :meth:`Recorder.close`, so a file with the final name
is always complete. A ``.part`` left by a crash can still be opened with
``open_recording(path, allow_partial=True)``: every complete chunk up to the
first incomplete or damaged one is used, and ``Recording.complete`` is False
with the reason in ``Recording.warnings``. Without ``allow_partial`` a
truncated or damaged file raises :class:`RecordingError`.

File layout (version 1; all numbers little-endian)
==================================================
::

    preamble   16 bytes  MAGIC (8 bytes b"\\x89gdvrec\\n") | u32 version | u32 0
    chunk      16-byte header: tag (4 ASCII bytes) | u32 CRC32 | u64 payload length n
               then n payload bytes, then zero bytes up to a multiple of 8
               (so every chunk, and every θ, starts 8-byte aligned).
               CRC32 = zlib.crc32(tag + the 8 length bytes + payload).

    HEAD  (first chunk, once) UTF-8 JSON object: format "gdviz-recording", version,
          gdviz_version, created (UTC ISO 8601), dataset, n_train, n_test, sizes,
          n_params, theta_every, theta_dtype "<f4", config {TrainConfig fields}
    THTA  i64 step | n_params × f4 θ                      (θ after `step` updates)
    COST  i64 k | k × i64 steps | k × f8 costs            (steps strictly increasing
                                                           across all COST chunks)
    EVAL  k × (i64 step, f8 epoch, f8 test_cost, f8 test_accuracy,
               f8 train_cost, f8 train_accuracy)
    EPCH  k × (i64 epoch, i64 step, f8 average training cost)
    SETS  UTF-8 JSON {"step": s, "changes": {"lr": ..., ...}}
    END   (last chunk, once) UTF-8 JSON summary: steps, thetas, evals, last_step, closed

Unknown tags (from a later minor version) are checked and skipped. The reader
checks the magic, version, every CRC and length, that θ has
``count_parameters(sizes)`` finite numbers, that steps increase, that the
costs are finite, and that the END summary matches what was read.
"""

from __future__ import annotations

import bisect
import json
import math
import mmap
import os
import struct
import threading
import time
import zlib
from dataclasses import asdict, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from gdviz import __version__
from gdviz.core import Network, count_parameters, validate_sizes
from gdviz.training.config import SettingError, TrainConfig
from gdviz.training.snapshot import Evaluation, Snapshot, frozen

__all__ = [
    "FORMAT_VERSION", "MAGIC", "LESSON_THETA_EVERY", "Recorder", "Recording", "RecordingError",
    "SUFFIX", "default_theta_every", "open_recording",
]

SUFFIX = ".gdvrec"  # the usual file name ending (not required)
MAGIC = b"\x89gdvrec\n"
FORMAT_VERSION = 1
FORMAT_NAME = "gdviz-recording"
LESSON_THETA_EVERY = 64  # K for the lesson's 13,002-parameter network
_LESSON_PARAMS = 13_002
_PREAMBLE = struct.Struct("<8sII")  # magic, version, reserved
_CHUNK = struct.Struct("<4sIQ")  # tag, crc32, payload length
_LEN = struct.Struct("<Q")
_I64 = struct.Struct("<q")
COST_CHUNK_STEPS = 8192  # costs buffered in RAM before a COST chunk is written
FLUSH_SECONDS = 2.0  # the file is flushed at least this often while recording

EVAL_DTYPE = np.dtype([("step", "<i8"), ("epoch", "<f8"), ("test_cost", "<f8"),
                       ("test_accuracy", "<f8"), ("train_cost", "<f8"), ("train_accuracy", "<f8")])
EPOCH_DTYPE = np.dtype([("epoch", "<i8"), ("step", "<i8"), ("cost", "<f8")])
_TAGS = {b"HEAD": "header", b"THTA": "θ", b"COST": "costs", b"EVAL": "evaluations",
         b"EPCH": "epoch costs", b"SETS": "settings change", b"END ": "end record"}
#: Snapshot fields whose changes during a run are recorded in SETS chunks.
_TRACKED = ("lr", "batch_size", "optimizer")


class RecordingError(ValueError):
    """A recording that cannot be written or read; the message names the file and the problem."""


def default_theta_every(n_params: int) -> int:
    """K for a network of ``n_params``: 64 up to the lesson's 13,002, then in proportion."""
    return LESSON_THETA_EVERY * max(1, math.ceil(int(n_params) / _LESSON_PARAMS))


def _pad8(n: int) -> int:
    return -n % 8


def _sizes_text(sizes) -> str:
    return "-".join(str(s) for s in sizes)


# ====================================================================== writing
class Recorder:
    """Append one training run to ``path`` as it trains (see the module docstring).

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


def _config_json(config: TrainConfig) -> dict:
    d = asdict(config)
    d["hidden"] = list(config.hidden)
    return d


def _json_bytes(obj) -> bytes:
    return json.dumps(obj, allow_nan=False, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ====================================================================== reading
class Recording:
    """A recording opened by :func:`open_recording` (read-only; θ memory-mapped).

    Attributes: ``path``, ``header`` (dict), ``config`` (TrainConfig at the
    start), ``sizes``, ``n_params``, ``dataset_name``, ``n_train``/``n_test``
    (None if unknown), ``theta_every`` (K), ``steps`` ``(n,)`` int64 and
    ``costs`` ``(n,)`` float64 (every recorded step, read-only), ``evals``
    (tuple of Evaluation, by step), ``epoch_costs`` (tuple of ``(epoch, step,
    cost)``), ``settings_changes`` (tuple of ``(step, dict)``), ``theta_steps``
    ``(m,)`` int64, ``complete`` (False for a recovered partial file) and
    ``warnings`` (tuple of str).
    """

    def __init__(self, path: Path, mm: mmap.mmap | None, fh, header: dict, config: TrainConfig,
                 sizes: tuple[int, ...], steps: np.ndarray, costs: np.ndarray,
                 evals: tuple[Evaluation, ...], epoch_costs: tuple, settings_changes: tuple,
                 theta_steps: np.ndarray, theta_offsets: np.ndarray, verified: bool,
                 complete: bool, warnings: tuple[str, ...], summary: dict | None):
        self.path = path
        self._mm, self._fh = mm, fh
        self.header = header
        self.config = config
        self.sizes = sizes
        self.n_params = count_parameters(sizes)
        self.dataset_name = str(header.get("dataset", ""))
        self.n_train = header.get("n_train")
        self.n_test = header.get("n_test")
        self.theta_every = int(header["theta_every"])
        self.steps = steps
        self.costs = costs
        self.evals = evals
        self.epoch_costs = epoch_costs
        self.settings_changes = settings_changes
        self.theta_steps = theta_steps
        self._theta_offsets = theta_offsets
        self._verified = np.full(len(theta_steps), bool(verified))
        self.complete = complete
        self.warnings = warnings
        self.summary = summary or {}
        self._eval_steps = [e.step for e in evals]
        self._epoch_steps = [s for _, s, _ in epoch_costs]
        self._change_steps = [s for s, _ in settings_changes]
        self._net: Network | None = None

    # ------------------------------------------------------------------ timeline
    @property
    def start_step(self) -> int:
        """The first step with a θ (0 when recording started with the run)."""
        return int(self.theta_steps[0])

    @property
    def n_steps(self) -> int:
        """The last step of the recording (updates done by its end)."""
        last = int(self.theta_steps[-1])
        return max(last, int(self.steps[-1])) if self.steps.size else last

    def theta_at(self, step: int) -> tuple[int, np.ndarray]:
        """``(recorded_step, θ)``: the latest θ recorded at or before ``step``.

        θ is a read-only float32 view of the file (no copy), O(log n). Steps
        before :attr:`start_step` give the first θ (then ``recorded_step > step``).
        """
        i = int(np.searchsorted(self.theta_steps, int(step), side="right")) - 1
        return int(self.theta_steps[max(i, 0)]), self.theta_by_index(max(i, 0))

    def theta_by_index(self, i: int) -> np.ndarray:
        """θ of record ``i`` (at step ``theta_steps[i]``), read-only view."""
        if self._mm is None:
            raise RecordingError(f"{self.path}: the recording is closed")
        off = int(self._theta_offsets[i])
        if not self._verified[i]:
            problem = _theta_problem(self._mm, off, self.n_params)
            if problem:
                raise RecordingError(f"{self.path}: {problem}")
            self._verified[i] = True
        return np.frombuffer(self._mm, dtype="<f4", count=self.n_params, offset=off + _CHUNK.size + 8)

    def cost_at(self, step: int) -> float:
        """The cost of update ``step`` (nan when not recorded)."""
        i = int(np.searchsorted(self.steps, int(step)))
        return float(self.costs[i]) if i < self.steps.size and self.steps[i] == step else math.nan

    def evals_until(self, step: int) -> tuple[Evaluation, ...]:
        return self.evals[:bisect.bisect_right(self._eval_steps, int(step))]

    def settings_at(self, step: int) -> TrainConfig:
        """The settings in force after ``step`` updates (the start settings + changes so far)."""
        cfg = self.config
        for _, changes in self.settings_changes[:bisect.bisect_right(self._change_steps, int(step))]:
            cfg = replace(cfg, **{k: v for k, v in changes.items() if k in _TRACKED})
        return cfg

    # ------------------------------------------------------------------ replay
    def snapshot_at(self, step: int, dataset=None, *, since: int | None = None, run_id: int = 0,
                    seq: int = 0, example_index: int | None = None) -> Snapshot:
        """A :class:`Snapshot` as the panels would have seen it after ``step`` updates.

        * θ is the latest recorded at or before ``step`` (see :meth:`theta_at`);
          the message says so when it is older than ``step``.
        * ``new_steps``/``new_costs``, ``new_evals``, ``new_epoch_costs`` hold
          what lies in ``(since, step]`` — all of it from the start when
          ``since`` is None. For forward playback pass the previous step as
          ``since`` and keep ``run_id``; when scrubbing backwards, pass a new
          ``run_id`` and ``since=None`` so the panels clear their history.
        * ``delta`` is the average Δθ per step between the previous θ record
          and this one; ``grad = −delta / η`` (for plain SGD and GD with a
          fixed η this is exactly the average mini-batch gradient over those
          steps). Both are zero at the first record.
        * the example is test digit ``example_index`` of ``dataset`` (or its
          first training digit), with activations computed at θ; without a
          dataset a blank image.
        * epoch progress and examples seen assume the batch size of
          :meth:`settings_at` throughout (exact unless it changed mid-run).
        """
        step = int(step)
        rec_step, theta = self.theta_at(step)
        i = int(np.searchsorted(self.theta_steps, rec_step))
        if i > 0:
            prev_step = int(self.theta_steps[i - 1])
            delta = (theta.astype(np.float32) - self.theta_by_index(i - 1)) / np.float32(rec_step - prev_step)
        else:
            delta = np.zeros(self.n_params, np.float32)
        cfg = self.settings_at(step)
        grad = delta / np.float32(-cfg.lr)
        lo = -1 if since is None else int(since)
        a, b = np.searchsorted(self.steps, [lo, step], side="right")
        new_evals = tuple(e for e in self.evals_until(step) if e.step > lo)
        new_epochs = tuple(x for x in self.epoch_costs if lo < x[1] <= step)
        done = self.evals_until(step)
        n_train = int(self.n_train or (len(dataset.train_labels) if dataset is not None else 0))
        n_test = int(self.n_test or (len(dataset.test_labels) if dataset is not None else 0))
        epoch = bisect.bisect_right(self._epoch_steps, step)
        if cfg.optimizer == "gd" or not n_train:
            frac, examples = 0.0, epoch * n_train
        else:
            per_epoch = -(-n_train // cfg.batch_size)
            start = self._epoch_steps[epoch - 1] if epoch else 0
            in_epoch = max(0, step - start)
            frac = min(1.0, in_epoch / per_epoch)
            examples = epoch * n_train + min(n_train, in_epoch * cfg.batch_size)
        if dataset is not None and example_index is not None:
            j = int(example_index) % len(dataset.test_labels)
            img, label, source = dataset.test_images[j], int(dataset.test_labels[j]), f"test digit #{j}"
        elif dataset is not None:
            img, label, source = dataset.train_images[0], int(dataset.train_labels[0]), "training digit #0"
        else:
            img, label, source = np.zeros(self.sizes[0], np.uint8), 0, "no data"
        net = self._network()
        with np.errstate(all="ignore"):
            acts = net.forward(np.asarray(img, np.float32) * np.float32(1 / 255), theta)[1:]
        where = f"replay of {self.path.name}: step {step:,} of {self.n_steps:,}"
        if rec_step != step:
            where += (f"; weights as recorded at step {rec_step:,} "
                      f"(the recording keeps θ every {self.theta_every} steps)")
        return Snapshot(
            seq=seq, run_id=run_id, step=step, epoch=epoch, epoch_fraction=frac,
            examples_seen=examples, lr=cfg.lr, batch_size=cfg.batch_size, optimizer=cfg.optimizer,
            seed=cfg.seed, running=False, steps_per_second=cfg.steps_per_second, sizes=self.sizes,
            activation=cfg.activation, cost_name=cfg.cost, n_train=n_train, n_test=n_test,
            new_steps=self.steps[a:b], new_costs=self.costs[a:b],
            new_epoch_costs=new_epochs, new_evals=new_evals,
            last_eval=done[-1] if done else None,
            theta=theta, grad=frozen(grad), delta=frozen(delta),
            example_image=frozen(img), example_label=label, example_source=source,
            example_activations=tuple(frozen(x[0]) for x in acts),
            samples_per_s=0.0, diverged=False, message=where[0].upper() + where[1:] + ".",
        )

    def _network(self) -> Network:
        if self._net is None:
            self._net = Network(self.sizes, self.config.activation, self.config.cost)
        return self._net

    # ------------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Unmap the file. θ views already handed out keep it mapped until they are freed."""
        mm, self._mm = self._mm, None
        if mm is not None:
            try:
                mm.close()
            except BufferError:  # views of θ still alive: the map goes when they do
                pass
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> "Recording":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"Recording({str(self.path)!r}, {_sizes_text(self.sizes)}, {self.dataset_name}, "
                f"steps {self.start_step}..{self.n_steps}, {len(self.theta_steps)} θ every "
                f"{self.theta_every}{'' if self.complete else ', INCOMPLETE'})")


def _theta_problem(mm, off: int, n_params: int) -> str | None:
    """What is wrong with the θ chunk at ``off`` (CRC, finiteness), or None; no view outlives it."""
    tag, crc, length = _CHUNK.unpack_from(mm, off)
    step = _I64.unpack_from(mm, off + _CHUNK.size)[0]
    with memoryview(mm) as whole, whole[off + _CHUNK.size: off + _CHUNK.size + length] as view:
        ok = zlib.crc32(view, zlib.crc32(_LEN.pack(length), zlib.crc32(tag))) == crc
    if not ok:
        return f"is damaged: the θ record at byte {off:,} (step {step:,}) fails its CRC32 check"
    if not np.isfinite(np.frombuffer(mm, dtype="<f4", count=n_params, offset=off + _CHUNK.size + 8)).all():
        return (f"the θ record at byte {off:,} (step {step:,}) holds infinite or not-a-number values")
    return None


class _Stop(Exception):
    """A problem at some chunk: fatal, or the end of a recovered partial file."""

    def __init__(self, message: str, truncated: bool = False):
        super().__init__(message)
        self.truncated = truncated


def open_recording(path, *, allow_partial: bool = False, verify: bool = True) -> Recording:
    """Open and check a recording written by :class:`Recorder`.

    Raises :class:`RecordingError` naming the file and the problem when it is
    missing, empty, not a gdviz recording, from a newer gdviz, truncated, or
    damaged (a CRC, length, or value check fails). With ``allow_partial`` a
    file that is cut short or damaged after its header is opened up to its
    last good chunk, with ``complete=False`` and the reason in ``warnings``.
    With ``verify=False`` the θ chunks are checked (CRC, finiteness) only when
    first read by ``theta_at`` — faster on a cold disk; the rest is always checked.
    """
    path = Path(path)

    def fail(problem: str) -> RecordingError:
        return RecordingError(f"{path}: {problem}")

    if not path.exists():
        raise fail("no such recording file")
    if not path.is_file():
        raise fail("is not a file")
    size = path.stat().st_size
    if size == 0:
        raise fail("is empty (0 bytes): not a gdviz recording, or it was never written")
    fh = open(path, "rb")  # noqa: SIM115 - kept open with the map
    try:
        start = fh.read(_PREAMBLE.size)
        if not start.startswith(MAGIC) and not (len(start) < len(MAGIC) and MAGIC.startswith(start)):
            raise fail(f"is not a gdviz recording (it starts with {start[:8]!r}, "
                       f"not the signature {MAGIC!r})")
        if len(start) < _PREAMBLE.size:
            raise fail(f"is truncated: only {size} bytes, not even a complete file header")
        _, version, reserved = _PREAMBLE.unpack(start)
        if version > FORMAT_VERSION:
            raise fail(f"was written by a newer gdviz (recording format {version}); this gdviz reads "
                       f"format {FORMAT_VERSION}: upgrade gdviz")
        if version < 1:
            raise fail(f"has an unknown recording format version {version}")
        if reserved:
            raise fail("is damaged: its file header has non-zero reserved bytes")
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except RecordingError:
        fh.close()
        raise
    except (OSError, ValueError) as exc:
        fh.close()
        raise fail(f"cannot be read ({exc})") from None
    try:
        return _parse(path, fh, mm, size, allow_partial, verify)
    except BaseException:
        try:
            mm.close()
        except BufferError:  # a view still held by the traceback: unmapped when it goes
            pass
        fh.close()
        raise


def _parse(path: Path, fh, mm: mmap.mmap, size: int, allow_partial: bool, verify: bool) -> Recording:
    def fail(problem: str) -> RecordingError:
        return RecordingError(f"{path}: {problem}")

    header: dict | None = None
    config: TrainConfig | None = None
    sizes: tuple[int, ...] = ()
    n_params = 0
    theta_steps: list[int] = []
    theta_offsets: list[int] = []
    cost_parts: list[tuple[np.ndarray, np.ndarray]] = []
    evals: list[np.ndarray] = []
    epochs: list[np.ndarray] = []
    changes: list[tuple[int, dict]] = []
    summary: dict | None = None
    last_cost = -1
    n_costs = 0
    off = _PREAMBLE.size
    index = 0
    warnings: list[str] = []

    def where() -> str:
        return f"chunk {index + 1} (byte {off:,})"

    try:
        while off < size:
            if summary is not None:
                raise _Stop(f"has {size - off:,} bytes of unexpected data after its end record")
            if size - off < _CHUNK.size:
                raise _Stop(f"is truncated: {where()} is cut off inside its header", truncated=True)
            tag, crc, length = _CHUNK.unpack_from(mm, off)
            if tag not in _TAGS and not (len(tag) == 4 and all(65 <= c <= 90 or c == 32 for c in tag)):
                raise _Stop(f"is damaged: {where()} has no valid chunk header (tag {tag!r})")
            name = _TAGS.get(tag, f"unknown {tag.decode('ascii')!r}")
            body = off + _CHUNK.size
            end = body + length + _pad8(length)
            if end > size:
                raise _Stop(f"is truncated (or damaged): {where()} ({name}) needs {length:,} bytes "
                            f"but only {max(0, size - body):,} remain", truncated=True)
            is_theta = tag == b"THTA"
            payload = b"" if is_theta else mm[body:body + length]
            if not is_theta and zlib.crc32(payload, zlib.crc32(_LEN.pack(length), zlib.crc32(tag))) != crc:
                raise _Stop(f"is damaged: {where()} ({name}) fails its CRC32 check")
            if any(mm[body + length:end]):
                raise _Stop(f"is damaged: {where()} ({name}) has non-zero padding")
            if header is None and tag != b"HEAD":
                raise fail(f"is damaged: its first chunk is {name}, not the header")
            if tag == b"HEAD":
                if header is not None:
                    raise _Stop(f"is damaged: {where()} is a second header")
                header, config, sizes, n_params = _parse_header(path, payload)
            elif is_theta:
                if length != 8 + 4 * n_params:
                    raise _Stop(f"is damaged: the θ record in {where()} holds {(length - 8) / 4:g} numbers "
                                f"but a {_sizes_text(sizes)} network has {n_params:,}")
                step = _I64.unpack_from(mm, body)[0]
                if theta_steps and step <= theta_steps[-1] or step < 0:
                    raise _Stop(f"is damaged: the θ record in {where()} is for step {step:,}, "
                                f"not after step {theta_steps[-1] if theta_steps else 0:,}")
                if verify:
                    problem = _theta_problem(mm, off, n_params)
                    if problem:
                        raise _Stop(problem)
                theta_steps.append(step)
                theta_offsets.append(off)
            elif tag == b"COST":
                k = _I64.unpack_from(mm, body)[0] if length >= 8 else -1
                if k < 0 or length != 8 + 16 * k:
                    raise _Stop(f"is damaged: the costs in {where()} have a wrong length")
                st = np.frombuffer(payload, dtype="<i8", count=k, offset=8)
                co = np.frombuffer(payload, dtype="<f8", count=k, offset=8 + 8 * k)
                if k and (st[0] <= last_cost or (k > 1 and not (np.diff(st) > 0).all())):
                    raise _Stop(f"is damaged: the steps of the costs in {where()} do not increase")
                if not np.isfinite(co).all():
                    raise _Stop(f"the costs in {where()} hold infinite or not-a-number values")
                if k:
                    cost_parts.append((st, co))
                    last_cost = int(st[-1])
                    n_costs += k
            elif tag in (b"EVAL", b"EPCH"):
                dt = EVAL_DTYPE if tag == b"EVAL" else EPOCH_DTYPE
                if length % dt.itemsize:
                    raise _Stop(f"is damaged: the {name} in {where()} have a wrong length")
                (evals if tag == b"EVAL" else epochs).append(np.frombuffer(payload, dtype=dt))
            elif tag == b"SETS":
                obj = _json_obj(payload)
                if (obj is None or not isinstance(obj.get("step"), int)
                        or not isinstance(obj.get("changes"), dict)):
                    raise _Stop(f"is damaged: the settings change in {where()} is not readable")
                try:
                    replace(config, **{k: v for k, v in obj["changes"].items() if k in _TRACKED}).validated()
                except (SettingError, TypeError, ValueError) as exc:
                    raise _Stop(f"holds a settings change in {where()} that cannot be used: {exc}") from None
                changes.append((obj["step"], obj["changes"]))
            elif tag == b"END ":
                summary = _json_obj(payload)
                if summary is None:
                    raise _Stop(f"is damaged: its end record ({where()}) is not readable")
            off = end
            index += 1
        if summary is None:
            raise _Stop(f"is truncated: it ends after {index} chunks at byte {size:,} without its end "
                        f"record (the recording was cut short, or is still being written)", truncated=True)
        expected = {"thetas": len(theta_steps), "steps": n_costs,
                    "evals": sum(len(e) for e in evals)}
        for key, value in expected.items():
            if key in summary and summary[key] != value:
                raise fail(f"is damaged: its end record lists {summary[key]:,} {key} but the file holds "
                           f"{value:,}")
    except _Stop as stop:
        if header is None or not allow_partial:
            hint = ""
            if header is not None and theta_steps:
                hint = (f"; its first {index} chunks (θ up to step {theta_steps[-1]:,}) are intact "
                        f"and can be recovered (allow_partial=True)")
            raise fail(str(stop) + hint) from None
        warnings.append(f"{path.name} {stop}; using its first {index} chunks")
    if header is None:
        raise fail("is damaged: it holds no header")
    if not theta_steps:
        raise fail("holds no θ (nothing was recorded before it ended)")
    steps = np.concatenate([p[0] for p in cost_parts]) if cost_parts else np.zeros(0, np.int64)
    costs = np.concatenate([p[1] for p in cost_parts]) if cost_parts else np.zeros(0, np.float64)
    ev_arr = np.concatenate(evals) if evals else np.zeros(0, EVAL_DTYPE)
    ev_arr = ev_arr[np.argsort(ev_arr["step"], kind="stable")]
    ev_tuple = tuple(Evaluation(int(r["step"]), float(r["epoch"]), float(r["test_cost"]),
                                float(r["test_accuracy"]), float(r["train_cost"]),
                                float(r["train_accuracy"])) for r in ev_arr)
    ep_arr = np.concatenate(epochs) if epochs else np.zeros(0, EPOCH_DTYPE)
    ep_arr = ep_arr[np.argsort(ep_arr["step"], kind="stable")]
    ep_tuple = tuple((int(r["epoch"]), int(r["step"]), float(r["cost"])) for r in ep_arr)
    changes.sort(key=lambda c: c[0])
    return Recording(path, mm, fh, header, config, sizes, frozen(steps), frozen(costs), ev_tuple,
                     ep_tuple, tuple(changes), frozen(theta_steps, np.int64),
                     np.array(theta_offsets, np.int64), verify, not warnings, tuple(warnings), summary)


def _json_obj(raw: bytes) -> dict | None:
    try:
        obj = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None


def _no_constant(name: str):
    raise ValueError(f"{name} is not allowed")


def _parse_header(path: Path, raw: bytes) -> tuple[dict, TrainConfig, tuple[int, ...], int]:
    def fail(problem: str) -> RecordingError:
        return RecordingError(f"{path}: {problem}")

    header = _json_obj(raw)
    if header is None:
        raise fail("is damaged: its header is not a JSON object")
    if header.get("format") != FORMAT_NAME:
        raise fail(f"is not a gdviz recording (header format {header.get('format')!r})")
    try:
        sizes = validate_sizes(header["sizes"])
        n_params = count_parameters(sizes)
        k = header["theta_every"]
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ValueError(f"theta_every must be a whole number ≥ 1, found {k!r}")
        if header.get("n_params", n_params) != n_params:
            raise ValueError(f"n_params {header.get('n_params')} does not match the layer sizes "
                             f"{_sizes_text(sizes)} ({n_params:,})")
        if header.get("theta_dtype", "<f4") != "<f4":
            raise ValueError(f"θ type {header.get('theta_dtype')!r} is not float32")
        raw_cfg = header["config"]
        if not isinstance(raw_cfg, dict):
            raise ValueError("config is not a JSON object")
        known = {f.name for f in fields(TrainConfig)}
        kwargs: dict[str, Any] = {k: v for k, v in raw_cfg.items() if k in known}
        kwargs["hidden"] = tuple(sizes[1:-1])
        config = TrainConfig(**kwargs).validated()
    except KeyError as exc:
        raise fail(f"is damaged: its header lacks {exc}") from None
    except (SettingError, ValueError, TypeError) as exc:
        raise fail(f"holds a header that cannot be used: {exc}") from None
    return header, config, sizes, n_params
