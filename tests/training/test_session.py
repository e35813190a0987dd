"""The training session: determinism, commands, snapshots, divergence, the worker loop."""

import threading
import time

import numpy as np
import pytest

from gdviz.training import (
    LESSON,
    Mailbox,
    SettingError,
    TrainConfig,
    TrainingSession,
    check_lr,
)


def _train(session, n):
    for _ in range(n):
        session.train_step()


def test_same_seed_and_settings_give_bitwise_same_theta(tiny):
    a = TrainingSession(tiny, LESSON)
    b = TrainingSession(tiny, LESSON)
    _train(a, 150)  # crosses two epochs of 60 steps
    for _ in range(150):  # however often snapshots are read
        b.train_step()
        b.publish()
        b.mailbox.take()
    assert a.step_count == b.step_count == 150
    assert np.array_equal(a.net.theta, b.net.theta)
    c = TrainingSession(tiny, TrainConfig(seed=1))
    _train(c, 150)
    assert not np.array_equal(a.net.theta, c.net.theta)


def _reference_theta(ds, config, batch_sizes):
    """θ after plain SGD steps of the given sizes, written the plain way: a
    fresh permutation per epoch, consecutive slices of it, each batch scaled and
    one-hot encoded on its own (the session's seeding, with its own buffers)."""
    from gdviz.core import Network

    net = Network(config.sizes(784, 10), config.activation, config.cost)
    init_seq, shuffle_seq = np.random.SeedSequence(config.seed).spawn(2)
    net.initialise(np.random.default_rng(init_seq))
    rng = np.random.default_rng(shuffle_seq)
    n, order, cursor = len(ds.train_labels), None, 0
    for b in batch_sizes:
        if order is None:
            order, cursor = rng.permutation(n), 0
        idx = order[cursor:cursor + b]
        X = ds.train_images[idx] * np.float32(1 / 255)
        Y = np.eye(10, dtype=np.float32)[ds.train_labels[idx]]
        _, g = net.gradient(X, Y)
        net.theta += np.float32(-config.lr) * g
        cursor += len(idx)
        if cursor >= n:
            order = None
    return net.theta


def test_batches_are_consecutive_slices_of_each_epochs_shuffle(tiny):
    """Batches are gathered a chunk at a time; whatever the batch sizes (changed
    mid-chunk, larger than a chunk, cut short by the epoch's end), the steps are
    bitwise those of the plain per-epoch shuffle."""
    plan = [10] * 7 + [32] * 5 + [7] * 60 + [200] * 3 + [128] * 2 + [1] * 5 + [10] * 30
    s = TrainingSession(tiny, LESSON)
    sizes = []
    for b in plan:
        s.set_batch_size(b)
        seen = s.examples_seen
        s.train_step()
        sizes.append(s.examples_seen - seen)
    assert s.epoch == 2 and sizes != plan  # two epochs ended with a short batch
    assert np.array_equal(s.net.theta, _reference_theta(tiny, LESSON, sizes))


def test_training_lowers_the_cost(sample):
    s = TrainingSession(sample, LESSON)
    before = s.evaluate()
    summary = s.train_epoch()
    assert summary["test_cost"] < before.test_cost
    assert summary["test_accuracy"] > 0.7
    assert summary["epoch"] == 1 and summary["step"] == 800


def test_reset_restores_the_initial_theta_bitwise(tiny):
    s = TrainingSession(tiny, LESSON)
    theta0 = s.net.theta.copy()
    _train(s, 30)
    assert not np.array_equal(s.net.theta, theta0)
    s.reset()
    s.train_step()
    # the first step after a reset is the same as the first step from scratch
    fresh = TrainingSession(tiny, LESSON)
    fresh.train_step()
    assert np.array_equal(s.net.theta, fresh.net.theta)
    assert np.array_equal(s.initial_theta, theta0)


def test_reseed_gives_new_weights_and_reconfigure_applies_on_reset(tiny):
    s = TrainingSession(tiny, LESSON)
    theta0 = s.net.theta.copy()
    s.reseed(123)
    s.train_step()
    assert s.config.seed == 123 and s.step_count == 1
    assert not np.array_equal(s.initial_theta, theta0)
    s.reset(TrainConfig(hidden=(30,), activation="relu", cost="ce"))
    s.train_step()
    assert s.net.sizes == (784, 30, 10) and s.net.n_params == 784 * 30 + 30 + 310


