"""The "Network (applied on Reset)" box of the control panel: hidden layers,
activation, cost, the network's size in words, and the two presets. Its
widgets only show choices; the control panel sends them to the session."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton

from gdviz.core import ACTIVATIONS, COSTS

__all__ = ["ACTIVATION_TITLES", "COST_TIPS", "COST_TITLES", "NetworkBox", "combo"]

ACTIVATION_TITLES = {"sigmoid": "sigmoid σ", "tanh": "tanh", "relu": "ReLU"}
COST_TITLES = {"mse": "squared error", "ce": "cross-entropy"}
COST_TIPS = {"mse": "C = Σⱼ (aⱼ − yⱼ)², sigmoid outputs (the lesson's cost)",
             "ce": "C = −Σⱼ yⱼ ln aⱼ with softmax outputs"}


def combo() -> QComboBox:
    """A combo box as wide as its current choice needs, not its longest one (the dock stays narrow)."""
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(15)
    return box


class NetworkBox(QGroupBox):
    """``hidden_edit`` (e.g. "16,16"), ``activation_combo`` and ``cost_combo`` (item data:
    the names gdviz.core knows), ``network_label``, ``lesson_button``, ``best_button``."""

    def __init__(self, parent=None):
        super().__init__("Network (applied on Reset)", parent)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.hidden_edit = QLineEdit()
        self.hidden_edit.setObjectName("HiddenLayers")
        self.hidden_edit.setToolTip("Neurons per hidden layer, comma separated (e.g. 16,16 or 30); "
                                    "empty = no hidden layer")
        form.addRow("Hidden", self.hidden_edit)
        self.activation_combo = combo()
        for key in ACTIVATIONS:
            self.activation_combo.addItem(ACTIVATION_TITLES.get(key, key), key)
        form.addRow("Activation", self.activation_combo)
        self.cost_combo = combo()
        for key in COSTS:
            self.cost_combo.addItem(COST_TITLES.get(key, key), key)
            self.cost_combo.setItemData(self.cost_combo.count() - 1, COST_TIPS.get(key, ""),
                                        Qt.ItemDataRole.ToolTipRole)
        form.addRow("Cost", self.cost_combo)
        self.network_label = QLabel()
        self.network_label.setObjectName("NetworkLabel")
        self.network_label.setWordWrap(True)
        form.addRow(self.network_label)
        presets = QHBoxLayout()
        self.lesson_button = QPushButton("Lesson preset")
        self.lesson_button.setObjectName("LessonPreset")
        self.lesson_button.setToolTip("The lesson's network in one click: 784-16-16-10, sigmoid, "
                                      "squared-error cost C = Σ(a−y)², η = 1, batches of 10 — then back "
                                      "to step 0. η = 1 here is η = 2 in Nielsen's book (his cost is "
                                      "½Σ(a−y)²); on full MNIST it reaches about 94.6 % within 10 epochs")
        self.best_button = QPushButton("Best preset")
        self.best_button.setObjectName("BestPreset")
        self.best_button.setToolTip("The same 784-16-16-10 shape with ReLU, cross-entropy and momentum "
                                    "(η = 0.02, batch 32): about 96 % on full MNIST within seconds")
        presets.addWidget(self.lesson_button)
        presets.addWidget(self.best_button)
        form.addRow(presets)
