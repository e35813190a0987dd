"""The landscape: the cost over a flat slice through θ, with the path of the last steps.

θ has 13,002 numbers, so "the cost landscape" has 13,002 directions. This
view cuts one flat slice through θ — spanned by the downhill direction −∇C and
a random direction at right angles to it, or by two chosen weights — and
colours it by the cost C on 500 fixed training digits (a heatmap with contour
lines). The θ of the last ~50 snapshots are projected onto the slice: the ball
rolling downhill, and where it bounces when η is too large.

The map is computed below Qt (:func:`gdviz.training.cost_around.landscape_frame`,
~40-110 ms for 41×41 on 500 digits) in the view's background job, never in the
GUI thread. The slice is frozen between computations, so the path is drawn in
one fixed frame; it is recomputed on demand, when θ leaves the map, at most every
~2 s while training if "follow θ" is ticked (never while the tab is hidden), and
for θ now when the tab is shown again.
"""

from __future__ import annotations

import math
import time
from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdviz.qt import style
from gdviz.qt.plot_items import PathCurve, PixelMarker
from gdviz.qt.views.base import LessonView, ViewJob
from gdviz.qt.views.landscape_words import axis_labels, map_words
from gdviz.training.analysis import (
    describe_parameter,
    fixed_eval_batch,
    project_path,
    top_parameters,
)
from gdviz.training.cost_around import LandscapeFrame, landscape_frame

__all__ = ["LandscapeView", "EVAL_N", "GRID_N", "FOLLOW_S", "PATH_LEN", "EXTENTS", "PLANES"]

EVAL_N = 500  # training digits the cost is measured on
GRID_N = 41  # grid points per side
FOLLOW_S = 2.0  # seconds between recomputations while training
PATH_LEN = 50  # snapshots kept for the path
BUDGET_S = 4.0  # a map takes at most this long (the rest stays blank)

PLANES = ("gradient", "weights")
PLANE_LABELS = {"gradient": "−∇C and a random direction",
                "weights": "two chosen weights"}
PLANE_TIPS = {
    "gradient": ("Across: the downhill direction −∇C of the digits at θ (right = downhill). "
                 "Up: a random direction at right angles to it. Distances are lengths in the "
                 "13,002-dimensional space of all weights and biases."),
    "weights": ("Across and up: change only two parameters θ[i] and θ[j] and keep all the others "
                "fixed — the cost as a function of two weights. 'Top two' picks the two whose "
                "gradient is largest."),
}
# (label, ("step", k) = k × the length of one step η·|∇C| in the slice, or ("abs", half-width))
EXTENTS: tuple[tuple[str, tuple[str, float]], ...] = (
    ("½ step", ("step", 0.5)), ("1 step", ("step", 1.0)), ("2 steps", ("step", 2.0)),
    ("5 steps", ("step", 5.0)), ("20 steps", ("step", 20.0)),
    ("± 0.1", ("abs", 0.1)), ("± 0.5", ("abs", 0.5)), ("± 1", ("abs", 1.0)),
    ("± 2", ("abs", 2.0)), ("± 5", ("abs", 5.0)), ("± 20", ("abs", 20.0)),
)
DEFAULT_EXTENT = 3  # "5 steps"

PATH = (255, 255, 255)
NOW = (255, 64, 64)
NEXT = (255, 170, 40)
LOWEST = (80, 230, 255)


def _clock() -> float:
    """The scheduling clock (seconds); tests replace it."""
    return time.perf_counter()


def _now() -> float:
    return _clock()  # looked up at each call, so a test's replacement takes effect


def _viridis() -> pg.ColorMap:
    cm = pg.colormap.get("viridis")
    return cm if cm is not None else style.sequential_cmap()


