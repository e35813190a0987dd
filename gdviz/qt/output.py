"""The output panel: the digit the network is looking at, its ten outputs, the
desired outputs, this example's cost term by term, and a strip of test digits
to pin one (so the class can watch the network learn one fixed digit).

Redrawn ~30 times a second while training, so it is built to be cheap: bars,
targets and the value row are :mod:`gdviz.qt.style`'s fixed-bounds items (no
TextItem, no BarGraphItem), the per-frame labels have fixed sizes (a new text
does not relayout the panel), colours change through the palette and only when
they change (never ``setStyleSheet`` per frame), and nothing is touched when its
value did not change. Pointing at an output (or clicking it) shows its term of the
cost, (a − y)², with its numbers (:mod:`gdviz.qt.maths_readout`).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import axis_fit, colours, fonts, plot_items, scales, widgets
from gdviz.qt.maths_readout import MathsReadout
from gdviz.training import explain, theta

STRIP_SIZE = 12
VALUE_PT = 7.5  # the row of output values above the bars
THUMB_PX = 26
DIGIT_PX = 120
PIN_HINT = "Pin a test digit to watch the network learn it:"
LEGEND = "bars: outputs a  ·  dashed: desired output y"
STRIP_CANVAS_PX = 220  # the pin strip shows only where the charts keep this much height
AXIS_PX = 46  # both charts' left axes (the same, so the bars line up); times the font scale
COMPACT_PX = 250  # a chart area shorter than this drops the legend and the outputs' digit row
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
    h, w = theta.image_shape(pixels.size, shape)
    ink = np.ascontiguousarray(255 - pixels.reshape(h, w))
    img = QtGui.QImage(ink.data, w, h, w, QtGui.QImage.Format.Format_Grayscale8).copy()
    return QtGui.QPixmap.fromImage(img.scaled(
        px, px, QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
        QtCore.Qt.TransformationMode.SmoothTransformation))


def _fixed_label(font: QtGui.QFont, lines: int) -> QtWidgets.QLabel:
    """A centred, word-wrapped label of fixed size (``lines`` lines, DIGIT_PX wide)."""
    label = QtWidgets.QLabel(" ")
    label.setFont(font)
    label.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter | QtCore.Qt.AlignmentFlag.AlignTop)
    label.setWordWrap(True)
    label.setFixedSize(DIGIT_PX, QtGui.QFontMetrics(font).lineSpacing() * lines + 2)
    label.setProperty("gdviz_lines", lines)  # presenter mode keeps the height at `lines` lines
    return label


def _set_text(label: QtWidgets.QLabel, text: str) -> bool:
    """Set a label's text only when it changed (a QLabel relayouts on every setText)."""
    if label.text() == text:
        return False
    label.setText(text)
    return True


class DigitView(QtWidgets.QLabel):
    """The digit on show, ink dark on white in a thin grey frame, as a pixmap.

    A plain label rather than a graphics view: Qt paints it without calling into
    Python (a pyqtgraph view's every repaint holds the interpreter lock).
    Pictures are scaled by a whole number (crisp pixels); a one-row strip fills
    the square. ``image`` is the (H, W) uint8 array shown.
    """

    def __init__(self, px: int, parent=None):
        super().__init__(parent)
        self._px = px
        self.image: np.ndarray | None = None
        self._grey = QtGui.QColor(colours.BOARD).value()  # the frame
        self.setFixedSize(px, px)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self._paint(None)

    def setImage(self, pixels: np.ndarray) -> None:
        self.image = np.asarray(pixels)
        self._paint(self.image)

    def _paint(self, pixels: np.ndarray | None) -> None:
        # Drawn with NumPy into one grey image (~15 µs; a QPainter on a pixmap ~100 µs).
        dpr = max(1.0, self.devicePixelRatioF())
        side = round(self._px * dpr)
        canvas = np.full((side, side), 255, np.uint8)
        if pixels is not None and pixels.size:
            h, w = pixels.shape
            room = side - round(4 * dpr)
            if h > 1:
                scale = room / max(h, w)
                scale = math.floor(scale) if scale >= 1 else scale
                tw, th = max(1, round(w * scale)), max(1, round(h * scale))
            else:  # a one-row strip fills the square
                tw = th = room
            x0, y0 = (side - tw) // 2, (side - th) // 2
            rows, cols = np.arange(th) * h // th, np.arange(tw) * w // tw  # nearest pixel
            canvas[y0:y0 + th, x0:x0 + tw] = 255 - pixels.astype(np.uint8)[rows[:, None], cols]
            grey = self._grey
            canvas[y0 - 1, x0 - 1:x0 + tw + 1] = canvas[y0 + th, x0 - 1:x0 + tw + 1] = grey
            canvas[y0 - 1:y0 + th + 1, x0 - 1] = canvas[y0 - 1:y0 + th + 1, x0 + tw] = grey
        img = QtGui.QImage(canvas.data, side, side, side, QtGui.QImage.Format.Format_Grayscale8)
        pm = QtGui.QPixmap.fromImage(img)  # (a copy: the array may go)
        pm.setDevicePixelRatio(dpr)
        self.setPixmap(pm)


