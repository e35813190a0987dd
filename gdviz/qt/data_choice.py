"""Choosing the data: the embedded sample, the full MNIST (downloaded in the
background) or a folder of IDX files (read in the background too: decompressing
the full MNIST takes about half a second); the Data menu's actions and what the
status bar says about the data."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QFileDialog, QMenu

from gdviz.data import DataError, Dataset, load_idx_dir, load_sample
from gdviz.data.datasets import IDX_FILES, find_idx_file

__all__ = ["DataChoice", "read_idx_folder"]


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
        self.cancel_download()  # the newest choice wins over data still on its way
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
            if self.download.job.files:
                return self.download  # (already on its way)
            self.cancel_download()  # a folder being read: the newest choice wins

        failed = self._failed("Could not get the full MNIST",
                              "You can keep working with the embedded sample, or choose "
                              "Data ▸ Open IDX folder… if you have the four MNIST files.")
        cancelled = self._cancelled("Download cancelled; still using the same data.")
        # (keep our own reference: a download that fails at once clears self.download in start())
        download = self.download = MnistDownloader(w, self._arrived, failed, cancelled, cache_dir=cache_dir,
                                                   mirrors=mirrors, show_dialog=show_dialog, job=job)
        download.start()
        return download

    def open_idx_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Folder with four MNIST-style IDX files")
        self.show_current()
        if folder:
            self.open_idx_folder(folder)

    def open_idx_folder(self, folder, *, show_dialog: bool = True):
        """Read the four IDX files of ``folder`` in a background thread (the Full MNIST
        path, with its progress dialog), then train on them; a folder without them or a
        damaged file leaves the current data, with a message. A running download or
        read is cancelled: the newest choice wins. Returns the
        :class:`~gdviz.qt.downloader.MnistDownloader` that reads it."""
        from gdviz.qt.downloader import DownloadJob, MnistDownloader

        w = self.window
        self.cancel_download()
        self.show_current()  # until it has been read

        failed = self._failed("Could not read that folder",
                              f"Still training on the {w.session.dataset.description}.")
        cancelled = self._cancelled("Reading cancelled; still training on the same data.")
        job = DownloadJob.reading(folder, read_idx_folder)
        reader = self.download = MnistDownloader(w, self._arrived, failed, cancelled, job=job,
                                                 show_dialog=show_dialog, title="Open IDX folder")
        reader.start()
        return reader

    def _arrived(self, dataset) -> None:
        """A download or a folder's read has finished: train on ``dataset``."""
        self.download = None
        self.window.set_dataset(dataset)
        self.window.statusBar().showMessage(f"Now training on {dataset.description}", 8000)

    def _failed(self, title: str, advice: str):
        """The callback for a download or read that failed: ``title``, its message, ``advice``."""
        def failed(message: str) -> None:
            self.download = None
            self.window.show_error(title, f"{message}\n\n{advice}")
        return failed

    def _cancelled(self, words: str):
        """The callback for a cancelled download or read: ``words`` in the status bar."""
        def cancelled() -> None:
            self.download = None
            self.window.statusBar().showMessage(words, 6000)
        return cancelled

    def cancel_download(self) -> None:
        if self.download is not None and not self.download.finished:
            self.download.cancel()


def read_idx_folder(folder) -> Dataset:
    """:func:`gdviz.data.load_idx_dir` with its problems said in a student's words (the
    first line; the technical detail follows). Runs in the reading thread."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"There is no folder {folder} (any more).")
    missing = [stem for stem in IDX_FILES.values() if find_idx_file(folder, stem) is None]
    if missing:
        first = ("That folder does not hold the four MNIST files." if len(missing) == len(IDX_FILES) else
                 f"That folder does not hold all four MNIST files: {', '.join(missing)} "
                 f"{'is' if len(missing) == 1 else 'are'} missing.")
        raise DataError(f"{first}\nChoose the folder that holds {', '.join(IDX_FILES.values())} "
                        "(each may end in .gz).")
    try:
        return load_idx_dir(folder)
    except DataError as exc:
        raise DataError(f"A file in that folder is damaged or is not an MNIST file.\n({exc})") from None
    except (OSError, MemoryError) as exc:
        raise DataError(f"That folder could not be read ({type(exc).__name__}: {exc}).") from None
