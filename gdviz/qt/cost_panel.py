"""The cost panel: every step's training cost, its smoothed curve, the epoch
averages, the test cost, and training/test accuracy.

Built once, then only updated: the history lives in preallocated NumPy
arrays that grow by doubling, each frame appends what the snapshot carries
and calls ``setData`` on views of the filled part. A long run is drawn from
its min/max pyramid (``PeakPyramid``), each curve is one prepared path
(:class:`~gdviz.qt.plot_items.PathCurve`) clipped to the view, and the ranges
are set here (never ``autoRange`` per frame, which measured at 0.43x training
speed): x grows in doublings, so the axes move rarely.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QRadioButton,
    QWidget,
)

from gdviz.qt import axis_fit, fonts, widgets
from gdviz.qt.cost_overlays import OVERLAY_COLORS, CostOverlays
from gdviz.qt.fitting_label import FittingLabel, swatch_legend
from gdviz.qt.plot_items import PathCurve
from gdviz.qt.scales import doubling, nice_top
from gdviz.training.series import EMA_WARMUP, GrowingSeries, PeakPyramid, ema

__all__ = ["OVERLAY_COLORS", "CostPanel"]

# Colours on the app's white plots (readable on a projector).
# Opaque pale blue, not a translucent pen: Qt strokes a translucent, self-
# overlapping path through its slow outline path (measured 70 ms a frame at
# 10,000 noisy steps); an opaque 1-px pen takes the fast line path.
RAW = (178, 203, 228)  # faint blue: every step's mini-batch cost
RAW_DOT = (120, 160, 205)  # the first steps' costs as dots (a line of one point draws nothing)
SMOOTH = (33, 102, 172)  # blue: exponential moving average
EPOCH = (230, 140, 20)  # amber: per-epoch average training cost
TEST = (200, 30, 45)  # red: test cost / test accuracy
TRAIN_ACC = (33, 102, 172)
#: The header's legend: (colour, mark, words, short words when the panel is narrow).
LEGEND = ((RAW, "━", "each step", "step"), (SMOOTH, "━", "smoothed", "smoothed"),
          (EPOCH, "●", "epoch average", "epoch"), (TEST, "■", "test", "test"),
          (TRAIN_ACC, "●", "training", "training"))


class CostPanel(QWidget):
    """Cost (top) and accuracy in % (bottom) against steps or epochs.

    ``render(snap)`` appends the steps the snapshot carries; ``clear()``
    forgets the history (done automatically when ``snap.run_id`` changes).
    """

    followChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("CostPanel")
        self._run_id: int | None = None
        self._seq = -1
        self._log_y = False
        self._x_in_epochs = False
        self._follow = True
        self._setting_range = False
        self._ranges: dict = {}
        self._changed: set[str] = set()  # series ingested but not drawn yet
        self._last_pos: tuple[float, float] | None = None  # (step, epoch position) of the previous snapshot
        self._last_ema: float | None = None
        self._n_costs = 0
        self._cmax = -math.inf  # running max of the smoothed curve / evaluations (linear y range)
        self._cmax_start = -math.inf  # ... of the first EMA_WARMUP smoothed values
        self._pmin, self._pmax = math.inf, -math.inf  # positive raw min/max (log y range)
        self._acc_min = 100.0
        self.steps = GrowingSeries(("step", "epoch", "cost", "ema"), 4096)
        self.pyramid = PeakPyramid()
        self.display_level: int | None = None  # pyramid level drawn (None: every step)
        self.epochs = GrowingSeries(("step", "epoch", "cost"), 64)
        self.evals = GrowingSeries(("step", "epoch", "test_cost", "test_acc", "train_cost", "train_acc"), 64)
        self._running = False  # the newest snapshot ingested came from a running session
        self._drawn_at = -math.inf  # perf_counter() of the last draw of ingested data
        # Draws what redraw() held back should no later redraw() come (see redraw).
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._flush)
        self._build_ui()

    # ------------------------------------------------------------------ UI
    def _build_ui(self) -> None:
        layout = widgets.panel_layout(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(10)
        self.title = widgets.title_label("Cost and accuracy")
        self.title.setWordWrap(False)
        self.title.setToolTip(
            "Faint line: the cost of every mini-batch. Dark line: its moving average. "
            "Dots: the average training cost over each epoch. Red: the test digits, "
            "which the network never trains on.")
        bar.addWidget(self.title)
        self.legend = FittingLabel([swatch_legend(LEGEND), swatch_legend(LEGEND, short=True)])
        self.legend.setFont(fonts.font(8.5))
        self.legend.setToolTip(self.title.toolTip())
        bar.addWidget(self.legend)
        bar.addStretch(1)
        self.x_steps = QRadioButton("steps")
        self.x_epochs = QRadioButton("epochs")
        self.x_steps.setChecked(True)
        self.x_steps.setToolTip("x axis: updates of θ")
        self.x_epochs.setToolTip("x axis: passes through the training data")
        group = QButtonGroup(self)
        group.addButton(self.x_steps)
        group.addButton(self.x_epochs)
        self.x_epochs.toggled.connect(self.setXInEpochs)
        self.log_box = QCheckBox("log")
        self.log_box.setToolTip("Show the cost on a logarithmic scale (Ctrl+L)")
        self.log_box.toggled.connect(self.setLogScale)
        self.follow_box = QCheckBox("follow")
        self.follow_box.setToolTip("Keep the whole run in view (turns off when you zoom or pan with the mouse)")
        self.follow_box.setChecked(True)
        self.follow_box.toggled.connect(self.setFollow)
        for w in (self.x_steps, self.x_epochs, self.log_box, self.follow_box):
            w.setFont(fonts.font(8.5))
        toggles = QHBoxLayout()
        toggles.setSpacing(6)
        for w in (self.x_steps, self.x_epochs, self.log_box, self.follow_box):
            toggles.addWidget(w)
        bar.addLayout(toggles)
        layout.addLayout(bar)

        self.graphics = widgets.plot_widget()
        self.graphics.setMinimumHeight(90)
        layout.addWidget(self.graphics, 1)

        cp = self.cost_plot = pg.PlotItem()
        axis_fit.set_short_titles(cp.getAxis("left"), "cost (log scale)", "cost (log)", "log C")
        axis_fit.set_short_titles(cp.getAxis("left"), "cost", "C")
        cp.setLabel("left", "cost")
        cp.setDownsampling(auto=True, mode="peak")  # (the overlays: PlotDataItems)
        cp.setClipToView(True)
        cp.hideButtons()
        cp.setMenuEnabled(False)
        # PathCurve, not PlotDataItem: one drawPath per curve and repaint (see plot_items).
        self.raw_curve = self._curve(cp, pen=pg.mkPen(RAW, width=1), symbolBrush=RAW_DOT, symbolSize=5,
                                     clip=True)
        self.ema_curve = self._curve(cp, pen=pg.mkPen(SMOOTH, width=2), clip=True)
        self.epoch_curve = self._curve(cp, symbol="o", symbolSize=8, symbolBrush=EPOCH,
                                       symbolPen=pg.mkPen((90, 50, 0), width=1))
        self.test_cost_curve = self._curve(cp, pen=pg.mkPen(TEST, width=1), symbol="s", symbolSize=5,
                                           symbolBrush=TEST)
        self.overlay = CostOverlays(cp, self._overlays_changed)
        self.overlay_legend = self.overlay.legend

        ap = self.acc_plot = pg.PlotItem()
        axis_fit.set_short_titles(ap.getAxis("left"), "accuracy %", "acc. %", "%")
        ap.setLabel("left", "accuracy %")
        ap.hideButtons()
        ap.setMenuEnabled(False)
        ap.setXLink(cp)
        self.train_acc_curve = self._curve(ap, pen=pg.mkPen(TRAIN_ACC, width=1), symbol="o", symbolSize=4,
                                           symbolBrush=TRAIN_ACC)
        self.test_acc_curve = self._curve(ap, pen=pg.mkPen(TEST, width=1), symbol="s", symbolSize=4,
                                          symbolBrush=TEST)
        for plot in (cp, ap):
            for side in ("left", "bottom"):
                fonts.style_axis(plot.getAxis(side))
                # Outward ticks and no grid: an axis whose rectangle reaches into
                # the plot repaints with every new step (measured: 3x the paint time).
                plot.getAxis(side).setStyle(tickLength=5)
            plot.getAxis("left").setWidth(50)
            plot.vb.sigRangeChangedManually.connect(self._user_moved)
            plot.vb.sigXRangeChanged.connect(self._view_moved)
            plot.vb.disableAutoRange()
        ap.vb.setLimits(yMin=-5, yMax=105)
        self._side_by_side: bool | None = None
        self._arrange(side_by_side=True)
        self._apply_ranges()

    @staticmethod
    def _curve(plot: pg.PlotItem, **kwargs) -> PathCurve:
        item = PathCurve(kwargs.pop("pen", None), **kwargs)
        plot.addItem(item, ignoreBounds=True)
        item.attach(plot.vb)
        return item

    def _arrange(self, side_by_side: bool) -> None:
        """Cost and accuracy next to each other (wide, short panel) or stacked (tall one)."""
        if side_by_side == self._side_by_side:
            return
        self._side_by_side = side_by_side
        ci = self.graphics.ci
        for plot in (self.cost_plot, self.acc_plot):
            if plot in ci.items:
                ci.removeItem(plot)
        ci.addItem(self.cost_plot, row=0, col=0)
        if side_by_side:
            ci.addItem(self.acc_plot, row=0, col=1)
            ci.layout.setColumnStretchFactor(0, 3)
            ci.layout.setColumnStretchFactor(1, 2)
            ci.layout.setRowStretchFactor(0, 1)
            ci.layout.setRowStretchFactor(1, 0)
        else:
            ci.addItem(self.acc_plot, row=1, col=0)
            ci.layout.setRowStretchFactor(0, 3)
            ci.layout.setRowStretchFactor(1, 2)
            ci.layout.setColumnStretchFactor(1, 0)
        self.cost_plot.getAxis("bottom").setStyle(showValues=side_by_side)
        self._set_x_labels()

    def _set_x_labels(self) -> None:
        label = "epoch" if self._x_in_epochs else "step"
        self.acc_plot.setLabel("bottom", label)
        if self._side_by_side:
            self.cost_plot.setLabel("bottom", label)
        else:
            self.cost_plot.showLabel("bottom", False)
        for plot in (self.cost_plot, self.acc_plot):
            fonts.style_axis(plot.getAxis("bottom"))
            plot.getAxis("bottom").setStyle(tickLength=5)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        size = self.graphics.size()
        self._arrange(side_by_side=size.width() > 2.4 * size.height())

    # ------------------------------------------------------------------ options
    def setLogScale(self, on: bool) -> None:
        on = bool(on)
        if on != self.log_box.isChecked():
            self.log_box.setChecked(on)
            return
        self._log_y = on
        self.cost_plot.setLogMode(y=on)
        self._ranges.clear()
        self.cost_plot.setLabel("left", "cost (log scale)" if on else "cost")
        fonts.style_axis(self.cost_plot.getAxis("left"))
        self.cost_plot.getAxis("left").setStyle(tickLength=5)
        self._apply_ranges()

    def logScale(self) -> bool:
        return self._log_y

    def setXInEpochs(self, on: bool) -> None:
        on = bool(on)
        if on != self.x_epochs.isChecked():
            (self.x_epochs if on else self.x_steps).setChecked(True)
            return
        self._x_in_epochs = on
        self._ranges.clear()
        self._set_x_labels()
        self._update_curves()
        self.overlay.set_x_in_epochs(on)
        self._apply_ranges()

    def xInEpochs(self) -> bool:
        return self._x_in_epochs

    def setFollow(self, on: bool) -> None:
        on = bool(on)
        if on != self.follow_box.isChecked():
            self.follow_box.setChecked(on)
            return
        self._follow = on
        self.followChanged.emit(on)
        if on:
            self._ranges.clear()
            self._apply_ranges()
            if self.steps.n and self.pyramid.level_for(self.steps.n) != self.display_level:
                self._update_curves(("steps",))

    def _user_moved(self, *_args) -> None:
        if not self._setting_range and self._follow:
            self.setFollow(False)

    # ------------------------------------------------------------------ overlays
    def add_overlay(self, name: str, steps, costs, color=None, *, epochs=None, smooth: bool = True) -> str:
        """Draw another run's cost over this one (see :meth:`CostOverlays.add`)."""
        return self.overlay.add(name, steps, costs, color, epochs=epochs, smooth=smooth)

    def remove_overlay(self, name: str) -> bool:
        """Remove the overlay ``name``; False when there is none of that name."""
        return self.overlay.remove(name)

    def clear_overlays(self) -> None:
        """Remove every overlaid run."""
        self.overlay.clear()

    def overlays(self) -> dict[str, tuple]:
        """``{name: (r, g, b)}`` of the overlaid runs, in the order added."""
        return self.overlay.colours()

    def overlay_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` drawn for overlay ``name`` (x in steps or epochs as the axis shows)."""
        return self.overlay.data(name)

    def _overlays_changed(self) -> None:
        self._ranges.clear()
        self._apply_ranges()

    # ------------------------------------------------------------------ history out
    def history(self) -> dict:
        """Copies of everything the panel holds about the run shown (for CSV export).

        ``steps`` ``(n,)`` int64 and ``costs`` ``(n,)`` float64: every step and
        its mini-batch cost; ``smoothed`` ``(n,)``: the dark line; ``epoch_costs``:
        ``[(epoch, step, cost)]``; ``evals``: ``[(step, epoch, test_cost,
        test_accuracy, train_cost, train_accuracy)]`` with accuracies in 0..1.
        """
        ev = self.evals
        evals = [(int(s), float(e), float(tc), ta / 100.0, float(rc), ra / 100.0) for s, e, tc, ta, rc, ra in zip(
            ev.view("step"), ev.view("epoch"), ev.view("test_cost"), ev.view("test_acc"),
            ev.view("train_cost"), ev.view("train_acc"), strict=True)]
        return {
            "steps": self.steps.view("step").astype(np.int64),
            "costs": self.steps.view("cost").copy(),
            "smoothed": self.steps.view("ema").copy(),
            "epoch_costs": [(int(round(e)), int(s), float(c)) for s, e, c in zip(
                self.epochs.view("step"), self.epochs.view("epoch"), self.epochs.view("cost"), strict=True)],
            "evals": evals,
        }

    _STATE = ("_run_id", "_seq", "_last_pos", "_last_ema", "_n_costs", "_cmax", "_cmax_start", "_pmin",
              "_pmax", "_acc_min", "steps", "pyramid", "epochs", "evals")

    def save_state(self) -> dict:
        """A copy of the run's history (not the overlays or view options), for :meth:`restore_state`."""
        import copy

        return {k: copy.deepcopy(getattr(self, k)) for k in self._STATE}

    def restore_state(self, state: dict) -> None:
        """Show again exactly the history of :meth:`save_state` (e.g. the live run after a replay)."""
        import copy

        for k in self._STATE:
            setattr(self, k, copy.deepcopy(state[k]))
        self._changed = set()
        self._ranges.clear()
        self._update_curves()
        self._apply_ranges()

    # ------------------------------------------------------------------ data
    def clear(self) -> None:
        """Forget the whole history (a new run)."""
        self.steps.clear()
        self.pyramid.clear()
        self.epochs.clear()
        self.evals.clear()
        self._last_pos = None
        self._seq = -1
        self._last_ema = None
        self._n_costs = 0
        self._cmax = -math.inf
        self._cmax_start = -math.inf
        self._pmin, self._pmax = math.inf, -math.inf
        self._acc_min = 100.0
        self._changed = set()
        self._update_curves()
        self._apply_ranges()

    def forget_run(self) -> None:
        """Forget the history and its run: the next snapshot starts a new one, whatever its run id."""
        self.clear()
        self._run_id = None

    #: Draws per second of the plots while the session trains. Painting holds
    #: the GIL (every ms of it is lost training) and a loss curve needs no 30 Hz:
    #: every step is still ingested at once and shown at the next draw.
    REDRAW_HZ = 10.0

    def render(self, snap) -> None:
        """Append the history ``snap`` carries and draw it now."""
        self.ingest(snap)
        self._flush()

    def redraw(self) -> None:
        """Push what :meth:`ingest` added to the plots (only the items that changed).

        While training, at most about ``REDRAW_HZ`` times a second: a call
        sooner than that after the last draw only arms a fallback timer, which
        draws the held-back data should no later call come (the newest data is
        always shown, at most two draw periods late). Paused, at once.
        """
        if not self._changed:
            return
        period = 1.0 / self.REDRAW_HZ
        # 0.9: the window calls at 30 Hz; drawing every third call is 10 Hz, not every fourth.
        wait = self._drawn_at + 0.9 * period - time.perf_counter()
        if self._running and wait > 0.0:
            if not self._flush_timer.isActive():
                self._flush_timer.start(max(1, math.ceil(1000.0 * (wait + period))))
            return
        self._flush()

    def _flush(self) -> None:
        """Draw everything ingested and not drawn yet."""
        self._flush_timer.stop()
        if self._changed:
            changed, self._changed = self._changed, set()
            self._update_curves(changed)
            self._apply_ranges()
            self._drawn_at = time.perf_counter()

    def ingest(self, snap) -> None:
        """Append the history ``snap`` carries, without drawing (cheap; see :meth:`redraw`)."""
        if snap.run_id != self._run_id:
            self._run_id = snap.run_id
            self.clear()
        elif snap.seq <= self._seq:
            return  # already seen (a re-render of the same snapshot)
        self._seq = snap.seq
        self._running = bool(getattr(snap, "running", False))
        pos_now = (float(snap.step), float(snap.epoch) + float(snap.epoch_fraction))
        changed = self._changed
        steps = np.asarray(snap.new_steps, dtype=np.float64)
        if steps.size:
            costs = np.asarray(snap.new_costs, dtype=np.float64)
            epochs = self._epoch_positions(steps, pos_now, snap)
            smooth = ema(costs, self._last_ema, count=self._n_costs)
            warm = max(0, EMA_WARMUP - self._n_costs)  # smoothed values still settling
            self._n_costs += int(np.isfinite(costs).sum())
            self._last_ema = float(smooth[-1]) if np.isfinite(smooth[-1]) else self._last_ema
            self.steps.extend(step=steps, epoch=epochs, cost=costs, ema=smooth)
            self.pyramid.update(self.steps)
            for part, attr in ((smooth[:warm], "_cmax_start"), (smooth[warm:], "_cmax")):
                finite = part[np.isfinite(part)]
                if finite.size:
                    setattr(self, attr, max(getattr(self, attr), float(finite.max())))
            pos = costs[np.isfinite(costs) & (costs > 0)]
            if pos.size:
                self._pmin = min(self._pmin, float(pos.min()))
                self._pmax = max(self._pmax, float(pos.max()))
            changed.add("steps")
        if snap.new_epoch_costs:
            ep = np.array([(s, e, c) for e, s, c in snap.new_epoch_costs], dtype=np.float64)
            self.epochs.extend(step=ep[:, 0], epoch=ep[:, 1], cost=ep[:, 2])
            self._note_cost(ep[:, 2])
            changed.add("epochs")
        if snap.new_evals:
            ev = np.array([(e.step, e.epoch, e.test_cost, 100.0 * e.test_accuracy, e.train_cost,
                            100.0 * e.train_accuracy) for e in snap.new_evals], dtype=np.float64)
            self.evals.extend(step=ev[:, 0], epoch=ev[:, 1], test_cost=ev[:, 2], test_acc=ev[:, 3],
                              train_cost=ev[:, 4], train_acc=ev[:, 5])
            self._note_cost(ev[:, 2])
            accs = ev[:, [3, 5]][np.isfinite(ev[:, [3, 5]])]
            if accs.size:
                self._acc_min = min(self._acc_min, float(accs.min()))
            changed.add("evals")
        self._last_pos = pos_now

    def _note_cost(self, values: np.ndarray) -> None:
        finite = values[np.isfinite(values)]
        if finite.size:
            self._cmax = max(self._cmax, float(finite.max()))
            pos = finite[finite > 0]
            if pos.size:
                self._pmin = min(self._pmin, float(pos.min()))
                self._pmax = max(self._pmax, float(pos.max()))

    def _epoch_positions(self, steps: np.ndarray, pos_now: tuple[float, float], snap) -> np.ndarray:
        """Fractional epoch of each step, interpolated between the previous snapshot and this one."""
        s1, e1 = pos_now
        if self._last_pos is not None and self._last_pos[0] < s1:
            s0, e0 = self._last_pos
        else:
            # No earlier point in this run: assume a constant batch size from step 0.
            s0 = float(steps[0]) - 1.0
            per_step = (snap.batch_size / snap.n_train) if snap.optimizer != "gd" else 1.0
            e0 = max(0.0, e1 - per_step * (s1 - s0))
        if s1 <= s0:
            return np.full(len(steps), e1)
        return e0 + (steps - s0) * ((e1 - e0) / (s1 - s0))

    def _x(self, series: GrowingSeries) -> np.ndarray:
        return series.view("epoch" if self._x_in_epochs else "step")

    def _update_curves(self, which=("steps", "epochs", "evals")) -> None:
        if "steps" in which:
            x = self._x(self.steps)
            self._symbols(self.raw_curve, self.steps.n, "o", 5)  # the first steps are points
            level = self.pyramid.level_for(self._n_visible(x))
            self.display_level = level
            if level is None:
                self.raw_curve.setData(x, self.steps.view("cost"))
                self.ema_curve.setData(x, self.steps.view("ema"))
            else:
                xr, yr, xe, ye = self.pyramid.curves(self.steps, level, "epoch" if self._x_in_epochs else "step")
                self.raw_curve.setData(xr, yr)
                self.ema_curve.setData(xe, ye)
        if "epochs" in which:
            self._symbols(self.epoch_curve, self.epochs.n, "o", 8, line=EPOCH)
            self.epoch_curve.setData(self._x(self.epochs), self.epochs.view("cost"))
        if "evals" in which:
            x = self._x(self.evals)
            self._symbols(self.test_cost_curve, self.evals.n, "s", 5)
            self._symbols(self.test_acc_curve, self.evals.n, "s", 4)
            self._symbols(self.train_acc_curve, self.evals.n, "o", 4)
            self.test_cost_curve.setData(x, self.evals.view("test_cost"))
            self.test_acc_curve.setData(x, self.evals.view("test_acc"))
            self.train_acc_curve.setData(x, self.evals.view("train_acc"))

    #: Beyond this many points markers become a plain line: a scatter item's
    #: setData costs ~0.7 ms for a hundred points, and at full speed the test
    #: set is evaluated every few frames.
    MAX_SYMBOLS = 40

    def _symbols(self, item, n: int, symbol: str, size: int, line=None) -> None:
        want = symbol if n <= self.MAX_SYMBOLS else None
        if item.opts["symbol"] != want:
            item.setSymbol(want)
            if line is not None:
                item.setPen(None if want else pg.mkPen(line, width=1))

    def _n_visible(self, x: np.ndarray) -> int:
        """How many steps lie in the x range shown (all of them while following)."""
        if self._follow or not len(x):
            return len(x)
        lo, hi = self.cost_plot.vb.viewRange()[0]
        return int(np.searchsorted(x, hi, "right") - np.searchsorted(x, lo, "left"))

    def _view_moved(self, *_args) -> None:
        """The user zoomed or panned: draw the level of detail that fits the new range."""
        if not self._follow and not self._setting_range and self.steps.n:
            level = self.pyramid.level_for(self._n_visible(self._x(self.steps)))
            if level != self.display_level:
                self._update_curves(("steps",))

    def _apply_ranges(self) -> None:
        if not self._follow:
            return
        self._setting_range = True
        try:
            shown = self.overlay.shown_extents()
            if self._x_in_epochs:
                last = max(self.steps.last("epoch") if self.steps.n else 0.0,
                           self.evals.last("epoch") if self.evals.n else 0.0,
                           *(o["last_epoch"] for o in shown))
                xmax = doubling(last, 0.25)
            else:
                last = max(self.steps.last("step") if self.steps.n else 0.0,
                           self.evals.last("step") if self.evals.n else 0.0,
                           *(o["last_step"] for o in shown))
                xmax = doubling(last, 64.0)
            cmax = max([self._cmax, *(o["cmax"] for o in shown)])
            pmin = min([self._pmin, *(o["pmin"] for o in shown)])
            pmax = max([self._pmax, *(o["pmax"] for o in shown)])
            # Data never touches the left/bottom edges: a curve's dirty rectangle
            # then does not reach the axes, which would otherwise repaint every frame.
            self._set_range(self.cost_plot, "x", -0.015 * xmax, 1.01 * xmax, 0.0)
            if self._log_y:
                lo = pmin if math.isfinite(pmin) else 1e-3
                hi = pmax if math.isfinite(pmax) else 1.0
                lo_e = math.floor(math.log10(lo) - 0.05)
                hi_e = math.ceil(math.log10(hi) + 0.05)
                if hi_e <= lo_e:
                    hi_e = lo_e + 1
                self._set_range(self.cost_plot, "y", lo_e, hi_e, 0.0)
            else:
                # The story starts at step 0: the first costs (~2.4 for the lesson's
                # network) stay in range, however low the cost goes later.
                top = max(cmax, self._cmax_start)
                top = top if math.isfinite(top) and top > 0 else 1.0
                top = nice_top(top * 1.08)
                self._set_range(self.cost_plot, "y", -0.04 * top, top, 0.0)
            low = 0.0
            if self.evals.n:
                low = max(0.0, math.floor((self._acc_min - 5.0) / 10.0) * 10.0)
            self._set_range(self.acc_plot, "y", low - 0.04 * (100.0 - low), 101.0, 0.0)
        finally:
            self._setting_range = False

    def _set_range(self, plot, axis: str, lo: float, hi: float, padding: float) -> None:
        """``setXRange``/``setYRange`` only when the range really changes (they are not free)."""
        key = (id(plot), axis)
        want = (lo, hi, padding)
        if self._ranges.get(key) == want:
            return
        self._ranges[key] = want
        (plot.setXRange if axis == "x" else plot.setYRange)(lo, hi, padding=padding)
