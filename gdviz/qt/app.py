"""Entry points of the desktop app: :func:`run_app` and :func:`screenshot`.

``gdviz.cli`` calls them; both create the one ``QApplication`` if there is
none yet. ``screenshot`` works offscreen (``QT_QPA_PLATFORM=offscreen``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from gdviz import limits

__all__ = ["SCREENSHOT_VIEWS", "ensure_app", "run_app", "screenshot"]

#: Named views for :func:`screenshot`: the teaching views (``gdviz.qt.views.VIEWS``,
#: spelled out here so that importing this module stays free of Qt) and presenter mode.
SCREENSHOT_VIEWS: tuple[str, ...] = ("gradient", "step-size", "landscape", "example-cost",
                                     "sgd-vs-gd", "generalisation", "draw", "presenter")


def ensure_app(argv: list[str] | None = None):
    """The running ``QApplication``, created if needed (:func:`gdviz.qt.qapp.ensure_app`)."""
    from gdviz.qt import qapp

    return qapp.ensure_app(argv)


def _load(data: str, data_dir, *, allow_download: bool):
    """(dataset, problem) — problem is a message when the requested data could not be used."""
    from gdviz.data import DataError, load_dataset, load_sample

    if data_dir is None and str(data).strip().lower() == "mnist" and not allow_download:
        from gdviz.data.download import check_cached

        if not all(s == "ok" for s in check_cached().values()):
            return load_sample(), "download"
    try:
        return load_dataset(data, data_dir, progress=False), None
    except DataError as exc:
        return load_sample(), str(exc)


def _config(config):
    from gdviz.training import LESSON, TrainConfig

    if config is None:
        return LESSON
    if isinstance(config, dict):
        return TrainConfig(**config).validated()
    return config.validated()


def run_app(data: str = "sample", data_dir=None, config=None, pace: float | None = None) -> int:
    """Open the window (paused, on ``data``: "sample" or "mnist", or the IDX
    folder ``data_dir``) and run until it is closed; the exit code.

    "mnist" not yet downloaded: the window opens on the sample and fetches it
    in the background with a progress dialog. ``config`` is a
    :class:`~gdviz.training.TrainConfig` (or a dict of its fields). ``pace``:
    steps per second (0: as fast as possible); None: the pace used last.
    """
    app = ensure_app()
    from gdviz.qt.window import MainWindow

    dataset, problem = _load(data, data_dir, allow_download=False)
    window = MainWindow(dataset, _config(config), restore_settings=True if config is None else "view")
    if pace is None and config is not None:  # the command line chose the rest, not the pace
        from gdviz.qt.settings import load_settings, pace_steps_per_second

        pace = pace_steps_per_second(load_settings(window._settings()).pace)
    if pace is not None:
        window.controls.set_pace(pace)
    window.show()
    if os.environ.get("GDVIZ_BENCH"):  # benchmarks/bench_user.py drives the window
        from gdviz.qt.probe_driver import attach

        attach(window)
    app.aboutToQuit.connect(window.shutdown)
    if problem == "download":
        window.use_full_mnist()
    elif problem:
        window.show_error("Could not load the data", f"{problem}\n\nShowing the embedded sample instead.")
    code = app.exec()
    window.save_settings()
    window.shutdown()
    return int(code)


def _window_size(size) -> tuple[int, int]:
    """``(w, h)`` of an offscreen window for a picture: ``ValueError`` below 200 px, and
    ``LimitError`` (a ValueError) over the limits — both before any window exists."""
    w, h = (int(v) for v in size)
    if w < 200 or h < 200:
        raise ValueError(f"size {w}x{h} is too small for the window")
    limits.check_image_size(w, h, "a window")
    return w, h


def screenshot(out, steps: int = 300, size: tuple[int, int] = (1600, 1000), data: str = "sample",
               data_dir=None, view=None, *, presenter: bool = False, timeout: float = 120.0) -> Path:
    """Train ``steps`` mini-batches in the real window and save it as a PNG at ``out``.

    The window is created (offscreen works), the worker does ``steps``
    updates, and the picture is taken once a snapshot of step ``steps`` has
    been rendered. ``view`` names a teaching view to show (or ``"presenter"``);
    ``presenter`` shows it in presenter mode.
    Raises ``ValueError`` for an unknown view, ``TimeoutError`` if training
    stalls, ``OSError`` if the file cannot be written.
    """
    if view is not None and view not in SCREENSHOT_VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(SCREENSHOT_VIEWS)}")
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be 0 or more, not {steps}")
    w, h = _window_size(size)
    from gdviz.data import load_dataset
    from gdviz.qt.offscreen import offscreen_window, save_png, settle

    app = ensure_app()
    dataset = load_dataset(data, data_dir, progress=False)  # DataError propagates
    with offscreen_window(dataset, (w, h)) as window:
        if steps:
            window.session.step(steps)
        last_step, last_change = -1, time.perf_counter()
        while True:
            app.processEvents()
            snap = window.last_snapshot
            if (snap is not None and snap.step >= steps and not snap.running
                    and (snap.step == steps or snap.diverged)):
                break
            step = -1 if snap is None else snap.step
            if step != last_step:
                last_step, last_change = step, time.perf_counter()
            elif time.perf_counter() - last_change > timeout:
                raise TimeoutError(f"training stalled at step {step} of {steps}")
            if snap is not None and snap.diverged:
                break
            time.sleep(0.005)
        if presenter or view == "presenter":
            window.set_presenter_mode(True)
        if view not in (None, "presenter"):
            _show_view_settled(app, window, view, timeout)
        else:  # the live network, whatever tab the settings remember
            window.show_view("live")
        settle()
        window.render(window.last_snapshot)
        app.processEvents()
        return save_png(window, out)


def lesson_screenshot(out, chapter: int, size: tuple[int, int] = (1600, 1000), *, lesson_file=None,
                      presenter: bool = False, data_dir=None, timeout: float = 180.0) -> Path:
    """Open chapter ``chapter`` (1-based) of a lesson as lesson mode prepares it and save the
    window as a PNG. Raises ``LessonError`` for a bad lesson file or chapter number,
    ``TimeoutError`` when the chapter's training steps do not finish."""
    from gdviz.data import load_dataset
    from gdviz.qt.offscreen import offscreen_window, save_png, settle
    from gdviz.training.lesson import LessonError, builtin_lesson, load_lesson

    w, h = _window_size(size)
    lesson = builtin_lesson() if lesson_file is None else load_lesson(lesson_file)
    if not 1 <= int(chapter) <= len(lesson.chapters):
        raise LessonError(f"the lesson has chapters 1 to {len(lesson.chapters)}, not {chapter}")
    app = ensure_app()
    dataset = load_dataset("sample", data_dir, progress=False)
    with offscreen_window(dataset, (w, h)) as window:
        if presenter:
            window.set_presenter_mode(True)
        window.lesson.start(lesson, int(chapter) - 1)
        ctl = window.lesson.controller
        end = time.perf_counter() + timeout
        while not ctl.ready:
            if time.perf_counter() > end:
                raise TimeoutError(f"chapter {chapter} was not ready within {timeout:g} s")
            app.processEvents()
            time.sleep(0.01)
        view = window.current_view()
        if view is not None:
            _show_view_settled(app, window, window.tabs.current_name(), timeout, demo=False)
        settle()
        if window.last_snapshot is not None:
            window.render(window.last_snapshot)
        app.processEvents()
        return save_png(window, out)


def _show_view_settled(app, window, name: str, timeout: float, demo: bool = True) -> None:
    """Show teaching view ``name`` and wait until its background jobs have a result."""
    view = window.show_view(name)
    if demo:
        view.demo()  # e.g. the drawing view draws a digit so the picture is not empty
    end = time.perf_counter() + min(timeout, 20.0)
    settled = 0
    while time.perf_counter() < end:
        view.render(window.last_snapshot)
        app.processEvents()
        settled = settled + 1 if not view.jobs_pending() else 0
        if settled >= 3:
            break
        time.sleep(0.05)
    view.render(window.last_snapshot)
