"""File ▸ Recent checkpoints and File ▸ Autosave on quit for one window (made by
:func:`attach`)."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from gdviz.qt.menus import find_action, find_menu, insert_into
from gdviz.qt.settings import AUTOSAVE_NAME, DEFAULTS, K_AUTOSAVE, K_RECENT, MAX_RECENT, load_settings
from gdviz.training.config import SettingError
from gdviz.training.settings_schema import parse_paths

__all__ = ["SettingsController", "attach"]


class SettingsController(QObject):
    """Recent checkpoints and autosave for one window; written to the settings store at once
    (when there is one: see :func:`attach`)."""

    def __init__(self, window, qsettings: QSettings | None = None, data_dir=None):
        super().__init__(window)
        self.setObjectName("SettingsController")
        self.window = window
        self.qsettings = qsettings  # None: nothing is stored
        if data_dir is None:
            data_dir = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        self.data_dir = Path(data_dir) if data_dir else Path.home() / ".gdviz"
        self.autosave_error = ""
        loaded = DEFAULTS if qsettings is None else load_settings(qsettings, write_migration=False)
        self._recent: list[str] = list(loaded.recent_checkpoints)
        #: The remembered pace (steps per second or "max"): kept from the store and written
        #: back on close; the pace control reads and sets it.
        self.pace: float | str = loaded.pace

        self.recent_menu = QMenu("Recent checkpoints", window)
        self.recent_menu.setObjectName("RecentCheckpointsMenu")
        self.recent_menu.aboutToShow.connect(self.rebuild_recent_menu)
        self.autosave_action = QAction("Autosave on quit", window)
        self.autosave_action.setCheckable(True)
        self.autosave_action.setChecked(loaded.autosave)
        self.autosave_action.setStatusTip(f"Save the weights to {self.autosave_path} when gdviz closes")
        self.autosave_action.toggled.connect(self._autosave_toggled)
        menu = find_menu(window, "File")
        if menu is not None:
            anchor = find_action(menu, "Open checkpoint")
            insert_into(menu, [self.recent_menu.menuAction(), self.autosave_action], after=anchor)
        self._wrap_window_methods()
        self.rebuild_recent_menu()

    # ---------------------------------------------------------------- recent list
    @property
    def autosave_path(self) -> Path:
        return self.data_dir / AUTOSAVE_NAME

    @property
    def autosave(self) -> bool:
        return self.autosave_action.isChecked()

    def recent(self) -> tuple[str, ...]:
        return tuple(self._recent)

    def set_recent(self, paths) -> None:
        self._recent = list(parse_paths(list(paths)) or ())
        self._store()

    def note_recent(self, path) -> None:
        """Put ``path`` at the top of the recent list (after a checkpoint was saved or opened)."""
        p = str(Path(path).resolve())
        if Path(p) == self.autosave_path.resolve():
            return  # the autosave has its own entry
        self._recent = [p] + [q for q in self._recent if q != p]
        del self._recent[MAX_RECENT:]
        self._store()

    def remove_recent(self, path) -> None:
        self._recent = [q for q in self._recent if q != str(path)]
        self._store()

    def _store(self) -> None:
        if self.qsettings is not None:
            self.qsettings.setValue(K_RECENT, json.dumps(self._recent))
            self.qsettings.sync()
        self.rebuild_recent_menu()

    def rebuild_recent_menu(self) -> None:
        """Fill File ▸ Recent checkpoints (called each time it opens): missing files are greyed out."""
        m = self.recent_menu
        m.clear()
        self.recent_actions: list[QAction] = []
        if self.autosave_path.is_file():
            when = datetime.fromtimestamp(self.autosave_path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
            a = m.addAction(f"Autosaved on quit ({when})")
            a.setToolTip(str(self.autosave_path))
            a.triggered.connect(lambda _=False: self.open_recent(self.autosave_path))
            m.addSeparator()
        for i, p in enumerate(self._recent):
            path = Path(p)
            exists = path.is_file()
            label = f"&{i + 1}  {path.name} — {path.parent}" + ("" if exists else "  (missing)")
            a = m.addAction(label)
            a.setToolTip(p if exists else f"{p} (not found)")
            a.setStatusTip(a.toolTip())
            a.setData(p)
            a.setEnabled(exists)
            a.triggered.connect(lambda _=False, p=p: self.open_recent(p))
            self.recent_actions.append(a)
        if not self._recent:
            a = m.addAction("(none yet)")
            a.setEnabled(False)
        m.addSeparator()
        missing = [p for p in self._recent if not Path(p).is_file()]
        a = m.addAction("Remove missing files", self.remove_missing)
        a.setEnabled(bool(missing))
        a = m.addAction("Clear list", lambda: self.set_recent(()))
        a.setEnabled(bool(self._recent))

    def remove_missing(self) -> int:
        missing = [p for p in self._recent if not Path(p).is_file()]
        if missing:
            self._recent = [p for p in self._recent if p not in missing]
            self._store()
            self.window.statusBar().showMessage(
                f"Removed {len(missing)} missing file{'s' * (len(missing) != 1)} from the recent checkpoints.", 6000)
        return len(missing)

    def open_recent(self, path) -> bool:
        """Open a recent checkpoint. A missing one is removed from the list with a message; an
        unreadable one gives the window's message and leaves the session as it was."""
        path = Path(path)
        if not path.is_file():
            self.remove_recent(str(path))
            self.window.show_error("Checkpoint not found",
                                   f"{path} no longer exists; it was removed from the recent checkpoints.")
            return False
        return bool(self.window.load_checkpoint(path))

    def _wrap_window_methods(self) -> None:
        """Note every checkpoint the window saves or opens (its menu actions call these methods)."""
        w = self.window
        save, load = w.save_checkpoint, w.load_checkpoint

        def save_checkpoint(path, *args, **kwargs):
            out = save(path, *args, **kwargs)
            if out:
                self.note_recent(out)
            return out

        def load_checkpoint(path, *args, **kwargs):
            ok = load(path, *args, **kwargs)
            if ok:
                self.note_recent(path)
            return ok

        save_checkpoint.__doc__, load_checkpoint.__doc__ = save.__doc__, load.__doc__
        w.save_checkpoint, w.load_checkpoint = save_checkpoint, load_checkpoint

    # ---------------------------------------------------------------- autosave
    def _autosave_toggled(self, on: bool) -> None:
        if self.qsettings is not None:
            self.qsettings.setValue(K_AUTOSAVE, bool(on))
            self.qsettings.sync()

    def write_autosave(self) -> Path | None:
        """Save the live run's θ to ``autosave.npz`` now (no message box); the path or None."""
        from gdviz.training.checkpoint import CheckpointError, save_checkpoint

        w = self.window
        session = w.session
        snap = session.mailbox.peek()  # the live run's newest snapshot (not a replayed one)
        theta = None
        if snap is not None and not snap.diverged and snap.n_params == session.net.n_params:
            theta = snap.theta
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            config = replace(session.config, **{k: getattr(w.controls.config, k)
                                                for k in ("lr", "batch_size", "optimizer", "steps_per_second")})
            path = save_checkpoint(self.autosave_path, session, config, theta=theta,
                                   extra={"dataset": getattr(session.dataset, "name", ""), "autosave": True})
        except (CheckpointError, OSError, TypeError, SettingError) as exc:
            self.autosave_error = str(exc)
            print(f"gdviz: autosave failed: {exc}", file=sys.stderr)
            return None
        self.autosave_error = ""
        return Path(path)

    def on_close(self) -> Path | None:
        """Call when the window closes: writes the autosave when it is switched on."""
        return self.write_autosave() if self.autosave else None


def attach(window, qsettings: QSettings | None = None, data_dir=None):
    """Add File ▸ Recent checkpoints and File ▸ Autosave on quit; return the controller.

    ``qsettings``: where the recent list and the autosave switch are kept
    (``default_qsettings()`` for the user's store); None keeps them in memory
    only — for windows made by tests and screenshots, which must not touch
    the user's settings. ``data_dir`` (where ``autosave.npz`` goes) defaults
    to ``QStandardPaths.AppDataLocation``.
    """
    return SettingsController(window, qsettings, data_dir)
