"""The recording file's layout: signature, chunk header, record types, and the
small helpers the writer and the reader share (see the package docstring)."""

from __future__ import annotations

import json
import math
import struct
import zlib
from dataclasses import asdict

import numpy as np

from gdviz.training.config import TrainConfig


__all__ = [
    "COST_CHUNK_STEPS", "EPOCH_DTYPE", "EVAL_DTYPE", "FLUSH_SECONDS", "FORMAT_NAME", "FORMAT_VERSION",
    "LESSON_THETA_EVERY", "MAGIC", "RecordingError", "SUFFIX", "default_theta_every",
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


def _config_json(config: TrainConfig) -> dict:
    d = asdict(config)
    d["hidden"] = list(config.hidden)
    return d


def _json_bytes(obj) -> bytes:
    return json.dumps(obj, allow_nan=False, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_obj(raw: bytes) -> dict | None:
    try:
        obj = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def _no_constant(name: str):
    raise ValueError(f"{name} is not allowed")


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
