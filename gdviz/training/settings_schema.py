"""What gdviz remembers between runs and the limits each value must keep (no Qt).

:data:`SCHEMA` maps every stored key (``"group/name"``, written ``[group]``
``name=value`` in the settings file) to an :class:`Entry`: its kind, default
and limits. :func:`validate` turns whatever a settings file holds (strings,
numbers, lists, bytes, or anything else a hand-edited or damaged file yields)
into values that are all within their limits, plus one plain-words warning per
value it clamped or dropped. It never raises. :func:`unusable` says when a
whole file should be set aside instead (binary garbage, or not one usable
value among the ones it holds).

Limits, stated once:

=========================  ===================================================
training/lr                η in [1e-4, 100]; outside: dropped (the lesson's), because
                           a clamped η of 100 would saturate the network at once
training/batch_size        whole number in [1, 1,000,000], clamped (the window
                           also clamps it to the training set's size)
training/speed             steps/s in [0, 10,000], clamped; 0 = as fast as possible
training/pace              steps/s in [0.1, 10,000], clamped, or "max"; default 10
view/fps                   display rate in [1, 60], clamped
view/theme, data/choice    one of the listed words
data/idx_dir               a path of at most 4,096 characters
files/recent_checkpoints   up to 8 paths of at most 4,096 characters
window/geometry, state     at most 64 KiB / 256 KiB of bytes
a settings file            at most 1 MiB (:data:`MAX_FILE_BYTES`)
=========================  ===================================================
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Mapping

from gdviz.training.config import DEFAULT_PACE, LESSON, LR_MAX, LR_MIN, MAX_PACE, MIN_PACE

__all__ = [
    "BATCH_SIZE_MAX", "DATA_CHOICES", "DEFAULT_FPS", "DEFAULT_PACE", "Entry", "FPS_MAX", "MAX_FILE_BYTES",
    "MAX_PATH_CHARS", "MAX_RECENT", "PACE_MAX", "PACE_MIN", "SCHEMA", "SPEED_MAX", "THEMES", "Validated",
    "looks_like_text", "parse_bool", "parse_int", "parse_paths", "unusable", "validate",
]

BATCH_SIZE_MAX = 1_000_000
SPEED_MAX = 10_000.0
PACE_MIN, PACE_MAX = MIN_PACE, MAX_PACE  # (the limits `gdviz train --pace` checks too)
FPS_MAX, DEFAULT_FPS = 60, 30
MAX_RECENT = 8
MAX_PATH_CHARS = 4096
MAX_FILE_BYTES = 1 << 20
THEMES = ("light", "dark")
DATA_CHOICES = ("sample", "mnist", "idx")

_DROP = object()  # "no usable value"


@dataclass(frozen=True)
class Entry:
    """One stored value. ``kind``: int, float, pace, bool, choice, text, bytes or paths.

    ``lo``/``hi`` bound numbers (and the length of bytes/text); ``clamp``:
    a number outside them is moved to the nearest limit (True) or dropped
    for the default (False); zero or less is always dropped where the limit
    is positive, and a negative number where it is 0. ``what`` names it in a
    warning.
    """

    kind: str
    default: Any
    what: str
    lo: float | None = None
    hi: float | None = None
    clamp: bool = True
    choices: tuple[str, ...] = ()


SCHEMA: dict[str, Entry] = {
    "window/geometry": Entry("bytes", None, "the window's position", hi=64 << 10),
    "window/state": Entry("bytes", None, "the layout of the docks", hi=256 << 10),
    "training/lr": Entry("float", LESSON.lr, "the learning rate η", lo=LR_MIN, hi=LR_MAX, clamp=False),
    "training/batch_size": Entry("int", LESSON.batch_size, "the batch size", lo=1, hi=BATCH_SIZE_MAX),
    "training/speed": Entry("float", LESSON.steps_per_second, "the speed (steps per second)", lo=0.0,
                            hi=SPEED_MAX),
    # The remembered pace (steps per second, or "max" for as fast as possible).
    "training/pace": Entry("pace", DEFAULT_PACE, "the pace (steps per second)", lo=PACE_MIN, hi=PACE_MAX),
    "view/theme": Entry("choice", "light", "the colour theme", choices=THEMES),
    "view/fps": Entry("int", DEFAULT_FPS, "the display rate", lo=1, hi=FPS_MAX),
    "view/log_cost": Entry("bool", False, "the log-scale cost axis switch"),
    "data/choice": Entry("choice", "sample", "the data to train on", choices=DATA_CHOICES),
    "data/idx_dir": Entry("text", "", "the IDX folder", hi=MAX_PATH_CHARS),
    "files/recent_checkpoints": Entry("paths", (), "the recent checkpoints list"),
    "files/autosave": Entry("bool", False, "the autosave-on-quit switch"),
}


@dataclass(frozen=True)
class Validated:
    """What :func:`validate` made of a store: a value for every key of :data:`SCHEMA`,
    one warning per value clamped or dropped, and how many known keys were
    present / usable (clamped counts as usable)."""

    values: dict[str, Any]
    warnings: tuple[str, ...]
    present: int
    usable: int
    changed: tuple[str, ...]  # keys whose value was clamped or dropped


# ====================================================================== parsing (never raises)
def _number(value) -> float | int:
    """An int or float from a number or numeric text, else ValueError/TypeError."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]  # "1e3," reads as a one-item list
    if isinstance(value, bool):  # (after unwrapping: [True] is no number either)
        raise TypeError
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("ascii")
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if len(text) > 64:
            raise ValueError
        try:
            return int(text)
        except ValueError:
            return float(text)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value
    raise TypeError


