"""Helpers shared by the GUI tests: a trained session, keys and typing as a person
gives them, and "is this widget drawn?"."""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gdviz.training.config import TrainConfig
from gdviz.training.session import TrainingSession


def trained(dataset, steps: int = 20, **config):
    """A session on ``dataset`` after ``steps`` synchronous updates, and its snapshot."""
    s = TrainingSession(dataset, TrainConfig(**config))
    for _ in range(steps):
        s.train_step()
    return s, s.snapshot()


def key(qtbot, k, mod=Qt.KeyboardModifier.NoModifier):
    """A key press where the user's keyboard sends it: to the widget that has the focus."""
    qtbot.keyClick(QApplication.focusWidget() or QApplication.activeWindow(), k, mod)


def type_lr(qtbot, window, text):
    """Click the η field, select it, type ``text`` and press Return (which gives the keys back)."""
    edit = window.controls.lr_edit
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    key(qtbot, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is not edit


def wait_idle(qtbot, win, timeout: int = 15_000):
    """Until the session is paused and the window shows it; the snapshot shown."""
    qtbot.waitUntil(lambda: not win.session.running and win.last_snapshot is not None
                    and not win.last_snapshot.running
                    and win.last_snapshot.step == win.session.step_count, timeout=timeout)
    return win.last_snapshot


def render_until(qtbot, view, snap, result: str, timeout: int = 15_000, **want):
    """Render ``snap`` in ``view`` until ``view.<result>`` (what it shows) is of ``snap``'s
    run and step, with the attribute values ``want``; return it."""
    def done():
        view.render(snap)
        r = getattr(view, result)
        return (r is not None and r.step == snap.step and r.run_id == snap.run_id
                and all(getattr(r, k) == v for k, v in want.items()))

    qtbot.waitUntil(done, timeout=timeout)
    return getattr(view, result)


def pixels(widget) -> np.ndarray:
    """The widget grabbed as an ``(h, w, 3)`` uint8 array, channels B, G, R (Format_RGB32's bytes)."""
    img = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes())
    return buf.reshape(h, img.bytesPerLine() // 4, 4)[:, :w, :3].copy()


def assert_drawn(widget, min_colours: int = 20, min_std: float = 10.0) -> None:
    """Fail when the grabbed widget is blank: too few colours or too little contrast."""
    px = pixels(widget)
    colours = np.unique(px.reshape(-1, 3), axis=0)
    assert len(colours) > min_colours, f"only {len(colours)} colours: blank?"
    assert px.std() > min_std


def drawn_tick_labels(axis) -> list[str]:
    """The tick labels a pyqtgraph axis actually paints now (after its own fitting)."""
    from PySide6 import QtGui as _QtGui

    img = _QtGui.QImage(8, 8, _QtGui.QImage.Format.Format_ARGB32)
    painter = _QtGui.QPainter(img)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [text for _, _, text in specs[2]]


def shown_numbers(qtbot, axis, at_least: int = 2, timeout: int = 2000) -> list[float]:
    """The numbers an axis paints, once it paints ``at_least`` of them (it may need a
    repaint to widen for its labels)."""
    qtbot.waitUntil(lambda: len(drawn_tick_labels(axis)) >= at_least, timeout=timeout)
    return [float(t.replace("−", "-")) for t in drawn_tick_labels(axis)]


def settle(qtbot, counted: list, quiet_rounds: int = 3, timeout: int = 10_000) -> None:
    """Process events until ``counted`` (a list a monkeypatched method appends to) stops
    growing for ``quiet_rounds`` rounds of 30 ms: the first layout and paints are done,
    however late a loaded machine delivers them. Counting starts after this."""
    quiet = 0

    def still():
        nonlocal quiet
        n = len(counted)
        qtbot.wait(30)
        quiet = quiet + 1 if len(counted) == n else 0
        return quiet >= quiet_rounds

    qtbot.waitUntil(still, timeout=timeout)
