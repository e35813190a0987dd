"""Lesson mode: a guided walk through a lesson's chapters, with the window prepared
for each (data, network, seed, η, pace, trained steps, running, tab, panel).

:class:`LessonPanel` shows the chapter's words with Back/Next; Page Up/Page
Down (what presentation clickers send) turn the pages from anywhere in the
window except a text field being edited. The student may leave the path at
any chapter — change η, train, open other tabs — and *Set up this chapter
again* puts the window back in the chapter's state. Chapters come from
:mod:`gdviz.training.lesson` (plain TOML files).
"""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import style
from gdviz.training.lesson import Chapter, Lesson

__all__ = ["LessonController", "LessonMode", "LessonPanel", "attach"]

PREPARE_TIMEOUT_S = 120.0  # a chapter's training steps must be done by then
#: Presenter mode in a window lower than this (a 1280x720 or 1366x768 projector): the panel's
#: texts take presenter mode's body size, not larger, so the panels below keep their room.
COMPACT_BELOW = 900
#: (title, words) point sizes before presenter mode's scale: normal, compact
SIZES = {False: (13.0, 11.0), True: (10.5, 9.0)}
POLL_MS = 50
HIGHLIGHT = "#e66101"


class LessonPanel(QtWidgets.QFrame):
    """The chapter's title and words, where it stands in the lesson, Back and Next.

    ``compact`` (see :meth:`fit`): smaller title and words, tighter margins."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.compact = False
        self.setObjectName("LessonPanel")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setStyleSheet("#LessonPanel { background: #fffaf2; border: 2px solid #e6a25c; }")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(4)
        top = QtWidgets.QHBoxLayout()
        self.title = QtWidgets.QLabel(" ")
        self.title.setFont(style.font(13, bold=True))
        self.title.setWordWrap(True)
        top.addWidget(self.title, 1)
        self.where = QtWidgets.QLabel(" ")
        self.where.setFont(style.font(9))
        style.set_color(self.where, style.MUTED)
        top.addWidget(self.where)
        self.again_button = QtWidgets.QPushButton("Set up again")
        self.again_button.setToolTip("Put the window back as this chapter prepared it.")
        self.back_button = QtWidgets.QPushButton("◀ Back")
        self.back_button.setToolTip("The previous chapter (Page Up).")
        self.next_button = QtWidgets.QPushButton("Next ▶")
        self.next_button.setToolTip("The next chapter (Page Down).")
        self.close_button = QtWidgets.QPushButton("Leave")
        self.close_button.setToolTip("Leave the lesson (F6); the window stays as it is.")
        for b in (self.again_button, self.back_button, self.next_button, self.close_button):
            b.setFont(style.font(9.5))
            b.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # the keys stay with the window
            top.addWidget(b)
        lay.addLayout(top)
        self.text = QtWidgets.QLabel(" ")
        self.text.setFont(style.font(11))
        self.text.setWordWrap(True)
        self.text.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        lay.addWidget(self.text)
        self.status = QtWidgets.QLabel("")
        self.status.setFont(style.font(9))
        style.set_color(self.status, style.MUTED)
        lay.addWidget(self.status)
        self.status.hide()

    def fit(self, window_height: int) -> None:
        """Compact in presenter mode when the window is lower than :data:`COMPACT_BELOW` px;
        the fonts follow presenter mode's scale (call it after presenter mode changes)."""
        compact = style.font_scale() > 1.0 and window_height < COMPACT_BELOW
        self.compact = compact
        title, words = SIZES[compact]
        self.title.setFont(style.font(title, bold=True))
        self.text.setFont(style.font(words))
        self.layout().setContentsMargins(8, 2, 8, 3) if compact else self.layout().setContentsMargins(10, 6, 10, 6)
        self.layout().setSpacing(1 if compact else 4)

    def say(self, text: str) -> None:
        """A line under the chapter's words (e.g. "Preparing…"); empty hides it."""
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def show_chapter(self, lesson: Lesson, index: int) -> None:
        ch = lesson.chapters[index]
        self.where.setText(f"chapter {index + 1} of {len(lesson.chapters)}")
        self.where.setToolTip(lesson.title)
        self.title.setText(f"{index + 1}. {ch.title}")
        self.text.setText(ch.text)
        self.back_button.setEnabled(index > 0)
        self.next_button.setEnabled(index + 1 < len(lesson.chapters))