class LandscapeView(LessonView):
    """"The landscape": the cost over a plane through θ, with the path of the last steps.

    Options (``set_option``): ``plane`` ("gradient" | "weights"), ``extent`` (one of
    :data:`EXTENTS`' labels), ``log_colours``, ``contours`` and ``follow`` (recompute
    every ~2 s while training, and for θ now when the tab is shown). Also public:

    * ``weights()`` / ``setWeights(i, j)`` — the two parameters of the weights plane;
    * ``recompute()`` — compute a new map around θ now (the "Recompute" button);
    * ``job`` — the :class:`ViewJob` computing maps; ``settings_key()`` what a map is
      computed for;
    * ``frame`` — the :class:`~gdviz.training.cost_around.LandscapeFrame` on screen
      (its ``land`` is the :class:`~gdviz.training.landscape.Landscape` drawn), or None;
    * ``path_coords()`` — (k, 2) α, β of the path as drawn (last = θ now);
    * ``render_seconds`` — duration of the last ``render`` call.
    """

    PARTS = ("map", "marks", "words")

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self.setMinimumSize(560, 400)
        self.job: ViewJob = self.background(landscape_frame, "gdviz-landscape",
                                            pass_cancelled=True, clock=_now)
        self.batch = None  # the fixed evaluation digits (EvalBatch) of the dataset
        self._batch_of = None
        self._latest = None  # the newest snapshot the window took, shown or not
        self._ring: deque = deque(maxlen=PATH_LEN)  # [step, θ, (α, β) or None]
        self._seed = 0
        self._want = True  # compute a map at the next chance
        self._path_dirty = True
        self._weights_set = False
        self.frame: LandscapeFrame | None = None
        self.render_seconds = 0.0
        self._build()
        for name, widget in (("plane", self.plane_box), ("extent", self.extent_box),
                             ("log_colours", self.log_box), ("contours", self.contour_box),
                             ("follow", self.follow_box)):
            self.bind_option(name, widget)
        self._plane_changed()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        lay = style.panel_layout(self)
        self.title = style.title_label(
            "The landscape: the cost around θ, on one flat slice through all the weights")
        lay.addWidget(self.title)
        self.note = style.note_label(
            f"Colour = the cost C on {EVAL_N} fixed training digits if θ moved α across and β up "
            "in this slice (dark = low cost, yellow = high); the thin lines join points of equal "
            "cost. The centre + is θ when the map was drawn. The white line is the path of the "
            "last steps, the red star θ now: the ball rolling downhill.")
        lay.addWidget(self.note)
        body = QtWidgets.QHBoxLayout()
        body.setSpacing(8)
        lay.addLayout(body, 1)

        # --- the map
        self.canvas = style.plot_widget()
        self.plot: pg.PlotItem = style.fixed_plot(self.canvas, "α", "β", row=0, col=0)
        self.plot.getViewBox().setAspectLocked(True)
        self.board = QtWidgets.QGraphicsRectItem(QtCore.QRectF(-1, -1, 2, 2))
        self.board.setPen(pg.mkPen(None))
        self.board.setBrush(pg.mkBrush(style.BOARD))
        self.board.setZValue(-10)
        self.plot.addItem(self.board, ignoreBounds=True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(_viridis())
        self.plot.addItem(self.image)
        dot, dash = QtCore.Qt.PenStyle.DotLine, QtCore.Qt.PenStyle.DashLine
        self.contour = self._item(2, pg.PlotDataItem(pen=pg.mkPen((235, 235, 235), width=1),
                                                     connect="pairs"))
        self.axes_lines = self._item(3, pg.PlotDataItem(pen=pg.mkPen("w", width=1, style=dot),
                                                        connect="pairs"))
        self.next_line = self._item(4, pg.PlotDataItem(pen=pg.mkPen(NEXT, width=2, style=dash)))
        # Markers and the path painted by Qt alone (ScatterPlotItems ran Python at every paint)
        self.next_marker = self._item(4, PixelMarker(13, "o", pen=pg.mkPen(NEXT, width=2.5), brush=None))
        self.lowest = self._item(4, PixelMarker(13, "t", pen=pg.mkPen("k", width=1), brush=LOWEST))
        self.centre = self._item(5, PixelMarker(14, "+", pen=pg.mkPen("w", width=2), brush="w"))
        self.path_line = self._item(6, PathCurve(pg.mkPen(PATH, width=2), symbol="o", symbolSize=6,
                                                 symbolPen=pg.mkPen("k", width=0.8), symbolBrush=PATH))
        self.path_line.attach(self.plot.getViewBox())
        self.now_marker = self._item(7, PixelMarker(22, "star", pen=pg.mkPen("w", width=1.5), brush=NOW))
        self.bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=_viridis(), interactive=False,
                                   width=14, colorMapMenu=False)
        style.style_axis(self.bar.axis, size=8)
        self.bar.axis.setWidth(44)
        self.canvas.addItem(self.bar, row=0, col=1)
        self._bar_label("C")
        body.addWidget(self.canvas, 1)
        self.canvas.scene().sigMouseMoved.connect(self._hover)

        # --- the side column: controls, legend, what it shows
        side = QtWidgets.QWidget()
        # (its width follows its texts: presenter mode's larger fonts widen it, up to a limit)
        side.setMinimumWidth(300)
        side.setMaximumWidth(480)
        side.setSizePolicy(QtWidgets.QSizePolicy.Policy.Maximum, QtWidgets.QSizePolicy.Policy.Preferred)
        col = QtWidgets.QVBoxLayout(side)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(5)
        form = QtWidgets.QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(6)
        form.setVerticalSpacing(4)
        self.plane_box = QtWidgets.QComboBox()
        for k in PLANES:
            self.plane_box.addItem(PLANE_LABELS[k], k)
            self.plane_box.setItemData(self.plane_box.count() - 1, PLANE_TIPS[k],
                                       QtCore.Qt.ItemDataRole.ToolTipRole)
        self.plane_box.setToolTip("Which flat slice through θ to draw.\n\n" + "\n\n".join(
            f"• {PLANE_LABELS[k]}: {PLANE_TIPS[k]}" for k in PLANES))
        self.plane_box.currentIndexChanged.connect(self._plane_changed)
        form.addRow(self._form_label("Slice:", self.plane_box.toolTip()), self.plane_box)

        wrow = QtWidgets.QHBoxLayout()
        wrow.setSpacing(4)
        self.spin_i, self.spin_j = QtWidgets.QSpinBox(), QtWidgets.QSpinBox()
        for sp, which in ((self.spin_i, "across (α)"), (self.spin_j, "up (β)")):
            sp.setRange(0, 13001)
            sp.setKeyboardTracking(False)
            sp.setToolTip(f"Index of the parameter θ[i] that changes {which}: 0 … n−1 in the order "
                          "W0, b0, W1, b1, … (the description appears below).")
            sp.valueChanged.connect(self._settings_changed)
            wrow.addWidget(sp, 1)
        self.spin_i.setValue(0)
        self.spin_j.setValue(1)
        self.top_button = QtWidgets.QPushButton("Top two")
        self.top_button.setToolTip("Choose the two parameters whose component of ∇C is largest "
                                   "(the ones gradient descent pushes hardest right now).")
        self.top_button.clicked.connect(self._use_top_two)
        wrow.addWidget(self.top_button)
        self.weights_label = self._form_label("Weights:", "The two parameters θ[i], θ[j] of the "
                                              "'two chosen weights' slice.")
        form.addRow(self.weights_label, wrow)
        col.addLayout(form)
        self.weights_desc = style.note_label("", size=8)
        self.weights_desc.setToolTip("The two parameters of the slice, in words.")
        col.addWidget(self.weights_desc)
        form = QtWidgets.QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(6)

        self.extent_box = QtWidgets.QComboBox()
        for label, _ in EXTENTS:
            self.extent_box.addItem(label, label)
        self.extent_box.setCurrentIndex(DEFAULT_EXTENT)
        self.extent_box.setToolTip(
            "How far the map reaches from its centre, in each direction. 'steps' are multiples of "
            "the length of one gradient step η·|∇C| in this slice (so 2 steps shows where the next "
            "step lands, and the one after); '±' values are distances in θ-space (for two weights: "
            "how much each weight changes).")
        self.extent_box.currentIndexChanged.connect(self._settings_changed)
        form.addRow(self._form_label("Size:", self.extent_box.toolTip()), self.extent_box)
        col.addLayout(form)

        self.log_box = QtWidgets.QCheckBox("log colour scale")
        self.log_box.setToolTip("Colour by log₁₀ C: the floor of the valley gets more colours, and "
                                "a blown-up cost at the edges no longer washes everything out.")
        self.log_box.toggled.connect(self._display_changed)
        self.contour_box = QtWidgets.QCheckBox("contour lines")
        self.contour_box.setChecked(True)
        self.contour_box.setToolTip("Lines of equal cost, like height lines on a map. Downhill is "
                                    "at right angles to them.")
        self.contour_box.toggled.connect(self._display_changed)
        self.follow_box = QtWidgets.QCheckBox(f"follow θ while training (every {FOLLOW_S:g} s)")
        self.follow_box.setChecked(True)
        self.follow_box.setToolTip(
            f"While training runs, draw a new map around θ every {FOLLOW_S:g} seconds. Off: the map "
            "stays put until θ leaves it (or you press Recompute), so you watch the ball move "
            "across one fixed map.")
        for b in (self.log_box, self.contour_box, self.follow_box):
            col.addWidget(b)
        brow = QtWidgets.QHBoxLayout()
        self.recompute_button = QtWidgets.QPushButton("Recompute")
        self.recompute_button.setToolTip("Draw a new map centred on θ now (the path of the last "
                                         "steps is projected onto the new slice).")
        self.recompute_button.clicked.connect(self.recompute)
        self.reseed_button = QtWidgets.QPushButton("New random direction")
        self.reseed_button.setToolTip("Pick another random direction for the up (β) axis of the "
                                      "downhill slice: each random slice shows other hills.")
        self.reseed_button.clicked.connect(self._reseed)
        brow.addWidget(self.recompute_button)
        brow.addWidget(self.reseed_button)
        col.addLayout(brow)

        legend = QtWidgets.QLabel(
            f"<span style='color:rgb{NOW}'>★</span> θ now &nbsp; "
            "<b>—●—</b> the last steps<br>"
            "<b>+</b> centre: θ when the map was drawn<br>"
            f"<span style='color:rgb{NEXT}'>◯</span> where one step η·∇C from the centre lands<br>"
            f"<span style='color:rgb{LOWEST}'>▲</span> the lowest point of the map")
        legend.setFont(style.font(9))
        legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        legend.setWordWrap(True)
        legend.setStyleSheet("background:#3a3a3a; color:white; padding:5px; border-radius:3px;")
        legend.setToolTip("What the marks on the map mean.")
        col.addWidget(legend)
        self.info = QtWidgets.QLabel(" ")
        self.info.setFont(style.font(9.5))
        self.info.setWordWrap(True)
        self.info.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.info.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.info.setToolTip("What this map says about the next step and the last ones.")
        # (both change with every step or map: in a QuietLabel, a new text relays out nothing)
        col.addWidget(style.QuietLabel(self.info), 1)
        self.progress = style.note_label(" ", size=8)
        self.progress.setToolTip("When and how the map on screen was computed.")
        col.addWidget(style.QuietLabel(self.progress))
        body.addWidget(side, 0)

        self.status = style.status_label()
        self.status.setToolTip("Point at the map to read the cost there.")
        lay.addWidget(self.status)

    def _item(self, z: float, item):
        """``item`` added to the map at depth ``z``."""
        item.setZValue(z)
        # (our own items have no data bounds for the plot's range; it is set with the map)
        self.plot.addItem(item, ignoreBounds=isinstance(item, (PixelMarker, PathCurve)))
        return item

    @staticmethod
    def _form_label(text: str, tip: str) -> QtWidgets.QLabel:
        lab = QtWidgets.QLabel(text)
        lab.setFont(style.font(9))
        style.fit_width(lab, "Weights:")  # (the same width in both forms, in any font)
        lab.setToolTip(tip)
        return lab

    def _bar_label(self, text: str) -> None:
        self.bar.getAxis("left").setLabel(text, **{"font-size": "9pt", "color": style.FOREGROUND})
        self.bar.getAxis("left").setWidth(20)

    # ------------------------------------------------------------------ API
    def weights(self) -> tuple[int, int]:
        return self.spin_i.value(), self.spin_j.value()

    def setWeights(self, i: int, j: int) -> None:
        self._weights_set = True
        for sp, v in ((self.spin_i, i), (self.spin_j, j)):
            sp.blockSignals(True)
            sp.setValue(int(v))
            sp.blockSignals(False)
        self._settings_changed()

    def recompute(self) -> None:
        """Compute a new map centred on θ now."""
        self._want = True
        self._maybe_submit(force=True)

    def path_coords(self) -> np.ndarray:
        pts = [e[2] for e in self._ring if e[2] is not None]
        return np.array(pts, dtype=np.float64).reshape(-1, 2)

    def settings_key(self) -> tuple:
        """What a map is computed for: plane, weights, extent, random seed, digits."""
        plane = self.plane_box.currentData()
        ij = self.weights() if plane == "weights" else None
        return (plane, ij, EXTENTS[self.extent_box.currentIndex()][1], self._seed, id(self.batch))

    # ------------------------------------------------------------------ LessonView hooks
    def context_changed(self) -> None:
        if self.dataset is not self._batch_of:
            self.batch = fixed_eval_batch(self.dataset, n=EVAL_N) if self.dataset is not None else None
            self._batch_of = self.dataset
            self._want = True

    def ingest(self, snap) -> None:
        self._latest = snap  # a reference only: rendered when the tab is shown

    def forget_run(self) -> None:
        super().forget_run()
        self._ring.clear()  # (up to PATH_LEN θ of the old run)
        self.frame = None
        self._want = True
        self._path_dirty = True

    def on_shown(self) -> None:
        """Catch up: the path continues at θ now and, when following θ, a map for θ now."""
        snap = self._latest if self._latest is not None else self.snap
        if snap is None:
            return
        f = self.frame
        follow = self.option("follow") and (f is None or f.run_id != snap.run_id
                                            or f.step != snap.step)
        self.render(snap)
        if follow:
            self.recompute()

    def result_ready(self, job: ViewJob, frame: LandscapeFrame) -> None:
        self.frame = frame
        for e in self._ring:  # the path in the new frame: the job's projection, or ours for newer θ
            e[2] = frame.path.get(e[0]) if e[0] in frame.path else self._project(e[1])
        self._path_dirty = True
        self.draw(frame, live=self.snap is not None and self.snap.running)

    # ------------------------------------------------------------------ controls
    def _plane_changed(self, *_):
        weights = self.plane_box.currentData() == "weights"
        for w in (self.spin_i, self.spin_j, self.top_button, self.weights_label):
            w.setEnabled(weights)
        self.weights_desc.setVisible(weights)
        self.reseed_button.setEnabled(not weights)
        if weights and not self._weights_set and self.snap is not None:
            self._use_top_two()  # submits
            return
        self._describe_weights()
        self._settings_changed()

    def _use_top_two(self) -> None:
        if self.frame is not None and self.frame.run_id == getattr(self.snap, "run_id", None):
            i, j = self.frame.top2
        elif self.snap is not None:
            top = top_parameters(self.snap.sizes, self.snap.grad, 2)
            i, j = (top[0].index, top[1].index) if len(top) == 2 else (0, 1)
        else:
            return
        self.setWeights(i, j)

    def _reseed(self) -> None:
        self._seed += 1
        self._settings_changed()

    def _describe_weights(self) -> None:
        if self.snap is None:
            self.weights_desc.setText("")
            return
        lines = []
        for name, idx in (("α", self.spin_i.value()), ("β", self.spin_j.value())):
            try:
                lines.append(f"{name}: {describe_parameter(self.snap.sizes, idx)}")
            except IndexError:
                lines.append(f"{name}: no such parameter")
        self.weights_desc.setText("\n".join(lines))

    def _settings_changed(self, *_):
        if self.plane_box.currentData() == "weights":
            self._describe_weights()
        self._want = True
        self._maybe_submit(force=True)

    def _display_changed(self, *_):
        self.redraw()

    # ------------------------------------------------------------------ render
    def render(self, snap) -> None:
        if not self.isVisible():
            return  # skipped entirely while the tab is hidden
        t0 = time.perf_counter()
        first = self.snap is None
        if self.new_run(snap):
            self._ring.clear()
            self._want = True
            self._path_dirty = True
        if first:
            for sp in (self.spin_i, self.spin_j):
                sp.setMaximum(snap.n_params - 1)
            if self.plane_box.currentData() == "weights" and not self._weights_set:
                self._use_top_two()
            self._describe_weights()
        if snap.n_params - 1 != self.spin_i.maximum():
            for sp in (self.spin_i, self.spin_j):
                sp.setMaximum(snap.n_params - 1)
        if not self._ring or self._ring[-1][0] != snap.step:
            if self._ring and self._ring[-1][0] > snap.step:
                self._ring.clear()
            self._ring.append([snap.step, snap.theta, self._project(snap.theta)])
            self._path_dirty = True
        self._maybe_submit()
        self.continue_drawing()
        if self._path_dirty:
            self._draw_path()
        self.render_seconds = time.perf_counter() - t0

    def _project(self, theta) -> tuple[float, float] | None:
        f, snap = self.frame, self.snap
        if f is None or snap is None or f.run_id != snap.run_id or f.theta0.size != theta.size:
            return None
        a, b = project_path(theta[None, :], f.theta0, f.plane.d1, f.plane.d2)[0]
        return float(a), float(b)

    def _maybe_submit(self, force: bool = False) -> None:
        """Ask for a new map when needed: on request, when the settings or the run
        changed, every ``FOLLOW_S`` while training (if following), and when θ left
        the map. Never while hidden; automatic ones never more often than every
        ``FOLLOW_S`` while training and never while a map is being computed."""
        snap, job = self.snap, self.job
        if snap is None or self.batch is None or not self.isVisible():
            return
        key = self.settings_key()
        f = self.frame
        since = _clock() - job.submitted_at
        last = job.key  # (settings, run_id, step) of the last request, None after a new run
        if not force:
            stale = f is None or f.key != key or f.run_id != snap.run_id
            if stale or self._want:
                same = last is not None and last[:2] == (key, snap.run_id)
                if same and (job.busy or since < FOLLOW_S):
                    return  # on its way (or it just failed: do not retry at once)
            elif job.busy or (snap.running and since < FOLLOW_S):
                return
            elif snap.running and self.option("follow") and snap.step != f.step:
                pass  # follow θ while training
            elif not (self._outside() and (last is None or snap.step != last[2])):
                return
        self._want = False
        path = tuple((e[0], e[1]) for e in self._ring)
        ij = self.weights()
        if ij[0] == ij[1]:
            ij = (ij[0], (ij[1] + 1) % snap.n_params)
        self.submit(job, (key, snap.run_id, snap.step), key, snap, self.batch,
                    self.plane_box.currentData(), ij, EXTENTS[self.extent_box.currentIndex()][1],
                    self._seed, path, GRID_N, BUDGET_S, force=True)
        self.progress.parentWidget().setText("Computing a new map …")

    def _outside(self) -> bool:
        """θ now lies outside the map's square (in the slice)."""
        f = self.frame
        if f is None or not self._ring or self._ring[-1][2] is None:
            return False
        a, b = self._ring[-1][2]
        return math.isfinite(a) and math.isfinite(b) and max(abs(a), abs(b)) > f.extent

    # ------------------------------------------------------------------ drawing
    def draw_part(self, part: str, f: LandscapeFrame | None) -> None:
        if f is None:
            return
        ea, n = f.extent, f.land.costs.shape[0]
        d = 2 * ea / (n - 1) if n > 1 else 1.0
        square = QtCore.QRectF(-ea - d / 2, -ea - d / 2, 2 * ea + d, 2 * ea + d)
        if part == "map":
            log = self.option("log_colours")
            img, levels, cx, cy = f.shown[log]
            self.image.setImage(img, levels=levels, autoLevels=False)
            self.image.setRect(square)
            self.board.setRect(square)
            self.bar.setLevels(levels)
            style.number_bar(self.bar, *levels)
            self._bar_label("log₁₀ C" if log else "C")
            if self.option("contours") and cx.size:
                self.contour.setData(cx, cy)
            else:
                self.contour.setData([], [])
            self.plot.getViewBox().setRange(square, padding=0.02)
        elif part == "marks":
            self.axes_lines.setData([-ea, ea, 0, 0], [0, 0, -ea, ea])
            self.centre.setData([0.0], [0.0])
            na, nb = f.next_ab
            if math.isfinite(na) and math.isfinite(nb) and (na or nb):
                self.next_line.setData([0.0, na], [0.0, nb])
                self.next_marker.setData([na], [nb])
            else:
                self.next_line.setData([], [])
                self.next_marker.setData([], [])
            la, lb = f.land.argmin
            if math.isfinite(la):
                self.lowest.setData([la], [lb])
            else:
                self.lowest.setData([], [])
            la_text, lb_text = axis_labels(f.plane)
            if (la_text, lb_text) != getattr(self, "_axis_text", None):
                self._axis_text = (la_text, lb_text)
                for side, text in (("bottom", la_text), ("left", lb_text)):
                    self.plot.getAxis(side).setLabel(text, **{"font-size": "9pt",
                                                              "color": style.FOREGROUND})
            self._draw_path()
        else:
            self.progress.parentWidget().setText(
                f"Map of step {f.step:,}: {n}×{n} points on {f.land.n_examples} training digits, "
                f"computed in {f.seconds * 1000:.0f} ms"
                + ("" if f.land.complete else " (out of time: the blank part was not computed)")
                + ".")
            self._write_info(f)

    def _draw_path(self) -> None:
        self._path_dirty = False
        pts = self.path_coords()
        if pts.size and np.isfinite(pts).any():
            self.path_line.setData(pts[:, 0], pts[:, 1])
        else:
            self.path_line.setData([], [])
        cur = self._ring[-1][2] if self._ring else None
        if cur is not None and all(math.isfinite(v) for v in cur):
            self.now_marker.setData([cur[0]], [cur[1]])
        else:
            self.now_marker.setData([], [])
        if self.frame is not None:
            self._write_info(self.frame)

    def _write_info(self, f: LandscapeFrame) -> None:
        cur = self._ring[-1][2] if self._ring else None
        self.info.parentWidget().setText(map_words(f, cur, None if self.snap is None else self.snap.step))

    # ------------------------------------------------------------------ hover
    def _hover(self, pos) -> None:
        f = self.frame
        vb = self.plot.getViewBox()
        if f is None or not vb.sceneBoundingRect().contains(pos):
            return
        p = vb.mapSceneToView(pos)
        al, be = f.land.alphas, f.land.betas
        if not (al[0] - 1e-12 <= p.x() <= al[-1] + 1e-12 and be[0] - 1e-12 <= p.y() <= be[-1] + 1e-12):
            self.status.setText(" ")
            return
        j = int(np.argmin(np.abs(al - p.x())))
        i = int(np.argmin(np.abs(be - p.y())))
        c = float(f.land.costs[i, j])
        rel = ""
        if math.isfinite(c) and math.isfinite(f.land.center_cost):
            rel = " (lower than the centre)" if c < f.land.center_cost else " (higher than the centre)"
        self.status.setText(f"α = {style.fmt(al[j])}, β = {style.fmt(be[i])}: C = {style.fmt(c)}{rel}")
