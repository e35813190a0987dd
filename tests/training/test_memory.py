"""trim_heap gives freed heap memory back to the system (glibc), and never fails elsewhere."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from gdviz.training.memory import resident_mb, trim_heap, trim_heap_soon

FREE_LARGE_ARRAYS = """
import threading
import numpy as np
from gdviz.training.memory import bound_heap, resident_mb
assert bound_heap()
kept, freed = [], []

def job():  # as a view's background thread does: wide arrays, and small ones kept after them
    first = np.ones(2**20); del first  # a first large free (glibc's adaptive threshold would rise here)
    big = []
    for i in range(100):  # 200 MB of 2 MB arrays
        big.append(np.ones(2**18))
        kept.append(np.ones(200))
    held = resident_mb()
    del big
    freed.append(held - resident_mb())

for _ in range(2):
    t = threading.Thread(target=job); t.start(); t.join()
print(min(freed))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt and /proc are Linux's")
def test_freed_large_arrays_are_given_back_at_once():
    """After bound_heap a wide θ or evaluation chunk freed in a worker thread leaves the process
    without a trim, even with small blocks allocated after it (glibc's defaults keep all 200 MB
    in that thread's heap). In a fresh process: mallopt is process-wide."""
    import subprocess

    if resident_mb() is None:
        pytest.skip("no /proc here")
    out = subprocess.run([sys.executable, "-c", FREE_LARGE_ARRAYS], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) > 150  # of the 200 MB freed


EVALUATE_TWICE = """
import resource
import numpy as np
from gdviz.core import Network
from gdviz.training.memory import bound_heap
assert bound_heap()
rng = np.random.default_rng(0)
images = rng.integers(0, 256, (8000, 784), dtype=np.uint8)
labels = rng.integers(0, 10, 8000)
net = Network((784, 16, 16, 10)); net.initialise(rng)
pickled = bytes(160_000)  # a snapshot's worth, made and freed as the training process does
for _ in range(3):
    net.evaluate(images, labels); bytearray(pickled)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    net.evaluate(images, labels); bytearray(pickled)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux's")
def test_evaluating_again_faults_in_no_fresh_memory():
    """The training process evaluates 8,000 digits again and again and builds a 160 kB snapshot
    60 times a second: after bound_heap neither may map and fault in fresh pages each time
    (2,000-row chunks and glibc's fixed 128 kB trim threshold did: ~6,000 page faults an
    evaluation, 15 % of the training process's steps)."""
    import subprocess

    out = subprocess.run([sys.executable, "-c", EVALUATE_TWICE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) < 100  # page faults per evaluation


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim and /proc are Linux's")
def test_freed_small_arrays_are_given_back():
    if resident_mb() is None:
        pytest.skip("no /proc here")
    trim_heap()
    before = resident_mb()
    arrays = [np.ones(1000 + i % 7) for i in range(40_000)]  # ~320 MB in small heap blocks
    keep = arrays[::50]  # ...with a few kept, so the heap cannot shrink from its top alone
    del arrays
    held = resident_mb()
    assert held - before > 200
    assert trim_heap()
    after = resident_mb()
    assert after - before < 50, (before, held, after)
    del keep


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim is Linux's")
def test_trim_in_the_background_one_at_a_time():
    import threading

    assert trim_heap_soon()
    deadline = time.monotonic() + 10
    while any(t.name == "gdviz-trim-heap" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert trim_heap_soon()  # the first one has finished: another may start


def test_trim_every_trims_until_stopped(monkeypatch):
    import threading

    from gdviz.training import memory

    calls = []
    monkeypatch.setattr(memory, "trim_heap", lambda: calls.append(1) or True)
    stop = threading.Event()
    t = memory.trim_every(0.01, stop)
    if t is None:  # no glibc malloc_trim here: nothing to call
        return
    for _ in range(1000):  # up to ~10 s
        if len(calls) >= 3:
            break
        time.sleep(0.01)
    stop.set()
    t.join(2)
    assert len(calls) >= 3 and not t.is_alive()
