"""Read and write IDX files, the format of the MNIST database.

An IDX file is a 4-byte magic number ``00 00 <type code> <ndim>``, then
``ndim`` big-endian uint32 sizes, then the values in C order (big-endian for
multi-byte types). MNIST ships images as ``(N, 28, 28)`` uint8 and labels as
``(N,)`` uint8, usually gzip-compressed.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from gdviz import limits

__all__ = ["DataError", "read_idx", "write_idx"]

#: IDX type code -> dtype as stored (big-endian).
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"
MAX_GZIP_RATIO = 1032  # deflate expands at most ~1032-fold
_CHUNK = 1 << 20  # bytes decompressed or skipped at a time


class DataError(ValueError):
    """A data file or folder that cannot be used; the message says which and why."""


def _fail(path: Path, problem: str) -> DataError:
    return DataError(f"{path}: {problem}")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file, raw or gzip-compressed (detected by content, not name).

    Returns the array with the shape and type stored in the file, in native
    byte order and read-only (MNIST: images ``(N, 28, 28)`` uint8, labels
    ``(N,)`` uint8). The header is read and checked against the limits of
    :mod:`gdviz.limits` (dimensions, bytes, free memory) before any data is
    read or decompressed, and the data is decompressed straight into the
    array, so memory never exceeds the declared size (twice for big-endian
    multi-byte types, converted to native order) plus about 1 MiB. Any
    problem -- missing, unreadable, not IDX, corrupt gzip, unknown type
    code, over a limit, truncated, trailing bytes -- raises
    :class:`DataError` naming the file.
    """
    path = Path(path)
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise _fail(path, "file not found") from None
    except IsADirectoryError:
        raise _fail(path, "is a folder, not a file") from None
    except PermissionError:
        raise _fail(path, "permission denied") from None
    except OSError as exc:
        raise _fail(path, f"could not be read ({exc.strerror or exc})") from None
    with fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            compressed = fh.read(2) == _GZIP_MAGIC
            fh.seek(0)
        except OSError as exc:
            raise _fail(path, f"could not be read ({exc.strerror or exc})") from None
        if size == 0:
            raise _fail(path, "file is empty")
        if not compressed:
            try:
                return _read_stream(path, fh, size, compressed=False)
            except OSError as exc:
                raise _fail(path, f"could not be read ({exc.strerror or exc})") from None
        try:
            with gzip.GzipFile(fileobj=fh, mode="rb") as stream:
                return _read_stream(path, stream, size, compressed=True)
        except (OSError, EOFError, zlib.error) as exc:
            raise _fail(path, f"gzip data is corrupt or incomplete ({exc})") from None


