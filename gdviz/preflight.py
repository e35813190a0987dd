"""Before the window opens: can Qt load its X11 (xcb) platform plugin here?

On a fresh Debian/Ubuntu machine ``pip install`` brings Qt but not the X11
libraries its xcb plugin links to; Qt then aborts with a message that names
one library (``libxcb-cursor0``) whatever is missing. :func:`check` runs
``ldd`` on PySide6's ``libqxcb.so`` (and ``libQt6XcbQpa``), and
:func:`exit_if_qt_cannot_start` prints which libraries are missing and the
``apt`` command that installs them, then exits with code 1.

No Qt here: PySide6's folder is found with ``importlib`` without importing it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["APT_LINE", "Problem", "check", "debian_package", "exit_if_qt_cannot_start",
           "local_display_unreachable", "message", "missing_libraries", "uses_xcb"]

#: The Debian/Ubuntu packages the window needs beyond Python (the README shows this line).
APT_PACKAGES = ("libgl1", "libegl1", "libglib2.0-0", "libfontconfig1", "fonts-dejavu-core", "libdbus-1-3",
                "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-shape0",
                "libxcb-xkb1")
APT_LINE = "sudo apt install " + " ".join(APT_PACKAGES)

#: Libraries whose Debian package is not the soname's usual spelling.
_PACKAGES = {
    "libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0", "libgio-2.0.so.0": "libglib2.0-0",
    "libz.so.1": "zlib1g", "libgcc_s.so.1": "libgcc-s1", "libharfbuzz.so.0": "libharfbuzz0b",
    "libGLdispatch.so.0": "libglvnd0", "libpcre2-8.so.0": "libpcre2-8-0",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$")
LDD_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Problem:
    """What keeps the window from opening: the missing ``libraries`` and their ``packages``."""

    libraries: tuple[str, ...]
    packages: tuple[str, ...]


def missing_libraries(ldd_output: str) -> tuple[str, ...]:
    """The sonames ``ldd`` reports as "not found", each once, in the order given."""
    seen: dict[str, None] = {}
    for line in ldd_output.splitlines():
        m = _NOT_FOUND.match(line)
        if m:
            seen.setdefault(m.group(1))
    return tuple(seen)


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships ``soname`` (``libxcb-icccm.so.4`` -> ``libxcb-icccm4``).

    Debian names a library package after its soname: the name before ``.so``
    in lower case, then the version, with a ``-`` between when the name ends
    in a digit (``libxkbcommon-x11.so.0`` -> ``libxkbcommon-x11-0``).
    """
    if soname in _PACKAGES:
        return _PACKAGES[soname]
    name, sep, version = soname.partition(".so.")
    if not sep or not version:
        return soname
    name = name.lower()
    version = version.split(".")[0]
    return f"{name}{'-' if name[-1:].isdigit() else ''}{version}"


def uses_xcb(environ=None) -> bool:
    """True when Qt will use its X11 plugin: on Linux with DISPLAY set and QT_QPA_PLATFORM
    xcb, or unset outside a Wayland session."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux") or not env.get("DISPLAY"):
        return False
    platform = env.get("QT_QPA_PLATFORM", "").strip().lower()
    if not platform:  # Qt prefers Wayland in a Wayland session, X11 otherwise
        return not env.get("WAYLAND_DISPLAY")
    return platform == "xcb" or platform.startswith("xcb:")


def _plugin_files() -> list[Path]:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    qt = Path(list(spec.submodule_search_locations)[0]) / "Qt"
    files = [qt / "plugins" / "platforms" / "libqxcb.so"]
    files += sorted((qt / "lib").glob("libQt6XcbQpa.so*"))[:1]
    return [f for f in files if f.is_file()]


def check(run=None) -> Problem | None:
    """Run ``ldd`` on the xcb plugin; a :class:`Problem` when libraries are missing, else None.

    ``run(path) -> str`` gives ldd's output (tests pass a fake). Whatever
    cannot be checked (no ldd, no plugin, ldd failing) counts as no problem:
    Qt then speaks for itself.
    """
    if run is None:
        ldd = shutil.which("ldd")
        if ldd is None:
            return None

        def run(path):
            return subprocess.run([ldd, str(path)], capture_output=True, text=True,
                                  timeout=LDD_TIMEOUT_S, check=False).stdout
    missing: dict[str, None] = {}
    for path in _plugin_files():
        try:
            out = run(path)
        except (OSError, subprocess.SubprocessError):
            continue
        for lib in missing_libraries(out or ""):
            missing.setdefault(lib)
    if not missing:
        return None
    packages = tuple(dict.fromkeys(debian_package(lib) for lib in missing))
    return Problem(tuple(missing), packages)


def message(problem: Problem) -> str:
    """What to print: the missing libraries and the command that installs them."""
    libs = ", ".join(problem.libraries)
    return (f"gdviz: error: the window cannot open: Qt's X11 plugin needs {libs}, "
            f"which {'is' if len(problem.libraries) == 1 else 'are'} not installed.\n"
            f"On Debian or Ubuntu install {'it' if len(problem.packages) == 1 else 'them'} with:\n"
            f"    sudo apt install {' '.join(problem.packages)}\n"
            f"(or train without a window: gdviz train --headless)")


def local_display_unreachable(display: str) -> bool:
    """True when ``display`` is a local X display (``:N``) that no server listens on.

    Tries the abstract socket ``@/tmp/.X11-unix/XN`` and the file ``/tmp/.X11-unix/XN``;
    remote displays (``host:N``) and anything unusual count as reachable.
    """
    m = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display.strip())
    if m is None or not hasattr(socket, "AF_UNIX"):
        return False
    path = f"/tmp/.X11-unix/X{m.group(1)}"
    for address in ("\0" + path, path):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(2.0)
                sock.connect(address)
                return False
        except OSError:
            continue
    return True


def exit_if_qt_cannot_start(environ=None, run=None) -> None:
    """Before the QApplication: print what is wrong and exit with code 1 when the xcb plugin
    cannot load or the local X display is not there (only when Qt will use X11)."""
    env = os.environ if environ is None else environ
    if not uses_xcb(env):
        return
    problem = check(run)
    if problem is not None:
        print(message(problem), file=sys.stderr)
        raise SystemExit(1)
    display = env.get("DISPLAY", "")
    if local_display_unreachable(display):
        print(f"gdviz: error: the window cannot open: no X server answers on display {display} "
              "(DISPLAY is set, but nothing listens there).\n"
              "Start gdviz from the desktop session, or train without a window: gdviz train --headless",
              file=sys.stderr)
        raise SystemExit(1)
