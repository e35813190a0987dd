"""Lessons as plain TOML files: chapters of a few sentences, each with a prepared
state of the window (data, network, seed, η, pace, running, the tab and panel).

A teacher writes and shares them; *File ▸ Open lesson* and ``gdviz screenshot
--lesson N`` read them. Every mistake in a file is reported with its line::

    title = "How a neural network learns"

    [[chapter]]
    title = "A digit is 784 numbers"
    text = "Each of the 28×28 pixels is a grey value in [0, 1] …"
    view = "live"
    panel = "output"
    steps = 0
    running = false

Unset keys keep the window as it is, so a chapter can change one thing.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from gdviz.training.config import SettingError, check_batch_size, check_lr, parse_hidden

__all__ = ["Chapter", "Lesson", "LessonError", "builtin_lesson", "dumps", "load_lesson",
           "parse_lesson"]

MAX_BYTES = 1 << 20  # a lesson file larger than 1 MiB is refused
MAX_CHAPTERS = 200
MAX_STEPS = 1_000_000  # steps a chapter may train before it is shown
ACTIVATIONS = ("sigmoid", "relu", "tanh")
COSTS = ("mse", "ce")
DATASETS = ("sample", "mnist")
# Where a chapter can point: the live tab's panels, the teaching views, the intuition views.
VIEWS = ("live", "gradient", "step-size", "landscape", "example-cost", "sgd-vs-gd",
         "generalisation", "draw", "curve", "bowl")
PANELS = ("hidden_weights", "deeper_layers", "activations", "output", "cost", "stability")


class LessonError(ValueError):
    """A lesson file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Chapter:
    """One chapter: the words, and what the window shows (None: leave it as it is)."""

    title: str
    text: str
    view: str | None = None  # a tab (see VIEWS)
    panel: str | None = None  # the panel the chapter is about, highlighted
    dataset: str | None = None  # "sample" or "mnist"
    hidden: tuple[int, ...] | None = None  # hidden layer sizes
    activation: str | None = None
    cost: str | None = None
    seed: int | None = None
    lr: float | None = None
    batch: int | None = None
    pace: float | None = None  # steps per second; math.inf = as fast as possible
    steps: int | None = None  # reset to the seed's θ and train this many steps first
    running: bool | None = None
    digit: int | None = None  # the test digit pinned in the output panel
    options: dict[str, Any] = field(default_factory=dict)  # the view's declared options


@dataclass(frozen=True)
class Lesson:
    title: str
    chapters: tuple[Chapter, ...]


def _check_pace(v) -> float:
    if v == "max":
        return math.inf
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0 < v <= 1000):
        raise SettingError('the pace is steps per second (more than 0, at most 1000) or "max"')
    return float(v)


def _int_in(lo: int, hi: int, what: str):
    def check(v) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise SettingError(f"{what} must be a whole number from {lo:,} to {hi:,}")
        return v
    return check


def _one_of(choices: tuple[str, ...], what: str):
    def check(v) -> str:
        if v not in choices:
            raise SettingError(f"unknown {what} {v!r}; choose one of {', '.join(choices)}")
        return v
    return check


