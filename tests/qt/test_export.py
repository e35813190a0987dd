"""Exports: weights mosaic and colormap (no Qt), metrics CSV, GIF, `gdviz export`,
and the window's File ▸ Export / "Export panel…" (PNG, SVG)."""

from __future__ import annotations

import csv
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np
import pytest

from gdviz import palette, render
from gdviz.cli import main
from gdviz.training import LESSON, TrainingSession
from gdviz.training.recording import Recorder, open_recording

CFG = replace(LESSON, eval_every=25)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
N_STEPS = 300


@pytest.fixture(scope="module")
def recording(tmp_path_factory, tiny):
    """A 300-step recording of the lesson's network on the tiny data (θ every 64 steps)."""
    path = tmp_path_factory.mktemp("rec") / "run.gdvrec"
    s = TrainingSession(tiny, CFG, publish_hz=0)
    rec = Recorder.from_session(path, s)
    for i in range(N_STEPS):
        s.train_step()
        rec.on_step(s.step_count, s.net.theta)
        if i % 40 == 0:
            rec.record_snapshot(s.snapshot())
    rec.record_snapshot(s.snapshot())
    rec.close()
    return path


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def gif_frames(path) -> int:
    import imageio.v3 as iio

    return iio.improps(path, index=None).shape[0]


# ====================================================================== no Qt
def test_colormap_is_the_apps():
    pytest.importorskip("PySide6")
    from gdviz import palette
    from gdviz.qt import colours

    assert list(render.DIVERGING_HEX) == list(palette.DIVERGING_HEX)
    lut = render.diverging_lut(256)
    cm = colours.diverging_cmap().getLookupTable(0.0, 1.0, 256, alpha=False)
    assert np.abs(lut.astype(int) - np.asarray(cm, dtype=int)).max() <= 1


