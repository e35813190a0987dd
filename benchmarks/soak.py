"""Soak: a seeded random user drives the real window for a long time; does memory stay flat?

The driver (:class:`Soak`) sends what a person would through Qt's test API
(QTest key and mouse events): Space, →, Shift+→, Ctrl+R, the view keys
(Ctrl+1/2/3, Ctrl+L, Ctrl+E, Ctrl+↑/↓, Ctrl+K, Alt+0…9), η typed into its
field (bad values too), clicks on the tabs, presenter mode (F5), a new
network size typed and applied with Reset, a batch size typed, strokes on the
drawing canvas, and window resizes. It records every action, every error
(an exception in a slot or a thread, an error dialog, the training process
gone), every exception gdviz caught and logged itself, and every warning, and samples the resident memory (VmRSS,
VmHWM from ``/proc/<pid>/status``) of the window's process and of the
training process (the app's default engine trains in a child process).

    python benchmarks/soak.py --minutes 30 --seed 1           # JSON lines, then a summary
    python benchmarks/soak.py --minutes 2 --engine thread
    python benchmarks/soak.py --minutes 6 --reference-every 100 --trace-malloc 6   # what grows?
    python benchmarks/soak.py --minutes 8 --reference-every 120 --leave-out presenter,network

``--trace-malloc`` traces Python's (and NumPy's) allocations and prints which
source lines and tracebacks grew between the reference states after warm-up
and at the end; a sample's ``traced_mb`` against its RSS tells growth of Python
objects from native (Qt) growth and heap fragmentation. Tracing slows the
window several times: its RSS figures are not the soak's figures. Every reference
state also holds a census of live Qt objects (``benchmarks/soak_memory.py``) and
the anonymous memory; the ones after the first print what changed since.

Offscreen unless ``QT_QPA_PLATFORM`` says otherwise. The short run in CI is
``tests/qt/test_soak.py``; the figures of a long run are in
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import tempfile
import threading
import time
import tracemalloc
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

LAUNCHED = time.perf_counter()  # ~ the process's start: a heap profiler's clock (heaptrack) starts there

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak_memory import (census_growth, heap_breakdown, heap_growth, large_arrays, numpy_blocks,  # noqa: E402
                         object_counts, qt_census, smaps_rollup)

#: η typed into its field: good ones, and what a student might type by mistake.
LR_TEXTS = ("3", "0.5", "1", "10", "0.03", "100", "1e-3", "0,5", "abc", "-1", "0", "1e9", "", " 2 ", "nan",
            "1e-5", "3.", ".5", "∞", "η=1", "1" * 40)
#: Hidden layers typed into the network field (applied with Reset); 1024 is the window's limit.
HIDDEN_TEXTS = ("16,16", "16,16", "32", "64,32", "10", "30,30,30", "", "100", "1024", "abc", "0", "-4",
                "5000", "16,,16")
BATCH_TEXTS = ("10", "1", "32", "100", "600", "0", "abc", "99999999999")
SIZES = ((1280, 720), (1366, 768), (1600, 1000), (1920, 1080), (1024, 700))
REFERENCE_SIZE = (1600, 1000)  # the window's size in every reference state (and at the start)


def proc_status(pid: int | str = "self") -> dict[str, float]:
    """VmRSS and VmHWM of process ``pid`` in MB ({} when it cannot be read)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return out


def training_pid(window) -> int | None:
    """The pid of the process that trains, or None when training runs in the window's process."""
    proc = getattr(window.session, "process", None)
    try:
        return int(proc.pid) if proc is not None and proc.pid and proc.is_alive() else None
    except (ValueError, AttributeError):
        return None


