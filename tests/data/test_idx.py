"""read_idx / write_idx: valid files (raw and gzip) and every kind of broken one."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdviz.data import DataError, read_idx, write_idx


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """IDX encoding written out by hand (independent of write_idx)."""
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


IMAGES = np.arange(3 * 28 * 28, dtype=np.uint32).reshape(3, 28, 28).astype(np.uint8)
LABELS = np.array([7, 2, 1], dtype=np.uint8)


@pytest.fixture
def write(tmp_path):
    def _write(name: str, content: bytes):
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return _write


def assert_fails(path, *words):
    with pytest.raises(DataError) as info:
        read_idx(path)
    message = str(info.value)
    assert path.name in message, message
    for word in words:
        assert word.lower() in message.lower(), message
    return message


# --- valid files --------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("array", [IMAGES, LABELS], ids=["images", "labels"])
def test_reads_valid_file(write, array, compress):
    content = idx_bytes(array)
    path = write("data-idx", gzip.compress(content) if compress else content)
    result = read_idx(path)
    assert result.dtype == np.uint8
    assert result.shape == array.shape
    np.testing.assert_array_equal(result, array)
    assert not result.flags.writeable


def test_gzip_is_detected_by_content_not_name(write):
    raw_named_gz = write("raw.gz", idx_bytes(LABELS))
    gz_named_raw = write("compressed-idx1-ubyte", gzip.compress(idx_bytes(LABELS)))
    np.testing.assert_array_equal(read_idx(raw_named_gz), LABELS)
    np.testing.assert_array_equal(read_idx(gz_named_raw), LABELS)


@pytest.mark.parametrize(
    ("code", "dtype"), [(0x09, np.int8), (0x0B, np.int16), (0x0C, np.int32), (0x0D, np.float32), (0x0E, np.float64)]
)
def test_reads_big_endian_types_into_native_order(write, code, dtype):
    array = (np.arange(-6, 6).reshape(3, 4) * 3).astype(dtype)
    result = read_idx(write("x.idx", idx_bytes(array, code)))
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative
    np.testing.assert_array_equal(result, array)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32])
def test_write_idx_matches_hand_encoding_and_round_trips(tmp_path, dtype):
    array = np.arange(24).reshape(2, 3, 4).astype(dtype)
    code = {np.uint8: 0x08, np.int16: 0x0B, np.float32: 0x0D}[dtype]
    raw = write_idx(tmp_path / "a-idx", array)
    assert raw.read_bytes() == idx_bytes(array, code)
    gz = write_idx(tmp_path / "a-idx.gz", array)
    assert gzip.decompress(gz.read_bytes()) == idx_bytes(array, code)
    np.testing.assert_array_equal(read_idx(gz), array)


def test_write_idx_rejects_unstorable_dtype(tmp_path):
    with pytest.raises(DataError, match="cannot store"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.complex64))


# --- broken files -------------------------------------------------------------


def test_missing_file(tmp_path):
    assert_fails(tmp_path / "nowhere-idx3-ubyte", "not found")


def test_folder_instead_of_file(tmp_path):
    (tmp_path / "adir").mkdir()
    assert_fails(tmp_path / "adir", "folder")


def test_empty_file(write):
    assert_fails(write("empty-idx", b""), "empty")


def test_empty_gzip(write):
    assert_fails(write("empty.gz", gzip.compress(b"")), "empty")


def test_truncated_data(write):
    assert_fails(write("short-idx", idx_bytes(IMAGES)[:-1]), "truncated", "(3, 28, 28)")


def test_truncated_header(write):
    assert_fails(write("head-idx", idx_bytes(IMAGES)[:9]), "truncated", "3 dimensions")


def test_truncated_gzip_content(write):
    assert_fails(write("short.gz", gzip.compress(idx_bytes(LABELS)[:-2])), "truncated")


def test_trailing_bytes(write):
    assert_fails(write("long-idx", idx_bytes(LABELS) + b"\0\0\0"), "3 unexpected trailing bytes")


def test_wrong_magic(write):
    content = b"\x01" + idx_bytes(LABELS)[1:]
    assert_fails(write("magic-idx", content), "not an IDX file")


def test_wrong_dtype_code(write):
    content = bytearray(idx_bytes(LABELS))
    content[2] = 0x07
    assert_fails(write("code-idx", bytes(content)), "unknown IDX data type code 07")


def test_zero_dimensions(write):
    assert_fails(write("zero-idx", b"\x00\x00\x08\x00"), "0 dimensions")


def test_random_text_is_not_idx(write):
    assert_fails(write("notes.txt", b"These are my lecture notes, not digits.\n"), "not an IDX file at all")


def test_gzip_cut_short(write):
    content = gzip.compress(idx_bytes(IMAGES))
    assert_fails(write("cut.gz", content[: len(content) // 2]), "gzip", "corrupt")


def test_gzip_with_damaged_body(write):
    content = bytearray(gzip.compress(idx_bytes(IMAGES)))
    content[20:40] = b"\xff" * 20
    assert_fails(write("damaged.gz", bytes(content)), "gzip")


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


# --- property: any damage gives the data back or a DataError, nothing else ----

arrays = st.tuples(
    st.lists(st.integers(0, 4), min_size=1, max_size=3),
    st.sampled_from([(np.uint8, 0x08), (np.int16, 0x0B), (np.float32, 0x0D)]),
).map(lambda t: (np.arange(int(np.prod(t[0]))).reshape(t[0]).astype(t[1][0]), t[1][1]))

damage = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 10_000), st.integers(0, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10_000), st.just(0)),
    st.tuples(st.just("append"), st.integers(1, 8), st.integers(0, 255)),
)


def apply(content: bytes, edits) -> tuple[bytes, bool]:
    """Apply edits; also report whether the header (first 4+4*ndim bytes) stayed intact."""
    data = bytearray(content)
    header = 4 + 4 * content[3]
    header_intact = True
    for kind, a, b in edits:
        if not data:
            break
        if kind == "set":
            pos = a % len(data)
            header_intact &= pos >= header or data[pos] == b
            data[pos] = b
        elif kind == "cut":
            header_intact &= (a % len(data)) >= header
            del data[a % len(data) :]
        else:
            data.extend([b] * a)
    return bytes(data), header_intact


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arrays, st.lists(damage, max_size=3), st.booleans())
def test_damaged_files_parse_or_raise_data_error(tmp_path, array_code, edits, compress):
    array, code = array_code
    damaged, header_intact = apply(idx_bytes(array, code), edits)
    if compress:
        # damage the compressed stream instead, as a download might
        damaged, _ = apply(gzip.compress(idx_bytes(array, code)), edits)
        header_intact = False
    path = tmp_path / "fuzz-idx"
    path.write_bytes(damaged)
    try:
        result = read_idx(path)
    except DataError as exc:
        assert "fuzz-idx" in str(exc)
        return
    assert isinstance(result, np.ndarray)
    if header_intact:
        assert result.shape == array.shape
    if not edits:
        np.testing.assert_array_equal(result, array)


def test_empty_array_with_huge_dimensions_is_refused_in_words(tmp_path):
    # found by hypothesis: 0 × 2³² × … bytes is 0, but NumPy refuses such a shape
    path = tmp_path / "huge"
    path.write_bytes(bytes([0, 0, 0x0D, 3]) + struct.pack(">3I", 0, 0xFFFFFFFF, 0xFFFFFFFF))
    with pytest.raises(DataError, match="huge.*dimensions"):
        read_idx(path)
