"""A benchmark's hands and stopwatch inside the real app (``GDVIZ_BENCH``).

``benchmarks/bench_user.py`` starts ``python -m gdviz`` as a user would, with
``GDVIZ_BENCH=out.json`` and ``GDVIZ_BENCH_PLAN`` set. Then :func:`attach`
(called by ``run_app`` after the window is shown) plays the plan with key
presses and writes what a user would have felt to ``out.json``.

The plan is ``;``-separated: ``wait S`` (seconds), ``key NAME`` (press the
shortcut of the action whose text is NAME, e.g. ``key Run``, ``key Landscape``,
``key Presenter mode``; the keys reach the focused widget, as a user's do),
``key view:NAME`` (the teaching view ``NAME``), ``click NAME`` (the menu
item NAME, e.g. ``click Full MNIST``), ``open-idx FOLDER`` (the Data menu's
"Open IDX folder…" once FOLDER is chosen in its dialog: read in a background
thread behind a progress dialog), ``use-mnist FOLDER`` (the Data menu's "Full MNIST" when
the files are cached: read in a background thread, then handed over),
``mark LABEL`` (a time stamp), ``quit``. Example::

    key view:landscape; wait 1; key Run; mark run; wait 6; quit

Written: ``ticks`` (times, in s since the window was shown, at which a 16 ms
precise ``QTimer`` in the GUI thread fired: its lateness is what a user sees
as stutter), ``steps`` (``[t, step]`` as the window knows it, at each tick),
``marks`` (``[t, label]``), ``shown`` (at each mark, what the window shows:
``"landscape"``, ``"live+presenter"``; keys wait for the window to have the
focus, as a user's do, or a shortcut would be dropped), ``ready`` (when the training engine first
reported idle: its process is up), ``engine``, ``shown_wall`` (``time.time()`` when
the window was shown), ``first_tick_wall`` (when the event loop first
turned after that: the first paint is done), ``cpu_s`` / ``child_cpu_s``
(CPU seconds of this process and of the training process, if any).

With ``GDVIZ_BENCH_TRACE=1`` (``=widgets``: naming the widget inside a panel too) it also times every event the GUI thread handles
(:class:`_Tracer`: wall and thread-CPU ms, exclusive of events nested in it,
named by the panel or view a widget belongs to) and each panel's ``render``
inside the window's poll: ``trace`` is a list of ``[t, wall_ms, cpu_ms,
queued_ms, label]`` (queued: waiting for a core; wall - CPU - queued: waiting
for a lock, mostly the interpreter's). The timing itself costs a Python call per event: for the breakdown
only, not for the headline lateness.
"""

from __future__ import annotations

import json
import os
import threading
import time

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

__all__ = ["PROBE_MS", "attach", "parse_plan"]

PROBE_MS = 16  # the probe timer's period (ms): one frame at 60 Hz
ACTIVATE_WAIT_S = 5.0  # at most this long for the window to get the focus before the first key


def parse_plan(text: str) -> list[tuple[str, str]]:
    """``"wait 1; key Run"`` -> ``[("wait", "1"), ("key", "Run")]``; ValueError if unknown."""
    plan = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        verb, _, arg = part.partition(" ")
        if verb not in ("wait", "key", "click", "open-idx", "use-mnist", "mark", "quit"):
            raise ValueError(f"GDVIZ_BENCH_PLAN: unknown step {part!r}")
        if verb == "wait":
            float(arg)
        plan.append((verb, arg.strip()))
    return plan


def _action(window, name: str, shortcut: bool) -> QAction:
    """The window's action whose text (without ``&``) is ``name`` or starts with ``name + " "``;
    ``view:NAME`` is the action showing the teaching view ``NAME`` of ``VIEWS``."""
    if name.startswith("view:"):  # the View ▸ Lesson views item (Alt+N), not a panel's mode of that name
        from gdviz.qt.views import VIEWS

        name = VIEWS[name[5:]].title
        for action in window.findChildren(QAction):
            if action.text().replace("&", "") == name and action.shortcut().toString().startswith("Alt+"):
                return action
    for action in window.findChildren(QAction):
        text = action.text().replace("&", "")
        if (text == name or text.startswith(name + " ")) and not (shortcut and action.shortcut().isEmpty()):
            return action
    raise ValueError(f"GDVIZ_BENCH_PLAN: no action {name!r}" + " with a shortcut" * shortcut)


def _press(window, name: str) -> None:
    """Press the shortcut of the action ``name`` on the focused widget, as a user would."""
    combo = _action(window, name, shortcut=True).shortcut()[0]
    QTest.keyClick(QApplication.focusWidget() or window, combo.key(), combo.keyboardModifiers())


