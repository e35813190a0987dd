"""The maths with live numbers, driven through the real window with the mouse: pointing
at a hidden neuron, an output bar, a first-layer pixel or a deeper-layer cell shows its
formula with the numbers of the snapshot on screen; in presenter mode a click keeps it,
it follows training, and a click elsewhere or Escape lets go; at 1280x720 the card is
whole and inside its panel."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QPointF, QRect, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gdviz.qt.maths_readout import CARD_PT, SMALLEST  # noqa: E402
from gdviz.qt.presenter import PRESENTER_SCALE  # noqa: E402
from gdviz.training.explain import number  # noqa: E402
from layout_check import clipped_texts  # noqa: E402

WAIT = 20_000


@pytest.fixture(scope="module")
def window(qapp, tiny):
    from gdviz.qt.window import MainWindow

    win = MainWindow(tiny, engine="thread")
    win.resize(1280, 720)
    win.show()
    QTest.qWaitForWindowExposed(win)
    win.initial_splits()
    _steps(win, 25)
    yield win
    win.set_presenter_mode(False)
    win.close()


def _steps(win, n: int):
    """Train ``n`` more steps and wait until the window shows them."""
    target = (win.last_snapshot.step if win.last_snapshot is not None else 0) + n
    win.session.step(n)
    waited = 0
    while (win.last_snapshot is None or win.last_snapshot.step < target) and waited < WAIT:
        QTest.qWait(20)
        waited += 20
    assert win.last_snapshot.step == target
    _settle(win)
    return win.last_snapshot


def _settle(win, n: int = 3) -> None:
    for _ in range(n):
        win.render(win.last_snapshot)
        QApplication.processEvents()
        QTest.qWait(10)


@pytest.fixture
def win(window):
    """The window in normal mode, the live tab shown, nothing selected, the mouse away."""
    if window.presenter.active:
        QTest.keyClick(window, Qt.Key.Key_F5)
    window.show_view("live")
    window.set_weights_mode("weights")
    window.resize(1280, 720)
    window.initial_splits()
    window.live.maths.clear()
    QTest.mouseMove(window.statusBar())
    _settle(window)
    yield window
    window.live.maths.clear()


def _point(panel, vb, x: float, y: float) -> QPoint:
    """Data point (x, y) of view box ``vb`` in pixels of ``panel.canvas``'s viewport."""
    return panel.canvas.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


def move(panel, vb, x: float, y: float) -> str:
    QTest.qWait(15)  # pyqtgraph drops moves closer than 10 ms (its mouseRateLimit)
    QTest.mouseMove(panel.canvas.viewport(), _point(panel, vb, x, y))
    QApplication.processEvents()
    return panel.maths.text()


def click(panel, vb, x: float, y: float) -> str:
    p = _point(panel, vb, x, y)
    QTest.qWait(15)
    QTest.mouseMove(panel.canvas.viewport(), p)
    QTest.mouseClick(panel.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)
    QApplication.processEvents()
    return panel.maths.text()


def _printed_activation(text: str) -> float:
    """The a at the end of the card's equation line."""
    return float(text.splitlines()[0].rsplit(" = ", 1)[1].replace("−", "-"))


def _largest_pixels(snap, j: int) -> list[str]:
    """The three pixels with the largest |w·x| into first-layer neuron j, computed here."""
    W = np.asarray(snap.theta[:784 * 16], np.float64).reshape(16, 784)
    x = snap.example_image.astype(np.float64) / 255
    order = np.argsort(-np.abs(W[j] * x), kind="stable")[:3]
    return [f"({k // 28}, {k % 28})" for k in order]


def _in_sight(widget, inside) -> bool:
    """``widget`` is shown and wholly inside the visible part of ``inside``."""
    if widget.isHidden() or not widget.isVisible():
        return False
    top_left = widget.mapTo(inside, QPoint(0, 0))
    return inside.visibleRegion().boundingRect().contains(QRect(top_left, widget.size()))


