"""The window at the sizes people present at (1280x720, 1366x768, 1920x1080), in
normal and in presenter mode (F5 pressed as a person does): no text of the live
tab, the controls, the tab bar or the status bar is clipped, and the key
read-outs (the answer, "Cost of this example", η, step, accuracy) are on screen
on every tab."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QRect, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from layout_check import clipped_texts  # noqa: E402

SIZES = ((1280, 720), (1366, 768), (1920, 1080))
WAIT = 20_000


@pytest.fixture(scope="module")
def window(qapp, tiny):
    from gdviz.qt.window import MainWindow

    win = MainWindow(tiny, engine="thread")
    win.show()
    win.session.step(25)
    end = 0
    while (win.last_snapshot is None or win.last_snapshot.step < 25) and end < WAIT:
        QApplication.processEvents()
        QTest.qWait(20)
        end += 20
    yield win
    win.set_presenter_mode(False)
    win.close()


def _settle(win, n: int = 4) -> None:
    for _ in range(n):
        win.render(win.last_snapshot)
        QApplication.processEvents()
        QTest.qWait(10)


def _in_sight(win, widget) -> bool:
    """Shown, not squeezed, and wholly inside the window."""
    if not widget.isVisible() or widget.width() < 8 or widget.height() < 8:
        return False
    top_left = widget.mapTo(win, widget.rect().topLeft())
    return win.rect().contains(QRect(top_left, widget.size()))


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_nothing_clipped_and_read_outs_in_sight(window, size, presenter):
    win = window
    if win.presenter.active:
        QTest.keyClick(win, Qt.Key.Key_F5)  # leave presenter mode before resizing, as a person would
    win.show_view("live")
    win.resize(*size)
    _settle(win)
    win.initial_splits()
    if presenter:
        QTest.keyClick(win, Qt.Key.Key_F5)
        assert win.presenter.active
    _settle(win)
    parts = [win.live, win.statusBar(), win.tabs.tabBar()]
    if win.controls_dock.isVisible():
        parts.append(win.controls_dock)
    problems = [p for part in parts for p in clipped_texts(part)]
    assert problems == [], f"{size} {'presenter' if presenter else 'normal'}: " + "; ".join(problems)
    out = win.output_panel
    assert _in_sight(win, out.answer) and out.answer.text().startswith("answer")
    status = win.status
    for tab in ("live", "gradient", "generalisation"):
        win.show_view(tab)
        _settle(win, 2)
        for label in (status.step, status.lr, status.accuracy):
            assert _in_sight(win, label), (tab, label.text())
        assert status.lr.text() == f"η = {win.last_snapshot.lr:g}"
    win.show_view("live")
    _settle(win)
    if win.controls_dock.isVisible():
        assert _in_sight(win, win.controls.lr_edit)
