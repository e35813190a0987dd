"""The learning-rate box of the controls: a text field (Enter applies it;
Up/Down step through 1, 1.5, 2, 3, 5, 7 × 10^k, PageUp/PageDown ×10 / ÷10),
a log-scale slider with one tick per decade and its labels, and a line that
says why a value was refused. The control panel connects it to the session."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QLineEdit, QSlider, QVBoxLayout

from gdviz.qt.control_values import SLIDER_MAX, SLIDER_PER_DECADE
from gdviz.training import LR_MAX, LR_MIN

__all__ = ["LearningRateBox", "TICK_LABELS"]

#: Labels under the slider, one per tick of the decades they name.
TICK_LABELS = ("10⁻⁴", "10⁻²", "1", "100")
_NUDGE = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1, Qt.Key.Key_PageUp: 10, Qt.Key.Key_PageDown: -10}


class _NudgeKeys(QObject):
    """Turns Up/Down/PageUp/PageDown in the field into ``box.nudged(step)``."""

    def __init__(self, box: "LearningRateBox"):
        super().__init__(box)
        self.box = box

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress and event.key() in _NUDGE:
            self.box.nudged.emit(_NUDGE[event.key()])
            return True
        return False


class LearningRateBox(QGroupBox):
    """``edit`` (the η field), ``slider`` (log scale), ``message`` (hidden unless an error).

    ``nudged(step)``: Up/Down (±1) or PageUp/PageDown (±10) pressed in the field.
    """

    nudged = Signal(int)

    def __init__(self, parent=None):
        super().__init__("Learning rate η", parent)
        lay = QVBoxLayout(self)
        lay.setSpacing(4)
        row = QHBoxLayout()
        self.edit = QLineEdit()
        self.edit.setObjectName("LearningRate")
        self.edit.setToolTip(f"η between {LR_MIN:g} and {LR_MAX:g}; Enter applies it. "
                             "Up/Down: next value, PageUp/PageDown: ×10 / ÷10")
        self.edit.setMaximumWidth(90)
        self.edit.installEventFilter(_NudgeKeys(self))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_MAX)
        self.slider.setSingleStep(10)
        self.slider.setPageStep(SLIDER_PER_DECADE)
        self.slider.setTickInterval(SLIDER_PER_DECADE)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setToolTip("Log scale: each tick is ×10")
        row.addWidget(self.edit)
        row.addWidget(self.slider, 1)
        lay.addLayout(row)
        ticks = QHBoxLayout()
        for i, txt in enumerate(TICK_LABELS):
            lab = QLabel(txt)
            lab.setObjectName("TickLabel")
            ticks.addWidget(lab)
            if i < len(TICK_LABELS) - 1:
                ticks.addStretch(1)
        ticks.setContentsMargins(96, 0, 0, 0)
        lay.addLayout(ticks)
        self.message = QLabel()
        self.message.setObjectName("LrMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b2182b;")
        self.message.hide()
        lay.addWidget(self.message)
