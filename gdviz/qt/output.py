"""The output panel: the digit the network is looking at, its ten outputs, the
desired outputs, this example's cost term by term, and a strip of test digits
to pin one (so the class can watch the network learn one fixed digit).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import style

STRIP_SIZE = 12
THUMB_PX = 26
DIGIT_PX = 120
PIN_HINT = "Pin a test digit to watch the network learn it:"
FOLLOW_ID = 1000  # button-group id of 'Follow training' (-1 would mean 'assign one')


def choose_strip(labels, n: int = STRIP_SIZE) -> list[int]:
    """Deterministic test indices for the pin strip: the first 0, 1, …, 9, then the
    first digits not chosen yet, up to ``n`` (fewer if there are fewer digits)."""
    labels = np.asarray(labels)
    chosen: list[int] = []
    for d in range(10):
        hits = np.flatnonzero(labels == d)
        if hits.size:
            chosen.append(int(hits[0]))
    taken = set(chosen)
    for i in range(len(labels)):
        if len(chosen) >= n:
            break
        if i not in taken:
            chosen.append(i)
            taken.add(i)
    return chosen[:n]


def digit_pixmap(pixels: np.ndarray, px: int, shape=None) -> QtGui.QPixmap:
    """A ``px``-pixel thumbnail of one digit (ink dark on white, like the big view)."""
    pixels = np.asarray(pixels, dtype=np.uint8).ravel()
    h, w = style.image_shape(pixels.size, shape)
    ink = np.ascontiguousarray(255 - pixels.reshape(h, w))
    img = QtGui.QImage(ink.data, w, h, w, QtGui.QImage.Format.Format_Grayscale8).copy()
    return QtGui.QPixmap.fromImage(img.scaled(
        px, px, QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
        QtCore.Qt.TransformationMode.SmoothTransformation))


def _set_text(label: QtWidgets.QLabel, text: str) -> bool:
    """Set a label's text only when it changed (a QLabel relayouts on every setText)."""
    if label.text() == text:
        return False
    label.setText(text)
    return True


