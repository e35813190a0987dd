"""The main window's menu bar (:class:`WindowMenus`), and small helpers to add
actions to its menus from outside (the ``attach(window)`` functions of replay,
export and settings)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from gdviz.qt import checkpoints
from gdviz.qt.data_choice import DataChoice
from gdviz.qt.help import show_about, show_shortcuts
from gdviz.qt.live_tab import PANEL_TITLES
from gdviz.qt.views import VIEWS
from gdviz.qt.widgets import MODE_LABELS
from gdviz.training.theta import MODES

__all__ = ["DISPLAY_RATES", "WindowMenus", "find_action", "find_menu", "insert_into", "plain", "screenshot_dialog"]


def plain(text: str) -> str:
    """A menu text without its ``&`` mnemonic marks and trailing dots."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".…").strip()


def find_menu(window, title: str) -> QMenu | None:
    """The menu-bar menu whose text (without ``&``) is ``title``, or None."""
    for action in window.menuBar().actions():
        menu = action.menu()
        if menu is not None and plain(action.text()).lower() == title.lower():
            return menu
    return None


def find_action(menu: QMenu, text: str) -> QAction | None:
    """The first action of ``menu`` whose plain text starts with ``text``."""
    for action in menu.actions():
        if plain(action.text()).lower().startswith(text.lower()):
            return action
    return None


def insert_into(menu: QMenu, items, *, after: QAction | None = None, separate: bool = True) -> None:
    """Insert ``items`` (QAction, QMenu, or None for a separator) into ``menu``.

    After the action ``after`` when given (and in the menu); otherwise as a
    group just above the separator that precedes "Quit" (or at the end).
    ``separate`` puts a separator before the group.
    """
    actions = menu.actions()
    before: QAction | None = None
    if after is not None and after in actions:
        i = actions.index(after)
        before = actions[i + 1] if i + 1 < len(actions) else None
    else:
        quit_ = find_action(menu, "Quit")
        if quit_ is not None:
            i = actions.index(quit_)
            before = actions[i - 1] if i > 0 and actions[i - 1].isSeparator() else quit_
    group = ([None] if separate and after is None else []) + list(items)
    for item in group:
        if item is None:
            sep = QAction(menu)
            sep.setSeparator(True)
            item = sep
        elif isinstance(item, QMenu):
            item = item.menuAction()
        if before is None:
            menu.addAction(item)
        else:
            menu.insertAction(before, item)


# ====================================================================== the window's menu bar
#: Frames per second offered in View ▸ Display rate.
DISPLAY_RATES = (10, 15, 30, 60)


