"""One example's cost and its wishes.

For the digit on show (the training example of the last step, or a pinned
test digit): its ten outputs against the desired ones, the ten cost terms
(a_j − y_j)² and their sum C, that C beside the average cost over the training
data, which way and how strongly each output "wants" to move (−∂C/∂a_j:
green up, red down), and those wishes passed back to the last hidden layer —
what each output wants from each hidden neuron (a 10×16 matrix) and their
column sums, the hidden neurons' own wishes.

All numbers come from :func:`gdviz.training.analysis.example_wishes` (one
forward and backward pass of one example: ~0.05 ms, so it runs in the GUI
thread, on the thread's own network from :mod:`gdviz.training.probe`).
While training runs, each render draws one of ``PARTS`` (the base's staged
drawing). Every number about the digit on show — its cost terms, their sum C,
its bar beside the averages — is drawn in the same part, so they always belong
to the same digit and step. Only items whose values changed are touched, and
the word-wrapped texts that change sit in fixed-size boxes so a new text does
not lay out the whole tab again.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import style
from gdviz.qt.views.plot_items import Bars, Heat, same, set_title, set_y, wish_cmap
from gdviz.qt.views.base import LessonView
from gdviz.training.analysis import example_wishes
from gdviz.training.example_words import hidden_words, wish_words
from gdviz.training.probe import network_for

__all__ = ["DOWN", "UP", "ExampleCostView", "wish_cmap", "wish_words"]

UP = "#1a9850"  # an output/neuron that wants to go up
DOWN = "#d73027"  # ... that wants to go down
RECENT = 200  # mini-batch costs in the running average
DIGIT_PX = 132
INTRO_MSE = ("The cost of one digit is C = Σⱼ (aⱼ − yⱼ)²: how far each of the ten outputs a is "
             "from what it should be (y = 1 for the right digit, 0 for the others). Training "
             "lowers the average of C over all training digits; each digit only says which way "
             "it would like the outputs to go.")
INTRO_CE = ("With the cross-entropy cost, one digit's cost is C = −ln a of the right output "
            "(the outputs are softmax probabilities that add up to 1): the less sure the network is "
            "of the right answer, the higher C. Training lowers the average of C over all "
            "training digits; each digit only says which way it would like the outputs to go.")
class ExampleCostView(LessonView):
    """The current example's cost C = Σ (a_j − y_j)² and what it asks of the network.

    Public beyond :class:`LessonView`: ``wishes`` (the
    :class:`~gdviz.training.analysis.ExampleWishes` on show), ``average_cost``
    (the running average of recent mini-batch costs, or NaN), and the plot
    items (``out_bars``, ``target_bars``, ``term_bars``, ``wish_bars``,
    ``contrib_image``, ``hidden_bars``, ``compare_bars``) for tests and tools.
    The pin controls send ``session.pin_example``.
    """

    #: "digit": the digit, its outputs, cost terms and wishes and its cost beside the
    #: averages; "back": what the outputs ask of the last hidden layer.
    PARTS = ("digit", "back")

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self._n_hidden = None
        self._cmp_axis_w = 0
        self.wishes = None
        self._recent: deque[float] = deque(maxlen=RECENT)
        self._contrib_scale = style.LevelSmoother()
        self._hidden_scale = style.LevelSmoother(rise=1.0, fall=0.15, tolerance=0.05)
        self._term_top = style.LevelSmoother(rise=1.0, fall=0.05, tolerance=0.05)
        self._cmp_top = style.LevelSmoother(rise=1.0, fall=0.05, tolerance=0.05)
        self._cost_name = None
        self._hidden_range_set = False
        self._keys: dict[str, object] = {}  # what each item shows now: skip unchanged updates
        self._build_ui()

    # ================================================================== UI
    def _build_ui(self) -> None:
        lay = style.panel_layout(self)
        lay.addWidget(style.title_label(
            "One example's cost, and which way it wants each output to move"))
        self.intro = style.note_label(INTRO_MSE)
        lay.addWidget(self.intro)

        grid = QtWidgets.QGridLayout()
        grid.setSpacing(6)
        grid.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(grid, 1)

        # ---- left column: digit + pin controls | outputs, cost terms and wishes (x = digit)
        digit_box = QtWidgets.QVBoxLayout()
        digit_box.setSpacing(2)
        self.digit_canvas = style.plot_widget()
        self.digit_canvas.setFixedSize(DIGIT_PX, DIGIT_PX)
        self.digit_view = self.digit_canvas.addViewBox()
        style.fixed_view(self.digit_view)
        self.digit_view.invertY(True)
        self.digit_view.setAspectLocked(True)
        self.digit = pg.ImageItem(axisOrder="row-major")
        self.digit.setLookupTable(style.ink_lut())
        self.digit_view.addItem(self.digit)
        frame = QtWidgets.QGraphicsRectItem(QtCore.QRectF(0, 0, 28, 28))
        frame.setPen(pg.mkPen(style.BOARD, width=1))
        self.digit_view.addItem(frame)
        self._frame = frame
        self.digit_canvas.setToolTip("The digit whose cost is shown here.")
        self.source = QtWidgets.QLabel(" ")
        self.source.setFont(style.font(8.5))
        self.source.setStyleSheet(f"color: {style.MUTED};")
        self.source.setWordWrap(True)
        self.source.setFixedWidth(DIGIT_PX + 10)
        self.answer = QtWidgets.QLabel(" ")
        self.answer.setFont(style.font(10.5, bold=True))
        self.answer.setWordWrap(True)
        self.answer.setFixedWidth(DIGIT_PX + 10)
        self.answer.setTextFormat(QtCore.Qt.TextFormat.RichText)
        digit_box.addWidget(self.digit_canvas)
        for lab in (self.answer, self.source):
            box = style.QuietLabel(lab)
            box.setFixedWidth(DIGIT_PX + 10)
            digit_box.addWidget(box)
        digit_box.addSpacing(6)
        pin_title = QtWidgets.QLabel("Look at one test digit:")
        pin_title.setFont(style.font(8.5))
        digit_box.addWidget(pin_title)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(3)
        self.pin_spin = QtWidgets.QSpinBox()
        self.pin_spin.setFont(style.font(8.5))
        self.pin_spin.setRange(0, 0)
        self.pin_spin.setPrefix("#")
        self.pin_spin.setToolTip("The number of a test digit (the network never trains on these).")
        self.pin_button = QtWidgets.QPushButton("Pin")
        self.pin_button.setFont(style.font(8.5))
        self.pin_button.setToolTip("Show this test digit here (and in the output panel) at every "
                                   "step, to watch its cost and wishes change as the network learns.")
        self.pin_button.clicked.connect(self._pin)
        row.addWidget(self.pin_spin, 1)
        row.addWidget(self.pin_button)
        digit_box.addLayout(row)
        self.follow_button = QtWidgets.QPushButton("Follow training")
        self.follow_button.setFont(style.font(8.5))
        self.follow_button.setToolTip("Show the digit the network trained on in the last step.")
        self.follow_button.clicked.connect(self._follow)
        digit_box.addWidget(self.follow_button)
        digit_box.addStretch(1)
        grid.addLayout(digit_box, 0, 0, 2, 1)

        self.left_canvas = style.plot_widget()
        self.out_plot, self.term_plot, self.wish_plot = style.plot_grid(
            self.left_canvas, (("", "output a"), ("", "(a − y)²"), ("output neuron (digit)", "−∂C/∂a")),
            (3, 3, 4), spacing=3, across=False)
        for p in (self.out_plot, self.term_plot, self.wish_plot):
            p.setXRange(-0.7, 9.7, padding=0)
            p.getAxis("left").setWidth(52)
            p.getAxis("bottom").setTicks([[(j, str(j)) for j in range(10)], []])
            p.showGrid(y=True, alpha=0.15)
        self.out_plot.setTitle("outputs a (bars) · what they should be, y (dashed)",
                               size="8.5pt", color=style.MUTED)
        self.out_plot.getAxis("left").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")], []])
        x = np.arange(10)
        self.out_bars = Bars(width=0.62, color=style.BAR)
        self.target_bars = Bars(width=0.84, color=None,
                                 pen=pg.mkPen(style.TARGET, width=1.5,
                                              style=QtCore.Qt.PenStyle.DashLine))
        self.target_bars.setZValue(2)
        self.term_bars = Bars(width=0.62, color=style.BAR)
        self.wish_bars = Bars(width=0.62, color=UP)
        for bars, plot in ((self.out_bars, self.out_plot), (self.target_bars, self.out_plot),
                           (self.term_bars, self.term_plot), (self.wish_bars, self.wish_plot)):
            bars.setPositions(x)
            plot.addItem(bars, ignoreBounds=True)
        set_y(self.out_plot, -0.05, 1.12, self.out_bars, self.target_bars)
        set_y(self.term_plot, 0, 1, self.term_bars)
        set_y(self.wish_plot, -2.1, 2.1, self.wish_bars)
        self.wish_plot.addLine(y=0, pen=pg.mkPen(style.FOREGROUND, width=1))
        self.wish_plot.setTitle("which way each output wants to move: "
                                f"<span style='color:{UP}'>▲ up</span> "
                                f"<span style='color:{DOWN}'>▼ down</span>",
                                size="8.5pt", color=style.MUTED)
        self.out_plot.setToolTip("Bars: what the network answers for this digit (each output "
                                 "between 0 and 1). Dashed boxes: the desired answer y.")
        self.term_plot.setToolTip("Each output's part of this digit's cost, (a − y)². "
                                  "Their sum is the cost C of this one example.")
        self.wish_plot.setToolTip("How the cost of this digit changes if an output grows: "
                                  "−∂C/∂a = −2(a − y). Green bars: the output should grow, "
                                  "red: it should shrink; the longer, the more it lowers C.")
        self.term_plot.getAxis("left").setTicks(None)
        grid.addWidget(self.left_canvas, 0, 1, 2, 1)
        self.wish_text = QtWidgets.QLabel(" ")
        self.wish_text.setFont(style.font(9.5))
        self.wish_text.setWordWrap(True)
        grid.addWidget(style.QuietLabel(self.wish_text), 2, 0, 1, 2)

        # ---- right column: this example vs the average | what the outputs want from hidden 2
        right_top = QtWidgets.QVBoxLayout()
        right_top.setSpacing(2)
        right_top.addWidget(style.heading("This digit's cost vs the average over all training data",
                                          wrap=True))
        self.cmp_canvas = style.plot_widget()
        self.cmp_canvas.setMinimumHeight(84)
        self.cmp_canvas.setMaximumHeight(150)
        self.cmp_plot = style.fixed_plot(self.cmp_canvas, "cost C", "")
        self.cmp_plot.getAxis("left").setWidth(140)
        self.cmp_plot.setYRange(-0.5, 2.5, padding=0)
        self.cmp_plot.showGrid(x=True, alpha=0.15)
        self.compare_bars = pg.BarGraphItem(
            x0=np.zeros(3), y=np.array([2.0, 1.0, 0.0]), height=np.full(3, 0.62),
            width=np.zeros(3), brushes=[pg.mkBrush(style.POSITIVE), pg.mkBrush(style.BAR),
                                        pg.mkBrush("#4d4d4d")], pen=pg.mkPen(None))
        self.cmp_plot.addItem(self.compare_bars)
        self.cmp_labels = [pg.TextItem("", color=style.FOREGROUND, anchor=(0, 0.5)) for _ in range(3)]
        for t in self.cmp_labels:
            t.setFont(style.font(8.5))
            self.cmp_plot.addItem(t, ignoreBounds=True)
        self.cmp_canvas.setToolTip(
            "Red: the cost of this one digit. Blue-grey: the average cost of the last mini-batches "
            "the network trained on. Dark: the average over the training data at the last "
            "evaluation. Gradient descent lowers the average, not any one digit's cost.")
        right_top.addWidget(self.cmp_canvas, 1)
        self.cmp_text = style.note_label(" ", size=8.5)
        self.cmp_text.setStyleSheet(f"color: {style.FOREGROUND};")
        right_top.addWidget(style.QuietLabel(self.cmp_text))
        grid.addLayout(right_top, 0, 2)

        right_bottom = QtWidgets.QVBoxLayout()
        right_bottom.setSpacing(2)
        self.back_head = style.heading("Passed back: what each output wants from the last hidden layer",
                                       wrap=True)
        right_bottom.addWidget(style.QuietLabel(self.back_head))
        self.back_canvas = style.plot_widget()
        self.contrib_plot, self.hidden_plot = style.plot_grid(
            self.back_canvas, (("", "output (digit)"), ("neuron of the last hidden layer", "sum")), (5, 3),
            spacing=2, across=False)
        for p in (self.contrib_plot, self.hidden_plot):
            p.getAxis("left").setWidth(52)
        self.hidden_plot.setXLink(self.contrib_plot)
        vb = self.contrib_plot.getViewBox()
        vb.invertY(True)
        self.contrib_image = Heat(style.argb_table(wish_cmap()))
        board = QtWidgets.QGraphicsRectItem(QtCore.QRectF(0, 0, 16, 10))
        board.setPen(pg.mkPen(None))
        board.setBrush(pg.mkBrush(style.BOARD))
        board.setZValue(-10)
        self._contrib_board = board
        self.contrib_plot.addItem(board)
        self.contrib_plot.addItem(self.contrib_image)
        self.contrib_plot.getAxis("left").setTicks([[(j + 0.5, str(j)) for j in range(10)], []])
        self.contrib_plot.setYRange(0, 10, padding=0)
        self.contrib_plot.setToolTip(
            "Row j, column k: what output j wants from hidden neuron k — its weight w_jk times "
            "the output's own wish. Green: output j wants neuron k to be more active, red: less. "
            "An output that wants to go up asks more of the neurons it is connected to by "
            "positive weights.")
        self.contrib_bar = pg.ColorBarItem(values=(-1, 1), colorMap=wish_cmap(), interactive=False,
                                           width=12, colorMapMenu=False)
        style.style_axis(self.contrib_bar.axis, size=8)
        self.contrib_bar.axis.setWidth(40)
        self.back_canvas.addItem(self.contrib_bar, row=0, col=1)
        self.back_canvas.ci.layout.setColumnFixedWidth(1, 64)
        self.hidden_bars = Bars(width=0.62, color=UP)
        self.hidden_bars.setPositions(np.arange(16) + 0.5)
        self.hidden_plot.addItem(self.hidden_bars, ignoreBounds=True)
        self.hidden_plot.addLine(y=0, pen=pg.mkPen(style.FOREGROUND, width=1))
        self.hidden_plot.setToolTip(
            "Each column of the matrix above added up: what all ten outputs together want from "
            "each hidden neuron, −∂C/∂a of that neuron. Backpropagation passes these wishes on "
            "to the layer before in the same way.")
        self.hidden_plot.showGrid(y=True, alpha=0.15)
        right_bottom.addWidget(self.back_canvas, 1)
        grid.addLayout(right_bottom, 1, 2)
        self.hidden_text = QtWidgets.QLabel(" ")
        self.hidden_text.setFont(style.font(9.5))
        self.hidden_text.setWordWrap(True)
        grid.addWidget(style.QuietLabel(self.hidden_text), 2, 2)

        grid.setColumnStretch(0, 0)
        grid.setColumnStretch(1, 5)
        grid.setColumnStretch(2, 6)
        grid.setRowStretch(0, 0)
        grid.setRowStretch(1, 1)

        self.status = style.status_label()
        self.status.setStyleSheet(f"color: {style.MUTED};")
        lay.addWidget(self.status)
        # The axes (with their grid lines over the plot) repaint from a pixmap when a bar
        # under them changes: playing their pictures again cost ~4 ms per changed plot.
        for p in (self.out_plot, self.term_plot, self.wish_plot, self.cmp_plot,
                  self.contrib_plot, self.hidden_plot):
            for side in ("left", "bottom"):
                p.getAxis(side).setCacheMode(
                    QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.left_canvas.scene().sigMouseMoved.connect(self._hover_left)
        self.back_canvas.scene().sigMouseMoved.connect(self._hover_back)

    # ================================================================== public
    def set_context(self, session, dataset) -> None:
        if session is not self.session:
            self.snap = None  # another session may reuse run ids: start afresh
        super().set_context(session, dataset)
        n = len(getattr(dataset, "test_labels", ())) if dataset is not None else 0
        self.pin_spin.setRange(0, max(0, n - 1))
        self.pin_button.setEnabled(session is not None and n > 0)
        self.follow_button.setEnabled(session is not None)

    @property
    def average_cost(self) -> float:
        """Mean of the last ``RECENT`` mini-batch costs seen (NaN if none yet)."""
        return float(np.mean(self._recent)) if self._recent else float("nan")

    def render(self, snap) -> None:
        if snap is self.snap:  # the window may hand the same snapshot again
            self.continue_drawing()
            return
        if self.new_run(snap):
            self._recent.clear()
            self._contrib_scale.reset()
            self._hidden_scale.reset()
            self._cmp_top.reset()
        costs = np.asarray(snap.new_costs, dtype=np.float64)
        self._recent.extend(costs[np.isfinite(costs)][-RECENT:].tolist())  # every snapshot
        self.wishes = example_wishes(network_for(snap), snap.theta, snap.example_image,
                                     snap.example_label)
        self.draw((snap, self.wishes, self.average_cost), live=snap.running and snap.step > 0)

    def draw_part(self, part: str, value) -> None:
        if value is None:  # nothing rendered yet
            return
        snap, w, avg = value
        if part == "digit":
            self._show_digit(snap, w)
            self._show_outputs(snap, w)
            self._show_compare(snap, w, avg)
        else:
            self._show_back(snap, w)

    # ================================================================== commands
    def _pin(self) -> None:
        if self.session is not None:
            self.session.pin_example(int(self.pin_spin.value()))

    def _follow(self) -> None:
        if self.session is not None:
            self.session.pin_example(None)

    # ================================================================== drawing
    def _changed(self, name: str, key) -> bool:
        """True (and remember ``key``) when what ``name`` shows would change."""
        old = self._keys.get(name, self)
        if old is not self and type(old) is type(key) and same(old, key):
            return False
        self._keys[name] = key
        return True

    def _set_bars(self, name: str, bars: Bars, height, colours=None) -> None:
        """``bars`` at ``height`` (NaN as 0) with per-bar ``colours``, only when either changed."""
        h = np.nan_to_num(np.asarray(height, dtype=np.float64), nan=0.0)
        if not self._changed(name, (h.tobytes(), tuple(colours) if colours else None)):
            return
        bars.set_bars(h, colours)

    def _show_digit(self, snap, w) -> None:
        n_in = snap.sizes[0]
        h, wd = style.image_shape(n_in, getattr(self.dataset, "image_shape", None))
        img = np.asarray(snap.example_image)
        if self._changed("digit", img.tobytes()) or self._changed("digit shape", (h, wd)):
            self.digit.setImage(img.reshape(h, wd), levels=(0, 255), autoLevels=False)
        if self._changed("frame", (h, wd)):
            self._frame.setRect(QtCore.QRectF(0, 0, wd, h))
            self.digit_view.setRange(xRange=(0, wd), yRange=(0, h), padding=0.02)
        label, pred = w.label, w.prediction
        if pred < 0:
            text = f"a {label}: the network gives no answer (not a number)"
        elif pred == label:
            text = (f"a {label}: the network says "
                    f"<span style='color:{style.ANSWER_RIGHT}'>{pred} ✓</span>")
        else:
            text = (f"a {label}: the network says "
                    f"<span style='color:{style.ANSWER_WRONG}'>{pred} ✗</span>")
        self.answer.parentWidget().setText(text)
        src = snap.example_source
        if src.startswith("training"):
            src += (f", step {snap.step:,} (the first digit of the last mini-batch)"
                    if snap.optimizer != "gd" else f", step {snap.step:,}")
        else:
            src += f" — pinned, step {snap.step:,}"
        self.source.parentWidget().setText(src)

    def _show_outputs(self, snap, w) -> None:
        mse = w.cost_name == "mse"
        a = np.asarray(w.activations[-1], dtype=np.float64)
        self._set_bars("out", self.out_bars, a)
        self._set_bars("target", self.target_bars, w.target)
        terms = np.asarray(w.cost_terms, dtype=np.float64)
        self._set_bars("terms", self.term_bars, terms,
                       [style.POSITIVE if j == w.label else style.BAR for j in range(10)])
        if w.cost_name != self._cost_name:
            self._cost_name = w.cost_name
            self.intro.setText(INTRO_MSE if mse else INTRO_CE)
            self.wish_plot.setToolTip(
                "How the cost of this digit changes if an output grows: −∂C/∂a = −2(a − y). "
                "Green bars: the output should grow, red: it should shrink; the longer, the more "
                "it lowers C." if mse else
                "With softmax the outputs move together, so the wish is taken before the "
                "squashing: y − a. Green bars: the output should grow, red: shrink.")
            style.style_axis(self.term_plot.getAxis("left"), "(a − y)²" if mse else "−y ln a")
            style.style_axis(self.wish_plot.getAxis("left"), "−∂C/∂a" if mse else "y − a")
            set_y(self.wish_plot, *((-2.1, 2.1) if mse else (-1.05, 1.05)), self.wish_bars)
            self._term_top.reset()
            if mse:  # (a − y)² ≤ 1 for outputs in [0, 1]: a fixed scale, comparable over time
                set_y(self.term_plot, 0, 1.0, self.term_bars)
        if not mse:
            fin = terms[np.isfinite(terms)]
            top = self._term_top.update(float(fin.max()) if fin.size else 1.0)
            if self._term_top.changed:
                set_y(self.term_plot, 0, style.nice_ceiling(max(top, 0.5) * 1.05), self.term_bars)
        term_name = "(aⱼ − yⱼ)²" if mse else "−yⱼ ln aⱼ"
        set_title(self._keys, self.term_plot, f"cost terms {term_name}, sum C = <b>{style.fmt(w.cost)}</b>",
                  style.FOREGROUND)
        wish = np.asarray(w.output_wishes, dtype=np.float64)
        self._set_bars("wish", self.wish_bars, wish, [UP if v >= 0 else DOWN for v in wish])
        self.wish_text.parentWidget().setText(wish_words(wish, w.label, a))

    def _show_compare(self, snap, w, avg: float) -> None:
        ev = snap.last_eval
        full = ev.train_cost if ev is not None else float("nan")
        vals = np.array([w.cost, avg, full], dtype=np.float64)
        widths = np.nan_to_num(vals, nan=0.0, posinf=0.0)
        if self._changed("compare", widths.tobytes()):
            self.compare_bars.setOpts(width=widths)
        n_avg = len(self._recent)
        names = ["this digit (sum C)",
                 f"last {n_avg} mini-batches" if n_avg else "recent mini-batches",
                 "all training data" if ev is None else
                 f"training data, step {ev.step:,}"]
        if self._changed("compare names", tuple(names)):
            axis = self.cmp_plot.getAxis("left")
            fm = QtGui.QFontMetrics(axis.style["tickFont"] or axis.font())
            need = max(fm.horizontalAdvance(n) for n in names) + 14
            if need > self._cmp_axis_w:  # a name wider than its axis is not drawn at all
                self._cmp_axis_w = need
                axis.setWidth(need)
            axis.setTicks([[(2 - i, names[i]) for i in range(3)], []])
        top = self._cmp_top.update(float(np.nanmax(widths)) if widths.max() > 0 else 1.0)
        xmax = style.nice_ceiling(top * 1.25, 0.01)
        if self._changed("compare x", xmax):
            self.cmp_plot.setXRange(0, xmax, padding=0)
        for i, t in enumerate(self.cmp_labels):
            v = vals[i]
            style.set_item_text(t, style.fmt(v) if math.isfinite(v) else
                      "not measured yet" if i == 1 else "measured at the end of each epoch",
                      (min(widths[i], xmax * 0.8) + xmax * 0.01, 2 - i))
        ref = avg if math.isfinite(avg) else full
        if not math.isfinite(w.cost):
            text = "This digit's cost is not a number: training diverged."
        elif not math.isfinite(ref) or ref <= 0:
            text = "The average cost appears once the network has trained for a step."
        else:
            r = w.cost / ref
            if r >= 1.5:
                text = (f"This digit costs {r:.1f}× the average: the network does worse than usual "
                        "on it, so it asks for bigger changes.")
            elif r <= 1 / 1.5:
                share = f"{r:.2f}×" if r >= 0.01 else "less than a hundredth of"
                text = (f"This digit costs {share} the average: the network already "
                        "handles it better than most.")
            else:
                text = "This digit costs about as much as an average training digit."
            text += " Training lowers the average, not any one digit's cost."
        self.cmp_text.parentWidget().setText(text)

    def _show_back(self, snap, w) -> None:
        contrib = np.asarray(w.contributions, dtype=np.float32)
        n_out, n_h = contrib.shape
        if n_h != self._n_hidden:
            self._n_hidden = n_h
            self._contrib_board.setRect(QtCore.QRectF(0, 0, n_h, n_out))
            self.contrib_plot.setXRange(0, n_h, padding=0.01)
            self.contrib_plot.getAxis("bottom").setTicks(style.integer_ticks(n_h))
            self.hidden_plot.getAxis("bottom").setTicks(style.integer_ticks(n_h))
            self.hidden_bars.setPositions(np.arange(n_h) + 0.5)
            set_y(self.hidden_plot, *self.hidden_plot.getViewBox().viewRange()[1], self.hidden_bars)
            self._keys.pop("hidden", None)
        n_layers = len(snap.sizes) - 1
        head = self.back_head.parentWidget()
        if n_layers < 2:
            head.setText("No hidden layer: the outputs' wishes go straight to the "
                         "weights from the pixels.")
            self.contrib_image.clear()
            self._set_bars("hidden", self.hidden_bars, np.zeros(n_h))
            self.hidden_text.parentWidget().setText(" ")
            return
        else:
            which = "the last hidden layer" if n_layers > 2 else "the hidden layer"
            if n_layers == 3:
                which = "the second hidden layer"
            head.setText(f"Passed back: what each output wants from {which}")
        m = self._contrib_scale.update(style.robust_max(contrib, 100.0))
        self.contrib_image.setImage(contrib, levels=(-m, m))
        if self._contrib_scale.changed:
            self.contrib_bar.setLevels((-m, m), update_items=False)
        hw = np.asarray(w.hidden_wishes, dtype=np.float64)
        self._set_bars("hidden", self.hidden_bars, hw, [UP if v >= 0 else DOWN for v in hw])
        fin = hw[np.isfinite(hw)]
        top = self._hidden_scale.update(float(np.abs(fin).max()) if fin.size else 1.0)
        if self._hidden_scale.changed or not self._hidden_range_set:
            self._hidden_range_set = True
            r = style.nice_ceiling(top * 1.1, 1e-6)
            set_y(self.hidden_plot, -r, r, self.hidden_bars)
        self.hidden_text.parentWidget().setText(hidden_words(hw, style.fmt))

    # ================================================================== hover
    def _hover_left(self, pos) -> None:
        w = self.wishes
        if w is None:
            return
        for p in (self.out_plot, self.term_plot, self.wish_plot):
            vb = p.getViewBox()
            if vb.sceneBoundingRect().contains(pos):
                j = round(vb.mapSceneToView(pos).x())
                if 0 <= j < w.output_wishes.size:
                    a = float(w.activations[-1][j])
                    way = "up" if w.output_wishes[j] > 0 else "down"
                    self.status.setText(
                        f"output {j}: a = {style.fmt(a)}, should be {w.target[j]:g}; its cost "
                        f"term {style.fmt(w.cost_terms[j])}; it wants to go {way} "
                        f"(−∂C/∂a = {style.fmt(w.output_wishes[j])})")
                    return
        self.status.setText(" ")

    def _hover_back(self, pos) -> None:
        w = self.wishes
        if w is None:
            return
        vb = self.contrib_plot.getViewBox()
        n_out, n_h = w.contributions.shape
        if vb.sceneBoundingRect().contains(pos):
            q = vb.mapSceneToView(pos)
            j, k = math.floor(q.y()), math.floor(q.x())
            if 0 <= j < n_out and 0 <= k < n_h:
                v = float(w.contributions[j, k])
                want = "more active" if v > 0 else "less active" if v < 0 else "unchanged"
                snap = self.snap
                W, _ = style.layer_views(snap.theta, snap.sizes, len(snap.sizes) - 2)
                self.status.setText(
                    f"output {j} wants hidden neuron {k} {want}: {style.fmt(v)} = its weight "
                    f"{style.fmt(W[j, k])} × the output's wish before squashing, "
                    f"{style.fmt(w.output_neg_delta[j])}")
                return
        hv = self.hidden_plot.getViewBox()
        if hv.sceneBoundingRect().contains(pos):
            k = math.floor(hv.mapSceneToView(pos).x())
            if 0 <= k < n_h:
                self.status.setText(f"hidden neuron {k}: all outputs together want it to change by "
                                    f"{style.fmt(w.hidden_wishes[k])} (a = "
                                    f"{style.fmt(w.activations[-2][k])})")
                return
        self.status.setText(" ")