# ---------------------------------------------------------------- hover
def test_pointing_at_a_hidden_neuron_shows_its_sum_with_the_numbers(win):
    act = win.activations
    snap = win.last_snapshot
    for layer, j in ((1, 6), (2, 11)):
        text = move(act, act.plots[layer - 1].getViewBox(), j, 0.5)
        assert text.startswith(f"hidden layer {layer}, neuron {j}:  a = σ(Σ wₖaₖ + b) = σ("), text
        assert _printed_activation(text) == pytest.approx(float(snap.example_activations[layer - 1][j]),
                                                          abs=5e-4)
    text = move(act, act.plots[0].getViewBox(), 3, 0.9)
    assert text.splitlines()[1] == "largest terms from pixels " + ", ".join(_largest_pixels(snap, 3))
    assert _in_sight(act.maths.card, act)
    QTest.mouseMove(win.statusBar())  # the pointer leaves the plot: the card goes
    QApplication.processEvents()
    assert act.maths.text() == ""


def test_pointing_at_an_output_bar_shows_its_cost_term(win):
    out = win.output_panel
    snap = win.last_snapshot
    label = snap.example_label
    for d in (label, (label + 3) % 10):
        for plot, y in ((out.out_plot, 0.5), (out.term_plot, 0.0)):
            text = move(out, plot.getViewBox(), d, y)
            term = float(snap.example_cost_terms[d])
            a = float(snap.example_activations[-1][d])
            assert f"(a − y)² = ({a:.3f} − {int(d == label)})² = {number(term)}" in text, text
            assert text.startswith(f"output {d}")
    assert out.status.text().startswith("Pin a test digit")  # the pin hint stays where it was


@pytest.mark.parametrize("mode", ["weights", "gradient", "delta"])
def test_pointing_at_a_weight_shows_w_and_minus_gradient_in_every_mode(win, mode):
    QTest.keyClick(win, {"weights": Qt.Key.Key_1, "gradient": Qt.Key.Key_2, "delta": Qt.Key.Key_3}[mode],
                   Qt.KeyboardModifier.ControlModifier)
    _settle(win)
    hw, dl = win.hidden_weights, win.deeper_layers
    assert hw.mode() == mode and dl.mode() == mode
    snap = win.last_snapshot
    g = hw.geometry
    r0, c0 = g.tile_origin(5)
    text = move(hw, hw.view, c0 + 14.5, r0 + 9.5)
    i = 5 * 784 + 9 * 28 + 14
    assert text.startswith(f"weight from pixel (9, 14) to hidden layer 1, neuron 5: w = {number(snap.theta[i])};"
                           f"  −∂C/∂w = {number(-snap.grad[i], sign=True)}"), text
    assert ("Δw = " in text) == (mode == "delta")
    vb = dl.plots[1].getViewBox()
    text = move(dl, vb, 4.5, 7.5)
    k = 784 * 16 + 16 + 16 * 16 + 16 + 7 * 16 + 4
    assert text.startswith(f"weight from layer 2, neuron 4 to output 7: w = {number(snap.theta[k])};"
                           f"  −∂C/∂w = {number(-snap.grad[k], sign=True)}"), text
    text = move(dl, vb, 16 + dl.BIAS_GAP + 0.5, 2.5)
    b = 784 * 16 + 16 + 16 * 16 + 16 + 10 * 16 + 2
    assert text.startswith(f"bias of output 2: b = {number(snap.theta[b])};")