class WindowMenus:
    """The menu bar of the main window: File, Data, Training, View and Help.

    Every entry calls a public method of ``window`` (or of its ``controls``,
    ``cost_panel``, ``data``); the actions tests and settings need are
    attributes (``save_action``, ``mode_actions``, ``rate_actions``,
    ``presenter_action``, …).
    """

    def __init__(self, window):
        w = window
        mb = w.menuBar()

        m = mb.addMenu("&File")
        self.save_action = m.addAction("&Save checkpoint…", lambda: checkpoints.save_dialog(w))
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.open_action = m.addAction("&Open checkpoint…", lambda: checkpoints.open_dialog(w))
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        m.addSeparator()
        self.screenshot_action = m.addAction("Save screens&hot…", lambda: screenshot_dialog(w))
        self.screenshot_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        m.addSeparator()
        self.quit_action = m.addAction("&Quit", w.close)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        self.data = DataChoice(w, mb.addMenu("&Data"))

        m = mb.addMenu("&Training")
        for a in w.controls.actions_for_menu():
            if a is None:
                m.addSeparator()
            else:
                m.addAction(a)
                w.addAction(a)  # shortcuts work even when the dock is hidden
        m.addSeparator()
        a = m.addAction("&Lesson preset (784-16-16-10, squared error, η = 1)", lambda: w.apply_preset("lesson"))
        a.setShortcut(QKeySequence("Ctrl+Shift+L"))
        a.setStatusTip("The lesson's network and cost, back at step 0")
        w.addAction(a)
        m.addAction("&Best preset (ReLU, cross-entropy, momentum)", lambda: w.apply_preset("best"))

        m = mb.addMenu("&View")
        mode_menu = m.addMenu("Weight panels show")
        group = QActionGroup(w)
        self.mode_actions: dict[str, QAction] = {}
        for i, mode in enumerate(MODES):
            a = mode_menu.addAction(MODE_LABELS[mode])
            a.setCheckable(True)
            a.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            a.triggered.connect(lambda _=False, mode=mode: w.set_weights_mode(mode))
            group.addAction(a)
            self.mode_actions[mode] = a
        self.mode_actions["weights"].setChecked(True)
        m.addSeparator()
        cost = w.cost_panel
        self.log_action = self._toggle(m, "&Log-scale cost", "Ctrl+L", cost.setLogScale, cost.log_box.toggled)
        self.epochs_action = self._toggle(m, "Cost against &epochs", "Ctrl+E", cost.setXInEpochs,
                                          cost.x_epochs.toggled)
        self.follow_action = self._toggle(m, "&Follow the run in the cost plot", None, cost.setFollow,
                                          cost.followChanged)
        self.follow_action.setChecked(True)
        m.addSeparator()
        rate_menu = m.addMenu("Display &rate")
        group = QActionGroup(w)
        self.rate_actions: dict[int, QAction] = {}
        for fps in DISPLAY_RATES:
            a = rate_menu.addAction(f"{fps} frames per second")
            a.setCheckable(True)
            a.triggered.connect(lambda _=False, fps=fps: w.set_display_rate(fps))
            group.addAction(a)
            self.rate_actions[fps] = a
        m.addSeparator()
        panels_menu = m.addMenu("&Panels")
        for name, title in PANEL_TITLES.items():
            a = panels_menu.addAction(title)
            a.setCheckable(True)
            a.setChecked(True)
            a.toggled.connect(lambda on, name=name: w.show_panel(name, on))
        panels_menu.addSeparator()
        panels_menu.addAction(w.controls_dock.toggleViewAction())
        w.controls_dock.toggleViewAction().setShortcut(QKeySequence("Ctrl+K"))
        m.addSeparator()
        views_menu = m.addMenu("&Lesson views")
        a = views_menu.addAction("Live network", lambda: w.show_view("live"))
        a.setShortcut(QKeySequence("Alt+0"))
        for i, (name, spec) in enumerate(VIEWS.items(), start=1):
            a = views_menu.addAction(spec.title, lambda name=name: w.show_view(name))
            if i <= 9:
                a.setShortcut(QKeySequence(f"Alt+{i}"))
            a.setStatusTip(spec.description)
        self.presenter_action = m.addAction("&Presenter mode")
        self.presenter_action.setCheckable(True)
        self.presenter_action.setShortcut(QKeySequence("F5"))
        self.presenter_action.setStatusTip("Large fonts, high contrast and the keyboard shortcuts on screen")
        self.presenter_action.toggled.connect(w.set_presenter_mode)
        w.addAction(self.presenter_action)

        m = mb.addMenu("&Help")
        m.addAction("&Keyboard shortcuts", lambda: show_shortcuts(w))
        m.addAction("&About gdviz", lambda: show_about(w, w.engine, w.engine_note))

    @staticmethod
    def _toggle(menu: QMenu, text: str, keys: str | None, slot, changed) -> QAction:
        """A checkable entry that calls ``slot(on)`` and follows the signal ``changed(on)``."""
        a = menu.addAction(text)
        a.setCheckable(True)
        if keys:
            a.setShortcut(QKeySequence(keys))
        a.toggled.connect(slot)
        changed.connect(a.setChecked)
        return a


def screenshot_dialog(window) -> None:
    """File ▸ Save screenshot: ask where, then ``window.save_screenshot(path)``."""
    path, _ = QFileDialog.getSaveFileName(window, "Save screenshot", "gdviz.png", "PNG images (*.png)")
    if path:
        try:
            window.save_screenshot(path)
        except OSError as exc:
            window.show_error("Could not save the screenshot", str(exc))
        else:
            window.statusBar().showMessage(f"Saved {path}", 6000)
