"""Settings that persist: versioned QSettings (migration from version 1 and from an
unversioned/empty store, bad values -> defaults), applying them to the window,
recent checkpoints and autosave. Every store is a temporary INI file, never the
user's settings."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gdviz.qt import recent_files

pytest.importorskip("pytestqt")
from PySide6.QtCore import QByteArray, QSettings

from gdviz.qt import settings as st  # noqa: E402
from gdviz.training import LESSON  # noqa: E402

WAIT = 15_000


@pytest.fixture
def ini(tmp_path):
    """A QSettings on a temporary INI file (a fresh one per test)."""
    return QSettings(str(tmp_path / "gdviz.ini"), QSettings.Format.IniFormat)


def reopen(qs: QSettings) -> QSettings:
    qs.sync()
    return QSettings(qs.fileName(), QSettings.Format.IniFormat)


def write_v1(qs: QSettings, geometry: bytes | None = b"\x01\xd9\xd0\xcb\x00\x03geom", fps=15, log=True,
             version=1) -> None:
    """What MainWindow.save_settings wrote with SETTINGS_VERSION = 1."""
    if version is not None:
        qs.setValue("version", version)
    if geometry is not None:
        qs.setValue("window/geometry", QByteArray(geometry))
    qs.setValue("view/fps", fps)
    qs.setValue("view/log_cost", log)
    qs.sync()


# ====================================================================== the store
def test_defaults_from_an_empty_store(ini):
    s = st.load_settings(ini)
    assert s == st.DEFAULTS
    assert (s.lr, s.batch_size, s.display_rate, s.theme, s.data) == (LESSON.lr, 10, 30, "light", "sample")
    assert s.recent_checkpoints == () and not s.autosave and not s.log_cost
    assert reopen(ini).value("version") in (2, "2")  # marked as version 2


def test_migration_from_version_1(ini):
    write_v1(ini)
    qs = reopen(ini)
    assert st.stored_version(qs) == 1
    assert st.migrate(qs) == 1
    qs = reopen(qs)
    assert st.stored_version(qs) == 2
    s = st.load_settings(qs)
    assert s.geometry == b"\x01\xd9\xd0\xcb\x00\x03geom"
    assert s.display_rate == 15 and s.log_cost is True
    # keys version 1 did not have take their defaults
    assert (s.lr, s.batch_size, s.speed, s.theme, s.recent_checkpoints, s.autosave) == (
        st.DEFAULTS.lr, st.DEFAULTS.batch_size, st.DEFAULTS.speed, "light", (), False)
    assert st.migrate(qs) == 2  # already done: nothing happens


def test_migration_from_version_1_drops_bad_values(ini):
    write_v1(ini, geometry=None, fps="fast", log="perhaps")
    ini.setValue("window/geometry", "not bytes")
    qs = reopen(ini)
    s = st.load_settings(qs)
    assert s.geometry is None and s.display_rate == 30 and s.log_cost is False
    qs = reopen(qs)
    assert not qs.contains("view/fps") and not qs.contains("window/geometry")


def test_unversioned_store_is_read_as_version_1(ini):
    write_v1(ini, version=None, fps=60, log=False)
    s = st.load_settings(reopen(ini))
    assert s.display_rate == 60 and s.log_cost is False and s.geometry is not None
    assert st.stored_version(reopen(ini)) == 2


def test_unreadable_version_and_bad_values_fall_back_without_exception(ini):
    for key, value in {"version": "two", "training/lr": "abc", "training/batch_size": "-3",
                       "training/speed": "-1", "view/fps": "1000", "view/log_cost": "perhaps",
                       "view/theme": "purple", "data/choice": "tape", "data/idx_dir": "",
                       "files/recent_checkpoints": "[not json", "files/autosave": "2",
                       "window/state": 17}.items():
        ini.setValue(key, value)
    s = st.load_settings(reopen(ini))
    # a plain string is one path; a display rate above the limit is clamped to it, the rest dropped
    assert s == replace(st.DEFAULTS, recent_checkpoints=("[not json",), display_rate=60)
    assert len(s.warnings) == 9 and any("display rate 1000 is above 60" in w for w in s.warnings)
    ini2 = reopen(ini)
    for value in ("1e9", "nan", "inf", "0"):
        ini2.setValue("training/lr", value)
        assert st.load_settings(ini2).lr == st.DEFAULTS.lr
    ini2.setValue("files/recent_checkpoints", json.dumps([1, None, "a.npz", "a.npz", "b.npz"] + ["x"] * 20))
    assert st.load_settings(ini2).recent_checkpoints[:2] == ("a.npz", "b.npz")
    assert len(st.load_settings(ini2).recent_checkpoints) == 3


def test_a_newer_store_is_read_not_migrated(ini):
    ini.setValue("version", 3)
    ini.setValue("view/fps", 10)
    ini.setValue("future/thing", "x")
    s = st.load_settings(reopen(ini))
    assert s.display_rate == 10 and s.version == 3
    qs = reopen(ini)
    assert st.stored_version(qs) == 3 and qs.value("future/thing") == "x"


def test_save_and_load_round_trip(ini):
    s = st.AppSettings(geometry=b"g\x00eo", window_state=b"\xffstate", lr=0.5, batch_size=32, speed=100.0,
                       theme="dark", data="idx", data_dir="/data/mnist", display_rate=15, log_cost=True,
                       recent_checkpoints=("/a/b.npz", "/c, d/e.npz"), autosave=True)
    st.save_settings(ini, s)
    assert st.load_settings(reopen(ini)) == s


# ====================================================================== the window
@pytest.fixture
def make_window(qtbot, tiny, tmp_path):
    from gdviz.qt.window import MainWindow

    made = []

    def make(qs, data_dir=None):
        win = MainWindow(tiny)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        qtbot.waitUntil(lambda: win.last_snapshot is not None, timeout=WAIT)
        win._test_settings = recent_files.attach(win, qs, data_dir=data_dir or tmp_path / "appdata")
        win.settings_controller = win._test_settings  # instead of the window's own (no store)
        made.append(win)
        return win

    yield make
    for win in made:
        win.close()


def test_apply_to_window_and_read_back(qtbot, make_window, ini):
    win = make_window(ini)
    s = replace(st.DEFAULTS, lr=0.5, batch_size=20, speed=10.0, display_rate=15, log_cost=True,
                recent_checkpoints=("/nowhere/a.npz",), autosave=True)
    st.apply_to_window(win, s)
    assert win.fps == 15 and win.cost_panel.logScale()
    assert win.controls.config.lr == 0.5 and win.controls.config.batch_size == 20
    assert win.controls.config.steps_per_second == 10.0
    assert win._test_settings.recent() == ("/nowhere/a.npz",) and win._test_settings.autosave
    win.session.step(1)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 1, timeout=WAIT)
    assert win.last_snapshot.lr == 0.5 and win.last_snapshot.batch_size == 20  # sent to the session
    win.controls_dock.hide()  # the dock layout is part of the window state
    back = st.read_from_window(win)
    assert (back.lr, back.batch_size, back.speed, back.display_rate, back.log_cost) == (0.5, 20, 10.0, 15, True)
    assert back.recent_checkpoints == ("/nowhere/a.npz",) and back.autosave and back.data == "sample"
    assert back.geometry and back.window_state
    # through the store and into a second window: geometry and docks too
    st.save_settings(ini, back)
    assert bytes(win.saveGeometry().data()) == back.geometry
    win2 = make_window(reopen(ini))
    assert win2.controls_dock.isVisible()
    st.apply_to_window(win2, st.load_settings(reopen(ini)), training=False)
    assert win2.fps == 15 and win2.controls.config.lr == st.DEFAULTS.lr  # training=False leaves η alone
    assert not win2.controls_dock.isVisible()  # (the offscreen screen is too small to check the size)


def test_recent_checkpoints_menu(qtbot, make_window, ini, tmp_path):
    win = make_window(ini)
    ctl = win._test_settings
    from gdviz.qt.menus import find_menu

    texts = [a.text() for a in find_menu(win, "File").actions()]
    i = texts.index("&Open checkpoint…")
    assert texts[i + 1: i + 3] == ["Recent checkpoints", "Autosave on quit"]
    paths = []
    for k in range(10):  # only the last 8 are kept, newest first
        p = win.save_checkpoint(tmp_path / f"c{k}.npz")
        assert p is not None
        paths.append(str(p.resolve()))
    assert ctl.recent() == tuple(reversed(paths))[:8]
    assert json.loads(reopen(ini).value("files/recent_checkpoints")) == list(ctl.recent())  # stored at once
    # a file that has gone is greyed out in the menu
    Path(paths[-1]).unlink()
    ctl.rebuild_recent_menu()
    entries = {a.data(): a for a in ctl.recent_actions}
    assert not entries[paths[-1]].isEnabled() and "(missing)" in entries[paths[-1]].text()
    assert entries[paths[-2]].isEnabled()
    # opening it anyway (it vanished after the menu was drawn) says so and drops it
    session = win.session
    assert not ctl.open_recent(paths[-1])
    assert "no longer exists" in win.message_boxes[-1].text()
    assert paths[-1] not in ctl.recent() and win.session is session
    # opening one that exists loads it and puts it on top
    assert ctl.open_recent(paths[3])
    assert ctl.recent()[0] == paths[3] and win.session is not session
    Path(paths[4]).unlink()
    assert ctl.remove_missing() == 1 and paths[4] not in ctl.recent()


def test_unreadable_recent_checkpoint_leaves_the_session(qtbot, make_window, ini, tmp_path):
    win = make_window(ini)
    ctl = win._test_settings
    win.session.step(3)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 3 and not win.session.busy, timeout=WAIT)
    good = win.save_checkpoint(tmp_path / "good.npz")
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])  # truncated behind gdviz's back
    session, snap = win.session, win.last_snapshot
    theta = snap.theta.copy()
    assert not ctl.open_recent(good)
    box = win.message_boxes[-1]
    assert "good.npz" in box.text() and ("truncated" in box.text() or "damaged" in box.text())
    assert win.session is session and win.thread.isRunning()
    np.testing.assert_array_equal(win.last_snapshot.theta, theta)
    assert win.last_snapshot.step == 3


def test_autosave_on_quit(qtbot, make_window, ini, tmp_path):
    from gdviz.training.checkpoint import load_checkpoint

    appdata = tmp_path / "appdata"
    win = make_window(ini, appdata)
    ctl = win._test_settings
    assert ctl.on_close() is None and not (appdata / "autosave.npz").exists()  # off by default
    ctl.autosave_action.setChecked(True)
    assert st.load_settings(reopen(ini)).autosave  # stored at once
    win.session.step(7)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 7 and not win.session.busy, timeout=WAIT)
    path = ctl.on_close()
    assert path == appdata / "autosave.npz" and path.exists()
    ckpt = load_checkpoint(path)
    np.testing.assert_array_equal(ckpt.theta, win.last_snapshot.theta)
    assert ckpt.extra["autosave"] is True and ckpt.step == 7
    # the autosave is offered at the top of Recent checkpoints
    ctl.rebuild_recent_menu()
    first = ctl.recent_menu.actions()[0]
    assert first.text().startswith("Autosaved on quit")
    # a damaged autosave: a clear message, the session untouched
    path.write_bytes(b"PK\x03\x04garbage")
    session = win.session
    first.trigger()
    assert "autosave.npz" in win.message_boxes[-1].text()
    assert win.session is session
    # an autosave that cannot be written gives no exception (the window is closing)
    ctl.data_dir = tmp_path / "file-not-folder"
    ctl.data_dir.write_text("x")
    assert ctl.on_close() is None and ctl.autosave_error


def test_without_a_store_nothing_is_written(qtbot, tiny, tmp_path, monkeypatch):
    """A window made without a store (tests, screenshots) keeps its recent list in memory."""
    from gdviz.qt.window import MainWindow

    writes = []
    monkeypatch.setattr(QSettings, "setValue", lambda self, *a: writes.append(a))
    win = MainWindow(tiny)
    qtbot.addWidget(win)
    ctl = recent_files.attach(win, None, data_dir=tmp_path / "appdata")
    try:
        qtbot.waitUntil(lambda: win.last_snapshot is not None, timeout=WAIT)
        assert win.save_checkpoint(tmp_path / "c.npz") is not None
        ctl.autosave_action.setChecked(True)
        assert ctl.recent() == (str((tmp_path / "c.npz").resolve()),)
        assert writes == []
    finally:
        win.close()
