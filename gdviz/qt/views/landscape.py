"""The landscape: the cost over a flat slice through θ, with the path of the last steps.

θ has 13,002 numbers, so "the cost landscape" has 13,002 directions. This
view cuts one flat slice through θ — spanned by the downhill direction −∇C and
a random direction at right angles to it, or by two chosen weights — and
colours it by the cost C on 500 fixed training digits (a heatmap with contour
lines). The θ of the last ~50 snapshots are projected onto the slice: the ball
rolling downhill, and where it bounces when η is too large.

The map is computed in a :class:`LatestJob` (``landscape(..., budget_s,
cancel)``, ~40-110 ms for 41×41 on 500 digits), never in the GUI thread. The
slice is frozen between computations, so the path is drawn in one fixed
frame; it is recomputed on demand, when θ leaves the map, and at most every
~2 s while training (and never while the tab is hidden).
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdviz.core import Network, to_unit
from gdviz.qt import style
from gdviz.qt.background import LatestJob
from gdviz.qt.views import LessonView
from gdviz.training.analysis import (
    Landscape,
    Plane,
    fixed_eval_batch,
    gradient_plane,
    landscape,
    project_path,
    top_parameters,
    weights_plane,
)

__all__ = ["LandscapeView", "EVAL_N", "GRID_N", "FOLLOW_S", "PATH_LEN", "EXTENTS", "PLANES"]

EVAL_N = 500  # training digits the cost is measured on
GRID_N = 41  # grid points per side
FOLLOW_S = 2.0  # seconds between recomputations while training
PATH_LEN = 50  # snapshots kept for the path
BUDGET_S = 4.0  # a map takes at most this long (the rest stays blank)
N_CONTOURS = 9

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


@dataclass(frozen=True)
class _Frame:
    """One computed map and everything needed to draw the path on it."""

    key: tuple  # the settings it was computed for
    run_id: int
    step: int
    theta0: np.ndarray  # the centre (θ at computation time)
    plane: Plane
    land: Landscape
    extent: float  # half-width in α and β
    step_len: float  # length of one step η·|∇C| in the slice (NaN if none)
    lr: float
    cost_next: float  # C(θ0 − η∇C) on the digits
    next_ab: tuple[float, float]  # where that step lands on the slice
    grad_norm: float
    path: dict  # step -> (α, β) of the path θ given to the job
    shown: dict  # log scale (bool) -> (image (n, n), levels (lo, hi), contour x, contour y)
    top2: tuple[int, int]  # the two parameters of largest |∇C| (of the digits at θ0)
    seconds: float


def _network_for(cache: dict, snap) -> Network:
    key = (tuple(snap.sizes), snap.activation, snap.cost_name)
    net = cache.get(key)
    if net is None:
        cache.clear()
        net = cache[key] = Network(snap.sizes, snap.activation, snap.cost_name)
    return net


def contour_segments(img: np.ndarray, level: float) -> np.ndarray:
    """Marching squares, vectorised: the segments where ``img`` crosses ``level``.

    ``img`` (ny, nx), NaN allowed (no segment touches a NaN corner). Returns
    (k, 2, 2) float64: segment, end point, (x = column, y = row) in index units.
    (pyqtgraph's ``isocurve`` is a pure-Python loop: it would hold the
    interpreter lock in the background thread for milliseconds at a time.)
    """
    v = np.asarray(img, dtype=np.float64)
    ny, nx = v.shape
    if ny < 2 or nx < 2:
        return np.zeros((0, 2, 2))
    below = v < level
    fin = np.isfinite(v)
    with np.errstate(all="ignore"):
        # horizontal edges (ny, nx-1): from (r, c) to (r, c+1)
        hx = (below[:, :-1] != below[:, 1:]) & fin[:, :-1] & fin[:, 1:]
        th = (level - v[:, :-1]) / (v[:, 1:] - v[:, :-1])
        # vertical edges (ny-1, nx): from (r, c) to (r+1, c)
        vx = (below[:-1, :] != below[1:, :]) & fin[:-1, :] & fin[1:, :]
        tv = (level - v[:-1, :]) / (v[1:, :] - v[:-1, :])
    r, c = np.mgrid[0:ny - 1, 0:nx - 1]
    # each cell's four edges in the order top, right, bottom, left: crossing flags and points
    flags = np.stack([hx[:-1, :], vx[:, 1:], hx[1:, :], vx[:, :-1]], axis=-1)
    px = np.stack([c + th[:-1, :], c + 1.0, c + th[1:, :], c + 0.0], axis=-1)
    py = np.stack([r + 0.0, r + tv[:, 1:], r + 1.0, r + tv[:, :-1]], axis=-1)
    n = flags.sum(axis=-1)
    segs = []
    two = n == 2
    if two.any():
        f, x, y = flags[two], px[two], py[two]
        order = np.argsort(~f, axis=1, kind="stable")[:, :2]
        xs = np.take_along_axis(x, order, 1)
        ys = np.take_along_axis(y, order, 1)
        segs.append(np.stack([xs, ys], axis=-1))
    four = n == 4
    if four.any():  # a saddle: pair top-left and bottom-right
        x, y = px[four], py[four]
        for i, j in ((0, 3), (2, 1)):
            segs.append(np.stack([x[:, [i, j]], y[:, [i, j]]], axis=-1))
    return np.concatenate(segs) if segs else np.zeros((0, 2, 2))


def _contours(img: np.ndarray, levels, ea: float) -> tuple[np.ndarray, np.ndarray]:
    """Contour segments of ``img`` (rows β, columns α on [−ea, ea]²) as x, y arrays
    for ``connect="pairs"``."""
    n = img.shape[0]
    d = 2 * ea / (n - 1) if n > 1 else 1.0
    segs = [contour_segments(img, float(lv)) for lv in levels]
    p = np.concatenate(segs).reshape(-1, 2) if segs else np.zeros((0, 2))
    return -ea + p[:, 0] * d, -ea + p[:, 1] * d


def _display(costs: np.ndarray, log: bool, ea: float):
    """The image, colour levels and contours of the map in linear or log10 colours."""
    with np.errstate(all="ignore"):
        img = np.log10(np.where(costs > 0, costs, np.nan)) if log else costs.astype(np.float64)
    fin = img[np.isfinite(img)]
    if fin.size == 0:
        return img, (0.0, 1.0), np.zeros(0), np.zeros(0)
    lo = float(fin.min())
    hi = float(np.percentile(fin, 97.0)) if not log else float(fin.max())
    if not hi > lo:
        hi = lo + max(abs(lo) * 0.01, 1e-6)
    xs, ys = _contours(img, np.linspace(lo, hi, N_CONTOURS + 2)[1:-1], ea)
    return img, (lo, hi), xs, ys


def _compute(cache: dict, cancelled, key, snap, batch, plane_kind: str, ij, extent_mode,
             seed: int, path: tuple) -> _Frame | None:
    """Background thread: the map around ``snap.theta`` and the path projected on it."""
    net = _network_for(cache, snap)  # private to this thread (Network.gradient is not thread-safe)
    theta = np.ascontiguousarray(snap.theta, dtype=net.dtype)
    X = to_unit(batch.images, net.dtype)
    Y = np.eye(net.sizes[-1], dtype=net.dtype)[batch.labels]
    with np.errstate(all="ignore"):
        _, g = net.gradient(X, Y, theta=theta)
        g = g.copy()
        gnorm = float(np.linalg.norm(g.astype(np.float64)))
        top = top_parameters(net, g, 2)
        top2 = (top[0].index, top[1].index) if len(top) == 2 else (0, 1)
        if plane_kind == "weights":
            plane = weights_plane(net, *ij)
            step_len = float(snap.lr) * math.hypot(float(g[ij[0]]), float(g[ij[1]]))
        else:
            plane = gradient_plane(theta, g, seed, net=net)
            step_len = float(snap.lr) * gnorm
        kind, value = extent_mode
        if kind == "step":
            ea = value * step_len if math.isfinite(step_len) and step_len > 0 else 1.0
        else:
            ea = float(value)
        land = landscape(net, theta, plane.d1, plane.d2, batch.images, batch.labels, ea,
                         n=GRID_N, budget_s=BUDGET_S, cancel=cancelled)
        if land is None:
            return None  # a newer request is waiting
        nxt = theta - np.asarray(snap.lr, net.dtype) * g
        cost_next = net.cost_of(X, Y, theta=nxt) if np.all(np.isfinite(nxt)) else float("nan")
        next_ab = tuple(float(v) for v in project_path(nxt[None, :], theta, plane.d1, plane.d2)[0])
        coords = {}
        if path:
            steps, thetas = zip(*path)
            pc = project_path(np.stack(thetas), theta, plane.d1, plane.d2)
            coords = {s: (float(a), float(b)) for s, (a, b) in zip(steps, pc)}
        shown = {log: _display(land.costs, log, ea) for log in (False, True)}
    return _Frame(key, snap.run_id, snap.step, snap.theta, plane, land, ea, step_len, float(snap.lr),
                  float(cost_next), next_ab, gnorm, coords, shown, top2, land.seconds)


def _spread(v: np.ndarray) -> float:
    """max − min of the finite values (NaN if none)."""
    v = v[np.isfinite(v)]
    return float(v.max() - v.min()) if v.size else float("nan")


def _axis_labels(plane: Plane) -> tuple[str, str]:
    if plane.kind == "gradient":
        return ("α: along −∇C (right = downhill)",
                "β: along a random direction at right angles")
    if plane.kind == "weights":
        return (f"α: change of {plane.d1_label.split(':')[0]}",
                f"β: change of {plane.d2_label.split(':')[0]}")
    return ("α: a random direction (∇C is zero or not a number)",
            "β: another random direction at right angles")


def _viridis() -> pg.ColorMap:
    cm = pg.colormap.get("viridis")
    return cm if cm is not None else style.sequential_cmap()


class LandscapeView(LessonView):
    """"The landscape": the cost over a plane through θ, with the path of the last steps.

    Public beyond :class:`LessonView`:

    * ``plane()`` / ``setPlane("gradient" | "weights")``;
    * ``weights()`` / ``setWeights(i, j)`` — the two parameters of the weights plane;
    * ``extent()`` / ``setExtent(label)`` — one of :data:`EXTENTS`' labels;
    * ``logColours()`` / ``setLogColours(bool)``, ``contours()`` / ``setContours(bool)``,
      ``follow()`` / ``setFollow(bool)`` (recompute every ~2 s while training);
    * ``recompute()`` — compute a new map around θ now (the "Recompute" button);
    * ``frame`` — the :class:`_Frame` on screen (its ``land`` is the
      :class:`~gdviz.training.analysis.Landscape` drawn), or None;
    * ``path_coords()`` — (k, 2) α, β of the path as drawn (last = θ now);
    * ``render_seconds`` — duration of the last ``render`` call.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self.setMinimumSize(560, 400)
        self._cache: dict = {}
        # The job's function must not reference the view: a view <-> job cycle would let
        # the garbage collector free the widget later, in whatever thread it runs.
        cache, holder = self._cache, {}
        self._job = holder["job"] = LatestJob(
            lambda *a: _compute(cache, holder["job"].cancelled, *a), name="gdviz-landscape")
        self._batch = None
        self._batch_of = None
        self._snap = None
        self._run_id = None
        self._ring: deque = deque(maxlen=PATH_LEN)  # [step, θ, (α, β) or None]
        self._seed = 0
        self._want = True  # compute a map at the next chance
        self._submitted: tuple | None = None  # (key, run_id, step) of the last submission
        self._last_submit = -1e9
        self._shown_seq = 0
        self._path_dirty = True
        self._weights_set = False
        self.frame: _Frame | None = None
        self.render_seconds = 0.0
        self._build()

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
        self.plot: pg.PlotItem = self.canvas.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        vb = self.plot.getViewBox()
        style.fixed_view(vb)
        vb.setAspectLocked(True)
        style.style_axis(self.plot.getAxis("bottom"), "α")
        style.style_axis(self.plot.getAxis("left"), "β")
        self.board = QtWidgets.QGraphicsRectItem(QtCore.QRectF(-1, -1, 2, 2))
        self.board.setPen(pg.mkPen(None))
        self.board.setBrush(pg.mkBrush(style.BOARD))
        self.board.setZValue(-10)
        self.plot.addItem(self.board, ignoreBounds=True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(_viridis())
        self.plot.addItem(self.image)
        self.contour = pg.PlotDataItem(pen=pg.mkPen((235, 235, 235), width=1), connect="pairs")
        self.contour.setZValue(2)
        self.plot.addItem(self.contour)
        self.axes_lines = pg.PlotDataItem(pen=pg.mkPen((255, 255, 255), width=1,
                                                       style=QtCore.Qt.PenStyle.DotLine),
                                          connect="pairs")
        self.axes_lines.setZValue(3)
        self.plot.addItem(self.axes_lines)
        self.next_line = pg.PlotDataItem(pen=pg.mkPen(NEXT, width=2, style=QtCore.Qt.PenStyle.DashLine))
        self.next_line.setZValue(4)
        self.plot.addItem(self.next_line)
        self.next_marker = pg.ScatterPlotItem(size=13, symbol="o", pen=pg.mkPen(NEXT, width=2.5),
                                              brush=pg.mkBrush(None))
        self.next_marker.setZValue(4)
        self.plot.addItem(self.next_marker)
        self.lowest = pg.ScatterPlotItem(size=13, symbol="t", pen=pg.mkPen("k", width=1),
                                         brush=pg.mkBrush(LOWEST))
        self.lowest.setZValue(4)
        self.plot.addItem(self.lowest)
        self.centre = pg.ScatterPlotItem(size=14, symbol="+", pen=pg.mkPen("w", width=2),
                                         brush=pg.mkBrush("w"))
        self.centre.setZValue(5)
        self.plot.addItem(self.centre)
        self.path_line = pg.PlotDataItem(pen=pg.mkPen(PATH, width=2), connect="finite",
                                         symbol="o", symbolSize=6, symbolPen=pg.mkPen("k", width=0.8),
                                         symbolBrush=pg.mkBrush(PATH))
        self.path_line.setZValue(6)
        self.plot.addItem(self.path_line)
        self.now_marker = pg.ScatterPlotItem(size=22, symbol="star", pen=pg.mkPen("w", width=1.5),
                                             brush=pg.mkBrush(NOW))
        self.now_marker.setZValue(7)
        self.plot.addItem(self.now_marker)
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
        side.setFixedWidth(300)
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
            self.extent_box.addItem(label)
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
        legend.setStyleSheet("background:#3a3a3a; color:white; padding:5px; border-radius:3px;")
        legend.setToolTip("What the marks on the map mean.")
        col.addWidget(legend)
        self.info = QtWidgets.QLabel(" ")
        self.info.setFont(style.font(9.5))
        self.info.setWordWrap(True)
        self.info.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.info.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.info.setToolTip("What this map says about the next step and the last ones.")
        col.addWidget(self.info, 1)
        self.progress = style.note_label(" ", size=8)
        self.progress.setToolTip("When and how the map on screen was computed.")
        col.addWidget(self.progress)
        body.addWidget(side, 0)

        self.status = style.status_label()
        self.status.setToolTip("Point at the map to read the cost there.")
        lay.addWidget(self.status)
        self._plane_changed()

    @staticmethod
    def _form_label(text: str, tip: str) -> QtWidgets.QLabel:
        lab = QtWidgets.QLabel(text)
        lab.setFont(style.font(9))
        lab.setFixedWidth(56)
        lab.setToolTip(tip)
        return lab

    def _bar_label(self, text: str) -> None:
        self.bar.getAxis("left").setLabel(text, **{"font-size": "9pt", "color": style.FOREGROUND})
        self.bar.getAxis("left").setWidth(20)

    # ------------------------------------------------------------------ API
    def plane(self) -> str:
        return self.plane_box.currentData()

    def setPlane(self, kind: str) -> None:
        if kind not in PLANES:
            raise ValueError(f"unknown slice {kind!r}; choose one of {', '.join(PLANES)}")
        self.plane_box.setCurrentIndex(PLANES.index(kind))

    def weights(self) -> tuple[int, int]:
        return self.spin_i.value(), self.spin_j.value()

    def setWeights(self, i: int, j: int) -> None:
        self._weights_set = True
        for sp, v in ((self.spin_i, i), (self.spin_j, j)):
            sp.blockSignals(True)
            sp.setValue(int(v))
            sp.blockSignals(False)
        self._settings_changed()

    def extent(self) -> str:
        return EXTENTS[self.extent_box.currentIndex()][0]

    def setExtent(self, label: str) -> None:
        labels = [e[0] for e in EXTENTS]
        if label not in labels:
            raise ValueError(f"unknown size {label!r}; choose one of {', '.join(labels)}")
        self.extent_box.setCurrentIndex(labels.index(label))

    def logColours(self) -> bool:
        return self.log_box.isChecked()

    def setLogColours(self, on: bool) -> None:
        self.log_box.setChecked(bool(on))

    def contours(self) -> bool:
        return self.contour_box.isChecked()

    def setContours(self, on: bool) -> None:
        self.contour_box.setChecked(bool(on))

    def follow(self) -> bool:
        return self.follow_box.isChecked()

    def setFollow(self, on: bool) -> None:
        self.follow_box.setChecked(bool(on))

    def recompute(self) -> None:
        """Compute a new map centred on θ now."""
        self._want = True
        self._maybe_submit(force=True)

    def path_coords(self) -> np.ndarray:
        pts = [e[2] for e in self._ring if e[2] is not None]
        return np.array(pts, dtype=np.float64).reshape(-1, 2)

    def set_context(self, session, dataset) -> None:
        super().set_context(session, dataset)
        if dataset is not self._batch_of:
            self._batch = fixed_eval_batch(dataset, n=EVAL_N) if dataset is not None else None
            self._batch_of = dataset
            self._want = True

    def shutdown(self) -> None:
        self._job.stop()

    # ------------------------------------------------------------------ controls
    def _key(self) -> tuple:
        ij = self.weights() if self.plane() == "weights" else None
        return (self.plane(), ij, EXTENTS[self.extent_box.currentIndex()][1], self._seed,
                id(self._batch))

    def _plane_changed(self, *_):
        weights = self.plane() == "weights"
        for w in (self.spin_i, self.spin_j, self.top_button, self.weights_label):
            w.setEnabled(weights)
        self.weights_desc.setVisible(weights)
        self.reseed_button.setEnabled(not weights)
        if weights and not self._weights_set and self._snap is not None:
            self._use_top_two()  # submits
            return
        self._describe_weights()
        self._settings_changed()

    def _use_top_two(self) -> None:
        if self.frame is not None and self.frame.run_id == getattr(self._snap, "run_id", None):
            i, j = self.frame.top2
        elif self._snap is not None:
            top = top_parameters(self._snap.sizes, self._snap.grad, 2)
            i, j = (top[0].index, top[1].index) if len(top) == 2 else (0, 1)
        else:
            return
        self.setWeights(i, j)

    def _reseed(self) -> None:
        self._seed += 1
        self._settings_changed()

    def _describe_weights(self) -> None:
        if self._snap is None:
            self.weights_desc.setText("")
            return
        from gdviz.training.analysis import locate_parameter

        lines = []
        for name, idx in (("α", self.spin_i.value()), ("β", self.spin_j.value())):
            try:
                layer, kind, neuron, inp = locate_parameter(self._snap.sizes, idx)
            except IndexError:
                lines.append(f"{name}: no such parameter")
                continue
            L = len(self._snap.sizes) - 1
            dest = (f"output neuron {neuron}" if layer + 1 == L
                    else f"neuron {neuron} of hidden layer {layer + 1}")
            src = f"pixel {inp}" if layer == 0 else f"neuron {inp} of hidden layer {layer}"
            what = f"b{layer}[{neuron}], the bias of {dest}" if kind == "b" else \
                f"W{layer}[{neuron}, {inp}], from {src} to {dest}"
            lines.append(f"{name}: {what}")
        self.weights_desc.setText("\n".join(lines))

    def _settings_changed(self, *_):
        if self.plane() == "weights":
            self._describe_weights()
        self._want = True
        self._maybe_submit(force=True)

    def _display_changed(self, *_):
        if self.frame is not None:
            self._show_frame(self.frame)

    # ------------------------------------------------------------------ render
    def render(self, snap) -> None:
        if not self.isVisible():
            return  # skipped entirely while the tab is hidden
        t0 = time.perf_counter()
        first = self._snap is None
        self._snap = snap
        if first:
            self.spin_i.setMaximum(snap.n_params - 1)
            self.spin_j.setMaximum(snap.n_params - 1)
            if self.plane() == "weights" and not self._weights_set:
                self._use_top_two()
            self._describe_weights()
        if snap.run_id != self._run_id:
            self._run_id = snap.run_id
            self._ring.clear()
            self._want = True
            self._path_dirty = True
        if snap.n_params - 1 != self.spin_i.maximum():
            for sp in (self.spin_i, self.spin_j):
                sp.setMaximum(snap.n_params - 1)
        if not self._ring or self._ring[-1][0] != snap.step:
            if self._ring and self._ring[-1][0] > snap.step:
                self._ring.clear()
            self._ring.append([snap.step, snap.theta, self._project(snap.theta)])
            self._path_dirty = True
        res = self._job.result()
        if res is not None and res[0] != self._shown_seq:
            self._shown_seq = res[0]
            self._install(res[1])
        self._maybe_submit()
        if self._path_dirty:
            self._draw_path()
        self.render_seconds = time.perf_counter() - t0

    def _project(self, theta) -> tuple[float, float] | None:
        f = self.frame
        if f is None or f.run_id != self._run_id or f.theta0.size != theta.size:
            return None
        a, b = project_path(theta[None, :], f.theta0, f.plane.d1, f.plane.d2)[0]
        return float(a), float(b)

    def _maybe_submit(self, force: bool = False) -> None:
        """Ask for a new map when needed: on request, when the settings or the run
        changed, every ``FOLLOW_S`` while training (if following), and when θ left
        the map. Never while hidden; automatic ones never more often than every
        ``FOLLOW_S`` while training and never while a map is being computed."""
        snap = self._snap
        if snap is None or self._batch is None or not self.isVisible():
            return
        key = self._key()
        now = _clock()
        f = self.frame
        busy = self._job.busy
        since = now - self._last_submit
        if not force:
            stale = f is None or f.key != key or f.run_id != snap.run_id
            if stale or self._want:
                same = self._submitted is not None and self._submitted[:2] == (key, snap.run_id)
                if same and (busy or since < FOLLOW_S):
                    return  # on its way (or it just failed: do not retry at once)
            elif busy or (snap.running and since < FOLLOW_S):
                return
            elif snap.running and self.follow() and snap.step != f.step:
                pass  # follow θ while training
            elif not (self._outside() and snap.step != self._submitted[2]):
                return
        self._want = False
        self._submitted = (key, snap.run_id, snap.step)
        self._last_submit = now
        path = tuple((e[0], e[1]) for e in self._ring)
        ij = self.weights()
        if ij[0] == ij[1]:
            ij = (ij[0], (ij[1] + 1) % snap.n_params)
        self._job.submit(key, snap, self._batch, self.plane(), ij,
                         EXTENTS[self.extent_box.currentIndex()][1], self._seed, path)
        self.progress.setText("Computing a new map …")

    def _outside(self) -> bool:
        """θ now lies outside the map's square (in the slice)."""
        f = self.frame
        if f is None or not self._ring or self._ring[-1][2] is None:
            return False
        a, b = self._ring[-1][2]
        return math.isfinite(a) and math.isfinite(b) and max(abs(a), abs(b)) > f.extent

    # ------------------------------------------------------------------ drawing
    def _install(self, f: _Frame) -> None:
        self.frame = f
        for e in self._ring:  # the path in the new frame: the job's projection, or ours for newer θ
            e[2] = f.path.get(e[0]) if e[0] in f.path and f.run_id == self._run_id else self._project(e[1])
        self._path_dirty = True
        self._show_frame(f)

    def _show_frame(self, f: _Frame) -> None:
        log = self.logColours()
        img, levels, cx, cy = f.shown[log]
        ea, n = f.extent, img.shape[0]
        d = 2 * ea / (n - 1) if n > 1 else 1.0
        self.image.setImage(img, levels=levels, autoLevels=False)
        self.image.setRect(QtCore.QRectF(-ea - d / 2, -ea - d / 2, 2 * ea + d, 2 * ea + d))
        self.board.setRect(QtCore.QRectF(-ea - d / 2, -ea - d / 2, 2 * ea + d, 2 * ea + d))
        self.bar.setLevels(levels)
        self._bar_label("log₁₀ C" if log else "C")
        if self.contours() and cx.size:
            self.contour.setData(cx, cy)
        else:
            self.contour.setData([], [])
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
        vb = self.plot.getViewBox()
        vb.setRange(QtCore.QRectF(-ea - d / 2, -ea - d / 2, 2 * ea + d, 2 * ea + d), padding=0.02)
        la_text, lb_text = _axis_labels(f.plane)
        if (la_text, lb_text) != getattr(self, "_axis_text", None):
            self._axis_text = (la_text, lb_text)
            for side, text in (("bottom", la_text), ("left", lb_text)):
                self.plot.getAxis(side).setLabel(text, **{"font-size": "9pt", "color": style.FOREGROUND})
        self.progress.setText(
            f"Map of step {f.step:,}: {n}×{n} points on {f.land.n_examples} training digits, "
            f"computed in {f.seconds * 1000:.0f} ms"
            + ("" if f.land.complete else " (out of time: the blank part was not computed)") + ".")
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

    def _write_info(self, f: _Frame) -> None:
        c0, cn = f.land.center_cost, f.cost_next
        if not math.isfinite(c0):
            self.info.setText("<span style='color:#b2182b'><b>θ is not a number</b> (the run "
                              "diverged): there is no landscape to draw. Choose a smaller η and "
                              "restore the last good weights.</span>")
            return
        cur = self._ring[-1][2] if self._ring else None
        if cur is not None and not all(math.isfinite(v) for v in cur):
            self.info.setText("<span style='color:#b2182b'><b>θ now is not a number</b> (the run "
                              "diverged): it has left every map. Choose a smaller η and restore "
                              "the last good weights.</span>")
            return
        parts = [f"At the centre C = <b>{style.fmt(c0)}</b>."]
        fin = f.land.costs[np.isfinite(f.land.costs)]
        if fin.size and float(fin.max() - fin.min()) <= 1e-6 * max(abs(c0), 1e-12):
            what = ("these two parameters" if f.plane.kind == "weights" else "this slice")
            parts.append(f"<b>The cost does not change anywhere on {what}</b>"
                         + (" (e.g. a weight from a pixel that is blank in every digit, or a "
                            "neuron that is saturated): try 'Top two'." if f.plane.kind == "weights"
                            else ": the ground is flat here.") )
            self.info.setText(" ".join(parts))
            return
        if f.grad_norm == 0 or not math.isfinite(f.grad_norm):
            parts.append("The ground is flat here (∇C = 0): no step moves the ball.")
        elif math.isfinite(cn):
            if cn > c0:
                parts.append(f"One step of η = {style.fmt(f.lr)} from the centre lands at "
                             f"C = {style.fmt(cn)}: <span style='color:#b2182b'><b>uphill</b> — "
                             "η is too large, the ball bounces to the far slope.</span>")
            else:
                parts.append(f"One step of η = {style.fmt(f.lr)} from the centre lands at "
                             f"C = {style.fmt(cn)} (downhill, the orange ◯).")
        la, _ = f.land.argmin
        if math.isfinite(la):
            cmin = float(np.nanmin(f.land.costs))
            parts.append(f"Lowest point of this map: C = {style.fmt(cmin)}.")
        if f.plane.kind == "gradient":
            n = f.land.costs.shape[0]
            across, up = _spread(f.land.costs[n // 2]), _spread(f.land.costs[:, n // 2])
            if up < 0.1 * across:
                parts.append(f"Up and down (the random direction) the cost hardly changes: most of "
                             f"the {f.theta0.size:,} directions barely matter at this scale — "
                             "the gradient points along one that does.")
        if cur is not None and (cur[0] or cur[1]) and self._snap is not None \
                and self._snap.step != f.step:
            steps = self._snap.step - f.step
            parts.append(f"Since the map was drawn θ took {steps:,} step{'s' if steps != 1 else ''}; "
                         "the path shows only its movement within this slice.")
        if f.plane.kind == "weights":
            parts.append("All other parameters stay at their values at the centre.")
        self.info.setText(" ".join(parts))

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
