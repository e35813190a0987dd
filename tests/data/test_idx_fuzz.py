"""read_idx under hostile bytes: DataError or an array, never another exception, bounded memory.

The memory bound: reading a file never allocates more than the data its header
declares, and a gzip file is never believed to declare more than 1,032 times
its size (deflate's largest ratio), so a file of ``n`` bytes costs at most
``1032 * n`` bytes plus ``SLACK`` (tracemalloc peak, NumPy's buffers included).
"""

from __future__ import annotations

import gzip
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdviz import limits
from gdviz.data import DataError, read_idx
from gdviz.data.idx import MAX_GZIP_RATIO

from fuzz_helpers import flips, fuzz, measured, mutant

SLACK = 3 << 20  # the 1 MiB decompression chunk, gzip's buffers, the header
FUZZ = fuzz(200)


def read_measured(path) -> tuple[object, int]:
    """(array or the DataError raised, tracemalloc peak in bytes)."""
    return measured(read_idx, path, refused=DataError)


def header(code: int, shape) -> bytes:
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def bound(path) -> int:
    return MAX_GZIP_RATIO * path.stat().st_size + SLACK


@FUZZ
@given(st.binary(max_size=4096), st.booleans())
def test_arbitrary_bytes_give_data_error_or_array_within_memory_bound(tmp_path, content, compress):
    path = tmp_path / "fuzz-idx"
    path.write_bytes(gzip.compress(content, mtime=0) if compress else content)
    result, peak = read_measured(path)
    assert isinstance(result, (np.ndarray, DataError)), type(result)
    if isinstance(result, DataError):
        assert "fuzz-idx" in str(result)
    assert peak <= bound(path), (peak, path.stat().st_size)


@FUZZ
@given(st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]),
       st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=6),
       st.binary(max_size=256), st.booleans())
def test_any_declared_shape_is_checked_before_reading(tmp_path, code, shape, body, compress):
    """Headers claiming anything up to 2^32 per dimension: refused or read, within the bound."""
    content = header(code, shape) + body
    path = tmp_path / "claims-idx"
    path.write_bytes(gzip.compress(content, mtime=0) if compress else content)
    result, peak = read_measured(path)
    assert isinstance(result, (np.ndarray, DataError)), type(result)
    assert peak <= bound(path), (peak, shape)


VALID = header(0x08, (3, 4, 4)) + bytes(range(48))


@FUZZ
@given(flips(10_000, 6), st.integers(0, 200), st.booleans())
def test_mutations_of_a_valid_gzip_file(tmp_path, flipped, cut, keep_tail):
    path = tmp_path / "mutant.gz"
    path.write_bytes(mutant(gzip.compress(VALID, mtime=0), flipped, cut, keep_tail))
    result, peak = read_measured(path)
    assert isinstance(result, (np.ndarray, DataError)), type(result)
    assert peak <= bound(path)


def _bomb(path, n_images: int, zero_bytes: int) -> None:
    """A gzip IDX whose header claims ``n_images`` 28x28 images, followed by zeros."""
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [co.compress(header(0x08, (n_images, 28, 28)))]
    chunk = bytes(1 << 20)
    for _ in range(zero_bytes >> 20):
        parts.append(co.compress(chunk))
    parts.append(co.flush())
    path.write_bytes(b"".join(parts))


def test_decompression_bomb_is_refused_from_its_header(tmp_path):
    """A 1 MB gzip claiming 2^31 images: refused by MAX_IDX_BYTES after the 16-byte header."""
    path = tmp_path / "bomb-idx3-ubyte.gz"
    _bomb(path, 2**31, 1 << 30)
    assert 0.9e6 < path.stat().st_size < 1.2e6
    result, peak = read_measured(path)
    assert isinstance(result, DataError)
    assert "MAX_IDX_BYTES" in str(result) and "bomb-idx3-ubyte.gz" in str(result)
    assert "\n" not in str(result)
    assert peak < 1 << 20, peak  # nothing decompressed beyond the header


def test_plausible_bomb_is_refused_by_the_compression_ratio(tmp_path):
    """Within MAX_IDX_BYTES but more than 1,032 times the file: refused before decompressing."""
    path = tmp_path / "ratio-idx.gz"
    _bomb(path, 1_000_000, 1 << 20)  # claims 784 MB, holds 1 MiB of zeros in ~1 kB
    result, peak = read_measured(path)
    assert isinstance(result, DataError) and "truncated" in str(result)
    assert peak < 1 << 20, peak


def test_a_file_within_the_limits_but_not_the_memory_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 10_000)
    path = tmp_path / "big-idx"
    path.write_bytes(header(0x08, (100, 100)) + bytes(10_000))
    with pytest.raises(DataError, match="memory"):
        read_idx(path)
    monkeypatch.setattr(limits, "available_memory", lambda: None)  # unknown: not checked
    assert read_idx(path).shape == (100, 100)


def test_too_many_dimensions_names_the_limit(tmp_path):
    path = tmp_path / "dims-idx"
    path.write_bytes(header(0x08, (1,) * (limits.MAX_IDX_DIMENSIONS + 1)) + b"\0")
    with pytest.raises(DataError, match="MAX_IDX_DIMENSIONS"):
        read_idx(path)


def test_gzip_trailing_data_is_counted(tmp_path):
    path = tmp_path / "tail.gz"
    path.write_bytes(gzip.compress(VALID + b"\0" * 5))
    with pytest.raises(DataError, match="5 unexpected trailing bytes"):
        read_idx(path)


def test_read_does_not_hold_the_compressed_and_decompressed_copies(tmp_path):
    """Peak memory of a 1 MB gzip IDX is the array plus the 1 MiB chunk, not twice the data."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2000, 28, 28), dtype=np.uint8)
    path = tmp_path / "imgs-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header(0x08, images.shape) + images.tobytes(), mtime=0))
    result, peak = read_measured(path)
    np.testing.assert_array_equal(result, images)
    assert peak < images.nbytes + SLACK, peak


@pytest.mark.slow
def test_full_mnist_reads_the_same(mnist_dir):
    """The streamed reader gives full MNIST unchanged (shapes, a few known values)."""
    images = read_idx(next(mnist_dir.glob("train-images*")))
    labels = read_idx(next(mnist_dir.glob("train-labels*")))
    assert images.shape == (60_000, 28, 28) and labels.shape == (60_000,)
    assert labels[:5].tolist() == [5, 0, 4, 1, 9]
    assert not images.flags.writeable
