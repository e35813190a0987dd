"""Lesson mode driven as a teacher does: F6 opens the built-in lesson, Page Down alone
walks it, each chapter prepares the window it talks about."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

from gdviz.training.lesson import builtin_lesson

from layout_check import clipped_texts
from qt_helpers import key

Key = QtCore.Qt.Key


@pytest.fixture
def window(make_window, sample):
    return make_window(sample, size=(1280, 720), engine="thread")


def test_f6_and_page_down_walk_the_whole_lesson(qtbot, window):
    lesson = builtin_lesson()
    key(qtbot, Key.Key_F6)
    mode = window.lesson
    assert mode.active and mode.panel.isVisible()
    ctl = mode.controller
    assert ctl.index == 0
    assert mode.panel.title.text() == "1. " + lesson.chapters[0].title
    seen = []
    for i, ch in enumerate(lesson.chapters):
        qtbot.waitUntil(lambda: ctl.ready, timeout=120_000)
        assert ctl.index == i
        assert mode.panel.title.text() == f"{i + 1}. {ch.title}"
        assert "chapter %d of %d" % (i + 1, len(lesson.chapters)) in mode.panel.where.text()
        if ch.lr is not None:
            assert window.controls.config.lr == pytest.approx(ch.lr)
        if ch.view is not None and ch.view != "live":
            assert window.tabs.currentWidget() is not window.live, ch.title
            assert window.views.get(ch.view) is not None
        elif ch.view == "live":
            assert window.tabs.currentIndex() == 0
        seen.append(ch.title)
        key(qtbot, Key.Key_PageDown)
    assert seen == [c.title for c in lesson.chapters]
    # Page Up goes back one chapter
    qtbot.waitUntil(lambda: ctl.ready, timeout=120_000)
    key(qtbot, Key.Key_PageUp)
    assert ctl.index == len(lesson.chapters) - 2
    # leaving keeps the window usable; F6 again starts over at chapter 1
    key(qtbot, Key.Key_F6)
    assert not mode.active and not mode.panel.isVisible()


def test_chapter_three_shows_an_untrained_network_and_a_three(qtbot, window):
    lesson = builtin_lesson()
    i = next(k for k, c in enumerate(lesson.chapters) if c.title == "The random start")
    window.lesson.start(lesson, i)
    ctl = window.lesson.controller
    qtbot.waitUntil(lambda: ctl.ready, timeout=30_000)
    qtbot.waitUntil(lambda: window.last_snapshot is not None and window.last_snapshot.step == 0
                    and window.last_snapshot.example_label == 3, timeout=15_000)
    assert not window.last_snapshot.running
    frame = window.frames_by_panel["output"]
    assert "e66101" in frame.styleSheet()  # the panel the chapter talks about is outlined


def test_page_down_in_the_eta_field_types_nothing_and_turns_no_page(qtbot, window):
    window.lesson.start(builtin_lesson(), 0)
    ctl = window.lesson.controller
    edit = window.controls.lr_edit
    edit.setFocus()
    QTest.keyClick(edit, Key.Key_PageDown)
    assert ctl.index == 0


def test_a_broken_lesson_file_is_explained_and_nothing_starts(qtbot, window, tmp_path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "x"\n[[chapter]]\ntitle = "a"\ntext = "b"\nlr = -3\n')
    shown = []
    monkeypatch.setattr(window, "show_error", lambda title, text: shown.append((title, text)))
    assert not window.lesson.open_file(bad)
    assert not window.lesson.active
    assert shown and "bad.toml:5:" in shown[0][1] and "learning rate" in shown[0][1]


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_the_lesson_panel_fits(qtbot, window, size):
    window.resize(*size)
    window.lesson.start(builtin_lesson(), 5)
    qtbot.waitUntil(lambda: window.lesson.controller.ready, timeout=60_000)
    QtWidgets.QApplication.processEvents()
    assert not clipped_texts(window.lesson.panel)


def test_screenshot_of_a_chapter_from_the_command_line(tmp_path):
    """`gdviz screenshot --lesson N` renders chapter N as it opens (a real process)."""
    import os
    import subprocess
    import sys

    from PySide6 import QtGui

    out = tmp_path / "chapter6.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "gdviz", "screenshot", "--lesson", "6", "--presenter",
                           "--size", "1280x720", "--out", str(out)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    img = QtGui.QImage(str(out))
    assert (img.width(), img.height()) == (1280, 720)
    colours = {img.pixel(x, y) for x in range(0, 1280, 7) for y in range(0, 720, 7)}
    assert len(colours) > 50  # the curve, the ball, the panel: not a blank window
    bad = subprocess.run([sys.executable, "-m", "gdviz", "screenshot", "--lesson", "13",
                          "--out", str(tmp_path / "x.png")], env=env, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "chapters 1 to 12" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768)], ids=["1280x720", "1366x768"])
def test_on_a_projector_the_panel_leaves_the_panels_their_room(qtbot, window, size):
    """Presenter mode at a projector's size: every chapter's panel takes at most a sixth of
    the window, its words no smaller than presenter mode's other texts, nothing cut; back at
    1920x1080 (or out of presenter mode) the words are large again."""
    lesson = builtin_lesson()
    window.resize(*size)
    key(qtbot, Key.Key_F5)
    key(qtbot, Key.Key_F6)
    panel = window.lesson.panel
    assert window.presenter.active and panel.isVisible() and panel.compact
    body = QtWidgets.QApplication.font().pointSizeF()
    try:
        for i in range(len(lesson.chapters)):
            panel.show_chapter(lesson, i)  # (the words only: Page Down also prepares the chapter)
            QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest)
            qtbot.wait(10)
            assert panel.height() <= size[1] / 6, (i, panel.height())
            assert panel.text.font().pointSizeF() >= body - 0.01
            assert clipped_texts(panel) == [], i
        words = panel.text.font().pointSizeF()
        window.resize(1920, 1080)
        qtbot.waitUntil(lambda: not panel.compact, timeout=2000)
        assert panel.text.font().pointSizeF() > words
    finally:
        key(qtbot, Key.Key_F6)
        key(qtbot, Key.Key_F5)
    window.resize(*size)
    key(qtbot, Key.Key_F6)
    assert not window.presenter.active and not panel.compact
    key(qtbot, Key.Key_F6)
