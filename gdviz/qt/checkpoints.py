"""Checkpoints from the window: save θ and the settings, or continue from a
saved θ (the current session is kept when the file cannot be used)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from gdviz.training.checkpoint import (
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
    session_from_checkpoint,
)

__all__ = ["save_from_window", "load_into_window", "save_dialog", "open_dialog"]

FILTER = "gdviz checkpoints (*.npz)"


def save_from_window(window, path) -> Path | None:
    """Write the θ ``window`` shows and its settings to ``path``; errors go to a message box."""
    session = window.session
    snap = window.last_snapshot or session.mailbox.peek()
    # θ from the latest snapshot (an immutable copy), never the array the
    # worker is updating; after a divergence the session's last finite θ.
    theta = None if snap is None or snap.diverged or snap.n_params != session.net.n_params else snap.theta
    try:
        written = save_checkpoint(path, session, window.controls.config, theta=theta,
                                  extra={"dataset": getattr(session.dataset, "name", "")})
    except (CheckpointError, OSError, TypeError) as exc:
        window.show_error("Could not save the checkpoint", str(exc))
        return None
    window.statusBar().showMessage(f"Saved checkpoint {written}", 6000)
    return Path(written)


def load_into_window(window, path) -> bool:
    """Continue from the checkpoint at ``path`` in ``window`` (its session untouched on error)."""
    try:
        ckpt = load_checkpoint(path)
        session = window.engine_controller.wrap(session_from_checkpoint(ckpt, window.session.dataset))
    except (CheckpointError, OSError) as exc:
        window.show_error("Could not open the checkpoint", str(exc))
        return False
    except Exception as exc:  # noqa: BLE001 - any failure keeps the current session
        window.show_error("Could not open the checkpoint", f"{path}: {type(exc).__name__}: {exc}")
        return False
    window.replace_session(session)
    window.statusBar().showMessage(
        f"Opened {Path(path).name}: θ after {ckpt.step:,} steps; training counters restart at 0.", 8000)
    return True


def save_dialog(window) -> None:
    """Ask where, then ``window.save_checkpoint(path)``."""
    path, _ = QFileDialog.getSaveFileName(window, "Save checkpoint", "gdviz-checkpoint.npz", FILTER)
    if path:
        if not path.endswith(".npz"):
            path += ".npz"
        window.save_checkpoint(path)


def open_dialog(window) -> None:
    """Ask which, then ``window.load_checkpoint(path)``."""
    path, _ = QFileDialog.getOpenFileName(window, "Open checkpoint", "", f"{FILTER};;All files (*)")
    if path:
        window.load_checkpoint(path)
