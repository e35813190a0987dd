"""Is any text on screen clipped? Compare each visible text's needed size with the size it got,
and with the part of it its ancestors leave in sight; and are the plots' tick labels legible?

Used by the layout tests that walk the window sizes people present at.

* :func:`clipped_texts`: a text counts as clipped when its widget is narrower or
  shorter than the text needs (``QFontMetrics`` for one line, ``heightForWidth``
  for wrapped text, the widget's own minimum size hint for buttons, boxes and
  spin boxes), squeezed to almost nothing, or when part of it lies outside an
  ancestor (a child laid out larger than its splitter cell, frame or window).
  Plots count too: a plot canvas cut by an ancestor hides its axes and tiles; so do
  tables, and each of their cells and headers must hold its text (:func:`table_cells_cut`).
  Text inside a scroll area that can scroll that way is judged against the size
  it got, not the viewport: scrolling to it is allowed.
* :func:`axis_problems`: tick labels of a pyqtgraph axis that overlap, that lie
  outside the canvas, axis titles longer than their axis, and (where asked) titles
  elided with "…" rather than shown in full or by a short title (:func:`elided_title`).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

SLACK = 2  # pixels of rounding forgiven
TICK_OVERLAP = 2  # tick labels may touch by this many pixels (pyqtgraph trims their height to 80 %)

__all__ = ["clipped_texts", "axis_problems", "elided_title", "layout_problems", "hidden_by_ancestor",
           "table_cells_cut"]


def _plain(label: QtWidgets.QLabel) -> str:
    text = label.text()
    if label.textFormat() == QtGui.Qt.TextFormat.PlainText:
        return text
    if QtGui.Qt.mightBeRichText(text) or label.textFormat() == QtGui.Qt.TextFormat.RichText:
        doc = QtGui.QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def _name(w: QtWidgets.QWidget) -> str:
    return w.objectName() or type(w).__name__


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


def _scrolls(viewport: QtWidgets.QWidget) -> tuple[bool, bool] | None:
    """For the viewport of a scroll area: whether it scrolls (horizontally, vertically);
    None for any other widget."""
    area = viewport.parent()
    if not isinstance(area, QtWidgets.QAbstractScrollArea) or area.viewport() is not viewport:
        return None
    off = QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    return area.horizontalScrollBarPolicy() != off, area.verticalScrollBarPolicy() != off


def hidden_by_ancestor(w: QtWidgets.QWidget, scroll_ok: bool = True) -> str | None:
    """Why part of ``w`` is out of sight: the first ancestor whose rectangle does not hold
    it (the ancestors' visible parts intersected, up to the window), or None.

    Inside a scroll area the direction it scrolls in is not judged (the user can scroll),
    unless ``scroll_ok`` is False (a read-out that must be in sight without scrolling)."""
    win = w.window()
    rect = QtCore.QRect(w.mapTo(win, QtCore.QPoint(0, 0)), w.size())
    free_x = free_y = False
    child, p = w, w.parentWidget()
    while p is not None:
        scroll = _scrolls(p) if scroll_ok else None
        if scroll is not None:
            free_x, free_y = free_x or scroll[0], free_y or scroll[1]
        prect = p.rect() if p is win else QtCore.QRect(p.mapTo(win, QtCore.QPoint(0, 0)), p.size())
        cut_x = rect.left() < prect.left() - SLACK or rect.right() > prect.right() + SLACK
        cut_y = rect.top() < prect.top() - SLACK or rect.bottom() > prect.bottom() + SLACK
        if (cut_x and not free_x) or (cut_y and not free_y):
            seen = rect.intersected(prect)
            return (f"only {max(0, seen.width())}x{max(0, seen.height())} of its {rect.width()}x"
                    f"{rect.height()} px in sight (cut by {_name(p)})")
        # what stays in sight is what this ancestor shows
        if not free_x:
            rect.setLeft(max(rect.left(), prect.left()))
            rect.setRight(min(rect.right(), prect.right()))
        if not free_y:
            rect.setTop(max(rect.top(), prect.top()))
            rect.setBottom(min(rect.bottom(), prect.bottom()))
        if p is win:
            break
        child, p = p, p.parentWidget()
    return None


def _shown(w: QtWidgets.QWidget, root: QtWidgets.QWidget) -> bool:
    return w.isVisible() and (w is root or w.isVisibleTo(root))


def clipped_texts(root: QtWidgets.QWidget) -> list[str]:
    """One line per clipped text (or plot canvas) under ``root`` (visible widgets only)."""
    out = []
    for w in root.findChildren(QtWidgets.QWidget):
        if not _shown(w, root):
            continue
        problem = None
        if isinstance(w, QtWidgets.QLabel):
            what = _plain(w).strip()
            if not what or w.pixmap() is not None and not w.pixmap().isNull():
                continue
            problem = _label_problem(w)
        elif isinstance(w, (QtWidgets.QAbstractButton, QtWidgets.QComboBox,
                            QtWidgets.QAbstractSpinBox)):
            text = getattr(w, "text", lambda: "")() if not isinstance(w, QtWidgets.QComboBox) \
                else w.currentText()
            what = str(text)
            if not what.strip():
                continue
            problem = _control_problem(w)
        elif isinstance(w, pg.GraphicsView):
            what = "(plot)"
        elif isinstance(w, QtWidgets.QTableWidget):
            what = "(table)"
            out += [f"{_name(w)} {p}" for p in table_cells_cut(w)]
        else:
            continue
        problem = problem or hidden_by_ancestor(w)
        if problem:
            out.append(f"{_name(w)} {what[:50]!r}: {problem}")
    return out


def table_cells_cut(table: QtWidgets.QTableWidget) -> list[str]:
    """One line per header or cell of ``table`` whose text is wider or taller than its
    section (the style's margins counted): drawn cut or as "…"."""
    margin = table.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    head_margin = table.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_HeaderMargin, None, table)
    out = []

    def need(item, fm_default: QtGui.QFontMetrics) -> tuple[int, int]:
        fm = QtGui.QFontMetrics(item.font()) if item.data(QtCore.Qt.ItemDataRole.FontRole) else fm_default
        return fm.horizontalAdvance(item.text()), fm.height()

    hh = table.horizontalHeader()
    for c in range(table.columnCount()):
        width = table.columnWidth(c)
        head = table.horizontalHeaderItem(c)
        if head is not None and head.text() and hh.isVisible():
            w, h = need(head, hh.fontMetrics())
            if w + 2 * head_margin > width + SLACK or h > hh.height() + SLACK:
                out.append(f"header {head.text()!r}: needs {w + 2 * head_margin}x{h} px, has {width}x{hh.height()}")
        for r in range(table.rowCount()):
            item = table.item(r, c)
            if item is None or not item.text():
                continue
            w, h = need(item, table.fontMetrics())
            if w + 2 * margin > width + SLACK or h > table.rowHeight(r) + SLACK:
                out.append(f"cell {item.text()[:40]!r}: needs {w + 2 * margin}x{h} px, "
                           f"has {width}x{table.rowHeight(r)}")
    return out


# ------------------------------------------------------------------ plot axes
_PAINT_DEVICE = None


def _painter() -> QtGui.QPainter:
    """A painter on a small image, for ``AxisItem.generateDrawSpecs`` (it measures texts)."""
    global _PAINT_DEVICE
    if _PAINT_DEVICE is None:
        _PAINT_DEVICE = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_ARGB32)
    return QtGui.QPainter(_PAINT_DEVICE)


