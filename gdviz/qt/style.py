"""The one look of gdviz: colours, the diverging colormap, fonts, level helpers
and the small header widgets the panels share.

Light look throughout (white plots, dark text) so the panels sit well next to
ordinary Qt widgets and read well on a classroom projector. Every signed
quantity (weights, −∇C, Δθ, biases) uses the same diverging colormap:
**blue = negative, near-white = zero, red = positive**, always with symmetric
levels ``(-m, m)`` so zero is the same colour everywhere. Pixels that are not a
number (gaps between tiles, a diverged θ) are transparent and show the grey
"board" behind them.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.core import parameter_layout

# ------------------------------------------------------------------ colours
BACKGROUND = "#ffffff"  # plot background
FOREGROUND = "#333333"  # axes, text
MUTED = "#6b6b6b"  # secondary text
BOARD = "#c9c9c9"  # behind heatmaps: gaps between tiles and NaN pixels
POSITIVE = "#b2182b"  # red end of the diverging map
NEGATIVE = "#2166ac"  # blue end
BAR = "#7d93b2"  # ordinary bars
ANSWER_RIGHT = "#1a9850"  # the network's answer when it is right
ANSWER_WRONG = "#e66101"  # ... and when it is wrong
TARGET = "#222222"  # outline of the desired output

# ColorBrewer RdBu (11 classes), reversed: blue (negative) -> white -> red (positive).
_DIVERGING_HEX = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
                  "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
# Sequential map for activations in [0, 1]: pale (off) -> deep teal (on).
_SEQUENTIAL_HEX = ["#f4f4f4", "#ccece6", "#99d8c9", "#66c2a4", "#2ca25f", "#006d2c", "#00441b"]

MODES = ("weights", "gradient", "delta")
MODE_LABELS = {"weights": "weights", "gradient": "−∇C", "delta": "Δθ"}
MODE_TIPS = {
    "weights": "Show the weights and biases themselves.",
    "gradient": "Show −∇C for the last mini-batch: the direction each weight is pushed "
                "to make the cost smaller (red = should grow, blue = should shrink).",
    "delta": "Show Δθ, how much each weight actually changed in the last step "
             "(−η·∇C for plain gradient descent).",
}
# What a single value is called in hover texts, per mode.
MODE_SYMBOL = {"weights": "w", "gradient": "−∂C/∂w", "delta": "Δw"}
MODE_BIAS_SYMBOL = {"weights": "b", "gradient": "−∂C/∂b", "delta": "Δb"}

_cache: dict[str, object] = {}


def _cmap(name: str, hexes: list[str]) -> pg.ColorMap:
    cm = _cache.get(name)
    if cm is None:
        cm = pg.ColorMap(np.linspace(0.0, 1.0, len(hexes)), [pg.mkColor(h) for h in hexes],
                         name=name)
        _cache[name] = cm
    return cm


def diverging_cmap() -> pg.ColorMap:
    """The app's one diverging colormap (blue − / white 0 / red +)."""
    return _cmap("gdviz-diverging", _DIVERGING_HEX)


def sequential_cmap() -> pg.ColorMap:
    """Colormap for activations (pale = off, deep green = on)."""
    return _cmap("gdviz-sequential", _SEQUENTIAL_HEX)


def ink_lut() -> np.ndarray:
    """(256, 4) uint8 grey table showing MNIST ink as dark on white paper."""
    lut = _cache.get("ink-lut")
    if lut is None:
        g = np.arange(255, -1, -1, dtype=np.uint8)
        lut = np.stack([g, g, g, np.full(256, 255, np.uint8)], axis=1)
        _cache["ink-lut"] = lut
    return lut


def apply_pyqtgraph_defaults() -> None:
    """Global pyqtgraph options for the whole app (idempotent)."""
    pg.setConfigOptions(antialias=False, imageAxisOrder="row-major",
                        background=BACKGROUND, foreground=FOREGROUND)


# ------------------------------------------------------------------ fonts
def font(point_size: float = 9.0, bold: bool = False) -> QtGui.QFont:
    f = QtGui.QFont()
    f.setPointSizeF(point_size)
    f.setBold(bold)
    return f


def style_axis(axis: pg.AxisItem, label: str | None = None, size: float = 8.5) -> None:
    """Readable tick font and an optional label on a pyqtgraph axis."""
    axis.setStyle(tickFont=font(size), tickLength=-4, autoExpandTextSpace=True)
    axis.enableAutoSIPrefix(False)
    axis.setPen(pg.mkPen(FOREGROUND))
    axis.setTextPen(pg.mkPen(FOREGROUND))
    if label is not None:
        axis.setLabel(label, **{"font-size": f"{size + 0.5:g}pt", "color": FOREGROUND})