def test_weights_mosaic_layout_and_colours():
    sizes = (784, 16, 16, 10)
    theta = np.zeros(13_002, np.float32)
    W = theta[: 16 * 784].reshape(16, 784)
    W[0] = 1.0  # neuron 0 all positive: dark red
    W[1] = -1.0  # neuron 1 all negative: dark blue
    W[2, :392] = 1.0  # neuron 2: top half red, the rest zero
    img = render.weights_mosaic(theta, sizes, scale=1, levels=1.0)
    assert img.dtype == np.uint8 and img.shape == (4 * 29 + 1, 4 * 29 + 1, 3)
    tile = lambda j: img[1 + (j // 4) * 29: 1 + (j // 4) * 29 + 28, 1 + (j % 4) * 29: 1 + (j % 4) * 29 + 28]  # noqa: E731
    assert (tile(0) == palette.rgb("#67001f")).all()
    assert (tile(1) == palette.rgb("#053061")).all()
    assert (tile(3) == palette.rgb("#f7f7f7")).all()  # zero = the middle colour
    assert (tile(2)[:14] == palette.rgb("#67001f")).all() and (tile(2)[14:] == palette.rgb("#f7f7f7")).all()
    assert (img[0] == render.BOARD_RGB).all()  # grey between tiles
    big = render.weights_mosaic(theta, sizes)  # default ×3
    assert big.shape == (3 * img.shape[0], 3 * img.shape[1], 3)
    theta[5] = np.nan
    assert (render.weights_mosaic(theta, sizes, scale=1, levels=1.0)[1, 6] == render.BOARD_RGB).all()
    with pytest.raises(ValueError, match="fewer"):
        render.weights_mosaic(theta[:100], sizes)


def test_frame_steps():
    steps = [0, 64, 128, 192, 256, 300]
    assert render.gif_frame_steps(steps, 64) == steps
    assert render.gif_frame_steps(steps, 100) == [0, 128, 256, 300]
    assert render.gif_frame_steps(steps, 1000) == [0, 300]
    assert render.gif_frame_steps(list(range(0, 64 * 1000, 64)), None)[-1] == 64 * 999
    assert len(render.gif_frame_steps(list(range(0, 64 * 1000, 64)), None)) <= 101


def test_metrics_csv_layout(tmp_path, recording):
    with open_recording(recording) as rec:
        counts = render.write_metrics_csv(tmp_path / "m.csv", **render.recording_metrics(rec))
        rows = read_csv(tmp_path / "m.csv")
        assert list(rows[0]) == list(render.CSV_FIELDS)
        step_rows = [r for r in rows if r["event"] == "step"]
        assert len(step_rows) == counts["step"] == N_STEPS == rec.steps.size
        assert [int(r["step"]) for r in step_rows] == list(range(1, N_STEPS + 1))
        np.testing.assert_array_equal([float(r["cost"]) for r in step_rows], rec.costs)  # full precision
        evals = [r for r in rows if r["event"] == "eval"]
        assert len(evals) == counts["eval"] == len(rec.evals) > 0
        e = rec.evals[0]
        assert int(evals[0]["step"]) == e.step and float(evals[0]["test_accuracy"]) == e.test_accuracy
        assert float(evals[0]["train_cost"]) == e.train_cost and evals[0]["cost"] == ""
        epochs = [r for r in rows if r["event"] == "epoch"]
        assert len(epochs) == len(rec.epoch_costs) == N_STEPS // 60
        steps = [int(r["step"]) for r in rows]
        assert steps == sorted(steps)


# ====================================================================== gdviz export
def test_cli_gif(tmp_path, recording, capsys):
    out = tmp_path / "w.gif"
    assert main(["export", str(recording), "--gif", str(out), "--fps", "5", "--every", "64"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    with open_recording(recording) as rec:
        expected = render.gif_frame_steps(rec.theta_steps, 64)
    assert expected == [0, 64, 128, 192, 256, 300]
    assert gif_frames(out) == len(expected)
    import imageio.v3 as iio

    frame = iio.imread(out, index=0)
    assert frame.shape[:2] == (351 + 18, 351)
    assert main(["export", str(recording), "--gif", str(tmp_path / "d.gif")]) == 0  # default spacing
    assert gif_frames(tmp_path / "d.gif") == 6


def test_cli_csv(tmp_path, recording, capsys):
    out = tmp_path / "m.csv"
    assert main(["export", str(recording), "--csv", str(out)]) == 0
    rows = read_csv(out)
    assert sum(r["event"] == "step" for r in rows) == N_STEPS


def test_cli_export_does_not_import_qt(tmp_path, recording):
    code = (
        "import sys; from gdviz.cli import main;"
        f"assert main(['export', {str(recording)!r}, '--gif', {str(tmp_path / 'a.gif')!r}]) == 0;"
        f"assert main(['export', {str(recording)!r}, '--csv', {str(tmp_path / 'a.csv')!r}]) == 0;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph') "
        "or m.startswith('gdviz.qt'));"
        "print('qt modules:', ','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "qt modules:"


def test_cli_png(qtbot, tmp_path, recording):
    from PySide6.QtGui import QImage

    out = tmp_path / "step.png"
    assert main(["export", str(recording), "--png", str(out), "--step", "128", "--size", "1280x800"]) == 0
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1280, 800)
    panel = tmp_path / "panel.png"
    assert main(["export", str(recording), "--png", str(panel), "--step", "300", "--panel", "hidden_weights"]) == 0
    img = QImage(str(panel))
    assert 200 < img.width() < 1280 and img.height() > 100


@pytest.mark.parametrize("argv, message", [
    (["--gif", "x.png"], "ending in .gif"),
    (["--png", "x.png"], "--png needs --step"),
    (["--csv", "x.csv", "--step", "3"], "--step only applies to --png"),
    (["--csv", "x.csv", "--every", "3"], "--every only applies"),
    (["--mp4", "x.mp4"], "imageio-ffmpeg"),
    (["--gif", "no/such/folder/x.gif"], "folder not found"),
    (["--gif", "x.gif", "--fps", "0"], "more than 0"),
])
def test_cli_export_errors(tmp_path, recording, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    if "--mp4" in argv and render.mp4_available():
        pytest.skip("imageio-ffmpeg is installed")
    assert main(["export", str(recording), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gdviz: error:") and message in err and err.count("\n") == 1


def test_cli_export_bad_recording(tmp_path, recording, capsys):
    data = recording.read_bytes()
    bad = tmp_path / "cut.gdvrec"
    bad.write_bytes(data[: len(data) - 300])
    assert main(["export", str(bad), "--gif", str(tmp_path / "a.gif")]) == 2
    err = capsys.readouterr().err
    assert "cut.gdvrec" in err and "truncated" in err
    assert not (tmp_path / "a.gif").exists()
    assert main(["export", str(tmp_path / "missing.gdvrec"), "--csv", str(tmp_path / "a.csv")]) == 2
    assert "no such recording file" in capsys.readouterr().err


# ====================================================================== in the window
@pytest.fixture
def window(qtbot, tiny):
    pytest.importorskip("pytestqt")
    from gdviz.qt.window import MainWindow

    win = MainWindow(tiny)
    qtbot.addWidget(win)
    win.resize(1600, 1000)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.last_snapshot is not None, timeout=15_000)
    win._test_export = win.exporter  # attached by MainWindow itself
    win._test_replay = win.replay
    win.session.step(90)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 90 and not win.session.busy, timeout=15_000)
    yield win
    win._test_replay.on_close()
    win.close()


def test_export_menu(window):
    from gdviz.qt.menus import find_menu

    ctl = window._test_export
    texts = [a.text() for a in find_menu(window, "File").actions()]
    assert "&Export" in texts
    assert [a.text() for a in ctl.menu.actions() if not a.isSeparator()] == [
        "&Panel as PNG/SVG", "&Metrics as CSV…", "&Weights animation (GIF)…"]
    from gdviz.qt.views import VIEWS

    entries = [a.text() for a in ctl.panel_menu.actions() if not a.isSeparator() and not a.isCheckable()]
    assert len(entries) == len(window.panels) + len(VIEWS)  # every live panel and every teaching view
    assert "Cost and accuracy…" in entries and f"{VIEWS['landscape'].title}…" in entries
    assert [k for k, a in ctl.scale_actions.items() if a.isChecked()] == [1]
    if not render.mp4_available():
        assert "imageio-ffmpeg" in ctl.gif_action.statusTip()


def test_every_panel_exports_png_and_svg(qtbot, window, tmp_path):
    from PySide6.QtGui import QImage

    ctl = window._test_export
    for name, panel in window.panels.items():
        png = ctl.export_panel(name, tmp_path / f"{name}.png")
        assert png.read_bytes()[:8] == PNG_SIGNATURE
        img = QImage(str(png))
        assert (img.width(), img.height()) == (panel.width(), panel.height())
        svg = ctl.export_panel(name, tmp_path / f"{name}.svg")
        root = ET.parse(svg).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("viewBox") == f"0 0 {panel.width()} {panel.height()}"
        assert len(list(root.iter())) > 20, name  # drawn content, not an empty page
    # a bad format or folder: a message, no exception
    assert ctl.export_panel("cost", tmp_path / "x.jpg") is None
    assert "x.jpg" in window.message_boxes[-1].text()
    assert ctl.export_panel("cost", tmp_path / "nope" / "x.png") is None


def test_panel_export_at_2x_leaves_the_controls_out(qtbot, window, tmp_path):
    """Export ▸ Panel at 2×: twice the pixels, drawn (not enlarged), and no radio buttons or boxes."""
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QAbstractButton

    ctl = window._test_export
    cost = window.cost_panel
    buttons = [b for b in cost.findChildren(QAbstractButton) if b.isVisible()]
    assert buttons  # steps / epochs / log / follow
    ctl.scale_actions[2].trigger()
    png = ctl.export_panel("cost", tmp_path / "cost.png")
    img = QImage(str(png))
    assert (img.width(), img.height()) == (2 * cost.width(), 2 * cost.height())
    one = QImage(str(ctl.export_panel("cost", tmp_path / "cost1.png", scale=1)))
    assert all(b.isVisible() for b in buttons)  # shown again after the export
    # the radio buttons' area: in the export, no button text is drawn where "steps" sits on screen
    b = next(b for b in buttons if b.text() == "steps")
    top_left = b.mapTo(cost, b.rect().topLeft())
    region = one.copy(top_left.x(), top_left.y(), b.width(), b.height())
    window_grab = cost.grab().toImage().copy(top_left.x(), top_left.y(), b.width(), b.height())
    assert region != window_grab


def test_every_view_exports_as_a_panel(qtbot, window, tmp_path):
    from PySide6.QtGui import QImage

    from gdviz.qt.views import VIEWS

    ctl = window._test_export
    for name in ("landscape", "generalisation", "draw"):
        png = ctl.export_panel(name, tmp_path / f"{name}.png", scale=1)
        assert png is not None and png.read_bytes()[:8] == PNG_SIGNATURE
        view = window.views[name]
        assert window.current_view() is view
        assert QImage(str(png)).width() == view.width()
        assert "Export panel…" in [a.text() for a in view.actions()] or \
            [a.text() for a in ctl.context_menu(name).actions()] == ["Export panel…"]
    assert set(ctl.panel_entries) == set(window.panels) | set(VIEWS)


def test_context_menu_has_export_panel(qtbot, window):
    """A right-click on a panel's plot opens a menu with "Export panel…"."""
    import pyqtgraph as pg
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication

    ctl = window._test_export
    for panel in window.panels.values():
        if panel.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu:
            ctl.last_context_menu = None
            views = panel.findChildren(pg.GraphicsView)
            target = views[0].viewport() if views else panel
            centre = QPoint(target.width() // 2, target.height() // 2)
            QApplication.sendEvent(target, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, centre,
                                                             target.mapToGlobal(centre)))
            menu = ctl.last_context_menu
            assert menu is not None and [a.text() for a in menu.actions()] == ["Export panel…"]
            menu.close()
        else:
            assert "Export panel…" in [a.text() for a in panel.actions()]


def test_metrics_csv_from_the_cost_panel(qtbot, window, tmp_path):
    ctl = window._test_export
    counts = ctl.export_metrics(tmp_path / "m.csv")
    rows = read_csv(tmp_path / "m.csv")
    h = window.cost_panel.history()
    assert counts["step"] == sum(r["event"] == "step" for r in rows) == h["steps"].size == 90
    assert counts["eval"] == sum(r["event"] == "eval" for r in rows) == len(h["evals"]) > 0
    np.testing.assert_array_equal([float(r["cost"]) for r in rows if r["event"] == "step"], h["costs"])
    ev = window.cost_panel.history()["evals"][0]
    row = next(r for r in rows if r["event"] == "eval")
    assert float(row["test_accuracy"]) == pytest.approx(ev[3]) and float(row["train_cost"]) == ev[4]


def test_animation_from_the_window(qtbot, window, tmp_path, recording):
    ctl = window._test_export
    assert ctl.export_animation(recording, tmp_path / "a.gif", every=64) == 6
    assert gif_frames(tmp_path / "a.gif") == 6
    # in replay mode the recording replayed is the one animated by the menu's dialog
    assert window._test_replay.open_recording(recording)
    assert ctl.replay.recording is window._test_replay.recording
    bad = tmp_path / "bad.gdvrec"
    bad.write_bytes(b"\x89gdvrec\n" + b"\0" * 3)
    assert ctl.export_animation(bad, tmp_path / "b.gif") is None
    assert "bad.gdvrec" in window.message_boxes[-1].text()
    if not render.mp4_available():
        assert ctl.export_animation(recording, tmp_path / "a.mp4") is None
        assert "imageio-ffmpeg" in window.message_boxes[-1].text()
