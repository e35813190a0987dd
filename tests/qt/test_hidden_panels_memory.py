"""A panel or view the person has hidden lets go of a run the window left (#11's soak: a hidden
first-layer weights panel and the hidden Draw view kept a 784-1024-10 network's snapshot and
mosaic, ~40 MB, until shown again); shown again, it draws the run now."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from qt_helpers import key

WAIT = 15_000


@pytest.fixture
def window(make_window):
    return make_window(size=(1280, 720))


def _panel_action(window, title: str) -> QAction:
    return next(a for a in window.findChildren(QAction) if a.text() == title)


def _new_network(qtbot, window, hidden: str) -> None:
    """Type a hidden-layer size and press Ctrl+R, as a person does; wait for its first snapshot."""
    c = window.controls
    qtbot.mouseClick(c.hidden_edit, Qt.MouseButton.LeftButton)
    c.hidden_edit.selectAll()
    qtbot.keyClicks(c.hidden_edit, hidden)
    key(qtbot, Qt.Key.Key_Return)
    key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    want = tuple(int(h) for h in hidden.split(","))
    qtbot.waitUntil(lambda: window.last_snapshot.sizes[1:-1] == want, timeout=WAIT)


def test_a_hidden_live_panel_lets_go_of_the_old_run(qtbot, window):
    panel = window.panels["hidden_weights"]
    _new_network(qtbot, window, "64")
    qtbot.waitUntil(lambda: panel._snap is window.last_snapshot, timeout=WAIT)
    old = window.last_snapshot.run_id
    _panel_action(window, "First-layer weights").trigger()  # View ▸ Panels: hidden
    assert not window.frames_by_panel["hidden_weights"].isVisible()
    _new_network(qtbot, window, "20")
    assert window.last_snapshot.run_id != old
    assert panel._snap is None and panel.maths.snap is None
    assert panel._tiles is None and panel._bufs == [] and panel.image.image is None
    assert "hidden_weights" not in window._shown
    for name in ("deeper_layers", "activations", "output"):  # shown: they draw the new run
        qtbot.waitUntil(lambda name=name: window.panels[name]._snap is window.last_snapshot, timeout=WAIT)

    _panel_action(window, "First-layer weights").trigger()  # shown again: the run now
    qtbot.waitUntil(lambda: panel._snap is not None and panel._snap.run_id == window.last_snapshot.run_id,
                    timeout=WAIT)
    assert panel.image.image is not None and panel.geometry.n == 20


def test_the_hidden_draw_view_lets_go_of_the_old_run(qtbot, window):
    from gdviz.qt.views.draw import DrawView

    key(qtbot, Qt.Key.Key_7, Qt.KeyboardModifier.AltModifier)  # Draw a digit
    view = window.current_view()
    assert isinstance(view, DrawView)
    qtbot.waitUntil(lambda: view.snap is not None, timeout=WAIT)
    old = view.snap.run_id
    key(qtbot, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)  # the live network; Draw is hidden
    _new_network(qtbot, window, "24")
    assert window.last_snapshot.run_id != old
    assert view.snap is None
    key(qtbot, Qt.Key.Key_7, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: view.snap is not None and view.snap.run_id == window.last_snapshot.run_id,
                    timeout=WAIT)


def test_the_hidden_gradient_view_lets_go_of_the_old_run(qtbot, window):
    """−∇C embeds the first-layer and deeper-layer panels: hidden, they let go with the view."""
    from gdviz.qt.views.gradient import GradientView

    key(qtbot, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # −∇C
    view = window.current_view()
    assert isinstance(view, GradientView)
    qtbot.waitUntil(lambda: view.first._snap is not None and view.deeper._snap is not None, timeout=WAIT)
    old = view.first._snap.run_id
    key(qtbot, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)  # the live network; −∇C is hidden
    _new_network(qtbot, window, "24")
    assert window.last_snapshot.run_id != old
    assert view.first._snap is None and view.deeper._snap is None
    assert view.first._tiles is None and view.first.image.image is None
    key(qtbot, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: view.first._snap is not None
                    and view.first._snap.run_id == window.last_snapshot.run_id, timeout=WAIT)
    assert view.first.geometry.n == 24


def test_no_canvas_keeps_a_picture_of_its_background(qtbot, window):
    """pyqtgraph caches a canvas's background in a pixmap of the canvas's size and keeps it while
    the canvas is hidden: the soak's heap profile found 8-12 of them, ~20 MB, sized by whatever
    the window last was. Every canvas of every view (each shown once) fills its background instead."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QGraphicsView

    for digit in range(1, window.tabs.count()):
        key(qtbot, getattr(Qt.Key, f"Key_{digit}"), Qt.KeyboardModifier.AltModifier)
        qtbot.wait(50)
    key(qtbot, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)
    canvases = window.findChildren(pg.GraphicsView)
    assert len(canvases) >= 15
    cached = [type(c.parentWidget()).__name__ for c in canvases
              if c.cacheMode() != QGraphicsView.CacheModeFlag.CacheNone]
    assert cached == []


def test_the_hidden_gd_vs_sgd_view_lets_go_of_the_old_run(qtbot, window):
    """GD vs SGD keeps its last comparison (two θ-sized gradients) and shows one neuron's tiles;
    hidden while the window moves on, it holds neither (the soak's heap profile found 12 MB of a
    784-1024-10 run kept there: the comparison, and tiles that were views of a negated layer)."""
    from gdviz.qt.views.sgd_vs_gd import SgdVsGdView

    key(qtbot, Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)  # GD vs SGD
    view = window.current_view()
    assert isinstance(view, SgdVsGdView)
    key(qtbot, Qt.Key.Key_Space)  # run: a comparison needs a step
    qtbot.waitUntil(lambda: view.comparison is not None and view.batch_tile.image is not None, timeout=WAIT)
    n_params = view.comparison.full.size
    for tile in (view.batch_tile, view.full_tile):  # a tile owns its pixels: it pins no layer
        assert tile.image.base is None or tile.image.base.size == tile.image.size
    key(qtbot, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)  # the live network; GD vs SGD is hidden
    key(qtbot, Qt.Key.Key_Space)
    _new_network(qtbot, window, "24")
    assert window.last_snapshot.n_params != n_params
    assert view.comparison is None
    assert view.batch_tile.image is None and view.full_tile.image is None
    key(qtbot, Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)  # shown again: it measures the run now
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.comparison is not None and view.comparison.full.size
                    == window.last_snapshot.n_params, timeout=WAIT)
