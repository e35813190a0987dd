"""Fixtures for the window's tests: main windows driven as a person drives them."""

from __future__ import annotations

import pytest

WAIT_MS = 15_000


@pytest.fixture
def make_window(qtbot, tiny):
    """``make_window(dataset=None, config=None, size=None, **kw)``: a shown, active
    MainWindow on ``dataset`` (default ``tiny``; ``kw`` to MainWindow), resized to
    ``size`` if given, with its first snapshot in. The test starts with empty settings;
    each window is closed at teardown and its worker thread checked stopped."""
    pytest.importorskip("pytestqt")
    from PySide6.QtCore import QSettings

    from gdviz.qt.window import MainWindow

    QSettings("gdviz", "gdviz").clear()  # a fresh start: nothing remembered
    made = []

    def make(dataset=None, config=None, size=None, **kw):
        win = MainWindow(tiny if dataset is None else dataset, config, **kw)
        qtbot.addWidget(win)
        if size is not None:
            win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        win.activateWindow()
        qtbot.waitUntil(lambda: win.last_snapshot is not None, timeout=WAIT_MS)
        made.append(win)
        return win

    yield make
    for win in made:
        win.close()
        assert not win.thread.isRunning()
        assert win.thread.isFinished()


@pytest.fixture
def window(make_window):
    """A 1280×720 main window on ``tiny`` with training in a thread (the process engine
    has its own tests)."""
    return make_window(size=(1280, 720), engine="thread")
