"""The evaluation cadence: on the eval_every grid, a bounded share of the time (fake clocks only)."""

import threading
import time

import numpy as np
import pytest

import gdviz.training.session as session_module
from gdviz.training import TrainConfig, TrainingSession
from gdviz.training.eval_cadence import MAX_SHARE, MIN_GAP_S, EvalCadence


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _evaluate_taking(clock, seconds):
    def evaluate():
        clock.t += seconds
        return "done"
    return evaluate


def test_the_first_grid_point_is_kept_and_off_grid_steps_never():
    c = EvalCadence(Clock())
    assert c.due(0, 5) and c.due(200, 200)
    assert not c.due(7, 5) and not c.due(10, 0)


def test_slow_evaluations_skip_grid_points_until_their_share_is_spent():
    clock = Clock()
    c = EvalCadence(clock)
    assert c.timed(_evaluate_taking(clock, 0.1)) == "done"  # 0.1 s: the next one 2 s after it began
    assert c.wait_s == pytest.approx(0.1 / MAX_SHARE)
    clock.t += 1.0
    assert not c.due(200, 200)
    clock.t += 0.9 - 1e-9
    assert not c.due(400, 200)
    clock.t += 2e-9
    assert c.due(400, 200)


def test_fast_evaluations_at_the_classroom_pace_keep_every_grid_point():
    """10 steps/s, a grid point every 200 steps (20 s), an evaluation of 10 ms: all kept."""
    clock = Clock()
    c = EvalCadence(clock)
    kept = []
    for step in range(1, 2001):
        clock.t += 0.1
        if c.due(step, 200):
            kept.append(step)
            c.timed(_evaluate_taking(clock, 0.01))
    assert kept == list(range(200, 2001, 200))


def test_very_fast_evaluations_still_wait_the_minimum_gap():
    clock = Clock()
    c = EvalCadence(clock)
    c.timed(_evaluate_taking(clock, 1e-6))
    clock.t += MIN_GAP_S / 2
    assert not c.due(5, 5)
    clock.t += MIN_GAP_S / 2
    assert c.due(10, 5)


@pytest.mark.parametrize("kw", [{"max_share": 0.0}, {"max_share": 1.5}, {"min_gap_s": -1.0}])
def test_a_budget_that_means_nothing_is_refused(kw):
    with pytest.raises(ValueError):
        EvalCadence(Clock(), **kw)


def _served_evaluations(tiny, monkeypatch, step_s, eval_s, steps):
    """Serve a session (600 steps an epoch, a grid point every 5) asked for ``steps`` steps
    (as → or "to the end of the epoch" ask), each step taking ``step_s`` and each evaluation
    ``eval_s`` of fake time; return the last snapshot (all the evaluations) and θ."""
    made, extra = [], [0.0]  # (the session, once made; fake seconds spent evaluating)

    def clock():
        return (made[0].step_count if made else 0) * step_s + extra[0]

    s = TrainingSession(tiny, TrainConfig(eval_every=5, batch_size=1), publish_hz=0,
                        eval_cadence=EvalCadence(clock))
    made.append(s)
    real = session_module.measure

    def slow_measure(*args, **kw):
        extra[0] += eval_s
        return real(*args, **kw)

    monkeypatch.setattr(session_module, "measure", slow_measure)
    t = threading.Thread(target=s.serve, daemon=True)
    t.start()
    try:
        s.step(steps)
        end = time.monotonic() + 60
        while time.monotonic() < end and (s.busy or s.step_count < steps):
            time.sleep(0.005)
    finally:
        s.stop()
        t.join(10)
    snap = s.mailbox.take()
    assert snap is not None and snap.step == steps
    return snap, s.net.theta.copy()


def test_a_served_session_skips_grid_points_while_evaluations_are_slow(tiny, monkeypatch):
    """500 steps/s and 5 ms evaluations: the grid (every 10 ms) is thinned to one point per
    MIN_GAP_S, each naming its step; step 0, every epoch's end and the last step stay."""
    snap, theta = _served_evaluations(tiny, monkeypatch, step_s=2e-3, eval_s=5e-3, steps=1200)
    steps = [e.step for e in snap.new_evals]
    assert {0, 600, 1200} <= set(steps)
    assert all(k % 5 == 0 for k in steps)
    grid = [k for k in steps if k % 600]
    assert 4 <= len(grid) <= 10  # of 238 grid points
    # a kept grid point comes MIN_GAP_S (125 steps of 2 ms, less the evaluation's 5 ms) after
    # the evaluation before it; epoch ends come when they come
    assert all(k - prev >= (MIN_GAP_S - 5e-3) / 2e-3 for prev, k in zip(steps, steps[1:]) if k % 600)
    assert snap.last_eval.step == 1200 and [e[0] for e in snap.new_epoch_costs] == [1, 2]
    # θ does not depend on which points were evaluated
    _, theta_all = _served_evaluations(tiny, monkeypatch, step_s=0.1, eval_s=1e-3, steps=1200)
    assert np.array_equal(theta, theta_all)


def test_a_served_session_at_the_classroom_pace_evaluates_every_grid_point(tiny, monkeypatch):
    snap, _ = _served_evaluations(tiny, monkeypatch, step_s=0.1, eval_s=1e-2, steps=120)
    assert [e.step for e in snap.new_evals] == list(range(0, 121, 5))


def test_the_synchronous_api_evaluates_every_grid_point_whatever_the_clock(tiny, monkeypatch):
    # time stands still: serve() would skip them all
    s = TrainingSession(tiny, TrainConfig(eval_every=5), publish_hz=0, eval_cadence=EvalCadence(lambda: 0.0))
    for _ in range(30):
        s.train_step()
    assert [e.step for e in s.snapshot().new_evals] == list(range(0, 31, 5))
