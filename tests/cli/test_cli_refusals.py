"""Hostile input to the ``gdviz`` command: every case is one ``gdviz: error:`` line and
exit code 2, never a traceback; sizes over the limits are refused before anything is
allocated, and nothing is left behind when the input is bad."""

from __future__ import annotations

import errno
import sys
import tracemalloc
import types
from pathlib import Path

import numpy as np
import pytest

from gdviz import limits
from gdviz.cli import main
from gdviz.training.checkpoint import load_checkpoint


def one_line_error(code, capsys) -> str:
    captured = capsys.readouterr()
    assert code == 2, (captured.out, captured.err)
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("gdviz: error: ") and len(lines[0]) > 25
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


def run_measured(argv) -> tuple[int, int]:
    """(exit code of ``main(argv)``, tracemalloc peak in bytes)."""
    tracemalloc.start()
    try:
        return main(argv), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def no_qt(monkeypatch):
    """A stand-in for ``gdviz.qt.app`` that records calls (nothing may be opened)."""
    calls = []
    fake = types.ModuleType("gdviz.qt.app")
    fake.run_app = lambda **kw: calls.append(("run_app", kw)) or 0
    fake.screenshot = lambda *a, **kw: calls.append(("screenshot", kw)) or Path(a[0])
    monkeypatch.setitem(sys.modules, "gdviz.qt.app", fake)
    return calls


# ---------------------------------------------------------------- training settings
@pytest.mark.parametrize("seed", ["-1", str(2**32), "1e30"])
def test_a_seed_out_of_range_is_one_line(seed, capsys):
    err = one_line_error(main(["train", "--headless", "--epochs", "1", "--seed", seed]), capsys)
    assert "seed" in err


def test_a_seed_at_the_limit_trains(capsys):
    assert main(["train", "--headless", "--epochs", "1", "--json", "--seed", str(limits.MAX_SEED)]) == 0


def test_a_million_hidden_neurons_is_refused_by_the_limit_before_allocating(capsys):
    code, peak = run_measured(["train", "--headless", "--epochs", "1", "--hidden", "1000000"])
    err = one_line_error(code, capsys)
    assert "MAX_HIDDEN_WIDTH" in err and "1,000,000" in err
    assert peak < 8 << 20, peak  # NumPy's 5.8 GiB θ was never asked for


@pytest.mark.parametrize("batch, limit", [("3000000000", "MAX_BATCH_SIZE"), ("1e308", "whole number")])
def test_an_absurd_batch_size_is_one_line(batch, limit, capsys):
    assert limit in one_line_error(main(["train", "--headless", "--epochs", "1", "--batch", batch]), capsys)


def test_a_network_within_the_limits_but_not_the_memory_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(limits, "available_memory", lambda: 1 << 20)
    out = tmp_path / "D"
    err = one_line_error(main(["train", "--headless", "--epochs", "1", "--hidden", "1024",
                               "--out", str(out)]), capsys)
    assert "memory" in err
    assert not out.exists()


# ---------------------------------------------------------------- --out
def test_checkpoint_path_that_is_a_folder_is_refused_before_training(tmp_path, capsys):
    out = tmp_path / "D"
    (out / "checkpoint.npz").mkdir(parents=True)
    err = one_line_error(main(["train", "--headless", "--epochs", "1", "--out", str(out)]), capsys)
    assert "checkpoint.npz" in err and "folder" in err
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.npz"]  # no metrics.csv either


def test_a_full_disk_while_saving_the_checkpoint_is_one_line(tmp_path, monkeypatch, capsys):
    def full(fh, *args, **kwargs):
        fh.write(b"half an archive")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    out = tmp_path / "D"
    err = one_line_error(main(["train", "--headless", "--epochs", "2", "--json", "--out", str(out)]),
                         capsys)
    assert "No space left on device" in err and "checkpoint.npz" in err and "after 1 epoch" in err
    assert not (out / "checkpoint.npz").exists()
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_a_full_disk_while_writing_metrics_is_one_line(tmp_path, monkeypatch, capsys):
    from gdviz.cli import train

    def full(self, row):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(train._MetricsFile, "write", full)
    err = one_line_error(main(["train", "--headless", "--epochs", "1", "--out", str(tmp_path / "D")]),
                         capsys)
    assert "metrics.csv" in err and "No space left on device" in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_metrics_on_dev_full_is_one_line(tmp_path, capsys):
    """A real ENOSPC: metrics.csv is a link to /dev/full, whose every write fails."""
    out = tmp_path / "D"
    out.mkdir()
    (out / "metrics.csv").symlink_to("/dev/full")
    err = one_line_error(main(["train", "--headless", "--epochs", "1", "--out", str(out)]), capsys)
    assert "metrics.csv" in err and "No space left on device" in err


def test_a_bad_data_folder_leaves_no_output_folder(tmp_path, capsys):
    bad = tmp_path / "BAD"
    bad.mkdir()
    (bad / "train-images-idx3-ubyte").write_bytes(b"not idx")
    out = tmp_path / "D"
    one_line_error(main(["train", "--headless", "--epochs", "1", "--data-dir", str(bad),
                         "--out", str(out)]), capsys)
    assert not out.exists()


def test_out_still_writes_both_files(tmp_path, capsys):
    out = tmp_path / "nested" / "D"
    assert main(["train", "--headless", "--epochs", "1", "--json", "--out", str(out)]) == 0
    assert load_checkpoint(out / "checkpoint.npz").epoch == 1
    assert (out / "metrics.csv").read_text().count("\n") == 2


# ---------------------------------------------------------------- picture sizes
def test_a_100000_pixel_screenshot_is_refused_by_the_limit(tmp_path, capsys, no_qt):
    code, peak = run_measured(["screenshot", "--out", str(tmp_path / "s.png"), "--size", "100000x100000"])
    err = one_line_error(code, capsys)
    assert "MAX_IMAGE_WIDTH" in err and "100,000x100,000" in err
    assert no_qt == [] and peak < 8 << 20
    assert not (tmp_path / "s.png").exists()


def test_a_100000_pixel_png_export_is_refused_by_the_limit(tmp_path, capsys, no_qt):
    rec = tmp_path / "run.gdvrec"
    rec.write_bytes(b"")  # never opened: the size is refused first
    code, peak = run_measured(["export", str(rec), "--png", str(tmp_path / "p.png"), "--step", "0",
                               "--size", "100000x100000"])
    err = one_line_error(code, capsys)
    assert "MAX_IMAGE_WIDTH" in err
    assert no_qt == [] and peak < 8 << 20


def test_the_largest_picture_is_accepted(tmp_path, capsys, no_qt, monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: None)
    size = f"{limits.MAX_IMAGE_WIDTH}x{limits.MAX_IMAGE_HEIGHT}"
    assert main(["screenshot", "--out", str(tmp_path / "s.png"), "--size", size, "--steps", "0"]) == 0
    assert no_qt[0][1]["size"] == (limits.MAX_IMAGE_WIDTH, limits.MAX_IMAGE_HEIGHT)


def test_the_window_functions_refuse_huge_sizes_before_any_window():
    """Called directly (not through the CLI), the Qt entry points check the same limit first."""
    pytest.importorskip("PySide6")
    from gdviz.qt.app import screenshot
    from gdviz.qt.offscreen import render_recording_png

    with pytest.raises(limits.LimitError, match="MAX_IMAGE_WIDTH"):
        screenshot("x.png", size=(100_000, 100_000))
    with pytest.raises(limits.LimitError, match="MAX_IMAGE_WIDTH"):
        render_recording_png("no-such.gdvrec", "x.png", 0, size=(30_000, 30_000))
