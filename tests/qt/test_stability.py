"""The stability meter: λ_max of the newest θ in the background, against 2/η."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.qt.stability import StabilityMonitor, StabilityPanel
from gdviz.training.config import TrainConfig
from gdviz.training.session import TrainingSession
from gdviz.training.sharpness import SharpnessMeter


def test_the_monitor_measures_the_newest_theta_and_the_panel_says_it(qtbot, tiny):
    s = TrainingSession(tiny, TrainConfig(lr=1.5))
    mon = StabilityMonitor(digits=200)
    panel = StabilityPanel(mon)
    qtbot.addWidget(panel)
    panel.show()
    mon.set_dataset(tiny)
    for _ in range(5):
        s.train_step()
    snap = s.snapshot()
    with qtbot.waitSignal(mon.updated, timeout=30000):
        mon.observe(snap)
    step, lam, lr = mon.history.last()
    assert step == snap.step == 5 and lr == 1.5
    ref = SharpnessMeter(snap.sizes, "sigmoid", "mse", tiny.train_images[:200],
                         tiny.train_labels[:200]).estimate(snap.theta, tol=1e-8)
    assert lam == pytest.approx(ref.lam, rel=2e-2)
    assert f"Step 5: λ_max ≈ {lam:.3g}" in panel.sentence()
    assert panel.words.text() == f"η·λ_max = 1.5 × {lam:.3g} = {1.5 * lam:.2f} < 2: stable"
    assert "training is stable" in panel.sentence()
    x, y = panel.lam_curve.getData()
    assert list(x) == [5.0] and y[0] == pytest.approx(lam)
    mon.shutdown()


def test_a_large_eta_is_called_unstable_and_a_new_run_starts_a_new_history(qtbot, tiny):
    s = TrainingSession(tiny, TrainConfig(lr=8.0))
    mon = StabilityMonitor(digits=200)
    panel = StabilityPanel(mon)
    qtbot.addWidget(panel)
    panel.show()
    mon.set_dataset(tiny)
    with qtbot.waitSignal(mon.updated, timeout=30000):
        mon.observe(s.snapshot())
    _, lam, _ = mon.history.last()
    assert 8.0 * lam >= 2  # the untrained network: λ_max ≈ 0.7
    assert "≥ 2: unstable" in panel.words.text() and f"η < {2 / lam:.3g}" in panel.words.text()
    assert f"below {2 / lam:.3g}" in panel.sentence()
    s.reset()
    s.train_step()
    with qtbot.waitSignal(mon.updated, timeout=30000):
        mon.observe(s.snapshot())
    assert len(mon.history) == 1  # the history of the new run only
    mon.shutdown()


def test_disabled_monitor_computes_nothing(qtbot, tiny):
    s = TrainingSession(tiny, TrainConfig())
    mon = StabilityMonitor(digits=100)
    mon.set_dataset(tiny)
    mon.enabled = False
    s.train_step()
    mon.observe(s.snapshot())
    qtbot.wait(300)
    assert len(mon.history) == 0
    mon.shutdown()


def test_a_snapshot_of_another_run_is_not_drawn_against_this_history(qtbot, tiny):
    from dataclasses import replace

    s = TrainingSession(tiny, TrainConfig())
    mon = StabilityMonitor(digits=100)
    panel = StabilityPanel(mon)
    qtbot.addWidget(panel)
    panel.show()
    mon.set_dataset(tiny)
    snap = s.snapshot()
    with qtbot.waitSignal(mon.updated, timeout=30000):
        mon.observe(snap)
    panel.render(snap)
    assert len(panel.lam_curve.getData()[0]) == 1
    panel.render(replace(snap, run_id=snap.run_id + 100))  # e.g. a recording replayed
    assert panel.words.text() == "λ_max is measured for the live run only."
    assert panel.lam_curve.getData()[0] is None or len(panel.lam_curve.getData()[0]) == 0
    panel.render(snap)  # back to the live run: its history again
    assert len(panel.lam_curve.getData()[0]) == 1 and "η·λ_max" in panel.words.text()
    mon.shutdown()
