"""What the soak's reference states hold: a census of live Qt and pyqtgraph objects, the
process's anonymous memory, and (with tracemalloc) which Python allocations grew.

Used by ``benchmarks/soak.py``: RSS that grows while the traced Python heap does not is
native memory; :func:`qt_census` tells Qt objects kept alive (items left in a scene, widgets
and menus of a plot no longer shown) from memory Qt holds without objects (font and glyph
caches, heap fragmentation).
"""

from __future__ import annotations

import os
import tracemalloc
from collections import Counter


def object_counts() -> Counter:
    """Live objects the garbage collector tracks, by type name (after a collection)."""
    import gc

    gc.collect()
    return Counter(f"{getattr(type(o), '__module__', '?')}.{type(o).__qualname__}" for o in gc.get_objects())


def smaps_rollup(pid: int | str = "self") -> dict[str, float]:
    """Anonymous, private and file-backed resident memory of ``pid`` in MB, from
    ``/proc/<pid>/smaps_rollup`` ({} when it cannot be read)."""
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("Rss", "Anonymous", "Private_Dirty", "Shared_Clean", "Private_Clean", "Swap"):
                    out[key] = round(int(rest.split()[0]) / 1024.0, 1)
    except (OSError, ValueError, IndexError):
        pass
    return out


def heap_breakdown() -> dict[str, float]:
    """Where this process's heap memory is, in MB: glibc's ``mallinfo2`` (``glibc_used``: blocks in
    use; ``glibc_free``: freed but kept; ``glibc_mapped``: blocks with a mapping of their own)
    and CPython's small-object allocator (``pymalloc_arenas``: its arenas (1 MB in 3.11), which go back
    to the system only when wholly empty; ``pymalloc_used``: the blocks in them in use).
    {} for what cannot be read here."""
    import ctypes
    import os
    import re
    import sys
    import tempfile

    out: dict[str, float] = {}

    class _MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                     "fsmblks", "uordblks", "fordblks", "keepcost")]

    try:
        fn = ctypes.CDLL("libc.so.6").mallinfo2
        fn.restype = _MallInfo2
        mi = fn()
        out.update(glibc_used=mi.uordblks / 2**20, glibc_free=mi.fordblks / 2**20, glibc_mapped=mi.hblkhd / 2**20)
    except (OSError, AttributeError):
        pass
    try:  # sys._debugmallocstats writes to the C stderr
        sys.stderr.flush()
        with tempfile.TemporaryFile() as tmp:
            saved = os.dup(2)
            os.dup2(tmp.fileno(), 2)
            try:
                sys._debugmallocstats()
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            tmp.seek(0)
            text = tmp.read().decode("ascii", "replace")
        arenas = re.search(r"([\d,]+) arenas \* ([\d,]+) bytes/arena", text)
        used = re.search(r"# bytes in allocated blocks\s*=\s*([\d,]+)", text)
        if arenas:
            n, size = (int(g.replace(",", "")) for g in arenas.groups())
            out["pymalloc_arenas"] = n * size / 2**20
        if used:
            out["pymalloc_used"] = int(used.group(1).replace(",", "")) / 2**20
    except (OSError, AttributeError):
        pass
    return {k: round(v, 1) for k, v in out.items()}


def large_arrays(min_mb: float = 1.0, top: int = 12) -> list[tuple[str, float]]:
    """NumPy arrays of ``min_mb`` MB or more that live objects hold, by holder: for each such
    array (or the array it is a view of), the type and attribute of the first container found
    holding it — e.g. ``("LandscapeView._frame.land", 12.3)``. Summed by holder, largest first."""
    import gc

    import numpy as np

    gc.collect()
    seen: dict[int, str] = {}
    sizes: dict[int, float] = {}
    owners: dict[int, object] = {}
    for o in gc.get_objects():
        if isinstance(o, dict):
            items = o.items()
        elif isinstance(o, (list, tuple)):
            items = enumerate(o)
        else:
            continue
        for k, v in items:
            if not isinstance(v, np.ndarray):
                continue
            base = v
            while isinstance(base.base, np.ndarray):
                base = base.base
            mb = base.nbytes / 2**20
            if mb < min_mb or id(base) in seen:
                continue
            seen[id(base)], sizes[id(base)], owners[id(base)] = f"[{k!r}]" if not isinstance(k, str) else k, mb, o
    out: dict[str, float] = {}
    for key, holder in owners.items():
        name = type(holder).__name__
        if isinstance(holder, dict):  # an instance's __dict__: name its class
            for r in gc.get_referrers(holder):
                if getattr(r, "__dict__", None) is holder:
                    name = type(r).__qualname__
                    break
        label = f"{name}.{seen[key]}"
        out[label] = out.get(label, 0.0) + sizes[key]
    return sorted(((k, round(v, 1)) for k, v in out.items()), key=lambda kv: -kv[1])[:top]


NUMPY_DOMAIN = 389047  # NumPy registers its data buffers with tracemalloc in this domain