def _text(v) -> str:
    """The text with its lines joined into paragraphs (a blank line starts a new one)."""
    if not isinstance(v, str) or not v.strip():
        raise SettingError("must be a non-empty text in quotes")
    paragraphs = re.split(r"\n\s*\n", v.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _bool(v) -> bool:
    if not isinstance(v, bool):
        raise SettingError("must be true or false")
    return v


def _options(v) -> dict:
    if not isinstance(v, dict) or not all(isinstance(x, (str, int, float, bool)) for x in v.values()):
        raise SettingError("must be a table of option = value (text, number or true/false)")
    return dict(v)


def _lr(v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise SettingError("must be a number")
    return check_lr(v)


def _batch(v) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise SettingError("must be a whole number")
    return check_batch_size(v)


CHECKS = {
    "title": _text, "text": _text,
    "view": _one_of(VIEWS, "view"), "panel": _one_of(PANELS, "panel"),
    "dataset": _one_of(DATASETS, "dataset"),
    "hidden": lambda v: parse_hidden(tuple(v) if isinstance(v, list) else v),
    "activation": _one_of(ACTIVATIONS, "activation"), "cost": _one_of(COSTS, "cost"),
    "seed": _int_in(0, 2**32 - 1, "the seed"), "lr": _lr, "batch": _batch,
    "pace": _check_pace, "steps": _int_in(0, MAX_STEPS, "steps"), "running": _bool,
    "digit": _int_in(0, 9_999, "the digit's index"), "options": _options,
}


def _line_of(text: str, chapter: int | None, key: str | None) -> int:
    """1-based line of ``key`` in the ``chapter``-th ``[[chapter]]`` (0-based), or of the header."""
    lines = text.splitlines()
    starts = [i for i, ln in enumerate(lines) if re.match(r"\s*\[\[\s*chapter\s*\]\]", ln)]
    lo = starts[chapter] if chapter is not None and chapter < len(starts) else 0
    hi = starts[chapter + 1] if chapter is not None and chapter + 1 < len(starts) else len(lines)
    if chapter is None:
        hi = starts[0] if starts else len(lines)
    if key is not None:
        pat = re.compile(rf"\s*{re.escape(key)}\s*=|\s*\[\s*chapter\s*\.\s*{re.escape(key)}\s*\]")
        for i in range(lo, hi):
            if pat.match(lines[i]):
                return i + 1
    return lo + 1


def parse_lesson(text: str, source: str = "lesson") -> Lesson:
    """A :class:`Lesson` from TOML ``text``; :class:`LessonError` names ``source`` and the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = f":{m.group(1)}" if m else ""
        raise LessonError(f"{source}{line}: not a valid lesson file: {exc}") from None
    extra = sorted(set(data) - {"title", "chapter"})
    if extra:
        raise LessonError(f"{source}:{_line_of(text, None, extra[0])}: unknown setting "
                          f"{extra[0]!r} (a lesson has a title and [[chapter]] sections)")
    title = data.get("title", "Lesson")
    if not isinstance(title, str) or not title.strip():
        raise LessonError(f"{source}:{_line_of(text, None, 'title')}: the title must be a text")
    chapters = data.get("chapter")
    if not isinstance(chapters, list) or not chapters:
        raise LessonError(f"{source}:1: a lesson needs at least one [[chapter]] section")
    if len(chapters) > MAX_CHAPTERS:
        raise LessonError(f"{source}: {len(chapters)} chapters; at most {MAX_CHAPTERS}")
    out = []
    for i, raw in enumerate(chapters):
        where = f"chapter {i + 1}"
        if not isinstance(raw, dict):
            raise LessonError(f"{source}:{_line_of(text, None, 'chapter')}: chapters are "
                              "[[chapter]] sections")
        for key in ("title", "text"):
            if key not in raw:
                raise LessonError(f"{source}:{_line_of(text, i, None)}: {where} has no {key}")
        values = {}
        for key, v in raw.items():
            if key not in CHECKS:
                raise LessonError(f"{source}:{_line_of(text, i, key)}: {where}: unknown setting "
                                  f"{key!r}; known: {', '.join(CHECKS)}")
            try:
                values[key] = CHECKS[key](v)
            except (SettingError, ValueError, TypeError) as exc:
                raise LessonError(f"{source}:{_line_of(text, i, key)}: {where}: {key}: {exc}") from None
        out.append(Chapter(**values))
    return Lesson(title.strip(), tuple(out))


def load_lesson(path) -> Lesson:
    """Read a lesson file; refuses files over ``MAX_BYTES`` before reading them."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise LessonError(f"{p}: {size:,} bytes; a lesson file has at most {MAX_BYTES:,}")
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise LessonError(f"{p}: not a text file (UTF-8)") from None
    except OSError as exc:
        raise LessonError(f"{p}: cannot read it: {exc.strerror or exc}") from None
    return parse_lesson(text, str(p))


def builtin_lesson() -> Lesson:
    """The lesson that ships with gdviz, in the classic lesson's order."""
    text = resources.files("gdviz.resources").joinpath("lessons/how-networks-learn.toml").read_text("utf-8")
    return parse_lesson(text, "how-networks-learn.toml")


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and math.isinf(v):
        return '"max"'
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"'


def dumps(lesson: Lesson) -> str:
    """The TOML text of ``lesson`` (``parse_lesson(dumps(x)) == x``)."""
    out = [f"title = {_toml_value(lesson.title)}", ""]
    for ch in lesson.chapters:
        out.append("[[chapter]]")
        opts = {}
        for f in fields(Chapter):
            v = getattr(ch, f.name)
            if f.name == "options":
                opts = v
            elif v is not None:
                out.append(f"{f.name} = {_toml_value(v)}")
        if opts:
            out.append("[chapter.options]")
            out += [f"{k} = {_toml_value(v)}" for k, v in opts.items()]
        out.append("")
    return "\n".join(out)
