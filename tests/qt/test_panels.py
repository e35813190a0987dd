"""The visualisation panels: they draw something real, push exactly the right
data to their plot items, cope with any layer sizes and with a diverged θ, and
the pin strip asks for the right test digit."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402

from gdviz.qt import style  # noqa: E402
from gdviz.qt.activations import HiddenActivationsPanel  # noqa: E402
from gdviz.qt.output import OutputPanel, choose_strip  # noqa: E402
from gdviz.qt.weights import DeeperLayersPanel, HiddenWeightsPanel  # noqa: E402
from gdviz.training.config import TrainConfig  # noqa: E402
from gdviz.training.explain import number  # noqa: E402
from gdviz.training.session import TrainingSession  # noqa: E402
from gdviz.training.snapshot import frozen  # noqa: E402
from qt_helpers import assert_drawn as _assert_drawn, settle, trained  # noqa: E402


def assert_drawn(widget, min_colours: int = 20, min_std: float = 12.0) -> None:
    _assert_drawn(widget, min_colours, min_std)

PANELS = (HiddenWeightsPanel, DeeperLayersPanel, OutputPanel, HiddenActivationsPanel)


def show(qtbot, panel, w: int = 620, h: int = 480):
    qtbot.addWidget(panel)
    panel.resize(w, h)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def pixels(widget) -> np.ndarray:
    """The widget as drawn now, ``(h, w, 3)`` uint8."""
    img = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes())
    return buf.reshape(h, img.bytesPerLine() // 4, 4)[:, :w, :3].copy()


def hover(panel, view, x: float, y: float) -> str:
    """Move the mouse to view coordinates (x, y) of ``view``; return the maths card's text."""
    scene_pos = view.mapViewToScene(QtCore.QPointF(x, y))
    view.scene().sigMouseMoved.emit(scene_pos)
    return panel.maths.text()


# ============================================================== first layer
def test_hidden_weights_mosaic_shows_each_neuron(qtbot, tiny):
    _, snap = trained(tiny)
    p = show(qtbot, HiddenWeightsPanel())
    p.render(snap)
    W, b = style.layer_views(snap.theta, snap.sizes, 0)
    assert W.shape == (16, 784)
    for j in range(16):
        np.testing.assert_array_equal(p.tile(j), W[j].reshape(28, 28))
    lo, hi = p.image.getLevels()
    assert lo == -hi and hi > 0  # symmetric: zero is always the middle colour
    qtbot.wait(20)
    assert_drawn(p)

    g = p.geometry
    r0, c0 = g.tile_origin(3)
    text = hover(p, p.view, c0 + 5.5, r0 + 7.5)
    assert text.startswith(f"weight from pixel (7, 5) to hidden layer 1, neuron 3: "
                           f"w = {number(W[3, 7 * 28 + 5])};")
    G, _ = style.layer_views(snap.grad, snap.sizes, 0)
    assert f"−∂C/∂w = {number(-G[3, 7 * 28 + 5], sign=True)}" in text
    text = hover(p, p.view, c0 + 14, r0 + g.by - g.ty + 0.5)  # its bias bar
    assert text.startswith(f"bias of hidden layer 1, neuron 3: b = {number(b[3])};")


def test_hidden_weights_modes_show_minus_gradient_and_delta(qtbot, tiny):
    _, snap = trained(tiny)
    p = show(qtbot, HiddenWeightsPanel())
    p.render(snap)
    G, _ = style.layer_views(snap.grad, snap.sizes, 0)
    D, _ = style.layer_views(snap.delta, snap.sizes, 0)
    assert np.abs(G).max() > 0
    p.setMode("gradient")  # re-renders the last snapshot
    assert p.modes.mode() == "gradient"
    for j in (0, 7, 15):
        np.testing.assert_array_equal(p.tile(j), -G[j].reshape(28, 28))
    p.modes.buttons["delta"].click()  # the header toggle does the same
    assert p.mode() == "delta"
    np.testing.assert_array_equal(p.tile(2), D[2].reshape(28, 28))
    qtbot.wait(20)
    assert_drawn(p)
    with pytest.raises(ValueError):
        p.setMode("banana")


