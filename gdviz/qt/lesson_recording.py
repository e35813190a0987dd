"""Recording a lesson: *Record from step 0* and a Reset that never loses a recording.

``attach(window)`` (after the replay controller, ``window.replay``) adds
File ▸ **Record from step 0…**: back to step 0 with the same initial weights,
and the recording starts with the new run's first snapshot, so a replay shows
the whole lesson. It also guards every Reset (Ctrl+R, New seed, the presets)
while a recording runs:

* nothing recorded yet: the recording simply starts again at the new step 0;
* otherwise the window asks: save the recording and reset, reset and record
  the new run too (into ``NAME-2.gdvrec``), or cancel.

An empty recording is never saved (see ``ReplayController.stop_recording``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from gdviz.qt.menus import find_menu, insert_into

__all__ = ["LessonRecording", "attach", "next_free_path"]


def next_free_path(path: Path) -> Path:
    """``run.gdvrec`` -> ``run-2.gdvrec`` (or -3, ... the first that does not exist)."""
    path = Path(path)
    stem = path.stem
    if "-" in stem and stem.rsplit("-", 1)[1].isdigit():
        stem = stem.rsplit("-", 1)[0]
    n = 2
    while True:
        cand = path.with_name(f"{stem}-{n}{path.suffix}")
        if not cand.exists() and not cand.with_name(cand.name + ".part").exists():
            return cand
        n += 1


class LessonRecording(QObject):
    """Record-from-step-0 and the Reset guard for one MainWindow (see the module docstring).

    ``pending``: the path a recording will start to at the next run's step 0, or None.
    ``question``: the open "reset while recording?" box, or None.
    """

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("LessonRecording")
        self.window = window
        self.replay = window.replay
        self.pending: Path | None = None
        self._pending_after_run = None  # the run id the pending recording must not start in
        self._bypass = False
        self.question: QMessageBox | None = None
        self.action = QAction("Record from &step 0…", window)
        self.action.setObjectName("RecordFromStep0")
        self.action.setStatusTip("Back to step 0 (same initial weights) and record the whole run from there")
        self.action.triggered.connect(self.record_dialog)
        menu = find_menu(window, "File")
        if menu is not None and self.replay.record_action in menu.actions():
            menu.insertAction(self.replay.record_action, self.action)  # just above "Record this run…"
        elif menu is not None:
            insert_into(menu, [self.action])
        self.replay.recordingChanged.connect(self._update_action)
        self.replay.modeChanged.connect(self._update_action)
        window.controls.reset_guard = self.guard
        window.frameRendered.connect(self._frame_rendered)

    def _update_action(self, *_args) -> None:
        self.action.setEnabled(self.replay.recorder is None and not self.replay.active)

    # ------------------------------------------------------------------ record from step 0
    def record_dialog(self) -> None:
        path = self.replay.ask_record_path("Record from step 0", "gdviz-lesson")
        if path:
            self.record_from_step_0(path)

    def record_from_step_0(self, path) -> bool:
        """Reset to step 0 (same initial weights) and record the new run to ``path``."""
        w = self.window
        if not self.replay.can_record():
            return False
        self._arm(Path(path))
        self._reset_now(w.controls.reset)
        w.statusBar().showMessage(f"Back at step 0: recording to {Path(path).name}. Press Space to train.", 8000)
        return True

    def _arm(self, path: Path) -> None:
        snap = self.window.last_snapshot
        self.pending = path
        self._pending_after_run = None if snap is None else snap.run_id

    def _frame_rendered(self, _step: int) -> None:
        if self.pending is None:
            return
        snap = self.window.last_snapshot
        if snap is None or snap.run_id == self._pending_after_run:
            return  # still the run before the reset
        path, self.pending = self.pending, None
        self.replay.start_recording(path)

    # ------------------------------------------------------------------ reset while recording
    def guard(self, proceed) -> bool:
        """``ControlPanel.reset_guard``: True to reset now; False when ``proceed`` is called after
        the user has answered (or not at all)."""
        rec = self.replay.recorder
        if rec is None or self._bypass:
            return True
        if self.question is not None:
            return False  # already asking
        if rec.n_costs == 0:  # nothing recorded yet: record the new run from its step 0 instead
            path = rec.path
            self.replay.stop_recording("the run was reset before its first step")
            self._arm(path)
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Reset while recording",
                          f"The run is being recorded to {rec.path.name} ({rec.n_costs:,} steps so far). "
                          "Reset starts a new run at step 0.", QMessageBox.StandardButton.NoButton, self.window)
        box.setObjectName("ResetWhileRecording")
        save = box.addButton("Save the recording, then reset", QMessageBox.ButtonRole.AcceptRole)
        save.setObjectName("SaveThenReset")
        more = box.addButton(f"Reset and record the new run to {next_free_path(rec.path).name}",
                             QMessageBox.ButtonRole.YesRole)
        more.setObjectName("RecordNewRun")
        cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        cancel.setObjectName("CancelReset")
        box.setDefaultButton(save)
        box.setEscapeButton(cancel)

        def answered(_result: int) -> None:
            self.question = None
            clicked = box.clickedButton()
            if clicked is save:
                self.replay.stop_recording("reset")
                self._reset_now(proceed)
            elif clicked is more:
                path = rec.path
                self.replay.stop_recording("reset; the new run is recorded on")
                self._arm(next_free_path(path))
                self._reset_now(proceed)
            else:
                self.window.statusBar().showMessage("Reset cancelled: still recording.", 6000)

        box.finished.connect(answered)
        self.question = box
        box.open()
        return False

    def _reset_now(self, proceed) -> None:
        self._bypass = True
        try:
            proceed()
        finally:
            self._bypass = False


def attach(window) -> LessonRecording:
    """Add Record from step 0 and the Reset guard to ``window`` (after ``window.replay``)."""
    return LessonRecording(window)
