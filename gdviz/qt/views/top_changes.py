"""The table of the components of −∇C that matter most right now (the −∇C view).

One row per :class:`~gdviz.training.analysis.ParameterChange`: its value, the
weight matrix or bias vector it sits in, the neuron it feeds, where it comes
from, and the same in words. The rows are built once; ``show_changes`` only
changes the texts that differ.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import style

__all__ = ["TopChangesTable"]

COLUMNS = ("−∂C/∂θ", "layer", "neuron", "input", "what it means")
TIPS = (("The component of −∇C: how much the cost drops per unit this number grows "
         "(red: it should grow, blue: shrink)."),
        ("Which weight matrix W or bias vector b: W0 = pixels → hidden layer 1, "
         "W1 = hidden 1 → hidden 2, W2 = hidden 2 → outputs (b0, b1, b2: their biases)."),
        "The neuron that receives this weight (or owns this bias).",
        "Where the weight comes from: a pixel (row, column) or a neuron of the layer before.",
        "The same in words.")


class TopChangesTable(QtWidgets.QTableWidget):
    """``rows`` rows of the largest components of −∇C (empty until ``show_changes``)."""

    def __init__(self, rows: int, parent=None):
        super().__init__(rows, len(COLUMNS), parent)
        t = self
        t.setHorizontalHeaderLabels(COLUMNS)
        t.setFont(style.font(8.5))
        t.horizontalHeader().setFont(style.font(8.5, bold=True))
        t.verticalHeader().setDefaultSectionSize(18)
        t.verticalHeader().setMinimumSectionSize(16)
        t.verticalHeader().setFont(style.font(8))
        t.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        t.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        t.setWordWrap(False)
        # Fixed widths from the widest text each column can hold: resizing to the contents
        # would re-measure every cell at every setText (~0.1 ms each).
        hh = t.horizontalHeader()
        fm = QtGui.QFontMetrics(style.font(8.5))
        fmb = QtGui.QFontMetrics(style.font(8.5, bold=True))
        widest = ("−0.000123", "W0", "digit 15", "pixel (27, 27)")
        for i, sample in enumerate(widest):
            hh.setSectionResizeMode(i, QtWidgets.QHeaderView.ResizeMode.Fixed)
            t.setColumnWidth(i, max(fm.horizontalAdvance(sample), fmb.horizontalAdvance(COLUMNS[i])) + 14)
        hh.setSectionResizeMode(len(COLUMNS) - 1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        for i, tip in enumerate(TIPS):
            t.horizontalHeaderItem(i).setToolTip(tip)
        for r in range(rows):
            t.setVerticalHeaderItem(r, QtWidgets.QTableWidgetItem(str(r + 1)))
            for c in range(len(COLUMNS)):
                it = QtWidgets.QTableWidgetItem("")
                if c == 0:
                    it.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight
                                        | QtCore.Qt.AlignmentFlag.AlignVCenter)
                t.setItem(r, c, it)
        t.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        t.setMinimumHeight(t.horizontalHeader().sizeHint().height() + rows * 18 + 4)
        t.setToolTip(f"The {rows} largest components of −∇C for the last mini-batch.")

    def show_changes(self, top, shape: tuple[int, int], n_layers: int) -> None:
        """Fill the rows with ``top`` (ParameterChange, largest first); ``shape`` is the
        input images' (H, W), ``n_layers`` the number of weight layers."""
        for r in range(self.rowCount()):
            items = [self.item(r, c) for c in range(len(COLUMNS))]
            if r >= len(top):
                for it in items:
                    if it.text():
                        it.setText("")
                        it.setToolTip("")
                continue
            p = top[r]
            texts = _row_texts(p, shape, n_layers)
            tip = f"θ[{p.index:,}] = {p.label}\n−∂C/∂θ = {p.value:.6g}"
            for it, text in zip(items, texts, strict=True):
                if it.text() != text:
                    it.setText(text)
                if it.toolTip() != tip:
                    it.setToolTip(tip)
            colour = style.POSITIVE if p.value > 0 else style.NEGATIVE if p.value < 0 else style.MUTED
            if items[0].foreground().color().name() != colour:
                items[0].setForeground(QtGui.QBrush(QtGui.QColor(colour)))


def _row_texts(p, shape: tuple[int, int], n_layers: int) -> tuple[str, ...]:
    """Table cells for one :class:`ParameterChange`: value, layer, neuron, input, words."""
    dst = style.layer_name(p.layer + 1, n_layers)
    src = style.layer_name(p.layer, n_layers)
    layer = f"{p.kind}{p.layer}"
    neuron = f"digit {p.neuron}" if p.layer + 1 == n_layers else f"{p.neuron}"
    if p.kind == "b":
        inp = "bias"
    elif p.layer == 0 and shape[0] > 1:
        r, c = divmod(p.input, shape[1])
        inp = f"pixel ({r}, {c})"
    elif p.layer == 0:
        inp = f"input {p.input}"
    else:
        inp = f"neuron {p.input}"
    way = "grow" if p.value > 0 else "shrink" if p.value < 0 else "stay"
    if not math.isfinite(p.value):
        way = "? (not a number)"
    who = f"output {p.neuron}" if p.layer + 1 == n_layers else f"{_short(dst)} neuron {p.neuron}"
    if p.kind == "b":
        words = f"should {way}: the bias of {who}"
    elif p.layer == 0:
        words = f"should {way}: the weight from {inp} into {who}"
    else:
        words = f"should {way}: the weight from {_short(src)} neuron {p.input} into {who}"
    return (style.fmt(p.value), layer, neuron, inp, words)


def _short(name: str) -> str:
    return {"the output layer": "outputs", "the input pixels": "pixels"}.get(
        name, name.replace("hidden layer ", "hidden "))
