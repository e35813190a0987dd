"""Download the full MNIST (or read a folder of IDX files) in a background thread,
with a progress dialog.

A plain ``threading.Thread`` calls :func:`gdviz.data.fetch_mnist` then
:func:`gdviz.data.load_mnist`; it writes its progress into a small locked
state object that a ``QTimer`` in the GUI thread polls (no Qt object or
signal is touched from the download thread). Cancel stops the waiting and
discards the result; the thread also notices it at its next chunk and
aborts the transfer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

from gdviz.training.priority import JOB_NICE, yield_cpu

__all__ = ["EXPECTED_BYTES", "Cancelled", "DownloadJob", "DownloadProgress", "MnistDownloader"]

#: Sizes of the four gzip'd files (for an overall progress bar before each
#: server announces its content length).
EXPECTED_BYTES = {
    "train-images-idx3-ubyte.gz": 9_912_422,
    "train-labels-idx1-ubyte.gz": 28_881,
    "t10k-images-idx3-ubyte.gz": 1_648_877,
    "t10k-labels-idx1-ubyte.gz": 4_542,
}


class Cancelled(Exception):
    """Raised inside the download thread to abort a transfer the user cancelled."""


@dataclass
class DownloadProgress:
    """What the GUI shows; a copy taken under the job's lock."""

    phase: str  # "starting", "downloading", "loading", "done", "failed", "cancelled"
    text: str
    done_bytes: int
    total_bytes: int
    finished: bool


class _PoochBar:
    """The object pooch's ``HTTPDownloader(progressbar=...)`` accepts.

    pooch sets ``total``, calls ``update(n)`` per chunk, then ``reset()``,
    ``update(total)`` and ``close()``. It runs in the download thread and
    only writes into the job's locked state.
    """

    def __init__(self, job: DownloadJob, fname: str):
        self._job = job
        self._fname = fname
        self._total = 0

    @property
    def total(self) -> int:
        return self._total

    @total.setter
    def total(self, value) -> None:
        self._job._check_cancel()
        self._total = int(value or 0)
        self._job._file_started(self._fname, self._total)

    def update(self, n) -> None:
        self._job._check_cancel()
        self._job._file_progress(self._fname, int(n))

    def reset(self) -> None:
        self._job._file_progress(self._fname, None)

    def close(self) -> None:
        pass

    def __bool__(self) -> bool:  # pooch tests ``if self.progressbar:``
        return True