def test_new_learning_rate_is_used_by_the_very_next_step(tiny):
    s = TrainingSession(tiny, LESSON)
    _train(s, 5)
    s.set_lr(0.25)
    before = s.net.theta.copy()
    s.train_step()
    snap = s.snapshot()
    assert snap.lr == 0.25
    assert s.net.theta - before == pytest.approx(-0.25 * snap.grad, abs=1e-6)
    assert snap.delta == pytest.approx(-0.25 * snap.grad)


@pytest.mark.parametrize("bad", ["abc", "0", -1, 0.0, float("nan"), float("inf"), 1e9, None])
def test_bad_learning_rates_are_refused_in_words(tiny, bad):
    s = TrainingSession(tiny, LESSON)
    with pytest.raises(SettingError) as err:
        s.set_lr(bad)
    assert "learning rate" in str(err.value)
    s.train_step()
    assert s.config.lr == LESSON.lr


def test_bad_settings_are_refused():
    with pytest.raises(SettingError):
        TrainConfig(batch_size=0).validated()
    with pytest.raises(SettingError):
        TrainConfig(hidden=(16, 0)).validated()
    with pytest.raises(SettingError):
        TrainConfig(optimizer="adam").validated()
    assert check_lr("0.5") == 0.5


def test_batch_size_and_update_rule_change_between_steps(tiny):
    s = TrainingSession(tiny, LESSON)
    s.train_step()
    s.set_batch_size(32)
    s.train_step()
    assert s.examples_seen == 10 + 32
    s.set_optimizer("gd")
    s.train_step()  # one step of gradient descent = one pass over all 600 digits
    assert s.examples_seen == 42 + 600
    s.set_optimizer("momentum")
    s.train_step()
    assert s.config.optimizer == "momentum"


def test_full_batch_gradient_is_the_average_over_all_training_data(tiny):
    s = TrainingSession(tiny, TrainConfig(optimizer="gd"))
    theta = s.net.theta.copy()
    s.train_step()
    X = tiny.train_images.astype(np.float64) / 255
    Y = np.eye(10)[tiny.train_labels]
    from gdviz.core import Network

    ref = Network(s.net.sizes, dtype=np.float64)
    ref.theta[...] = theta
    cost, grad = ref.gradient(X, Y)
    assert s.snapshot().grad == pytest.approx(grad, rel=1e-3, abs=1e-6)
    assert s.epoch == 1


def test_snapshots_are_immutable_copies(tiny):
    s = TrainingSession(tiny, LESSON)
    s.train_step()
    snap = s.snapshot()
    theta = snap.theta.copy()
    with pytest.raises(ValueError):
        snap.theta[0] = 1.0
    with pytest.raises(ValueError):
        snap.grad[0] = 1.0
    _train(s, 5)
    assert np.array_equal(snap.theta, theta)
    assert not np.shares_memory(snap.theta, s.net.theta)


def test_snapshot_carries_every_step_cost_even_when_reader_is_slow(tiny):
    s = TrainingSession(tiny, LESSON)
    for _ in range(25):
        s.train_step()
        s.publish()  # nobody takes them: the mailbox merges
    snap = s.mailbox.take()
    assert list(snap.new_steps) == list(range(1, 26))
    assert len(snap.new_costs) == 25 and np.all(np.isfinite(snap.new_costs))
    assert s.mailbox.take() is None
    s.train_step()
    s.publish()
    assert list(s.mailbox.take().new_steps) == [26]


def test_snapshot_example_and_its_cost(tiny):
    s = TrainingSession(tiny, LESSON)
    _train(s, 3)
    snap = s.snapshot()
    assert snap.example_image.shape == (784,) and snap.example_image.dtype == np.uint8
    assert [a.shape for a in snap.example_activations] == [(16,), (16,), (10,)]
    acts = s.net.forward(snap.example_image / 255.0)
    assert snap.example_activations[-1] == pytest.approx(acts[-1][0], rel=1e-5)
    y = np.eye(10)[snap.example_label]
    assert snap.example_cost_terms.sum() == pytest.approx(((acts[-1][0] - y) ** 2).sum(), rel=1e-5)
    s.pin_example(7)
    s.train_step()
    pinned = s.snapshot()
    assert pinned.example_source == "test digit #7"
    assert np.array_equal(pinned.example_image, tiny.test_images[7])


