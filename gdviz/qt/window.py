"""The main window: a training session in a worker thread, panels that render
its snapshots, and controls that send it commands.

Threads: the session's ``serve()`` loop runs in a :class:`TrainingThread`.
With the default ``process`` engine the session is a
:class:`~gdviz.training.remote.RemoteSession` (see :mod:`gdviz.qt.engine`).
The GUI thread reads ``session.mailbox.take()`` from a ``QTimer`` (30 Hz by
default) and hands the snapshot to every panel's ``render``. Nothing else
crosses threads (no Python object goes through a Qt signal), and the window
never touches the network: it only calls the session's command methods.

The window composes its parts: the live tab (:mod:`gdviz.qt.live_tab`), the
teaching views (:mod:`gdviz.qt.views`), the controls dock, the menus
(:mod:`gdviz.qt.menus`), the data choice, presenter mode, the divergence
banner, the status bar, checkpoints, replay, export and settings.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMainWindow, QMessageBox, QVBoxLayout, QWidget

from gdviz.data import load_sample
from gdviz.qt import checkpoints, colours, health_banner, lesson_recording
from gdviz.qt import export as export_mod
from gdviz.qt import lesson_mode, recent_files
from gdviz.qt import replay as replay_mod
from gdviz.qt import settings as settings_mod
from gdviz.qt.banner import DivergenceBanner
from gdviz.qt.controls import ControlPanel
from gdviz.qt.controls_dock import ControlsDock
from gdviz.qt.engine import EngineController
from gdviz.qt.keys import give_keys_back
from gdviz.qt.lesson_tabs import LessonTabs
from gdviz.qt.live_tab import LiveTab
from gdviz.qt.menus import DISPLAY_RATES, WindowMenus
from gdviz.qt.presenter import PresenterMode
from gdviz.qt.stability import StabilityMonitor
from gdviz.qt.status_bar import StatusReadouts
from gdviz.qt.widgets import alive
from gdviz.qt.worker import share_the_gil
from gdviz.resources import ICON_PNG, resource_path
from gdviz.training import LESSON, PRESETS, TrainConfig, TrainingSession, probe
from gdviz.training.analysis import NormHistory
from gdviz.training.memory import TRIM_EVERY_S, bound_heap, trim_heap_soon

__all__ = ["DEFAULT_SIZE", "DISPLAY_RATES", "MainWindow"]

#: Panels drawn together in one timer tick; one group per tick (see set_display_rate).
#: Two groups (two timer ticks a frame, not five): a tick with nothing to draw still
#: costs a timer event and a poll, and neither group paints more than half the window.
RENDER_GROUPS = (("cost", "stability", "output"), ("hidden_weights", "deeper_layers", "activations"))
#: While training, the mailbox is read at most once per this fraction of a frame: the
#: snapshots published meanwhile merge in it (every step's cost still reaches the curve),
#: so a snapshot is ingested no more often than the panels are drawn.
TAKE_EVERY_FRAMES = 0.75
#: Live panels that keep a run's snapshot (and arrays sized for its network) between draws.
FORGETFUL_PANELS = ("hidden_weights", "deeper_layers", "activations", "output")
STATUS_HZ = 10  # status-bar refreshes per second while training
DEFAULT_FPS = 30
DEFAULT_SIZE = (1600, 1000)
JOBS_CLOSE_S = 2.0  # closing waits at most this long for all background jobs together


class MainWindow(QMainWindow):
    """gdviz's window. ``dataset`` defaults to the embedded sample and
    ``config`` to the lesson's network (784-16-16-10, sigmoid, squared error,
    η = 1, batch 10). Opens paused, showing the untrained network.

    ``last_snapshot`` is the snapshot most recently rendered;
    ``frameRendered(step)`` is emitted (in the GUI thread) after each render.
    """

    frameRendered = Signal(int)

    def __init__(self, dataset=None, config: TrainConfig | None = None, *, fps: int = DEFAULT_FPS,
                 session: TrainingSession | None = None, restore_settings: bool = False,
                 engine: str | None = None):
        super().__init__()
        share_the_gil()
        colours.apply_pyqtgraph_defaults()
        self.engine_controller = EngineController(self, engine, on_replaced=self._session_replaced)
        if session is None:
            session = self.engine_controller.wrap(TrainingSession(dataset or load_sample(), config or LESSON))
        self.engine_controller.session = session
        self.last_snapshot = None
        self.frames = 0  # snapshots taken from the mailbox (or rendered directly)
        self.render_seconds = 0.0  # GUI time spent rendering
        self._shown: dict[str, object] = {}  # the snapshot each panel shows
        self._drawn_at: dict[str, float] = {}  # when each panel was last drawn
        self._group = 0
        self._taken_at = -1.0  # when the mailbox was last read (perf_counter s)
        self._status_at = 0.0
        self._closed = False
        self.message_boxes: list[QMessageBox] = []
        self._evals_seen: list = []  # every evaluation of the current run, for views created later
        self.norm_history = NormHistory()  # |∇C| of every snapshot of the run, for the −∇C view

        self.setWindowTitle("gdviz — watch a network learn")
        self.setWindowIcon(QIcon(str(resource_path(ICON_PNG))))
        self.setObjectName("GdvizMainWindow")
        self.resize(*DEFAULT_SIZE)
        self.setMinimumSize(1024, 680)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks)

        # λ_max of the newest θ, in the background, for the whole run (shown or not)
        self.stability = StabilityMonitor(self)
        self.live = LiveTab(self.stability)
        self.panels = self.live.panels
        self.frames_by_panel = self.live.frames
        self.panel_frames = {name: 0 for name in self.panels}  # times each panel was drawn
        self.hidden_weights, self.deeper_layers = self.live.hidden_weights, self.live.deeper_layers
        self.output_panel, self.activations = self.live.output_panel, self.live.activations
        self.cost_panel, self.stability_panel = self.live.cost_panel, self.live.stability
        self.output_panel.pinRequested.connect(self._pin_requested)
        self.banner = DivergenceBanner()
        self.banner.restoreRequested.connect(self.restore_last_good)
        self.banner.smallerLrRequested.connect(self.restore_with_smaller_lr)
        self._build_tabs()
        self.controls = ControlPanel(self.session)
        self.controls.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.controls.presetRequested.connect(self.apply_preset)
        self.controls_dock = ControlsDock(self.controls, self)
        self.presenter = PresenterMode(self, self.controls_dock)
        self.centralWidget().layout().addWidget(self.presenter.bar)
        self.presenter_bar = self.presenter.bar
        self.status = StatusReadouts(self.statusBar())
        self.menus = WindowMenus(self)
        self.data = self.menus.data
        for name in ("save_action", "open_action", "mode_actions", "log_action", "epochs_action",
                     "rate_actions", "presenter_action"):
            setattr(self, name, getattr(self.menus, name))
        self.data.show_current()
        self.replay = replay_mod.attach(self)
        self.health_banner = health_banner.attach(self)  # a saturated or stuck network, in words
        self.lesson_recording = lesson_recording.attach(self)  # record from step 0; Reset asks while recording
        self.exporter = export_mod.attach(self, self.replay)
        self.lesson = lesson_mode.attach(self)  # F6 / File ▸ Open lesson: the guided walk
        # None: nothing is read or stored (tests); the app passes the user's settings.
        self.settings_controller = recent_files.attach(self, self._settings() if restore_settings else None)
        give_keys_back(self)  # Enter/Escape in a field hand Space, → ... back to the window

        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.poll)
        self.set_display_rate(fps)
        if restore_settings:
            # "view": the command line chose the training settings, keep them
            self._restore_settings(training=restore_settings != "view")
        self.engine_controller.start()
        self.timer.start()
        # Views, networks and panels of other sizes come and go; without this the heap keeps
        # their freed memory and the process grows by ~100 MB in a session of changes.
        bound_heap()
        self._trim_timer = QTimer(self)
        self._trim_timer.setInterval(int(TRIM_EVERY_S * 1000))  # (each trim in a background thread)
        self._trim_timer.timeout.connect(trim_heap_soon)
        self._trim_timer.start()

    # ================================================================== layout
    def _build_tabs(self) -> None:
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(4, 4, 4, 0)
        cl.setSpacing(4)
        cl.addWidget(self.banner)
        self.tabs = LessonTabs(self.live)
        self.views = self.tabs.views  # name -> LessonView, once created
        self.tabs.viewCreated.connect(self._prepare_view)
        cl.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        QTimer.singleShot(0, self.initial_splits)

    def initial_splits(self) -> None:
        """Share the live tab's space out as the lesson wants it (once it has its size)."""
        self.live.initial_splits()

    # ================================================================== engine
    # (gdviz.qt.engine owns the session, its worker thread and their faults)
    session = property(lambda self: self.engine_controller.session, doc="The training session shown.")
    thread = property(lambda self: self.engine_controller.thread, doc="The worker thread serving it.")
    engine = property(lambda self: self.engine_controller.kind, doc='"process" or "thread".')
    engine_note = property(lambda self: self.engine_controller.note,
                           doc="Why the window fell back to the thread engine, if it did.")

    def replace_session(self, session) -> None:
        """Train with ``session`` from now on (e.g. from a checkpoint)."""
        self.engine_controller.replace(session)

    def _session_replaced(self, session) -> None:
        """Rewire the controls, panels and views to a new session (the engine calls this)."""
        self.controls.session = session
        self.controls.set_config(session.config)
        self.controls.set_dataset(session.dataset)  # (also sends the evaluation interval)
        self.data.show_current(session.dataset)
        self.cost_panel.forget_run()
        self.stability.forget_run()
        self.norm_history.run = None  # the new session's run ids start again: a new run, whatever its id
        self.last_snapshot = None
        self._shown.clear()
        self.tabs.set_context(session, session.dataset)

    # ================================================================== frames
    def set_display_rate(self, fps: int) -> None:
        """Refresh every panel ``fps`` times per second (1…60).

        The timer ticks ``len(RENDER_GROUPS)`` times per frame and each tick
        draws one group of panels, so no single turn of the event loop has
        to paint the whole window (what makes a GUI stutter is the longest
        turn, not the average).
        """
        fps = int(min(60, max(1, fps)))
        self.fps = fps
        self.timer.setInterval(max(1, math.floor(1000 / (fps * len(RENDER_GROUPS)))))
        if fps in self.menus.rate_actions:
            self.menus.rate_actions[fps].setChecked(True)

    def poll(self) -> bool:
        """One timer tick: take the newest snapshot (if any; while training at most
        once a frame), then draw the next group of panels that is behind. True when
        a new snapshot was taken."""
        t0 = time.perf_counter()
        snap = None
        latest = self.last_snapshot
        if latest is None or not latest.running or t0 - self._taken_at >= TAKE_EVERY_FRAMES / self.fps:
            self._taken_at = t0
            snap = self.session.mailbox.take()
            if snap is not None:
                self._ingest(snap)
            else:
                self.controls.sync_run_state()
                self.engine_controller.check()
        latest = self.last_snapshot
        if latest is None or self.isMinimized():
            return snap is not None
        t1 = time.perf_counter()
        n = len(RENDER_GROUPS)
        min_gap = 0.75 / self.fps  # (only matters when groups are skipped, e.g. hidden panels)
        for _ in range(n):
            group = RENDER_GROUPS[self._group % n]
            self._group += 1
            behind = [name for name in group if self._shown.get(name) is not latest and self._drawable(name)
                      and t0 - self._drawn_at.get(name, -1.0) >= min_gap]
            if behind:
                for name in behind:
                    self._draw(name, latest)
                break
        self.tabs.draw(latest, t0)
        self.render_seconds += time.perf_counter() - t1  # (the ingest counts its own)
        return snap is not None

    def render(self, snap) -> None:
        """Show ``snap`` in every panel, the controls and the status bar, now."""
        t0 = time.perf_counter()
        self._ingest(snap, force_status=True)
        for name in self.panels:
            if self._drawable(name):
                self._draw(name, snap)
        self.render_seconds += time.perf_counter() - t0

    def up_to_date(self) -> bool:
        """True when every visible panel shows the newest snapshot taken."""
        latest = self.last_snapshot
        return latest is not None and all(self._shown.get(n) is latest for n in self.panels if self._drawable(n))

    def _drawable(self, name: str) -> bool:
        return self.live.drawable(name, self)

    def _draw(self, name: str, snap) -> None:
        if name == "cost":
            self.cost_panel.redraw()
        else:
            self.panels[name].render(snap)
        self._shown[name] = snap
        self._drawn_at[name] = time.perf_counter()
        self.panel_frames[name] += 1

    def _ingest(self, snap, force_status: bool = False) -> None:
        """A new snapshot: history into the cost panel and the views, state into
        the controls, status bar (at most ``STATUS_HZ`` while running) and banner."""
        t0 = time.perf_counter()
        if self.last_snapshot is None or snap.run_id != self.last_snapshot.run_id:
            self._evals_seen = []
            probe.keep_only(snap.sizes, snap.activation, snap.cost_name)  # other shapes' networks go
            self._forget_hidden_panels()
        self._evals_seen.extend(snap.new_evals)
        self.norm_history.observe(snap)
        self.last_snapshot = snap
        self.cost_panel.ingest(snap)  # every snapshot: the cost history must not miss a step
        if not getattr(self, "replay", None) or not self.replay.active:  # (not a recording's θ)
            self.stability.set_dataset(self.session.dataset)
            self.stability.observe(snap)
        self.tabs.ingest(snap)
        self.controls.render(snap)
        if force_status or not snap.running or t0 - self._status_at >= 1.0 / STATUS_HZ:
            self._status_at = t0
            self.status.show(snap)
        self.banner.show_for(snap)
        self.health_banner.observe(snap)
        self.frames += 1
        self.render_seconds += time.perf_counter() - t0
        self.frameRendered.emit(snap.step)

    def _forget_hidden_panels(self) -> None:
        """A new run: hidden live panels let go of the old one's snapshot and arrays (a
        784-1024-10 network's ~40 MB stayed in a hidden weights panel); shown again, a
        panel draws the latest snapshot, as it is behind."""
        for name in self.panels:
            if not self._drawable(name):
                self._shown.pop(name, None)
                if name in FORGETFUL_PANELS:
                    self.panels[name].forget_run()

    def show_panel(self, name: str, visible: bool = True) -> None:
        """Show or hide one panel (a shown panel draws the latest snapshot at once)."""
        self.frames_by_panel[name].setVisible(visible)
        if visible and self.last_snapshot is not None:
            self._draw(name, self.last_snapshot)

    # ================================================================== teaching views
    def current_view(self):
        """The teaching view whose tab is shown, or None on the live tab."""
        return self.tabs.current_view()

    def show_view(self, name: str):
        """Show the teaching view ``name`` (a key of ``VIEWS``) or ``"live"``; returns the view."""
        return self.tabs.show_view(name)

    def _prepare_view(self, name: str, view) -> None:
        view.set_context(self.session, self.session.dataset)
        view.set_dataset_callback(self.set_dataset)
        view.share_history(self.norm_history)  # |∇C| since the run began, not since the tab opened
        view.share_sharpness(self.stability.history)  # λ_max of the run, for η against 2/λ_max
        self.presenter.hide_notes(view)
        give_keys_back(view)
        if self.last_snapshot is not None:
            # the evaluations so far, so its history starts with the run, not with the tab
            view.ingest(replace(self.last_snapshot, new_evals=tuple(self._evals_seen)))
        self.exporter.add_view(name, view)

    # ================================================================== commands
    def _pin_requested(self, index: int) -> None:
        self.session.pin_example(None if index is None or int(index) < 0 else int(index))

    def set_weights_mode(self, mode: str) -> None:
        self.hidden_weights.setMode(mode)
        self.deeper_layers.setMode(mode)
        if mode in self.mode_actions:
            self.mode_actions[mode].setChecked(True)

    def apply_preset(self, name: str) -> None:
        """Set a named configuration (``PRESETS``) and go back to step 0, paused."""
        cur = self.session.config
        config = replace(PRESETS[name], seed=cur.seed, steps_per_second=cur.steps_per_second,
                         eval_every=cur.eval_every)
        if not self.controls.reset_to(config, lambda: self.apply_preset(name)):
            return
        self.controls.show_message(
            f"{name.capitalize()} preset: {'-'.join(map(str, config.sizes()))}, {config.activation}, "
            f"{config.cost}, {config.optimizer}, η = {config.lr:g}, batch {config.batch_size}; back at step 0.")

    def restore_last_good(self) -> None:
        self.session.restore_last_finite()
        self.banner.hide()
        self.statusBar().showMessage("Restored the last weights whose cost was finite.", 6000)

    def restore_with_smaller_lr(self) -> None:
        self.controls.set_lr(max(self.controls.config.lr / 10.0, 1e-4))
        self.restore_last_good()

    def set_presenter_mode(self, on: bool) -> None:
        """Large fonts, high contrast and the shortcuts on screen, for a projector."""
        self.presenter.set(on)
        self.status.set_compact(on)
        if self.presenter_action.isChecked() != on:
            self.presenter_action.setChecked(on)

    # ================================================================== data
    def set_dataset(self, dataset) -> None:
        """Train on ``dataset`` from step 0 with the same settings."""
        self.session.set_dataset(dataset)
        self.controls.set_dataset(dataset)
        self.controls.show_paused()
        self.data.show_current(dataset)
        self.tabs.set_context(self.session, dataset)

    def use_full_mnist(self, **kwargs):
        """Download (or read from the cache) the full MNIST (see :meth:`DataChoice.use_full_mnist`)."""
        return self.data.use_full_mnist(**kwargs)

    def open_idx_folder(self, folder, **kwargs):
        """Train on the IDX files of ``folder``, read in the background (see :meth:`DataChoice.open_idx_folder`)."""
        return self.data.open_idx_folder(folder, **kwargs)

    # ================================================================== files
    def save_checkpoint(self, path) -> Path | None:
        """Write θ and the settings to ``path``; errors go to a message box."""
        return checkpoints.save_from_window(self, path)

    def load_checkpoint(self, path) -> bool:
        """Continue from the checkpoint at ``path`` (current session untouched on error)."""
        return checkpoints.load_into_window(self, path)

    def save_screenshot(self, path) -> Path:
        path = Path(path)
        if not self.grab().save(str(path)):
            raise OSError(f"{path}: could not write the image")
        return path

    def show_error(self, title: str, text: str) -> QMessageBox:
        """A non-blocking warning box (training and the display carry on)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self.message_boxes = [b for b in self.message_boxes if alive(b)] + [box]
        box.open()
        self.statusBar().showMessage(text.splitlines()[0] if text else title, 10000)
        return box

    # ================================================================== settings
    def _settings(self) -> QSettings:
        return QSettings("gdviz", "gdviz")

    def _restore_settings(self, training: bool = True) -> None:
        settings_mod.apply_to_window(self, settings_mod.load_settings(self._settings()), training=training)

    def save_settings(self) -> None:
        settings_mod.save_settings(self._settings(), settings_mod.read_from_window(self))

    # ================================================================== shutdown
    def shutdown(self) -> None:
        """Stop the display timer, any download wait, and the worker thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.timer.stop()
        self._trim_timer.stop()
        self.data.cancel_download()
        self.tabs.request_stop()  # all background jobs told at once, then waited for together
        self.stability.request_stop()
        deadline = time.monotonic() + JOBS_CLOSE_S
        self.tabs.shutdown(deadline)
        self.stability.shutdown(deadline)
        self.engine_controller.stop()
        self.settings_controller.on_close()  # autosave.npz when "Autosave on quit" is on
        self.replay.on_close()  # finishes a recording in progress, closes a replayed file
        self.presenter.release_fonts()  # the app's fonts are shared: give them back

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