def _tick_texts(axis: pg.AxisItem) -> list[tuple[QtCore.QRectF, str]]:
    """The tick labels ``axis`` draws now, as (rectangle in the axis's coordinates, text)."""
    p = _painter()
    try:
        if axis.style.get("tickFont") is not None:
            p.setFont(axis.style["tickFont"])
        specs = axis.generateDrawSpecs(p)
    finally:
        p.end()
    if specs is None:
        return []
    return [(QtCore.QRectF(rect), text) for rect, _flags, text in specs[2]]


def _axis_name(axis: pg.AxisItem, view: pg.GraphicsView) -> str:
    title = axis.labelText or ""
    owner = view.parentWidget()
    while owner is not None and not owner.objectName():
        owner = owner.parentWidget()
    where = owner.objectName() if owner is not None else _name(view)
    panel = view.parentWidget()
    while panel is not None and type(panel).__module__.startswith("PySide6"):
        panel = panel.parentWidget()
    if panel is not None and panel is not owner:
        where += f"/{type(panel).__name__}"
    return f"{where} {axis.orientation} axis {title[:30]!r}"


def elided_title(axis: pg.AxisItem) -> str | None:
    """Why the title ``axis`` draws is not one meant to be read: shortened with "…" or
    dropped, rather than in full or one of its short titles (``axis_fit.set_short_titles``)."""
    full = axis.labelText
    if not full or axis.label is None or not axis.label.isVisible():
        return None
    drawn = axis.label.toPlainText().strip()
    meant = (full, *getattr(axis, "_gdviz_short", {}).get(full, ()))
    if drawn in meant:
        return None
    return f"title {full!r} drawn as {drawn!r}"


