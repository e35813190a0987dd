"""Give memory that Python and NumPy have freed back to the system (no Qt).

glibc keeps freed heap memory for reuse; after a large network or view is
dropped the process can keep hundreds of MB it no longer uses. Two remedies,
both for glibc only (elsewhere, musl, macOS, Windows, they do nothing):

* ``bound_heap`` (once, at start): every block of ``MMAP_THRESHOLD`` bytes or
  more (θ of a wide network, a landscape grid, an evaluation chunk) gets its
  own mapping, returned to the system the moment it is freed. glibc's default
  threshold adapts upwards to 32 MB after the first large free, and from then
  on such arrays come from the heap, where a small block left among them keeps
  their pages; a fixed threshold switches that off. At most ``ARENAS`` heaps
  (glibc makes up to 8 per core, one per thread that allocates: a view's job
  thread keeps the memory of its own heap).
* ``trim_heap`` (every ``TRIM_EVERY_S``): glibc's ``malloc_trim(0)``, which
  returns free pages from the whole heap (not only its top).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading

__all__ = ["ARENAS", "MMAP_THRESHOLD", "TRIM_EVERY_S", "TRIM_THRESHOLD", "bound_heap", "resident_mb", "trim_heap",
           "trim_heap_soon", "trim_every"]

TRIM_EVERY_S = 10.0  # how often the window and the training process give freed heap back
MMAP_THRESHOLD = 1 << 20  # bytes: blocks this large or larger are mapped on their own
TRIM_THRESHOLD = 16 << 20  # bytes: free heap top kept for reuse between trims
ARENAS = 2  # glibc heaps at most (threads share them)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # mallopt parameters (malloc.h)

_lock = threading.Lock()
_trim = None  # glibc's malloc_trim, once found; False when there is none


def _malloc_trim():
    global _trim
    if _trim is None:
        _trim = False
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                fn = libc.malloc_trim
                fn.argtypes, fn.restype = [ctypes.c_size_t], ctypes.c_int
                _trim = fn
            except (OSError, AttributeError):
                _trim = False
    return _trim


_mallopt = None  # glibc's mallopt, once found; False when there is none


def _glibc_mallopt():
    global _mallopt
    if _mallopt is None:
        _mallopt = False
        if sys.platform.startswith("linux") and _malloc_trim():
            try:
                fn = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
                fn.argtypes, fn.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
                _mallopt = fn
            except (OSError, AttributeError):
                _mallopt = False
    return _mallopt


def bound_heap(mmap_threshold: int = MMAP_THRESHOLD, arenas: int = ARENAS,
               trim_threshold: int = TRIM_THRESHOLD) -> bool:
    """Map blocks of ``mmap_threshold`` bytes or more on their own (freed: returned at once),
    keep up to ``trim_threshold`` bytes of free heap top, and use at most ``arenas`` heaps.
    Call once, early, in each process; True when glibc took all three settings."""
    fn = _glibc_mallopt()
    if not fn:
        return False
    return (bool(fn(_M_MMAP_THRESHOLD, int(mmap_threshold))) & bool(fn(_M_ARENA_MAX, int(arenas)))
            & bool(fn(_M_TRIM_THRESHOLD, int(trim_threshold))))


def trim_heap() -> bool:
    """Return freed heap pages to the system; True when glibc gave some back."""
    fn = _malloc_trim()
    if not fn:
        return False
    with _lock:
        return bool(fn(0))


def trim_heap_soon() -> bool:
    """:func:`trim_heap` in a background thread (the caller never waits for it; one at a time).
    False when a trim is still running or there is nothing to call."""
    if not _malloc_trim() or _lock.locked():
        return False
    threading.Thread(target=trim_heap, name="gdviz-trim-heap", daemon=True).start()
    return True


def trim_every(seconds: float, stop: threading.Event) -> threading.Thread | None:
    """A daemon thread that calls :func:`trim_heap` every ``seconds`` until ``stop`` is set
    (None where there is nothing to call). For the training process, which has no event loop."""
    if not _malloc_trim():
        return None

    def loop():
        while not stop.wait(seconds):
            trim_heap()

    t = threading.Thread(target=loop, name="gdviz-trim-heap", daemon=True)
    t.start()
    return t


def resident_mb(pid: int | str = "self") -> float | None:
    """The resident set (VmRSS) of process ``pid`` in MB, or None where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        return None
    return None