def integer_ticks(n: int, offset: float = 0.5) -> list[list[tuple[float, str]]]:
    """Tick levels for cells/bars 0..n-1 centred at ``k + offset``, for ``AxisItem.setTicks``.

    Major level: 0, 5, 10, … (or a coarser 1-2-5 step for big n); minor level: every
    other number (up to 60). pyqtgraph hides the minor labels when they do not fit.
    """
    major = 5
    for s in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        major = s
        if n / s <= 12:
            break
    levels = [[(k + offset, str(k)) for k in range(0, n, major)]]
    if n <= 60:
        levels.append([(k + offset, str(k)) for k in range(n) if k % major])
    else:
        levels.append([])
    return levels


# ------------------------------------------------------------------ levels
def robust_max(arr, q: float = 99.0) -> float:
    """The ``q``-th percentile of |arr| ignoring NaN/±inf; 1.0 if nothing usable.

    Uses ``np.partition`` (O(n)) rather than ``np.percentile``. Falls back to the
    largest finite |value| when the percentile is 0, and to 1 when all are 0.
    """
    a = np.abs(np.asarray(arr, dtype=np.float64).ravel())
    if a.size == 0:
        return 1.0
    finite = np.isfinite(a)
    if not finite.all():
        a = a[finite]
        if a.size == 0:
            return 1.0
    k = min(a.size - 1, max(0, int(math.ceil(q / 100.0 * a.size)) - 1))
    m = float(np.partition(a, k)[k])
    if not m > 0.0:
        m = float(a.max())
    return m if m > 0.0 and math.isfinite(m) else 1.0


def symmetric_levels(arr, q: float = 99.0) -> tuple[float, float]:
    """``(-m, m)`` with m = :func:`robust_max` — zero always maps to the middle colour."""
    m = robust_max(arr, q)
    return (-m, m)


class LevelSmoother:
    """Smooths a colour scale across frames so it does not flicker.

    Rises quickly (values must not stay saturated), falls slowly, and only
    changes the *shown* value when it moved by more than ``tolerance`` (so the
    colour bar's axis is not rebuilt every frame).
    """

    def __init__(self, rise: float = 0.5, fall: float = 0.08, tolerance: float = 0.03):
        self.rise, self.fall, self.tolerance = rise, fall, tolerance
        self.reset()

    def reset(self) -> None:
        self._smooth: float | None = None
        self.value: float = 1.0
        self.changed = True

    def update(self, target: float) -> float:
        if not (target > 0 and math.isfinite(target)):
            target = self._smooth if self._smooth is not None else 1.0
        if self._smooth is None:
            self._smooth = target
            self.value = target
            self.changed = True
            return self.value
        rate = self.rise if target > self._smooth else self.fall
        self._smooth += rate * (target - self._smooth)
        self.changed = abs(self._smooth - self.value) > self.tolerance * self.value
        if self.changed:
            self.value = self._smooth
        return self.value


def nice_ceiling(x: float, minimum: float = 1e-6) -> float:
    """Smallest 1-2-5 × 10^k that is ≥ x (a stable axis range); ``minimum`` if x is not usable."""
    if not (math.isfinite(x) and x > minimum):
        return minimum
    e = math.floor(math.log10(x))
    for f in (1.0, 2.0, 5.0, 10.0):
        v = f * 10.0 ** e
        if v >= x * (1 - 1e-9):
            return v
    return 10.0 ** (e + 1)


def fmt(x: float) -> str:
    """A short human number: 0.123, −0.00423, 12.3, 1.23e+04, "not a number"."""
    x = float(x)
    if not math.isfinite(x):
        return "not a number" if math.isnan(x) else ("+∞" if x > 0 else "−∞")
    ax = abs(x)
    if x == 0:
        s = "0"
    elif ax >= 1e4 or ax < 1e-4:
        s = f"{x:.2e}"
    elif ax >= 100:
        s = f"{x:.0f}"
    elif ax >= 10:
        s = f"{x:.1f}".rstrip("0").rstrip(".")
    elif ax >= 1:
        s = f"{x:.2f}".rstrip("0").rstrip(".")
    else:
        s = f"{x:.3g}"
    return s.replace("-", "−")


# ------------------------------------------------------------------ θ helpers
def mode_vector(snap, mode: str) -> np.ndarray:
    """The θ-aligned vector a panel shows in ``mode``: θ, −∇C or Δθ."""
    if mode == "gradient":
        return snap.grad  # negate per layer slice (cheaper than negating all of θ)
    if mode == "delta":
        return snap.delta
    return snap.theta


