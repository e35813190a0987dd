"""The window at the sizes people present at (1280x720, 1366x768, 1920x1080), in
normal and in presenter mode (F5 pressed as a person does), every tab shown with
its Alt+number key: no text is clipped or cut by a panel too small for it, no
plot is half hidden, no tick labels overlap, and the key read-outs (the answer,
"Cost of this example", η, step, accuracy) are in sight. Lesson mode (F6, its
panel above the tabs) is walked on the live tab too.

The checker itself (``layout_check``) is tested first: it must be able to fail."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

import pyqtgraph as pg  # noqa: E402
from PySide6 import QtWidgets  # noqa: E402
from PySide6.QtCore import QEvent, QRect, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from layout_check import (  # noqa: E402
    axis_problems,
    clipped_texts,
    hidden_by_ancestor,
    layout_problems,
    table_cells_cut,
)

SIZES = ((1280, 720), (1366, 768), (1920, 1080))
WAIT = 20_000


# ------------------------------------------------------------------ the checker can fail
def test_checker_finds_text_cut_by_its_parent(qapp):
    outer = QtWidgets.QWidget()
    outer.resize(300, 200)
    cell = QtWidgets.QFrame(outer)
    cell.setGeometry(0, 0, 300, 40)
    inner = QtWidgets.QWidget(cell)
    inner.setGeometry(0, 0, 300, 120)  # laid out taller than its cell, as a splitter does
    label = QtWidgets.QLabel("Cost of this example", inner)
    label.setGeometry(10, 60, 250, 24)
    outer.show()
    QApplication.processEvents()
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())  # its own size is fine
    problems = clipped_texts(outer)
    assert any("Cost of this example" in p and "cut by" in p for p in problems), problems
    # in a scroll area that scrolls, the same text is only out of view: allowed
    area = QtWidgets.QScrollArea(outer)
    area.setGeometry(0, 100, 300, 40)
    box = QtWidgets.QWidget()
    box.setFixedSize(280, 120)
    moved = QtWidgets.QLabel("scroll to me", box)
    moved.setGeometry(10, 80, 200, 24)
    area.setWidget(box)
    QApplication.processEvents()
    assert hidden_by_ancestor(moved) is None
    assert hidden_by_ancestor(moved, scroll_ok=False) is not None
    outer.close()


def test_checker_finds_table_cells_too_small_for_their_text(qapp):
    outer = QtWidgets.QWidget()
    table = QtWidgets.QTableWidget(2, 2, outer)
    table.setHorizontalHeaderLabels(["value", "a header far wider than its column"])
    table.setItem(0, 0, QtWidgets.QTableWidgetItem("0.5"))
    table.setItem(1, 1, QtWidgets.QTableWidgetItem("a sentence that does not fit in its column"))
    table.setColumnWidth(0, 80)
    table.setColumnWidth(1, 60)
    table.resize(300, 200)
    outer.resize(300, 200)
    outer.show()
    QApplication.processEvents()
    cut = table_cells_cut(table)
    assert len(cut) == 2 and "header 'a header" in cut[0] and "cell 'a sentence" in cut[1], cut
    assert any("a sentence" in p for p in clipped_texts(outer))
    table.setColumnWidth(1, 400)
    table.verticalHeader().setMinimumSectionSize(4)
    for r in range(2):
        table.setRowHeight(r, 4)  # rows lower than a line
    assert len(table_cells_cut(table)) == 2 and "cell '0.5'" in table_cells_cut(table)[0]
    outer.close()


def test_axes_thin_out_tick_labels_that_would_overlap(qapp, monkeypatch):
    from gdviz.qt import axis_fit, colours

    colours.apply_pyqtgraph_defaults()
    canvas = pg.GraphicsLayoutWidget()
    plot = canvas.addPlot()
    plot.getAxis("left").setTicks([[(k, str(k)) for k in range(10)], []])
    plot.setLabel("left", "a title much longer than this little axis")
    plot.setYRange(0, 9, padding=0)
    canvas.resize(300, 70)
    canvas.show()
    QApplication.processEvents()
    assert axis_problems(canvas) == []
    drawn = [t for _r, _f, t in axis_fit.legible_texts(plot.getAxis("left"), _raw_texts(plot))]
    assert 2 <= len(drawn) < 10 and drawn[0] == "0"
    assert plot.getAxis("left").label.toolTip() == "a title much longer than this little axis"
    # elided (or dropped): clipped text where whole titles are asked for (the live tab)
    assert any("drawn as" in p for p in axis_problems(canvas, whole_titles=True))
    axis_fit.set_short_titles(plot.getAxis("left"), "a title much longer than this little axis", "a", "t")
    assert plot.getAxis("left").label.toPlainText().strip() == "a"
    assert axis_problems(canvas, whole_titles=True) == []
    # pyqtgraph alone draws all ten on top of each other: the checker says so
    monkeypatch.setattr(pg.AxisItem, "generateDrawSpecs", axis_fit._original["generateDrawSpecs"])
    assert any("overlap" in p for p in axis_problems(canvas))
    canvas.close()


def _raw_texts(plot):
    from PySide6.QtGui import QImage, QPainter

    from gdviz.qt import axis_fit

    img = QImage(8, 8, QImage.Format.Format_ARGB32)
    p = QPainter(img)
    try:
        return axis_fit.raw_draw_specs(plot.getAxis("left"), p)[2]
    finally:
        p.end()


# ------------------------------------------------------------------ the window
@pytest.fixture(scope="module")
def window(qapp, tiny):
    from gdviz.qt.window import MainWindow

    win = MainWindow(tiny, engine="thread")
    win.show()
    win.session.step(25)
    end = 0
    while (win.last_snapshot is None or win.last_snapshot.step < 25) and end < WAIT:
        QApplication.processEvents()
        QTest.qWait(20)
        end += 20
    yield win
    if win.lesson.active:
        win.lesson.leave()
    win.set_presenter_mode(False)
    win.close()


def _settle(win, n: int = 3) -> None:
    for _ in range(n):
        win.render(win.last_snapshot)
        QApplication.processEvents()
        QTest.qWait(5)
    # a text set in the last turn (a view's background result) has its new layout pending
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def _in_sight(win, widget) -> bool:
    """Shown, not squeezed, and wholly inside the window and every panel around it."""
    if not widget.isVisible() or widget.width() < 8 or widget.height() < 8:
        return False
    top_left = widget.mapTo(win, widget.rect().topLeft())
    return (win.rect().contains(QRect(top_left, widget.size()))
            and hidden_by_ancestor(widget, scroll_ok=False) is None)


def _set_up(win, size, presenter: bool) -> None:
    if win.presenter.active:
        QTest.keyClick(win, Qt.Key.Key_F5)  # leave presenter mode before resizing, as a person would
    QTest.keyClick(win, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)
    win.resize(*size)
    _settle(win)
    win.initial_splits()
    if presenter:
        QTest.keyClick(win, Qt.Key.Key_F5)
        assert win.presenter.active
    _settle(win)


def _live_read_outs_in_sight(win) -> list[str]:
    out = win.output_panel
    missing = []
    if not (_in_sight(win, out.answer) and out.answer.text().startswith("answer")):
        missing.append(f"the answer {out.answer.text()!r}")
    if not (_in_sight(win, out.cost.label) and out.cost.text().startswith("Cost of this example")):
        missing.append(f"the cost line {out.cost.text()[:30]!r}")
    return missing


def _status_in_sight(win) -> list[str]:
    status = win.status
    missing = [label.text() for label in (status.step, status.lr, status.accuracy)
               if not _in_sight(win, label)]
    if status.lr.text() != f"η = {win.last_snapshot.lr:g}":
        missing.append(f"η reads {status.lr.text()!r}")
    return missing


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_tab_fits(window, size, presenter):
    from gdviz.qt.views import VIEWS

    win = window
    _set_up(win, size, presenter)
    where = f"{size[0]}x{size[1]} {'presenter' if presenter else 'normal'}"
    problems = []
    for i, name in enumerate(["live", *VIEWS]):
        if i > 9:
            break
        QTest.keyClick(win, Qt.Key.Key_0 + i, Qt.KeyboardModifier.AltModifier)
        assert win.tabs.current_name() == name
        _settle(win, 2)
        problems += [f"{name}: {p}" for p in layout_problems(win, whole_titles=name == "live")]
        problems += [f"{name}: not in sight: {m}" for m in _status_in_sight(win)]
        if name == "live":
            problems += [f"live: not in sight: {m}" for m in _live_read_outs_in_sight(win)]
            if win.controls_dock.isVisible():
                assert _in_sight(win, win.controls.lr_edit), where
    QTest.keyClick(win, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)
    assert problems == [], f"{where}:\n  " + "\n  ".join(problems)


OUTPUTS_MIN_PX = 70  # the ten outputs' chart, read from the back of a room
BAR_MIN_PX = 45  # an output of 1 (the full bar)


@pytest.mark.parametrize("size", SIZES[:2], ids=[f"{w}x{h}" for w, h in SIZES[:2]])
def test_outputs_chart_is_tall_enough_in_presenter_mode(window, size):
    from PySide6.QtCore import QPointF

    win = window
    _set_up(win, size, presenter=True)
    out = win.output_panel
    vb = out.out_plot.getViewBox()
    bar = vb.mapViewToScene(QPointF(0, 0)).y() - vb.mapViewToScene(QPointF(0, 1)).y()
    assert _in_sight(win, out.canvas)
    assert vb.height() >= OUTPUTS_MIN_PX, f"{size}: the outputs' chart is {vb.height():.0f} px tall"
    assert bar >= BAR_MIN_PX, f"{size}: a full bar is {bar:.0f} px tall"
    assert out.term_plot.getViewBox().height() < vb.height()  # (a − y)² has the smaller share
    # the legend above the bars is in the charts' tooltip instead
    assert "desired output" in out.canvas.toolTip()


def _generalisation_fits(win) -> list[str]:
    """Generalisation shown (its Alt+number): no scroll bar, nothing clipped."""
    from gdviz.qt.views import VIEWS

    QTest.keyClick(win, Qt.Key.Key_0 + 1 + list(VIEWS).index("generalisation"), Qt.KeyboardModifier.AltModifier)
    view = win.current_view()
    assert win.tabs.current_name() == "generalisation"
    _settle(win, 3)
    problems = layout_problems(win)
    for way, bar in (("down", view.scroll.verticalScrollBar()), ("sideways", view.scroll.horizontalScrollBar())):
        if bar.isVisible():
            problems.append(f"it scrolls {way} by {bar.maximum()} px")
    return problems


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_generalisation_fits_without_scrolling_in_presenter_mode(window, size):
    """(A scroll bar is allowed by the walk above; in presenter mode the class must see it all,
    also after the window was wider: its notes never keep the width they had.)"""
    _set_up(window, size, presenter=True)
    problems = _generalisation_fits(window)
    QTest.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)
    QTest.keyClick(window, Qt.Key.Key_F5)  # (presenter mode's fonts are the application's)
    assert problems == [], f"{size}: " + "\n  ".join(problems)


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_live_tab_fits_with_the_lesson_open(window, size, presenter):
    """(Last: the lesson's first chapter changes the data and the network.)"""
    win = window
    _set_up(win, size, presenter)
    if not win.lesson.active:
        QTest.keyClick(win, Qt.Key.Key_F6)
        end = 0
        while not win.lesson.controller.ready and end < WAIT:
            QTest.qWait(20)
            end += 20
    assert win.lesson.panel.isVisible()
    QTest.keyClick(win, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)
    _settle(win)
    where = f"{size[0]}x{size[1]} {'presenter' if presenter else 'normal'} with the lesson"
    problems = layout_problems(win, whole_titles=True) + [f"not in sight: {m}" for m in
                                       _live_read_outs_in_sight(win) + _status_in_sight(win)]
    assert problems == [], f"{where}:\n  " + "\n  ".join(problems)