def _read_exact(stream, n: int) -> bytes:
    """Up to ``n`` bytes (fewer only at the end of the stream)."""
    parts, got = [], 0
    while got < n:
        part = stream.read(n - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def _read_stream(path: Path, stream, size: int, *, compressed: bool) -> np.ndarray:
    """Header, checks, then the data of an open IDX ``stream`` (``size``: bytes on disk)."""
    head = _read_exact(stream, 4)
    if compressed and not head:
        raise _fail(path, "file is empty once decompressed")
    if len(head) < 4 or head[0] != 0 or head[1] != 0:
        raise _fail(
            path,
            "not an IDX file at all (an IDX file starts with bytes 00 00; "
            f"this one starts with {head.hex(' ')})",
        )
    code, ndim = head[2], head[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"{c:02x}" for c in IDX_DTYPES)
        raise _fail(path, f"unknown IDX data type code {code:02x} (expected one of {known})")
    if ndim == 0:
        raise _fail(path, "IDX header declares 0 dimensions")
    dims = _read_exact(stream, 4 * ndim)
    header = 4 + 4 * ndim
    if len(dims) < 4 * ndim:
        raise _fail(
            path,
            f"truncated: the header declares {ndim} dimensions "
            f"but the file ends after {4 + len(dims)} bytes",
        )
    shape = struct.unpack(f">{ndim}I", dims)
    dtype = IDX_DTYPES[code]
    try:
        expected = limits.check_idx_shape(shape, dtype.itemsize)
    except limits.LimitError as exc:
        raise _fail(path, f"refused before reading its data: {exc}") from None
    count = expected // dtype.itemsize
    if not compressed:
        found = size - header
        if found < expected:
            raise _truncated(path, shape, expected, found)
        if found > expected:
            raise _trailing(path, shape, found - expected)
    elif expected > MAX_GZIP_RATIO * size:
        raise _fail(
            path,
            f"truncated: shape {shape} needs {expected:,} bytes of data, more than "
            f"{size:,} bytes of gzip can hold (at most {MAX_GZIP_RATIO:,} times as much)",
        )
    try:
        array = np.empty(count, dtype=dtype)
    except (ValueError, MemoryError):
        raise _fail(path, f"impossible dimensions {shape} in the IDX header") from None
    got = _read_into(stream, array.view(np.uint8))
    if got < expected:
        raise _truncated(path, shape, expected, got)
    if compressed:
        extra = _drain(stream)
        if extra:
            raise _trailing(path, shape, extra)
    try:
        array = array.reshape(shape)
    except ValueError:  # e.g. an empty array whose other dimensions overflow NumPy's limits
        raise _fail(path, f"impossible dimensions {shape} in the IDX header") from None
    if not dtype.isnative:
        array = array.astype(dtype.newbyteorder("="))
    array.flags.writeable = False
    return array


def _read_into(stream, buffer: np.ndarray) -> int:
    """Fill the uint8 ``buffer`` from ``stream`` in pieces of at most 1 MiB; bytes read."""
    view, got, n = memoryview(buffer), 0, buffer.size
    direct = not isinstance(stream, gzip.GzipFile)  # GzipFile.readinto would read all at once
    while got < n:
        if direct:
            k = stream.readinto(view[got:got + _CHUNK])
        else:
            part = stream.read(min(_CHUNK, n - got))
            k = len(part)
            view[got:got + k] = part
        if not k:
            break
        got += k
    return got


def _drain(stream) -> int:
    """Bytes left in ``stream`` (read and dropped, 1 MiB at a time, counted up to MAX_IDX_BYTES)."""
    extra = 0
    while extra <= limits.MAX_IDX_BYTES:
        part = stream.read(_CHUNK)
        if not part:
            break
        extra += len(part)
    return extra


def _truncated(path: Path, shape, expected: int, found: int) -> DataError:
    return _fail(
        path,
        f"truncated: shape {shape} needs {expected:,} bytes of data "
        f"but only {found:,} are present",
    )


def _trailing(path: Path, shape, extra: int) -> DataError:
    return _fail(path, f"{extra:,} unexpected trailing bytes after the data for shape {shape}")


def write_idx(path: str | os.PathLike, array: np.ndarray, *, compress: bool | None = None) -> Path:
    """Write ``array`` (any IDX type: uint8, int8, int16, int32, float32, float64) as IDX.

    Compressed with gzip when ``compress`` is true, or when it is None and the
    name ends in ``.gz``. Returns the path.
    """
    path = Path(path)
    array = np.asarray(array)
    for code, dtype in IDX_DTYPES.items():
        if array.dtype.newbyteorder(">") == dtype.newbyteorder(">"):
            break
    else:
        raise DataError(f"{path}: IDX cannot store dtype {array.dtype}")
    if not 1 <= array.ndim <= 255:
        raise DataError(f"{path}: IDX needs 1 to 255 dimensions, not {array.ndim}")
    payload = (
        bytes([0, 0, code, array.ndim])
        + struct.pack(f">{array.ndim}I", *array.shape)
        + np.ascontiguousarray(array, dtype=dtype).tobytes()
    )
    if compress or (compress is None and path.name.endswith(".gz")):
        payload = gzip.compress(payload, mtime=0)
    path.write_bytes(payload)
    return path
