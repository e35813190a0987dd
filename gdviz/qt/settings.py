"""Settings that survive a restart (and an upgrade): a small versioned layer over QSettings.

Layout of version 2 (:data:`SETTINGS_VERSION`), organisation and application
"gdviz" (tests pass a ``QSettings(path, QSettings.IniFormat)`` instead)::

    version                    2
    window/geometry            QByteArray  QMainWindow.saveGeometry()
    window/state               QByteArray  QMainWindow.saveState() (docks, toolbars)
    training/lr                float       η (LR_MIN … LR_MAX)
    training/batch_size        int         mini-batch size, 1 … 1,000,000
    training/speed             float       steps per second, 0 = as fast as possible
    training/pace              float|str   steps per second or "max" (default 10): the pace the
                                           window trains at (fast-forward is not stored: the
                                           pace it returns to is); it decides over training/speed
    view/theme                 str         "light" (the only look gdviz has now) or "dark"
    view/fps                   int         display rate, 1 … 60
    view/log_cost              bool        log-scale cost axis
    data/choice                str         "sample", "mnist" or "idx"
    data/idx_dir               str         the IDX folder when data/choice = "idx"
    files/recent_checkpoints   str         JSON list of up to 8 paths, newest first
    files/autosave             bool        write autosave.npz when the window closes

Version 1 (what ``MainWindow.save_settings`` wrote before) held ``version``,
``window/geometry``, ``view/fps`` and ``view/log_cost``, with the same names
and meanings: :func:`migrate` keeps them and marks the store as version 2;
the new keys take their defaults. A store with no version (empty, or written
before settings were versioned) is read as version 1.

A settings file must never keep the app from opening: every value is checked
against the limits in :mod:`gdviz.training.settings_schema` and clamped or
dropped with a warning (logged, and shown once in the status bar); a file
that cannot be used at all is renamed ``gdviz.conf.bad-<time>`` and the
defaults are used.
A store written by a *newer* gdviz is read as far as its keys are known and
is not migrated.

:func:`attach` adds File ▸ Recent checkpoints (last 8, missing files greyed
out) and File ▸ Autosave on quit (``autosave.npz`` in the app data folder,
written by :meth:`SettingsController.on_close`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QSettings

from gdviz.training import settings_schema as schema
from gdviz.training.config import SettingError
from gdviz.training.settings_schema import DEFAULT_FPS, MAX_RECENT, THEMES

__all__ = [
    "AUTOSAVE_NAME", "AppSettings", "DEFAULTS", "MAX_RECENT", "SETTINGS_VERSION",
    "V1_KEYS", "apply_to_window", "default_qsettings", "load_settings", "migrate",
    "pace_steps_per_second", "read_from_window", "save_settings", "stored_version",
]

log = logging.getLogger(__name__)

SETTINGS_VERSION = 2
ORGANISATION = APPLICATION = "gdviz"
AUTOSAVE_NAME = "autosave.npz"

K_VERSION = "version"
K_GEOMETRY, K_STATE = "window/geometry", "window/state"
K_LR, K_BATCH, K_SPEED, K_PACE = "training/lr", "training/batch_size", "training/speed", "training/pace"
K_THEME, K_FPS, K_LOG = "view/theme", "view/fps", "view/log_cost"
K_DATA, K_DATA_DIR = "data/choice", "data/idx_dir"
K_RECENT, K_AUTOSAVE = "files/recent_checkpoints", "files/autosave"
#: The keys of version 1 (kept as they are by the migration).
V1_KEYS = (K_VERSION, K_GEOMETRY, K_FPS, K_LOG)
#: AppSettings field for each stored key (the limits of each are in gdviz.training.settings_schema).
FIELDS = {K_GEOMETRY: "geometry", K_STATE: "window_state", K_LR: "lr", K_BATCH: "batch_size", K_SPEED: "speed",
          K_PACE: "pace", K_THEME: "theme", K_FPS: "display_rate", K_LOG: "log_cost", K_DATA: "data",
          K_DATA_DIR: "data_dir", K_RECENT: "recent_checkpoints", K_AUTOSAVE: "autosave"}
assert set(FIELDS) == set(schema.SCHEMA)
_D = {FIELDS[k]: e.default for k, e in schema.SCHEMA.items()}


@dataclass(frozen=True)
class AppSettings:
    """Everything gdviz remembers between runs (defaults: a first start).

    ``warnings``: one sentence per stored value that was clamped or dropped on
    load; ``set_aside``: where an unusable settings file was moved ("" if none).
    Neither is stored or compared.
    """

    geometry: bytes | None = field(default=None, repr=False)
    window_state: bytes | None = field(default=None, repr=False)
    lr: float = _D["lr"]
    batch_size: int = _D["batch_size"]
    speed: float = _D["speed"]
    pace: float | str = _D["pace"]  # steps per second or "max"; applied by the pace control
    theme: str = _D["theme"]
    data: str = _D["data"]
    data_dir: str = _D["data_dir"]
    display_rate: int = _D["display_rate"]
    log_cost: bool = _D["log_cost"]
    recent_checkpoints: tuple[str, ...] = _D["recent_checkpoints"]
    autosave: bool = _D["autosave"]
    version: int = SETTINGS_VERSION
    warnings: tuple[str, ...] = field(default=(), compare=False)
    set_aside: str = field(default="", compare=False)


DEFAULTS = AppSettings()


def default_qsettings() -> QSettings:
    """The user's settings store (organisation and application "gdviz")."""
    return QSettings(ORGANISATION, APPLICATION)