@dataclass
class Soak:
    """A seeded random user of ``window``. Call :meth:`run`; read :attr:`counts`,
    :attr:`errors`, :attr:`warnings` and :attr:`samples`."""

    window: object
    seed: int = 0
    big_networks: bool = True  # also type 1024 and 100 hidden neurons (the heaviest the window allows)
    leave_out: tuple = ()  # action names (``a_<name>`` without ``a_``) the user never does
    counts: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)
    warnings: Counter = field(default_factory=Counter)
    samples: list = field(default_factory=list)
    chosen: int = 0  # actions the driver chose (one may send several events)
    references: list = field(default_factory=list)  # samples in the reference state
    logged_errors: list = field(default_factory=list)  # exceptions caught and logged by gdviz itself
    heap_snapshots: list = field(default_factory=list)  # (label, tracemalloc snapshot file, object counts)
    censuses: list = field(default_factory=list)  # qt_census() at each reference state

    def __post_init__(self):
        self.rng = random.Random(self.seed)
        from PySide6.QtCore import Qt

        K = Qt.Key
        M = Qt.KeyboardModifier
        self.keys = {  # name -> (key, modifiers)
            "Space": (K.Key_Space, M.NoModifier), "Right": (K.Key_Right, M.NoModifier),
            "Shift+Right": (K.Key_Right, M.ShiftModifier), "Ctrl+R": (K.Key_R, M.ControlModifier),
            "Ctrl+1": (K.Key_1, M.ControlModifier), "Ctrl+2": (K.Key_2, M.ControlModifier),
            "Ctrl+3": (K.Key_3, M.ControlModifier), "Ctrl+L": (K.Key_L, M.ControlModifier),
            "Ctrl+E": (K.Key_E, M.ControlModifier), "Ctrl+Up": (K.Key_Up, M.ControlModifier),
            "Ctrl+Down": (K.Key_Down, M.ControlModifier), "Ctrl+K": (K.Key_K, M.ControlModifier),
            "F5": (K.Key_F5, M.NoModifier),
        }
        for i in range(10):
            self.keys[f"Alt+{i}"] = (getattr(K, f"Key_{i}"), M.AltModifier)
        # (weight, action): roughly what a teacher does in a lesson, with more variety
        self.actions = [
            (14, self.a_space), (14, self.a_right), (3, self.a_shift_right), (5, self.a_reset),
            (8, self.a_view_key), (10, self.a_tab_click), (6, self.a_alt_view), (8, self.a_type_lr),
            (3, self.a_presenter), (4, self.a_network), (3, self.a_batch), (4, self.a_resize),
            (4, self.a_draw), (6, self.a_wait),
        ]
        unknown = set(self.leave_out) - {fn.__name__[2:] for _w, fn in self.actions}
        if unknown:
            raise ValueError(f"no such action: {', '.join(sorted(unknown))} (see Soak.a_*)")
        self.actions = [(w, fn) for w, fn in self.actions if fn.__name__[2:] not in self.leave_out]
        self._weights = [w for w, _ in self.actions]

    # ------------------------------------------------------------------ plumbing
    def _qt(self):
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        return QTest, Qt, QPoint, QApplication

    def key(self, name: str, target=None) -> None:
        """Press ``name`` where the keyboard focus is (as a person's key press goes)."""
        QTest, _Qt, _P, QApplication = self._qt()
        key, mods = self.keys[name]
        target = target or QApplication.focusWidget() or self.window
        QTest.keyClick(target, key, mods)
        self.counts[f"key {name}"] += 1

    def click(self, widget, pos=None) -> bool:
        """A left click on ``widget`` (its centre), if a person could see it."""
        QTest, Qt, _P, _A = self._qt()
        if widget is None or not widget.isVisible() or not widget.isEnabled():
            return False
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         pos if pos is not None else widget.rect().center())
        return True

    def type_into(self, edit, text: str) -> bool:
        """Click into a field, select all, type ``text`` and press Enter."""
        QTest, Qt, _P, _A = self._qt()
        if not self.click(edit):
            return False
        QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        if text:
            self.type_text(edit, text)
        else:
            QTest.keyClick(edit, Qt.Key.Key_Backspace)
        QTest.keyClick(edit, Qt.Key.Key_Return)
        return True

    def type_text(self, widget, text: str) -> None:
        """Type ``text`` (QTest.keyClicks aborts on a character outside ASCII: those are sent as
        key events that carry the character, as an input method would)."""
        QTest, Qt, _P, QApplication = self._qt()
        from PySide6.QtCore import QEvent
        from PySide6.QtGui import QKeyEvent

        for ch in text:
            if ch.isascii() and ch.isprintable():
                QTest.keyClicks(widget, ch)
                continue
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier,
                                                         ch))

    def controls_visible(self) -> bool:
        """Make the controls dock visible (Ctrl+K, as the presenter bar says) when it is not."""
        w = self.window
        if not w.controls_dock.isVisible():
            self.key("Ctrl+K", target=w)
            self.wait(30)
        return w.controls_dock.isVisible()

    def wait(self, ms: int) -> None:
        QTest, *_ = self._qt()
        QTest.qWait(int(ms))

    # ------------------------------------------------------------------ actions
    def a_space(self):
        self.key("Space")

    def a_right(self):
        self.key("Right")

    def a_shift_right(self):
        self.key("Shift+Right")

    def a_reset(self):
        self.key("Ctrl+R")

    def a_view_key(self):
        self.key(self.rng.choice(["Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+L", "Ctrl+E", "Ctrl+Up", "Ctrl+Down",
                                  "Ctrl+Up", "Ctrl+Down", "Ctrl+K"]))

    def a_alt_view(self):
        self.key(f"Alt+{self.rng.randrange(10)}", target=self.window)

    def a_tab_click(self):
        bar = self.window.tabs.tabBar()
        i = self.rng.randrange(bar.count())
        if self.click(bar, bar.tabRect(i).center()):
            self.counts["click tab"] += 1

    def a_type_lr(self):
        if self.controls_visible() and self.type_into(self.window.controls.lr_edit, self.rng.choice(LR_TEXTS)):
            self.counts["type η"] += 1

    def a_presenter(self):
        self.key("F5", target=self.window)

    def a_network(self):
        choices = HIDDEN_TEXTS if self.big_networks else tuple(t for t in HIDDEN_TEXTS if t not in ("1024", "100"))
        c = self.window.controls
        if self.controls_visible() and self.type_into(c.hidden_edit, self.rng.choice(choices)):
            self.click(c.reset_button)
            self.counts["network + Reset"] += 1

    def a_batch(self):
        if self.controls_visible() and self.type_into(self.window.controls.batch_spin,
                                                      self.rng.choice(BATCH_TEXTS)):
            self.counts["type batch size"] += 1

    def a_resize(self):
        w, h = self.rng.choice(SIZES)
        self.window.resize(w, h)
        self.counts["resize"] += 1

    def a_draw(self):
        """A stroke on the drawing canvas when the Draw tab is shown (else show it)."""
        QTest, Qt, QPoint, _A = self._qt()
        view = self.window.current_view()
        canvas = getattr(view, "canvas", None)
        if canvas is None or not canvas.isVisible():
            self.key("Alt+7", target=self.window)
            return
        r = canvas.rect()
        pts = [QPoint(self.rng.randrange(r.width()), self.rng.randrange(r.height())) for _ in range(6)]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
        for p in pts[1:]:
            QTest.mouseMove(canvas, p, 5)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])
        self.counts["draw stroke"] += 1

    def a_wait(self):
        self.wait(self.rng.choice([100, 300, 1000]))
        self.counts["watch"] += 1

    # ------------------------------------------------------------------ errors
    def _check_dialogs(self) -> None:
        from PySide6.QtWidgets import QApplication, QMessageBox

        for top in QApplication.topLevelWidgets():
            if isinstance(top, QMessageBox) and top.isVisible():
                self.errors.append(f"dialog: {top.windowTitle()}: {top.text()[:200]}")
                top.close()

    def _install_hooks(self):
        from PySide6.QtCore import QtMsgType, qInstallMessageHandler

        old_hook, old_thread_hook, old_show = sys.excepthook, threading.excepthook, warnings.showwarning

        def hook(kind, value, tb):
            self.errors.append("exception: " + "".join(traceback.format_exception(kind, value, tb))[-1500:])

        def thread_hook(args):
            self.errors.append(f"exception in thread {args.thread.name if args.thread else '?'}: "
                               + "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                                    args.exc_traceback))[-1500:])

        def show(message, category, filename, lineno, file=None, line=None):
            where = filename.split("gdviz" + os.sep, 1)[-1]
            self.warnings[f"{category.__name__} at {where}:{lineno}: {message}"] += 1

        def qt_messages(kind, _context, text):
            if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
                self.errors.append(f"Qt: {text}")
                print(f"Qt: {text}", file=sys.stderr, flush=True)  # (a fatal one aborts next)
            elif kind == QtMsgType.QtWarningMsg:
                self.warnings[f"Qt warning: {text[:200]}"] += 1

        soak = self

        class Logged(logging.Handler):  # an exception a view caught and logged is an error too
            def emit(self, record):
                text = record.getMessage()
                if record.exc_info:
                    text += "\n" + "".join(traceback.format_exception(*record.exc_info))[-1500:]
                if record.levelno >= logging.ERROR:
                    soak.logged_errors.append(f"{record.name}: {text}")
                elif record.levelno >= logging.WARNING:
                    soak.warnings[f"logged by {record.name}: {text[:200]}"] += 1

        handler = Logged(logging.WARNING)
        logging.getLogger().addHandler(handler)
        sys.excepthook, threading.excepthook, warnings.showwarning = hook, thread_hook, show
        old_qt = qInstallMessageHandler(qt_messages)
        warnings.simplefilter("default")

        def restore():
            sys.excepthook, threading.excepthook, warnings.showwarning = old_hook, old_thread_hook, old_show
            qInstallMessageHandler(old_qt)
            logging.getLogger().removeHandler(handler)

        return restore

    # ------------------------------------------------------------------ the run
    def sample(self, t0: float) -> dict:
        pid = training_pid(self.window)
        me, child = proc_status(), (proc_status(pid) if pid else {})
        row = {"t_s": round(time.perf_counter() - t0, 1), "actions": sum(self.counts.values()),
               "errors": len(self.errors), "logged_errors": len(self.logged_errors),
               "window_rss_mb": round(me.get("VmRSS", float("nan")), 1),
               "window_hwm_mb": round(me.get("VmHWM", float("nan")), 1),
               "training_pid": pid,
               "training_rss_mb": round(child["VmRSS"], 1) if "VmRSS" in child else None,
               "training_hwm_mb": round(child["VmHWM"], 1) if "VmHWM" in child else None,
               "step": getattr(self.window.last_snapshot, "step", None),
               "hidden": list(getattr(self.window.last_snapshot, "sizes", ())[1:-1])}
        if tracemalloc.is_tracing():  # (tracemalloc's own tables are in RSS, not in traced)
            row["traced_mb"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
            row["tracemalloc_own_mb"] = round(tracemalloc.get_tracemalloc_memory() / 2**20, 1)
        self.samples.append(row)
        return row

    def run(self, seconds: float, *, max_actions: int | None = None, sample_every: float = 10.0,
            on_sample=None, reference_at: float | None = None, reference_every: float | None = None) -> dict:
        """Random actions for ``seconds`` (or until ``max_actions`` were chosen); a memory sample
        every ``sample_every`` s (and at the start and end). With ``reference_at`` (seconds), a
        :meth:`reference_sample` then, every ``reference_every`` s after it (if given), and at the
        end. Returns :meth:`summary`."""
        restore = self._install_hooks()
        try:
            t0 = time.perf_counter()
            next_sample = t0
            if reference_at is not None:
                self.visit_everything()  # so the warm-up includes every view, not only those chance opens
            while True:
                now = time.perf_counter()
                due = reference_at if not self.references else (
                    self.references[-1]["t_s"] + reference_every if reference_every else None)
                if reference_at is not None and due is not None and now - t0 >= due and now - t0 < seconds:
                    label = "after warm-up" if not self.references else f"at {now - t0:.0f} s"
                    self.references.append(self.reference_sample(t0, label))
                    if on_sample is not None:
                        on_sample(self.references[-1])
                if now >= next_sample:
                    row = self.sample(t0)
                    if on_sample is not None:
                        on_sample(row)
                    next_sample = now + sample_every
                if now - t0 >= seconds or (max_actions is not None and self.chosen >= max_actions):
                    break
                action = self.rng.choices(self.actions, weights=self._weights)[0][1]
                self.chosen += 1
                try:
                    action()
                except Exception:  # noqa: BLE001 - the driver's own failure is an error too
                    self.errors.append("driver: " + traceback.format_exc()[-1500:])
                self.wait(self.rng.choice([20, 50, 100, 150, 250]))
                self._check_dialogs()
            self.settle()
            row = self.sample(t0)
            if on_sample is not None:
                on_sample(row)
            if reference_at is not None:
                self.references.append(self.reference_sample(t0, "end"))
                if on_sample is not None:
                    on_sample(self.references[-1])
        finally:
            restore()
        return self.summary()

    def settle(self) -> None:
        """Leave presenter mode, show the controls and the live tab, and pause (by key)."""
        w = self.window
        if w.presenter_action.isChecked():
            self.key("F5", target=w)
        self.controls_visible()
        self.key("Alt+0", target=w)
        w.tabs.setFocus()
        self.wait(100)
        for _ in range(3):
            if not w.session.running:
                break
            self.key("Space", target=w)
            self.wait(300)
        self._check_dialogs()

    def visit_everything(self) -> None:
        """Open every tab once (a click on it) while training, and presenter mode on and off."""
        w = self.window
        self.key("Alt+0", target=w)
        self.key("Space", target=w)
        bar = w.tabs.tabBar()
        for i in range(1, bar.count()):
            self.click(bar, bar.tabRect(i).center())
            self.wait(1500)
        self.key("F5", target=w)
        self.wait(1000)
        self.key("F5", target=w)
        self.key("Alt+0", target=w)

    def reference_sample(self, t0: float, label: str, settle_s: float = 12.0) -> dict:
        """Put the window in one reference state (lesson network 16,16 after Reset, paused, live
        tab, normal mode, ``REFERENCE_SIZE``), wait ``settle_s`` (longer than the window's 10 s
        heap trim), and sample: two such samples compare like with like, whatever the random
        user left open (the window's size too: its backing store and every panel's cached
        pictures scale with it)."""
        self.settle()
        self.window.resize(*REFERENCE_SIZE)
        c = self.window.controls
        self.type_into(c.hidden_edit, "16,16")
        self.click(c.reset_button)
        self.wait(int(settle_s * 1000))
        row = dict(self.sample(t0), reference=label, since_launch_s=round(time.perf_counter() - LAUNCHED, 1))
        row["smaps"] = smaps_rollup()
        row["heap"] = heap_breakdown()
        row["large_arrays"] = large_arrays()
        census = qt_census()
        if self.censuses:
            row["census_growth"] = census_growth(self.censuses[-1], census)
            row["census_growth_since_first"] = census_growth(self.censuses[0], census)
        else:
            row["census"] = dict(census.most_common())
        self.censuses.append(census)
        if tracemalloc.is_tracing():  # the first and the latest, on disk: held, they would be RSS
            for old in self.heap_snapshots[1:]:
                os.unlink(old[1])
            del self.heap_snapshots[1:]
            fd, path = tempfile.mkstemp(prefix="gdviz-soak-heap-", suffix=".tracemalloc")
            os.close(fd)
            snap = tracemalloc.take_snapshot()
            row["numpy_blocks"] = numpy_blocks(snap)
            snap.dump(path)
            del snap
            self.heap_snapshots.append((label, path, object_counts()))
        return row

    def still_responds(self, timeout_s: float = 15.0) -> tuple[bool, str]:
        """Press → (focus on the tabs) and wait for that step to be shown; a 16 ms timer must fire."""
        from PySide6.QtCore import QTimer

        w = self.window
        fired = []
        QTimer.singleShot(16, lambda: fired.append(time.perf_counter()))
        t0 = time.perf_counter()
        while not fired and time.perf_counter() - t0 < timeout_s:
            self.wait(10)
        if not fired:
            return False, "a 16 ms timer did not fire"
        end = time.perf_counter() + timeout_s
        while time.perf_counter() < end and (w.session.running or w.session.busy):
            self.wait(50)
        before = w.last_snapshot.step if w.last_snapshot is not None else -1
        w.tabs.setFocus()
        self.key("Right", target=w.tabs)
        while time.perf_counter() < end:
            snap = w.last_snapshot
            if snap is not None and snap.step > before:
                return True, f"stepped from {before} to {snap.step}"
            self.wait(20)
        return False, f"→ did not step (still at {before})"

    def summary(self) -> dict:
        first = self.samples[0] if self.samples else {}
        last = self.samples[-1] if self.samples else {}
        return {"seed": self.seed, "actions": sum(self.counts.values()), "chosen": self.chosen,
                "by_action": dict(self.counts),
                "errors": list(self.errors), "logged_errors": list(self.logged_errors),
                "warnings": dict(self.warnings),
                "references": list(self.references),
                "window_rss_mb": {"start": first.get("window_rss_mb"), "end": last.get("window_rss_mb")},
                "training_rss_mb": {"start": first.get("training_rss_mb"), "end": last.get("training_rss_mb")}}


def warmed_up(samples: list, warmup_s: float) -> dict:
    """RSS after warm-up (first sample at or past ``warmup_s``) and at the end, and the growth."""
    after = next((s for s in samples if s["t_s"] >= warmup_s), samples[-1])
    end = samples[-1]
    out = {"warmup_s": warmup_s}
    for k in ("window_rss_mb", "training_rss_mb"):
        later = [s[k] for s in samples if s["t_s"] >= warmup_s and s[k] is not None]
        out[k] = {"start": samples[0][k], "after_warmup": after[k], "end": end[k],
                  "max_after_warmup": max(later) if later else None,
                  "growth_after_warmup": (round(end[k] - after[k], 1)
                                          if end[k] is not None and after[k] is not None else None)}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sample-every", type=float, default=15.0, help="seconds between memory samples")
    p.add_argument("--warmup", type=float, default=120.0, help="seconds before the flat-memory check starts")
    p.add_argument("--engine", choices=("process", "thread"), default=None)
    p.add_argument("--reference-every", type=float, default=None,
                   help="seconds between reference-state samples after the warm-up (default: only at the end)")
    p.add_argument("--no-big", action="store_true", help="leave out the 100 and 1024-neuron networks")
    p.add_argument("--leave-out", default="", metavar="A,B",
                   help="actions the user never does, to find which one grows memory: "
                        "space, right, shift_right, reset, view_key, tab_click, alt_view, type_lr, "
                        "presenter, network, batch, resize, draw, wait")
    p.add_argument("--no-trim", action="store_true", help="stop the window's heap trimming (to compare)")
    p.add_argument("--trace-malloc", type=int, default=0, metavar="FRAMES",
                   help="trace Python allocations (FRAMES frames deep) and print what grew between "
                        "the reference states after warm-up and at the end (slows the window)")
    p.add_argument("--json-out", default=None)
    a = p.parse_args(argv)
    if a.trace_malloc:
        tracemalloc.start(a.trace_malloc)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="gdviz-soak-config-")  # never the user's settings
    from gdviz.qt.app import ensure_app

    app = ensure_app()
    from gdviz.qt.window import MainWindow

    window = MainWindow(engine=a.engine)
    if a.no_trim and getattr(window, "_trim_timer", None) is not None:
        window._trim_timer.stop()
    window.resize(*REFERENCE_SIZE)
    window.show()
    window.activateWindow()
    soak = Soak(window, seed=a.seed, big_networks=not a.no_big,
                leave_out=tuple(n.strip() for n in a.leave_out.split(",") if n.strip()))
    warmup = min(a.warmup, a.minutes * 60.0 / 2)
    soak.wait(500)
    summary = soak.run(a.minutes * 60.0, sample_every=a.sample_every, reference_at=warmup,
                       reference_every=a.reference_every,
                       on_sample=lambda row: print(json.dumps(row), flush=True))
    ok, how = soak.still_responds()
    summary["still_responds"] = ok
    summary["responds"] = how
    summary["memory"] = warmed_up(soak.samples, warmup)
    if len(soak.references) >= 2:
        a_, b_ = soak.references[0], soak.references[-1]
        summary["memory"]["reference_state"] = {
            k: {"after_warmup": a_[k], "end": b_[k],
                "growth": round(b_[k] - a_[k], 1) if a_[k] is not None and b_[k] is not None else None}
            for k in ("window_rss_mb", "training_rss_mb")}
    tracemalloc.stop()
    if len(soak.heap_snapshots) >= 2:
        summary["heap_growth"] = heap_growth(soak.heap_snapshots[0], soak.heap_snapshots[-1])
    for _label, path, _counts in soak.heap_snapshots:
        os.unlink(path)
    summary["samples"] = soak.samples
    window.close()
    app.processEvents()
    print(json.dumps({k: v for k, v in summary.items() if k != "samples"}, indent=1))
    if a.json_out:
        with open(a.json_out, "w") as fh:
            json.dump(summary, fh, indent=1)
    return 0 if ok and not summary["errors"] and not summary["logged_errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
