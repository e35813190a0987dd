"""The table of the components of −∇C that matter most right now (the −∇C view).

One row per :class:`~gdviz.training.analysis.ParameterChange`: its value, the
weight matrix or bias vector it sits in, the neuron it feeds, where it comes
from, and the same in words. The rows are built once; ``show_changes`` only
changes the texts that differ.

Every cell is shown whole, whatever the font (presenter mode) and the room:
the columns are as wide as their texts in the table's font, the rows as tall
as a line of it, and the words come in three lengths ("should grow: the
weight from hidden 2 neuron 7 into output 0", "should grow: hidden 2 → outputs"
(the neuron and input columns say which), "should grow"); the table uses the longest that fits every row
of the network it shows, so the choice does not flicker while it trains.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import style

__all__ = ["TopChangesTable", "row_texts"]

COLUMNS = ("−∂C/∂θ", "layer", "neuron", "input", "what it means")
TIPS = (("The component of −∇C: how much the cost drops per unit this number grows "
         "(red: it should grow, blue: shrink)."),
        ("Which weight matrix W or bias vector b: W0 = pixels → hidden layer 1, "
         "W1 = hidden 1 → hidden 2, W2 = hidden 2 → outputs (b0, b1, b2: their biases)."),
        "The neuron that receives this weight (or owns this bias).",
        "Where the weight comes from: a pixel (row, column) or a neuron of the layer before.",
        "The same in words (shorter when the table is narrow; the whole sentence is in each row's tooltip).")
#: The widest text each fixed column holds in normal training (wider ones widen it when seen).
WIDEST = ("−0.000123", "W0", "digit 15", "pixel (27, 27)")
WORDS = len(COLUMNS) - 1
PAD = 14  # pixels around a cell's text (the style's margins and the grid line)
LINE_PAD = 3  # pixels above and below a row's line of text
SHOWN_AT_LEAST = 4  # rows the table keeps in sight when the view is short (it scrolls to the rest)


class TopChangesTable(QtWidgets.QTableWidget):
    """``rows`` rows of the largest components of −∇C (empty until ``show_changes``).

    ``words_form`` is the length of the words in use: 0 (the whole sentence),
    1 (short) or 2 ("should grow" only).
    """

    def __init__(self, rows: int, parent=None):
        super().__init__(rows, len(COLUMNS), parent)
        self.words_form = 0
        self._forms: list[tuple[str, str, str]] = []  # the words of each row shown, in three lengths
        self._samples: tuple[str, str] = ("", "")  # the longest sentence and short words of this network
        self._seen = list(WIDEST)  # the widest text seen in each fixed column
        self._built = False  # (Qt sends font and size events while the rows are made)
        t = self
        t.setHorizontalHeaderLabels(COLUMNS)
        t.setFont(style.font(8.5))
        t.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        t.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        t.setWordWrap(False)
        t.setTextElideMode(QtCore.Qt.TextElideMode.ElideNone)  # a cut text shows as cut, never as "…"
        # Fixed widths from the widest text each column holds: resizing to the contents
        # would re-measure every cell at every setText (~0.1 ms each).
        hh = t.horizontalHeader()
        for i in range(WORDS):
            hh.setSectionResizeMode(i, QtWidgets.QHeaderView.ResizeMode.Fixed)
        hh.setSectionResizeMode(WORDS, QtWidgets.QHeaderView.ResizeMode.Stretch)
        t.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
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
        t.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        t.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Maximum)
        t.setToolTip(f"The {rows} largest components of −∇C for the last mini-batch.")
        self._built = True
        self._fit_font()

    # ------------------------------------------------------------------ contents
    def show_changes(self, top, shape: tuple[int, int], n_layers: int, sizes=None) -> None:
        """Fill the rows with ``top`` (ParameterChange, largest first); ``shape`` is the
        input images' (H, W), ``n_layers`` the number of weight layers, ``sizes`` the
        network's layer sizes (to choose words that fit any row of it)."""
        if sizes is not None:
            samples = _longest_words(tuple(sizes), shape)
            if samples != self._samples:
                self._samples = samples
                self._choose_words()
        forms, widened = [], False
        for r in range(self.rowCount()):
            items = [self.item(r, c) for c in range(len(COLUMNS))]
            if r >= len(top):
                for it in items:
                    if it.text():
                        it.setText("")
                        it.setToolTip("")
                continue
            p = top[r]
            *cells, words = row_texts(p, shape, n_layers)
            forms.append(words)
            tip = f"θ[{p.index:,}] = {p.label}\n{words[0]}\n−∂C/∂θ = {p.value:.6g}"
            for c, text in enumerate(cells):
                widened |= self._widen(c, text)
            for it, text in zip(items, (*cells, words[self.words_form]), strict=True):
                if it.text() != text:
                    it.setText(text)
                if it.toolTip() != tip:
                    it.setToolTip(tip)
            colour = style.POSITIVE if p.value > 0 else style.NEGATIVE if p.value < 0 else style.MUTED
            if items[0].foreground().color().name() != colour:
                items[0].setForeground(QtGui.QBrush(QtGui.QColor(colour)))
        self._forms = forms
        if widened:
            self._fit_columns()
        if not self._fits(self.words_form, forms):
            self._choose_words()

    # ------------------------------------------------------------------ fitting
    def changeEvent(self, event: QtCore.QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.FontChange and self._built:
            self._fit_font()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._built:
            self._choose_words()

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(super().sizeHint().width(), self._height(self.rowCount()))

    def minimumSizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(super().minimumSizeHint().width(), self._height(min(SHOWN_AT_LEAST, self.rowCount())))

    def _height(self, rows: int) -> int:
        """Pixels for the header and ``rows`` rows (no scroll bar needed for them)."""
        return (self.horizontalHeader().sizeHint().height() + rows * self.verticalHeader().defaultSectionSize()
                + 2 * self.frameWidth())

    def _fit_font(self) -> None:
        """Rows, header and columns for the table's font (set anew by presenter mode)."""
        f = self.font()
        bold = QtGui.QFont(f)
        bold.setBold(True)
        for i in range(len(COLUMNS)):
            self.horizontalHeaderItem(i).setFont(bold)
        line = QtGui.QFontMetrics(f).height() + 2 * LINE_PAD
        vh = self.verticalHeader()
        vh.setMinimumSectionSize(line)
        vh.setDefaultSectionSize(line)
        self._fit_columns()
        self.setMaximumHeight(self._height(self.rowCount()))
        self.updateGeometry()

    def _fit_columns(self) -> None:
        fm = QtGui.QFontMetrics(self.font())
        bold = QtGui.QFont(self.font())
        bold.setBold(True)
        fmb = QtGui.QFontMetrics(bold)
        for i, text in enumerate(self._seen):
            self.setColumnWidth(i, max(fm.horizontalAdvance(text), fmb.horizontalAdvance(COLUMNS[i])) + PAD)
        # (the room the words need at least; a header's minimum section size would bind every column)
        self.setMinimumWidth(sum(self.columnWidth(i) for i in range(WORDS)) + self._least_words() + PAD
                             + self.verticalHeader().sizeHint().width() + self.verticalScrollBar().sizeHint().width()
                             + 2 * self.frameWidth())
        self._choose_words()

    def _widen(self, column: int, text: str) -> bool:
        """Remember ``text`` if it is the widest of its column yet (True: refit the columns)."""
        fm = QtGui.QFontMetrics(self.font())
        if fm.horizontalAdvance(text) <= fm.horizontalAdvance(self._seen[column]):
            return False
        self._seen[column] = text
        return True

    def words_width(self) -> int:
        """Pixels the words column has for its text (the room left by the other columns)."""
        fixed = sum(self.columnWidth(i) for i in range(WORDS))
        room = self.viewport().width() - fixed
        return max(room - PAD, self._least_words())

    def _least_words(self) -> int:
        return QtGui.QFontMetrics(self.font()).horizontalAdvance("should shrink")

    def _fits(self, form: int, forms) -> bool:
        fm = QtGui.QFontMetrics(self.font())
        room = self.words_width()
        return all(fm.horizontalAdvance(words[form]) <= room for words in forms)

    def _choose_words(self) -> None:
        """The longest words that fit every row shown and the longest rows of this network."""
        samples = [(s, m, "") for s, m in [self._samples] if s]
        form = next((k for k in (0, 1) if self._fits(k, self._forms + samples)), 2)
        if form == self.words_form:
            return
        self.words_form = form
        for r, words in enumerate(self._forms):
            self.item(r, WORDS).setText(words[form])


def row_texts(p, shape: tuple[int, int], n_layers: int) -> tuple:
    """Table cells for one :class:`ParameterChange`: value, layer, neuron, input, and the
    words in three lengths (the sentence, the short form, "should grow" alone)."""
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
    way = "should grow" if p.value > 0 else "should shrink" if p.value < 0 else "should stay"
    if not math.isfinite(p.value):
        way = "should ? (not a number)"
    who = f"output {p.neuron}" if p.layer + 1 == n_layers else f"{_short(dst)} neuron {p.neuron}"
    into = "outputs" if p.layer + 1 == n_layers else _short(dst)
    if p.kind == "b":
        words = (f"{way}: the bias of {who}", f"{way}: a bias of {into}")
    elif p.layer == 0:
        words = (f"{way}: the weight from {inp} into {who}", f"{way}: pixel → {into}")
    else:
        src_neuron = f"{_short(src)} neuron {p.input}"
        words = (f"{way}: the weight from {src_neuron} into {who}", f"{way}: {_short(src)} → {into}")
    return (style.fmt(p.value), layer, neuron, inp, (*words, way))


def _longest_words(sizes: tuple[int, ...], shape: tuple[int, int]) -> tuple[str, str]:
    """The longest sentence and short words any row of a network of ``sizes`` can show."""
    n_layers = len(sizes) - 1
    texts = []
    for layer in range(n_layers):
        last_in = (shape[0] - 1) * shape[1] + shape[1] - 1 if layer == 0 else sizes[layer] - 1
        for kind, inp in (("W", last_in), ("b", None)):
            p = SimpleNamespace(kind=kind, layer=layer, neuron=sizes[layer + 1] - 1, input=inp, value=-1.0)
            texts.append(row_texts(p, shape, n_layers)[4])
    return max((t[0] for t in texts), key=len), max((t[1] for t in texts), key=len)


def _short(name: str) -> str:
    return {"the output layer": "outputs", "the input pixels": "pixels"}.get(
        name, name.replace("hidden layer ", "hidden "))
