"""A main window drawn without being on screen (``QT_QPA_PLATFORM=offscreen``
works), for pictures made from the command line: ``gdviz screenshot`` and
``gdviz export REC --png OUT --step N [--panel NAME]``."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from gdviz import limits
from gdviz.data import load_sample
from gdviz.qt.qapp import ensure_app
from gdviz.qt.window import MainWindow
from gdviz.training.recording import RecordingError, open_recording

__all__ = ["offscreen_window", "settle", "save_png", "render_recording_png"]


@contextmanager
def offscreen_window(dataset=None, size: tuple[int, int] = (1600, 1000)):
    """A shown :class:`MainWindow` on ``dataset`` of ``size`` (w, h) pixels, its panels
    laid out; closed and deleted when the block ends."""
    app = ensure_app()
    window = MainWindow(dataset)
    try:
        window.setMinimumSize(200, 200)
        window.resize(*size)
        window.show()
        app.processEvents()
        window.initial_splits()
        yield window
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()


def settle(rounds: int = 3) -> None:
    """Let layouts and repaints settle (a few turns of the event loop)."""
    app = ensure_app()
    for _ in range(rounds):
        app.processEvents()


def save_png(widget, out) -> Path:
    """``widget`` as it is drawn, saved to ``out`` (folders created); the path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(out), "PNG"):
        raise OSError(f"{out}: could not write the image")
    return out


def _dataset_for(name: str):
    """The data a recording was made on, when it is here (the full MNIST cached); else the sample."""
    if name == "mnist":
        try:
            from gdviz.data import load_mnist
            from gdviz.data.download import check_cached

            if all(s == "ok" for s in check_cached().values()):
                return load_mnist(progress=False)
        except Exception:  # noqa: BLE001 - the sample's digits will do
            pass
    return load_sample()


def render_recording_png(recording_path, out, step: int, panel: str | None = None,
                         size: tuple[int, int] = (1600, 1000)) -> Path:
    """Draw ``step`` of a recording in an offscreen window; save the window, or one panel, as PNG.

    Raises ``ValueError`` for an unknown panel or step, ``RecordingError`` for a
    bad recording, ``OSError`` when the image cannot be written.
    """
    limits.check_image_size(*(int(v) for v in size), "a window")  # LimitError (a ValueError)
    with open_recording(recording_path) as rec:  # refuse a bad file before any window
        n_steps, name = rec.n_steps, rec.dataset_name
    if not 0 <= int(step) <= n_steps:
        raise ValueError(f"step {step} is outside the recording (0…{n_steps:,})")
    with offscreen_window(_dataset_for(name), size) as window:
        if panel is not None and panel not in window.panels:
            raise ValueError(f"unknown panel {panel!r}; choose one of {', '.join(window.panels)}")
        if not window.replay.open_recording(recording_path, int(step), quiet=True):
            raise RecordingError(f"{recording_path}: could not be replayed")
        settle()
        window.replay.show_step(int(step))
        settle(1)
        return save_png(window if panel is None else window.panels[panel], out)
