"""A settings file can never stop gdviz: the window opens whatever the file holds, corrected
values are stored and named once in the status bar, and an unusable file is set aside.

The window tests write the user's settings file (QSettings("gdviz", "gdviz")), which lives in
the temporary XDG_CONFIG_HOME that tests/conftest.py sets up, never the developer's."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst
from PySide6.QtCore import QSettings

from gdviz.qt import settings as st
from gdviz.training import settings_schema as sc

from settings_limits import assert_within_limits

WAIT = 15_000


def user_file() -> Path:
    return Path(QSettings("gdviz", "gdviz").fileName())


@pytest.fixture
def settings_file():
    """The user's settings file (in the tests' temporary config folder), removed before and after,
    with whatever was set aside beside it."""
    path = user_file()
    assert "gdviz-test-config-" in str(path)  # never the developer's settings

    def clean():
        for p in path.parent.glob(path.name + "*"):
            p.unlink()

    clean()
    yield path
    clean()


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    time.sleep(0.01)  # a new modification time, so Qt's cache of the file sees the change


@pytest.fixture
def start_window(qtbot, tiny):
    """Open the window as `gdviz` does (restore_settings=True reads the user's settings)."""
    from gdviz.qt.window import MainWindow

    made = []

    def start():
        win = MainWindow(tiny, restore_settings=True, engine="thread")
        qtbot.addWidget(win)
        made.append(win)
        win.show()
        qtbot.waitUntil(lambda: win.last_snapshot is not None, timeout=WAIT)
        return win

    yield start
    for win in made:
        win.close()


@pytest.mark.parametrize("value", ["3000000000", "1e308"])
def test_a_huge_batch_size_no_longer_stops_the_window(settings_file, start_window, qtbot, value):
    """The crash of issue 11: OverflowError in batch_spin.setValue at every start."""
    write(settings_file, f"[training]\nbatch_size={value}\n".encode())
    win = start_window()
    assert win.controls.config.batch_size == 600  # the limit, then the training set's size
    assert win.controls.batch_spin.value() == 600
    message = win.statusBar().currentMessage()
    assert "batch size" in message and value in message and "1,000,000" in message
    assert len(win.settings_warnings) == 1
    win.session.step(1)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 1, timeout=WAIT)
    assert win.last_snapshot.batch_size == 600
    # the corrected value is stored at once: the next start is quiet
    assert QSettings(str(settings_file), QSettings.Format.IniFormat).value("training/batch_size") in (
        1_000_000, "1000000")
    win.close()
    win2 = start_window()
    assert win2.settings_warnings == () and win2.controls.config.batch_size == 600


def test_every_bad_value_is_named_once_and_the_window_opens(settings_file, start_window):
    write(settings_file, b"[training]\nlr=1e9\nbatch_size=-3\nspeed=abc\npace=fast\n"
                         b"[view]\nfps=1000\ntheme=purple\n[window]\ngeometry=@ByteArray(\\x1\\x2)\n")
    win = start_window()
    assert win.controls.config.lr == sc.LESSON.lr and win.controls.config.batch_size == 10 and win.fps == 60
    assert len(win.settings_warnings) == 6
    message = win.statusBar().currentMessage()
    assert message.startswith("6 saved settings were corrected:") and "learning rate" in message