def numpy_blocks(snapshot, min_mb: float = 1.0, top: int = 12) -> dict:
    """NumPy data buffers live in a tracemalloc ``snapshot``: their total in MB, the total of those of
    ``min_mb`` MB or more (glibc maps these on their own: ``glibc_mapped``), and where the large ones
    were allocated (the innermost frame of gdviz or pyqtgraph, else outside the installed packages),
    largest first; Python's own blocks of that size (lists, bytes) too, as ``python_large_mb`` and
    sites marked ``(python)``. Unlike :func:`large_arrays` this sees every array, whoever holds it
    (an instance's attributes in 3.11 need not be a dict the collector lists; C++ and closures hold
    arrays too)."""
    import tracemalloc as tm

    traces = snapshot.filter_traces([tm.DomainFilter(True, NUMPY_DOMAIN)]).traces
    big = [t for t in traces if t.size >= min_mb * 2**20]
    python_big = [t for t in snapshot.filter_traces([tm.DomainFilter(False, NUMPY_DOMAIN)]).traces
                  if t.size >= min_mb * 2**20]
    where: dict[str, float] = {}
    for t in big + python_big:
        frames = ([f for f in t.traceback if "gdviz" in f.filename or "pyqtgraph" in f.filename]
                  or [f for f in t.traceback if "site-packages" not in f.filename] or list(t.traceback))
        f = frames[-1] if frames else None  # tracemalloc lists the most recent call last
        key = f"{f.filename.split(os.sep + 'site-packages' + os.sep)[-1]}:{f.lineno}" if f else "?"
        key = key.split(os.sep + "gdviz" + os.sep, 1)[-1] if "pyqtgraph" not in key else key
        if t.domain != NUMPY_DOMAIN:
            key = f"(python) {key}"
        where[key] = where.get(key, 0.0) + t.size / 2**20
    return {"all_mb": round(sum(t.size for t in traces) / 2**20, 1),
            "large_mb": round(sum(t.size for t in big) / 2**20, 1), "large_n": len(big),
            "python_large_mb": round(sum(t.size for t in python_big) / 2**20, 1),
            "large_by_site": sorted(((k, round(v, 1)) for k, v in where.items()), key=lambda kv: -kv[1])[:top]}


def qt_census() -> Counter:
    """Live Qt and pyqtgraph objects the window holds: Python wrappers of QObjects and
    QGraphicsItems by type (and QPainterPath, QPixmap, QImage, QFont, QPicture wrappers),
    items in every QGraphicsScene (``scene items``: a scene owns items whose wrappers may be
    gone), the QPixmapCache's limit in KB (its use has no getter), and the
    application's widgets (all and top-level). After a collection."""
    import gc

    from PySide6 import QtCore, QtGui, QtWidgets

    gc.collect()
    out = Counter()
    scenes = []
    for o in gc.get_objects():
        if isinstance(o, (QtCore.QObject, QtWidgets.QGraphicsItem)):
            try:
                out[f"py {type(o).__module__.split('.')[0]}.{type(o).__name__}"] += 1
            except RuntimeError:  # its C++ object is gone
                out["py (deleted C++)"] += 1
            if isinstance(o, QtWidgets.QGraphicsScene):
                scenes.append(o)
        elif isinstance(o, (QtGui.QPainterPath, QtGui.QPixmap, QtGui.QImage, QtGui.QFont, QtGui.QPicture)):
            out[f"py {type(o).__name__}"] += 1
    for sc in scenes:
        try:
            n = len(sc.items())
            views = sc.views()
            owner = views[0] if views else None
            for _ in range(2):  # the panel that shows the view names it better than the view
                if owner is not None and owner.parentWidget() is not None:
                    owner = owner.parentWidget()
        except RuntimeError:  # its C++ object is gone
            continue
        out["scene items"] += n
        out[f"scene items in {type(owner).__name__ if owner is not None else '(no view)'}"] += n
    out["scenes"] = len(scenes)
    out["QPixmapCache limit KB"] = QtGui.QPixmapCache.cacheLimit()  # (Qt has no getter of its use)
    out["allWidgets"] = len(QtWidgets.QApplication.allWidgets())
    out["topLevelWidgets"] = len(QtWidgets.QApplication.topLevelWidgets())
    return out


def census_growth(before: Counter, after: Counter) -> dict[str, int]:
    """The entries of two :func:`qt_census` results that changed, largest growth first."""
    keys = set(before) | set(after)
    diff = {k: after.get(k, 0) - before.get(k, 0) for k in keys}
    return dict(sorted(((k, d) for k, d in diff.items() if d), key=lambda kv: -kv[1]))


def heap_growth(before, after, top: int = 25) -> dict:
    """What grew between two ``(label, tracemalloc snapshot file, object counts)``: the ``top``
    source lines and allocation tracebacks by growth in bytes, and the object types whose
    count grew most. (Stop tracing first: comparing is slow while every allocation is traced.)"""
    a, b = tracemalloc.Snapshot.load(before[1]), tracemalloc.Snapshot.load(after[1])

    def where(tb):
        return [f"{f.filename.split('site-packages' + os.sep)[-1].split('gdviz' + os.sep, 1)[-1]}:{f.lineno}"
                for f in tb][::-1]

    out = {"between": [before[0], after[0]],
           "traced_mb": [round(sum(t.size for t in a.traces) / 2**20, 1),
                         round(sum(t.size for t in b.traces) / 2**20, 1)]}
    for group in ("lineno", "traceback"):
        stats = b.compare_to(a, group)
        out[f"top_growth_by_{group}"] = [
            {"kb": round(s.size_diff / 1024, 1), "blocks": s.count_diff, "kb_now": round(s.size / 1024, 1),
             "where": where(s.traceback)} for s in stats[:top] if s.size_diff > 0]
    counts = after[2].copy()
    counts.subtract(before[2])
    out["object_count_growth"] = [(k, n) for k, n in counts.most_common(top) if n > 0]
    return out
