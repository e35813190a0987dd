"""Fixtures for the teaching views' tests: a main window driven like a user drives it."""

from __future__ import annotations

import pytest

WAIT_MS = 15_000


@pytest.fixture
def lesson_window(qtbot, tiny):
    """A shown, active main window on the ``tiny`` dataset with its first snapshot in;
    closed (and its worker thread checked) at teardown."""
    pytest.importorskip("pytestqt")
    from gdviz.qt.window import MainWindow

    win = MainWindow(tiny)
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.last_snapshot is not None, timeout=WAIT_MS)
    yield win
    win.close()
    assert not win.thread.isRunning()
