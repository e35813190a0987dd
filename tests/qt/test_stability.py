"""The stability meter: λ_max of the newest θ in the background, against 2/η."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.qt.stability import StabilityMonitor, StabilityPanel
from gdviz.training.config import TrainConfig
from gdviz.training.session import TrainingSession
from gdviz.training.sharpness import SharpnessMeter


@pytest.fixture
def meter(qtbot, tiny):
    """``(monitor, panel)``: a monitor on 200 digits of ``tiny`` and the panel showing it."""
    mon = StabilityMonitor(digits=200)
    panel = StabilityPanel(mon)
    qtbot.addWidget(panel)
    mon.set_dataset(tiny)
    yield mon, panel
    mon.shutdown()


def test_the_monitor_measures_the_newest_theta_and_the_panel_says_it(qtbot, tiny, meter):
    s = TrainingSession(tiny, TrainConfig(lr=1.5))
    mon, panel = meter
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
    assert f"Step 5: λ_max ≈ {lam:.3g}" in panel.words.text()
    assert "< 2" in panel.words.text() and "stable" in panel.words.text()
    x, y = panel.lam_curve.getData()
    assert list(x) == [5.0] and y[0] == pytest.approx(lam)


def test_a_large_eta_is_called_unstable_and_a_new_run_starts_a_new_history(qtbot, tiny, meter):
    s = TrainingSession(tiny, TrainConfig(lr=8.0))
    mon, panel = meter
    with qtbot.waitSignal(mon.updated, timeout=30000):
        mon.observe(s.snapshot())
    _, lam, _ = mon.history.last()
    assert 8.0 * lam >= 2  # the untrained network: λ_max ≈ 0.7
    assert "≥ 2" in panel.words.text() and f"below {2 / lam:.3g}" in panel.words.text()
    s.reset()
    s.train_step()
    with qtbot.waitSignal(mon.updated, timeout=30000):
        mon.observe(s.snapshot())
    assert len(mon.history) == 1  # the history of the new run only


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
