"""The control panel: every widget here only sends a command to the session.

Nothing here touches the network. A command takes effect before the next
mini-batch; a value the session would refuse (``SettingError``) is refused
here, in words, with the field turned red — training carries on with the
previous value.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gdviz.core import OPTIMIZERS
from gdviz.qt.control_values import (
    NICE_LR_STEPS,
    describe_network,
    eval_interval,
    format_lr,
    format_pace,
    lr_to_slider,
    nice_lr_steps,
    slider_to_lr,
)
from gdviz.qt.lr_box import LearningRateBox
from gdviz.qt.network_box import NetworkBox, combo as _combo
from gdviz.training import (
    LR_MAX,
    LR_MIN,
    SettingError,
    TrainConfig,
    check_lr,
    parse_hidden,
)
from gdviz.training.config import DEFAULT_PACE

__all__ = [
    "MAX_HIDDEN",
    "SPEEDS",
    "ControlPanel",
    "eval_interval",
    "format_lr",
    "format_pace",
    "lr_to_slider",
    "nice_lr_steps",
    "slider_to_lr",
]

#: (label, steps per second); 0 = as fast as possible.
SPEEDS: tuple[tuple[str, float], ...] = (
    ("As fast as possible", 0.0),
    ("100 steps / s", 100.0),
    ("30 steps / s", 30.0),
    ("10 steps / s", 10.0),
    ("5 steps / s", 5.0),
    ("2 steps / s", 2.0),
    ("1 step / s", 1.0),
)
#: Biggest hidden layer the window accepts (the panels draw one image per neuron).
MAX_HIDDEN = 1024

OPTIMIZER_TITLES = {
    "gd": "Gradient descent (all data)",
    "sgd": "Mini-batch SGD",
    "momentum": "SGD + momentum",
}

ERROR_STYLE = "QLineEdit { border: 2px solid #e0464e; background: #fde8e9; color: #8a1118; }"
PANEL_STYLE = """
QToolButton#RunButton { font-weight: bold; font-size: 11pt; border: 1px solid #1a7f43;
    border-radius: 4px; background: #1a9850; color: white; }