class LessonController(QtCore.QObject):
    """Drives the window through a lesson. ``index`` is the chapter on screen (0-based);
    ``ready`` is False while a chapter's training steps are still being taken."""

    chapterShown = QtCore.Signal(int)

    def __init__(self, host, lesson: Lesson, panel: LessonPanel, parent=None):
        super().__init__(parent)
        self.window = host  # a gdviz.qt.lesson_host.LessonHost
        self.lesson = lesson
        self.panel = panel
        self.index = -1
        self.ready = True
        self._target_step: int | None = None
        self._after: Chapter | None = None
        self._deadline = 0.0
        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check_prepared)
        self._clock = QtCore.QElapsedTimer()
        panel.next_button.clicked.connect(self.next)
        panel.back_button.clicked.connect(self.back)
        panel.again_button.clicked.connect(lambda: self.open(self.index))
        QtWidgets.QApplication.instance().installEventFilter(self)

    # ------------------------------------------------------------------ navigation
    def next(self) -> None:
        if self.index + 1 < len(self.lesson.chapters):
            self.open(self.index + 1)

    def back(self) -> None:
        if self.index > 0:
            self.open(self.index - 1)

    def open(self, index: int) -> None:
        """Show chapter ``index`` and prepare the window for it."""
        index = max(0, min(int(index), len(self.lesson.chapters) - 1))
        self.index = index
        ch = self.lesson.chapters[index]
        self.panel.show_chapter(self.lesson, index)
        self._apply(ch)
        self.chapterShown.emit(index)

    def stop(self) -> None:
        self._poll.stop()
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.window.highlight_panel(None)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        """Page Down / Page Up turn the page anywhere in the window but in a text field."""
        if event.type() != QtCore.QEvent.Type.KeyPress or not self.panel.isVisible():
            return False
        key = event.key()
        if key not in (QtCore.Qt.Key.Key_PageDown, QtCore.Qt.Key.Key_PageUp):
            return False
        focus = QtWidgets.QApplication.focusWidget()
        if isinstance(focus, (QtWidgets.QLineEdit, QtWidgets.QAbstractSpinBox,
                              QtWidgets.QTextEdit, QtWidgets.QPlainTextEdit)):
            return False
        # The widget with the focus gets it first (then its parents, if it ignores it): take
        # it there, once; the QWindow that delivers it is not a widget.
        if not isinstance(obj, QtWidgets.QWidget) or obj.window() is not self.panel.window():
            return False
        (self.next if key == QtCore.Qt.Key.Key_PageDown else self.back)()
        return True

    # ------------------------------------------------------------------ preparing
    def _apply(self, ch: Chapter) -> None:
        w = self.window
        self._poll.stop()
        cur = w.config
        changes = {k: v for k, v in (("hidden", ch.hidden), ("activation", ch.activation),
                                     ("cost", ch.cost), ("seed", ch.seed), ("lr", ch.lr),
                                     ("batch_size", ch.batch)) if v is not None}
        config = replace(cur, **changes)
        if ch.dataset is not None:
            w.use_dataset(ch.dataset)
        reset = ch.steps is not None or any(
            getattr(config, k) != getattr(cur, k) for k in ("hidden", "activation", "cost", "seed"))
        w.pause()
        if reset:
            w.apply_config(config, reset=True)
        elif config != cur:
            w.apply_config(config, reset=False)
        if ch.digit is not None:
            w.pin_test_digit(ch.digit)
        if ch.view is not None:
            view = w.show_view(ch.view)
            for name, value in ch.options.items():
                if view is not None:
                    view.set_option(name, value)
        w.highlight_panel(ch.panel)
        if ch.steps:
            self.ready = False
            self.panel.say(f"Preparing: training {ch.steps:,} steps …")
            self._target_step = ch.steps
            self._after = ch
            self._clock.start()
            w.fast_steps(ch.steps)
            self._poll.start()
        else:
            self._finish(ch)

    def _check_prepared(self) -> None:
        snap = self.window.last_snapshot
        if snap is not None and snap.step >= (self._target_step or 0) and not snap.running:
            self._poll.stop()
            self._finish(self._after)
        elif self._clock.elapsed() > PREPARE_TIMEOUT_S * 1000:
            self._poll.stop()
            self.ready = True
            self.panel.say("The chapter's training steps did not finish in time; "
                                      "press Space to train on.")

    def _finish(self, ch: Chapter) -> None:
        w = self.window
        if ch.pace is not None:
            w.set_pace(0.0 if math.isinf(ch.pace) else ch.pace)
        if ch.running:
            w.run()
        self.ready = True
        self.panel.say("")


