"""Commands that open or render the window: ``gdviz``, ``gdviz train`` (without
--headless) and ``gdviz screenshot``. Qt is imported inside the functions."""

from __future__ import annotations

import sys
from pathlib import Path

from gdviz import preflight
from gdviz.cli.args import EXIT_OK, UsageError


def _check_data_dir(data_dir) -> None:
    if data_dir is not None:
        p = Path(data_dir)
        if not p.exists():
            raise UsageError(f"data folder not found: {p}")
        if not p.is_dir():
            raise UsageError(f"{p} is not a folder (give the folder that holds the four IDX files)")


def _has_display() -> bool:
    """True when Qt can open a window: a display server, or a platform chosen by hand."""
    import os

    return bool(os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY")
                or os.environ.get("WAYLAND_DISPLAY") or sys.platform in ("win32", "darwin"))


def _open_window(data, data_dir, config=None, pace=None) -> int:
    _check_data_dir(data_dir)
    if not _has_display():
        raise UsageError("no display to open the window on (DISPLAY is not set); "
                         "use 'gdviz train --headless', or 'gdviz screenshot' to render the window to a file")
    preflight.exit_if_qt_cannot_start()  # missing X11 libraries: say which, exit 1 (not Qt's abort)
    try:
        from gdviz.qt.app import run_app
    except ImportError as exc:
        raise UsageError(f"cannot open the window ({exc}); "
                         "install PySide6-Essentials, or use 'gdviz train --headless'") from None
    from gdviz.data import DataError
    from gdviz.training.config import SettingError

    try:
        return int(run_app(data=data, data_dir=data_dir, config=config, pace=pace) or 0)
    except (DataError, SettingError) as exc:
        raise UsageError(str(exc)) from None


def cmd_screenshot(args) -> int:
    _check_data_dir(args.data_dir)
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise UsageError(f"the screenshot is saved as PNG: give a file name ending in .png, not {out.name!r}")
    if not out.parent.is_dir() and str(out.parent):
        raise UsageError(f"folder not found for the screenshot: {out.parent}")
    if not _has_display():  # a screenshot needs no screen: render offscreen
        import os

        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        from gdviz.qt.app import screenshot
    except ImportError as exc:
        raise UsageError(f"screenshots need the window ({exc}); install PySide6-Essentials") from None
    from gdviz.data import DataError
    from gdviz.training.config import SettingError

    from gdviz.training.lesson import LessonError

    try:
        if args.lesson is not None:
            from gdviz.qt.app import lesson_screenshot

            path = lesson_screenshot(out, args.lesson, size=args.size, lesson_file=args.lesson_file,
                                     presenter=args.presenter, data_dir=args.data_dir)
        else:
            path = screenshot(out, steps=args.steps, size=args.size, data=args.data,
                              data_dir=args.data_dir, view=args.view, presenter=args.presenter)
    except (DataError, SettingError, LessonError) as exc:
        raise UsageError(str(exc)) from None
    except ValueError as exc:  # e.g. an unknown --view name, a size too small
        raise UsageError(str(exc)) from None
    except OSError as exc:  # cannot write the file; training stalled (TimeoutError)
        raise UsageError(f"no screenshot: {exc}") from None
    print(path)
    return EXIT_OK