def parse_int(value) -> int | None:
    """A whole number from ``value`` (``"3e9"`` and ``3.0`` count), else None."""
    try:
        n = _number(value)
    except (TypeError, ValueError, UnicodeError, OverflowError):
        return None
    if isinstance(n, float):
        if not (math.isfinite(n) and n.is_integer()):
            return None
        n = int(n)
    return n


def _float(value) -> float | None:
    try:
        x = float(_number(value))
    except (TypeError, ValueError, UnicodeError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def parse_bool(value) -> bool | None:
    """True/False from a bool, 0/1 or a word (true/false, yes/no, on/off), else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("true", "1", "yes", "on"):
            return True
        if v in ("false", "0", "no", "off"):
            return False
    return None


def _path_ok(p) -> bool:
    return isinstance(p, str) and bool(p.strip()) and "\0" not in p and len(p) <= MAX_PATH_CHARS


def parse_paths(value) -> tuple[str, ...] | None:
    """The recent list: a JSON list of paths (or a plain list, or one path); bad items are left out."""
    if isinstance(value, str):
        if len(value) > MAX_PATH_CHARS * (MAX_RECENT + 1) * 2:
            return None
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            value = [value] if value.strip() else []
    if not isinstance(value, (list, tuple)):
        return None
    out: list[str] = []
    for p in value:
        if _path_ok(p) and p not in out:
            out.append(p)
            if len(out) == MAX_RECENT:
                break
    return tuple(out)


def _shown(value) -> str:
    """``value`` as a warning quotes it: short, printable (numbers unquoted)."""
    if isinstance(value, str) and _float(value) is not None:
        value = value.strip()
        return value if len(value) <= 40 else value[:37] + "…"
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = repr(value) if isinstance(value, str) else str(value)
        if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
            text = str(int(value))
        text = "".join(c if c.isprintable() else "?" for c in text)
        return text if len(text) <= 40 else text[:37] + "…"
    if isinstance(value, (bytes, bytearray)):
        return f"{len(value):,} bytes"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "an unreadable value"


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) >= 1000 else f"{x:g}"


def _check(key: str, e: Entry, raw) -> tuple[Any, str | None, bool]:
    """(value kept, warning or None, dropped) for one present key."""
    def drop(why: str):
        return e.default, f"{e.what} {why}; using {_default_text(e)} instead", True

    def ranged(x, whole: bool):
        lo, hi = e.lo, e.hi
        if lo is not None and x < lo:
            if not e.clamp or (x <= 0 < lo) or (lo == 0 and x < 0):
                return drop(f"{_shown(raw)} is below {_fmt(lo)}, the smallest gdviz allows")
            y = int(lo) if whole else float(lo)
            return y, f"{e.what} {_shown(raw)} is below {_fmt(lo)}, the smallest gdviz allows; using {_fmt(y)}", False
        if hi is not None and x > hi:
            if not e.clamp:
                return drop(f"{_shown(raw)} is above {_fmt(hi)}, the largest gdviz allows")
            y = int(hi) if whole else float(hi)
            return y, f"{e.what} {_shown(raw)} is above {_fmt(hi)}, the largest gdviz allows; using {_fmt(y)}", False
        return x, None, False

    k = e.kind
    if k == "int":
        n = parse_int(raw)
        return drop(f"{_shown(raw)} is not a whole number") if n is None else ranged(n, True)
    if k == "float":
        x = _float(raw)
        return drop(f"{_shown(raw)} is not a number") if x is None else ranged(x, False)
    if k == "pace":
        if isinstance(raw, str) and raw.strip().lower() == "max":
            return "max", None, False
        x = _float(raw)
        if x is None:
            return drop(f"{_shown(raw)} is neither a number of steps per second nor \"max\"")
        return ranged(x, False)
    if k == "bool":
        b = parse_bool(raw)
        return drop(f"{_shown(raw)} is not true or false") if b is None else (b, None, False)
    if k == "choice":
        v = raw.strip().lower() if isinstance(raw, str) else None
        if v in e.choices:
            return v, None, False
        return drop(f"{_shown(raw)} is not one of {', '.join(e.choices)}")
    if k == "text":
        if isinstance(raw, str) and "\0" not in raw and len(raw) <= (e.hi or MAX_PATH_CHARS):
            return raw, None, False
        return drop(f"{_shown(raw)} is not a usable folder name")
    if k == "bytes":
        if isinstance(raw, (bytes, bytearray)) and 0 < len(raw) <= (e.hi or 0):
            return bytes(raw), None, False
        return drop("could not be read")
    if k == "paths":
        paths = parse_paths(raw)
        return drop("could not be read") if paths is None else (paths, None, False)
    raise AssertionError(f"unknown kind {k!r} for {key}")


def _default_text(e: Entry) -> str:
    if e.kind in ("bytes",):
        return "the default"
    if e.kind == "paths":
        return "an empty list"
    if e.kind == "text":
        return "none"
    if e.kind == "bool":
        return "off" if not e.default else "on"
    if isinstance(e.default, float):
        return _fmt(e.default)
    return str(e.default)


def validate(raw: Mapping[str, Any]) -> Validated:
    """Check every :data:`SCHEMA` key in ``raw`` (a missing key takes its default
    silently); never raises. Keys ``raw`` has beyond the schema are ignored."""
    values: dict[str, Any] = {}
    warnings: list[str] = []
    changed: list[str] = []
    present = usable = 0
    for key, e in SCHEMA.items():
        if key not in raw:
            values[key] = e.default
            continue
        present += 1
        try:
            value, warning, dropped = _check(key, e, raw[key])
        except Exception:  # noqa: BLE001 - an odd object must not stop the app
            value, warning, dropped = e.default, f"{e.what} could not be read; using {_default_text(e)} instead", True
        values[key] = value
        usable += not dropped
        if warning is not None:
            warnings.append(warning[0].upper() + warning[1:] + ".")
        if warning is not None:
            changed.append(key)
    return Validated(values, tuple(warnings), present, usable, tuple(changed))


def looks_like_text(data: bytes) -> bool:
    """True when ``data`` can be a settings file: UTF-8 text without NUL or other control bytes."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 32 and c not in "\t\r\n" for c in text)


def unusable(data: bytes | None, checked: Validated | None = None, format_error: bool = False) -> str | None:
    """Why a settings file should be set aside (renamed) rather than read, or None.

    ``data`` is the file's bytes (None: not read, e.g. too large), ``checked``
    what :func:`validate` made of it, ``format_error`` whether the INI reader
    failed.
    """
    if data is None:
        return f"it is larger than {MAX_FILE_BYTES >> 20} MiB"
    if not looks_like_text(data):
        return "it is not a text file"
    if format_error:
        return "it is not in the settings format"
    if checked is not None and checked.present and not checked.usable:
        return "none of its values could be used"
    return None
