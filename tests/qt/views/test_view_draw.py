"""The Draw view: a stroke drawn with the mouse becomes the MNIST-like input
shown in the preview, and the bars are the network's answer to exactly that."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6 import QtCore  # noqa: E402

from gdviz.core import Network, to_unit  # noqa: E402
from gdviz.data.drawing import center_of_mass, preprocess_drawing, render_strokes  # noqa: E402
from gdviz.training.snapshot import frozen  # noqa: E402
from qt_helpers import pixels, trained as _trained  # noqa: E402

LEFT = QtCore.Qt.MouseButton.LeftButton
SEVEN = [(70, 60), (200, 60), (190, 90), (140, 170), (115, 240)]  # canvas pixels (280×280)


@pytest.fixture
def view(show_view):
    return show_view("draw", (1030, 650))


def trained(dataset, steps: int = 60, **config):
    return _trained(dataset, steps, **config)
def draw(qtbot, canvas, points, moves_per_segment: int = 6) -> None:
    """Press at the first point, move through the others, release (canvas pixels)."""
    qtbot.mousePress(canvas, LEFT, pos=canvas.to_widget(*points[0]).toPoint())
    for a, b in pairwise(points):
        for t in np.linspace(0, 1, moves_per_segment + 1)[1:]:
            p = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
            qtbot.mouseMove(canvas, canvas.to_widget(*p).toPoint())
    qtbot.mouseRelease(canvas, LEFT, pos=canvas.to_widget(*points[-1]).toPoint())


def forward(snap, image):
    net = Network(snap.sizes, snap.activation, snap.cost_name)
    return net.forward(to_unit(np.asarray(image)[None, :], net.dtype), snap.theta)


def test_a_drawn_stroke_becomes_the_centred_input_and_the_answer(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    view.render(snap)
    assert view.answer is None and not view.input.any()
    draw(qtbot, view.canvas, SEVEN)
    canvas = view.canvas
    assert len(canvas.strokes) == 1 and len(canvas.strokes[0]) > len(SEVEN)
    # the model canvas is the stroke rasterised by render_stroke (incrementally = all at once)
    np.testing.assert_array_equal(canvas.ink, render_strokes(canvas.strokes, 280, 280 / 13))
    # the preview is preprocess_drawing of that canvas, centred like MNIST
    expected = preprocess_drawing(canvas.ink)
    np.testing.assert_array_equal(view.input, expected)
    np.testing.assert_array_equal(view.preview.image, expected.reshape(28, 28))
    cy, cx = center_of_mass(view.input.reshape(28, 28))
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    # the bars are the network's forward pass of that input at θ of the snapshot
    acts = forward(snap, expected)
    out = acts[-1][0]
    np.testing.assert_allclose(view.bars.opts["height"], out, rtol=1e-6)
    assert view.answer == int(np.argmax(out))
    assert str(view.answer) in view.answer_label.text()
    for got, want in zip(view.hidden.values, acts[1:-1]):
        np.testing.assert_allclose(got, want[0], rtol=1e-6)
    assert [v.size for v in view.hidden.values] == [16, 16]
    qtbot.wait(10)
    colours = np.unique(pixels(view).reshape(-1, 3), axis=0)
    assert len(colours) > 20


def test_new_weights_change_the_answer_live(qtbot, view, tiny):
    s, snap = trained(tiny, steps=5)
    view.set_context(s, tiny)
    view.render(snap)
    draw(qtbot, view.canvas, SEVEN)
    for _ in range(80):
        s.train_step()
    snap2 = s.snapshot()
    view.render(snap2)
    np.testing.assert_allclose(view.bars.opts["height"], forward(snap2, view.input)[-1][0], rtol=1e-6)


def test_clear_and_right_click_empty_the_canvas(qtbot, view, tiny):
    s, snap = trained(tiny, steps=5)
    view.set_context(s, tiny)
    view.render(snap)
    draw(qtbot, view.canvas, SEVEN)
    assert view.input.any() and view.answer is not None
    view.clear_button.click()
    assert view.canvas.is_empty and not view.canvas.ink.any()
    assert not view.input.any() and not view.preview.image.any()
    assert view.answer is None and not np.any(view.bars.opts["height"])
    draw(qtbot, view.canvas, [(140, 40), (140, 240)])
    assert view.input.any()
    qtbot.mouseClick(view.canvas, QtCore.Qt.MouseButton.RightButton,
                     pos=view.canvas.to_widget(140, 140).toPoint())
    assert view.canvas.is_empty and not view.input.any() and view.answer is None


def test_other_networks_and_a_diverged_theta(qtbot, view, tiny):
    s, snap = trained(tiny, steps=5, hidden=(8, 30, 5), activation="relu")
    view.set_context(s, tiny)
    view.render(snap)
    draw(qtbot, view.canvas, SEVEN)
    assert [v.size for v in view.hidden.values] == [8, 30, 5]
    np.testing.assert_allclose(view.bars.opts["height"], forward(snap, view.input)[-1][0], rtol=1e-6)
    bad = replace(snap, theta=frozen(np.full(snap.theta.shape, np.nan, np.float32)), diverged=True)
    view.render(bad)
    assert view.answer is None and "not numbers" in view.second_label.text()
    view.render(snap)
    assert view.answer is not None
    qtbot.wait(10)
    view.grab()


def test_demo_draws_a_centred_seven(qtbot, tiny):
    from gdviz.data.drawing import center_of_mass
    from gdviz.qt.views.draw import DrawView
    from gdviz.training import LESSON, TrainingSession

    view = DrawView()
    qtbot.addWidget(view)
    s = TrainingSession(tiny, LESSON)
    view.set_context(s, tiny)
    view.render(s.snapshot())
    view.demo()
    assert not view.canvas.is_empty and view.input.max() == 255
    cy, cx = center_of_mass(view.input.reshape(28, 28))
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    view.shutdown()


class PaintRects(QtCore.QObject):
    """Records the rectangle of every paint event of a widget."""

    def __init__(self, widget):
        super().__init__()
        self.rects: list = []
        widget.installEventFilter(self)

    def eventFilter(self, obj, e):  # noqa: N802 - Qt's name
        if e.type() == QtCore.QEvent.Type.Paint:
            self.rects.append(e.rect())
        return False


def test_the_placeholder_goes_at_the_first_touch(qtbot, view, tiny):
    """The first dot repaints the whole surface: the placeholder text must not stay
    visible around the strokes (only the dot's own rectangle was repainted)."""
    s, snap = trained(tiny, steps=5)
    view.set_context(s, tiny)
    view.render(snap)
    canvas = view.canvas
    qtbot.wait(20)
    seen = PaintRects(canvas)
    frame = canvas.frame()[0].toAlignedRect()
    qtbot.mousePress(canvas, LEFT, pos=canvas.to_widget(40, 40).toPoint())
    qtbot.waitUntil(lambda: bool(seen.rects), timeout=2000)
    qtbot.wait(20)
    assert any(r.contains(frame) for r in seen.rects), seen.rects
    qtbot.mouseRelease(canvas, LEFT, pos=canvas.to_widget(40, 40).toPoint())
    seen.rects.clear()
    draw(qtbot, canvas, [(140, 60), (140, 100)])  # later strokes: only what they touch
    qtbot.waitUntil(lambda: bool(seen.rects), timeout=2000)
    qtbot.wait(20)
    assert not any(r.contains(frame) for r in seen.rects)


def test_the_footer_names_the_step_of_its_accuracy(qtbot, view, tiny):
    from gdviz.training.config import TrainConfig
    from gdviz.training.session import TrainingSession

    s = TrainingSession(tiny, TrainConfig(eval_every=5))
    for _ in range(7):
        s.train_step()
    snap = s.snapshot()
    view.set_context(s, tiny)
    view.render(snap)
    ev = snap.last_eval
    assert ev.step == 5
    assert "at step 7" in view.footer.text()
    assert f"test accuracy {100 * ev.test_accuracy:.1f} % at step 5" in view.footer.text()