def test_evaluations_at_the_configured_interval(tiny):
    s = TrainingSession(tiny, TrainConfig(eval_every=20))
    _train(s, 60)  # 60 steps = one epoch of 600 digits
    snap = s.snapshot()
    assert [e.step for e in snap.new_evals] == [0, 20, 40, 60]  # step 0: the untrained network
    assert [e[0] for e in snap.new_epoch_costs] == [1]
    assert 0 <= snap.last_eval.test_accuracy <= 1


def test_step_epoch_trains_to_the_end_of_the_epoch(tiny):
    s = TrainingSession(tiny, LESSON)
    _train(s, 15)
    s.step_epoch()
    s._drain()
    assert s._pending == 60 - 15


def test_divergence_stops_reports_and_restores(tiny):
    # six ReLU layers, cross-entropy and η = 30 blow up within a few steps
    cfg = TrainConfig(hidden=(16,) * 6, activation="relu", cost="ce", lr=30.0,
                      optimizer="momentum")
    s = TrainingSession(tiny, cfg)
    for _ in range(2000):
        s.train_step()
        if s.diverged:
            break
    assert s.diverged
    snap = s.snapshot()
    assert snap.diverged and "smaller" in snap.message and "η" in snap.message
    good = s.last_finite_theta().copy()
    assert np.all(np.isfinite(good))
    steps = s.step_count
    assert np.isnan(s.train_step()) and s.step_count == steps  # no more steps
    s.restore_last_finite()
    s.set_lr(0.01)
    s.train_step()
    assert not s.diverged and s.step_count == steps + 1
    assert np.all(np.isfinite(s.net.theta))


def _serve(session):
    t = threading.Thread(target=session.serve, daemon=True)
    t.start()
    return t


def _wait(pred, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.005)
    return False


def test_worker_loop_obeys_commands_between_mini_batches(tiny):
    s = TrainingSession(tiny, LESSON)
    t = _serve(s)
    try:
        assert _wait(lambda: s.mailbox.peek() is not None)
        assert s.mailbox.peek().step == 0 and not s.mailbox.peek().running
        s.step(3)
        assert _wait(lambda: s.mailbox.peek().step == 3)
        time.sleep(0.05)
        assert s.step_count == 3
        s.run()
        assert _wait(lambda: s.step_count > 100)
        s.pause()
        assert _wait(lambda: not s.mailbox.peek().running)
        n = s.mailbox.peek().step
        time.sleep(0.1)
        assert s.step_count == n
        s.set_lr(0.5)
        s.step(1)
        assert _wait(lambda: s.mailbox.peek().step == n + 1)
        assert s.mailbox.peek().lr == 0.5
    finally:
        s.stop()
        t.join(5)
    assert not t.is_alive()


def test_speed_limit_paces_the_steps(tiny):
    s = TrainingSession(tiny, TrainConfig(steps_per_second=20))
    t = _serve(s)
    try:
        s.run()
        time.sleep(0.5)
        s.pause()
        assert _wait(lambda: not s.mailbox.peek().running)
        assert 2 <= s.step_count <= 15  # ~10 at 20 steps/s
    finally:
        s.stop()
        t.join(5)


def test_samples_per_second_is_the_pace_times_the_batch(tiny):
    """Wall-clock examples per second: at 20 steps/s of 10 examples about 200, never 0 and never
    the compute-only rate of tens of thousands."""
    s = TrainingSession(tiny, TrainConfig(steps_per_second=20, batch_size=10))
    t = _serve(s)
    try:
        s.run()
        assert _wait(lambda: (p := s.mailbox.peek()) is not None and p.samples_per_s > 0, timeout=20)
        rate = s.mailbox.peek().samples_per_s
        assert 40 < rate < 260, rate
        s.set_speed(0.0)
        assert _wait(lambda: s.mailbox.peek().samples_per_s > 2_000, timeout=20)
        s.pause()
    finally:
        s.stop()
        t.join(5)


