"""Choosing the data: the embedded sample, the full MNIST (downloaded in the
background) or a folder of IDX files; the Data menu's actions and what the
status bar says about the data."""

from __future__ import annotations

from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QFileDialog, QMenu

from gdviz.data import DataError, load_idx_dir, load_sample

__all__ = ["DataChoice"]


class DataChoice:
    """The Data menu of ``window`` and what it does.

    ``window`` provides ``session``, ``controls``, ``status`` (a
    :class:`~gdviz.qt.status_bar.StatusReadouts`), ``set_dataset(dataset)``,
    ``show_error(title, text)`` and ``statusBar()``.
    """

    def __init__(self, window, menu: QMenu):
        self.window = window
        self.download = None  # the MnistDownloader while one runs
        group = QActionGroup(window)
        self.sample_action = menu.addAction("&Embedded sample (8,000 digits)", self.use_sample)
        self.mnist_action = menu.addAction("&Full MNIST (download, 11 MB)", lambda: self.use_full_mnist())
        self.idx_action = menu.addAction("Open &IDX folder…", self.open_idx_dialog)
        for a in (self.sample_action, self.mnist_action, self.idx_action):
            a.setCheckable(True)
            group.addAction(a)
        self.sample_action.setStatusTip("The MNIST sample built into gdviz: 8,000 training / 2,000 test digits")
        self.mnist_action.setStatusTip("All of MNIST (60,000 / 10,000 digits), downloaded once and cached")
        self.idx_action.setStatusTip("A folder holding the four MNIST-style IDX files (raw or .gz)")

    def show_current(self, dataset=None) -> None:
        """The status bar names ``dataset`` (default: the session's) and the menu ticks it."""
        dataset = dataset if dataset is not None else self.window.session.dataset
        self.window.output_panel.set_test_digits(dataset.test_images, dataset.test_labels)
        source = self.window.status.show_dataset(dataset)
        {"sample": self.sample_action, "mnist": self.mnist_action}.get(source, self.idx_action).setChecked(True)

    def use_sample(self) -> None:
        try:
            self.window.set_dataset(load_sample())
        except DataError as exc:
            self.window.show_error("Embedded sample unavailable", str(exc))
            self.show_current()

    def use_full_mnist(self, *, cache_dir=None, mirrors=None, show_dialog: bool = True, job=None):
        """Download (or read from the cache) the full MNIST in a background thread.

        Returns the :class:`~gdviz.qt.downloader.MnistDownloader` (``job``:
        a ready :class:`~gdviz.qt.downloader.DownloadJob`, for tests).
        """
        from gdviz.qt.downloader import MnistDownloader

        w = self.window
        self.show_current()  # until it has arrived
        if self.download is not None and not self.download.finished:
            return self.download

        def done(dataset):
            self.download = None
            w.set_dataset(dataset)
            w.statusBar().showMessage(f"Now training on {dataset.description}", 8000)

        def failed(message):
            self.download = None
            w.show_error("Could not get the full MNIST",
                         f"{message}\n\nYou can keep working with the embedded sample, or choose "
                         f"Data ▸ Open IDX folder… if you have the four MNIST files.")

        def cancelled():
            self.download = None
            w.statusBar().showMessage("Download cancelled; still using the same data.", 6000)

        # (keep our own reference: a download that fails at once clears self.download in start())
        download = self.download = MnistDownloader(w, done, failed, cancelled, cache_dir=cache_dir,
                                                   mirrors=mirrors, show_dialog=show_dialog, job=job)
        download.start()
        return download

    def open_idx_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Folder with four MNIST-style IDX files")
        self.show_current()
        if folder:
            self.open_idx_folder(folder)

    def open_idx_folder(self, folder) -> bool:
        try:
            dataset = load_idx_dir(folder)
        except DataError as exc:
            self.window.show_error("Could not read that folder", str(exc))
            return False
        self.window.set_dataset(dataset)
        return True

    def cancel_download(self) -> None:
        if self.download is not None and not self.download.finished:
            self.download.cancel()