class DownloadJob:
    """Fetch (if needed) and load the full MNIST in a daemon thread.

    ``loader(cache_dir)`` turns the downloaded folder into a Dataset
    (default :func:`gdviz.data.load_mnist`); ``fetch`` defaults to
    :func:`gdviz.data.fetch_mnist` (both replaceable for tests).
    """

    def __init__(self, cache_dir=None, *, mirrors: Sequence[str] | None = None,
                 files: Mapping[str, str] | None = None,
                 fetch: Callable | None = None, loader: Callable | None = None):
        from gdviz.data import MNIST_FILES, fetch_mnist, load_mnist

        self.cache_dir = cache_dir
        self.mirrors = mirrors
        self.files = dict(MNIST_FILES if files is None else files)
        self._fetch = fetch or fetch_mnist
        self._loader = loader or (lambda folder: load_mnist(folder, progress=False))
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._file_done: dict[str, int] = {f: 0 for f in self.files}
        self._file_total: dict[str, int] = {f: EXPECTED_BYTES.get(f, 0) for f in self.files}
        self._phase = "starting"
        self._text = "Checking the download cache…"
        self.result = None  # the Dataset, when phase == "done"
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="gdviz-mnist-download", daemon=True)
        self.started_at = 0.0

    @classmethod
    def reading(cls, folder, loader: Callable) -> DownloadJob:
        """A job with nothing to download: ``loader(folder)`` in the thread (a folder of IDX files)."""
        job = cls(folder, files={}, loader=loader)
        job._text = "Reading the digits…"
        return job

    # -------------------------------------------------------------- GUI side
    def start(self) -> None:
        self.started_at = time.perf_counter()
        self._thread.start()

    def cancel(self) -> None:
        """Stop waiting: the result (if any) is discarded; the transfer aborts at its next chunk."""
        self._cancel.set()
        with self._lock:
            if self._phase not in ("done", "failed"):
                self._phase, self._text = "cancelled", "Download cancelled."

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def progress(self) -> DownloadProgress:
        with self._lock:
            done = sum(self._file_done.values())
            total = sum(self._file_total.values())
            phase = self._phase
            return DownloadProgress(phase, self._text, done, total,
                                    phase in ("done", "failed", "cancelled"))

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # -------------------------------------------------------------- download thread
    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("the download was cancelled")

    def _file_started(self, fname: str, total: int) -> None:
        with self._lock:
            if total > 0:
                self._file_total[fname] = total
            self._file_done[fname] = 0
            self._phase = "downloading"
            self._text = f"Downloading {fname}…"

    def _file_progress(self, fname: str, n: int | None) -> None:
        with self._lock:
            if n is None:
                self._file_done[fname] = 0
            else:
                self._file_done[fname] = min(self._file_done[fname] + n, self._file_total[fname] or 1 << 40)
            mb = self._file_done[fname] / 1e6
            tot = self._file_total[fname] / 1e6
            self._text = f"Downloading {fname}  ({mb:.1f} of {tot:.1f} MB)"

    def _set(self, phase: str, text: str) -> None:
        with self._lock:
            if self._phase != "cancelled":
                self._phase, self._text = phase, text

    def _run(self) -> None:
        from gdviz.data import DataError

        yield_cpu(JOB_NICE)  # the GUI thread's frames come first (this thread's niceness only)
        try:
            folder = None
            for fname, known_hash in self.files.items():
                self._check_cancel()
                kwargs = {"progress": _PoochBar(self, fname), "files": {fname: known_hash}}
                if self.mirrors is not None:
                    kwargs["mirrors"] = self.mirrors
                folder = self._fetch(self.cache_dir, **kwargs)
                with self._lock:  # cached files never call the bar: count them as done
                    self._file_done[fname] = self._file_total[fname]
            self._check_cancel()
            self._set("loading", "Reading the digits…")
            dataset = self._loader(folder if folder is not None else self.cache_dir)
            self._check_cancel()
            self.result = dataset
            self._set("done", f"Loaded {getattr(dataset, 'description', 'MNIST')}")
        except Cancelled:
            self._set("cancelled", "Download cancelled.")
        except DataError as exc:
            if self._cancel.is_set():
                self._set("cancelled", "Download cancelled.")
            else:
                self.error = str(exc)
                self._set("failed", str(exc))
        except Exception as exc:  # noqa: BLE001 - any failure becomes a message
            if self._cancel.is_set():
                self._set("cancelled", "Download cancelled.")
            else:
                self.error = f"Could not load MNIST: {type(exc).__name__}: {exc}"
                self._set("failed", self.error)


class MnistDownloader(QObject):
    """Runs a :class:`DownloadJob` behind a ``QProgressDialog``.

    ``on_done(dataset)`` is called in the GUI thread on success,
    ``on_error(message)`` on failure; nothing is called after a cancel
    (``on_cancel()`` if given).
    """

    POLL_MS = 100

    def __init__(self, parent: QWidget, on_done: Callable, on_error: Callable[[str], None],
                 on_cancel: Callable[[], None] | None = None, *, cache_dir=None,
                 mirrors: Sequence[str] | None = None, job: DownloadJob | None = None,
                 show_dialog: bool = True, title: str = "Full MNIST (11 MB)"):
        super().__init__(parent)
        self.job = job or DownloadJob(cache_dir, mirrors=mirrors)
        self._on_done, self._on_error, self._on_cancel = on_done, on_error, on_cancel
        self.finished = False
        self.dialog = QProgressDialog("Connecting…", "Cancel", 0, 1000, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.show_dialog = show_dialog
        self.dialog.setMinimumDuration(0 if show_dialog else 10**9)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumWidth(460)
        self.dialog.canceled.connect(self.cancel)
        self.timer = QTimer(self)
        self.timer.setInterval(self.POLL_MS)
        self.timer.timeout.connect(self._poll)

    def start(self) -> None:
        self.job.start()
        self.timer.start()
        self.dialog.setValue(0)
        if self.show_dialog:
            self.dialog.show()
        self._poll()

    def cancel(self) -> None:
        if self.finished:
            return
        self.job.cancel()
        self._finish()
        if self._on_cancel:
            self._on_cancel()

    def _finish(self) -> None:
        self.finished = True
        self.timer.stop()
        self.dialog.canceled.disconnect(self.cancel)
        self.dialog.reset()
        self.dialog.hide()
        self.dialog.deleteLater()

    def _poll(self) -> None:
        if self.finished:
            return
        p = self.job.progress()
        self.dialog.setLabelText(p.text)
        if p.phase == "loading":
            self.dialog.setRange(0, 0)  # busy indicator
        elif p.total_bytes:
            self.dialog.setValue(int(1000 * min(1.0, p.done_bytes / p.total_bytes)))
        if p.phase == "done" and self.job.result is not None:
            self._finish()
            self._on_done(self.job.result)
        elif p.phase == "failed":
            self._finish()
            self._on_error(self.job.error or p.text)