class LessonMode(QtCore.QObject):
    """Lesson mode of one window: the menu entries, the panel above the tabs, and the
    :class:`LessonController` of the lesson being given (None when none is)."""

    lessonStarted = QtCore.Signal()
    lessonLeft = QtCore.Signal()

    def __init__(self, window):
        super().__init__(window)
        from gdviz.qt.lesson_host import LessonHost
        from gdviz.qt.menus import find_menu, insert_into

        self.window = window
        self.host = LessonHost(window)
        self.controller: LessonController | None = None
        self.panel = LessonPanel()
        self.panel.hide()
        self.panel.close_button.clicked.connect(self.leave)
        window.centralWidget().layout().insertWidget(1, self.panel)  # below the banner, above the tabs
        # (after the window's own slot: presenter mode's fonts are set when the panel fits)
        window.presenter_action.toggled.connect(lambda _on: self.panel.fit(window.height()))
        window.installEventFilter(self)
        self.start_action = QtGui.QAction("Give the &lesson", window)
        self.start_action.setShortcut(QtGui.QKeySequence("F6"))
        self.start_action.setToolTip("Walk through the lesson chapter by chapter "
                                     "(Page Down: next, Page Up: back).")
        self.start_action.triggered.connect(self.toggle)
        self.open_action = QtGui.QAction("Open &lesson…", window)
        self.open_action.triggered.connect(self.open_dialog)
        window.addAction(self.start_action)
        file_menu = find_menu(window, "File")
        if file_menu is not None:
            insert_into(file_menu, [self.open_action])
        view_menu = find_menu(window, "View")
        if view_menu is not None:
            insert_into(view_menu, [self.start_action])

    @property
    def active(self) -> bool:
        return self.controller is not None

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.window and event.type() == QtCore.QEvent.Type.Resize:
            compact = style.font_scale() > 1.0 and self.window.height() < COMPACT_BELOW
            if compact != self.panel.compact:
                self.panel.fit(self.window.height())
        return False

    def toggle(self) -> None:
        if self.active:
            self.leave()
        else:
            from gdviz.training.lesson import builtin_lesson

            self.start(builtin_lesson())

    def start(self, lesson: Lesson, chapter: int = 0) -> None:
        """Give ``lesson`` from chapter ``chapter`` (0-based)."""
        self.leave(quiet=True)
        self.controller = LessonController(self.host, lesson, self.panel, parent=self)
        self.panel.show()
        self.controller.open(chapter)
        self.lessonStarted.emit()

    def leave(self, quiet: bool = False) -> None:
        """Close the lesson panel; the window stays as the chapter left it."""
        if self.controller is None:
            return
        self.controller.stop()
        self.controller.deleteLater()
        self.controller = None
        self.panel.hide()
        if not quiet:
            self.lessonLeft.emit()

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.window, "Open a lesson", "", "Lessons (*.toml);;All files (*)")
        if path:
            self.open_file(path)

    def open_file(self, path) -> bool:
        """Start the lesson in ``path``; a file that cannot be used is explained, not opened."""
        from gdviz.training.lesson import LessonError, load_lesson

        try:
            lesson = load_lesson(path)
        except (LessonError, OSError) as exc:
            self.window.show_error("Could not open the lesson", str(exc))
            return False
        self.start(lesson)
        return True


def attach(window) -> LessonMode:
    """Add lesson mode to ``window`` (after its menus exist)."""
    return LessonMode(window)