QToolButton#RunButton:hover { background: #178a48; }
QToolButton#RunButton[running="true"] { background: #f2a33a; border-color: #b86e0c; color: #2b1a00; }
QToolButton#RunButton[running="true"]:hover { background: #e8952a; }
QLabel#ControlMessage[error="true"] { color: #b2182b; }
QLabel#Hints { color: #6b6b6b; }
"""


class ControlPanel(QWidget):
    """Learning rate, run/pause/step, speed, batch size, update rule, network.

    ``session`` is a :class:`~gdviz.training.TrainingSession`; every control
    calls one of its command methods. ``config`` is what the controls have
    asked for (the session applies it at its next mini-batch).

    Signals (GUI thread only): ``statusMessage(str)`` for the status bar;
    ``networkChanged()`` after a Reset/New seed that may change the layers.
    """

    statusMessage = Signal(str)
    networkChanged = Signal()
    presetRequested = Signal(str)  # "lesson" or "best"

    #: Asked before any reset with the function that does it: True to reset now, False when it
    #: calls that function later or not at all (a recording asks first; see gdviz.qt.lesson_recording).
    reset_guard = None

    #: After a Run/Pause click, snapshots published before the session saw it
    #: may still show the old state; trust the button for this long.
    RUN_STATE_GRACE_S = 0.3

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ControlPanel")
        self.session = session
        self.config: TrainConfig = session.config
        self.n_train = len(session.dataset.train_labels)
        self.n_in = int(session.dataset.train_images.shape[1])
        self._run_clicked_at = -1e9
        self._snap = None
        self._lr_error = False
        #: the pace to come back to after fast-forward (steps/s, > 0)
        self.watch_pace = float(self.config.steps_per_second) or DEFAULT_PACE
        self._make_actions()
        self._build_ui()
        self.set_config(self.config)
        self._apply_eval_interval()

    # ------------------------------------------------------------------ actions
    def _make_actions(self) -> None:
        def action(text, shortcut, tip, slot, checkable=False):
            a = QAction(text, self)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
                a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.setToolTip(f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
                         if shortcut else tip)
            a.setStatusTip(tip)
            a.setCheckable(checkable)
            (a.toggled if checkable else a.triggered).connect(slot)
            return a

        self.run_action = action("Run", Qt.Key.Key_Space, "Run or pause training", self._run_toggled,
                                 checkable=True)
        self.step_action = action("Step", Qt.Key.Key_Right, "Do one update (one mini-batch) and pause",
                                  self.step_once)
        self.epoch_action = action("Epoch", QKeySequence("Shift+Right"),
                                   "Train to the end of the current epoch and pause", self.step_epoch)
        self.fast_action = action("▶▶ As fast as possible", QKeySequence("F"),
                                  "Fast-forward: train as fast as the computer can (again: back to the "
                                  "pace chosen below)", self._fast_toggled, checkable=True)
        self.fast_action.setShortcuts([QKeySequence("F"), QKeySequence("Shift+Space")])
        self.fast_action.setIconText("▶▶ As fast as possible (F)")  # the button; menus show the key themselves
        self.reset_action = action("Reset", QKeySequence("Ctrl+R"),
                                   "Back to step 0 with the same initial weights "
                                   "(and the network settings below)", self.reset)
        self.reseed_action = action("New seed", QKeySequence("Ctrl+Shift+R"),
                                    "Back to step 0 with new random initial weights", self.reseed)
        self.faster_action = action("Larger η", QKeySequence("Ctrl+Up"), "Increase the learning rate",
                                    lambda: self.nudge_lr(1))
        self.slower_action = action("Smaller η", QKeySequence("Ctrl+Down"), "Decrease the learning rate",
                                    lambda: self.nudge_lr(-1))

    def actions_for_menu(self) -> list[QAction]:
        return [self.run_action, self.step_action, self.epoch_action, self.fast_action, None, self.faster_action,
                self.slower_action, None, self.reset_action, self.reseed_action]

    # ------------------------------------------------------------------ layout
    def _build_ui(self) -> None:
        self.setStyleSheet(PANEL_STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(8)

        # ---- run / pause / step
        box = QGroupBox("Training")
        grid = QGridLayout(box)
        grid.setSpacing(4)

        def button(act, big=False):
            b = QToolButton()
            b.setDefaultAction(act)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            b.setMinimumHeight(34 if big else 26)
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            return b

        self.run_button = button(self.run_action, big=True)
        self.run_button.setObjectName("RunButton")
        self.step_button = button(self.step_action)
        self.epoch_button = button(self.epoch_action)
        self.reset_button = button(self.reset_action)
        self.reseed_button = button(self.reseed_action)
        grid.addWidget(self.run_button, 0, 0, 1, 2)
        grid.addWidget(self.step_button, 1, 0)
        grid.addWidget(self.epoch_button, 1, 1)
        grid.addWidget(self.reset_button, 2, 0)
        grid.addWidget(self.reseed_button, 2, 1)
        self.speed_combo = _combo()
        for text, sps in SPEEDS:
            self.speed_combo.addItem(text, sps)
        self.speed_combo.setToolTip("Steps per second; slow speeds let a class follow single steps")
        self.speed_combo.currentIndexChanged.connect(self._speed_changed)
        grid.addWidget(QLabel("Pace"), 3, 0)
        grid.addWidget(self.speed_combo, 3, 1)
        self.fast_button = button(self.fast_action)
        self.fast_button.setObjectName("FastButton")
        grid.addWidget(self.fast_button, 4, 0, 1, 2)
        outer.addWidget(box)

        # ---- learning rate
        self.lr_box = LearningRateBox()
        self.lr_edit, self.lr_slider, self.lr_message = self.lr_box.edit, self.lr_box.slider, self.lr_box.message
        self.lr_edit.returnPressed.connect(self.apply_lr_text)
        self.lr_edit.editingFinished.connect(self.apply_lr_text)
        self.lr_slider.valueChanged.connect(self._slider_moved)
        self.lr_box.nudged.connect(self.nudge_lr)
        outer.addWidget(self.lr_box)

        # ---- mini-batches and update rule
        box = QGroupBox("Updates")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.optimizer_combo = _combo()
        for key in OPTIMIZERS:
            self.optimizer_combo.addItem(OPTIMIZER_TITLES.get(key, key), key)
            self.optimizer_combo.setItemData(self.optimizer_combo.count() - 1, OPTIMIZERS[key],
                                             Qt.ItemDataRole.ToolTipRole)
        self.optimizer_combo.currentIndexChanged.connect(self._optimizer_changed)
        form.addRow("Rule", self.optimizer_combo)
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, max(1, self.n_train))
        self.batch_spin.setKeyboardTracking(False)
        self.batch_spin.setAccelerated(True)
        self.batch_spin.setToolTip("Examples averaged per update (mini-batch size)")
        self.batch_spin.valueChanged.connect(self._batch_changed)
        form.addRow("Batch size", self.batch_spin)
        outer.addWidget(box)

        # ---- network (applied on Reset)
        box = NetworkBox()
        self.network_box = box
        self.hidden_edit, self.activation_combo, self.cost_combo = box.hidden_edit, box.activation_combo, box.cost_combo
        self.network_label, self.lesson_button, self.best_button = box.network_label, box.lesson_button, box.best_button
        self.hidden_edit.textChanged.connect(self._network_edited)
        self.activation_combo.currentIndexChanged.connect(self._network_edited)
        self.cost_combo.currentIndexChanged.connect(self._network_edited)
        self.lesson_button.clicked.connect(lambda: self.presetRequested.emit("lesson"))
        self.best_button.clicked.connect(lambda: self.presetRequested.emit("best"))
        outer.addWidget(box)

        # ---- messages
        self.message_label = QLabel()
        self.message_label.setObjectName("ControlMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setMinimumHeight(40)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        outer.addWidget(self.message_label)
        outer.addStretch(1)
        self.hints = QLabel("<b>Space</b> run / pause &nbsp; <b>→</b> one step<br>"
                            "<b>Shift+→</b> to the end of the epoch<br>"
                            "<b>Ctrl+↑ / ↓</b> larger / smaller η<br>"
                            "<b>Ctrl+R</b> reset &nbsp; <b>Ctrl+1/2/3</b> w / −∇C / Δθ")
        self.hints.setObjectName("Hints")
        self.hints.setWordWrap(True)
        self.hints.setProperty("gdviz_note", True)  # presenter mode: the presenter bar shows the keys
        outer.addWidget(self.hints)

    # ------------------------------------------------------------------ state from outside
    def set_config(self, config: TrainConfig) -> None:
        """Show ``config`` in every field (no command is sent); a message about earlier settings goes."""
        self.config = config
        self.show_message("")
        widgets = (self.lr_slider, self.lr_edit, self.batch_spin, self.optimizer_combo, self.speed_combo,
                   self.hidden_edit, self.activation_combo, self.cost_combo)
        for w in widgets:
            w.blockSignals(True)
        try:
            self.lr_edit.setText(format_lr(config.lr))
            self._set_lr_error(None)
            self.lr_slider.setValue(lr_to_slider(config.lr))
            self.batch_spin.setValue(int(config.batch_size))
            self.optimizer_combo.setCurrentIndex(max(0, self.optimizer_combo.findData(config.optimizer)))
            idx = self.speed_combo.findData(float(config.steps_per_second))
            if idx < 0:
                self.speed_combo.addItem(f"{config.steps_per_second:g} steps / s", float(config.steps_per_second))
                idx = self.speed_combo.count() - 1
            self.speed_combo.setCurrentIndex(idx)
            if config.steps_per_second > 0:
                self.watch_pace = float(config.steps_per_second)
            self._show_fast(config.steps_per_second == 0)
            self.hidden_edit.setText(",".join(str(h) for h in config.hidden))
            self.activation_combo.setCurrentIndex(max(0, self.activation_combo.findData(config.activation)))
            self.cost_combo.setCurrentIndex(max(0, self.cost_combo.findData(config.cost)))
        finally:
            for w in widgets:
                w.blockSignals(False)
        self.batch_spin.setEnabled(config.optimizer != "gd")
        self._network_edited()

    def set_dataset(self, dataset) -> None:
        """A new dataset: batch-size limit, input size, evaluation interval."""
        self.n_train = len(dataset.train_labels)
        self.n_in = int(dataset.train_images.shape[1])
        self.batch_spin.blockSignals(True)
        self.batch_spin.setMaximum(max(1, self.n_train))
        self.batch_spin.blockSignals(False)
        self._apply_eval_interval()
        self._network_edited()

    def render(self, snap) -> None:
        """Follow the session's run state (it pauses itself after steps or a divergence)."""
        self._snap = snap
        self.sync_run_state()

    def sync_run_state(self) -> None:
        """Make Run/Pause agree with the latest snapshot.

        Right after a click, snapshots published before the session saw the
        command still show the old state: they are ignored until one agrees
        with the click or ``RUN_STATE_GRACE_S`` has passed (a divergence is
        always shown at once).
        """
        snap = self._snap
        if snap is None:
            return
        wanted = self.run_action.isChecked()
        if snap.running == wanted:
            self._run_clicked_at = -1e9  # the session has caught up
        elif not snap.diverged and time.perf_counter() - self._run_clicked_at < self.RUN_STATE_GRACE_S:
            return
        if wanted != snap.running:
            self.run_action.blockSignals(True)
            self.run_action.setChecked(snap.running)
            self.run_action.blockSignals(False)
            self._update_run_text()

    def _update_run_text(self) -> None:
        running = self.run_action.isChecked()
        self.run_action.setText("Pause" if running else "Run")
        self.run_button.setProperty("running", running)
        self.run_button.style().unpolish(self.run_button)
        self.run_button.style().polish(self.run_button)

    # ------------------------------------------------------------------ messages
    def show_message(self, text: str, error: bool = False) -> None:
        if bool(self.message_label.property("error")) != bool(error):
            self.message_label.setProperty("error", bool(error))
            self.message_label.setStyleSheet("color: #b2182b;" if error else "")
        self.message_label.setText(text)
        if text:
            self.statusMessage.emit(text)

    # ------------------------------------------------------------------ commands
    def _run_toggled(self, on: bool) -> None:
        self._run_clicked_at = time.perf_counter()
        if on:
            self.session.run()
        else:
            self.session.pause()
            self._end_fast_forward()
        self._update_run_text()

    def toggle_run(self) -> None:
        self.run_action.toggle()

    def run(self) -> None:
        """Start training (whatever the button shows)."""
        self._set_run_button(True)
        self.session.run()

    def pause(self) -> None:
        """Pause training (whatever the button shows)."""
        self._set_run_button(False)
        self.session.pause()
        self._end_fast_forward()

    def _end_fast_forward(self) -> None:
        """Pausing ends a fast-forward: the next Space goes on at the pace the class watches."""
        if self.fast_action.isChecked():
            self._show_fast(False)
            self.set_pace(self.watch_pace)

    def _set_run_button(self, running: bool) -> None:
        self._run_clicked_at = time.perf_counter()
        self.run_action.blockSignals(True)
        self.run_action.setChecked(running)
        self.run_action.blockSignals(False)
        self._update_run_text()

    def show_paused(self) -> None:
        self._set_run_button(False)

    def step_once(self) -> None:
        self.show_paused()
        self.session.step(1)

    def step_epoch(self) -> None:
        self.show_paused()
        self.session.step_epoch()

    def apply_lr_text(self) -> bool:
        """Send the typed η; refuse it (red field + message) when it is not usable."""
        text = self.lr_edit.text().strip()
        try:
            lr = check_lr(text.replace(",", "."))
        except SettingError as exc:
            self._set_lr_error(f"Not applied: {exc}. Training continues with η = {format_lr(self.config.lr)}.")
            return False
        self._set_lr(lr, from_slider=False)
        return True

    def set_lr(self, lr: float) -> None:
        """Set η (raises SettingError for an unusable value)."""
        self._set_lr(check_lr(lr), from_slider=False)

    def nudge_lr(self, direction: int) -> None:
        """One nice stop up/down (``±1``) or ×10 / ÷10 (``±10``)."""
        lr = self.config.lr
        if abs(direction) == 10:
            new = lr * 10.0 if direction > 0 else lr / 10.0
            new = min(max(float(f"{new:.3g}"), LR_MIN), LR_MAX)
        elif direction > 0:
            new = next((v for v in NICE_LR_STEPS if v > lr * (1 + 1e-9)), LR_MAX)
        else:
            new = next((v for v in reversed(NICE_LR_STEPS) if v < lr * (1 - 1e-9)), LR_MIN)
        self._set_lr(new, from_slider=False)

    def _slider_moved(self, pos: int) -> None:
        self._set_lr(slider_to_lr(pos), from_slider=True)

    def _set_lr(self, lr: float, from_slider: bool) -> None:
        self.session.set_lr(lr)
        changed = lr != self.config.lr
        self.config = replace(self.config, lr=lr)
        self._set_lr_error(None)
        self.lr_edit.blockSignals(True)
        self.lr_edit.setText(format_lr(lr))
        self.lr_edit.blockSignals(False)
        if not from_slider:
            self.lr_slider.blockSignals(True)
            self.lr_slider.setValue(lr_to_slider(lr))
            self.lr_slider.blockSignals(False)
        if changed:
            self.show_message(f"η = {format_lr(lr)} from the next step.")

    def _set_lr_error(self, message: str | None) -> None:
        """Red field and a message right under it (and in the status bar), or clear them."""
        was = self._lr_error
        self._lr_error = message is not None
        if self._lr_error or was:
            self.lr_edit.setStyleSheet(ERROR_STYLE if message else "")
            self.lr_edit.setProperty("error", bool(message))
            self.lr_message.setText(message or "")
            self.lr_message.setVisible(bool(message))
        if message:
            self.statusMessage.emit(message)

    @property
    def lr_error(self) -> bool:
        return self._lr_error

    def _speed_changed(self, index: int) -> None:
        sps = float(self.speed_combo.itemData(index))
        self.session.set_speed(sps)
        self.config = replace(self.config, steps_per_second=sps)
        if sps > 0:
            self.watch_pace = sps
        self._show_fast(sps == 0)
        self.show_message("Training as fast as possible." if sps == 0 else
                          f"Training at {sps:g} step{'s' if sps != 1 else ''} per second.")

    def set_pace(self, steps_per_second: float) -> None:
        """Train at ``steps_per_second`` (0: as fast as possible), shown in the pace box."""
        sps = float(steps_per_second)
        idx = self.speed_combo.findData(sps)
        if idx < 0:
            self.speed_combo.addItem(f"{sps:g} steps / s", sps)
            idx = self.speed_combo.count() - 1
        if idx == self.speed_combo.currentIndex():
            self._speed_changed(idx)
        else:
            self.speed_combo.setCurrentIndex(idx)  # sends it

    def _fast_toggled(self, on: bool) -> None:
        """Fast-forward on: as fast as possible, running; off: back to the watch pace."""
        if on:
            self.set_pace(0.0)
            if not self.run_action.isChecked():
                self.run()
        else:
            self.set_pace(self.watch_pace)

    def _show_fast(self, on: bool) -> None:
        self.fast_action.blockSignals(True)
        self.fast_action.setChecked(on)
        self.fast_action.blockSignals(False)

    def _batch_changed(self, value: int) -> None:
        try:
            self.session.set_batch_size(value)
        except SettingError as exc:
            self.show_message(f"Not applied: {exc}.", error=True)
            return
        self.config = replace(self.config, batch_size=int(value))
        self._apply_eval_interval()
        self.show_message(f"Mini-batches of {value} from the next step.")

    def _optimizer_changed(self, index: int) -> None:
        key = self.optimizer_combo.itemData(index)
        self.session.set_optimizer(key)
        self.config = replace(self.config, optimizer=key)
        self.batch_spin.setEnabled(key != "gd")
        self._apply_eval_interval()
        self.show_message(f"Update rule: {OPTIMIZERS[key]}, from the next step.")

    def _apply_eval_interval(self) -> None:
        every = eval_interval(self.n_train, self.config.batch_size, self.config.optimizer)
        if every != self.config.eval_every:
            self.session.set_eval_every(every)
            self.config = replace(self.config, eval_every=every)

    # ------------------------------------------------------------------ network / reset
    def pending_network(self) -> tuple[int, ...]:
        """The hidden sizes typed in (SettingError when they are not usable)."""
        hidden = parse_hidden(self.hidden_edit.text())
        if any(h > MAX_HIDDEN for h in hidden):
            raise SettingError(f"at most {MAX_HIDDEN:,} neurons per hidden layer in the window")
        if len(hidden) > 8:
            raise SettingError("at most 8 hidden layers")
        return hidden

    def _network_edited(self, *_args) -> None:
        try:
            hidden = self.pending_network()
        except SettingError as exc:
            self.hidden_edit.setStyleSheet(ERROR_STYLE)
            self.network_label.setText(f"<span style='color:#b2182b'>{exc}</span>")
            return
        self.hidden_edit.setStyleSheet("")
        text = describe_network(self.n_in, hidden)
        pending = (hidden != tuple(self.config.hidden)
                   or self.activation_combo.currentData() != self.config.activation
                   or self.cost_combo.currentData() != self.config.cost)
        if pending:
            self.network_label.setText(f"<b>{text}</b><br><i>press Reset to use it</i>")
        else:
            self.network_label.setText(text)

    def _network_config(self) -> TrainConfig | None:
        try:
            hidden = self.pending_network()
        except SettingError as exc:
            self.show_message(f"Network not changed: {exc}.", error=True)
            return None
        return replace(self.config, hidden=hidden, activation=self.activation_combo.currentData(),
                       cost=self.cost_combo.currentData())

    def confirm_reset(self, proceed) -> bool:
        """True when a reset may happen now (see ``reset_guard``)."""
        return self.reset_guard is None or bool(self.reset_guard(proceed))

    def reset(self) -> None:
        """Step 0 with the same initial θ (or a new network, if its settings changed)."""
        self._restart(self.reset)

    def reseed(self) -> None:
        """Step 0 with new random initial weights (and the network settings shown)."""
        self._restart(self.reseed, secrets.randbelow(2**31))

    def _restart(self, again, seed: int | None = None) -> None:
        """Step 0 with the network settings shown, and a new ``seed`` if given; when the
        user is asked first, ``again`` runs after the answer."""
        if not self.confirm_reset(again):
            return
        config = self._network_config()
        if config is None:
            return
        self.show_paused()
        if seed is None:
            self.session.reset(config)
        elif config == self.config:
            self.session.reseed(seed)
        else:
            self.session.reset(replace(config, seed=seed))
        self.config = config if seed is None else replace(config, seed=seed)
        self._network_edited()
        self.networkChanged.emit()
