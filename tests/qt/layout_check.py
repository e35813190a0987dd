"""Is any text on screen clipped? Compare each visible text's needed size with the size it got.

Used by the layout tests that walk the window sizes people present at. A text
counts as clipped when its widget is narrower or shorter than the text needs
(``QFontMetrics`` for one line, ``heightForWidth`` for wrapped text, the
widget's own minimum size hint for buttons, boxes and spin boxes) or squeezed
to almost nothing. Text inside a scroll area is judged against the size it
got, not the viewport: scrolling to it is allowed.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

SLACK = 2  # pixels of rounding forgiven


def _plain(label: QtWidgets.QLabel) -> str:
    text = label.text()
    if label.textFormat() == QtGui.Qt.TextFormat.PlainText:
        return text
    if QtGui.Qt.mightBeRichText(text) or label.textFormat() == QtGui.Qt.TextFormat.RichText:
        doc = QtGui.QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def _label_problem(lab: QtWidgets.QLabel) -> str | None:
    text = _plain(lab).strip()
    if not text or lab.pixmap() is not None and not lab.pixmap().isNull():
        return None
    r = lab.contentsRect()
    if r.width() <= 4 or r.height() <= 4:
        return f"squeezed to {lab.width()}x{lab.height()} px"
    if lab.wordWrap():
        need = lab.heightForWidth(lab.width())
        if need > lab.height() + SLACK:
            return f"needs {need} px of height, has {lab.height()}"
        return None
    fm = lab.fontMetrics()
    need_w = max(fm.horizontalAdvance(line) for line in text.splitlines()) + 2 * lab.margin() + 2
    need_h = fm.height() * len(text.splitlines())
    if need_w > r.width() + SLACK:
        return f"needs {need_w} px of width, has {r.width()}"
    if need_h > r.height() + SLACK:
        return f"needs {need_h} px of height, has {r.height()}"
    return None


def _control_problem(w: QtWidgets.QWidget) -> str | None:
    hint = w.minimumSizeHint()
    if w.width() + SLACK < hint.width():
        return f"needs {hint.width()} px of width, has {w.width()}"
    if w.height() + SLACK < hint.height():
        return f"needs {hint.height()} px of height, has {w.height()}"
    return None


def clipped_texts(root: QtWidgets.QWidget) -> list[str]:
    """One line per clipped text under ``root`` (visible widgets only)."""
    out = []
    for w in root.findChildren(QtWidgets.QWidget):
        if not w.isVisibleTo(root) or not w.isVisible():
            continue
        problem = None
        if isinstance(w, QtWidgets.QLabel):
            problem = _label_problem(w)
            what = _plain(w).strip()
        elif isinstance(w, (QtWidgets.QAbstractButton, QtWidgets.QComboBox,
                            QtWidgets.QAbstractSpinBox)):
            text = getattr(w, "text", lambda: "")() if not isinstance(w, QtWidgets.QComboBox) \
                else w.currentText()
            if not str(text).strip():
                continue
            problem = _control_problem(w)
            what = str(text)
        else:
            continue
        if problem:
            name = w.objectName() or type(w).__name__
            out.append(f"{name} {what[:50]!r}: {problem}")
    return out
