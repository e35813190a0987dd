"""Record the live run to a ``.gdvrec`` file, replay a recording in the window,
and overlay the cost curves of other runs.

``attach(window)`` adds to File:

* **Record this run…** / **Stop recording** — a :class:`~gdviz.training.recording.Recorder`
  set as ``session.recorder`` (the training loop gives it θ every K-th step)
  and fed every snapshot the window takes (costs, evaluations, setting
  changes); the status bar shows "● REC 12.3 MB" while it writes.
* **Open recording…** — *replay mode*: the live session pauses, its display
  freezes (live cost history kept aside), a **Replay** timeline dock appears
  (slider, play/pause, speed, ±1 recorded θ) and every panel shows
  ``recording.snapshot_at(step)``. **Back to live training** restores the
  live panels and resumes the live run if it was running.
* **Compare with recording…** — another run's smoothed cost as a named,
  coloured curve in the cost panel (``CostPanel.add_overlay``); in replay
  mode **Compare with the live run** adds the live run the same way;
  **Clear comparisons** removes them.

Threads: all in the GUI thread. Only the recorder is shared with the worker,
through ``session.recorder`` (an atomic attribute; the recorder is
thread-safe), which is set to None *before* the recorder is closed.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel

from gdviz.qt.menus import find_action, find_menu, insert_into
from gdviz.qt.replay_timeline import PLAY_SPEEDS, ReplayTimeline
from gdviz.training.recorded import replay_dataset, run_curve
from gdviz.training.recording import SUFFIX, Recorder, RecordingError, open_recording

__all__ = ["PLAY_SPEEDS", "ReplayController", "attach"]

PLAY_HZ = 30  # play-back frames per second
REC_STATUS_HZ = 2  # "● REC 12.3 MB" refreshes per second
_RUN_ID_BASE = 1 << 40  # replay snapshots' run ids never meet a live session's
_FILTER = f"gdviz recordings (*{SUFFIX});;All files (*)"


def attach(window) -> "ReplayController":
    """Add recording, replay and comparison to ``window`` (a MainWindow); return the controller.

    Call once, after the window's menus exist. From ``closeEvent`` call
    ``controller.on_close()`` (finishes a recording in progress).
    """
    return ReplayController(window)


class ReplayController(QObject):
    """Recording, replay mode and overlays for one MainWindow (see the module docstring).

    Public state: ``active`` (replay mode on), ``recording`` (the open
    :class:`~gdviz.training.recording.Recording` in replay mode, else None),
    ``recorder`` (the :class:`Recorder` writing now, else None), ``step`` (the
    step shown in replay), ``timeline`` (the dock's widget: ``slider``,
    ``spin``, ``play_button``, ``speed_combo``). Signals: ``modeChanged(bool)``,
    ``recordingChanged(bool)``, ``stepShown(int)``.
    """

    modeChanged = Signal(bool)
    recordingChanged = Signal(bool)
    stepShown = Signal(int)

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("ReplayController")
        self.window = window
        self.recording = None
        self.recorder: Recorder | None = None
        self.step: int | None = None
        self.last_show_ms = math.nan  # time of the last show_step (snapshot + render), for benchmarks
        self._rec_session = None
        self._live = None  # what replay mode put aside: session, cost history, running, dataset
        self._dataset = None
        self._example: int | None = 0
        self._run_id = _RUN_ID_BASE
        self._seq = 0
        self._pending: int | None = None
        self._play_pos = 0.0
        self._play_t = 0.0
        self._build_actions()
        self._build_dock()
        self._build_status()
        self.play_timer = QTimer(self)
        self.play_timer.setInterval(round(1000 / PLAY_HZ))
        self.play_timer.timeout.connect(self._play_tick)
        window.frameRendered.connect(self._frame_rendered)
        if hasattr(window, "output_panel") and hasattr(window.output_panel, "pinRequested"):
            window.output_panel.pinRequested.connect(self._pin_requested)
        self._update_actions()

    # ================================================================== UI
    def _build_actions(self) -> None:
        w = self.window
        self.record_action = QAction("&Record this run…", w)
        self.record_action.setStatusTip("Write every step's cost and θ every 64 steps to a file, while training")
        self.record_action.triggered.connect(self.record_dialog)
        self.stop_record_action = QAction("Stop recording", w)
        self.stop_record_action.triggered.connect(lambda: self.stop_recording())
        self.open_action = QAction("Open &recording…", w)
        self.open_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.open_action.setStatusTip("Replay a recorded run: scrub through its steps; the live run pauses")
        self.open_action.triggered.connect(self.open_dialog)
        self.compare_action = QAction("&Compare with recording…", w)
        self.compare_action.setStatusTip("Draw another run's smoothed cost in the cost panel")
        self.compare_action.triggered.connect(self.compare_dialog)
        self.compare_live_action = QAction("Compare with the &live run", w)
        self.compare_live_action.setStatusTip("Draw the live run's smoothed cost over the replayed one")
        self.compare_live_action.triggered.connect(self.compare_live)
        self.clear_compare_action = QAction("Clear comparisons", w)
        self.clear_compare_action.triggered.connect(self.clear_comparisons)
        self.live_action = QAction("&Back to live training", w)
        self.live_action.setStatusTip("Leave the replay: the live run's panels come back")
        self.live_action.triggered.connect(self.back_to_live)
        w.addAction(self.open_action)  # the shortcut also works when the menu bar is hidden
        menu = find_menu(w, "File")
        if menu is not None:
            insert_into(menu, [self.record_action, self.stop_record_action, None, self.open_action,
                               self.live_action, self.compare_action, self.compare_live_action,
                               self.clear_compare_action])

    def _build_dock(self) -> None:
        t = self.timeline = ReplayTimeline()
        t.play_button.toggled.connect(self._play_toggled)
        t.back_button.clicked.connect(lambda: self.step_theta(-1))
        t.fwd_button.clicked.connect(lambda: self.step_theta(+1))
        t.slider.valueChanged.connect(self._slider_changed)
        t.spin.valueChanged.connect(self._spin_changed)
        t.live_button.clicked.connect(self.back_to_live)
        self.dock = QDockWidget("Replay", self.window)
        self.dock.setObjectName("ReplayDock")
        self.dock.setWidget(t)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.dock.setAllowedAreas(Qt.DockWidgetArea.TopDockWidgetArea | Qt.DockWidgetArea.BottomDockWidgetArea)
        self.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()

    def _build_status(self) -> None:
        self.rec_label = QLabel()
        self.rec_label.setObjectName("RecordingStatus")
        self.rec_label.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.rec_label.setContentsMargins(6, 0, 6, 0)
        self.rec_label.hide()
        self.window.statusBar().insertPermanentWidget(0, self.rec_label)
        self.rec_timer = QTimer(self)
        self.rec_timer.setInterval(round(1000 / REC_STATUS_HZ))
        self.rec_timer.timeout.connect(self._rec_tick)

    def _update_actions(self) -> None:
        recording = self.recorder is not None
        self.record_action.setEnabled(not recording and not self.active)
        self.stop_record_action.setEnabled(recording)
        self.live_action.setEnabled(self.active)
        self.compare_live_action.setEnabled(self.active)

    # ================================================================== recording
    def ask_record_path(self, title: str, stem: str) -> str:
        """The file a person chooses to record to (``SUFFIX`` added when it has no
        ending), or "" when they cancel."""
        path, _ = QFileDialog.getSaveFileName(self.window, title, f"{stem}{SUFFIX}", _FILTER)
        if path and not Path(path).suffix:
            path += SUFFIX
        return path

    def can_record(self) -> bool:
        """False, after saying why, while a recording runs or a recording is replayed."""
        if self.recorder is not None:
            self.window.show_error("Already recording", f"The run is being recorded to {self.recorder.path}; "
                                                        "stop that first.")
            return False
        if self.active:
            self.window.show_error("Replaying", "Go back to live training before recording the run.")
            return False
        return True

    def record_dialog(self) -> None:
        path = self.ask_record_path("Record this run", "gdviz-run")
        if path:
            self.start_recording(path)

    def start_recording(self, path) -> bool:
        """Record the live run to ``path`` from the step shown now; False (with a message) on failure."""
        if not self.can_record():
            return False
        w = self.window
        session = w.session
        snap = w.last_snapshot or session.mailbox.peek()
        if snap is None:
            w.show_error("Nothing to record yet", "The run has not shown its first step yet; try again.")
            return False
        # The settings and θ of the snapshot on screen: an immutable copy, never the
        # array the worker is updating. Every later step's cost arrives in the snapshots.
        cfg = replace(session.config, hidden=tuple(snap.sizes[1:-1]), activation=snap.activation,
                      cost=snap.cost_name, lr=snap.lr, batch_size=snap.batch_size, optimizer=snap.optimizer,
                      seed=snap.seed)
        ds = session.dataset
        try:
            rec = Recorder(path, cfg, snap.sizes, getattr(ds, "name", "unknown"),
                           n_train=len(ds.train_labels), n_test=len(ds.test_labels))
            rec.record_snapshot(replace(snap, new_steps=snap.new_steps[:0], new_costs=snap.new_costs[:0],
                                        new_evals=(), new_epoch_costs=()))
        except (RecordingError, OSError) as exc:
            w.show_error("Could not start recording", str(exc))
            return False
        self.recorder, self._rec_session = rec, session
        session.recorder = rec  # the worker calls rec.on_step(step, θ) after every update from now on
        self.rec_timer.start()
        self._rec_tick()
        self._update_actions()
        w.statusBar().showMessage(f"Recording the run to {rec.path} from step {snap.step:,}.", 6000)
        self.recordingChanged.emit(True)
        return True

    def stop_recording(self, reason: str = "") -> Path | None:
        """Finish the recording (the file appears under its final name); its path, or None on failure
        or when no step was recorded (then no file is written, and the status bar says so)."""
        rec, self.recorder = self.recorder, None
        if rec is None:
            return None
        for session in {id(s): s for s in (self._rec_session, self.window.session) if s is not None}.values():
            if getattr(session, "recorder", None) is rec:
                session.recorder = None  # first: the worker stops calling it...
        self._rec_session = None
        self.rec_timer.stop()
        self.rec_label.hide()
        self._update_actions()
        self.recordingChanged.emit(False)
        if rec.n_costs == 0:  # never a "0 steps" file
            rec.abort()
            why = f" ({reason})" if reason else ""
            self.window.statusBar().showMessage(
                f"Recording to {rec.path.name} discarded: no step was recorded{why}.", 10000)
            return None
        try:
            path = rec.close()  # ...then the file is finished
        except (RecordingError, OSError) as exc:
            self.window.show_error("The recording could not be finished", str(exc))
            return None
        size = path.stat().st_size / 1e6 if path.exists() else 0.0
        why = f" ({reason})" if reason else ""
        self.window.statusBar().showMessage(
            f"Saved recording {path.name}: {rec.n_costs:,} steps, {size:.1f} MB{why}.", 10000)
        return path

    def _frame_rendered(self, _step: int) -> None:
        """Every live snapshot the window takes goes to the recorder (evaluations, settings, costs)."""
        rec = self.recorder
        if rec is None or self.active:
            return
        snap = self.window.last_snapshot
        if snap is None or snap.run_id >= _RUN_ID_BASE:
            return
        try:
            rec.record_snapshot(snap)
        except RecordingError as exc:
            self.stop_recording()
            self.window.show_error("Recording stopped", str(exc))

    def _rec_tick(self) -> None:
        rec = self.recorder
        if rec is None:
            return
        if rec.stopped_reason or self.window.session is not self._rec_session:
            reason = rec.stopped_reason or "the run was replaced"
            self.stop_recording(reason.split(";")[0])
            return
        self.rec_label.setText(f"● REC {rec.bytes_written / 1e6:.1f} MB")
        self.rec_label.setToolTip(f"Recording to {rec.path} ({rec.n_costs:,} steps, {rec.n_thetas:,} θ)")
        self.rec_label.show()

    # ================================================================== replay mode
    @property
    def active(self) -> bool:
        return self.recording is not None

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open recording", "", _FILTER)
        if path:
            self.open_recording(path)

    def open_recording(self, path, step: int | None = None, *, quiet: bool = False) -> bool:
        """Enter replay mode on the recording at ``path`` (showing ``step``, default its first).

        A missing, truncated or damaged file is refused with a message box and
        nothing changes (the live run, or the recording replayed before, stays).
        When the recording's dataset is not the window's, the example digits
        come from the embedded sample, said in a message box (``quiet``: in
        the status bar only).
        """
        w = self.window
        try:
            rec = open_recording(path)
        except RecordingError as exc:
            w.show_error("Could not open the recording", str(exc))
            return False
        except OSError as exc:
            w.show_error("Could not open the recording", f"{path}: {exc.strerror or exc}")
            return False
        dataset, note = replay_dataset(w.session.dataset if self._live is None else self._live["dataset"], rec)
        if self.active:
            self._close_recording()
        else:
            self._enter(dataset)
        self.recording, self._dataset = rec, dataset
        if dataset is not None and hasattr(w, "output_panel"):
            w.output_panel.set_test_digits(dataset.test_images, dataset.test_labels)
        self._example = 0 if dataset is not None else None
        t = self.timeline
        for widget in (t.slider, t.spin):
            widget.blockSignals(True)
            widget.setRange(rec.start_step, rec.n_steps)
            widget.blockSignals(False)
        t.slider.setSingleStep(rec.theta_every)
        t.slider.setPageStep(max(rec.theta_every, (rec.n_steps - rec.start_step) // 20))
        t.of_label.setText(f"of {rec.n_steps:,}")
        sizes = "-".join(map(str, rec.sizes))
        t.info.setText(f"{Path(rec.path).name} · {sizes} · η = {rec.config.lr:g}, batch {rec.config.batch_size}"
                       f" · θ every {rec.theta_every} steps")
        t.info.setToolTip(f"{rec.path}\nrecorded on {rec.dataset_name} with gdviz "
                          f"{rec.header.get('gdviz_version', '?')}, {rec.header.get('created', '')}"
                          + ("" if rec.complete else "\n" + "\n".join(rec.warnings)))
        self.step = None
        self.dock.setWindowTitle(f"Replay — {Path(rec.path).name}")
        self.dock.show()
        self._update_actions()
        self.modeChanged.emit(True)
        self.show_step(rec.start_step if step is None else step)
        msg = f"Replaying {Path(rec.path).name} ({rec.n_steps:,} steps). The live run is paused."
        if note:
            msg += " " + note
            if not quiet:
                w.show_error("Replay on other digits", note)
        w.statusBar().showMessage(msg, 10000)
        return True

    def _enter(self, dataset) -> None:
        """Put the live run aside: pause it, stop the display timer, keep its cost history."""
        w = self.window
        snap = w.last_snapshot
        running = bool(w.session.running or (snap is not None and snap.running))
        if running:
            w.controls.pause()
        else:
            w.session.pause()
        w.timer.stop()  # the live mailbox is not drawn while replaying
        if callable(getattr(w, "show_view", None)):
            try:
                w.show_view("live")  # the replay fills the live-network panels
            except Exception:  # noqa: BLE001 - a window without that tab
                pass
        self._live = {
            "session": w.session, "running": running, "dataset": w.session.dataset, "snapshot": snap,
            "cost": w.cost_panel.save_state(),
        }
        self._set_live_controls(False)

    def _set_live_controls(self, enabled: bool) -> None:
        w = self.window
        w.controls.setEnabled(enabled)
        for a in w.controls.actions_for_menu():
            if a is not None:
                a.setEnabled(enabled)
        for title in ("Data", "Training"):
            menu = find_menu(w, title)
            if menu is not None:
                menu.setEnabled(enabled)
        file_menu = find_menu(w, "File")
        if file_menu is not None:
            for text in ("Save checkpoint", "Open checkpoint", "Recent checkpoints"):
                a = find_action(file_menu, text)
                if a is not None:
                    a.setEnabled(enabled)

    def show_step(self, step: int):
        """Show the recording after ``step`` updates in every panel, now; the snapshot shown.

        Forward from the step shown, the cost panel gets only the steps in
        between; backward, it starts a new history from the recording's start.
        """
        rec = self.recording
        if rec is None:
            return None
        t0 = time.perf_counter()
        step = int(min(max(int(step), rec.start_step), rec.n_steps))
        if self.step is None or step < self.step:
            self._run_id += 1
            since = None
        else:
            since = self.step
        self._seq += 1
        snap = rec.snapshot_at(step, self._dataset, since=since, run_id=self._run_id, seq=self._seq,
                               example_index=self._example)
        self.step = step
        self.window.render(snap)
        self.last_show_ms = 1e3 * (time.perf_counter() - t0)
        t = self.timeline
        for widget in (t.slider, t.spin):
            if widget.value() != step:
                widget.blockSignals(True)
                widget.setValue(step)
                widget.blockSignals(False)
        self.stepShown.emit(step)
        return snap

    def seek(self, step: int):
        """Move the timeline to ``step`` as a user would (slider), drawing at once; the snapshot."""
        self.pause()
        return self.show_step(step)

    def step_theta(self, direction: int) -> None:
        """To the previous (``-1``) or next (``+1``) recorded θ."""
        rec = self.recording
        if rec is None:
            return
        self.pause()
        steps = rec.theta_steps
        cur = rec.start_step if self.step is None else self.step
        if direction > 0:
            i = int(np.searchsorted(steps, cur, side="right"))
            target = int(steps[i]) if i < steps.size else rec.n_steps
        else:
            i = int(np.searchsorted(steps, cur, side="left")) - 1
            target = int(steps[max(i, 0)])
        self.show_step(target)

    def _slider_changed(self, value: int) -> None:
        # Coalesce a fast drag: draw the latest position once the event queue is empty.
        if self._pending is None:
            QTimer.singleShot(0, self._apply_pending)
        self._pending = int(value)

    def _spin_changed(self, value: int) -> None:
        self.pause()
        self.show_step(int(value))

    def _apply_pending(self) -> None:
        value, self._pending = self._pending, None
        if value is not None and self.active and value != self.step:
            if not self.play_timer.isActive():
                self.show_step(value)
            else:
                self._play_pos = float(value)
                self.show_step(value)

    # ---------------------------------------------------------------- play
    def speed(self) -> float:
        """Play-back speed in recorded steps per second."""
        return float(self.timeline.speed_combo.currentData())

    def set_speed(self, steps_per_second: float) -> None:
        combo = self.timeline.speed_combo
        i = combo.findData(float(steps_per_second))
        if i < 0:
            combo.addItem(f"{steps_per_second:,g} steps/s", float(steps_per_second))
            i = combo.count() - 1
        combo.setCurrentIndex(i)

    def play(self) -> None:
        if self.active and not self.timeline.play_button.isChecked():
            self.timeline.play_button.setChecked(True)

    def pause(self) -> None:
        if self.timeline.play_button.isChecked():
            self.timeline.play_button.setChecked(False)

    @property
    def playing(self) -> bool:
        return self.play_timer.isActive()

    def _play_toggled(self, on: bool) -> None:
        t = self.timeline
        if on and self.active:
            rec = self.recording
            if self.step is not None and self.step >= rec.n_steps:
                self.show_step(rec.start_step)  # at the end: play from the start
            self._play_pos = float(self.step or 0)
            self._play_t = time.perf_counter()
            self.play_timer.start()
            t.play_button.setText("❚❚ Pause")
        else:
            self.play_timer.stop()
            t.play_button.setText("▶ Play")
            if on:
                t.play_button.setChecked(False)

    def _play_tick(self) -> None:
        rec = self.recording
        if rec is None:
            self.pause()
            return
        now = time.perf_counter()
        dt, self._play_t = min(now - self._play_t, 0.25), now
        self._play_pos = min(float(rec.n_steps), self._play_pos + self.speed() * dt)
        target = int(self._play_pos)
        if target != self.step:
            self.show_step(target)
        if target >= rec.n_steps:
            self.pause()

    # ---------------------------------------------------------------- example
    def _pin_requested(self, index) -> None:
        if not self.active or self._dataset is None:
            return
        self._example = 0 if index is None or int(index) < 0 else int(index)
        if self.step is not None:
            self.show_step(self.step)

    # ---------------------------------------------------------------- leaving
    def back_to_live(self) -> bool:
        """Leave replay mode: the live panels and cost history come back; a running run resumes."""
        if not self.active:
            return False
        w = self.window
        self.pause()
        self._close_recording()
        live, self._live = self._live, None
        self.dock.hide()
        self.step = None
        same = live is not None and w.session is live["session"]
        if hasattr(w, "output_panel"):
            ds = w.session.dataset
            w.output_panel.set_test_digits(ds.test_images, ds.test_labels)
        if same:
            w.cost_panel.restore_state(live["cost"])
        else:  # the session was replaced meanwhile (e.g. a checkpoint): a new history
            w.cost_panel.forget_run()
        self._set_live_controls(True)
        # take() rather than peek(): a snapshot left in the mailbox would be merged into the
        # next one and its steps counted twice. Already taken: peek() is one the panel has seen.
        snap = w.session.mailbox.take() or w.session.mailbox.peek()
        if snap is not None:
            w.render(snap)
        else:
            w.last_snapshot = None
        if not getattr(w, "_closed", False):
            w.timer.start()
        if same and live["running"]:
            w.controls.run()
        self._update_actions()
        self.modeChanged.emit(False)
        w.statusBar().showMessage("Back to live training.", 5000)
        return True

    def _close_recording(self) -> None:
        rec, self.recording = self.recording, None
        if rec is not None:
            rec.close()

    def on_close(self) -> None:
        """The window is closing: finish a recording in progress, close a replayed file."""
        self.play_timer.stop()
        if self.recorder is not None:
            self.stop_recording("the window was closed")
        self._close_recording()

    # ================================================================== overlays
    def compare_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.window, "Compare with recordings", "", _FILTER)
        for path in paths:
            self.compare_with(path)

    def compare_with(self, path, name: str | None = None, color=None) -> str | None:
        """Overlay the smoothed cost of the recording at ``path``; the overlay's name (None on failure)."""
        try:
            curve = run_curve(path)
        except RecordingError as exc:
            self.window.show_error("Could not compare with that recording", str(exc))
            return None
        except OSError as exc:
            self.window.show_error("Could not compare with that recording", f"{path}: {exc.strerror or exc}")
            return None
        return self.window.cost_panel.add_overlay(name or curve.name, curve.steps, curve.costs, color,
                                                  epochs=curve.epochs)

    def compare_live(self, name: str = "live run") -> str | None:
        """In replay mode: overlay the live run's cost (as it was when replay began)."""
        if self._live is None:
            return None
        state = self._live["cost"]
        series = state["steps"]
        if series.n == 0:
            self.window.statusBar().showMessage("The live run has no steps yet.", 5000)
            return None
        return self.window.cost_panel.add_overlay(name, series.view("step").copy(), series.view("cost").copy(),
                                                  epochs=series.view("epoch").copy())

    def clear_comparisons(self) -> None:
        self.window.cost_panel.clear_overlays()