def _cpu_seconds(pid) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux), else None."""
    try:
        with open(f"/proc/{int(pid)}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, TypeError, ValueError, IndexError):
        return None


class _Probe:
    def __init__(self, window, out: str, plan: list[tuple[str, str]]):
        self.window, self.out, self.plan = window, out, plan
        self.t0 = time.perf_counter()
        self.record = {"engine": getattr(window, "engine", "?"), "shown_wall": time.time(),
                       "ticks": [], "steps": [], "marks": [], "errors": []}
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.pause = QTimer()  # between the plan's steps
        self.pause.setSingleShot(True)
        self.pause.setTimerType(Qt.TimerType.PreciseTimer)
        self.pause.timeout.connect(self.next_step)
        self.pause.start(0)
        self.tracer = _Tracer(window, self.t0) if os.environ.get("GDVIZ_BENCH_TRACE") else None

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def shown(self) -> str:
        """What the user sees now: the current tab's name, ``+presenter`` in presenter mode."""
        w = self.window
        return f"{w.tabs.current_name()}{'+presenter' if w.presenter.active else ''}"

    def tick(self) -> None:
        t = self.now()
        rec = self.record
        if not rec["ticks"]:
            rec["first_tick_wall"] = time.time()
        rec["ticks"].append(round(t, 6))
        if getattr(self, "loaded", None) is not None:  # (see _use_mnist)
            dataset, self.loaded = self.loaded, None
            self.window.set_dataset(dataset)
            rec["marks"].append((round(self.now(), 6), "switched"))
        session = self.window.session
        rec["steps"].append((round(t, 6), int(session.step_count)))
        if "ready" not in rec and (not session.busy or rec["steps"][-1][1] > 0):  # the engine has answered
            rec["ready"] = round(t, 6)

    def next_step(self) -> None:
        try:
            self._play()
        except Exception as exc:  # noqa: BLE001 - written to the record; the app must still end
            self.record["errors"].append(f"{type(exc).__name__}: {exc}")
            self.finish()

    def _play(self) -> None:
        while self.plan:
            verb, arg = self.plan.pop(0)
            if verb == "wait":
                self.pause.start(int(float(arg) * 1000))
                return
            if verb == "mark":
                self.record["marks"].append((round(self.now(), 6), arg))
                self.record.setdefault("shown", {})[arg] = self.shown()
            elif verb == "key" and not self.window.isActiveWindow() and self.now() < ACTIVATE_WAIT_S:
                # A user's first key reaches a window that has the focus; a shortcut pressed
                # before that is dropped (the view would silently stay the live network).
                self.window.activateWindow()
                self.plan.insert(0, (verb, arg))
                self.pause.start(10)
                return
            elif verb in ("key", "click", "open-idx", "use-mnist"):
                try:
                    if verb == "key":
                        _press(self.window, arg)
                    elif verb == "click":
                        _action(self.window, arg, shortcut=False).trigger()
                    elif verb == "open-idx":  # the Data menu's "Open IDX folder…" once it is chosen
                        self.window.open_idx_folder(arg)
                    else:
                        self._use_mnist(arg)
                except ValueError as exc:
                    self.record["errors"].append(str(exc))
                self.record["marks"].append((round(self.now(), 6), f"{verb} {arg}"))
            elif verb == "quit":
                break
        self.finish()

    def _use_mnist(self, folder: str) -> None:
        """What the Data menu's "Full MNIST" does when the files are in the cache: read them
        in a background thread, then ``window.set_dataset`` (the GUI thread; see tick)."""
        import threading

        from gdviz.data import load_idx_dir

        def load():
            self.loaded = load_idx_dir(folder)

        self.loaded = None
        threading.Thread(target=load, name="gdviz-bench-load", daemon=True).start()

    def finish(self) -> None:
        self.timer.stop()
        if self.tracer is not None:
            self.record["trace"] = self.tracer.stop()
        proc = getattr(self.window.session, "process", None)
        self.record["child_pid"] = getattr(proc, "pid", None)
        self.record["cpu_s"] = time.process_time()  # this process, all threads
        self.record["child_cpu_s"] = _cpu_seconds(self.record["child_pid"])
        with open(self.out, "w", encoding="utf-8") as fh:
            json.dump(self.record, fh)
        self.window.close()
        QApplication.instance().quit()


