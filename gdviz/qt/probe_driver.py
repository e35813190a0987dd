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
"Open IDX folder…" once FOLDER is chosen in its dialog: it reads the files
in the GUI thread), ``use-mnist FOLDER`` (the Data menu's "Full MNIST" when
the files are cached: read in a background thread, then handed over),
``mark LABEL`` (a time stamp), ``quit``. Example::

    key view:landscape; wait 1; key Run; mark run; wait 6; quit

Written: ``ticks`` (times, in s since the window was shown, at which a 16 ms
precise ``QTimer`` in the GUI thread fired: its lateness is what a user sees
as stutter), ``steps`` (``[t, step]`` as the window knows it, at each tick),
``marks`` (``[t, label]``), ``ready`` (when the training engine first
reported idle: its process is up), ``engine``, ``shown_wall`` (``time.time()`` when
the window was shown), ``first_tick_wall`` (when the event loop first
turned after that: the first paint is done), ``cpu_s`` / ``child_cpu_s``
(CPU seconds of this process and of the training process, if any).
"""

from __future__ import annotations

import json
import os
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

__all__ = ["PROBE_MS", "attach", "parse_plan"]

PROBE_MS = 16  # the probe timer's period (ms): one frame at 60 Hz


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
    if name.startswith("view:"):
        from gdviz.qt.views import VIEWS

        name = VIEWS[name[5:]].title
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

    def now(self) -> float:
        return time.perf_counter() - self.t0

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
        proc = getattr(self.window.session, "process", None)
        self.record["child_pid"] = getattr(proc, "pid", None)
        self.record["cpu_s"] = time.process_time()  # this process, all threads
        self.record["child_cpu_s"] = _cpu_seconds(self.record["child_pid"])
        with open(self.out, "w", encoding="utf-8") as fh:
            json.dump(self.record, fh)
        self.window.close()
        QApplication.instance().quit()


def attach(window) -> None:
    """Play ``$GDVIZ_BENCH_PLAN`` on ``window`` and write ``$GDVIZ_BENCH`` (nothing if unset)."""
    out = os.environ.get("GDVIZ_BENCH")
    if out:
        window._bench_probe = _Probe(window, out, parse_plan(os.environ.get("GDVIZ_BENCH_PLAN", "quit")))