# ====================================================================== reading the store
def _plain(value):
    """A stored value as plain Python (QByteArray -> bytes; other Qt types are left for the schema
    to refuse)."""
    if isinstance(value, QByteArray):
        return bytes(value.data())
    return value


def _raw(qs: QSettings) -> dict:
    """The known keys present in ``qs``, as plain Python values."""
    out = {}
    for key in schema.SCHEMA:
        if qs.contains(key):
            try:
                out[key] = _plain(qs.value(key))
            except Exception:  # noqa: BLE001 - an undecodable value reads as unreadable
                out[key] = object()
    return out


def stored_version(qs: QSettings) -> int:
    """The layout version in ``qs``: 0 when there is none (empty or unversioned), -1 when unreadable."""
    if not qs.contains(K_VERSION):
        return 0
    v = schema.parse_int(_plain(qs.value(K_VERSION)))
    return -1 if v is None or v < 0 else min(v, 1 << 31)


def _file_of(qs: QSettings) -> Path | None:
    """The file behind ``qs`` when it is an INI-style file on disk (not the registry or a plist)."""
    name = qs.fileName()
    if not name or qs.format() not in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        return None
    path = Path(name)
    if path.suffix.lower() not in (".conf", ".ini") or not path.is_file():
        return None
    return path


def _file_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None when it is larger than the limit."""
    with path.open("rb") as f:
        data = f.read(schema.MAX_FILE_BYTES + 1)
    return None if len(data) > schema.MAX_FILE_BYTES else data


def _format_error(data: bytes) -> bool:
    """Whether Qt's INI reader finds a format error in ``data``. (Read from a private copy: a
    QSettings on the file itself may answer from Qt's cache, which keeps no error.)"""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gdviz-settings-check-") as tmp:
        copy = Path(tmp) / "check.ini"
        copy.write_bytes(data)
        return QSettings(str(copy), QSettings.Format.IniFormat).status() == QSettings.Status.FormatError


