"""Open and check a recording (:func:`open_recording`): every chunk's header, CRC,
length and values, in words that name the file and the problem."""

from __future__ import annotations

import mmap
import zlib
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from gdviz import limits
from gdviz.core import count_parameters, validate_sizes
from gdviz.training.config import SettingError, TrainConfig
from gdviz.training.recording.format import (
    _CHUNK,
    _I64,
    _LEN,
    _PREAMBLE,
    _TAGS,
    _TRACKED,
    EPOCH_DTYPE,
    EVAL_DTYPE,
    FORMAT_NAME,
    FORMAT_VERSION,
    MAGIC,
    RecordingError,
    _json_obj,
    _pad8,
    _sizes_text,
    _theta_problem,
)
from gdviz.training.recording.replay import Recording
from gdviz.training.snapshot import Evaluation, frozen


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
                raise fail(f"is damaged: its end record lists {str(summary[key])[:40]} {key} but the file holds "
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


def _parse_header(path: Path, raw: bytes) -> tuple[dict, TrainConfig, tuple[int, ...], int]:
    def fail(problem: str) -> RecordingError:
        return RecordingError(f"{path}: {problem}")

    header = _json_obj(raw)
    if header is None:
        raise fail("is damaged: its header is not a JSON object")
    if header.get("format") != FORMAT_NAME:
        raise fail(f"is not a gdviz recording (header format {header.get('format')!r})")
    try:
        sizes = limits.check_network(validate_sizes(header["sizes"]))
        n_params = count_parameters(sizes)
        for key in ("n_train", "n_test"):
            n = header.get(key)
            if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 0):
                raise ValueError(f"{key} must be a whole number ≥ 0, found {str(n)[:40]}")
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