class OutputPanel(QtWidgets.QWidget):
    """The current example: its image, the ten outputs vs the desired ones, its cost.

    Signals: ``pinRequested(int)`` — a test-digit index from the strip, or -1 for
    "follow training" (show the training examples as they go by).
    """

    pinRequested = QtCore.Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self.setMinimumSize(420, 340)
        self._snap = None
        self._n_out = None
        self._n_in = None
        self._answer = None
        self._texts: list[str] = []
        self._terms_top = None
        self._strip: list[int] = []
        self._pinned_source = None
        self._cost_name = None
        self._image_shape: tuple[int, int] | None = None

        lay = style.panel_layout(self)
        lay.addWidget(style.title_label("What the network answers for this digit"))

        mid = QtWidgets.QHBoxLayout()
        mid.setSpacing(6)
        left = QtWidgets.QVBoxLayout()
        left.setSpacing(2)
        self.digit_canvas = style.plot_widget()
        self.digit_canvas.setFixedSize(DIGIT_PX, DIGIT_PX)
        self.digit_view = self.digit_canvas.addViewBox()
        style.fixed_view(self.digit_view)
        self.digit_view.invertY(True)
        self.digit_view.setAspectLocked(True)
        self.digit = pg.ImageItem(axisOrder="row-major")
        self.digit.setLookupTable(style.ink_lut())
        self.digit_view.addItem(self.digit)
        self._digit_frame = QtWidgets.QGraphicsRectItem(QtCore.QRectF(0, 0, 28, 28))
        self._digit_frame.setPen(pg.mkPen(style.BOARD, width=1))
        self.digit_view.addItem(self._digit_frame)
        self.source = QtWidgets.QLabel(" ")
        self.source.setFont(style.font(8.5))
        self.source.setStyleSheet(f"color: {style.MUTED};")
        self.source.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter)
        self.source.setWordWrap(True)
        self.source.setFixedWidth(DIGIT_PX)
        self.answer = QtWidgets.QLabel(" ")
        self.answer.setFont(style.font(13, bold=True))
        self.answer.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter)
        self.answer.setFixedWidth(DIGIT_PX)
        self.verdict = QtWidgets.QLabel(" ")
        self.verdict.setFont(style.font(9))
        self.verdict.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter)
        self.verdict.setFixedWidth(DIGIT_PX)
        self.verdict.setWordWrap(True)
        left.addWidget(self.digit_canvas)
        left.addWidget(self.source)
        left.addSpacing(4)
        left.addWidget(self.answer)
        left.addWidget(self.verdict)
        left.addStretch(1)
        mid.addLayout(left)

        self.canvas = style.plot_widget()
        self.canvas.ci.layout.setSpacing(2)
        self.out_plot = self.canvas.addPlot(row=0, col=0)
        self.term_plot = self.canvas.addPlot(row=1, col=0)
        self.canvas.ci.layout.setRowStretchFactor(0, 3)
        self.canvas.ci.layout.setRowStretchFactor(1, 2)
        for p in (self.out_plot, self.term_plot):
            style.fixed_view(p.getViewBox())
            p.hideButtons()
            p.setXRange(-0.75, 9.75, padding=0)
            p.getAxis("left").setWidth(46)
        self.out_plot.setYRange(-0.07, 1.14, padding=0)
        style.style_axis(self.out_plot.getAxis("left"), "output a")
        style.style_axis(self.out_plot.getAxis("bottom"))
        style.style_axis(self.term_plot.getAxis("left"), "(a − y)²")
        style.style_axis(self.term_plot.getAxis("bottom"), "output neuron (digit)")
        self.out_plot.getAxis("left").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")], []])
        self.out_plot.showGrid(y=True, alpha=0.15)
        self.term_plot.showGrid(y=True, alpha=0.15)
        self.out_plot.setTitle("bars: outputs a  ·  dashed: desired output y",
                               size="8.5pt", color=style.MUTED)
        self._bar_brush = pg.mkBrush(style.BAR)
        self._right_brush = pg.mkBrush(style.ANSWER_RIGHT)
        self._wrong_brush = pg.mkBrush(style.ANSWER_WRONG)
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.62,
                                    brush=self._bar_brush, pen=pg.mkPen(None))
        self.targets = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.84,
                                       brush=pg.mkBrush(None),
                                       pen=pg.mkPen(style.TARGET, width=1.5,
                                                    style=QtCore.Qt.PenStyle.DashLine))
        self.targets.setZValue(2)
        self.term_bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.62,
                                         brush=pg.mkBrush(style.POSITIVE), pen=pg.mkPen(None))
        self.out_plot.addItem(self.bars)
        self.out_plot.addItem(self.targets)
        self.term_plot.addItem(self.term_bars)
        self.value_labels: list[pg.TextItem] = []
        mid.addWidget(self.canvas, 1)
        lay.addLayout(mid, 1)

        self.cost = QtWidgets.QLabel(" ")
        self.cost.setFont(style.font(12))
        self.cost.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.cost.setWordWrap(True)
        self.cost.setToolTip("The cost of this one example: the red bars above added up. "
                             "The cost C that training lowers is its average over the examples.")
        lay.addWidget(self.cost)

        # ---- pin strip
        pin_head = QtWidgets.QHBoxLayout()
        # One line for both: the pin hint, replaced by the hover read-out over the charts.
        self.status = style.status_label()
        self.status.setStyleSheet(f"color: {style.MUTED};")
        self.status.setText(PIN_HINT)
        self.follow = QtWidgets.QPushButton("Follow training")
        self.follow.setCheckable(True)
        self.follow.setChecked(True)
        self.follow.setFont(style.font(8.5))
        self.follow.setToolTip("Show the example the network is training on right now.")
        pin_head.addWidget(self.status, 1)
        pin_head.addWidget(self.follow, 0, QtCore.Qt.AlignmentFlag.AlignVCenter)
        lay.addLayout(pin_head)
        self.strip = QtWidgets.QHBoxLayout()
        self.strip.setSpacing(1)
        self.strip.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self.strip)
        self.thumbs: list[QtWidgets.QToolButton] = []
        self._group = QtWidgets.QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.addButton(self.follow, FOLLOW_ID)
        self._group.idClicked.connect(self._clicked)
        self.canvas.scene().sigMouseMoved.connect(self._hover)

    # ------------------------------------------------------------------ public
    def set_test_digits(self, images, labels, image_shape=None) -> None:
        """Fill the pin strip from the test set: ``images`` (N, n_in) uint8, ``labels`` (N,).

        ``image_shape`` (H, W) is needed only for non-square images (784 is 28×28).
        """
        if image_shape is not None and tuple(image_shape) != self._image_shape:
            self._image_shape = tuple(int(v) for v in image_shape)
            self._n_in = None  # rebuild the digit view at the next render
        for b in self.thumbs:
            self._group.removeButton(b)
            b.deleteLater()
        while self.strip.count():  # the old thumbnails and the trailing stretch
            self.strip.takeAt(0)
        self.thumbs = []
        self._strip = choose_strip(labels)
        for k, idx in enumerate(self._strip):
            b = QtWidgets.QToolButton()
            b.setIcon(QtGui.QIcon(digit_pixmap(images[idx], THUMB_PX * 2, self._image_shape)))
            b.setIconSize(QtCore.QSize(THUMB_PX, THUMB_PX))
            b.setCheckable(True)
            b.setAutoRaise(True)
            b.setToolTip(f"test digit #{idx} (a {int(labels[idx])}): click to pin it")
            b.setStyleSheet("QToolButton { padding: 1px; border: 1px solid transparent; }"
                            "QToolButton:hover { border: 1px solid #9a9a9a; border-radius: 3px; }"
                            "QToolButton:checked { background: #ffd36b; border: 1px solid #b8860b;"
                            " border-radius: 3px; }")
            self._group.addButton(b, k)
            self.strip.addWidget(b)
            self.thumbs.append(b)
        self.strip.addStretch(1)
        self._pinned_source = None
        if self._snap is not None:
            self._sync_pin(self._snap.example_source)

    @property
    def strip_indices(self) -> list[int]:
        """The test indices shown in the pin strip, left to right."""
        return list(self._strip)

    def render(self, snap) -> None:
        """Show ``snap``'s current example, outputs, desired outputs and cost."""
        self._snap = snap
        sizes = snap.sizes
        if sizes[-1] != self._n_out or sizes[0] != self._n_in:
            self._build(sizes[0], sizes[-1])
        if snap.cost_name != self._cost_name:
            self._cost_name = snap.cost_name
            ce = snap.cost_name == "ce"
            style.style_axis(self.term_plot.getAxis("left"), "−y ln a" if ce else "(a − y)²")
        n = self._n_out
        a = np.asarray(snap.example_activations[-1], dtype=np.float64)
        y = np.zeros(n)
        label = int(snap.example_label)
        if 0 <= label < n:
            y[label] = 1.0
        finite = bool(np.isfinite(a).all())
        shown = np.nan_to_num(a, nan=0.0, posinf=1.0, neginf=0.0)

        ce = snap.cost_name == "ce"
        if ce:
            terms = np.zeros(n)
            if 0 <= label < n:
                terms[label] = -math.log(max(float(a[label]), 1e-12)) if finite else math.nan
        else:
            terms = (a - y) ** 2
        cost = float(terms.sum())

        answer = int(np.argmax(a)) if finite else None
        self.digit.setImage(self._digit_pixels(snap.example_image), levels=(0, 255),
                            autoLevels=False)
        if answer != self._answer:
            brushes = [self._bar_brush] * n
            if answer is not None:
                brushes[answer] = self._right_brush if answer == label else self._wrong_brush
            self.bars.setOpts(height=shown, brushes=brushes)
            self._answer = answer
        else:
            self.bars.setOpts(height=shown)
        self.targets.setOpts(height=y)
        self.term_bars.setOpts(height=np.nan_to_num(terms, nan=0.0, posinf=0.0))
        top = style.nice_ceiling(max(float(np.nanmax(terms)) if finite else 0.0, 0.01))
        if top != self._terms_top:
            self._terms_top = top
            self.term_plot.setYRange(-0.12 * top, top * 1.2, padding=0)
            self.term_plot.getAxis("left").setTicks([[(0, "0"), (top, style.fmt(top))], []])
        for k, t in enumerate(self.value_labels):
            s = f"{a[k]:.2f}" if math.isfinite(a[k]) else "?"
            if s != self._texts[k]:  # the text and its height change together
                self._texts[k] = s
                t.setText(s)
                t.setPos(k, min(float(shown[k]), 1.0))

        src = snap.example_source
        _set_text(self.source, f"{src}\nits label: {label}")
        if answer is None:
            answer_text, colour = "answer: ?", style.ANSWER_WRONG
            verdict = "the outputs are not numbers"
        else:
            right = answer == label
            answer_text = f"answer: {answer}"
            colour = style.ANSWER_RIGHT if right else style.ANSWER_WRONG
            verdict = "✓ right" if right else f"✗ wrong (it is a {label})"
        changed = _set_text(self.answer, answer_text)
        changed = _set_text(self.verdict, verdict) or changed
        if changed:
            self.answer.setStyleSheet(f"color: {colour};")
        _set_text(self.cost, self._cost_html(ce, label, cost))
        self._sync_pin(src)

    # ------------------------------------------------------------------ internals
    def _digit_pixels(self, pixels: np.ndarray) -> np.ndarray:
        return pixels.reshape(style.image_shape(pixels.size, self._image_shape))

    def _cost_html(self, ce: bool, label: int, cost: float) -> str:
        value = f"<b>{style.fmt(cost)}</b>"
        if ce:
            return (f"Cost of this example (cross-entropy): C = −Σ<sub>j</sub> y<sub>j</sub> "
                    f"ln a<sub>j</sub> = −ln a<sub>{label}</sub> = {value}")
        return (f"Cost of this example: C = Σ<sub>j</sub> (a<sub>j</sub> − y<sub>j</sub>)² "
                f"= {value}")

    def _build(self, n_in: int, n_out: int) -> None:
        self._n_in, self._n_out = n_in, n_out
        self._answer = None
        self._terms_top = None
        h, w = style.image_shape(n_in, self._image_shape)
        self._digit_frame.setRect(QtCore.QRectF(0, 0, w, h))
        self.digit_view.setAspectLocked(h > 1)
        self.digit_view.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)
        x = np.arange(n_out)
        ticks = [(k, str(k)) for k in range(n_out)] if n_out <= 20 else \
            [(k + 0.0, str(k)) for k in range(0, n_out, math.ceil(n_out / 20))]
        for p in (self.out_plot, self.term_plot):
            p.setXRange(-0.75, n_out - 0.25, padding=0)
            p.getAxis("bottom").setTicks([ticks, []])
        self.bars.setOpts(x=x, height=np.zeros(n_out), brush=self._bar_brush, brushes=None)
        self.targets.setOpts(x=x, height=np.zeros(n_out))
        self.term_bars.setOpts(x=x, height=np.zeros(n_out))
        for t in self.value_labels:
            self.out_plot.removeItem(t)
        self.value_labels = []
        if n_out <= 12:
            for k in range(n_out):
                t = pg.TextItem("", color=style.FOREGROUND, anchor=(0.5, 1.0))
                t.setFont(style.font(7.5))
                self.out_plot.addItem(t)
                self.value_labels.append(t)
        self._texts = [""] * len(self.value_labels)

    def _sync_pin(self, source: str) -> None:
        """Check the thumbnail (or 'Follow training') that matches what is shown."""
        if source == self._pinned_source:
            return
        self._pinned_source = source
        idx = None
        if source.startswith("test digit #"):
            try:
                idx = int(source.rsplit("#", 1)[1])
            except ValueError:
                idx = None
        if idx is None:
            self.follow.setChecked(True)
        elif idx in self._strip:
            self.thumbs[self._strip.index(idx)].setChecked(True)
        else:  # pinned from elsewhere (not in the strip): neither button is right
            self._group.setExclusive(False)
            for b in self._group.buttons():
                b.setChecked(False)
            self._group.setExclusive(True)

    def _clicked(self, k: int) -> None:
        if k == FOLLOW_ID:
            self.pinRequested.emit(-1)
        elif k < len(self._strip):
            self.pinRequested.emit(self._strip[k])

    def _hover(self, pos) -> None:
        snap = self._snap
        if snap is None:
            return
        for p, what in ((self.out_plot, "out"), (self.term_plot, "term")):
            vb = p.getViewBox()
            if vb.sceneBoundingRect().contains(pos):
                j = int(round(vb.mapSceneToView(pos).x()))
                if 0 <= j < self._n_out:
                    a = float(snap.example_activations[-1][j])
                    yj = 1.0 if j == snap.example_label else 0.0
                    if snap.cost_name == "ce":
                        extra = (f", −y ln a = {style.fmt(-math.log(max(a, 1e-12)))}"
                                 if yj else ", −y ln a = 0")
                    else:
                        extra = f", (a − y)² = {style.fmt((a - yj) ** 2)}"
                    self.status.setText(f"output {j}: a = {style.fmt(a)}, desired y = {yj:g}"
                                        f"{extra}")
                    return
        self.status.setText(PIN_HINT)
