"""Datasets: the embedded MNIST sample, full MNIST, or any folder of IDX files.

Every loader returns a :class:`Dataset` of read-only uint8 arrays, images
flattened to ``(N, H*W)`` (784 for MNIST), labels ``(N,)`` in 0..9.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from gdviz import limits
from gdviz.data.download import check_cached, default_cache_dir, fetch_mnist
from gdviz.data.idx import DataError, read_idx

__all__ = [
    "Dataset",
    "IDX_FILES",
    "FASHION_MNIST_DIR",
    "load_sample",
    "load_idx_dir",
    "load_mnist",
    "load_dataset",
    "data_info",
]

#: The four standard IDX files of an MNIST-style folder (each may end in ``.gz``).
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
#: Where Debian's ``dataset-fashion-mnist`` package puts Fashion-MNIST.
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
_SAMPLE = ("sample", "mnist_sample.npz")  # relative to the gdviz.data package


@dataclass(frozen=True)
class Dataset:
    """A train/test pair of labelled images; all arrays read-only and C-contiguous.

    ``train_images`` (N, H*W) uint8 pixels 0..255, ``train_labels`` (N,) uint8
    in 0..9, ``test_images`` (M, H*W) uint8, ``test_labels`` (M,) uint8.
    ``image_shape`` is (H, W), (28, 28) for MNIST.
    """

    name: str
    train_images: np.ndarray = field(repr=False)
    train_labels: np.ndarray = field(repr=False)
    test_images: np.ndarray = field(repr=False)
    test_labels: np.ndarray = field(repr=False)
    description: str
    image_shape: tuple[int, int] = (28, 28)

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            images = getattr(self, f"{split}_images")
            labels = getattr(self, f"{split}_labels")
            if images.dtype != np.uint8 or images.ndim != 2:
                raise DataError(f"{self.name}: {split} images must be 2-D uint8, got {images.ndim}-D {images.dtype}")
            if labels.dtype != np.uint8 or labels.ndim != 1:
                raise DataError(f"{self.name}: {split} labels must be 1-D uint8, got {labels.ndim}-D {labels.dtype}")
            if len(images) != len(labels):
                raise DataError(f"{self.name}: {len(images):,} {split} images but {len(labels):,} labels")
            if images.shape[1] != self.image_shape[0] * self.image_shape[1]:
                raise DataError(f"{self.name}: {split} images have {images.shape[1]} pixels, not {self.image_shape}")
            if labels.size and labels.max() > 9:
                raise DataError(f"{self.name}: {split} labels must be digits 0-9, found {labels.max()}")
            object.__setattr__(self, f"{split}_images", _frozen(images))
            object.__setattr__(self, f"{split}_labels", _frozen(labels))

    @property
    def n_train(self) -> int:
        return len(self.train_labels)

    @property
    def n_test(self) -> int:
        return len(self.test_labels)


def _frozen(array: np.ndarray) -> np.ndarray:
    view = np.ascontiguousarray(array).view()
    view.flags.writeable = False
    return view


@functools.lru_cache(maxsize=1)
def load_sample() -> Dataset:
    """The embedded sample: 8,000 train / 2,000 test digits from the MNIST training set.

    See ``packaging/make_sample.py`` for its origin and the split. Cached: every
    call returns the same (immutable) Dataset.
    """
    resource = resources.files("gdviz.data").joinpath(*_SAMPLE)
    try:
        with resource.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in IDX_FILES}
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(f"{'/'.join(_SAMPLE)}: the embedded sample is missing or damaged ({exc}); reinstall gdviz") from None
    n_train, n_test = len(arrays["train_labels"]), len(arrays["test_labels"])
    return Dataset(
        name="sample",
        description=f"embedded MNIST sample: {n_train:,} train / {n_test:,} test digits (subset of the MNIST training set)",
        **arrays,
    )


def find_idx_file(folder: Path, stem: str) -> Path | None:
    """``folder/stem`` or ``folder/stem.gz`` (also ``.``-for-``-`` spellings like ``t10k-images.idx3-ubyte``)."""
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def load_idx_dir(path: str | os.PathLike) -> Dataset:
    """Load a folder holding the four standard MNIST-style IDX files (raw or ``.gz``).

    Images may be any (N, H, W) uint8; they are flattened to (N, H*W). Labels
    must be (N,) uint8 in 0..9 and match the image count. Problems raise
    :class:`DataError` naming the folder or file.
    """
    folder = Path(path)
    if not folder.exists():
        raise DataError(f"{folder}: data folder not found")
    if not folder.is_dir():
        raise DataError(f"{folder}: is not a folder (give the folder that holds the four IDX files)")
    arrays, files = {}, {}
    for key, stem in IDX_FILES.items():
        file = find_idx_file(folder, stem)
        if file is None:
            raise DataError(f"{folder}: missing {stem} (looked for {stem} and {stem}.gz)")
        files[key], arrays[key] = file, read_idx(file)

    shapes = {}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        img_file, lbl_file = files[f"{split}_images"], files[f"{split}_labels"]
        if images.ndim != 3 or images.dtype != np.uint8:
            raise DataError(f"{img_file}: expected uint8 images of shape (N, H, W), found {images.dtype} {images.shape}")
        if images.shape[1] * images.shape[2] > limits.MAX_INPUT_SIZE:
            raise DataError(f"{img_file}: images of {images.shape[1]:,}x{images.shape[2]:,} pixels are over the "
                            f"limit of {limits.MAX_INPUT_SIZE:,} pixels per image (MAX_INPUT_SIZE)")
        if labels.ndim != 1 or labels.dtype != np.uint8:
            raise DataError(f"{lbl_file}: expected uint8 labels of shape (N,), found {labels.dtype} {labels.shape}")
        if len(images) != len(labels):
            raise DataError(
                f"{img_file}: has {len(images):,} images but {lbl_file.name} has {len(labels):,} labels; "
                "the counts must agree"
            )
        if len(labels) == 0:
            raise DataError(f"{lbl_file}: holds no examples")
        if labels.max() > 9:
            bad = int(np.flatnonzero(labels > 9)[0])
            raise DataError(f"{lbl_file}: labels must be digits 0-9, but label #{bad} is {labels[bad]}")
        shapes[split] = images.shape[1:]
    if shapes["train"] != shapes["test"]:
        raise DataError(
            f"{folder}: train images are {shapes['train'][0]}x{shapes['train'][1]} "
            f"but test images are {shapes['test'][0]}x{shapes['test'][1]}"
        )
    h, w = shapes["train"]
    flat = {k: (a.reshape(len(a), h * w) if k.endswith("images") else a) for k, a in arrays.items()}
    name = folder.resolve().name or str(folder)
    return Dataset(
        name=name,
        description=f"{name}: {len(flat['train_labels']):,} train / {len(flat['test_labels']):,} test "
        f"images of {h}x{w} pixels from {folder}",
        image_shape=(h, w),
        **flat,
    )


def load_mnist(cache_dir: str | os.PathLike | None = None, *, progress: bool = True) -> Dataset:
    """The full MNIST database (60,000 train / 10,000 test), downloaded once and cached."""
    folder = fetch_mnist(cache_dir, progress=progress)
    dataset = load_idx_dir(folder)
    return dataclasses.replace(
        dataset,
        name="mnist",
        description=f"MNIST: {dataset.n_train:,} train / {dataset.n_test:,} test digits (cached in {folder})",
    )


def load_dataset(name: str = "sample", data_dir: str | os.PathLike | None = None, *, progress: bool = True) -> Dataset:
    """``data_dir`` (a folder of IDX files) if given, else the dataset called ``name``: "sample" or "mnist"."""
    if data_dir is not None:
        return load_idx_dir(data_dir)
    key = str(name).strip().lower()
    if key == "sample":
        return load_sample()
    if key == "mnist":
        return load_mnist(progress=progress)
    raise DataError(f"unknown dataset {name!r}: choose 'sample' or 'mnist', or give a data folder")


def data_info(cache_dir: str | os.PathLike | None = None) -> list[str]:
    """Human lines describing the datasets available on this machine (no network access)."""
    lines = []
    try:
        lines.append(f"sample: {load_sample().description} (built in)")
    except DataError as exc:
        lines.append(f"sample: unavailable: {exc}")

    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    status = check_cached(folder)
    if all(s == "ok" for s in status.values()):
        lines.append(f"mnist: downloaded to {folder}, all {len(status)} files verified (MD5 matches)")
    elif all(s == "missing" for s in status.values()):
        lines.append(f"mnist: not downloaded yet (about 11 MB, fetched on first use into {folder})")
    else:
        problems = ", ".join(f"{f} {s}" for f, s in status.items() if s != "ok")
        lines.append(f"mnist: incomplete in {folder} ({problems}); it will be downloaded again on next use")

    if all(find_idx_file(FASHION_MNIST_DIR, stem) for stem in IDX_FILES.values()):
        lines.append(f"fashion-mnist: found at {FASHION_MNIST_DIR} (Debian package); use it as a data folder")
    else:
        lines.append(f"fashion-mnist: not installed (on Debian: apt install dataset-fashion-mnist -> {FASHION_MNIST_DIR})")
    return lines
