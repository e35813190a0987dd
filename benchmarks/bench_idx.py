"""IDX reading: time and memory of full MNIST, and of refusing decompression bombs.

    python benchmarks/bench_idx.py                 # uses $GDVIZ_MNIST_DIR or ../shared/data/mnist
    python benchmarks/bench_idx.py --repeats 9

Prints, for the four MNIST files, the median and best time of ``read_idx``
beside the whole-file reference (``gzip.decompress`` of the whole file, then
``np.frombuffer``: what ``read_idx`` did before it read the header first),
each with its tracemalloc peak; then, each in a fresh process, the time,
tracemalloc peak and peak resident size (VmHWM, Linux) of refusing a 1 MB gzip IDX whose
header claims 2^31 images (and of a 5 MB one). A script that prints figures,
not a test.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from gdviz.data import read_idx  # noqa: E402


def whole_file_reference(path: Path) -> np.ndarray:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def timed(reader, files, repeats: int) -> tuple[float, float, int]:
    """(median s, best s, tracemalloc peak bytes) of reading ``files`` one after another."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for f in files:
            reader(f)
        times.append(time.perf_counter() - t)
    tracemalloc.start()
    for f in files:
        reader(f)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), min(times), peak


def make_bomb(path: Path, zero_mib: int) -> None:
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [co.compress(bytes([0, 0, 8, 3]) + struct.pack(">3I", 2**31, 28, 28))]
    chunk = bytes(1 << 20)
    parts += [co.compress(chunk) for _ in range(zero_mib)]
    parts.append(co.flush())
    path.write_bytes(b"".join(parts))


CHILD = """
import sys, time, tracemalloc
from gdviz.data import DataError, read_idx
tracemalloc.start()
t = time.perf_counter()
try:
    read_idx(sys.argv[1]); outcome = "read"
except DataError as exc:
    outcome = "DataError: " + str(exc).split(": ", 1)[1]
dt = time.perf_counter() - t
hwm = next(ln.split()[1] for ln in open("/proc/self/status") if ln.startswith("VmHWM"))
print(f"{dt * 1e3:.2f} ms, tracemalloc peak {tracemalloc.get_traced_memory()[1] / 1e3:.0f} kB, "
      f"peak RSS of the process {int(hwm) / 1024:.0f} MB; {outcome[:110]}")
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=os.environ.get("GDVIZ_MNIST_DIR") or REPO.parent / "shared" / "data" / "mnist")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    folder = Path(args.data_dir)
    files = sorted(folder.glob("*-ubyte*"))
    if len(files) == 4:
        print(f"full MNIST, 4 files from {folder}:")
        for name, reader in (("read_idx (header first, streamed)", read_idx),
                             ("whole-file reference", whole_file_reference)):
            med, best, peak = timed(reader, files, args.repeats)
            print(f"  {name:36s} median {med:.3f} s, best {best:.3f} s, tracemalloc peak {peak / 1e6:.0f} MB")
    else:
        print(f"no MNIST at {folder}: reading times skipped")
    with tempfile.TemporaryDirectory() as tmp:
        for mib in (1024, 5120):
            bomb = Path(tmp) / f"bomb-{mib}.gz"
            make_bomb(bomb, mib)
            out = subprocess.run([sys.executable, "-c", CHILD, str(bomb)], capture_output=True, text=True,
                                 cwd=REPO, check=True).stdout.strip()
            print(f"bomb: {bomb.stat().st_size / 1e6:.1f} MB gzip claiming 2^31 images "
                  f"({mib / 1024:.0f} GiB inside): {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
