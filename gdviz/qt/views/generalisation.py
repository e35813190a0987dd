"""Generalisation: does the network work on digits it has never trained on?

Four parts, one tab:

* a **confusion matrix** of the test set (row = the true digit, column = the
  network's answer, the count in each cell, the diagonal = right answers);
  click a cell to see those mistakes in the gallery;
* a **gallery of mistakes**, the most confident first, each with the true
  digit, the network's answer and its next two guesses; click one to make it
  the session's current example (``session.pin_example``);
* **training vs test accuracy** over the run (from the session's periodic
  evaluations), the gap between them shaded;
* one-click **experiments**: train on a small subset (more overfitting), with
  shuffled labels (only memorising is possible), and back to the full data.

The matrix, the mistakes and the accuracies "now" are a
:class:`~gdviz.training.evaluation.GeneralisationReport` computed in the view's
background job by the session's own evaluation rule (at most twice a second
while training, at every new step while paused); at a step the session has
measured it is the session's evaluation itself, so this tab and the status bar
agree, and every number says which step it belongs to.
"""

from __future__ import annotations

import hashlib
import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdviz.qt import style
from gdviz.qt.views.accuracy_gap_plot import TEST_COLOUR, TRAIN_COLOUR, AccuracyGapPlot
from gdviz.qt.views.base import LessonView
from gdviz.qt.views.confusion_matrix_widget import ConfusionMatrixWidget
from gdviz.qt.views.mistake_gallery import GALLERY_MAX, MistakeGallery
from gdviz.training.analysis import accuracy_gap, shuffled_labels_dataset, subset_dataset
from gdviz.training.evaluation import GeneralisationReport, generalisation_report

__all__ = ["ConfusionMatrixWidget", "GeneralisationReport", "GeneralisationView", "MistakeGallery"]

UPDATE_INTERVAL = 0.5  # seconds between recomputations while training (≤ 2 Hz)
SUBSET_SIZES = (500, 1000, 2000)


def _clock() -> float:
    return time.perf_counter()


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %" if math.isfinite(x) else "—"


EXPECT = {
    "full": ("Training on all {n:,} training digits. Training and test accuracy rise together "
             "and stay close: what the network learns from these digits also works on digits "
             "it has never seen. That is generalising."),
    "subset": ("Training on only {n:,} digits (from step 0). Expect the training accuracy to "
               "climb higher than the test accuracy: the gap that opens is overfitting — "
               "the network partly memorises its few examples instead of learning what "
               "digits look like. Fewer digits, bigger gap. Press Run."),
    "shuffled": ("The {n:,} training labels are shuffled: a picture of a 3 may be labelled 7. "
                 "There is nothing general left to learn, so the network can only memorise: "
                 "training accuracy creeps up (faster with fewer digits), test accuracy stays "
                 "at about 10 % — guessing. Press Run."),
}


