"""The main window: a training session in a worker thread, panels that render
its snapshots, and controls that send it commands.

Threads: the session's ``serve()`` loop runs in a :class:`TrainingThread`.
With the default ``process`` engine the session is a
:class:`~gdviz.training.remote.RemoteSession`: the network trains in a child
process and ``serve()`` only receives its snapshots, so the GUI thread never
waits for the training loop's GIL (``engine="thread"`` or
``GDVIZ_ENGINE=thread`` trains in the thread itself). The GUI thread reads
``session.mailbox.take()`` from a ``QTimer`` (30 Hz by default) and hands
the snapshot to every panel's ``render``. Nothing else crosses threads (no
Python object goes through a Qt signal), and the window never touches the
network: it only calls the session's command methods.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gdviz.qt.controls import ControlPanel, format_lr
from gdviz.qt.cost_panel import CostPanel
from gdviz.qt.worker import TrainingThread, engine_choice, share_the_gil
from gdviz.qt.views import VIEW_HZ, VIEWS, create_view
from gdviz.training import LESSON, TrainConfig, TrainingSession
from gdviz.training.analysis import NormHistory

__all__ = ["DEFAULT_SIZE", "DISPLAY_RATES", "MainWindow"]

#: Frames per second offered in View ▸ Display rate.
DISPLAY_RATES = (10, 15, 30, 60)
#: Panels drawn together in one timer tick; one group per tick (see set_display_rate).
RENDER_GROUPS = (("cost",), ("output",), ("hidden_weights",), ("deeper_layers",), ("activations",))
STATUS_HZ = 10  # status-bar refreshes per second while training
DEFAULT_FPS = 30
PRESENTER_SCALE = 1.45  # presenter mode: every text this much larger
PRESENTER_DOCK_MIN_WIDTH = 1500  # narrower windows hide the controls in presenter mode
TRIM_EVERY_MS = 10_000  # freed heap memory goes back to the system this often (in a background thread)
DEFAULT_SIZE = (1600, 1000)

BANNER_STYLE = """
QFrame#DivergenceBanner { background: #fff1e6; border: 1px solid #e66101; border-radius: 4px; }
QFrame#DivergenceBanner QLabel { color: #5a2a00; }
"""


class MainWindow(QMainWindow):
    """gdviz's window. ``dataset`` defaults to the embedded sample and
    ``config`` to the lesson's network (784-16-16-10, sigmoid, squared error,
    η = 3, batch 10). Opens paused, showing the untrained network.

    ``last_snapshot`` is the snapshot most recently rendered;
    ``frameRendered(step)`` is emitted (in the GUI thread) after each render.
    """

    frameRendered = Signal(int)

    def __init__(self, dataset=None, config: TrainConfig | None = None, *, fps: int = DEFAULT_FPS,
                 session: TrainingSession | None = None, restore_settings: bool = False,
                 engine: str | None = None):
        super().__init__()
        share_the_gil()
        from gdviz.qt import style

        style.apply_pyqtgraph_defaults()
        self.engine = engine_choice(engine)
        self.engine_note = ""  # why the window fell back to the thread engine, if it did
        if session is None:
            if dataset is None:
                from gdviz.data import load_sample

                dataset = load_sample()
            session = self._engine_session(TrainingSession(dataset, config or LESSON))
        self.session = session
        self.thread: TrainingThread | None = None
        self.last_snapshot = None
        self.frames = 0  # snapshots taken from the mailbox (or rendered directly)
        self.render_seconds = 0.0  # GUI time spent rendering
        self.panel_frames: dict[str, int] = {}  # times each panel was drawn
        self._shown: dict[str, object] = {}  # the snapshot each panel shows
        self._drawn_at: dict[str, float] = {}  # when each panel was last drawn
        self._group = 0
        self._status_at = 0.0
        self._closed = False
        self._shown_message = ""
        self._shown_running: bool | None = None
        self._message_seq = -1
        self._download = None
        self._message_boxes: list[QMessageBox] = []
        self._evals_seen: list = []  # every evaluation of the current run, for views created later
        self.norm_history = NormHistory()  # |∇C| of every snapshot of the run, for the −∇C view
        self._data_kind = "sample" if getattr(session.dataset, "name", "") == "sample" else "other"

        self.setWindowTitle("gdviz — watch a network learn")
        from PySide6.QtGui import QIcon

        from gdviz.resources import ICON_PNG, resource_path

        self.setWindowIcon(QIcon(str(resource_path(ICON_PNG))))
        self.setObjectName("GdvizMainWindow")
        self.resize(*DEFAULT_SIZE)
        self.setMinimumSize(1024, 680)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks)

        self._build_panels()
        self._build_controls()
        self._build_menus()
        self._build_status_bar()
        self._set_dataset_widgets(session.dataset)
        from gdviz.qt import export as export_mod
        from gdviz.qt import replay as replay_mod
        from gdviz.qt import settings as settings_mod

        self.replay = replay_mod.attach(self)
        self.exporter = export_mod.attach(self)
        # None: nothing is read or stored (tests); the app passes the user's settings.
        self.settings_controller = settings_mod.attach(self, self._settings() if restore_settings else None)

        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.poll)
        self.set_display_rate(fps)
        if restore_settings:
            # "view": the command line chose the training settings, keep them
            self._restore_settings(training=restore_settings != "view")
        self._start_thread()
        self.timer.start()
        # Views, networks and panels of other sizes come and go; without this the heap keeps
        # their freed memory and the process grows by ~100 MB in a session of changes.
        from gdviz.training.memory import trim_heap_soon

        self._trim_timer = QTimer(self)
        self._trim_timer.setInterval(TRIM_EVERY_MS)
        self._trim_timer.timeout.connect(trim_heap_soon)
        self._trim_timer.start()

    # ================================================================== layout
    def _build_panels(self) -> None:
        from gdviz.qt.activations import HiddenActivationsPanel
        from gdviz.qt.output import OutputPanel
        from gdviz.qt.weights import DeeperLayersPanel, HiddenWeightsPanel

        self.hidden_weights = HiddenWeightsPanel()
        self.deeper_layers = DeeperLayersPanel()
        self.output_panel = OutputPanel()
        self.activations = HiddenActivationsPanel()
        self.cost_panel = CostPanel()
        self.output_panel.pinRequested.connect(self._pin_requested)
        self.panels = {
            "hidden_weights": self.hidden_weights,
            "deeper_layers": self.deeper_layers,
            "activations": self.activations,
            "output": self.output_panel,
            "cost": self.cost_panel,
        }
        for name, panel in self.panels.items():
            panel.setObjectName(panel.objectName() or name)
        self.panel_frames = {name: 0 for name in self.panels}

        def framed(widget: QWidget) -> QFrame:
            frame = QFrame()
            frame.setObjectName("PanelFrame")
            frame.setFrameShape(QFrame.Shape.StyledPanel)
            lay = QVBoxLayout(frame)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(widget)
            return frame

        self.frames_by_panel = {name: framed(p) for name, p in self.panels.items()}
        f = self.frames_by_panel

        # Left column: what the first layer learns, then the deeper layers.
        # Middle column: the example going through the network and its output.
        # Bottom: the cost and accuracy across the whole run.
        self.left_split = QSplitter(Qt.Orientation.Vertical)
        self.left_split.addWidget(f["hidden_weights"])
        self.left_split.addWidget(f["deeper_layers"])
        self.left_split.setStretchFactor(0, 3)
        self.left_split.setStretchFactor(1, 2)

        self.right_split = QSplitter(Qt.Orientation.Vertical)
        self.right_split.addWidget(f["activations"])
        self.right_split.addWidget(f["output"])
        self.right_split.setStretchFactor(0, 1)
        self.right_split.setStretchFactor(1, 1)

        self.top_split = QSplitter(Qt.Orientation.Horizontal)
        self.top_split.addWidget(self.left_split)
        self.top_split.addWidget(self.right_split)
        self.top_split.setStretchFactor(0, 1)
        self.top_split.setStretchFactor(1, 1)

        self.main_split = QSplitter(Qt.Orientation.Vertical)
        self.main_split.addWidget(self.top_split)
        self.main_split.addWidget(f["cost"])
        self.main_split.setStretchFactor(0, 5)
        self.main_split.setStretchFactor(1, 2)
        for split in (self.left_split, self.right_split, self.top_split, self.main_split):
            split.setChildrenCollapsible(False)
            split.setHandleWidth(5)

        # The divergence banner sits above the panels; hidden until needed.
        self.banner = QFrame()
        self.banner.setObjectName("DivergenceBanner")
        self.banner.setStyleSheet(BANNER_STYLE)
        lay = QHBoxLayout(self.banner)
        lay.setContentsMargins(10, 6, 10, 6)
        icon = QLabel("⚠")
        icon.setStyleSheet("font-size: 20px; color: #e66101;")
        self.banner_label = QLabel()
        self.banner_label.setWordWrap(True)
        self.banner_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.restore_button = QPushButton("Restore last good weights")
        self.restore_button.setToolTip("Put back the weights from before the step that blew up")
        self.restore_button.clicked.connect(self.restore_last_good)
        self.smaller_lr_button = QPushButton("Restore with η ÷ 10")
        self.smaller_lr_button.setToolTip("Restore the last good weights and divide the learning rate by 10")
        self.smaller_lr_button.clicked.connect(self.restore_with_smaller_lr)
        close = QPushButton("✕")
        close.setFlat(True)
        close.setFixedWidth(28)
        close.setToolTip("Hide this message")
        close.clicked.connect(self.banner.hide)
        lay.addWidget(icon)
        lay.addWidget(self.banner_label, 1)
        lay.addWidget(self.restore_button)
        lay.addWidget(self.smaller_lr_button)
        lay.addWidget(close)
        self.banner.hide()

        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(4, 4, 4, 0)
        cl.setSpacing(4)
        cl.addWidget(self.banner)
        # Tab 0 is the live network; the others are the teaching views, each
        # created the first time its tab is shown and drawn only while shown.
        self.tabs = QTabWidget()
        self.tabs.setObjectName("LessonTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.main_split, "Live network")
        self.tabs.setTabToolTip(0, "The network learning: its weights, its answer and its cost, live")
        self.views: dict = {}  # name -> LessonView, once created
        self._view_pages: dict[str, QWidget] = {}
        for name, (title, _module, _cls, tip) in VIEWS.items():
            page = QWidget()
            page.setObjectName(f"page-{name}")
            QVBoxLayout(page).setContentsMargins(0, 0, 0, 0)
            self._view_pages[name] = page
            i = self.tabs.addTab(page, title)
            self.tabs.setTabToolTip(i, tip)
        self.tabs.currentChanged.connect(self._tab_changed)
        cl.addWidget(self.tabs, 1)
        # Presenter mode shows the keys on screen, so the class sees what is pressed.
        self.presenter_bar = QLabel(
            "<b>Space</b> run / pause &nbsp;·&nbsp; <b>→</b> one step &nbsp;·&nbsp; <b>Shift+→</b> one epoch"
            " &nbsp;·&nbsp; <b>Ctrl+↑ / ↓</b> η × / ÷ &nbsp;·&nbsp; <b>Ctrl+R</b> reset &nbsp;·&nbsp;"
            " <b>Alt+0…7</b> views &nbsp;·&nbsp; <b>Ctrl+K</b> controls &nbsp;·&nbsp; <b>F5</b> leave presenter mode")
        self.presenter_bar.setObjectName("PresenterBar")
        self.presenter_bar.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.presenter_bar.setWordWrap(True)  # (unwrapped, its width was the window's minimum)
        self.presenter_bar.setStyleSheet("QLabel#PresenterBar { background: #111; color: #fff; padding: 6px; }")
        self.presenter_bar.hide()
        cl.addWidget(self.presenter_bar)
        self.setCentralWidget(central)
        QTimer.singleShot(0, self._initial_splits)

    def _initial_splits(self) -> None:
        w, h = self.main_split.width(), self.main_split.height()
        if w <= 0 or h <= 0:
            return
        top = int(h * 0.68)
        self.main_split.setSizes([top, h - top])
        self.top_split.setSizes([int(w * 0.52), w - int(w * 0.52)])
        self.left_split.setSizes([int(top * 0.6), top - int(top * 0.6)])
        self.right_split.setSizes([int(top * 0.36), top - int(top * 0.36)])

    def _build_controls(self) -> None:
        self.controls = ControlPanel(self.session)
        self.controls.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.controls.networkChanged.connect(self._network_changed)
        self.controls.presetRequested.connect(self.apply_preset)
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.controls_dock = QDockWidget("Controls", self)
        self.controls_dock.setObjectName("ControlsDock")
        self.controls_dock.setWidget(scroll)
        self.controls_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                       | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                                       | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.controls_dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea
                                           | Qt.DockWidgetArea.RightDockWidgetArea)
        self.controls.setMinimumWidth(220)
        scroll.setMinimumWidth(230)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.controls_dock)
        self.resizeDocks([self.controls_dock], [250], Qt.Orientation.Horizontal)

    def _build_menus(self) -> None:
        mb = self.menuBar()

        # ---- File
        m = mb.addMenu("&File")
        self.save_action = m.addAction("&Save checkpoint…", self.save_checkpoint_dialog)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.open_action = m.addAction("&Open checkpoint…", self.open_checkpoint_dialog)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        m.addSeparator()
        self.screenshot_action = m.addAction("Save screens&hot…", self.screenshot_dialog)
        self.screenshot_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        m.addSeparator()
        self.quit_action = m.addAction("&Quit", self.close)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        # ---- Data
        m = mb.addMenu("&Data")
        group = QActionGroup(self)
        self.sample_action = m.addAction("&Embedded sample (8,000 digits)", self.use_sample)
        self.mnist_action = m.addAction("&Full MNIST (download, 11 MB)", self.use_full_mnist)
        self.idx_action = m.addAction("Open &IDX folder…", self.open_idx_dialog)
        for a in (self.sample_action, self.mnist_action, self.idx_action):
            a.setCheckable(True)
            group.addAction(a)
        self.sample_action.setStatusTip("The MNIST sample built into gdviz: 8,000 training / 2,000 test digits")
        self.mnist_action.setStatusTip("All of MNIST (60,000 / 10,000 digits), downloaded once and cached")
        self.idx_action.setStatusTip("A folder holding the four MNIST-style IDX files (raw or .gz)")

        # ---- Training
        m = mb.addMenu("&Training")
        for a in self.controls.actions_for_menu():
            if a is None:
                m.addSeparator()
            else:
                m.addAction(a)
                self.addAction(a)  # shortcuts work even when the dock is hidden
        m.addSeparator()
        a = m.addAction("&Lesson preset (784-16-16-10, squared error, η = 3)",
                        lambda: self.apply_preset("lesson"))
        a.setShortcut(QKeySequence("Ctrl+Shift+L"))
        a.setStatusTip("The lesson's network and cost, back at step 0")
        self.addAction(a)
        m.addAction("&Best preset (ReLU, cross-entropy, momentum)", lambda: self.apply_preset("best"))

        # ---- View
        m = mb.addMenu("&View")
        mode_menu = m.addMenu("Weight panels show")
        self.mode_group = QActionGroup(self)
        self.mode_actions = {}
        from gdviz.qt.style import MODE_LABELS, MODES

        for i, mode in enumerate(MODES):
            a = mode_menu.addAction(MODE_LABELS[mode])
            a.setCheckable(True)
            a.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            a.triggered.connect(lambda _=False, mode=mode: self.set_weights_mode(mode))
            self.mode_group.addAction(a)
            self.mode_actions[mode] = a
        self.mode_actions["weights"].setChecked(True)
        m.addSeparator()
        self.log_action = m.addAction("&Log-scale cost")
        self.log_action.setCheckable(True)
        self.log_action.setShortcut(QKeySequence("Ctrl+L"))
        self.log_action.toggled.connect(self.cost_panel.setLogScale)
        self.cost_panel.log_box.toggled.connect(self.log_action.setChecked)
        self.epochs_action = m.addAction("Cost against &epochs")
        self.epochs_action.setCheckable(True)
        self.epochs_action.setShortcut(QKeySequence("Ctrl+E"))
        self.epochs_action.toggled.connect(self.cost_panel.setXInEpochs)
        self.cost_panel.x_epochs.toggled.connect(self.epochs_action.setChecked)
        self.follow_action = m.addAction("&Follow the run in the cost plot")
        self.follow_action.setCheckable(True)
        self.follow_action.setChecked(True)
        self.follow_action.toggled.connect(self.cost_panel.setFollow)
        self.cost_panel.followChanged.connect(self.follow_action.setChecked)
        m.addSeparator()
        rate_menu = m.addMenu("Display &rate")
        self.rate_group = QActionGroup(self)
        self.rate_actions = {}
        for fps in DISPLAY_RATES:
            a = rate_menu.addAction(f"{fps} frames per second")
            a.setCheckable(True)
            a.triggered.connect(lambda _=False, fps=fps: self.set_display_rate(fps))
            self.rate_group.addAction(a)
            self.rate_actions[fps] = a
        m.addSeparator()
        panels_menu = m.addMenu("&Panels")
        titles = {"hidden_weights": "First-layer weights", "deeper_layers": "Deeper layers",
                  "activations": "Activations", "output": "Output", "cost": "Cost and accuracy"}
        for name in self.frames_by_panel:
            a = panels_menu.addAction(titles[name])
            a.setCheckable(True)
            a.setChecked(True)
            a.toggled.connect(lambda on, name=name: self.show_panel(name, on))
        panels_menu.addSeparator()
        panels_menu.addAction(self.controls_dock.toggleViewAction())
        self.controls_dock.toggleViewAction().setShortcut(QKeySequence("Ctrl+K"))

        m.addSeparator()
        views_menu = m.addMenu("&Lesson views")
        a = views_menu.addAction("Live network", lambda: self.show_view("live"))
        a.setShortcut(QKeySequence("Alt+0"))
        for i, (name, (title, _m, _c, tip)) in enumerate(VIEWS.items(), start=1):
            a = views_menu.addAction(title, lambda name=name: self.show_view(name))
            a.setShortcut(QKeySequence(f"Alt+{i}"))
            a.setStatusTip(tip)
        self.presenter_action = m.addAction("&Presenter mode")
        self.presenter_action.setCheckable(True)
        self.presenter_action.setShortcut(QKeySequence("F5"))
        self.presenter_action.setStatusTip("Large fonts, high contrast and the keyboard shortcuts on screen")
        self.presenter_action.toggled.connect(self.set_presenter_mode)
        self.addAction(self.presenter_action)

        # ---- Help
        m = mb.addMenu("&Help")
        m.addAction("&Keyboard shortcuts", self.show_shortcuts)
        m.addAction("&About gdviz", self.show_about)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        sb.setSizeGripEnabled(True)

        def label(tip: str, min_width: int = 0) -> QLabel:
            lab = QLabel()
            lab.setToolTip(tip)
            lab.setContentsMargins(6, 0, 6, 0)
            if min_width:
                lab.setMinimumWidth(min_width)
            sb.addPermanentWidget(lab)
            return lab

        self.status_state = label("Running or paused")
        self.status_epoch = label("Completed epochs and progress through the current one", 100)
        self.status_step = label("Updates of θ so far", 80)
        self.status_examples = label("Training examples used so far (counting repeats)", 130)
        self.status_speed = label("Training speed in examples per second", 110)
        self.status_params = label("Number of weights and biases in θ", 110)
        self.status_accuracy = label("Share of the test digits the network gets right (last evaluation)", 120)
        self.status_data = label("The data being trained on")

    # ================================================================== thread
    def _start_thread(self) -> None:
        self.thread = TrainingThread(self.session)
        self.thread.start()

    def _stop_thread(self) -> None:
        if self.thread is not None:
            self.thread.shutdown()

    def _engine_session(self, session: TrainingSession):
        """``session`` as the engine chosen for this window will run it: itself
        (``thread``), or a :class:`RemoteSession` with its data, settings and
        initial θ (``process``; the thread engine if no process can start)."""
        if self.engine != "process":
            return session
        from gdviz.training.remote import EngineError, RemoteSession

        try:
            # started by the worker thread's serve(): the first paint never waits for it
            return RemoteSession.like(session, start=False)
        except (EngineError, OSError) as exc:  # e.g. no pipe: too many open files
            self.engine = "thread"
            self.engine_note = f"Training runs in a thread of this window ({exc})."
            return session

    def _check_engine(self) -> None:
        """If the training process died, say so and start a new one at the last θ shown."""
        thread = self.thread
        if thread is None or thread.error is None or thread.isRunning():
            return
        error, thread.error = thread.error, None
        from gdviz.training.remote import EngineStartError

        if isinstance(error, EngineStartError):  # no process can start here: train in a thread
            self.engine = "thread"
            self.engine_note = f"Training runs in a thread of this window ({error})."
            self.statusBar().showMessage(self.engine_note, 10000)
            self._replace_session(self.session.in_process())
            return
        snap = self.last_snapshot
        old = self.session
        # (the last θ shown may be of the shape before a change the process never applied)
        fits = snap is not None and not snap.diverged and snap.n_params == old.net.n_params
        fresh = TrainingSession(old.dataset, old.config, initial_theta=snap.theta if fits else None)
        self._replace_session(self._engine_session(fresh))
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        self.show_error("Training stopped unexpectedly",
                        f"The training engine stopped ({first_line}). A new one has started from the "
                        f"weights shown last; its step count starts again at 0.")

    def _replace_session(self, session: TrainingSession) -> None:
        """Swap in a new session (e.g. from a checkpoint): stop, rewire, start."""
        self._stop_thread()
        self.session = session
        self.controls.session = session
        self.controls.set_config(session.config)
        self.controls.set_dataset(session.dataset)  # (also sends the evaluation interval)
        self._set_dataset_widgets(session.dataset)
        self.cost_panel.clear()
        self.cost_panel._run_id = None
        self.norm_history.run = None  # the new session's run ids start again: a new run, whatever its id
        self.last_snapshot = None
        self._shown.clear()
        self._update_view_context()
        self._start_thread()

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
        if fps in getattr(self, "rate_actions", {}):
            self.rate_actions[fps].setChecked(True)

    def poll(self) -> bool:
        """One timer tick: take the newest snapshot (if any), then draw the next
        group of panels that is behind. True when a new snapshot was taken."""
        snap = self.session.mailbox.take()
        if snap is not None:
            self._ingest(snap)
        else:
            self.controls.sync_run_state()
            self._check_engine()
        latest = self.last_snapshot
        if latest is None or self.isMinimized():
            return snap is not None
        t0 = time.perf_counter()
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
        self._draw_view(latest, t0)
        self.render_seconds += time.perf_counter() - t0
        return snap is not None

    # ================================================================== teaching views
    def current_view(self):
        """The teaching view whose tab is shown, or None on the live tab."""
        page = self.tabs.currentWidget()
        for name, p in self._view_pages.items():
            if p is page:
                return self.views.get(name)
        return None

    def show_view(self, name: str):
        """Show the teaching view ``name`` (a key of ``VIEWS``) or ``"live"``; returns the view."""
        if name == "live":
            self.tabs.setCurrentIndex(0)
            return None
        if name not in VIEWS:
            raise ValueError(f"unknown view {name!r}; choose one of {', '.join(VIEWS)}")
        self.tabs.setCurrentWidget(self._view_pages[name])
        return self._ensure_view(name)

    def _ensure_view(self, name: str):
        view = self.views.get(name)
        if view is None:
            view = self.views[name] = create_view(name)
            view.setObjectName(f"view-{name}")
            view.set_context(self.session, self.session.dataset)
            if hasattr(view, "set_dataset_callback"):
                view.set_dataset_callback(self.set_dataset)
            if hasattr(view, "share_history"):  # |∇C| since the run began, not since the tab opened
                view.share_history(self.norm_history)
            if getattr(self, "_presenter", False):
                self._hide_notes(view)
            if hasattr(view, "ingest") and self.last_snapshot is not None:
                from dataclasses import replace

                # the evaluations so far, so its history starts with the run, not with the tab
                view.ingest(replace(self.last_snapshot, new_evals=tuple(self._evals_seen)))
            self._view_pages[name].layout().addWidget(view)
        return view

    def _tab_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        for name, p in self._view_pages.items():
            if p is page:
                self._ensure_view(name)
                self._view_drawn_at = 0.0  # draw it at the next tick
                self._view_shown = None

    def _draw_view(self, latest, now: float) -> None:
        view = self.current_view()
        if view is None:
            return
        # Views also poll their background jobs in render, so they are drawn
        # at VIEW_HZ even when no new snapshot arrived.
        if now - getattr(self, "_view_drawn_at", 0.0) >= 1.0 / VIEW_HZ:
            view.render(latest)
            self._view_shown = latest
            self._view_drawn_at = now

    def _update_view_context(self, dataset=None) -> None:
        for view in self.views.values():
            view.set_context(self.session, dataset if dataset is not None else self.session.dataset)

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
        return self.frames_by_panel[name].isVisibleTo(self)

    def _draw(self, name: str, snap) -> None:
        if name == "cost":
            self.cost_panel.redraw()
        else:
            self.panels[name].render(snap)
        self._shown[name] = snap
        self._drawn_at[name] = time.perf_counter()
        self.panel_frames[name] += 1

    def _ingest(self, snap, force_status: bool = False) -> None:
        """A new snapshot: history into the cost panel, state into controls,
        status bar (at most ``STATUS_HZ`` while running) and banner."""
        t0 = time.perf_counter()
        if self.last_snapshot is None or snap.run_id != self.last_snapshot.run_id:
            self._evals_seen = []
        self._evals_seen.extend(snap.new_evals)
        self.norm_history.observe(snap)
        self.last_snapshot = snap
        self.cost_panel.ingest(snap)  # every snapshot: the cost history must not miss a step
        for view in self.views.values():
            if hasattr(view, "ingest"):  # views that keep their own history of the run
                view.ingest(snap)
        self.controls.render(snap)
        if force_status or not snap.running or t0 - self._status_at >= 1.0 / STATUS_HZ:
            self._status_at = t0
            self._update_status(snap)
        self._update_banner(snap)
        self.frames += 1
        self.render_seconds += time.perf_counter() - t0
        self.frameRendered.emit(snap.step)

    def _update_status(self, snap) -> None:
        if snap.running != self._shown_running:
            self._shown_running = snap.running
            self.status_state.setText("● training" if snap.running else "❚❚ paused")
            self.status_state.setStyleSheet("color: #1a9850;" if snap.running else "color: #6b6b6b;")
        self.status_epoch.setText(f"epoch {snap.epoch} + {100 * snap.epoch_fraction:.0f}%")
        self.status_step.setText(f"step {snap.step:,}")
        self.status_examples.setText(f"{snap.examples_seen:,} examples seen")
        self.status_speed.setText(f"{snap.samples_per_s:,.0f} samples/s" if snap.running else "— samples/s")
        sizes = "-".join(str(s) for s in snap.sizes)
        self.status_params.setText(f"{snap.n_params:,} parameters")
        self.status_params.setToolTip(f"{sizes} network, {snap.activation}, cost {snap.cost_name}, "
                                      f"η = {format_lr(snap.lr)}, batch {snap.batch_size}, seed {snap.seed}")
        ev = snap.last_eval
        if ev is not None and math.isfinite(ev.test_accuracy):
            self.status_accuracy.setText(f"test accuracy {100 * ev.test_accuracy:.1f}%")
        else:
            self.status_accuracy.setText("test accuracy —")
        if snap.message and snap.message != self._shown_message and not snap.diverged:
            self.statusBar().showMessage(snap.message, 8000)  # (a divergence has its banner)
        self._shown_message = snap.message

    def _update_banner(self, snap) -> None:
        if snap.diverged:
            text = snap.message or "The cost became infinite or not a number: choose a smaller η."
            if self.banner_label.text() != text or self.banner.isHidden():
                self.banner_label.setText(text)
                self.smaller_lr_button.setText(f"Restore with η = {format_lr(max(snap.lr / 10, 1e-4))}")
                self.banner.show()
        elif not self.banner.isHidden():
            self.banner.hide()

    def restore_last_good(self) -> None:
        self.session.restore_last_finite()
        self.banner.hide()
        self.statusBar().showMessage("Restored the last weights whose cost was finite.", 6000)

    def restore_with_smaller_lr(self) -> None:
        self.controls.set_lr(max(self.controls.config.lr / 10.0, 1e-4))
        self.restore_last_good()

    def show_panel(self, name: str, visible: bool = True) -> None:
        """Show or hide one panel (a shown panel draws the latest snapshot at once)."""
        self.frames_by_panel[name].setVisible(visible)
        if visible and self.last_snapshot is not None:
            self._draw(name, self.last_snapshot)

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
        from dataclasses import replace

        from gdviz.training import PRESETS

        cur = self.session.config
        config = replace(PRESETS[name], seed=cur.seed, steps_per_second=cur.steps_per_second,
                         eval_every=cur.eval_every)
        self.controls._show_paused()
        self.session.pause()
        self.session.reset(config)
        self.controls.set_config(config)
        self.statusBar().showMessage(
            f"{name.capitalize()} preset: {'-'.join(map(str, config.sizes()))}, {config.activation}, "
            f"{config.cost}, {config.optimizer}, η = {config.lr:g}, batch {config.batch_size}", 8000)

    def set_presenter_mode(self, on: bool) -> None:
        """Large fonts, high contrast and the shortcuts on screen, for a projector."""
        from PySide6.QtWidgets import QApplication

        from gdviz.qt import style

        app = QApplication.instance()
        if on == getattr(self, "_presenter", False):
            return
        self._presenter = on
        if on:
            self._normal_font = app.font()
            big = app.font()
            big.setPointSizeF(big.pointSizeF() * PRESENTER_SCALE)
            app.setFont(big)
            # (not QLabel: a style sheet colour would override the answer's green/red)
            self.setStyleSheet("QCheckBox, QRadioButton, QGroupBox,"
                               " QLabel[gdviz_muted=\"true\"] { color: #000000; }"
                               "QTabBar::tab { padding: 8px 16px; font-weight: bold; }")
        else:
            app.setFont(self._normal_font)
            self.setStyleSheet("")
        # Fonts set on purpose (titles, read-outs, in-plot texts, axis ticks) grow too.
        style.set_font_scale(PRESENTER_SCALE if on else 1.0, self)
        self.presenter_bar.setVisible(on)
        # The small explanatory notes cannot be read from the back of a room: the
        # plots get their space (the presenter explains); they come back after.
        if on:
            self._presenter_notes = []
            self._hide_notes(self)
        else:
            for lab in getattr(self, "_presenter_notes", []):
                if _alive(lab):
                    lab.show()
            self._presenter_notes = []
        # A projector is often 1280×720: there the controls make way for the panels
        # (the keys are on screen; Ctrl+K brings the controls back).
        if on:
            self._presenter_hid_dock = self.width() < PRESENTER_DOCK_MIN_WIDTH and self.controls_dock.isVisible()
            if self._presenter_hid_dock:
                self.controls_dock.hide()
        elif getattr(self, "_presenter_hid_dock", False):
            self._presenter_hid_dock = False
            self.controls_dock.show()
        # the bigger controls need a wider dock
        self.resizeDocks([self.controls_dock], [340 if on else 250], Qt.Orientation.Horizontal)
        if self.presenter_action.isChecked() != on:
            self.presenter_action.setChecked(on)

    def _hide_notes(self, root) -> None:
        """Presenter mode: hide the explanatory notes under ``root`` (remembered, to show again)."""
        from PySide6.QtWidgets import QLabel

        for lab in root.findChildren(QLabel):
            if lab.property("gdviz_note") and not lab.isHidden():
                lab.hide()
                self._presenter_notes.append(lab)

    def _network_changed(self) -> None:
        pass  # panels rebuild themselves when snap.sizes changes

    # ================================================================== data
    def _set_dataset_widgets(self, dataset) -> None:
        self.output_panel.set_test_digits(dataset.test_images, dataset.test_labels)
        name = getattr(dataset, "name", "data")
        base = name.split("-", 1)[0]
        kinds = {"sample": "embedded sample", "mnist": "full MNIST"}
        kind = kinds.get(name, name)
        if base in kinds and name != base:  # a generalisation experiment
            what = name.split("-", 1)[1]
            if what.startswith("subset") and what[6:].isdigit():
                what = f"only {int(what[6:]):,} training digits"
            elif what == "shuffled-labels":
                what = "labels shuffled"
            kind = f"{kinds[base]}, {what.replace('-', ' ')}"
            name = base
        self.status_data.setText(f"{kind}: {len(dataset.train_labels):,} / {len(dataset.test_labels):,}")
        self.status_data.setToolTip(getattr(dataset, "description", ""))
        action = {"sample": self.sample_action, "mnist": self.mnist_action}.get(name, self.idx_action)
        action.setChecked(True)

    def set_dataset(self, dataset) -> None:
        """Train on ``dataset`` from step 0 with the same settings."""
        self.session.set_dataset(dataset)
        self.controls.set_dataset(dataset)
        self.controls._show_paused()
        self._set_dataset_widgets(dataset)
        self._update_view_context(dataset)

    def use_sample(self) -> None:
        from gdviz.data import DataError, load_sample

        try:
            self.set_dataset(load_sample())
        except DataError as exc:
            self.show_error("Embedded sample unavailable", str(exc))
            self._set_dataset_widgets(self.session.dataset)

    def use_full_mnist(self, *, cache_dir=None, mirrors=None, show_dialog: bool = True, job=None):
        """Download (or read from the cache) the full MNIST in a background thread.

        Returns the :class:`~gdviz.qt.downloader.MnistDownloader` (``job``:
        a ready :class:`~gdviz.qt.downloader.DownloadJob`, for tests).
        """
        from gdviz.qt.downloader import MnistDownloader

        self._set_dataset_widgets(self.session.dataset)  # until it has arrived
        if self._download is not None and not self._download.finished:
            return self._download

        def done(dataset):
            self._download = None
            self.set_dataset(dataset)
            self.statusBar().showMessage(f"Now training on {dataset.description}", 8000)

        def failed(message):
            self._download = None
            self.show_error("Could not get the full MNIST",
                            f"{message}\n\nYou can keep working with the embedded sample.")

        def cancelled():
            self._download = None
            self.statusBar().showMessage("Download cancelled; still using the same data.", 6000)

        # (keep our own reference: a download that fails at once clears self._download in start())
        download = self._download = MnistDownloader(self, done, failed, cancelled, cache_dir=cache_dir,
                                                    mirrors=mirrors, show_dialog=show_dialog, job=job)
        download.start()
        return download

    def open_idx_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with four MNIST-style IDX files")
        self._set_dataset_widgets(self.session.dataset)
        if folder:
            self.open_idx_folder(folder)

    def open_idx_folder(self, folder) -> bool:
        from gdviz.data import DataError, load_idx_dir

        try:
            dataset = load_idx_dir(folder)
        except DataError as exc:
            self.show_error("Could not read that folder", str(exc))
            return False
        self.set_dataset(dataset)
        return True

    # ================================================================== files
    def save_checkpoint(self, path) -> Path | None:
        """Write θ and the settings to ``path``; errors go to a message box."""
        try:
            from gdviz.training.checkpoint import CheckpointError, save_checkpoint
        except ImportError as exc:  # pragma: no cover - module missing
            self.show_error("Checkpoints unavailable", f"This gdviz cannot save checkpoints ({exc}).")
            return None
        snap = self.last_snapshot or self.session.mailbox.peek()
        # θ from the latest snapshot (an immutable copy), never the array the
        # worker is updating; after a divergence the session's last finite θ.
        theta = None if snap is None or snap.diverged or snap.n_params != self.session.net.n_params \
            else snap.theta
        try:
            written = save_checkpoint(path, self.session, self.controls.config, theta=theta,
                                      extra={"dataset": getattr(self.session.dataset, "name", "")})
        except (CheckpointError, OSError, TypeError) as exc:
            self.show_error("Could not save the checkpoint", str(exc))
            return None
        self.statusBar().showMessage(f"Saved checkpoint {written}", 6000)
        return Path(written)

    def load_checkpoint(self, path) -> bool:
        """Continue from the checkpoint at ``path`` (current session untouched on error)."""
        try:
            from gdviz.training.checkpoint import (
                CheckpointError,
                load_checkpoint,
                session_from_checkpoint,
            )
        except ImportError as exc:  # pragma: no cover - module missing
            self.show_error("Checkpoints unavailable", f"This gdviz cannot open checkpoints ({exc}).")
            return False
        try:
            ckpt = load_checkpoint(path)
            session = self._engine_session(session_from_checkpoint(ckpt, self.session.dataset))
        except (CheckpointError, OSError) as exc:
            self.show_error("Could not open the checkpoint", str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - any failure keeps the current session
            self.show_error("Could not open the checkpoint", f"{path}: {type(exc).__name__}: {exc}")
            return False
        self._replace_session(session)
        self.statusBar().showMessage(
            f"Opened {Path(path).name}: θ after {ckpt.step:,} steps; training counters restart at 0.", 8000)
        return True

    def save_checkpoint_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint", "gdviz-checkpoint.npz",
                                              "gdviz checkpoints (*.npz)")
        if path:
            if not path.endswith(".npz"):
                path += ".npz"
            self.save_checkpoint(path)

    def open_checkpoint_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open checkpoint", "", "gdviz checkpoints (*.npz);;All files (*)")
        if path:
            self.load_checkpoint(path)

    def save_screenshot(self, path) -> Path:
        path = Path(path)
        if not self.grab().save(str(path)):
            raise OSError(f"{path}: could not write the image")
        return path

    def screenshot_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", "gdviz.png", "PNG images (*.png)")
        if path:
            try:
                self.save_screenshot(path)
            except OSError as exc:
                self.show_error("Could not save the screenshot", str(exc))
            else:
                self.statusBar().showMessage(f"Saved {path}", 6000)

    # ================================================================== messages
    def show_error(self, title: str, text: str) -> QMessageBox:
        """A non-blocking warning box (training and the display carry on)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self._message_boxes = [b for b in self._message_boxes if _alive(b)] + [box]
        box.open()
        self.statusBar().showMessage(text.splitlines()[0] if text else title, 10000)
        return box

    def show_shortcuts(self) -> None:
        rows = [
            ("Space", "run / pause"), ("→", "one step (one mini-batch)"),
            ("Shift+→", "to the end of the epoch"), ("Ctrl+↑ / Ctrl+↓", "larger / smaller η"),
            ("↑ / ↓ in the η field", "next / previous η"), ("PgUp / PgDn in the η field", "η × 10 / ÷ 10"),
            ("Ctrl+R", "reset to the same initial weights"), ("Ctrl+Shift+R", "new random initial weights"),
            ("Ctrl+1 / 2 / 3", "weights / −∇C / Δθ"), ("Ctrl+L", "log-scale cost"),
            ("Ctrl+E", "cost against epochs"), ("Ctrl+K", "show / hide the controls"),
            ("Ctrl+S / Ctrl+O", "save / open a checkpoint"), ("Ctrl+Shift+O", "open a recording"),
            ("Ctrl+Shift+L", "the lesson preset, back to step 0"),
            ("Alt+0", "the live network"), ("Alt+1 … Alt+7", "the teaching views (−∇C, step size, "
                                                          "landscape, one example, GD vs SGD, "
                                                          "generalisation, draw)"),
            ("F5", "presenter mode (large fonts, keys on screen)"), ("Ctrl+Q", "quit"),
        ]
        html = "<table cellspacing=4>" + "".join(
            f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows) + "</table>"
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", html, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_about(self) -> None:
        from gdviz import __version__

        where = ("in a separate process (the window never waits for it)" if self.engine == "process"
                 else "in a background thread of this window")
        note = f"<p>{self.engine_note}</p>" if self.engine_note else ""
        QMessageBox.about(self, "About gdviz",
                          f"<b>gdviz {__version__}</b><p>Watch a neural network learn handwritten digits "
                          f"by gradient descent, one mini-batch at a time.</p><p>The network trains "
                          f"{where}.</p>{note}")

    # ================================================================== settings
    def _settings(self) -> QSettings:
        return QSettings("gdviz", "gdviz")

    def _restore_settings(self, training: bool = True) -> None:
        from gdviz.qt import settings as settings_mod

        settings_mod.apply_to_window(self, settings_mod.load_settings(self._settings()), training=training)

    def save_settings(self) -> None:
        from gdviz.qt import settings as settings_mod

        settings_mod.save_settings(self._settings(), settings_mod.read_from_window(self))

    # ================================================================== shutdown
    def shutdown(self) -> None:
        """Stop the display timer, any download wait, and the worker thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.timer.stop()
        self._trim_timer.stop()
        if self._download is not None and not self._download.finished:
            self._download.cancel()
        for view in self.views.values():
            view.shutdown()
        self._stop_thread()
        self.settings_controller.on_close()  # autosave.npz when "Autosave on quit" is on
        self.replay.on_close()  # finishes a recording in progress, closes a replayed file
        if getattr(self, "_presenter", False):  # the app's fonts are shared: give them back
            from PySide6.QtWidgets import QApplication

            from gdviz.qt import style

            QApplication.instance().setFont(self._normal_font)
            style.set_font_scale(1.0)

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)


def _alive(widget) -> bool:
    try:
        widget.isVisible()
        return True
    except RuntimeError:
        return False