def layer_views(vec: np.ndarray, sizes: tuple[int, ...], layer: int,
                negate: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(W[layer], b[layer])`` of a θ-aligned vector; copies negated when ``negate``."""
    key = ("layout", tuple(sizes))
    layout = _cache.get(key)
    if layout is None:
        layout = _cache[key] = parameter_layout(tuple(sizes))
    sw, sb = layout[2 * layer], layout[2 * layer + 1]
    W = vec[sw.start:sw.stop].reshape(sw.shape)
    b = vec[sb.start:sb.stop]
    if negate:
        W, b = np.negative(W), np.negative(b)
    return W, b


def image_shape(n_in: int, hint: tuple[int, int] | None = None) -> tuple[int, int]:
    """How to lay out ``n_in`` input pixels: ``hint`` (the dataset's (H, W)) if it fits,
    else a square if ``n_in`` is one (784 -> 28×28), else one strip ``(1, n_in)``."""
    if hint is not None and len(hint) == 2 and int(hint[0]) * int(hint[1]) == n_in:
        return int(hint[0]), int(hint[1])
    side = math.isqrt(n_in)
    return (side, side) if side * side == n_in and side > 1 else (1, n_in)


def layer_name(index: int, n_layers: int) -> str:
    """Plain name of layer ``index`` (0 = the input pixels, n_layers = the output)."""
    if index == 0:
        return "the input pixels"
    if index == n_layers:
        return "the output layer"
    return f"hidden layer {index}"


# ------------------------------------------------------------------ widgets
def title_label(text: str) -> QtWidgets.QLabel:
    lab = QtWidgets.QLabel(text)
    lab.setFont(font(10.5, bold=True))
    lab.setWordWrap(True)
    return lab


def note_label(text: str = "", size: float = 8.5) -> QtWidgets.QLabel:
    lab = QtWidgets.QLabel(text)
    lab.setFont(font(size))
    lab.setWordWrap(True)
    lab.setStyleSheet(f"color: {MUTED};")
    return lab


def status_label() -> QtWidgets.QLabel:
    """The one-line hover read-out at the bottom of a panel."""
    lab = QtWidgets.QLabel(" ")
    lab.setFont(font(9))
    lab.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    lab.setMinimumWidth(50)
    lab.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
    return lab


def plot_widget() -> pg.GraphicsLayoutWidget:
    """A pyqtgraph canvas in the app's look, without the default frame margins."""
    apply_pyqtgraph_defaults()
    w = pg.GraphicsLayoutWidget()
    w.setBackground(BACKGROUND)
    w.ci.layout.setContentsMargins(2, 2, 2, 2)
    w.ci.layout.setSpacing(4)
    w.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    return w


def fixed_view(vb: pg.ViewBox) -> None:
    """No mouse zoom/pan, no context menu, no auto range: the panel sets the range."""
    vb.setMouseEnabled(x=False, y=False)
    vb.setMenuEnabled(False)
    vb.disableAutoRange()


def colour_bar(label: str = "") -> pg.ColorBarItem:
    """A non-interactive vertical colour bar of the diverging map."""
    bar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=diverging_cmap(), interactive=False,
                          width=14, colorMapMenu=False, label=label or None)
    style_axis(bar.axis, size=8)
    bar.axis.setWidth(42)
    if label:
        bar.getAxis("left").setLabel(label, **{"font-size": "8.5pt", "color": FOREGROUND})
    bar.getAxis("left").setWidth(18 if label else 2)
    return bar


class ModeSwitch(QtWidgets.QWidget):
    """Three toggle buttons: weights / −∇C / last change Δθ. Emits the mode name."""

    modeChanged = QtCore.Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self._group = QtWidgets.QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: dict[str, QtWidgets.QToolButton] = {}
        for i, mode in enumerate(MODES):
            b = QtWidgets.QToolButton()
            b.setText(MODE_LABELS[mode])
            b.setToolTip(MODE_TIPS[mode])
            b.setCheckable(True)
            b.setAutoRaise(False)
            b.setFont(font(8.5))
            b.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                            QtWidgets.QSizePolicy.Policy.Fixed)
            self._group.addButton(b, i)
            lay.addWidget(b)
            self.buttons[mode] = b
        self.buttons["weights"].setChecked(True)
        self._group.idClicked.connect(lambda i: self.modeChanged.emit(MODES[i]))

    def mode(self) -> str:
        return MODES[max(0, self._group.checkedId())]

    def setMode(self, mode: str) -> None:
        self.buttons[mode].setChecked(True)


def header(title: QtWidgets.QLabel,
           right: QtWidgets.QWidget | None = None) -> QtWidgets.QHBoxLayout:
    lay = QtWidgets.QHBoxLayout()
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(title, 1)
    if right is not None:
        lay.addWidget(right, 0, QtCore.Qt.AlignmentFlag.AlignTop)
    return lay


def panel_layout(widget: QtWidgets.QWidget) -> QtWidgets.QVBoxLayout:
    lay = QtWidgets.QVBoxLayout(widget)
    lay.setContentsMargins(6, 6, 6, 4)
    lay.setSpacing(3)
    return lay


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    return mode
