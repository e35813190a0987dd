"""Fixtures for the teaching views' tests: a view shown on its own, and a main window
driven like a user drives it."""

from __future__ import annotations

import pytest


@pytest.fixture
def lesson_window(make_window):
    """A shown, active 1280×720 main window on ``tiny`` with its first snapshot in."""
    return make_window(size=(1280, 720))


@pytest.fixture
def show_view(qtbot):
    """``show_view(name, size=(1350, 850))``: the teaching view ``name`` created, resized,
    shown and exposed; shut down at teardown."""
    pytest.importorskip("pytestqt")
    from gdviz.qt.views import create_view

    made = []

    def show(name: str, size=(1350, 850)):
        v = create_view(name)
        qtbot.addWidget(v)
        v.resize(*size)
        v.show()
        qtbot.waitExposed(v)
        made.append(v)
        return v

    yield show
    for v in made:
        v.shutdown()
