"""The replay dock's widget: play / pause, ◀ θ / θ ▶, a slider and a step box
over the recording, the play-back speed, a line of information and the way
back to live training. It only holds the widgets; the replay controller
connects them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QToolButton, QWidget

__all__ = ["PLAY_SPEEDS", "DEFAULT_SPEED", "ReplayTimeline"]

PLAY_SPEEDS = (16, 64, 256, 1000, 4000, 16000, 64000)  # recorded steps per second
DEFAULT_SPEED = 1000


class ReplayTimeline(QWidget):
    """``play_button``, ``back_button``, ``fwd_button``, ``slider``, ``spin``,
    ``of_label``, ``speed_combo`` (data: steps per second), ``info``, ``live_button``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("ReplayTimeline")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(6)
        self.play_button = QPushButton("▶ Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play the recording from the step shown")
        self.back_button = QToolButton()
        self.back_button.setText("◀ θ")
        self.back_button.setToolTip("Back to the previous recorded θ")
        self.fwd_button = QToolButton()
        self.fwd_button.setText("θ ▶")
        self.fwd_button.setToolTip("On to the next recorded θ")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimumWidth(240)
        self.slider.setToolTip("Drag to any step of the recording")
        self.spin = QSpinBox()
        self.spin.setKeyboardTracking(False)
        self.spin.setGroupSeparatorShown(True)
        self.spin.setToolTip("The step shown (type a step and press Enter)")
        self.of_label = QLabel("of 0")
        self.speed_combo = QComboBox()
        for sps in PLAY_SPEEDS:
            self.speed_combo.addItem(f"{sps:,} steps/s", float(sps))
        self.speed_combo.setCurrentIndex(PLAY_SPEEDS.index(DEFAULT_SPEED))
        self.speed_combo.setToolTip("Play-back speed in recorded steps per second")
        self.info = QLabel()
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.live_button = QPushButton("Back to live training")
        badge = QLabel("● REPLAY")
        badge.setObjectName("ReplayBadge")
        badge.setToolTip("The panels show a recorded run, not the live one")
        badge.setStyleSheet("QLabel#ReplayBadge { background: #5e3c99; color: white; font-weight: bold;"
                            " border-radius: 3px; padding: 2px 6px; }")
        for widget in (badge, self.play_button, self.back_button, self.fwd_button):
            lay.addWidget(widget)
        lay.addWidget(self.slider, 1)
        lay.addWidget(QLabel("step"))
        for widget in (self.spin, self.of_label, self.speed_combo, self.info, self.live_button):
            lay.addWidget(widget)
