"""Keys that always work: Space, →, Shift+→, Ctrl+R, F and the view keys reach the
window whatever has focus, except while a text field is being edited.

Buttons, sliders, combo boxes, tab bars and plots already leave those keys to
the window's shortcuts; only text fields keep them (a space is text, → moves
the cursor). :func:`give_keys_back` makes Enter or Escape in a text field
(``QLineEdit``, ``QSpinBox``...) end the edit and hand the focus back to the
window: Enter applies the value as the field always did, Escape puts back
the text the field had when the edit began. Without it the focus stays in
the η field after Enter, and Space types spaces into it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QWidget

__all__ = ["FieldKeys", "give_keys_back", "release"]

_ENDS_EDIT = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)
_AT_FOCUS = "gdviz_text_at_focus"
_INSTALLED = "gdviz_keys_installed"


def _text_field(widget) -> bool:
    if isinstance(widget, QAbstractSpinBox):
        return True
    if isinstance(widget, QLineEdit):
        # the editor inside a spin box or an editable combo box is handled through its owner
        return not isinstance(widget.parent(), (QAbstractSpinBox, QComboBox)) and not widget.isReadOnly()
    return False


def _line_edit(field) -> QLineEdit | None:
    if isinstance(field, QLineEdit):
        return field
    return field.findChild(QLineEdit)


class FieldKeys(QObject):
    """Event filter for text fields: Enter/Escape end the edit and give the focus back."""

    def eventFilter(self, obj, event):  # noqa: N802 - Qt API
        kind = event.type()
        if kind == QEvent.Type.FocusIn:
            edit = _line_edit(obj)
            obj.setProperty(_AT_FOCUS, edit.text() if edit is not None else None)
        elif kind == QEvent.Type.KeyPress and event.key() in _ENDS_EDIT and not (
                event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            if event.key() == Qt.Key.Key_Escape:
                self._revert(obj)
            else:
                obj.event(event)  # the field applies its value as it always did (returnPressed...)
            release(obj)
            return True
        return False

    @staticmethod
    def _revert(field) -> None:
        before = field.property(_AT_FOCUS)
        edit = _line_edit(field)
        if isinstance(field, QAbstractSpinBox):
            # its value is still the one before the edit (the typed text is applied on Enter only)
            if edit is not None and hasattr(field, "value"):
                field.setValue(field.value())
                edit.setText(field.textFromValue(field.value()) if hasattr(field, "textFromValue")
                             else str(field.value()))
            return
        if edit is not None and isinstance(before, str) and edit.text() != before:
            edit.setText(before)


def release(field: QWidget) -> None:
    """Take the keyboard focus from ``field`` and give it to its window (the shortcuts' owner)."""
    window = field.window()
    field.clearFocus()
    if window is not None and window is not field:
        window.setFocus(Qt.FocusReason.ShortcutFocusReason)


def give_keys_back(root: QWidget) -> None:
    """Install :class:`FieldKeys` on every text field under ``root`` (and ``root`` itself);
    installing twice is harmless. Call again for widgets created later (a view's first showing)."""
    fields = root.findChild(FieldKeys, "FieldKeys")
    if fields is None:
        fields = FieldKeys(root)
        fields.setObjectName("FieldKeys")
    for w in [root, *root.findChildren(QWidget)]:
        if _text_field(w) and not w.property(_INSTALLED):
            w.installEventFilter(fields)
            w.setProperty(_INSTALLED, True)
