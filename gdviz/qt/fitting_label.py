"""A label that shows the longest of its texts that fits its width (a legend in a
header shared with other widgets: full words when there is room, short words
when the panel is narrow, nothing rather than clipped text)."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

__all__ = ["FittingLabel", "swatch_legend"]


def _plain(html: str) -> str:
    doc = QtGui.QTextDocument()
    doc.setHtml(html)
    return doc.toPlainText()


def swatch_legend(entries, short: bool = False) -> str:
    """Rich text ``■ name`` per entry; ``entries``: ``(rgb, mark, name, short_name)``."""
    parts = []
    for rgb, mark, name, short_name in entries:
        r, g, b = rgb[:3]
        parts.append(f"<span style='color:#{r:02x}{g:02x}{b:02x}'>{mark}</span> "
                     f"{short_name if short else name}")
    return (" &nbsp;" if short else " &nbsp; ").join(parts)


class FittingLabel(QtWidgets.QLabel):
    """Shows the first of ``texts`` (longest first) whose one line fits the label's width.

    Asks the layout for room for the first text (``sizeHint``) but accepts any
    width (``minimumSizeHint`` is 0 wide); ``current()`` is the index shown
    (``len(texts)``: none fits, the label is empty).
    """

    def __init__(self, texts, parent=None):
        super().__init__(parent)
        self._texts = tuple(texts)
        self._plain = tuple(_plain(t) for t in self._texts)
        self._index = -1
        self.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.setWordWrap(False)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Preferred)
        self._pick(10**6)

    def _need(self, i: int) -> int:
        return self.fontMetrics().horizontalAdvance(self._plain[i]) + 2 * self.margin() + 2

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt's name
        return QtCore.QSize(self._need(0) if self._texts else 0, self.fontMetrics().height())

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt's name
        return QtCore.QSize(0, self.fontMetrics().height())

    def current(self) -> int:
        return self._index

    def _pick(self, width: int) -> None:
        i = next((k for k in range(len(self._texts)) if self._need(k) <= width), len(self._texts))
        if i != self._index:
            self._index = i
            super().setText(self._texts[i] if i < len(self._texts) else "")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._pick(self.contentsRect().width())

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.FontChange:
            self.updateGeometry()
            self._pick(self.contentsRect().width())
