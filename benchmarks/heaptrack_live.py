"""What a process's heap held at given moments, from a heaptrack recording.

heaptrack (Debian's ``heaptrack`` package) records every allocation of a process with its
native call stack, but its own reports are of the peak or of the end. The soak's question
is what is live in its reference states, minutes apart. This replays the recording up to
each moment and prints the live bytes by where they were allocated (the first frames past
the allocators: ``QImage::QImage < QPixmap::doInit < QGraphicsView::paintEvent`` ...), then
what changed from one moment to the next::

    heaptrack -o /tmp/soak python benchmarks/soak.py --minutes 8 --reference-every 60
    python benchmarks/heaptrack_live.py /tmp/soak.zst 139,212,285   # since_launch_s of the references

``soak.py`` writes each reference state's ``since_launch_s``. Python frames are not in the
stacks (the interpreter's C frames are): NumPy's buffers show as ``PyArray_NewFromDescr``;
``soak.py --trace-malloc`` tells where in Python those were made.

The recording is heaptrack's text format (``zstdcat`` of the .zst), all numbers hex:
``s`` string, ``i`` instruction (module, function, ...), ``t`` trace (instruction, parent),
``a`` allocation kind (size, trace), ``+``/``-`` one allocation/free of a kind, ``c`` time (ms).
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
from collections.abc import Iterable

ALLOCATORS = ("malloc", "calloc", "realloc", "operator new", "heaptrack", "_PyMem", "PyMem_", "_PyObject_Malloc",
              "PyDataMem", "default_malloc", "default_calloc", "npy_alloc", "QArrayData::", "QTypedArrayData",
              "QArrayDataPointer", "QImageData::create", "std::", "__gnu", "?")
LARGE = 1 << 20  # bytes: blocks glibc maps on their own once the app has bounded its heap


class Replay:
    """Live allocations of one recording, replayed line by line."""

    def __init__(self, depth: int = 4):
        self.depth = depth
        self.strings = [""]
        self.ips: list[tuple[int, int] | None] = [None]  # (module string, function string or 0)
        self.traces = [(0, 0)]  # (instruction, parent trace)
        self.kinds: list[tuple[int, int]] = []  # (size, trace)
        self.live: collections.Counter = collections.Counter()  # kind -> allocations live
        self.ms = 0
        self._sites: dict[int, str] = {}

    def feed(self, line: str) -> bool:
        """Apply one line; True when it moved the clock."""
        k = line[:1]
        if k == "+":
            self.live[int(line[2:], 16)] += 1
        elif k == "-":
            self.live[int(line[2:], 16)] -= 1
        elif k == "t":
            a, b = line[2:].split()[:2]
            self.traces.append((int(a, 16), int(b, 16)))
        elif k == "a":
            a, b = line[2:].split()[:2]
            self.kinds.append((int(a, 16), int(b, 16)))
        elif k == "i":
            f = line[2:].split()
            self.ips.append((int(f[1], 16), int(f[2], 16) if len(f) > 2 else 0))
        elif k == "s":
            self.strings.append(line.rstrip("\n").split(" ", 2)[-1])
        elif k == "c":
            self.ms = int(line[2:], 16)
            return True
        return False

    def site(self, trace: int) -> str:
        """The first ``depth`` named frames of ``trace`` past the allocators, innermost first."""
        if trace in self._sites:
            return self._sites[trace]
        names, t = [], trace
        while t and len(names) < 40:
            ip_index, t = self.traces[t]
            ip = self.ips[ip_index]
            if ip is not None:
                module, function = ip
                name = self.strings[function] if function else "?"
                if not name.startswith(ALLOCATORS):
                    names.append(f"{name}@{self.strings[module].rsplit('/', 1)[-1].split('.so')[0]}")
        self._sites[trace] = out = " < ".join(names[: self.depth]) or "?"
        return out

    def table(self) -> collections.Counter:
        """Live bytes by site now; blocks of ``LARGE`` bytes or more apart (``[>=1MB]``)."""
        out: collections.Counter = collections.Counter()
        for kind, n in self.live.items():
            if n > 0:
                size, trace = self.kinds[kind]
                out[self.site(trace) + ("  [>=1MB]" if size >= LARGE else "")] += size * n
        return out


def replay(lines: Iterable[str], at_s: list[float], depth: int = 4) -> list[tuple[float, collections.Counter]]:
    """The live table at each moment of ``at_s`` (seconds since the recording began; those
    after its end get the table at the end)."""
    r, out, todo = Replay(depth), [], sorted(at_s)
    for line in lines:
        if r.feed(line):
            while todo and r.ms >= todo[0] * 1000:
                out.append((todo.pop(0), r.table()))
    out.extend((t, r.table()) for t in todo)
    return out


def _mb(b: float) -> str:
    return f"{b / 2**20:8.1f}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("recording", help="heaptrack's .zst (or its text, uncompressed)")
    p.add_argument("at", help="moments, seconds since launch, comma-separated (soak.py's since_launch_s)")
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--depth", type=int, default=4, help="frames named per site")
    a = p.parse_args(argv)
    at = [float(t) for t in a.at.split(",") if t.strip()]
    if a.recording.endswith(".zst"):
        proc = subprocess.Popen(["zstdcat", a.recording], stdout=subprocess.PIPE, text=True, errors="replace")
        lines = proc.stdout
    else:
        lines = open(a.recording, errors="replace")  # noqa: SIM115 - read to the end below
    tables = replay(lines, at, a.depth)
    for t, tab in tables:
        large = sum(v for k, v in tab.items() if k.endswith("[>=1MB]"))
        print(f"== {t:.0f} s: live {_mb(sum(tab.values()))} MB, in blocks of 1 MB or more {_mb(large)} MB")
        for k, v in tab.most_common(a.top):
            print(f"  {_mb(v)}  {k}")
    for (ta, x), (tb, y) in zip(tables, tables[1:]):
        d = collections.Counter(y)
        d.subtract(x)
        print(f"== {ta:.0f} s -> {tb:.0f} s: {sum(d.values()) / 2**20:+.1f} MB")
        for k, v in sorted(d.items(), key=lambda kv: -abs(kv[1]))[: a.top]:
            if v:
                print(f"  {v / 2**20:+8.1f}  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