def _set_aside(qs: QSettings, path: Path) -> Path | None:
    """Rename the file behind ``qs`` to ``<name>.bad-<time>`` and empty ``qs``; the new path or None."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = path.with_name(f"{path.name}.bad-{stamp}")
    n = 1
    while dest.exists():
        n += 1
        dest = path.with_name(f"{path.name}.bad-{stamp}-{n}")
    try:
        path.rename(dest)
    except OSError as exc:
        log.warning("gdviz: could not set the settings file %s aside (%s)", path, exc)
        dest = None
    qs.clear()
    qs.sync()
    return dest


# ====================================================================== load / save / migrate
def migrate(qs: QSettings) -> int:
    """Bring ``qs`` to version 2 in place; return the version it had (0 unversioned or empty).

    Version 1 / unversioned: its keys keep their names and meanings, and
    ``version`` becomes 2 (:func:`load_settings` then corrects bad values). An
    unreadable version is treated as unversioned. A newer version is left as
    it is.
    """
    found = stored_version(qs)
    if found >= SETTINGS_VERSION:
        return found
    if found < 0:
        found = 0
    # Version 1 had the same keys as version 2 for what it stored; load_settings checks their values.
    qs.setValue(K_VERSION, SETTINGS_VERSION)
    qs.sync()
    return found


def load_settings(qs: QSettings | None = None, *, write_migration: bool = True) -> AppSettings:
    """The settings in ``qs`` (default: the user's), migrated first; never raises.

    Every value is checked against its limits (gdviz.training.settings_schema):
    one outside them is clamped or dropped, with a sentence in ``warnings``
    (also logged). A file that cannot be used at all (not text, not in the
    settings format, larger than 1 MiB, or not one usable value) is renamed to
    ``<name>.bad-<time>`` and the defaults are used. ``write_migration=False``
    reads the store without changing it (no migration, no correction, no
    renaming).
    """
    qs = default_qsettings() if qs is None else qs
    set_aside = ""
    try:
        path = _file_of(qs) if write_migration else None
        if path is not None:
            data = _file_bytes(path)
            format_error = data is not None and _format_error(data)
            why = schema.unusable(data, None if data is None else schema.validate(_raw(qs)), format_error)
            if why:
                dest = _set_aside(qs, path)
                set_aside = str(dest or "")
                msg = (f"The settings file could not be used ({why}); "
                       + (f"it was set aside as {dest.name} and " if dest else "")
                       + "gdviz starts with its default settings.")
                log.warning("gdviz: %s", msg)
                return replace(DEFAULTS, warnings=(msg,), set_aside=set_aside)
        if write_migration:
            migrate(qs)
        checked = schema.validate(_raw(qs))
        if write_migration:  # (a read-only look says nothing: the real load will)
            for w in checked.warnings:
                log.warning("gdviz: settings: %s", w)
            if checked.changed:
                _write_back(qs, checked)
        version = stored_version(qs)
        values = {FIELDS[k]: v for k, v in checked.values.items()}
        return AppSettings(**values, version=max(version, SETTINGS_VERSION), warnings=checked.warnings)
    except Exception as exc:  # noqa: BLE001 - a broken store must not stop the app
        msg = f"The settings could not be read ({type(exc).__name__}: {exc}); gdviz starts with its defaults."
        log.warning("gdviz: %s", msg)
        return replace(DEFAULTS, warnings=(msg,), set_aside=set_aside)


def _write_back(qs: QSettings, checked: schema.Validated) -> None:
    """Store the corrected values so the same warning is not given at every start."""
    s = AppSettings(**{FIELDS[k]: v for k, v in checked.values.items()})
    for key in checked.changed:
        e = schema.SCHEMA[key]
        if checked.values[key] == e.default:
            qs.remove(key)
        else:
            _store(qs, key, s)
    qs.sync()


def _store(qs: QSettings, key: str, s: AppSettings) -> None:
    """Write one key of ``s`` in its stored form."""
    value = getattr(s, FIELDS[key])
    kind = schema.SCHEMA[key].kind
    if kind == "bytes":
        if value:
            qs.setValue(key, QByteArray(value))
        else:
            qs.remove(key)
    elif kind == "paths":
        qs.setValue(key, json.dumps(list(value[:MAX_RECENT])))
    elif kind == "int":
        qs.setValue(key, int(value))
    elif kind == "float":
        qs.setValue(key, float(value))
    elif kind == "pace":
        qs.setValue(key, value if value == "max" else float(value))
    elif kind == "bool":
        qs.setValue(key, bool(value))
    else:
        qs.setValue(key, str(value))


def save_settings(qs: QSettings | None, s: AppSettings) -> None:
    """Write ``s`` to ``qs`` (default: the user's) as version 2."""
    qs = default_qsettings() if qs is None else qs
    qs.setValue(K_VERSION, SETTINGS_VERSION)
    for key in schema.SCHEMA:
        _store(qs, key, s)
    qs.sync()


# ====================================================================== the window
def _controller(window):
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
        lr=float(cfg.lr), batch_size=int(cfg.batch_size), speed=float(cfg.steps_per_second),
        theme=theme if theme in THEMES else "light",
        data=data, data_dir=data_dir,
        display_rate=int(getattr(window, "fps", DEFAULT_FPS)),
        log_cost=bool(window.cost_panel.logScale()),
        recent_checkpoints=ctl.recent() if ctl is not None else (),
        autosave=ctl.autosave if ctl is not None else False,
        # the pace to watch at, not a fast-forward that was on when the window closed
        pace=float(window.controls.watch_pace),
    )


def apply_to_window(window, s: AppSettings, *, training: bool = True, data: bool = False) -> None:
    """Show ``s`` in ``window``: geometry, docks, display rate, log scale, recent files, autosave;
    with ``training`` also η, batch size and speed (sent to the session like a user's change);
    with ``data`` also the data choice (full MNIST / an IDX folder, loaded as the Data menu does).

    ``s.warnings`` (values corrected on load) are shown once in the status bar. A value the
    window refuses is skipped with a logged warning; nothing here stops the window from opening.
    """
    steps = [("window position", _apply_geometry), ("view", _apply_view), ("recent files", _apply_files)]
    if training:
        steps.append(("training settings", _apply_training))
    if data:
        steps.append(("data choice", _apply_data))
    problems = list(s.warnings)
    for what, step in steps:
        try:
            step(window, s)
        except Exception as exc:  # noqa: BLE001 - a stored value must never stop the window
            log.warning("gdviz: could not apply the saved %s", what, exc_info=True)
            problems.append(f"The saved {what} could not be applied ({type(exc).__name__}).")
    window.settings_warnings = tuple(problems)
    if problems:
        head = ("A saved setting was corrected: " if len(problems) == 1 else
                f"{len(problems)} saved settings were corrected: ")
        text = head + " ".join(problems)
        controls = getattr(window, "controls", None)
        if controls is not None and hasattr(controls, "show_message"):
            controls.show_message(text)  # wrapped in full under the controls
        window.statusBar().showMessage(text, 20000)


def _apply_geometry(window, s: AppSettings) -> None:
    if s.geometry:
        window.restoreGeometry(QByteArray(s.geometry))
    if s.window_state:
        window.restoreState(QByteArray(s.window_state))


def _apply_view(window, s: AppSettings) -> None:
    window.set_display_rate(int(s.display_rate))
    window.cost_panel.setLogScale(bool(s.log_cost))
    if callable(getattr(window, "set_theme", None)):
        window.set_theme(s.theme)


def _apply_files(window, s: AppSettings) -> None:
    ctl = _controller(window)
    if ctl is not None:
        ctl.set_recent(s.recent_checkpoints)
        ctl.autosave_action.setChecked(bool(s.autosave))
        ctl.pace = s.pace


def pace_steps_per_second(pace) -> float:
    """The stored pace (steps per second, or "max") as steps per second (0 = as fast as possible)."""
    return 0.0 if pace == "max" else float(pace)


def _apply_training(window, s: AppSettings) -> None:
    c = window.controls
    if s.lr != c.config.lr:
        try:
            c.set_lr(s.lr)
        except SettingError:
            pass
    spin = c.batch_spin
    batch = min(max(int(s.batch_size), spin.minimum()), spin.maximum())  # no more than the training set
    if batch != c.config.batch_size and c.config.optimizer != "gd":
        spin.setValue(batch)  # sends it
    # The pace decides (training/speed is still written, for an older gdviz).
    pace = pace_steps_per_second(s.pace)
    if pace != float(c.config.steps_per_second):
        c.set_pace(pace)  # sends it


def _apply_data(window, s: AppSettings) -> None:
    if s.data == "mnist" and getattr(window.session.dataset, "name", "") != "mnist":
        window.use_full_mnist()
    elif s.data == "idx" and s.data_dir and Path(s.data_dir).is_dir():
        window.open_idx_folder(s.data_dir)


# ====================================================================== recent files, autosave
