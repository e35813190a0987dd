"""Read and write IDX files, the format of the MNIST database.

An IDX file is a 4-byte magic number ``00 00 <type code> <ndim>``, then
``ndim`` big-endian uint32 sizes, then the values in C order (big-endian for
multi-byte types). MNIST ships images as ``(N, 28, 28)`` uint8 and labels as
``(N,)`` uint8, usually gzip-compressed.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

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


class DataError(ValueError):
    """A data file or folder that cannot be used; the message says which and why."""


def _fail(path: Path, problem: str) -> DataError:
    return DataError(f"{path}: {problem}")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file, raw or gzip-compressed (detected by content, not name).

    Returns the array with the shape and type stored in the file, in native
    byte order and read-only (MNIST: images ``(N, 28, 28)`` uint8, labels
    ``(N,)`` uint8). Any problem -- missing, unreadable, not IDX, corrupt
    gzip, unknown type code, truncated, trailing bytes -- raises
    :class:`DataError` naming the file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _fail(path, "file not found") from None
    except IsADirectoryError:
        raise _fail(path, "is a folder, not a file") from None
    except PermissionError:
        raise _fail(path, "permission denied") from None
    except OSError as exc:
        raise _fail(path, f"could not be read ({exc.strerror or exc})") from None

    if not data:
        raise _fail(path, "file is empty")
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise _fail(path, f"gzip data is corrupt or incomplete ({exc})") from None
        if not data:
            raise _fail(path, "file is empty once decompressed")

    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise _fail(
            path,
            "not an IDX file at all (an IDX file starts with bytes 00 00; "
            f"this one starts with {data[:4].hex(' ')})",
        )
    code, ndim = data[2], data[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"{c:02x}" for c in IDX_DTYPES)
        raise _fail(path, f"unknown IDX data type code {code:02x} (expected one of {known})")
    if ndim == 0:
        raise _fail(path, "IDX header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise _fail(
            path,
            f"truncated: the header declares {ndim} dimensions "
            f"but the file ends after {len(data)} bytes",
        )
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = IDX_DTYPES[code]
    count = math.prod(shape)
    expected, found = count * dtype.itemsize, len(data) - header
    if found < expected:
        raise _fail(
            path,
            f"truncated: shape {shape} needs {expected:,} bytes of data "
            f"but only {found:,} are present",
        )
    if found > expected:
        raise _fail(
            path,
            f"{found - expected:,} unexpected trailing bytes after the data for shape {shape}",
        )
    try:
        array = np.frombuffer(data, dtype=dtype, count=count, offset=header).reshape(shape)
    except ValueError:  # e.g. an empty array whose other dimensions overflow NumPy's limits
        raise _fail(path, f"impossible dimensions {shape} in the IDX header") from None
    if not dtype.isnative:
        array = array.astype(dtype.newbyteorder("="))
    array.flags.writeable = False
    return array


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