def test_hidden_weights_bias_bars_follow_the_sign(qtbot, tiny):
    _, snap = trained(tiny, steps=40)
    p = show(qtbot, HiddenWeightsPanel())
    p.render(snap)
    _, b = style.layer_views(snap.theta, snap.sizes, 0)
    g = p.geometry
    m, mb = p.image.getLevels()[1], p.bias_scale
    assert mb == pytest.approx(np.abs(b).max(), rel=1e-6)  # first frame: no smoothing yet
    for j in range(16):
        strip = p.bias_bar(j)
        filled = np.flatnonzero(strip != 0)
        # the filled part has b's colour on the ±mb scale, on b's side of the middle
        np.testing.assert_allclose(strip[filled], b[j] * m / mb, rtol=1e-5)
        assert (filled >= g.bw // 2).all() if b[j] > 0 else (filled < g.bw // 2).all()
        assert len(filled) == pytest.approx(abs(b[j]) / mb * g.bw / 2, abs=1.0)


def test_hidden_weights_grid_reflows_to_the_panel_shape(qtbot, tiny):
    _, snap = trained(tiny, steps=3)
    p = show(qtbot, HiddenWeightsPanel(), 900, 330)  # wide and short: 2 rows of 8
    p.render(snap)
    qtbot.wait(20)
    assert p.geometry.cols == 8
    p.resize(420, 700)  # tall and narrow: fewer columns
    qtbot.waitUntil(lambda: p.geometry.cols <= 4, timeout=2000)
    W, _ = style.layer_views(snap.theta, snap.sizes, 0)
    np.testing.assert_array_equal(p.tile(9), W[9].reshape(28, 28))


def test_hidden_weights_levels_are_smoothed(qtbot, tiny):
    s, snap = trained(tiny)
    p = show(qtbot, HiddenWeightsPanel())
    p.render(snap)
    first = p.image.getLevels()[1]
    # A sudden 10x jump of the weights moves the scale only part of the way.
    big = replace(snap, theta=frozen(snap.theta * 10))
    p.render(big)
    second = p.image.getLevels()[1]
    assert first < second < 10 * first


# ============================================================== deeper layers
def test_deeper_layers_show_each_matrix_and_bias(qtbot, tiny):
    _, snap = trained(tiny)
    p = show(qtbot, DeeperLayersPanel())
    p.render(snap)
    assert len(p.plots) == 2
    for i, (img_w, img_b) in enumerate(p.images):
        W, b = style.layer_views(snap.theta, snap.sizes, i + 1)
        np.testing.assert_array_equal(img_w.image, W)
        np.testing.assert_array_equal(img_b.image.ravel(), b)
    assert p.images[0][0].image.shape == (16, 16) and p.images[1][0].image.shape == (10, 16)
    qtbot.wait(20)
    assert_drawn(p)

    vb = p.plots[1].getViewBox()
    W2, b2 = style.layer_views(snap.theta, snap.sizes, 2)
    text = hover(p, vb, 4.5, 7.5)
    assert text.startswith(f"weight from layer 2, neuron 4 to output 7: w = {number(W2[7, 4])};")
    text = hover(p, vb, 16 + p.BIAS_GAP + 0.5, 2.5)
    assert text.startswith(f"bias of output 2: b = {number(b2[2])};")

    p.setMode("gradient")
    G, gb = style.layer_views(snap.grad, snap.sizes, 1)
    np.testing.assert_array_equal(p.images[0][0].image, -G)
    np.testing.assert_array_equal(p.images[0][1].image.ravel(), -gb)
    p.setMode("delta")
    D, _ = style.layer_views(snap.delta, snap.sizes, 2)
    np.testing.assert_array_equal(p.images[1][0].image, D)


# ============================================================== output
def test_output_panel_bars_targets_and_cost(qtbot, tiny):
    _, snap = trained(tiny)
    p = show(qtbot, OutputPanel())
    p.set_test_digits(tiny.test_images, tiny.test_labels)
    p.render(snap)
    a = snap.example_activations[-1]
    np.testing.assert_allclose(p.bars.opts["height"], a)
    y = np.zeros(10)
    y[snap.example_label] = 1
    np.testing.assert_array_equal(p.targets.opts["height"], y)
    np.testing.assert_allclose(p.term_bars.opts["height"], (a - y) ** 2, rtol=1e-6)
    cost = float(((a.astype(np.float64) - y) ** 2).sum())
    assert "Σ" in p.cost.text() and style.fmt(cost) in p.cost.text()
    assert p.answer.text() == f"answer: {int(np.argmax(a))}"
    np.testing.assert_array_equal(p.digit.image, snap.example_image.reshape(28, 28))
    assert snap.example_source in p.source.text()
    qtbot.wait(20)
    assert_drawn(p)
    text = hover(p, p.out_plot.getViewBox(), 3.1, 0.5)
    assert text.startswith(f"output 3: a = {a[3]:.3f}, desired y = {int(snap.example_label == 3)};")
    assert f"(a − y)² = ({a[3]:.3f} − " in text


def test_output_panel_says_cross_entropy(qtbot, tiny):
    _, snap = trained(tiny, cost="ce", lr=0.5)
    p = show(qtbot, OutputPanel())
    p.render(snap)
    a = snap.example_activations[-1]
    cost = -np.log(float(a[snap.example_label]))
    assert "cross-entropy" in p.cost.text()
    assert style.fmt(cost) in p.cost.text()
    np.testing.assert_allclose(p.term_bars.opts["height"].sum(), cost, rtol=1e-5)


def test_pin_strip_emits_the_test_index(qtbot, tiny):
    s, snap = trained(tiny)
    p = show(qtbot, OutputPanel())
    p.set_test_digits(tiny.test_images, tiny.test_labels)
    strip = p.strip_indices
    assert len(strip) == 12 and len(set(strip)) == 12
    assert [int(tiny.test_labels[i]) for i in strip[:10]] == list(range(10))
    assert strip == choose_strip(tiny.test_labels)  # deterministic
    for d, i in enumerate(strip[:10]):  # the first of each digit
        assert i == int(np.flatnonzero(tiny.test_labels == d)[0])

    with qtbot.waitSignal(p.pinRequested, timeout=1000) as sig:
        qtbot.mouseClick(p.thumbs[4], QtCore.Qt.MouseButton.LeftButton)
    assert sig.args == [strip[4]]
    assert p.thumbs[4].isChecked()
    with qtbot.waitSignal(p.pinRequested, timeout=1000) as sig:
        qtbot.mouseClick(p.follow, QtCore.Qt.MouseButton.LeftButton)
    assert sig.args == [-1]

    # The session pins it; the panel shows that digit and checks its thumbnail.
    s.pin_example(strip[7])
    s.train_step()
    pinned = s.snapshot()
    p.render(pinned)
    assert pinned.example_source == f"test digit #{strip[7]}"
    assert p.thumbs[7].isChecked() and not p.follow.isChecked()
    np.testing.assert_array_equal(p.digit.image.ravel(), tiny.test_images[strip[7]])
    p.render(snap)  # back to a training example
    assert p.follow.isChecked()


# ============================================================== activations
def test_hidden_activations_bars(qtbot, tiny):
    _, snap = trained(tiny)
    p = show(qtbot, HiddenActivationsPanel(), 520, 300)
    p.render(snap)
    assert len(p.bars) == 2
    for bar, a in zip(p.bars, snap.example_activations[:-1]):
        np.testing.assert_allclose(bar.opts["height"], a)
    qtbot.wait(20)
    assert_drawn(p)
    a1 = snap.example_activations[1]
    text = hover(p, p.plots[1].getViewBox(), 6.0, 0.5)
    assert text.startswith("hidden layer 2, neuron 6:  a = σ(Σ wₖaₖ + b) = σ(")
    assert f") = {a1[6]:.3f}\n" in text and "of layer 1" in text


# ============================================================== shapes, NaN
@pytest.mark.parametrize("hidden", [(5,), (100,), (32, 24, 16), ()])
def test_any_layer_sizes_render(qtbot, tiny, hidden):
    _, snap = trained(tiny, steps=5, hidden=hidden, activation="relu", lr=0.1)
    for cls in PANELS:
        p = show(qtbot, cls(), 560, 440)
        p.render(snap)
        p.render(snap)
        qtbot.wait(10)
        assert_drawn(p, min_colours=8, min_std=5.0)
    n = snap.sizes[1]
    w = HiddenWeightsPanel()
    show(qtbot, w, 520, 420)
    w.render(snap)
    g = w.geometry
    assert g.rows * g.cols >= n > (g.rows - 1) * g.cols  # no empty row
    if n > 64:
        assert g.cols == int(np.ceil(np.sqrt(n)))
    W, _ = style.layer_views(snap.theta, snap.sizes, 0)
    np.testing.assert_array_equal(w.tile(n - 1), W[n - 1].reshape(28, 28))
    qtbot.wait(20)
    scrolls = w.scroll.verticalScrollBar().maximum() > 0
    assert scrolls == (n > 64)
    d = DeeperLayersPanel()
    d.render(snap)
    assert len(d.plots) == max(0, len(hidden))


def test_network_resize_between_frames(qtbot, tiny):
    """A reset to other layer sizes rebuilds the items; the old ones are gone."""
    _, small = trained(tiny, steps=3, hidden=(9,))
    _, big = trained(tiny, steps=3, hidden=(16, 16))
    panels = [show(qtbot, cls()) for cls in PANELS]
    for snap in (small, big, small):
        for p in panels:
            p.render(snap)
    assert panels[0].geometry.n == 9 and len(panels[0]._labels) == 9
    assert len(panels[1].plots) == 1 and len(panels[3].bars) == 1
    assert panels[1].images[0][0].image.shape == (10, 9)


def test_non_square_inputs_show_strips(qtbot, tiny):
    from gdviz.data import Dataset

    ds = Dataset(name="strips", train_images=tiny.train_images[:, :300],
                 train_labels=tiny.train_labels, test_images=tiny.test_images[:, :300],
                 test_labels=tiny.test_labels, description="300-pixel inputs",
                 image_shape=(1, 300))
    _, snap = trained(ds, steps=5)
    assert snap.sizes[0] == 300
    for cls in PANELS:
        p = show(qtbot, cls())
        p.render(snap)
    w = show(qtbot, HiddenWeightsPanel())
    w.render(snap)
    assert not w.geometry.picture and w.tile(3).shape == (1, 300)
    W, _ = style.layer_views(snap.theta, snap.sizes, 0)
    np.testing.assert_array_equal(w.tile(3)[0], W[3])


def test_nan_theta_renders(qtbot, tiny):
    _, snap = trained(tiny)
    nan = np.full_like(snap.theta, np.nan)
    bad = replace(snap, theta=frozen(nan), grad=frozen(nan), delta=frozen(nan), diverged=True,
                  example_activations=tuple(frozen(np.full_like(a, np.nan))
                                            for a in snap.example_activations))
    for cls in PANELS:
        p = show(qtbot, cls())
        p.render(snap)
        p.render(bad)
        qtbot.wait(10)
        pixels(p)  # paints without raising
        if isinstance(p, (HiddenWeightsPanel, DeeperLayersPanel)):
            for mode in style.MODES:
                p.setMode(mode)
                pixels(p)
    w = HiddenWeightsPanel()
    w.render(bad)
    assert np.isnan(w.tile(0)).all()
    assert w.image.getLevels()[1] == 1.0  # fallback scale
    o = OutputPanel()
    o.render(bad)
    assert o.answer.text() == "answer: ?"


def test_robust_levels():
    assert style.robust_max(np.zeros(10)) == 1.0
    assert style.robust_max(np.array([np.nan, np.inf])) == 1.0
    assert style.robust_max(np.array([np.nan, 2.0, -3.0])) == 3.0
    a = np.linspace(-1, 1, 1001)
    a[0] = -1000  # one wild outlier does not set the scale
    m = style.robust_max(a)
    assert 0.9 < m < 1.01
    assert style.symmetric_levels(a) == (-m, m)


def test_render_is_cheap(qtbot, sample):
    """Default network: render() well under a few ms per panel (measured ~0.1–0.6 ms)."""
    s = TrainingSession(sample, TrainConfig())
    snaps = []
    for _ in range(40):
        s.train_step()
        snaps.append(s.snapshot())
    for cls in PANELS:
        p = show(qtbot, cls())
        if isinstance(p, OutputPanel):
            p.set_test_digits(sample.test_images, sample.test_labels)
        p.render(snaps[0])
        times = []
        for snap in snaps[1:]:
            t0 = time.perf_counter()
            p.render(snap)
            times.append(time.perf_counter() - t0)
        assert np.median(times) < 0.010, (cls.__name__, np.median(times))


def test_picture_shape_from_the_dataset(qtbot, tiny):
    """Non-square images (H, W) are drawn as H×W pictures when the panel is told."""
    from gdviz.data import Dataset

    ds = Dataset(name="wide", train_images=tiny.train_images[:, :300],
                 train_labels=tiny.train_labels, test_images=tiny.test_images[:, :300],
                 test_labels=tiny.test_labels, description="12×25 inputs", image_shape=(12, 25))
    _, snap = trained(ds, steps=5)
    w = show(qtbot, HiddenWeightsPanel())
    w.render(snap)
    assert w.tile(0).shape == (1, 300)  # not told: strips
    w.set_image_shape(ds.image_shape)
    W, _ = style.layer_views(snap.theta, snap.sizes, 0)
    np.testing.assert_array_equal(w.tile(5), W[5].reshape(12, 25))
    o = show(qtbot, OutputPanel())
    o.set_test_digits(ds.test_images, ds.test_labels, image_shape=ds.image_shape)
    o.render(snap)
    assert o.digit.image.shape == (12, 25)


def test_mode_signal(qtbot, tiny):
    _, snap = trained(tiny, steps=2)
    p = show(qtbot, DeeperLayersPanel())
    p.render(snap)
    with qtbot.waitSignal(p.modeChanged, timeout=1000) as sig:
        p.modes.buttons["gradient"].click()
    assert sig.args == ["gradient"]
    with qtbot.assertNotEmitted(p.modeChanged):
        p.setMode("gradient")  # no change, no signal


def test_new_test_set_replaces_the_strip(qtbot, tiny, sample):
    p = show(qtbot, OutputPanel())
    p.set_test_digits(tiny.test_images, tiny.test_labels)
    p.set_test_digits(sample.test_images[100:], sample.test_labels[100:])
    assert len(p.thumbs) == 12 and p.strip.count() == 13  # 12 thumbnails + a stretch
    with qtbot.waitSignal(p.pinRequested, timeout=1000) as sig:
        qtbot.mouseClick(p.thumbs[0], QtCore.Qt.MouseButton.LeftButton)
    assert sig.args == [p.strip_indices[0]]
    assert sample.test_labels[100 + p.strip_indices[0]] == 0


# ============================================================== repaint cost
def _snaps(dataset, n: int, **config) -> list:
    s = TrainingSession(dataset, TrainConfig(**config))
    out = []
    for _ in range(n):
        s.train_step()
        out.append(s.snapshot())
    return out


def test_output_values_sit_above_the_target_box(qtbot, tiny):
    """The row of output values is above the dashed box at 1 (never on it), even small."""
    snap = _snaps(tiny, 20)[-1]
    p = show(qtbot, OutputPanel(), 430, 360)  # about the panel's size in a 1280×800 window
    p.render(snap)
    qtbot.wait(20)
    a = snap.example_activations[-1]
    assert p.values.texts == [f"{v:.2f}" for v in a]
    vb = p.out_plot.getViewBox()
    lo, hi = vb.viewRange()[1]
    px_per_unit = vb.height() / (hi - lo)
    text_px = QtGui.QFontMetrics(style.font(7.5)).height()
    assert p.values.boundingRect().top() >= 1.0  # drawn above y = 1, the box's top
    assert (hi - 1.0) * px_per_unit >= text_px + 4
    assert lo * px_per_unit <= -6  # room for the "0" tick under the bars


def test_output_panel_sets_no_style_sheet_per_frame(qtbot, tiny, monkeypatch):
    """setStyleSheet re-polishes a widget (milliseconds): never per frame."""
    snaps = _snaps(tiny, 30)
    p = show(qtbot, OutputPanel())
    p.set_test_digits(tiny.test_images, tiny.test_labels)
    p.render(snaps[0])
    calls = []
    monkeypatch.setattr(QtWidgets.QWidget, "setStyleSheet", lambda self, s: calls.append(s))
    colours = set()
    for snap in snaps[1:]:
        p.render(snap)
        colours.add(p.answer.palette().color(QtGui.QPalette.ColorRole.WindowText).name())
    assert calls == []
    assert colours <= {style.ANSWER_RIGHT, style.ANSWER_WRONG}


def test_new_data_does_not_repaint_the_axes(qtbot, tiny, monkeypatch):
    """Axes sit beside the data (outward ticks, no grid, a few pixels of margin), so
    an update repaints the bars and images, not the axes."""
    import pyqtgraph as pg

    painted = []
    orig = pg.AxisItem.paint

    def paint(self, *args):
        painted.append(self)
        orig(self, *args)

    monkeypatch.setattr(pg.AxisItem, "paint", paint)  # before the items are made
    snaps = _snaps(tiny, 12)
    panels = [show(qtbot, HiddenActivationsPanel(), 520, 300), show(qtbot, DeeperLayersPanel())]
    for p in panels:
        p.render(snaps[0])
    settle(qtbot, painted)  # the first paints, however late they come
    painted.clear()
    for snap in snaps[1:]:
        for p in panels:
            p.render(snap)
        QtWidgets.QApplication.processEvents()
    plot_axes = {id(ax) for p in panels for plot in p.plots
                 for ax in (plot.getAxis("left"), plot.getAxis("bottom"))}
    assert not [ax for ax in painted if id(ax) in plot_axes]
    assert panels[0].bars[0].opts["height"].tolist() == list(snaps[-1].example_activations[0])


def test_colour_bar_follows_the_levels(qtbot, tiny):
    """Paused: the bar shows the image's levels at once. Training: at most every
    ``interval`` seconds (an axis rebuild is costly), and it catches up."""
    bar, sync = style.colour_bar(), style.BarSync(interval=0.05)
    assert sync.sync(bar, 1.0, running=True) and bar.levels() == (-1.0, 1.0)
    assert not sync.sync(bar, 1.2, running=True) and bar.levels() == (-1.0, 1.0)  # too soon
    time.sleep(0.06)
    assert sync.sync(bar, 1.2, running=True) and bar.levels() == (-1.2, 1.2)  # caught up
    assert sync.sync(bar, 1.5, running=False) and bar.levels() == (-1.5, 1.5)  # paused: at once
    # numbered within ±1.5, at a 1-2-5 step, with the digits the step needs
    assert [t for _, t in bar.axis._tickLevels[0]] == ["−1", "0", "1"]

    snap = _snaps(tiny, 20)[-1]
    for cls in (HiddenWeightsPanel, DeeperLayersPanel):
        p = show(qtbot, cls())
        p.render(snap)
        img = p.image if cls is HiddenWeightsPanel else p.images[0][0]
        assert tuple(p.bar.levels()) == pytest.approx(img.getLevels())
