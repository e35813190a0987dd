"""Settings that survive a restart (and an upgrade): a small versioned layer over QSettings.

Layout of version 2 (:data:`SETTINGS_VERSION`), organisation and application
"gdviz" (tests pass a ``QSettings(path, QSettings.IniFormat)`` instead)::

    version                    2
    window/geometry            QByteArray  QMainWindow.saveGeometry()
    window/state               QByteArray  QMainWindow.saveState() (docks, toolbars)
    training/lr                float       η (LR_MIN … LR_MAX)
    training/batch_size        int         mini-batch size ≥ 1
    training/speed             float       the pace: steps per second, 0 = as fast as possible
                                           (fast-forward is not stored: the pace it returns to is)
    view/theme                 str         "light" (the only look gdviz has now) or "dark"
    view/fps                   int         display rate, 1 … 60
    view/log_cost              bool        log-scale cost axis
    data/choice                str         "sample", "mnist" or "idx"
    data/idx_dir               str         the IDX folder when data/choice = "idx"
    files/recent_checkpoints   str         JSON list of up to 8 paths, newest first
    files/autosave             bool        write autosave.npz when the window closes

Version 1 (what ``MainWindow.save_settings`` wrote before) held ``version``,
``window/geometry``, ``view/fps`` and ``view/log_cost``, with the same names
and meanings: :func:`migrate` keeps them (checked) and marks the store as
version 2; the new keys take their defaults. A store with no version (empty,
or written before settings were versioned) is read as version 1. Any value
that is missing, of the wrong type or out of range falls back to its default
without an exception — a settings file must never keep the app from opening.
A store written by a *newer* gdviz is read as far as its keys are known and
is not migrated.

:func:`attach` adds File ▸ Recent checkpoints (last 8, missing files greyed
out) and File ▸ Autosave on quit (``autosave.npz`` in the app data folder,
written by :meth:`SettingsController.on_close`).
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QSettings, QStandardPaths
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from gdviz.qt.menus import find_action, find_menu, insert_into
from gdviz.training.config import DEFAULT_PACE, LESSON, MAX_PACE, SettingError, check_batch_size, check_lr

__all__ = [
    "AUTOSAVE_NAME", "AppSettings", "DEFAULTS", "MAX_RECENT", "SETTINGS_VERSION", "SettingsController",
    "V1_KEYS", "apply_to_window", "attach", "default_qsettings", "load_settings", "migrate",
    "read_from_window", "save_settings", "stored_version",
]

SETTINGS_VERSION = 2
ORGANISATION = APPLICATION = "gdviz"
MAX_RECENT = 8
THEMES = ("light", "dark")
DATA_CHOICES = ("sample", "mnist", "idx")
AUTOSAVE_NAME = "autosave.npz"
DEFAULT_FPS = 30

K_VERSION = "version"
K_GEOMETRY, K_STATE = "window/geometry", "window/state"
K_LR, K_BATCH, K_SPEED = "training/lr", "training/batch_size", "training/speed"
K_THEME, K_FPS, K_LOG = "view/theme", "view/fps", "view/log_cost"
K_DATA, K_DATA_DIR = "data/choice", "data/idx_dir"
K_RECENT, K_AUTOSAVE = "files/recent_checkpoints", "files/autosave"
#: The keys of version 1 (kept as they are by the migration).
V1_KEYS = (K_VERSION, K_GEOMETRY, K_FPS, K_LOG)


@dataclass(frozen=True)
class AppSettings:
    """Everything gdviz remembers between runs (defaults: a first start)."""

    geometry: bytes | None = field(default=None, repr=False)
    window_state: bytes | None = field(default=None, repr=False)
    lr: float = LESSON.lr
    batch_size: int = LESSON.batch_size
    speed: float = DEFAULT_PACE
    theme: str = "light"
    data: str = "sample"
    data_dir: str = ""
    display_rate: int = DEFAULT_FPS
    log_cost: bool = False
    recent_checkpoints: tuple[str, ...] = ()
    autosave: bool = False
    version: int = SETTINGS_VERSION


DEFAULTS = AppSettings()


def default_qsettings() -> QSettings:
    """The user's settings store (organisation and application "gdviz")."""
    return QSettings(ORGANISATION, APPLICATION)


# ====================================================================== parsing (never raises)
def _int(value, default: int, lo: int | None = None, hi: int | None = None) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, str):
            value = value.strip()
            f = float(value)
            if not f.is_integer():
                raise ValueError
            value = int(f)
        elif isinstance(value, float):
            if not value.is_integer():
                raise ValueError
        out = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    if (lo is not None and out < lo) or (hi is not None and out > hi):
        return default
    return out


