"""The soak's census (benchmarks/soak_memory.py) sees Qt objects that stay alive: items left
in a scene although nothing in Python holds them, plots and their menus, widgets."""

from __future__ import annotations

from pathlib import Path

import pytest

from repo_paths import load_script

pytest.importorskip("pytestqt")


def load_census():
    return load_script("benchmarks/soak_memory.py", "gdviz_soak_memory")


def test_census_counts_items_a_scene_keeps_and_the_plots_that_were_added(qtbot):
    import pyqtgraph as pg
    from PySide6 import QtCore, QtWidgets

    m = load_census()
    canvas = pg.GraphicsLayoutWidget()
    qtbot.addWidget(canvas)
    before = m.qt_census()
    for _ in range(5):  # no Python reference kept: only the scene holds them
        canvas.scene().addItem(QtWidgets.QGraphicsRectItem(QtCore.QRectF(0, 0, 1, 1)))
    canvas.addPlot()
    grew = m.census_growth(before, m.qt_census())
    assert grew["scene items"] >= 5 + 1
    assert grew["py pyqtgraph.PlotItem"] == 1
    assert grew.get("py PySide6.QMenu", 0) >= 1  # a plot's context menus are top-level widgets
    assert grew["scene items in GraphicsLayoutWidget"] == grew["scene items"]


def test_smaps_rollup_reads_anonymous_memory():
    m = load_census()
    mem = m.smaps_rollup()
    if not Path("/proc/self/smaps_rollup").exists():
        assert mem == {}
    else:
        assert 0 < mem["Anonymous"] <= mem["Rss"]
    assert m.smaps_rollup(pid=2**31 - 1) == {}


def test_the_soak_can_leave_actions_out(qapp):
    soak = load_script("benchmarks/soak.py", "gdviz_soak_leave")
    every = {fn.__name__ for _w, fn in soak.Soak(None).actions}
    fewer = {fn.__name__ for _w, fn in soak.Soak(None, leave_out=("presenter", "network")).actions}
    assert every - fewer == {"a_presenter", "a_network"}
    with pytest.raises(ValueError, match="no such action: presentr"):
        soak.Soak(None, leave_out=("presentr",))


def test_numpy_blocks_sees_an_array_only_a_closure_holds():
    """The soak's first census (large_arrays) looks in dicts, lists and tuples the collector lists;
    an array held by a closure (or by C++, or an instance whose attributes are no dict in 3.11)
    escapes it. numpy_blocks reads NumPy's own allocations from tracemalloc instead."""
    import tracemalloc

    import numpy as np

    m = load_census()
    tracemalloc.start(4)
    try:
        def holder():
            big = np.ones(3 * 2**20 // 8)  # 3 MB
            return lambda: big

        keep = holder()
        small = np.ones(100)
        snap = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    blocks = m.numpy_blocks(snap)
    assert blocks["large_mb"] >= 3.0 and blocks["large_n"] >= 1
    assert blocks["all_mb"] >= blocks["large_mb"]
    site, mb = blocks["large_by_site"][0]
    assert "test_soak_census.py:" in site, site
    assert mb >= 3.0
    assert not any(label.startswith("function") for label, _ in m.large_arrays(min_mb=3.0))
    del keep, small