def axis_problems(root: QtWidgets.QWidget, whole_titles: bool = False) -> list[str]:
    """One line per illegible axis under ``root``: tick labels that overlap each other or
    fall outside the canvas, an axis title longer than the axis it names, and (with
    ``whole_titles``) a title elided with "…"."""
    out = []
    views = root.findChildren(pg.GraphicsView)
    if isinstance(root, pg.GraphicsView):
        views.insert(0, root)
    for view in views:
        if not _shown(view, root) or view.width() < 8 or view.height() < 8:
            continue
        visible = QtCore.QRectF(view.viewport().rect())
        for item in view.scene().items():
            if not isinstance(item, pg.AxisItem) or not item.isVisible():
                continue
            if item.width() < 1 or item.height() < 1:
                continue
            name = _axis_name(item, view)
            texts = _tick_texts(item)
            to_view = item.sceneTransform() * view.viewportTransform()
            whole = to_view.mapRect(QtCore.QRectF(0, 0, item.width(), item.height()))
            if not visible.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(whole):
                seen = whole.intersected(visible)
                out.append(f"{name}: only {seen.width():.0f}x{seen.height():.0f} of the axis's "
                           f"{whole.width():.0f}x{whole.height():.0f} px on the canvas")
                continue
            for rect, text in texts:
                on_screen = to_view.mapRect(rect)
                if not visible.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(on_screen):
                    out.append(f"{name}: tick {text!r} outside the canvas")
            for i, (a, ta) in enumerate(texts):
                for b, tb in texts[i + 1:]:
                    both = a.intersected(b)
                    if both.width() > TICK_OVERLAP and both.height() > TICK_OVERLAP:
                        out.append(f"{name}: ticks {ta!r} and {tb!r} overlap")
            label = item.label
            problem = elided_title(item) if whole_titles else None
            if problem:
                out.append(f"{name}: {problem}")
            if item.labelText and label.isVisible():
                length = item.height() if item.orientation in ("left", "right") else item.width()
                need = label.boundingRect().width()
                if need > length + SLACK:
                    out.append(f"{name}: title needs {need:.0f} px, the axis is {length:.0f}")
    return out


def layout_problems(root: QtWidgets.QWidget, whole_titles: bool = False) -> list[str]:
    """Everything above: clipped texts and plots, and illegible axes (with ``whole_titles``,
    elided axis titles count as clipped text)."""
    return clipped_texts(root) + axis_problems(root, whole_titles)
