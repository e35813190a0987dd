"""A banner above the panels when training has gone wrong without a NaN: a saturated
or stuck network (:class:`~gdviz.training.health.HealthWatch` decides), in plain
words, with the fix one click away (lower η and reset, or reset).

``attach(window)`` puts it under the window's divergence banner; the window
hands it every snapshot it takes (``observe``). A new run (Reset, new seed,
new data) starts a new watch, so the banner goes with the run that earned it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from gdviz.qt.banner import Banner
from gdviz.training.health import SUGGESTED_LR, HealthWatch

__all__ = ["HealthBanner", "attach"]

TITLES = {"saturated": "Training has stalled: the network is saturated.",
          "stuck": "Training is stuck: the network is not learning."}


class HealthBanner(Banner):
    """Shows the latest :class:`~gdviz.training.health.Diagnosis` of the run, or nothing."""

    def __init__(self, window):
        super().__init__("HealthBanner", "#fff8dc", "#c99a06", "#4a3800", "Hide this message for this run")
        self.window_ = window
        self.watch = HealthWatch()
        self.diagnosis = None
        self._dismissed: tuple | None = None  # (run, kind) the user closed
        self.label.setObjectName("HealthText")
        self.fix_button = self.add_button(
            f"η = {SUGGESTED_LR:g} and Reset",
            f"Set the learning rate to {SUGGESTED_LR:g} and start again from the initial weights",
            self.lower_lr_and_reset)
        self.fix_button.setObjectName("HealthFix")
        self.reset_button = self.add_button(
            "Reset", "Start again from the initial weights with the same η", self.reset)
        for w in (self.fix_button, self.reset_button, self.close_button):
            w.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def observe(self, snap) -> None:
        """Follow the run with ``snap``; show, update or hide the banner."""
        d = self.diagnosis = self.watch.observe(snap)
        if d is None or (self.watch.run, d.kind) == self._dismissed:
            if not self.isHidden():
                self.hide()
            return
        text = (f"<b>{TITLES.get(d.kind, 'Training has gone wrong.')}</b> {d.text}"
                f"<br><b>What to do:</b> {d.fix}")
        if self.label.text() != text:
            self.label.setText(text)
        if self.isHidden():
            self.show()

    def close_clicked(self) -> None:
        self.dismiss()

    def dismiss(self) -> None:
        if self.diagnosis is not None:
            self._dismissed = (self.watch.run, self.diagnosis.kind)
        self.hide()

    def lower_lr_and_reset(self) -> None:
        self.window_.controls.set_lr(SUGGESTED_LR)
        self.reset()

    def reset(self) -> None:
        self.hide()
        self.window_.controls.reset()


def attach(window) -> HealthBanner:
    """Put a :class:`HealthBanner` under ``window.banner`` (the divergence banner); return it."""
    banner = HealthBanner(window)
    layout = window.banner.parentWidget().layout()
    layout.insertWidget(layout.indexOf(window.banner) + 1, banner)
    return banner
