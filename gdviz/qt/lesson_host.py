"""What lesson mode may do to the window, in one small facade.

:class:`~gdviz.qt.lesson_mode.LessonController` prepares each chapter through
this interface only (data, network, η, pace, the digit, the tab, the
highlighted panel, training steps), so the window's parts can change without
lesson mode reaching into them.
"""

from __future__ import annotations

from dataclasses import replace

from gdviz.training.config import TrainConfig

__all__ = ["LessonHost"]

HIGHLIGHT_CSS = "QFrame#{name} {{ border: 3px solid #e66101; border-radius: 4px; }}"


class LessonHost:
    """The window as lesson mode sees it. ``window`` is a :class:`gdviz.qt.window.MainWindow`."""

    def __init__(self, window):
        self.window = window
        self._highlighted = None

    # what the chapter reads
    @property
    def config(self) -> TrainConfig:
        return self.window.controls.config

    @property
    def last_snapshot(self):
        return self.window.last_snapshot

    @property
    def dataset_name(self) -> str:
        ds = self.window.session.dataset
        return "sample" if "sample" in ds.name.lower() else "mnist"

    # what the chapter changes
    def use_dataset(self, name: str) -> None:
        if name == self.dataset_name:
            return
        if name == "sample":
            self.window.data.use_sample()
        else:
            self.window.use_full_mnist()

    def pause(self) -> None:
        self.window.controls.pause()

    def run(self) -> None:
        self.window.controls.run()

    def apply_config(self, config: TrainConfig, *, reset: bool) -> None:
        """Show ``config`` in the controls and send it: from step 0 when ``reset``."""
        c = self.window.controls
        old = c.config
        c.set_config(config)
        session = self.window.session
        if reset:
            session.reset(config)
            c.config = config
            c.networkChanged.emit()
            return
        if config.lr != old.lr:
            session.set_lr(config.lr)
        if config.batch_size != old.batch_size:
            session.set_batch_size(config.batch_size)
        c.config = config

    def set_pace(self, steps_per_second: float) -> None:
        """0 = as fast as possible (shown in the pace box, remembered as the watch pace)."""
        self.window.controls.set_pace(float(steps_per_second))

    def fast_steps(self, n: int) -> None:
        """Take ``n`` updates as fast as possible (steps never wait for the pace), then pause."""
        self.window.session.step(int(n))

    def pin_test_digit(self, index: int) -> None:
        self.window.session.pin_example(int(index))

    def show_view(self, name: str):
        return self.window.show_view(name)

    def highlight_panel(self, name: str | None) -> None:
        """Outline the panel the chapter is about (None: no outline)."""
        if self._highlighted is not None:
            self._highlighted.setStyleSheet("")
            self._highlighted = None
        self.window.live.emphasise(name if name in self.window.frames_by_panel else None)
        frame = self.window.frames_by_panel.get(name) if name else None
        if frame is not None:
            if not frame.objectName():
                frame.setObjectName(f"panel-{name}")
            frame.setStyleSheet(HIGHLIGHT_CSS.format(name=frame.objectName()))
            self._highlighted = frame