def test_steps_asked_for_do_not_wait_for_the_pace(tiny):
    """→ and "to the end of the epoch" go at once: an epoch of 60 steps at 1 step/s does not take a minute."""
    s = TrainingSession(tiny, TrainConfig(steps_per_second=1, batch_size=10))
    t = _serve(s)
    try:
        s.step_epoch()
        assert _wait(lambda: (p := s.mailbox.peek()) is not None and p.step == 60 and not s.busy, timeout=30)
    finally:
        s.stop()
        t.join(5)


def test_a_paused_run_shows_the_evaluation_of_its_step(tiny):
    """Step 0 is evaluated (the untrained network), and so is every step training stops at, so
    the accuracy on screen while paused is of the step on screen."""
    s = TrainingSession(tiny, TrainConfig(eval_every=0))
    assert s.snapshot().last_eval.step == 0
    t = _serve(s)
    try:
        s.step(7)
        assert _wait(lambda: (p := s.mailbox.peek()) is not None and p.step == 7 and not s.busy)
        assert _wait(lambda: s.mailbox.peek().last_eval.step == 7)
        s.run()
        assert _wait(lambda: s.mailbox.peek().step > 30)
        s.pause()
        assert _wait(lambda: not s.busy and (p := s.mailbox.peek()).last_eval.step == p.step == s.step_count)
    finally:
        s.stop()
        t.join(5)


def test_stop_wakes_a_paused_loop_at_once(tiny):
    s = TrainingSession(tiny, LESSON)
    t = _serve(s)
    assert _wait(lambda: s.mailbox.peek() is not None)
    t0 = time.monotonic()
    s.stop()
    t.join(5)
    assert not t.is_alive() and time.monotonic() - t0 < 1.0


def test_commands_from_many_threads(tiny):
    """Thousands of commands and snapshot reads across threads: no crash, sane state."""
    s = TrainingSession(tiny, LESSON)
    t = _serve(s)
    errors = []

    def spam(k):
        try:
            rng = np.random.default_rng(k)
            for i in range(1500):
                r = rng.integers(6)
                if r == 0:
                    s.set_lr(float(rng.uniform(0.1, 5)))
                elif r == 1:
                    s.run()
                elif r == 2:
                    s.pause()
                elif r == 3:
                    s.step(int(rng.integers(1, 4)))
                elif r == 4:
                    s.set_batch_size(int(rng.integers(1, 40)))
                else:
                    s.mailbox.take()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=spam, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    s.pause()
    s.set_lr(1.0)
    s.restore_last_finite()  # in case a random η made it diverge
    assert _wait(lambda: not s.busy)
    n = s.step_count
    s.step(5)  # the loop still obeys after the storm
    assert _wait(lambda: s.step_count == n + 5)
    s.stop()
    t.join(10)
    assert not errors and not t.is_alive()
    assert np.all(np.isfinite(s.net.theta))


def test_mailbox_keeps_only_the_latest(tiny):
    s = TrainingSession(tiny, LESSON)
    box = Mailbox()
    first = s.snapshot()
    s.reset()
    s._drain()
    second = s.snapshot()  # a new run: history is not merged across runs
    box.put(first)
    box.put(second)
    got = box.take()
    assert got.seq == second.seq and got.run_id != first.run_id
    assert box.take() is None and box.peek() is got


def test_loaded_weights_become_what_reset_returns_to(tiny):
    s = TrainingSession(tiny, LESSON)
    _train(s, 20)
    trained = s.net.theta.copy()
    other = TrainingSession(tiny, TrainConfig(seed=9))
    other.load_theta(trained)
    other.train_step()  # applies the load, then one step from it
    assert other.step_count == 1
    other.reset()
    other._drain()
    assert np.array_equal(other.net.theta, trained)
    with pytest.raises(SettingError):
        other.load_theta(trained[:-1])
    bad = trained.copy()
    bad[3] = np.nan
    with pytest.raises(SettingError):
        other.load_theta(bad)