@pytest.mark.parametrize("data, why", [
    (b"\x00\xff\xfe\x01garbage\x7f" * 10, "not a text file"),
    (b"[training\nlr=3\n", "not in the settings format"),
    (b"[training]\nlr=abc\nbatch_size=[1]\n[view]\nfps=fast\nlog_cost=perhaps\n", "none of its values"),
])
def test_an_unusable_file_is_set_aside(settings_file, start_window, data, why):
    write(settings_file, data)
    win = start_window()
    aside = list(settings_file.parent.glob(settings_file.name + ".bad-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == data  # kept for the curious, out of the way
    assert win.controls.config.batch_size == 10 and win.fps == st.DEFAULT_FPS
    (warning,) = win.settings_warnings
    assert why in warning and aside[0].name in warning and "default settings" in warning
    assert why in win.statusBar().currentMessage()
    win.save_settings()  # a fresh file takes its place
    assert st.load_settings(QSettings(str(settings_file), QSettings.Format.IniFormat)).warnings == ()


def test_a_file_larger_than_the_limit_is_set_aside(settings_file, tmp_path):
    write(settings_file, b"[view]\nfps=15\n" + b"# padding\n" * (sc.MAX_FILE_BYTES // 10 + 1))
    s = st.load_settings(QSettings(str(settings_file), QSettings.Format.IniFormat))
    assert s.set_aside and "larger than 1 MiB" in s.warnings[0] and s.display_rate == 30


def test_reading_without_writing_changes_nothing(tmp_path):
    path = tmp_path / "gdviz.ini"
    data = b"\x00garbage[training]\nbatch_size=3000000000\n"
    path.write_bytes(data)
    s = st.load_settings(QSettings(str(path), QSettings.Format.IniFormat), write_migration=False)
    assert_within_limits({k: getattr(s, st.FIELDS[k]) for k in sc.SCHEMA})
    assert path.read_bytes() == data and not s.set_aside


# ====================================================================== fuzz of the file
keys = hst.sampled_from(sorted(sc.SCHEMA) + ["version", "General/version", "training/x", "a b/c=d"])
ini_values = hst.one_of(
    hst.text(alphabet=hst.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=40),
    hst.from_regex(r"-?[0-9]{1,25}(\.[0-9]+)?(e[+-]?[0-9]{1,3})?", fullmatch=True),
    hst.sampled_from(["max", "nan", "inf", "true", "perhaps", "@ByteArray(\\x1\\xd9)", "@ByteArray(",
                      "@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x5bfoo)", "@Variant(\\0\\0\\0\\x2\\0\\0\\0\\x5)",
                      '"quoted, with comma"', "a, b, c", '["/a.npz", 3]', "3000000000", "1e308"]),
)


def ini_text(pairs) -> bytes:
    """TOML-ish text as a person would edit it: [group] headers and name = value lines."""
    lines, group = [], None
    for key, value, spaced in pairs:
        g, _, name = key.rpartition("/")
        if g != group:
            lines.append(f"[{g or 'General'}]")
            group = g
        lines.append(f"{name} = {value}" if spaced else f"{name}={value}")
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


def check_loaded(s: st.AppSettings, path: Path) -> None:
    assert_within_limits({k: getattr(s, st.FIELDS[k]) for k in sc.SCHEMA})
    if s.set_aside:
        assert Path(s.set_aside).exists() and Path(s.set_aside).name.startswith(path.name + ".bad-")
    # the store now holds only usable values: reading it again gives no warning
    again = st.load_settings(QSettings(str(path), QSettings.Format.IniFormat))
    assert again.warnings == () and again == s


def fresh(tmp_path: Path, data: bytes) -> Path:
    folder = tmp_path / f"f{time.perf_counter_ns()}"
    folder.mkdir()
    path = folder / "gdviz.conf"
    path.write_bytes(data)
    return path


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hst.lists(hst.tuples(keys, ini_values, hst.booleans()), max_size=15))
def test_fuzz_settings_text_never_stops_loading(qapp, tmp_path, pairs):
    path = fresh(tmp_path, ini_text(pairs))
    check_loaded(st.load_settings(QSettings(str(path), QSettings.Format.IniFormat)), path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hst.one_of(hst.binary(max_size=3000),
                  hst.lists(hst.sampled_from([b"[training]\n", b"batch_size=3000000000\n", b"\x00", b"\xff",
                                              b"=\n", b"[\n", b"lr=\\\n", b"@ByteArray(", b"\r"]), max_size=30)
                  .map(b"".join)))
def test_fuzz_settings_bytes_never_stop_loading(qapp, tmp_path, data):
    path = fresh(tmp_path, data)
    check_loaded(st.load_settings(QSettings(str(path), QSettings.Format.IniFormat)), path)
