"""Small helpers to add actions to the window's existing menus from outside
``window.py`` (the ``attach(window)`` functions of replay, export and settings)."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

__all__ = ["find_menu", "insert_into", "plain"]


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