class CostLine(QtWidgets.QWidget):
    """"Cost of this example: C = … = <b>value</b>", one word-wrapped rich-text line.

    The label sits in this widget without a layout, at a size set here, so a new
    value (every frame) repaints the label but does not make the panel's layout
    recompute every word-wrapped label in it (measured 2.5–4 ms a frame). The
    height follows the text only when the number of lines changes.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.label = QtWidgets.QLabel(" ", self)
        self.label.setFont(fonts.font(12))
        self.label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                           QtWidgets.QSizePolicy.Policy.Fixed)
        self._height = -1
        self._heights: dict[tuple[int, str, int], int] = {}
        self._fit()

    def setText(self, html: str) -> None:
        if html != self.label.text():
            n = len(self.label.text())
            self.label.setText(html)
            if len(html) != n:  # (the same length wraps the same way, near enough)
                self._fit()
            # Lay the rich text out now: left to the paint, the layout asks for a
            # second repaint of the line (two window updates a frame instead of one).
            self.label.heightForWidth(self.label.width())

    def text(self) -> str:
        return self.label.text()

    def setToolTip(self, tip: str) -> None:
        super().setToolTip(tip)
        self.label.setToolTip(tip)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if len(self._heights) > 64:
            self._heights.clear()
        self._fit()

    def _fit(self) -> None:
        w = max(1, self.width())
        text = self.label.text()
        # Laying out rich text is not free: remember the height per formula and length.
        key = (w, text.split("<b>", 1)[0], len(text))
        h = self._heights.get(key)
        if h is None:
            h = self.label.heightForWidth(w)
            if h < 0:
                h = self.label.sizeHint().height()
            self._heights[key] = h
        self.label.setFixedSize(w, h)  # (fixed: a new text does not post it a layout request)
        if h != self._height:
            self._height = h
            self.setFixedHeight(h)


class OutputPanel(QtWidgets.QWidget):
    """The current example: its image, the ten outputs vs the desired ones, its cost.

    Signals: ``pinRequested(int)`` — a test-digit index from the strip, or -1 for
    "follow training" (show the training examples as they go by).
    """

    pinRequested = QtCore.Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        colours.apply_pyqtgraph_defaults()
        self.setMinimumWidth(400)
        self._snap = None
        self._n_out = None
        self._n_in = None
        self._answer = None
        self._answer_colour = None
        self._terms_top = None
        self._terms_peak = 0.0
        self._digit_shown: np.ndarray | None = None
        self._strip: list[int] = []
        self._pinned_source = None
        self._cost_name = None
        self._image_shape: tuple[int, int] | None = None

        lay = widgets.panel_layout(self)
        lay.addWidget(widgets.title_label("What the network answers for this digit"))

        mid = QtWidgets.QHBoxLayout()
        mid.setSpacing(6)
        left = QtWidgets.QVBoxLayout()
        left.setSpacing(2)
        self.digit = DigitView(DIGIT_PX)
        # Fixed sizes: a label whose size is fixed does not ask its layout to
        # recompute when its text changes (these change with every example).
        self.source = _fixed_label(fonts.font(8.5), lines=2)
        colours.set_color(self.source, colours.MUTED)
        self.source.setProperty("gdviz_note", True)  # secondary: presenter mode gives its room to the digit
        self.answer = _fixed_label(fonts.font(13, bold=True), lines=1)
        fonts.fit_width(self.answer, "answer: 8", DIGIT_PX)  # one line in presenter mode too
        self.verdict = _fixed_label(fonts.font(9), lines=2)
        fonts.fit_width(self.verdict, "✗ wrong (it is a 8)", DIGIT_PX)
        self.verdict.setProperty("gdviz_lines_large", 1)  # (one line is enough when it is that wide)
        left.addWidget(self.digit)
        left.addWidget(self.source)
        left.addSpacing(4)
        left.addWidget(self.answer)
        left.addWidget(self.verdict)
        left.addStretch(1)
        mid.addLayout(left)

        self.canvas = widgets.plot_widget()
        self.canvas.ci.layout.setSpacing(2)
        self.out_plot = self.canvas.addPlot(row=0, col=0)
        self.term_plot = self.canvas.addPlot(row=1, col=0)
        self.canvas.ci.layout.setRowStretchFactor(0, 2)
        self.canvas.ci.layout.setRowStretchFactor(1, 1)  # the outputs first, the terms after
        for p in (self.out_plot, self.term_plot):
            widgets.fixed_view(p.getViewBox())
            p.hideButtons()
            p.setXRange(-0.75, 9.75, padding=0)
            p.getAxis("left").setWidth(AXIS_PX)
        # Short of room (presenter mode, a small projector) the titles shorten, not elide.
        axis_fit.set_short_titles(self.out_plot.getAxis("left"), "output a", "a")
        axis_fit.set_short_titles(self.term_plot.getAxis("left"), "(a − y)²", "(a−y)²", "cost", "C")
        axis_fit.set_short_titles(self.term_plot.getAxis("left"), "−y ln a", "−ln a", "cost", "C")
        fonts.style_axis(self.out_plot.getAxis("left"), "output a")
        fonts.style_axis(self.out_plot.getAxis("bottom"))
        fonts.style_axis(self.term_plot.getAxis("left"), "(a − y)²")
        fonts.style_axis(self.term_plot.getAxis("bottom"), "output neuron (digit)")
        self.out_plot.getAxis("left").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")], []])
        self._compact = None
        self._fit_canvas()
        self._bar_colour = QtGui.QColor(colours.BAR)
        self._right_colour = QtGui.QColor(colours.ANSWER_RIGHT)
        self._wrong_colour = QtGui.QColor(colours.ANSWER_WRONG)
        self.bars = plot_items.BarsItem(width=0.62, color=colours.BAR)
        target_pen = pg.mkPen(colours.TARGET, width=1.5, style=QtCore.Qt.PenStyle.DashLine)
        self.targets = plot_items.BarsItem(width=0.84, color=None, pen=target_pen, skip_zero=True)
        self.targets.setZValue(2)
        self.term_bars = plot_items.BarsItem(width=0.62, color=colours.POSITIVE)
        # The outputs' values, in a row above the desired-output box (never on it).
        self.values = plot_items.TextsItem(VALUE_PT, anchor=(0.5, 1.0), offset=(0, -4))
        self.values.setZValue(3)
        self.out_plot.addItem(self.bars, ignoreBounds=True)
        self.out_plot.addItem(self.targets, ignoreBounds=True)
        self.out_plot.addItem(self.values, ignoreBounds=True)
        self.term_plot.addItem(self.term_bars, ignoreBounds=True)
        self._out_guides = plot_items.guide_lines(self.out_plot.getViewBox(), (0, 0.5, 1), -0.75, 9.75)
        self._term_guides = plot_items.guide_lines(self.term_plot.getViewBox(), (0,), -0.75, 9.75)
        # Room above the box: 4 px gap, the text, and 6 px to the title above the chart
        # (so repainting the values does not repaint the title).
        self._text_px = QtGui.QFontMetrics(fonts.font(VALUE_PT)).height() + 5
        self._value_px = self._text_px + 6
        self._out_height = None
        self.out_plot.getViewBox().sigResized.connect(self._fit_out_range)
        self._fit_out_range()
        mid.addWidget(self.canvas, 1)
        lay.addLayout(mid, 1)

        self.cost = CostLine()
        self.cost.setToolTip("The cost of this one example: the red bars above added up. "
                             "The cost C that training lowers is its average over the examples.")
        lay.addWidget(self.cost)

        # ---- pin strip (in one box: a short panel gives its room to the answer and the cost)
        self.pin_box = QtWidgets.QWidget()
        pin_lay = QtWidgets.QVBoxLayout(self.pin_box)
        pin_lay.setContentsMargins(0, 0, 0, 0)
        pin_lay.setSpacing(lay.spacing())
        pin_head = QtWidgets.QHBoxLayout()
        self.status = widgets.status_label()
        colours.set_color(self.status, colours.MUTED)
        self.status.setText(PIN_HINT)
        self.follow = QtWidgets.QPushButton("Follow training")
        self.follow.setCheckable(True)
        self.follow.setChecked(True)
        self.follow.setFont(fonts.font(8.5))
        self.follow.setToolTip("Show the example the network is training on right now.")
        pin_head.addWidget(self.status, 1)
        pin_head.addWidget(self.follow, 0, QtCore.Qt.AlignmentFlag.AlignVCenter)
        pin_lay.addLayout(pin_head)
        self.strip = QtWidgets.QHBoxLayout()
        self.strip.setSpacing(1)
        self.strip.setContentsMargins(0, 0, 0, 0)
        pin_lay.addLayout(self.strip)
        lay.addWidget(self.pin_box)
        self.thumbs: list[QtWidgets.QToolButton] = []
        self._group = QtWidgets.QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.addButton(self.follow, FOLLOW_ID)
        self._group.idClicked.connect(self._clicked)
        # Pointing at an output shows its term of the cost with the numbers; a click keeps it.
        self.maths = MathsReadout(self, self.canvas, self._locate, self._describe, self._outline)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_pin_box()
        self._fit_canvas()

    def _fit_canvas(self) -> None:
        """On a short chart area the outputs' bars get the room: no legend line above them
        (it becomes the charts' tooltip) and no digit row under them (the (a − y)² chart
        below has the same digits, and the values row names each bar)."""
        width = round(AXIS_PX * fonts.font_scale())  # presenter mode: room for the title and ticks
        if self.out_plot.getAxis("left").width() != width:
            for p in (self.out_plot, self.term_plot):
                p.getAxis("left").setWidth(width)
        compact = self.canvas.height() < COMPACT_PX
        if compact == self._compact:
            return
        self._compact = compact
        if compact:
            self.out_plot.setTitle(None)
        else:
            self.out_plot.setTitle(LEGEND, size="8.5pt", color=colours.MUTED)
        self.out_plot.getAxis("bottom").setStyle(showValues=not compact)
        self.out_plot.getAxis("bottom").setHeight(4 if compact else None)
        self.canvas.setToolTip(LEGEND.replace("  ·  ", "; ") if compact else "")

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt's name
        """Without the pin strip: a splitter may squeeze the panel until the strip gives way."""
        hint = super().minimumSizeHint()
        if self.pin_box.isVisibleTo(self):
            hint.setHeight(hint.height() - self.pin_box.sizeHint().height() - self.layout().spacing())
        return hint

    def _fit_pin_box(self) -> None:
        """Show the pin strip only where the digit, the answer, the cost and the charts
        (STRIP_CANVAS_PX at least) keep their room."""
        lay = self.layout()
        shown = self.pin_box.isVisibleTo(self)
        rows = self.pin_box.sizeHint().height() + lay.spacing()
        base = lay.minimumSize().height() - (rows if shown else 0)
        charts = self.canvas.height() - (0 if shown else rows)  # with the strip
        show = self.height() >= base + rows and charts >= STRIP_CANVAS_PX
        if show != self.pin_box.isVisibleTo(self):
            self.pin_box.setVisible(show)

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

    def forget_run(self) -> None:
        """Hidden while the window moved to another run: let go of its snapshot."""
        self._snap = None
        self.maths.forget()

    def render(self, snap) -> None:
        """Show ``snap``'s current example, outputs, desired outputs and cost."""
        self._snap = snap
        sizes = snap.sizes
        if sizes[-1] != self._n_out or sizes[0] != self._n_in:
            self._build(sizes[0], sizes[-1])
        if snap.cost_name != self._cost_name:
            self._cost_name = snap.cost_name
            ce = snap.cost_name == "ce"
            fonts.style_axis(self.term_plot.getAxis("left"), "−y ln a" if ce else "(a − y)²")
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
        img = snap.example_image
        if self._digit_shown is None or not np.array_equal(img, self._digit_shown):
            self._digit_shown = img  # (a snapshot's arrays are read-only copies)
            self.digit.setImage(self._digit_pixels(img))
        bar_colours = [self._bar_colour] * n
        if answer is not None:
            bar_colours[answer] = self._right_colour if answer == label else self._wrong_colour
        self._answer = answer
        self.bars.setData(shown, bar_colours)
        self.targets.setData(y)
        self.term_bars.setData(np.nan_to_num(terms, nan=0.0, posinf=0.0))
        # The terms' scale while training: up at once, down slowly (≈ halves per
        # second at 30 fps), in 1-2-5 steps, so the axis is not rebuilt for every example.
        peak = float(np.nanmax(terms)) if finite else 0.0
        # (Paused or stepping: the scale of this example, no memory.)
        self._terms_peak = max(peak, 0.977 * self._terms_peak) if snap.running else peak
        top = scales.nice_ceiling(max(self._terms_peak, 0.01))
        if top != self._terms_top:
            self._terms_top = top
            self.term_plot.setYRange(-0.12 * top, top * 1.2, padding=0)
            self.term_bars.setBounds(QtCore.QRectF(-0.31, 0.0, n - 1 + 0.62, top))
            self.term_plot.getAxis("left").setTicks([[(0, "0"), (top, scales.fmt(top))], []])
        if n <= 12:
            self.values.setTexts(f"{v:.2f}" if math.isfinite(v) else "?" for v in a.tolist())

        src = snap.example_source
        _set_text(self.source, f"{src}\nits label: {label}")
        if answer is None:
            answer_text, colour = "answer: ?", colours.ANSWER_WRONG
            verdict = "not numbers"
        else:
            right = answer == label
            answer_text = f"answer: {answer}"
            colour = colours.ANSWER_RIGHT if right else colours.ANSWER_WRONG
            verdict = "✓ right" if right else f"✗ wrong (it is a {label})"
        _set_text(self.answer, answer_text)
        _set_text(self.verdict, verdict)
        if colour != self._answer_colour:  # a palette change, and only when it changes
            self._answer_colour = colour
            colours.set_color(self.answer, colour)
        self.cost.setText(self._cost_html(ce, label, cost))
        self._sync_pin(src)
        self.maths.refresh(snap)

    # ------------------------------------------------------------------ internals
    def _digit_pixels(self, pixels: np.ndarray) -> np.ndarray:
        return pixels.reshape(theta.image_shape(pixels.size, self._image_shape))

    def _cost_html(self, ce: bool, label: int, cost: float) -> str:
        value = f"<b>{scales.fmt(cost)}</b>"
        if ce:
            return (f"Cost of this example (cross-entropy): C = −Σ<sub>j</sub> y<sub>j</sub> "
                    f"ln a<sub>j</sub> = −ln a<sub>{label}</sub> = {value}")
        return (f"Cost of this example: C = Σ<sub>j</sub> (a<sub>j</sub> − y<sub>j</sub>)² "
                f"= {value}")

    def _build(self, n_in: int, n_out: int) -> None:
        self._n_in, self._n_out = n_in, n_out
        self._answer = None
        self._terms_top = None
        self._terms_peak = 0.0
        self._digit_shown = None
        x = np.arange(n_out)
        ticks = [(k, str(k)) for k in range(n_out)] if n_out <= 20 else \
            [(k + 0.0, str(k)) for k in range(0, n_out, math.ceil(n_out / 20))]
        for p in (self.out_plot, self.term_plot):
            p.setXRange(-0.75, n_out - 0.25, padding=0)
            p.getAxis("bottom").setTicks([ticks, []])
        for item in (self.bars, self.targets, self.term_bars):
            item.setPositions(x)
        plot_items.set_guide_lines(self._out_guides, (0, 0.5, 1), -0.75, n_out - 0.25)
        plot_items.set_guide_lines(self._term_guides, (0,), -0.75, n_out - 0.25)
        self.values.setTexts([])
        self.values.setPositions([(k, 1.0) for k in range(n_out)] if n_out <= 12 else [])
        self._out_height = None
        self._fit_out_range()

    def _fit_out_range(self, *_args) -> None:
        """The outputs' y range for the chart's height in pixels: room for the "0"
        tick below 0 and for the row of values above the desired-output box at 1."""
        vb = self.out_plot.getViewBox()
        height = vb.height()
        if height == self._out_height:
            return
        self._out_height = height
        below, above = 7.0, float(self._value_px if self._n_out is None or self._n_out <= 12 else 4)
        per_unit = max(height - below - above, 0.35 * height, 1.0)
        lo, hi = -below / per_unit, 1.0 + above / per_unit
        self.out_plot.setYRange(lo, hi, padding=0)
        # Each item's repaint area is what it can cover (not the axes next to it).
        n = self._n_out or 10
        self.bars.setBounds(QtCore.QRectF(-0.31, 0.0, n - 1 + 0.62, 1.0))
        self.targets.setBounds(QtCore.QRectF(-0.42, 0.0, n - 1 + 0.84, 1.0))
        shown = self._n_out is None or self._n_out <= 12
        self.values.setBounds(QtCore.QRectF(-0.5, 1.0, n, self._text_px / per_unit if shown else 0))

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

    def _locate(self, pos) -> int | None:
        """The output (digit) whose bar, in either chart, is under scene point ``pos``."""
        for p in (self.out_plot, self.term_plot):
            vb = p.getViewBox()
            if self._n_out and vb.sceneBoundingRect().contains(pos):
                j = int(round(vb.mapSceneToView(pos).x()))
                return j if 0 <= j < self._n_out else None
        return None

    def _describe(self, snap, j) -> str | None:
        if not 0 <= j < snap.sizes[-1]:
            return None
        return explain.output_term(snap, j).text()

    def _outline(self, j):
        return self.out_plot.getViewBox(), QtCore.QRectF(j - 0.45, 0.0, 0.9, 1.0)
