"""The benchmark's in-process trace (GDVIZ_BENCH_TRACE): every paint and poll of the GUI
thread is timed and named by the panel it belongs to, and the window still works under it."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtWidgets import QApplication  # noqa: E402

from PySide6.QtCore import Qt  # noqa: E402

from gdviz.qt import probe_driver  # noqa: E402
from qt_helpers import key  # noqa: E402


def test_the_trace_names_each_panels_paints_and_the_polls(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setenv("GDVIZ_BENCH_TRACE", "1")
    monkeypatch.setattr(QApplication, "quit", lambda *a: None)  # (the test's app lives on)
    out = tmp_path / "probe.json"
    window.show()
    qtbot.waitExposed(window)
    probe = probe_driver._Probe(window, str(out), probe_driver.parse_plan("wait 1.5; quit"))
    key(qtbot, Qt.Key.Key_Space)  # Run
    qtbot.waitUntil(out.exists, timeout=30_000)
    rec = json.loads(out.read_text(encoding="utf-8"))
    assert not rec["errors"] and rec["ticks"]
    labels = {label for _t, _wall, _cpu, _queued, label in rec["trace"]}
    assert "timer poll" in labels and "ingest" in labels
    assert {"paint cost", "paint deeper_layers", "render deeper_layers"} <= labels
    for t, wall, cpu, queued, _label in rec["trace"]:
        assert wall >= probe_driver._Tracer.MIN_MS and cpu >= 0.0 and queued >= 0.0 and t >= 0.0
    assert window.last_snapshot.step > 0
    n = len(probe.tracer.events)  # the filter is gone once the record is written
    qtbot.wait(100)
    assert len(probe.tracer.events) == n


def test_the_plan_shows_each_view_it_names_and_records_it(qtbot, window, tmp_path, monkeypatch):
    """``key view:NAME`` presses that view's Alt+N (not a panel mode that shares its title,
    as −∇C's Ctrl+2 does), and each mark records what the window shows."""
    from gdviz.qt.views import VIEWS

    monkeypatch.setattr(QApplication, "quit", lambda *a: None)
    window.show()
    qtbot.waitExposed(window)
    names = [n for n in VIEWS if n != "draw"][:4]
    plan = "; ".join(f"key view:{n}; mark {n}" for n in names) + "; key Presenter mode; mark p; quit"
    out = tmp_path / "probe.json"
    probe = probe_driver._Probe(window, str(out), probe_driver.parse_plan(plan))  # noqa: F841 (kept alive)
    qtbot.waitUntil(out.exists, timeout=30_000)
    rec = json.loads(out.read_text(encoding="utf-8"))
    assert not rec["errors"]
    assert [rec["shown"][n] for n in names] == names
    assert rec["shown"]["p"] == f"{names[-1]}+presenter"
