"""The start-up check for Qt's X11 libraries: ldd's output read right, sonames named as
Debian packages, one clear message and exit code 1, and the README's apt line."""

from __future__ import annotations

import ctypes
import re
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdviz import preflight
from gdviz.preflight import Problem, check, debian_package, message, missing_libraries, uses_xcb
from repo_paths import REPO

LDD_ICCCM_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd1b5f2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x00007f8c)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f8ccdfa6000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007f8ccec6c000)
"""


def test_not_found_lines_are_the_missing_libraries_each_once():
    assert missing_libraries(LDD_ICCCM_MISSING) == (
        "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxkbcommon-x11.so.0")
    assert missing_libraries("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == ()
    assert missing_libraries("") == ()


@pytest.mark.parametrize("soname, package", [
    ("libxcb-icccm.so.4", "libxcb-icccm4"), ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"), ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libEGL.so.1", "libegl1"), ("libGL.so.1", "libgl1"), ("libdbus-1.so.3", "libdbus-1-3"),
    ("libfontconfig.so.1", "libfontconfig1"), ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libglib-2.0.so.0", "libglib2.0-0"), ("libxcb-render-util.so.0", "libxcb-render-util0"),
])
def test_sonames_become_debian_packages(soname, package):
    assert debian_package(soname) == package


@given(st.text())
def test_any_ldd_output_is_read_without_error(text):
    found = missing_libraries(text)
    assert len(set(found)) == len(found)
    assert all(f"{lib} => not found" in text for lib in found)


def test_check_with_a_fake_ldd_names_libraries_and_packages(monkeypatch, tmp_path):
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    monkeypatch.setattr(preflight, "_plugin_files", lambda: [plugin])
    problem = check(lambda path: LDD_ICCCM_MISSING)
    assert problem == Problem(("libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxkbcommon-x11.so.0"),
                              ("libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0"))
    text = message(problem)
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0" in text
    assert "libxcb-keysyms.so.1" in text
    assert check(lambda path: "\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") is None

    def broken(path):
        raise OSError("no ldd")
    assert check(broken) is None  # what cannot be checked lets Qt speak for itself


def test_the_app_exits_with_one_message_instead_of_qts_abort(monkeypatch, capsys):
    monkeypatch.setattr(preflight, "check", lambda run=None: Problem(("libxcb-icccm.so.4",), ("libxcb-icccm4",)))
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    from gdviz import cli

    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "libxcb-icccm.so.4" in err and "sudo apt install libxcb-icccm4" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("env, xcb", [
    ({"DISPLAY": ":0"}, True), ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False), ({}, False),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "xcb"}, True),
])
def test_only_the_x11_platform_is_checked(monkeypatch, env, xcb):
    monkeypatch.setattr("sys.platform", "linux")
    assert uses_xcb(env) is xcb


def test_real_ldd_on_the_real_plugin():
    """Whatever this machine lacks is named, really cannot be loaded, and the README's line installs it."""
    if shutil.which("ldd") is None or not preflight._plugin_files():
        pytest.skip("no ldd or no PySide6 xcb plugin here")
    problem = check()
    readme_line = preflight.APT_LINE.split("install ", 1)[1].split()
    if problem is not None:
        for lib in problem.libraries:
            with pytest.raises(OSError):
                ctypes.CDLL(lib)
        assert set(problem.packages) <= set(readme_line), problem
    assert problem is None, message(problem)


def test_readme_shows_the_apt_line_in_plain_text():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    visible = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    assert preflight.APT_LINE in visible


def test_a_local_display_nobody_listens_on_is_named(monkeypatch, capsys):
    import socket
    assert preflight.local_display_unreachable(":987")
    assert not preflight.local_display_unreachable("remote.example:0")  # not ours to judge
    # a server listening on the abstract socket counts as there
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind("\0/tmp/.X11-unix/X986")
        server.listen(1)
        assert not preflight.local_display_unreachable(":986")
    monkeypatch.setattr(preflight, "check", lambda run=None: None)
    monkeypatch.setattr("sys.platform", "linux")
    with pytest.raises(SystemExit) as exc:
        preflight.exit_if_qt_cannot_start({"DISPLAY": ":987"})
    assert exc.value.code == 1
    assert "no X server answers on display :987" in capsys.readouterr().err
