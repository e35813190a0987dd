"""Draw a digit: the network answers live as you draw.

A 280×280 canvas (scaled to fit, :class:`DrawingCanvas`) takes mouse strokes;
:class:`gdviz.training.drawn_digit.Drawing` turns them into the network's 28×28
input the way MNIST's digits were made (the digit's bounding box scaled to
20×20, centred by its centre of mass in 28×28), and
:func:`gdviz.training.drawn_digit.answer` runs the network of the latest
snapshot on it. The view shows that input, the ten outputs (the answer
highlighted) and every hidden layer's activations.

The forward pass of one digit takes ~50 µs, so it runs in the GUI thread, on
each mouse move (at most ~30 times a second) and at every new snapshot.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import style
from gdviz.qt.views.base import LessonView
from gdviz.qt.views.drawing_canvas import DrawingCanvas
from gdviz.qt.views.layer_cells import LayerCells
from gdviz.training.drawn_digit import INPUT_SIDE, answer

__all__ = ["DrawView", "DrawingCanvas", "LayerCells"]

THROTTLE_MS = 33  # at most ~30 updates a second while drawing
ANSWER = "#2d4a73"  # the highlighted answer bar (no right/wrong colour: we do not know the truth)


class DrawView(LessonView):
    """Draw a digit and see the network's answer, live.

    Public API beyond :class:`LessonView`: ``canvas`` (the :class:`DrawingCanvas`),
    ``clear()``, ``input`` (the (784,) uint8 network input shown in the
    preview), ``activations`` (every layer's activations for it, or None),
    ``answer`` (the digit, or None), ``bars`` (the output BarGraphItem).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self._net_key = None  # (sizes, activation, cost) of the network answering
        self._usable = True
        self.input = np.zeros(INPUT_SIDE * INPUT_SIDE, np.uint8)
        self.activations: list[np.ndarray] | None = None
        self.answer: int | None = None
        self._value_texts: list[str] = []
        self._answer_bar = None
        self._clock = QtCore.QElapsedTimer()
        self._later = QtCore.QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self.update_input)
        self._build_ui()
        self._apply_fonts()
        self._show_outputs()

    # ------------------------------------------------------------------ UI
    def _build_ui(self) -> None:
        lay = self.scrolling_body()
        self.title = QtWidgets.QLabel("Draw a digit with the mouse: the network answers as you "
                                      "draw, with the weights it has learnt so far.")
        self.title.setWordWrap(True)
        lay.addWidget(self.title)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(16)
        lay.addLayout(row, 1)

        # ---- left: canvas
        left = QtWidgets.QVBoxLayout()
        left.setSpacing(4)
        self.canvas = DrawingCanvas()
        buttons = QtWidgets.QHBoxLayout()
        self.clear_button = QtWidgets.QPushButton("Clear")
        self.clear_button.setToolTip("Wipe the canvas to draw another digit (or right-click it).")
        self.clear_button.clicked.connect(self.clear)
        self.hint = QtWidgets.QLabel("left button: draw · right-click: clear")
        self.hint.setStyleSheet(f"color: {style.MUTED};")
        self.hint.setToolTip(self.canvas.toolTip())
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.hint, 1)
        left.addLayout(buttons)
        left.addWidget(self.canvas, 1)
        row.addLayout(left, 5)

        # ---- middle: what the network sees
        mid = QtWidgets.QVBoxLayout()
        mid.setSpacing(4)
        self.preview_title = QtWidgets.QLabel("What the network sees")
        self.preview_title.setToolTip(
            "The network's input: 28×28 = 784 pixels, each a number from 0 (white) to 1 (black). "
            "Your drawing is shrunk so its larger side is 20 pixels and placed so that its "
            "centre of mass is in the middle — exactly how the MNIST digits were made.")
        self.preview_canvas = style.plot_widget()
        self.preview_canvas.setToolTip(self.preview_title.toolTip())
        self.preview_view = self.preview_canvas.addViewBox()
        style.fixed_view(self.preview_view)
        self.preview_view.invertY(True)
        self.preview_view.setAspectLocked(True)
        self.preview_view.setRange(xRange=(0, INPUT_SIDE), yRange=(0, INPUT_SIDE), padding=0.01)
        self.preview = pg.ImageItem(axisOrder="row-major")
        self.preview.setLookupTable(style.ink_lut())
        self.preview.setImage(self.input.reshape(INPUT_SIDE, INPUT_SIDE), levels=(0, 255),
                              autoLevels=False)
        self.preview_view.addItem(self.preview)
        frame = QtWidgets.QGraphicsRectItem(QtCore.QRectF(0, 0, INPUT_SIDE, INPUT_SIDE))
        frame.setPen(pg.mkPen(style.BOARD, width=1))
        self.preview_view.addItem(frame)
        # the middle of the field, where the digit's centre of mass goes (pixel 14's centre)
        self.centre_mark = pg.ScatterPlotItem([INPUT_SIDE / 2 + 0.5], [INPUT_SIDE / 2 + 0.5],
                                              symbol="+", size=11, brush=pg.mkBrush(style.POSITIVE),
                                              pen=pg.mkPen(style.POSITIVE, width=1))
        self.preview_view.addItem(self.centre_mark)
        self.preview_note = QtWidgets.QLabel(
            "Your drawing, shrunk so its larger side is 20 pixels and moved so its centre of "
            "mass is at the middle (red +) of 28×28 pixels — how the MNIST digits the network "
            "learnt from were made. These 784 grey levels are the input layer.")
        self.preview_note.setWordWrap(True)
        self.preview_note.setStyleSheet(f"color: {style.MUTED};")
        self.preview_note.setToolTip(self.preview_title.toolTip())
        mid.addWidget(self.preview_title)
        mid.addWidget(self.preview_canvas)
        mid.addWidget(self.preview_note)
        mid.addStretch(1)
        row.addLayout(mid, 0)

        # ---- right: the answer, the outputs, the hidden layers
        right = QtWidgets.QVBoxLayout()
        right.setSpacing(4)
        self.answer_label = QtWidgets.QLabel(" ")
        self.answer_label.setToolTip("The network's answer: the output neuron with the highest "
                                     "activation, and that activation.")
        self.second_label = QtWidgets.QLabel(" ")
        self.second_label.setStyleSheet(f"color: {style.MUTED};")
        self.second_label.setWordWrap(True)
        self.outputs_title = QtWidgets.QLabel("The ten output neurons")
        self.outputs_title.setToolTip("One bar per output neuron: how strongly the network thinks "
                                      "your drawing is that digit (0 = not at all, 1 = sure). "
                                      "The highest bar is its answer.")
        self.plot_canvas = style.plot_widget()
        self.plot_canvas.setToolTip(self.outputs_title.toolTip())
        self.plot_canvas.setMinimumHeight(140)
        # its size hint must not make the tab scroll: it takes the room that is left
        self.plot_canvas.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                                       QtWidgets.QSizePolicy.Policy.Ignored)
        self.out_plot = style.fixed_plot(self.plot_canvas)
        self.out_plot.setXRange(-0.7, 9.7, padding=0)
        self.out_plot.setYRange(-0.04, 1.12, padding=0)
        self.out_plot.showGrid(y=True, alpha=0.15)
        self._bar_brush = pg.mkBrush(style.BAR)
        self._answer_brush = pg.mkBrush(ANSWER)
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.66,
                                    brush=self._bar_brush, pen=pg.mkPen(None))
        self.out_plot.addItem(self.bars)
        self.value_labels: list[pg.TextItem] = []
        self.hidden_title = QtWidgets.QLabel("The hidden neurons (pale = off, dark = firing)")
        self.hidden_title.setToolTip("The activation of every hidden neuron for your drawing: "
                                     "the features the network found in it. Hover a cell for "
                                     "its value.")
        self.hidden_title.setWordWrap(True)
        self.outputs_title.setWordWrap(True)
        self.answer_label.setWordWrap(True)
        self.hidden = LayerCells()
        self.hidden.setToolTip(self.hidden_title.toolTip())
        right.addWidget(self.answer_label)
        right.addWidget(self.second_label)
        right.addSpacing(4)
        right.addWidget(self.outputs_title)
        right.addWidget(self.plot_canvas, 3)
        right.addWidget(self.hidden_title)
        right.addWidget(self.hidden, 1)
        row.addLayout(right, 4)

        self.footer = QtWidgets.QLabel(" ")
        self.footer.setWordWrap(True)
        self.footer.setStyleSheet(f"color: {style.MUTED};")
        self.footer.setToolTip("The network only knows digits drawn like MNIST's: centred, "
                               "upright, with a thick pen. Unusual shapes fool it.")
        lay.addWidget(self.footer)

        self.canvas.changed.connect(self._stroke_changed)
        self.canvas.finished.connect(self.update_input)
        self.canvas.cleared.connect(self.update_input)
        self._build_outputs(10)

    def _apply_fonts(self) -> None:
        base = self.font()
        pt = base.pointSizeF() if base.pointSizeF() > 0 else 9.0
        self.title.setFont(style.rel_font(base, 1.1, bold=True))
        for w in (self.preview_title, self.outputs_title, self.hidden_title):
            w.setFont(style.rel_font(base, 1.0, bold=True))
        self.answer_label.setFont(style.rel_font(base, 1.9, bold=True))
        self.second_label.setFont(style.rel_font(base, 1.05))
        side = min(210, max(170, round(QtGui.QFontMetrics(base).height() * 14)))
        self.preview_canvas.setFixedSize(side, side)
        self.preview_note.setFixedWidth(side)
        self.preview_title.setFixedWidth(side)
        self.preview_title.setWordWrap(True)
        style.style_axis(self.out_plot.getAxis("left"), "output", size=pt * 0.9)
        style.style_axis(self.out_plot.getAxis("bottom"), "digit", size=pt * 0.9)
        self.out_plot.getAxis("left").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")], []])
        self.out_plot.getAxis("left").setWidth(round(pt * 5))
        for t in self.value_labels:
            t.setFont(style.rel_font(base, 0.8))

    def changeEvent(self, e) -> None:
        if e.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.ApplicationFontChange):
            self._apply_fonts()
            self._fit_value_labels()
        super().changeEvent(e)

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        QtCore.QTimer.singleShot(0, self._fit_value_labels)  # after the layout has settled

    def _fit_value_labels(self) -> None:
        """Show the numbers above the bars only when they fit side by side."""
        if not self.value_labels:
            return
        vb = self.out_plot.getViewBox()
        per_bar = vb.width() / max(1, len(self.value_labels))
        need = QtGui.QFontMetrics(self.value_labels[0].textItem.font()).horizontalAdvance("0.00") + 4
        for t in self.value_labels:
            t.setVisible(per_bar >= need)

    def _build_outputs(self, n_out: int) -> None:
        self.out_plot.setXRange(-0.7, n_out - 0.3, padding=0)
        ticks = [(k, str(k)) for k in range(n_out)] if n_out <= 20 else \
            [(k, str(k)) for k in range(0, n_out, math.ceil(n_out / 20))]
        self.out_plot.getAxis("bottom").setTicks([ticks, []])
        self.bars.setOpts(x=np.arange(n_out), height=np.zeros(n_out), brush=self._bar_brush,
                          brushes=None)
        self._answer_bar = None
        for t in self.value_labels:
            self.out_plot.removeItem(t)
        self.value_labels = []
        if n_out <= 12:
            for _ in range(n_out):
                t = pg.TextItem("", color=style.FOREGROUND, anchor=(0.5, 1.0))
                t.setFont(style.rel_font(self.font(), 0.8))
                self.out_plot.addItem(t)
                self.value_labels.append(t)
        self._value_texts = [""] * len(self.value_labels)

    # ------------------------------------------------------------------ contract
    def render(self, snap) -> None:
        """Take θ of ``snap``; recompute the answer when θ changed and something is drawn."""
        old, self.snap = self.snap, snap
        key = (tuple(snap.sizes), snap.activation, snap.cost_name)
        if key != self._net_key:
            self._net_key = key
            self._usable = snap.sizes[0] == INPUT_SIDE * INPUT_SIDE
            self._build_outputs(snap.sizes[-1])
            self.hidden.set_layers(snap.sizes[1:-1], snap.activation)
            self._forward()
        elif old is None or snap.theta is not old.theta:
            self._forward()
        self._update_footer(snap)

    def shutdown(self, deadline: float | None = None) -> None:
        self._later.stop()

    def demo(self) -> None:
        """Draw a "7" (for screenshots and first-time users): a bar and a slanted stem."""
        self.canvas.clear()
        for stroke in (((75, 70), (205, 70)), ((205, 70), (170, 140), (140, 215))):
            self.canvas.begin_stroke(*stroke[0])
            for (x0, y0), (x1, y1) in zip(stroke[:-1], stroke[1:]):
                for t in np.linspace(0, 1, 12)[1:]:
                    self.canvas.extend_stroke(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
            self.canvas.end_stroke()
        self.update_input()

    # ------------------------------------------------------------------ drawing -> input -> answer
    def clear(self) -> None:
        """Wipe the canvas (and the answer)."""
        self.canvas.clear()  # emits cleared -> update_input

    def _stroke_changed(self) -> None:
        """Throttle: at most one update every THROTTLE_MS, and always one after the last move."""
        if not self._clock.isValid() or self._clock.elapsed() >= THROTTLE_MS:
            self._later.stop()
            self.update_input()
        elif not self._later.isActive():
            self._later.start(max(1, THROTTLE_MS - int(self._clock.elapsed())))

    def update_input(self) -> None:
        """Preprocess the canvas into the network's input, show it, run the network."""
        self._later.stop()
        self._clock.restart()
        self.input = self.canvas.drawing.network_input()
        self.preview.setImage(self.input.reshape(INPUT_SIDE, INPUT_SIDE), levels=(0, 255),
                              autoLevels=False)
        self._forward()

    def _forward(self) -> None:
        snap = self.snap
        if snap is None or not self._usable or self.canvas.is_empty or not self.input.any():
            self.activations = None
        else:
            self.activations = answer(snap, self.input)
        self._show_outputs()

    def _show_outputs(self) -> None:
        acts = self.activations
        sizes = self._net_key[0] if self._net_key is not None else None
        n_out = sizes[-1] if sizes else (len(self._value_texts) if self._value_texts else 10)
        if acts is None:
            out = np.zeros(n_out)
            self.answer = None
            self._set_bars(out, None, finite=np.ones(n_out, bool))
            if sizes is not None:
                shown = [v.size for v in self.hidden.values]
                if shown != list(sizes[1:-1]) or any(np.isfinite(v).any()
                                                     for v in self.hidden.values):
                    self.hidden.set_values([np.full(n, np.nan) for n in sizes[1:-1]],
                                           self.hidden.activation)
            if sizes is None:
                text, second = "Waiting for the network…", " "
            elif not self._usable:
                text = "Drawing needs 28×28 digits"
                second = (f"This network takes {sizes[0]:,} inputs, not a 28×28 picture, "
                          "so a drawing cannot be its input.")
            else:
                text, second = "Draw a digit…", "The answer appears as you draw."
            self._set_answer(text, second, style.MUTED)
            return
        out = acts[-1]
        finite = np.isfinite(out)
        self.hidden.set_values(acts[1:-1], self.snap.activation if self.snap else "sigmoid")
        if not finite.all():
            self.answer = None
            self._set_bars(np.zeros_like(out), None, finite)
            self._set_answer("No answer", "The weights are not numbers (training diverged): "
                             "restore the last good weights with a smaller η.", style.ANSWER_WRONG)
            return
        order = np.argsort(-out, kind="stable")
        best = int(order[0])
        self.answer = best
        self._set_bars(out, best, finite)
        conf = float(out[best])
        if conf >= 0.5:
            text = f"I think it's a {best}  ({conf:.2f})"
        else:
            text = f"Not sure… maybe a {best}  ({conf:.2f})"
        if out.size > 1:
            nxt = int(order[1])
            second = f"next best: {nxt} ({float(out[nxt]):.2f})"
        else:
            second = " "
        self._set_answer(text, second, ANSWER)

    def _set_bars(self, out: np.ndarray, best: int | None, finite: np.ndarray) -> None:
        shown = np.where(finite, out, 0.0)
        if best != self._answer_bar:
            brushes = [self._bar_brush] * shown.size
            if best is not None:
                brushes[best] = self._answer_brush
            self.bars.setOpts(height=shown, brushes=brushes)
            self._answer_bar = best
        else:
            self.bars.setOpts(height=shown)
        draw_values = self.activations is not None
        for k, t in enumerate(self.value_labels):
            s = f"{out[k]:.2f}" if draw_values and finite[k] else ""
            if s != self._value_texts[k]:
                self._value_texts[k] = s
                t.setText(s)
                t.setPos(k, min(float(shown[k]), 1.0))

    def _set_answer(self, text: str, second: str, colour: str) -> None:
        if self.answer_label.text() != text:
            self.answer_label.setText(text)
            self.answer_label.setStyleSheet(f"color: {colour};")
        if self.second_label.text() != second:
            self.second_label.setText(second)

    def _update_footer(self, snap) -> None:
        ev = snap.last_eval
        acc = (f" (test accuracy {100 * ev.test_accuracy:.1f} % at step {ev.step:,})"
               if ev is not None and math.isfinite(ev.test_accuracy) else "")
        text = (f"The network as it is at step {snap.step:,}{acc}. It learnt from MNIST's digits "
                "(centred, upright, thick pen): draw large and in the middle. Keep training "
                "and draw again — its answers change as it learns.")
        if self.footer.text() != text:
            self.footer.setText(text)