class _Tracer(QObject):
    """Times what the GUI thread does, event by event (an application event filter that
    delivers the event itself, between two clocks). Exclusive times: an event handled
    inside another (a widget's paint inside the window's update) counts once, as itself."""

    MIN_MS = 0.05  # shorter events are counted in ``small`` only

    def __init__(self, window, t0: float):
        super().__init__()
        self.window, self.t0 = window, t0
        self.events: list = []
        self.small = 0
        self.detail = os.environ.get("GDVIZ_BENCH_TRACE") == "widgets"  # name the widget inside a panel
        self._stack: list[list[float]] = []  # [wall, cpu, queued] of children, per open event
        try:  # ns this thread waited for a core (Linux): the rest of wall - CPU is waiting for a lock
            self._sched = os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY)
        except OSError:
            self._sched = None
        self._inside: set[int] = set()
        self._names: dict[int, str] = {}
        self._wrap_window()
        QApplication.instance().installEventFilter(self)

    def _wrap_window(self) -> None:
        w = self.window
        draw, ingest = w._draw, w._ingest
        w._draw = lambda name, snap: self.timed(f"render {name}", draw, name, snap)
        w._ingest = lambda snap, *a, **k: self.timed("ingest", ingest, snap, *a, **k)
        tabs_draw = w.tabs.draw
        w.tabs.draw = lambda *a: self.timed("view draw", tabs_draw, *a)

    def stop(self) -> list:
        QApplication.instance().removeEventFilter(self)
        return self.events

    def _queued(self) -> float:
        """Seconds this thread has waited in the run queue so far (0 where unknown)."""
        if self._sched is None:
            return 0.0
        return int(os.pread(self._sched, 128, 0).split()[1]) * 1e-9

    def timed(self, label: str, fn, *args, **kwargs):
        self._stack.append([0.0, 0.0, 0.0])
        w0, c0, q0 = time.perf_counter(), time.thread_time(), self._queued()
        try:
            return fn(*args, **kwargs)
        finally:
            wall, cpu, queued = time.perf_counter() - w0, time.thread_time() - c0, self._queued() - q0
            kids = self._stack.pop()
            if self._stack:
                for i, v in enumerate((wall, cpu, queued)):
                    self._stack[-1][i] += v
            wall_ms, cpu_ms, q_ms = (1000 * (v - k) for v, k in zip((wall, cpu, queued), kids))
            if wall_ms >= self.MIN_MS:
                self.events.append([round(w0 - self.t0, 6), round(wall_ms, 4), round(cpu_ms, 4),
                                    round(q_ms, 4), label])
            else:
                self.small += 1

    def _name(self, obj) -> str:
        """What ``obj`` is to a user: a panel, a view, the status bar, a timer of whom."""
        key = id(obj)
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = self._describe(obj)
        return name

    def _describe(self, obj) -> str:
        w = self.window
        if obj is w.timer:
            return "poll"
        if isinstance(obj, QTimer):
            parent = obj.parent()
            return f"timer {type(parent).__name__ if parent else '-'}/{obj.interval()}ms"
        known = {id(p): n for n, p in w.panels.items()}
        known.update({id(v): f"view {n}" for n, v in getattr(w, "views", {}).items()})
        known[id(w.statusBar())] = "status bar"
        known[id(w.controls_dock)] = "controls"
        known[id(w.presenter.bar)] = "presenter bar"
        node = obj
        while node is not None:
            if id(node) in known:
                inner = "" if node is obj else obj.objectName() or type(obj).__name__
                return known[id(node)] + (f" {inner}" if inner and self.detail else "")
            if node is w:
                path, node = [], obj
                while node is not None and node is not w and len(path) < 3:
                    path.append(node.objectName() or type(node).__name__)
                    node = node.parent()
                return "window " + "<".join(path)
            node = node.parent() if isinstance(node, QObject) else None
        return type(obj).__name__

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        key = shiboken6.getCppPointer(event)[0]
        if key in self._inside:
            return False
        kind = event.type()
        if kind == QEvent.Type.Timer:
            label = "timer " + self._name(obj) if isinstance(obj, QTimer) else f"timer {type(obj).__name__}"
        elif kind == QEvent.Type.Paint:
            label = "paint " + self._name(obj)
        elif kind in (QEvent.Type.UpdateRequest, QEvent.Type.MetaCall, QEvent.Type.LayoutRequest,
                      QEvent.Type.DeferredDelete):
            label = f"{kind.name} {self._name(obj)}"
        else:
            return False
        self._inside.add(key)
        try:
            self.timed(label, QApplication.sendEvent, obj, event)
        finally:
            self._inside.discard(key)
        return True


def attach(window) -> None:
    """Play ``$GDVIZ_BENCH_PLAN`` on ``window`` and write ``$GDVIZ_BENCH`` (nothing if unset)."""
    out = os.environ.get("GDVIZ_BENCH")
    if out:
        window._bench_probe = _Probe(window, out, parse_plan(os.environ.get("GDVIZ_BENCH_PLAN", "quit")))
