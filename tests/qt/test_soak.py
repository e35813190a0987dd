"""A short soak in CI: a seeded random user (benchmarks/soak.py) drives the real window with
QTest keys and mouse for 90 actions (~25 s) — keys, η typed (bad values too), tabs, presenter mode, network
sizes, resizes, strokes on the canvas — while the network trains in its own process. Nothing
may raise, no error dialog may be left, and afterwards the window still answers → with a step.
An exception a view caught and logged is reported as a warning (benchmarks/soak.py counts it
as an error)."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("pytestqt")

from gdviz.training import LESSON  # noqa: E402
from repo_paths import load_script  # noqa: E402

ACTIONS = 90  # about 25 s on a quiet machine


def load_soak():
    return load_script("benchmarks/soak.py", "gdviz_soak")


@pytest.mark.parametrize("seed", [3])
def test_a_random_user_for_90_actions(qtbot, sample, seed):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from gdviz.qt.window import MainWindow

    soak = load_soak()
    win = MainWindow(sample)  # the app's default engine: training in a child process
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    try:
        qtbot.waitUntil(lambda: win.last_snapshot is not None, timeout=15_000)
        driver = soak.Soak(win, seed=seed, big_networks=False)
        for text in ("∞", "η=1", "1" * 40):  # what QTest.keyClicks cannot type, typed as an input method would
            assert driver.type_into(win.controls.lr_edit, text)
        assert win.controls.lr_error and win.controls.config.lr == LESSON.lr  # refused, η unchanged
        summary = driver.run(float("inf"), max_actions=ACTIONS, sample_every=5.0)
        assert summary["chosen"] == ACTIONS
        assert summary["errors"] == []
        for text in summary["logged_errors"]:  # caught and logged by a view: shown, not failed on
            warnings.warn(f"soak: gdviz logged an error: {text[:400]}", stacklevel=1)
        # every kind of action happened
        kinds = {k.split(" ")[0] for k in summary["by_action"]}
        assert {"key", "type", "click", "network", "resize"} <= kinds, summary["by_action"]
        assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        ok, how = driver.still_responds()
        assert ok, how
        if win.engine == "process":
            assert soak.training_pid(win) is not None  # the training process is alive
            assert driver.samples[-1]["training_rss_mb"] is not None
        assert driver.samples[-1]["window_rss_mb"] > 0
    finally:
        win.close()