# ---------------------------------------------------------------- presenter: click to keep
def test_presenter_click_keeps_the_card_it_follows_training_and_escape_lets_go(win):
    QTest.keyClick(win, Qt.Key.Key_F5)
    assert win.presenter.active
    _settle(win)
    act = win.activations
    vb = act.plots[0].getViewBox()
    text = click(act, vb, 6, 0.5)
    assert act.maths.selected == (1, 6)
    assert act.maths.card.font().pointSizeF() == pytest.approx(CARD_PT * PRESENTER_SCALE, rel=0.02)
    marker = act.maths._marker
    assert marker is not None and marker.isVisible()
    assert marker.rect().contains(QPointF(6, 0.5)) and not marker.rect().contains(QPointF(5, 0.5))
    QTest.mouseMove(win.statusBar())  # the presenter's pointer wanders off: the card stays
    QApplication.processEvents()
    assert act.maths.text() == text and _in_sight(act.maths.card, act)

    before = win.last_snapshot
    after = _steps(win, 3)  # training goes on: the card is re-evaluated from the new snapshot
    assert after.step == before.step + 3
    text = act.maths.text()
    assert _printed_activation(text) == pytest.approx(float(after.example_activations[0][6]), abs=5e-4)
    assert text.startswith("hidden layer 1, neuron 6:")

    out = win.output_panel
    click(out, out.out_plot.getViewBox(), 2, 0.5)  # a click on another item moves the selection
    assert out.maths.selected == 2 and act.maths.selected is None and act.maths.text() == ""
    assert act.maths._marker is None
    QTest.mouseMove(win.statusBar())
    QApplication.processEvents()
    assert out.maths.text().startswith("output 2: a = ")  # still selected
    QTest.keyClick(win, Qt.Key.Key_Escape)
    assert out.maths.selected is None and out.maths.text() == ""

    hw = win.hidden_weights
    r0, c0 = hw.geometry.tile_origin(2)
    click(hw, hw.view, c0 + 10.5, r0 + 12.5)
    assert hw.maths.selected == ("w", 2, 12 * 28 + 10)
    assert hw.maths.text().startswith("weight from pixel (12, 10) to hidden layer 1, neuron 2")
    click(hw, hw.view, -0.4, -1.2)  # a click on no item (the margin) lets go
    assert hw.maths.selected is None and hw.maths.text() == ""


# ---------------------------------------------------------------- layout at 1280x720
@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
def test_cards_are_whole_and_inside_their_panel_at_1280x720(win, presenter):
    if presenter:
        QTest.keyClick(win, Qt.Key.Key_F5)
        _settle(win)
    act, out, hw, dl = win.activations, win.output_panel, win.hidden_weights, win.deeper_layers
    g = hw.geometry
    tiles = [(c + dx, r + dy) for (r, c) in map(g.tile_origin, (0, g.cols + 1, g.n - 1))
             for dx, dy in ((0.5, 0.5), (27.5, 27.5))]
    places = [
        (act, act.plots[0].getViewBox(), 15, 0.5), (act, act.plots[1].getViewBox(), 0, 0.5),
        (out, out.out_plot.getViewBox(), 9, 0.5), (out, out.term_plot.getViewBox(), 0, 0.0),
        *[(hw, hw.view, x, y) for x, y in tiles],
        (dl, dl.plots[0].getViewBox(), 0.5, 0.5), (dl, dl.plots[1].getViewBox(), 15.5, 9.5),
    ]
    clicked = set()
    for panel, vb, x, y in places:
        if not panel.canvas.viewport().visibleRegion().contains(_point(panel, vb, x, y)):
            continue  # (scrolled out of sight)
        clicked.add(panel.objectName())
        text = click(panel, vb, x, y)
        assert text and panel.maths.selected is not None, (panel.objectName(), x, y)
        card = panel.maths.card
        assert _in_sight(card, panel), (panel.objectName(), card.geometry(), panel.visibleRegion().boundingRect())
        assert card.heightForWidth(card.width()) <= card.height()
        assert card.font().pointSizeF() >= SMALLEST * (PRESENTER_SCALE if presenter else 1) - 0.01
        problems = clipped_texts(win.live)
        assert problems == [], problems
    assert clicked == {"activations", "output", "hidden_weights", "deeper_layers"}


def test_escape_in_a_text_field_stays_the_fields_and_elsewhere_lets_go(win):
    act = win.activations
    click(act, act.plots[0].getViewBox(), 4, 0.5)
    assert act.maths.selected == (1, 4)
    field = win.controls.lr_edit
    before = field.text()
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "7")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)  # where the keyboard sends it
    assert field.text() == before  # the field put its value back...
    assert act.maths.selected == (1, 4)  # ...and the card is still kept
    QTest.keyClick(QApplication.focusWidget() or win, Qt.Key.Key_Escape)
    assert act.maths.selected is None
