"""benchmarks/heaptrack_live.py: a heaptrack recording replayed to given moments tells what
was live then, by where it was allocated (the soak's reference states are minutes apart;
heaptrack's own reports are of the peak and the end)."""

from __future__ import annotations

from repo_paths import load_script


def load():
    return load_script("benchmarks/heaptrack_live.py", "gdviz_heaptrack_live")


# A tiny recording in heaptrack's text format: a 2 MB pixmap made in a paint (its innermost
# frame is the allocator's, skipped) and two 4 kB arrays. The clock ticks at 1, 2 and 3 s;
# the pixmap is freed between the first two ticks.
RECORDING = """v 10400 3
s e libQt6Gui.so.6
s 12 libQt6Widgets.so.6
s 6 malloc
s f QPixmap::doInit
s 19 QGraphicsView::paintEvent
s 14 PyArray_NewFromDescr
s 1b _multiarray_umath.cpython.so
i 1000 1 3
i 2000 1 4
i 3000 2 5
i 4000 7 6
t 3 0
t 2 1
t 1 2
t 4 0
a 200000 3
a 1000 4
+ 0
+ 1
+ 1
c 3e8
- 0
c 7d0
c bb8
"""

PIXMAP = "QPixmap::doInit@libQt6Gui < QGraphicsView::paintEvent@libQt6Widgets  [>=1MB]"
ARRAY = "PyArray_NewFromDescr@_multiarray_umath.cpython"


def test_replay_tells_what_was_live_at_each_moment():
    m = load()
    (t1, at1), (t3, at3) = m.replay(RECORDING.splitlines(keepends=True), [1.0, 3.0])
    assert (t1, t3) == (1.0, 3.0)
    assert at1 == {PIXMAP: 0x200000, ARRAY: 2 * 0x1000}
    assert at3 == {ARRAY: 2 * 0x1000}


def test_moments_after_the_end_get_the_end_and_main_prints_the_change(tmp_path, capsys):
    m = load()
    rec = tmp_path / "rec.txt"
    rec.write_text(RECORDING)
    assert m.main([str(rec), "0.5,99"]) == 0
    out = capsys.readouterr().out
    assert "== 0 s: live      2.0 MB, in blocks of 1 MB or more      2.0 MB" in out  # (at the first tick)
    assert "== 99 s: live      0.0 MB, in blocks of 1 MB or more      0.0 MB" in out  # (the end)
    assert "== 0 s -> 99 s: -2.0 MB" in out and f"-2.0  {PIXMAP}" in out
