"""The one shape of a teaching view: :class:`LessonView` and its :class:`ViewJob`.

A view declares what it draws (``PARTS``) and what a person can set
(``bind_option``), and implements ``render(snap)`` and ``draw_part(part,
value)``. The base owns the machinery every view needs:

* **staged drawing** — ``draw(value, live=True)`` paints one part per call
  while training runs (each GUI frame pays for a fraction of the view) and a
  single-shot timer paints the rest if no newer value comes; ``live=False``
  paints everything at once;
* **background jobs** — ``background(fn)`` gives a latest-wins
  :class:`ViewJob` that throttles, drops duplicate requests and drops results
  computed for an older run or context (the stale-result check); finished
  results reach ``result_ready(value)`` from a poll timer in the GUI thread;
* **catch-up when shown** — ``on_shown()`` runs when the tab becomes visible;
* **shutdown** — stops every timer and job the view made through the base;
* **declared hooks** for the window: ``ingest``, ``share_history``,
  ``share_sharpness``, ``set_dataset_callback``, ``demo`` (no-ops unless a view overrides them)
  and ``jobs_pending``.

Only plain Python objects cross from a job's thread to the GUI, through a lock
(see :mod:`gdviz.qt.background`); no Qt signal carries them.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from PySide6 import QtCore, QtWidgets

from gdviz.qt.background import LatestJob

__all__ = ["LessonView", "ViewJob", "ViewSpec"]

POLL_MS = 40  # how often finished background results are looked for while a job is busy


_log = logging.getLogger(__name__)

class ViewSpec(NamedTuple):
    """One teaching view in the registry (the key of ``VIEWS`` is its name)."""

    title: str  # the tab's title
    module: str  # where the class lives
    cls: str  # the class name
    description: str  # one line for tooltips and menus


def _tagged(fn: Callable[..., Any], holder: dict, pass_cancelled: bool, generation: int, *args):
    """Job thread: ``(generation, fn(*args))``; ``fn`` gets ``cancelled`` first if asked. None
    (nothing kept) when the view invalidated its requests meanwhile: a result for a run the
    window left would otherwise stay until the next result (a hidden, paused view's for long)."""
    value = fn(holder["job"].cancelled, *args) if pass_cancelled else fn(*args)
    if holder.get("generation", generation) != generation:
        return None
    return generation, value


class ViewJob:
    """A latest-wins background computation owned by one view.

    ``submit(key, *args)`` asks for ``fn(*args)`` unless ``key`` equals the last
    request's key (nothing changed) or a throttled request came too soon.
    ``take()`` returns the newest finished value not taken yet, or None; values
    computed before the last ``invalidate()`` (another run, another dataset)
    are dropped. ``fn`` must not hold a reference to the view (a view <-> job
    cycle would let the garbage collector free the widget in the job's thread).
    """

    def __init__(self, fn: Callable[..., Any], name: str, *, pass_cancelled: bool = False,
                 clock: Callable[[], float] = time.perf_counter):
        self._holder = holder = {"generation": 0}
        self._job = holder["job"] = LatestJob(
            functools.partial(_tagged, fn, holder, pass_cancelled), name=name)
        self._clock = clock
        self.generation = 0
        self.key: Any = None  # the key of the last request submitted
        self.submitted_at = -math.inf
        self._taken_seq = 0

    def submit(self, key: Any, *args, min_interval: float = 0.0, force: bool = False) -> bool:
        """Ask for ``fn(*args)``; True when submitted. ``min_interval`` (s) throttles."""
        now = self._clock()
        if not force and (key == self.key or now - self.submitted_at < min_interval):
            return False
        self.key = key
        self.submitted_at = now
        self._job.submit(self.generation, *args)
        return True

    def take(self) -> Any:
        """The newest finished value of this generation not taken yet, or None."""
        res = self._job.result()
        if res is None or res[0] == self._taken_seq:
            return None
        self._taken_seq = res[0]
        generation, value = res[1]
        if generation != self.generation:
            self._job.forget_result(res[0])  # stale: freed now, not when the next result comes
            return None
        return value

    def invalidate(self) -> None:
        """Results of requests made so far are stale; the next submit always goes."""
        self.generation += 1
        self._holder["generation"] = self.generation
        self.key = None
        self.submitted_at = -math.inf

    def forget(self) -> None:
        """Stale, as ``invalidate``, and the finished result is dropped (its arrays freed)."""
        self.invalidate()
        self._job.forget_result()

    busy = property(lambda self: self._job.busy)
    error = property(lambda self: self._job.error, doc="The last computation's error, or ''.")
    seconds = property(lambda self: self._job.seconds, doc="Duration of the last finished computation.")

    @property
    def pending(self) -> bool:
        """True while a result may still come (busy, or finished and not taken)."""
        res = self._job.result()
        return self._job.busy or (res is not None and res[0] != self._taken_seq)

    def cancelled(self) -> bool:
        return self._job.cancelled()

    def request_stop(self) -> None:
        self._job.request_stop()

    def stop(self, deadline: float | None = None) -> None:
        self._job.stop(deadline=deadline)


class _Option(NamedTuple):
    get: Callable[[], Any]
    set: Callable[[Any], None]
    choices: tuple | None


class LessonView(QtWidgets.QWidget):
    """Base class of a teaching view (one tab). See the module docstring."""

    #: What ``draw`` paints, in order; ``draw_part`` paints one of them.
    PARTS: tuple[str, ...] = ()
    #: Milliseconds after a live ``draw`` before the parts not drawn yet are painted.
    CATCH_UP_MS = 250

    def __init__(self, parent=None):
        super().__init__(parent)
        self.session = None
        self.dataset = None
        self.snap = None  # the last snapshot rendered
        self._jobs: list[ViewJob] = []
        self._options: dict[str, _Option] = {}
        self._value: Any = None  # the newest value given to draw()
        self._showing: dict[str, Any] = {}  # part -> the value it shows
        self._cursor = -1  # index in PARTS of the part drawn last while live
        self._catch_up = QtCore.QTimer(self)
        self._catch_up.setSingleShot(True)
        self._catch_up.setInterval(self.CATCH_UP_MS)
        self._catch_up.timeout.connect(self.finish_drawing)
        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.poll_jobs)

    # ------------------------------------------------------------------ layout
    def scrolling_body(self) -> QtWidgets.QVBoxLayout:
        """Give the view a body inside a scroll area that scrolls only when the
        content does not fit (a large presenter font on a small screen).
        Sets ``self.scroll`` and ``self.body``; returns the body's layout."""
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QtWidgets.QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.body = QtWidgets.QWidget()
        self.scroll.setWidget(self.body)
        outer.addWidget(self.scroll)
        lay = QtWidgets.QVBoxLayout(self.body)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(6)
        return lay

    # ------------------------------------------------------------------ the window's calls
    def set_context(self, session, dataset) -> None:
        """The session (to send commands to) and its dataset; called again when either changes.
        A change makes every job's pending results stale and calls ``context_changed``."""
        changed = session is not self.session or dataset is not self.dataset
        self.session = session
        self.dataset = dataset
        if changed:
            for job in self._jobs:
                job.invalidate()
            self.context_changed()

    def render(self, snap) -> None:  # pragma: no cover - interface
        """Show ``snap`` (called while the tab is visible, at ``VIEW_HZ`` at most)."""
        raise NotImplementedError

    def request_stop(self) -> None:
        """Tell the background jobs to stop, without waiting (the window does this first)."""
        for job in self._jobs:
            job.request_stop()

    def shutdown(self, deadline: float | None = None) -> None:
        """Stop timers and background jobs, waiting for them until ``deadline``
        (``time.monotonic()`` s; default: 2 s each). The window calls this when it closes."""
        self._catch_up.stop()
        self._poll.stop()
        for job in self._jobs:
            job.stop(deadline)

    # Declared hooks: the window calls each on every view; the defaults do nothing.
    def ingest(self, snap) -> None:
        """Every snapshot, shown or not (views that keep a history of the run)."""

    def share_history(self, history) -> None:
        """The window's |∇C| history of the whole run (``analysis.NormHistory``)."""

    def share_sharpness(self, history) -> None:
        """The window's λ_max history of the run (``sharpness.SharpnessHistory``), kept current
        in the background; read it when drawing (its ``run[0]`` is the run id it follows)."""

    def set_dataset_callback(self, fn) -> None:
        """``fn(dataset)`` switches the window to another dataset (generalisation experiments)."""

    def demo(self) -> None:
        """Put something on show for a screenshot (e.g. draw a digit)."""

    def jobs_pending(self) -> bool:
        """True while a background job of this view may still bring a result."""
        return any(job.pending for job in self._jobs)

    # ------------------------------------------------------------------ hooks for views
    def context_changed(self) -> None:
        """The session or dataset was replaced (after ``set_context``)."""

    def on_shown(self) -> None:
        """The tab became visible: catch up (e.g. recompute for θ now)."""

    def forget_run(self) -> None:
        """Hidden while the window moved on to another run: drop what the view keeps of the
        old one (its last snapshot, the value drawn, its jobs' results), so the arrays of a
        network the window left (784-1024-10: ~10 MB a snapshot) are not held until the tab is
        shown again. Views that keep more of a run extend this; shown again, the view draws
        the run it is given, as after any new run."""
        self.snap = None
        self._drop_run()

    def _drop_run(self) -> None:
        """Nothing of the old run left to draw or to come: the value drawn, the parts showing
        it, the staged draw, the jobs' requests and results. (Also on every new run: a view
        that follows every run while hidden, e.g. GD vs SGD, is never told to forget one.)"""
        self._catch_up.stop()
        self._value = None
        self._showing.clear()
        self._cursor = -1
        for job in self._jobs:
            job.forget()

    def result_ready(self, job: ViewJob, value) -> None:
        """A fresh result of ``job`` (GUI thread)."""

    def draw_part(self, part: str, value) -> None:
        """Paint ``part`` (one of ``PARTS``) for ``value``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ options
    def bind_option(self, name: str, widget: QtWidgets.QWidget) -> None:
        """Declare an option a person sets with ``widget``: a QComboBox (its item data
        are the choices), a checkable button (a bool) or a spin box (a number)."""
        if isinstance(widget, QtWidgets.QComboBox):
            choices = tuple(widget.itemData(i) for i in range(widget.count()))

            def set_choice(value, w=widget, choices=choices):
                if value not in choices:
                    raise ValueError(f"unknown {name} {value!r}; choose one of "
                                     f"{', '.join(map(str, choices))}")
                w.setCurrentIndex(choices.index(value))

            opt = _Option(widget.currentData, set_choice, choices)
        elif isinstance(widget, QtWidgets.QAbstractButton):
            opt = _Option(widget.isChecked, lambda v, w=widget: w.setChecked(bool(v)), (False, True))
        elif isinstance(widget, QtWidgets.QAbstractSpinBox):
            opt = _Option(widget.value, widget.setValue, None)
        else:
            raise TypeError(f"cannot bind option {name!r} to a {type(widget).__name__}")
        self._options[name] = opt

    def options(self) -> dict[str, Any]:
        """Every declared option's current value."""
        return {name: opt.get() for name, opt in self._options.items()}

    def option(self, name: str) -> Any:
        return self._options[name].get()

    def set_option(self, name: str, value) -> None:
        """Set an option as a person would (its widget changes and signals)."""
        if name not in self._options:
            raise KeyError(f"{type(self).__name__} has no option {name!r}; "
                           f"it has {', '.join(self._options) or 'none'}")
        self._options[name].set(value)

    def option_choices(self, name: str) -> tuple | None:
        return self._options[name].choices

    # ------------------------------------------------------------------ jobs
    def background(self, fn: Callable[..., Any], name: str, *, pass_cancelled: bool = False,
                   clock: Callable[[], float] = time.perf_counter) -> ViewJob:
        """A new :class:`ViewJob` for ``fn`` that this view polls and shuts down."""
        job = ViewJob(fn, name, pass_cancelled=pass_cancelled, clock=clock)
        self._jobs.append(job)
        return job

    def submit(self, job: ViewJob, key, *args, min_interval: float = 0.0,
               force: bool = False) -> bool:
        """``job.submit`` and watch for its result."""
        sent = job.submit(key, *args, min_interval=min_interval, force=force)
        if sent and not self._poll.isActive():
            self._poll.start()
        return sent

    def poll_jobs(self) -> None:
        """Hand fresh results to ``result_ready``; stop polling when nothing is pending."""
        for job in self._jobs:
            value = job.take()
            if value is not None:
                self.result_ready(job, value)
        if not any(job.pending for job in self._jobs):
            self._poll.stop()

    def new_run(self, snap) -> bool:
        """True (and the old run dropped: see ``_drop_run``) when ``snap`` starts another run
        than the last snapshot rendered; updates ``self.snap``."""
        fresh = self.snap is None or snap.run_id != self.snap.run_id
        self.snap = snap
        if fresh:
            self._drop_run()
        return fresh

    # ------------------------------------------------------------------ staged drawing
    def draw(self, value, *, live: bool) -> None:
        """Show ``value``: all ``PARTS`` now, or (``live``) the next part in turn now and
        the rest after ``CATCH_UP_MS`` unless another ``draw`` comes first."""
        self._catch_up.stop()
        self._value = value
        if not live or self._cursor < 0:
            self._cursor = len(self.PARTS) - 1
            self.finish_drawing()
            return
        self._draw_next()

    def continue_drawing(self) -> None:
        """Paint the next part still showing an older value (a render with nothing new)."""
        if self.pending_parts():
            self._catch_up.stop()
            self._draw_next()

    def finish_drawing(self) -> None:
        """Paint every part still showing an older value."""
        self._catch_up.stop()
        for part in self.pending_parts():
            self._paint(part)

    def pending_parts(self) -> list[str]:
        if self._value is None:  # nothing given to draw yet (e.g. shown before the first snapshot)
            return []
        return [p for p in self.PARTS if self._showing.get(p, self) is not self._value]

    def redraw(self) -> None:
        """Paint every part again for the value on show (a display option changed)."""
        self._showing.clear()
        self.finish_drawing()

    def _draw_next(self) -> None:
        pending = self.pending_parts()
        if not pending:
            return
        n = len(self.PARTS)
        for k in range(1, n + 1):
            part = self.PARTS[(self._cursor + k) % n]
            if part in pending:
                self._cursor = self.PARTS.index(part)
                self._paint(part)
                break
        if len(pending) > 1:
            self._catch_up.start()

    def _paint(self, part: str) -> None:
        self._showing[part] = self._value
        try:
            self.draw_part(part, self._value)
        except Exception:  # noqa: BLE001 - called from Qt's event loop: a drawing bug must not end the app
            _log.exception("%s: drawing %r failed", type(self).__name__, part)

    # ------------------------------------------------------------------ Qt events
    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.finish_drawing()
        self.on_shown()