def _float(value, default: float) -> float:
    try:
        if isinstance(value, bool):
            raise TypeError
        out = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        return default
    return out if math.isfinite(out) else default


def _bool(value, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0 if value in (0, 1) else default
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("true", "1", "yes", "on"):
            return True
        if v in ("false", "0", "no", "off"):
            return False
    return default


def _bytes(value) -> bytes | None:
    if isinstance(value, QByteArray):
        data = bytes(value.data())
    elif isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    else:
        return None
    return data or None


def _choice(value, choices: tuple[str, ...], default: str) -> str:
    return value.strip().lower() if isinstance(value, str) and value.strip().lower() in choices else default


def _paths(value) -> tuple[str, ...]:
    """The recent list: a JSON list of strings (or a string list from an older store)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value] if value.strip() else []
    if not isinstance(value, (list, tuple)):
        return ()
    out: list[str] = []
    for p in value:
        if isinstance(p, str) and p.strip() and "\0" not in p and p not in out:
            out.append(p)
    return tuple(out[:MAX_RECENT])


def stored_version(qs: QSettings) -> int:
    """The layout version in ``qs``: 0 when there is none (empty or unversioned), -1 when unreadable."""
    if not qs.contains(K_VERSION):
        return 0
    return _int(qs.value(K_VERSION), -1, lo=0)


# ====================================================================== load / save / migrate
def migrate(qs: QSettings) -> int:
    """Bring ``qs`` to version 2 in place; return the version it had (0 unversioned or empty).

    Version 1 / unversioned: its keys keep their names (bad values are
    removed, so they read as defaults), and ``version`` becomes 2. An
    unreadable version is treated as unversioned. A newer version is left as
    it is.
    """
    found = stored_version(qs)
    if found >= SETTINGS_VERSION:
        return found
    if found < 0:
        found = 0
    # Version 1 had the same keys as version 2 for what it stored: check them, drop bad ones.
    if qs.contains(K_GEOMETRY) and _bytes(qs.value(K_GEOMETRY)) is None:
        qs.remove(K_GEOMETRY)
    if qs.contains(K_FPS) and _int(qs.value(K_FPS), -1, 1, 60) < 0:
        qs.remove(K_FPS)
    if qs.contains(K_LOG) and _bool(qs.value(K_LOG), None) is None:
        qs.remove(K_LOG)
    qs.setValue(K_VERSION, SETTINGS_VERSION)
    qs.sync()
    return found


def load_settings(qs: QSettings | None = None, *, write_migration: bool = True) -> AppSettings:
    """The settings in ``qs`` (default: the user's), migrated first; never raises.

    ``write_migration=False`` reads an old store without changing it.
    """
    qs = default_qsettings() if qs is None else qs
    try:
        if write_migration:
            migrate(qs)
        v = qs.value
        d = DEFAULTS
        lr = _float(v(K_LR), d.lr)
        try:
            lr = check_lr(lr)
        except SettingError:
            lr = d.lr
        batch = _int(v(K_BATCH), d.batch_size, lo=1)
        try:
            batch = check_batch_size(batch)
        except SettingError:
            batch = d.batch_size
        speed = _float(v(K_SPEED), d.speed)
        if not 0 <= speed <= MAX_PACE:
            speed = d.speed
        version = stored_version(qs)
        return AppSettings(
            geometry=_bytes(v(K_GEOMETRY)),
            window_state=_bytes(v(K_STATE)),
            lr=lr, batch_size=batch, speed=speed,
            theme=_choice(v(K_THEME), THEMES, d.theme),
            data=_choice(v(K_DATA), DATA_CHOICES, d.data),
            data_dir=v(K_DATA_DIR) if isinstance(v(K_DATA_DIR), str) else "",
            display_rate=_int(v(K_FPS), d.display_rate, 1, 60),
            log_cost=_bool(v(K_LOG), d.log_cost),
            recent_checkpoints=_paths(v(K_RECENT)),
            autosave=_bool(v(K_AUTOSAVE), d.autosave),
            version=version if version > SETTINGS_VERSION else SETTINGS_VERSION,
        )
    except Exception as exc:  # noqa: BLE001 - a broken store must not stop the app
        print(f"gdviz: ignoring unreadable settings ({type(exc).__name__}: {exc})", file=sys.stderr)
        return DEFAULTS


def save_settings(qs: QSettings | None, s: AppSettings) -> None:
    """Write ``s`` to ``qs`` (default: the user's) as version 2."""
    qs = default_qsettings() if qs is None else qs
    qs.setValue(K_VERSION, SETTINGS_VERSION)
    for key, value in ((K_GEOMETRY, s.geometry), (K_STATE, s.window_state)):
        if value:
            qs.setValue(key, QByteArray(value))
        else:
            qs.remove(key)
    qs.setValue(K_LR, float(s.lr))
    qs.setValue(K_BATCH, int(s.batch_size))
    qs.setValue(K_SPEED, float(s.speed))
    qs.setValue(K_THEME, s.theme)
    qs.setValue(K_FPS, int(s.display_rate))
    qs.setValue(K_LOG, bool(s.log_cost))
    qs.setValue(K_DATA, s.data)
    qs.setValue(K_DATA_DIR, s.data_dir)
    qs.setValue(K_RECENT, json.dumps(list(s.recent_checkpoints[:MAX_RECENT])))
    qs.setValue(K_AUTOSAVE, bool(s.autosave))
    qs.sync()


# ====================================================================== the window
def _controller(window) -> "SettingsController | None":
    ctl = getattr(window, "settings_controller", None)
    return ctl if ctl is not None else window.findChild(QObject, "SettingsController")


def read_from_window(window) -> AppSettings:
    """The settings the window shows now (recent files and autosave from its controller)."""
    cfg = window.controls.config
    ds = window.session.dataset
    name = getattr(ds, "name", "sample")
    data, data_dir = ("sample", "") if name == "sample" else ("mnist", "") if name == "mnist" else ("idx", "")
    if data == "idx":
        desc = getattr(ds, "description", "")
        data_dir = desc.rsplit(" from ", 1)[1] if " from " in desc else ""
        if not data_dir or not Path(data_dir).is_dir():
            data, data_dir = "sample", ""
    ctl = _controller(window)
    theme = window.theme() if callable(getattr(window, "theme", None)) else "light"
    return AppSettings(
        geometry=bytes(window.saveGeometry().data()) or None,
        window_state=bytes(window.saveState().data()) or None,
        # the pace to watch at, not a fast-forward that was on when the window closed
        lr=float(cfg.lr), batch_size=int(cfg.batch_size), speed=float(window.controls.watch_pace),
        theme=theme if theme in THEMES else "light",
        data=data, data_dir=data_dir,
        display_rate=int(getattr(window, "fps", DEFAULT_FPS)),
        log_cost=bool(window.cost_panel.logScale()),
        recent_checkpoints=ctl.recent() if ctl is not None else (),
        autosave=ctl.autosave if ctl is not None else False,
    )


def apply_to_window(window, s: AppSettings, *, training: bool = True, data: bool = False) -> None:
    """Show ``s`` in ``window``: geometry, docks, display rate, log scale, recent files, autosave;
    with ``training`` also η, batch size and speed (sent to the session like a user's change);
    with ``data`` also the data choice (full MNIST / an IDX folder, loaded as the Data menu does)."""
    if s.geometry:
        window.restoreGeometry(QByteArray(s.geometry))
    if s.window_state:
        window.restoreState(QByteArray(s.window_state))
    window.set_display_rate(int(s.display_rate))
    window.cost_panel.setLogScale(bool(s.log_cost))
    if callable(getattr(window, "set_theme", None)):
        window.set_theme(s.theme)
    ctl = _controller(window)
    if ctl is not None:
        ctl.set_recent(s.recent_checkpoints)
        ctl.autosave_action.setChecked(bool(s.autosave))
    if training:
        c = window.controls
        if s.lr != c.config.lr:
            try:
                c.set_lr(s.lr)
            except SettingError:
                pass
        if s.batch_size != c.config.batch_size and c.config.optimizer != "gd":
            c.batch_spin.setValue(int(s.batch_size))  # clamped to the training set; sends it
        if float(s.speed) != float(c.config.steps_per_second):
            c.set_pace(float(s.speed))  # sends it
    if data:
        if s.data == "mnist" and getattr(window.session.dataset, "name", "") != "mnist":
            window.use_full_mnist()
        elif s.data == "idx" and s.data_dir and Path(s.data_dir).is_dir():
            window.open_idx_folder(s.data_dir)


# ====================================================================== recent files, autosave
def attach(window, qsettings: QSettings | None = None, data_dir=None) -> "SettingsController":
    """Add File ▸ Recent checkpoints and File ▸ Autosave on quit; return the controller.

    ``qsettings``: where the recent list and the autosave switch are kept
    (``default_qsettings()`` for the user's store); None keeps them in memory
    only — for windows made by tests and screenshots, which must not touch
    the user's settings. ``data_dir`` (where ``autosave.npz`` goes) defaults
    to ``QStandardPaths.AppDataLocation``.
    """
    return SettingsController(window, qsettings, data_dir)


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
        self._recent = list(_paths(list(paths)))
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

