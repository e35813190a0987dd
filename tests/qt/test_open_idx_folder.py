"""Data ▸ Open IDX folder… reads and decompresses the files in a background thread (the
Full MNIST path, with its "Reading the digits…" dialog) and never in the GUI thread; a
folder without the files or with a damaged file gives a message in a student's words and
the window keeps its data. Driven through the menu with keys; only the folder dialog
(which a test cannot click) is answered for it."""

from __future__ import annotations

import gzip
import shutil
import threading

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog  # noqa: E402

from gdviz.data import write_idx  # noqa: E402
from gdviz.qt import data_choice  # noqa: E402

WAIT = 60_000


def choose_idx_folder(qtbot, monkeypatch, window, folder):
    """Alt+D, I (Data ▸ Open IDX folder…), ``folder`` chosen in the folder dialog; the
    reader it starts."""
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    readers, real = [], window.data.open_idx_folder
    monkeypatch.setattr(window.data, "open_idx_folder", lambda f, **kw: readers.append(real(f, **kw)) or readers[-1])
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=5000)
    menu = QApplication.activePopupWidget()
    assert window.data.idx_action in menu.actions()
    qtbot.keyClick(menu, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: len(readers) == 1, timeout=5000)
    return readers[0]


@pytest.fixture
def reader_threads(monkeypatch):
    """The names of the threads in which the IDX folders were read."""
    names = []
    real = data_choice.load_idx_dir

    def recorded(folder):
        names.append(threading.current_thread().name)
        return real(folder)

    monkeypatch.setattr(data_choice, "load_idx_dir", recorded)
    return names


def write_small_idx_folder(folder, tiny, damaged: str | None = None):
    """The four IDX files of ``tiny`` (gzip'd) in ``folder``; ``damaged``: that file cut short."""
    folder.mkdir(exist_ok=True)
    arrays = {"train-images-idx3-ubyte": tiny.train_images.reshape(-1, 28, 28),
              "train-labels-idx1-ubyte": tiny.train_labels,
              "t10k-images-idx3-ubyte": tiny.test_images.reshape(-1, 28, 28),
              "t10k-labels-idx1-ubyte": tiny.test_labels}
    for stem, a in arrays.items():
        write_idx(folder / stem, a)
        with open(folder / stem, "rb") as src, gzip.open(folder / f"{stem}.gz", "wb") as dst:
            shutil.copyfileobj(src, dst)
        (folder / stem).unlink()
    if damaged:
        data = (folder / f"{damaged}.gz").read_bytes()
        (folder / f"{damaged}.gz").write_bytes(data[: len(data) // 2])
    return folder


def test_a_folder_is_read_off_the_gui_thread_then_trained_on(qtbot, monkeypatch, window, tiny, tmp_path,
                                                               reader_threads):
    folder = write_small_idx_folder(tmp_path / "digits", tiny)
    reader = choose_idx_folder(qtbot, monkeypatch, window, folder)
    assert reader.dialog.windowTitle() == "Open IDX folder"
    qtbot.waitUntil(lambda: reader.finished, timeout=WAIT)
    assert reader_threads and threading.main_thread().name not in reader_threads
    assert reader_threads == [reader.job._thread.name]
    qtbot.waitUntil(lambda: window.last_snapshot.n_train == 600 and window.session.dataset.name == "digits",
                    timeout=WAIT)
    assert window.data.idx_action.isChecked()
    assert "digits" in window.status.data.text()
    assert window.statusBar().currentMessage().startswith("Now training on digits")


@pytest.mark.parametrize("problem", ["empty", "one missing", "damaged"])
def test_a_bad_folder_says_why_in_words_and_keeps_the_data(qtbot, monkeypatch, window, tiny, tmp_path,
                                                             reader_threads, problem):
    folder = tmp_path / "mine"
    if problem == "empty":
        folder.mkdir()
        (folder / "notes.txt").write_text("no digits here")
    else:
        write_small_idx_folder(folder, tiny, damaged="train-images-idx3-ubyte" if problem == "damaged" else None)
    if problem == "one missing":
        (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    before, shown = window.session.dataset, window.status.data.text()
    reader = choose_idx_folder(qtbot, monkeypatch, window, folder)
    qtbot.waitUntil(lambda: reader.finished, timeout=WAIT)
    box = window.message_boxes[-1]
    assert box.isVisible() and box.windowTitle() == "Could not read that folder"
    first = box.text().splitlines()[0]
    if problem == "empty":
        assert first == "That folder does not hold the four MNIST files."
        assert "train-images-idx3-ubyte" in box.text() and "t10k-labels-idx1-ubyte" in box.text()
        assert reader_threads == []  # nothing to read
    elif problem == "one missing":
        assert first == ("That folder does not hold all four MNIST files: "
                         "t10k-labels-idx1-ubyte is missing.")
        assert reader_threads == []
    else:
        assert first == "A file in that folder is damaged or is not an MNIST file."
        assert "train-images-idx3-ubyte.gz" in box.text()  # the detail names the file
        assert reader_threads and threading.main_thread().name not in reader_threads
    assert f"Still training on the {before.description}" in box.text()
    assert window.statusBar().currentMessage() == first
    assert window.session.dataset is before and window.data.download is None
    assert window.status.data.text() == shown
    box.close()
    window.controls.step_once()  # and it keeps training
    qtbot.waitUntil(lambda: window.last_snapshot.step == 1, timeout=WAIT)


def test_full_mnist_folder_switches_data(qtbot, monkeypatch, window, mnist_dir, reader_threads):
    reader = choose_idx_folder(qtbot, monkeypatch, window, mnist_dir)
    qtbot.waitUntil(lambda: reader.finished, timeout=WAIT)
    assert threading.main_thread().name not in reader_threads
    qtbot.waitUntil(lambda: window.last_snapshot.n_train == 60_000, timeout=WAIT)
    assert "60,000" in window.status.data.text()
    window.data.use_sample()
    qtbot.waitUntil(lambda: window.last_snapshot.n_train == 8_000, timeout=WAIT)
    assert window.controls.config.eval_every == 200  # 8,000 / 10 / 4


def test_the_newest_choice_wins_over_a_folder_still_being_read(qtbot, monkeypatch, window, tiny, tmp_path):
    """The sample chosen while a folder is read: the read is cancelled and its data never
    replaces the sample (a lesson chapter or the settings can choose data this way)."""
    folder = write_small_idx_folder(tmp_path / "slow", tiny)
    gate, real = threading.Event(), data_choice.load_idx_dir

    def slow(path):
        gate.wait(30)
        return real(path)

    monkeypatch.setattr(data_choice, "load_idx_dir", slow)
    reader = window.open_idx_folder(folder, show_dialog=False)
    window.data.use_sample()
    assert reader.finished and reader.job.cancelled
    gate.set()
    assert reader.job.join(30)
    qtbot.wait(300)  # (the reader's poll would have handed the data over by now)
    assert window.session.dataset.name == "sample" and window.data.sample_action.isChecked()