class GeneralisationView(LessonView):
    """Test-set confusion matrix, the most confident mistakes, the train/test gap,
    and overfitting experiments.

    Public API beyond :class:`LessonView`:

    * ``set_dataset_callback(fn)`` — ``fn(dataset)`` switches the window to a
      dataset (the experiments call it; without it ``session.set_dataset``).
    * ``ingest(snap)`` — cheap, no drawing: records the evaluations a snapshot
      carries. Call it for every snapshot (``render`` does it too) so the
      accuracy curve is complete even while this tab is hidden.
    * ``run_experiment(n, shuffled)`` — ``n`` training digits (None = all) of
      the full data, labels shuffled or not.
    * ``result`` — the :class:`GeneralisationReport` on show (or None).
    """

    PARTS = ("matrix", "gallery", "curve")

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self.window_set_dataset = None
        self.result: GeneralisationReport | None = None
        self.job = self.background(generalisation_report, "gdviz-generalisation", clock=_clock)
        self._shown: tuple = (None, -1, None)  # (result, evaluations version, filter) drawn
        self._evals_version = 0
        self._matrix_of = self._gallery_of = None  # what the matrix and the gallery show
        self._filter: tuple[int, int] | None = None
        # the run's evaluations (accuracy curve)
        self._run_id = None
        self._seq = -1
        self._evals: list = []
        self._evals_changed = self._evals_fresh = True
        # experiments
        self._base = None  # the full dataset the experiments start from
        self._made: dict[tuple, object] = {}  # (n, shuffled) -> the dataset made for it
        self._exp: tuple[int | None, bool] = (None, False)
        self._build_ui()
        self._apply_fonts()

    # ------------------------------------------------------------------ UI
    def _build_ui(self) -> None:
        lay = self.scrolling_body()
        self.title = QtWidgets.QLabel(
            "Does it work on digits it has never seen? The test digits are never trained on: "
            "they show whether the network learnt what digits look like, or only memorised "
            "its training examples.")
        self.title.setWordWrap(True)
        lay.addWidget(self.title)

        top, bottom = QtWidgets.QHBoxLayout(), QtWidgets.QHBoxLayout()
        top.setSpacing(14)
        bottom.setSpacing(14)
        lay.addLayout(top, 5)
        lay.addLayout(bottom, 3)

        # ---- confusion matrix
        box = QtWidgets.QVBoxLayout()
        box.setSpacing(2)
        self.matrix_title = QtWidgets.QLabel("Which digits does it confuse? (test set)")
        self.matrix_title.setWordWrap(True)
        self.matrix_note = QtWidgets.QLabel("…")
        self.matrix_note.setWordWrap(True)
        self.matrix = ConfusionMatrixWidget()
        self.matrix.setToolTip("")
        self.matrix_title.setToolTip(
            "A confusion matrix: each row is one true digit, each column one answer of the "
            "network. The numbers count test digits; the green diagonal counts right answers, "
            "the orange cells mistakes. Hover a cell for details, click it to see those mistakes.")
        self.matrix_note.setToolTip(self.matrix_title.toolTip())
        self.matrix_help = style.note_label(
            "The green diagonal counts right answers. Click a cell to see its mistakes.")
        box.addWidget(self.matrix_title)
        box.addWidget(style.QuietLabel(self.matrix_note))
        box.addWidget(self.matrix_help)
        box.addWidget(self.matrix, 1)
        top.addLayout(box, 4)

        # ---- gallery
        box = QtWidgets.QVBoxLayout()
        box.setSpacing(2)
        head = QtWidgets.QHBoxLayout()
        self.gallery_title = QtWidgets.QLabel(
            "Its most confident mistakes — click one to make it the current example")
        self.gallery_title.setWordWrap(True)
        self.gallery_title.setToolTip(
            "Test digits the network gets wrong, those where its wrong answer's output is "
            "highest first. Click one: it becomes the current example, shown in the output "
            "panel and in the other tabs, so you can watch the network learn it.")
        self.show_all = QtWidgets.QPushButton("Show all mistakes")
        self.show_all.setToolTip("Stop filtering: show the most confident mistakes of every digit.")
        self.show_all.clicked.connect(lambda: self._set_filter(None))
        self.show_all.hide()
        head.addWidget(self.gallery_title, 1)
        head.addWidget(self.show_all, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        self.gallery_note = QtWidgets.QLabel("…")
        self.gallery_note.setWordWrap(True)
        self.gallery_note.setToolTip(self.gallery_title.toolTip())
        self.gallery_help = style.note_label(
            "Under each: its answer (and that output), then its next two guesses.")
        self.gallery = MistakeGallery()
        box.addLayout(head)
        box.addWidget(style.QuietLabel(self.gallery_note))
        box.addWidget(self.gallery_help)
        box.addWidget(self.gallery, 1)
        top.addLayout(box, 5)

        # ---- accuracy gap
        box = QtWidgets.QVBoxLayout()
        box.setSpacing(2)
        r, g, b = TRAIN_COLOUR
        r2, g2, b2 = TEST_COLOUR
        self.gap_title = QtWidgets.QLabel(
            f"Accuracy on <span style='color: rgb({r},{g},{b})'>■ training digits</span> vs "
            f"<span style='color: rgb({r2},{g2},{b2})'>■ test digits</span>: "
            "a gap means memorising")
        self.gap_title.setWordWrap(True)
        self.gap_title.setToolTip(
            "Blue: the share of training digits the network gets right; red: the share of "
            "test digits (never trained on). Measured every so often during the run. "
            "The shaded band between them is the gap: the part of the training accuracy that "
            "does not carry over to new digits.")
        self.gap_note = style.note_label("…")  # (presenter mode hides the notes: the plots get the room)
        self.gap_note.setToolTip(self.gap_title.toolTip())
        self.gap_plot = AccuracyGapPlot()
        self.plot_canvas = self.gap_plot.canvas
        self.plot_canvas.setToolTip(self.gap_title.toolTip())
        self.train_curve, self.test_curve = self.gap_plot.train_curve, self.gap_plot.test_curve
        box.addWidget(self.gap_title)
        box.addWidget(self.plot_canvas, 1)
        box.addWidget(style.QuietLabel(self.gap_note))
        bottom.addLayout(box, 4)

        # ---- experiments
        frame = QtWidgets.QFrame()
        frame.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        frame.setObjectName("experiments")
        frame.setStyleSheet("QFrame#experiments { background: #f7f7f2; border: 1px solid #dddddd;"
                            " border-radius: 4px; }")
        box = QtWidgets.QVBoxLayout(frame)
        box.setContentsMargins(8, 6, 8, 6)
        box.setSpacing(5)
        self.exp_title = QtWidgets.QLabel("Experiments: make it overfit (each one restarts "
                                          "training from step 0)")
        self.exp_title.setWordWrap(True)
        self.exp_title.setToolTip("Change what the network trains on and watch the two "
                                  "accuracies on the left. The test digits stay the same.")
        box.addWidget(self.exp_title)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(4)
        self.subset_label = QtWidgets.QLabel("Train on")
        row.addWidget(self.subset_label)
        self.size_group = QtWidgets.QButtonGroup(self)
        self.size_group.setExclusive(True)
        self.size_buttons: dict[int | None, QtWidgets.QPushButton] = {}
        for n in (*SUBSET_SIZES, None):
            b = QtWidgets.QPushButton(f"{n:,}" if n else "all")
            b.setCheckable(True)
            b.setToolTip(f"Train on a smaller subset: only {n:,} of the training digits (each digit "
                         f"in its usual proportion). Less data: more overfitting." if n else
                         "Train on all the training digits.")
            b.clicked.connect(lambda _=False, n=n: self.run_experiment(n, self._exp[1]))
            self.size_group.addButton(b)
            self.size_buttons[n] = b
            row.addWidget(b)
        self.digits_label = QtWidgets.QLabel("digits")
        row.addWidget(self.digits_label)
        row.addStretch(1)
        box.addLayout(row)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(4)
        self.shuffle_button = QtWidgets.QPushButton("Shuffle the labels")
        self.shuffle_button.setCheckable(True)
        self.shuffle_button.setToolTip(
            "Give every training digit a random label (the test labels stay true). "
            "Nothing general is left to learn: the network can only memorise.")
        self.shuffle_button.clicked.connect(lambda on: self.run_experiment(self._exp[0], bool(on)))
        self.back_button = QtWidgets.QPushButton("Back to the full data")
        self.back_button.setToolTip("All the training digits with their true labels, from step 0.")
        self.back_button.clicked.connect(lambda: self.run_experiment(None, False))
        row.addWidget(self.shuffle_button)
        row.addWidget(self.back_button)
        row.addStretch(1)
        box.addLayout(row)
        self.expect = QtWidgets.QLabel("")
        self.expect.setWordWrap(True)
        self.expect.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
        self.expect.setToolTip("What to expect from the data the network trains on now.")
        box.addWidget(self.expect)
        self.readout = QtWidgets.QLabel(" ")
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.readout.setToolTip("The network right now: the share of training digits and of test "
                                "digits it gets right, and the difference between them.")
        box.addWidget(style.QuietLabel(self.readout))
        self.tip = style.note_label(
            "Try it: press 500, then Run for a few epochs and watch the blue line pull away "
            "from the red one. Then compare with 2,000 digits — more data, smaller gap.")
        self.tip.setToolTip("Each experiment restarts training from step 0 with the same settings.")
        box.addWidget(self.tip)
        box.addStretch(1)
        bottom.addWidget(frame, 5)

        for w in (self.matrix_note, self.gallery_note):
            w.setStyleSheet(f"color: {style.MUTED};")
        self.matrix.cellClicked.connect(self._cell_clicked)
        self.gallery.thumbnailClicked.connect(self.pin_example)
        self._set_experiment_widgets()

    def _apply_fonts(self) -> None:
        base = self.font()
        self.title.setFont(style.rel_font(base, 1.1, bold=True))
        self.readout.setFont(style.rel_font(base, 1.35))
        for w in (self.matrix_title, self.gallery_title, self.gap_title, self.exp_title):
            w.setFont(style.rel_font(base, 1.0, bold=True))
        self.gap_plot.apply_font(base)
        for lab in (self.readout, self.matrix_note, self.gallery_note, self.gap_note):
            box = lab.parentWidget()
            if isinstance(box, style.QuietLabel):  # another font: another height for the text
                box._h = None
                box.updateGeometry()

    def changeEvent(self, e) -> None:
        if e.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.ApplicationFontChange):
            self._apply_fonts()
        super().changeEvent(e)

    # ------------------------------------------------------------------ contract
    def set_context(self, session, dataset) -> None:
        changed = dataset is not self.dataset
        if session is not self.session:  # another session: its seq and run_id start again
            self._run_id, self._seq, self._evals = None, -1, []
            self._evals_changed = self._evals_fresh = True
            self._evals_version += 1
            self.snap = None
        super().set_context(session, dataset)
        if not changed:
            return
        mine = next((k for k, d in self._made.items() if d is dataset), None)
        if mine is not None:
            self._exp = mine
        else:  # a dataset from elsewhere: the new full data of the experiments
            self._base = dataset
            self._made = {}
            self._exp = (None, False)
        self._filter = None
        self.result = None
        self._matrix_of = self._gallery_of = None
        self.matrix.set_selected(None)
        self.matrix.set_counts(None, "computing…")
        self.gallery.set_items([], [], [], [], [], "computing…")
        self._set_experiment_widgets()
        if self.snap is not None:
            self._maybe_submit(self.snap)

    def set_dataset_callback(self, fn) -> None:
        """``fn(dataset)``: how the experiments switch the window's data (None: the session's)."""
        self.window_set_dataset = fn

    def render(self, snap) -> None:
        if self.new_run(snap):
            self.result = None
        self.ingest(snap)
        self._maybe_submit(snap)
        self._refresh()
        src = snap.example_source
        pinned = int(src.rsplit("#", 1)[1]) if src.startswith("test digit #") else None
        self.gallery.set_pinned(pinned)

    def result_ready(self, job, rep: GeneralisationReport) -> None:
        self.result = rep
        self._refresh()

    def _refresh(self) -> None:
        """Draw what changed (a part per call while training runs), or go on drawing."""
        value = (self.result, self._evals_version, self._filter)
        old = self._shown
        if value[0] is old[0] and value[1:] == old[1:]:
            self.continue_drawing()
            return
        self._shown = value
        snap = self.snap
        self.draw(value, live=snap is not None and snap.running and snap.step > 0)

    def draw_part(self, part: str, value) -> None:
        if value is None:  # nothing rendered yet
            return
        result, _, filt = value
        if part == "matrix":
            if self._matrix_of is not result:
                self._matrix_of = result
                self._show_matrix()
        elif part == "gallery":
            if self._gallery_of != (id(result), filt):
                self._gallery_of = (id(result), filt)
                self._fill_gallery()
        else:
            self._draw_curve()

    # ------------------------------------------------------------------ commands
    def pin_example(self, test_index: int) -> None:
        """Make test digit ``test_index`` the session's current example."""
        if self.session is not None:
            self.session.pin_example(int(test_index))
        self.gallery.set_pinned(int(test_index))

    def run_experiment(self, n: int | None, shuffled: bool) -> None:
        """Train (from step 0) on ``n`` digits of the full data (None: all), labels
        shuffled or not."""
        base = self._base if self._base is not None else self.dataset
        if base is None:
            return
        if n is not None and n >= len(base.train_labels):
            n = None
        key = (n, bool(shuffled))
        if key == (None, False):
            ds = base
        else:
            ds = self._made.get(key)
            if ds is None:
                ds = subset_dataset(base, n) if n is not None else base
                if shuffled:
                    ds = shuffled_labels_dataset(ds)
                self._made[key] = ds
        self._exp = key
        if self.window_set_dataset is not None:
            self.window_set_dataset(ds)
        elif self.session is not None:
            self.session.set_dataset(ds)
        self.set_context(self.session, ds)  # (a no-op if the window already did it)
        self._set_experiment_widgets()

    def _set_experiment_widgets(self) -> None:
        base = self._base if self._base is not None else self.dataset
        n_all = len(base.train_labels) if base is not None else 0
        n, shuffled = self._exp
        for size, b in self.size_buttons.items():
            b.blockSignals(True)
            b.setChecked(size == n)
            b.blockSignals(False)
            if size is None:
                b.setText(f"all {n_all:,}" if n_all else "all")
            else:
                b.setEnabled(size < n_all)
        self.shuffle_button.blockSignals(True)
        self.shuffle_button.setChecked(shuffled)
        self.shuffle_button.blockSignals(False)
        changed = n is not None or shuffled
        self.back_button.setEnabled(changed)
        kind = "shuffled" if shuffled else ("subset" if n is not None else "full")
        count = n if n is not None else n_all
        self.expect.setText(EXPECT[kind].format(n=count) if base is not None else "")
        self.back_button.setToolTip("All the training digits with their true labels, from step 0."
                                    if changed else "Already training on the full data.")

    # ------------------------------------------------------------------ history of evaluations
    def ingest(self, snap) -> None:
        """Record the evaluations ``snap`` carries (cheap; safe for every snapshot)."""
        if snap.run_id != self._run_id:
            self._run_id = snap.run_id
            self._seq = -1
            self._evals = []
            self._evals_changed = self._evals_fresh = True
            self._evals_version += 1
        if snap.seq <= self._seq:
            return
        self._seq = snap.seq
        last = self._evals[-1].step if self._evals else -1
        for ev in (*snap.new_evals, snap.last_eval):
            if ev is not None and ev.step > last:
                self._evals.append(ev)
                last = ev.step
                self._evals_changed = True
                self._evals_version += 1

    @property
    def evaluations(self) -> tuple:
        """The run's evaluations the accuracy curve shows."""
        return tuple(self._evals)

    def _draw_curve(self) -> None:
        if not self._evals_changed:
            return
        self._evals_changed = False
        self.gap_plot.show_gap(accuracy_gap(self._evals), self._evals_fresh)
        self._evals_fresh = False
        self._update_gap_note()

    def _update_gap_note(self) -> None:
        res = self.result
        if res is not None and res.finite and math.isfinite(res.train_accuracy):
            r, g, b = TRAIN_COLOUR
            r2, g2, b2 = TEST_COLOUR
            gap = 100 * (res.train_accuracy - res.accuracy)
            self.readout.parentWidget().setText(
                f"At step {res.step:,}: <b style='color: rgb({r},{g},{b})'>training "
                f"{_pct(res.train_accuracy)}</b> &nbsp; <b style='color: rgb({r2},{g2},{b2})'>"
                f"test {_pct(res.accuracy)}</b> &nbsp; gap&nbsp;<b>{gap:.1f}</b>&nbsp;points")
        else:
            self.readout.parentWidget().setText(" ")
        if self._evals:
            text = ("Each dot is one measurement during this run (the last at step "
                    f"{self._evals[-1].step:,}, as in the status bar); the shaded band between "
                    "the lines is the gap.")
        else:
            text = "The curve starts at the next measurement (made every so often while training)."
        if self.gap_note.text() != text:
            self.gap_note.parentWidget().setText(text)

    # ------------------------------------------------------------------ background job
    def _maybe_submit(self, snap) -> None:
        ds = self.dataset
        if ds is None or snap.n_test != len(ds.test_labels) or snap.n_train != len(ds.train_labels):
            return  # the snapshot is from other data (a switch in progress)
        digest = hashlib.blake2b(snap.theta.tobytes(), digest_size=8).digest()
        key = (snap.run_id, snap.step, tuple(snap.sizes), snap.activation, snap.cost_name, digest)
        throttle = UPDATE_INTERVAL if snap.running and self.result is not None else 0.0
        self.submit(self.job, key, tuple(snap.sizes), snap.activation, snap.cost_name,
                    snap.theta, snap.step, snap.epoch + snap.epoch_fraction, snap.run_id,
                    ds.test_images, ds.test_labels, ds.train_images, ds.train_labels,
                    snap.last_eval, min_interval=throttle)

    def _show_matrix(self) -> None:
        res = self.result
        if res is None:
            return
        n = int(res.counts.sum())
        if res.finite:
            right = int(np.trace(res.counts))
            self.matrix.set_counts(res.counts)
            self.matrix_note.parentWidget().setText(
                f"Test accuracy at step {res.step:,}: {_pct(res.accuracy)} ({right:,} of {n:,} right).")
        else:
            self.matrix.set_counts(None, "The weights are not numbers (training diverged): "
                                         "the network has no answers.")
            self.matrix_note.parentWidget().setText("Restore the last good weights with a smaller η.")
        self._update_gap_note()

    # ------------------------------------------------------------------ gallery and filter
    def _cell_clicked(self, row: int, col: int) -> None:
        if row == col or self._filter == (row, col):
            self._set_filter(None)
        else:
            self._set_filter((row, col))

    def _set_filter(self, cell: tuple[int, int] | None) -> None:
        self._filter = cell
        self.matrix.set_selected(cell)
        self.show_all.setVisible(cell is not None)
        self._fill_gallery()
        self._gallery_of = (id(self.result), cell)

    def _fill_gallery(self) -> None:
        res, ds = self.result, self.dataset
        if res is None or ds is None:
            return
        if not res.finite:
            self.gallery.set_items([], [], [], [], [], "No answers to show: the weights are not numbers.")
            self.gallery_note.parentWidget().setText(" ")
            return
        m = res.mistakes
        sel = np.arange(m.indices.size)
        if self._filter is not None:
            r, c = self._filter
            sel = sel[(m.labels == r) & (m.top3[:, 0] == c)]
        sel = sel[:GALLERY_MAX]
        idx = m.indices[sel]
        if m.n_wrong == 0:
            empty = "No mistakes at all on the test set!"
        elif self._filter is not None:
            empty = f"No test {self._filter[0]} is answered {self._filter[1]}."
        else:
            empty = ""
        self.gallery.set_items(idx, m.labels[sel], m.top3[sel], m.top3_activations[sel],
                               ds.test_images[idx], empty)
        shown = min(len(idx), self.gallery.visible_count)
        if self._filter is not None:
            r, c = self._filter
            total = int(res.counts[r, c])
            self.gallery_note.parentWidget().setText(
                f"The test {r}s it calls {c}: {total:,}"
                + (f", the {shown} most confident shown." if shown < total else "."))
        else:
            self.gallery_note.parentWidget().setText(
                f"{m.n_wrong:,} of the {m.n:,} test digits are wrong; the {shown} it is surest about.")

    # ------------------------------------------------------------------ layout changes
    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        if self.result is not None:
            QtCore.QTimer.singleShot(0, self._fill_gallery)  # the note counts what fits
