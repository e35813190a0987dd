"""Recordings: a run written to one file replays bitwise; damaged files are refused clearly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from gdviz.training import LESSON, Evaluation, TrainingSession
from gdviz.training.recording import (
    MAGIC,
    Recorder,
    RecordingError,
    default_theta_every,
    open_recording,
)

CFG = replace(LESSON, eval_every=100)  # tiny: 60 steps per epoch, so epoch ends and evals interleave


def _fresh_run(dataset, config, n):
    """θ after every step (dict step -> θ copy) and every cost of a fresh deterministic session."""
    s = TrainingSession(dataset, config, publish_hz=0)
    thetas = {0: s.net.theta.copy()}
    costs = []
    for _ in range(n):
        costs.append(s.train_step())
        thetas[s.step_count] = s.net.theta.copy()
    snap = s.snapshot()
    return thetas, np.array(costs), snap


def _record_in_loop(path, dataset, config, n, k, snap_every=37):
    """Record like the lead's integration: on_step() every update, snapshots now and then."""
    s = TrainingSession(dataset, config, publish_hz=0)
    rec = Recorder.from_session(path, s, theta_every=k)
    for i in range(n):
        s.train_step()
        rec.on_step(s.step_count, s.net.theta)
        if i % snap_every == 0:
            assert rec.record_snapshot(s.snapshot())
    assert rec.record_snapshot(s.snapshot())
    assert not path.exists() and rec.partial_path.exists()  # written beside, renamed at close
    rec.close()
    assert path.exists() and not rec.partial_path.exists()
    return s


# ====================================================================== round trip
def test_recorded_run_replays_bitwise(tmp_path, tiny):
    path = tmp_path / "run.gdvrec"
    n, k = 510, 50
    _record_in_loop(path, tiny, CFG, n, k)
    thetas, costs, last_snap = _fresh_run(tiny, CFG, n)

    with open_recording(path) as rec:
        assert rec.complete and rec.warnings == ()
        assert rec.config == CFG.validated()
        assert rec.sizes == (784, 16, 16, 10) and rec.n_params == 13_002
        assert rec.dataset_name == "tiny" and rec.n_train == 600 and rec.n_test == 200
        assert rec.theta_every == k
        # θ at 0, every K-th step, and the last step (from the last snapshot, at close)
        assert rec.theta_steps.tolist() == [*range(0, n + 1, k), n]
        assert rec.start_step == 0 and rec.n_steps == n
        for step in rec.theta_steps:
            got_step, theta = rec.theta_at(int(step))
            assert got_step == step
            assert theta.dtype == np.float32 and not theta.flags.writeable
            assert np.array_equal(theta, thetas[int(step)]), step
        # every step's cost, bitwise
        assert rec.steps.tolist() == list(range(1, n + 1))
        assert rec.costs.dtype == np.float64
        assert np.array_equal(rec.costs, costs)
        assert rec.cost_at(7) == costs[6] and np.isnan(rec.cost_at(n + 1))
        # every evaluation and epoch cost the session made
        fresh = TrainingSession(tiny, CFG, publish_hz=0)
        evals, epochs = [], []
        for _ in range(n):
            fresh.train_step()
            snap = fresh.snapshot()
            evals += snap.new_evals
            epochs += snap.new_epoch_costs
        # step 0 (the untrained network), 8 epoch ends, 100..500 but 300 (an epoch end)
        assert list(rec.evals) == evals and len(evals) == 1 + 8 + 4
        assert list(rec.epoch_costs) == epochs and len(epochs) == n // 60
        assert rec.summary["steps"] == n and rec.summary["thetas"] == len(rec.theta_steps)


def test_theta_at_picks_the_latest_recorded_step(tmp_path, tiny):
    path = tmp_path / "pick.gdvrec"
    _record_in_loop(path, tiny, CFG, 130, 32)
    thetas, _, _ = _fresh_run(tiny, CFG, 130)
    with open_recording(path) as rec:
        assert rec.theta_steps.tolist() == [0, 32, 64, 96, 128, 130]
        for step, want in [(0, 0), (1, 0), (31, 0), (32, 32), (33, 32), (95, 64), (96, 96),
                           (127, 96), (128, 128), (129, 128), (130, 130), (10_000, 130), (-5, 0)]:
            got, theta = rec.theta_at(step)
            assert got == want, step
            assert np.array_equal(theta, thetas[want])


def test_snapshots_alone_record_theta_at_most_every_k_steps(tmp_path, tiny):
    """The GUI-only integration: the worker thread trains, the recorder reads the mailbox."""
    path = tmp_path / "gui.gdvrec"
    s = TrainingSession(tiny, CFG, publish_hz=500)
    rec = Recorder(path, s.config, s.net.sizes, tiny.name, theta_every=25, n_train=600, n_test=200)
    worker = threading.Thread(target=s.serve, daemon=True)
    worker.start()
    try:
        while (first := s.mailbox.take()) is None:  # the start (step 0) is published at once
            time.sleep(0.001)
        rec.record_snapshot(first)
        s.step(400)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            snap = s.mailbox.take()
            if snap is not None:
                rec.record_snapshot(snap)
                if snap.step == 400 and not snap.running:
                    break
            time.sleep(0.002)
    finally:
        s.stop()
        worker.join(10)
    rec.close()
    thetas, costs, _ = _fresh_run(tiny, CFG, 400)
    with open_recording(path) as r:
        ts = r.theta_steps.tolist()
        assert ts[0] == 0 and ts[-1] == 400
        assert all(b - a >= 25 for a, b in zip(ts[:-2], ts[1:-1], strict=True))
        for step in ts:
            assert np.array_equal(r.theta_at(step)[1], thetas[step])
        assert r.steps.tolist() == list(range(1, 401))  # the mailbox merges: no cost is lost
        assert np.array_equal(r.costs, costs)


def test_costs_given_twice_are_stored_once(tmp_path, tiny):
    path = tmp_path / "dup.gdvrec"
    s = TrainingSession(tiny, CFG, publish_hz=0)
    rec = Recorder.from_session(path, s, theta_every=10)
    for _ in range(30):
        cost = s.train_step()
        rec.on_step(s.step_count, s.net.theta, cost)
    rec.record_snapshot(s.snapshot())  # the same 30 costs again, and θ at 30 again
    rec.add_costs([5, 31, 32], [1.0, 2.0, 3.0])
    rec.close()
    with open_recording(path) as r:
        assert r.steps.tolist() == [*range(1, 31), 31, 32][:32]
        assert r.theta_steps.tolist() == [0, 10, 20, 30]


def test_settings_changes_are_recorded(tmp_path, tiny):
    path = tmp_path / "lr.gdvrec"
    s = TrainingSession(tiny, CFG, publish_hz=0)
    rec = Recorder.from_session(path, s)
    for _ in range(20):
        s.train_step()
    rec.record_snapshot(s.snapshot())
    s.set_lr(0.5)
    for _ in range(20):
        s.train_step()
    rec.record_snapshot(s.snapshot())
    rec.close()
    with open_recording(path) as r:
        assert r.settings_changes == ((40, {"lr": 0.5}),)
        assert r.settings_at(39).lr == CFG.lr and r.settings_at(40).lr == 0.5
        assert r.theta_steps.tolist() == [0, 40]  # K = 64: θ at the start, and the last one


def test_recorder_stops_at_a_new_run(tmp_path, tiny):
    path = tmp_path / "reset.gdvrec"
    s = TrainingSession(tiny, CFG, publish_hz=0)
    rec = Recorder.from_session(path, s, theta_every=5)
    for _ in range(12):
        s.train_step()
    assert rec.record_snapshot(s.snapshot())
    s.reset()
    s.train_step()
    assert not rec.record_snapshot(s.snapshot())
    assert "restarted" in rec.stopped_reason
    rec.on_step(15, s.net.theta)  # ignored after the stop
    rec.close()
    with open_recording(path) as r:
        assert r.n_steps == 12 and r.theta_steps.tolist() == [0, 12]
        assert "restarted" in r.summary["stopped"]


def test_nothing_recorded_writes_nothing(tmp_path):
    path = tmp_path / "empty.gdvrec"
    rec = Recorder(path, LESSON, (784, 16, 16, 10), "sample")
    with pytest.raises(RecordingError, match="nothing was recorded"):
        rec.close()
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_replaced_only_at_close(tmp_path, tiny):
    path = tmp_path / "keep.gdvrec"
    path.write_bytes(b"old")
    s = TrainingSession(tiny, CFG, publish_hz=0)
    rec = Recorder.from_session(path, s)
    assert path.read_bytes() == b"old"
    rec.abort()
    assert path.read_bytes() == b"old" and not rec.partial_path.exists()
    with pytest.raises(RecordingError, match="closed"):
        rec.add_theta(1, s.net.theta)


def test_bad_settings_are_refused(tmp_path):
    with pytest.raises(RecordingError, match="do not match"):
        Recorder(tmp_path / "x", LESSON, (784, 30, 10), "sample")
    with pytest.raises(RecordingError, match="theta_every"):
        Recorder(tmp_path / "x", LESSON, (784, 16, 16, 10), "sample", theta_every=0)
    with pytest.raises(RecordingError, match="cannot write"):
        Recorder(tmp_path / "no" / "such" / "dir" / "x", LESSON, (784, 16, 16, 10), "sample")


def test_snapshot_at_gives_what_the_panels_need(tmp_path, tiny):
    path = tmp_path / "snap.gdvrec"
    _record_in_loop(path, tiny, CFG, 200, 20)
    thetas, costs, _ = _fresh_run(tiny, CFG, 200)
    with open_recording(path) as r:
        snap = r.snapshot_at(130, tiny, run_id=7, example_index=3)
        assert snap.step == 130 and snap.run_id == 7 and not snap.running
        assert np.array_equal(snap.theta, thetas[120])
        assert "recorded at step 120" in snap.message
        assert np.array_equal(snap.new_steps, np.arange(1, 131))
        assert np.array_equal(snap.new_costs, costs[:130])
        assert snap.epoch == 2 and snap.new_epoch_costs == r.epoch_costs[:2]
        assert snap.last_eval is not None and snap.last_eval.step == 120
        assert snap.example_source == "test digit #3" and snap.example_label == int(tiny.test_labels[3])
        assert [a.shape for a in snap.example_activations] == [(16,), (16,), (10,)]
        # Δθ is the average step over the last K steps; −Δθ/η the average gradient (plain SGD)
        assert np.allclose(snap.delta, (thetas[120] - thetas[100]) / 20)
        assert np.allclose(snap.grad, -snap.delta / CFG.lr)
        later = r.snapshot_at(150, tiny, since=130, run_id=7)
        assert np.array_equal(later.new_steps, np.arange(131, 151))
        assert r.snapshot_at(140, since=150).new_steps.size == 0
        first = r.snapshot_at(0)
        assert not first.delta.any() and first.new_steps.size == 0


def test_recording_imports_no_qt():
    code = ("import sys, gdviz.training.recording;"
            "print(','.join(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ====================================================================== damaged files
@pytest.fixture(scope="module")
def small_recording(tmp_path_factory, tiny):
    """A complete recording of a small (784-3-10) network: every byte can be tested quickly."""
    path = tmp_path_factory.mktemp("rec") / "small.gdvrec"
    cfg = replace(CFG, hidden=(3,), lr=3.0)  # (then η = 1: a settings change)
    s = TrainingSession(tiny, cfg, publish_hz=0)
    rec = Recorder.from_session(path, s, theta_every=40)
    for i in range(130):
        s.train_step()
        rec.on_step(s.step_count, s.net.theta)
        if i % 50 == 0:
            rec.record_snapshot(s.snapshot())
    s.set_lr(0.5)  # (not the lesson's η, so it is a change)
    s.train_step()  # the command is applied before this update
    rec.record_snapshot(s.snapshot())
    rec.close()
    return path, path.read_bytes()


def _refused(tmp_path, data: bytes, match: str | None = None, **kw) -> RecordingError:
    folder = tmp_path / "refused"
    folder.mkdir(exist_ok=True)
    bad = folder / "bad.gdvrec"
    bad.write_bytes(data)
    with pytest.raises(RecordingError, match=match) as info:
        open_recording(bad, **kw).close()
    assert str(bad) in str(info.value)  # the message names the file
    assert bad.read_bytes() == data  # and opening changed nothing
    assert sorted(p.name for p in folder.iterdir()) == ["bad.gdvrec"]
    return info.value


def test_the_small_recording_is_good(small_recording):
    path, _ = small_recording
    with open_recording(path) as r:
        assert r.theta_steps.tolist() == [0, 40, 80, 120, 131]
        assert len(r.steps) == 131 and r.settings_changes == ((131, {"lr": 0.5}),)


def test_empty_missing_and_foreign_files_are_refused(tmp_path, small_recording):
    _refused(tmp_path, b"", "empty")
    _refused(tmp_path, b"PK\x03\x04 a zip file, not a recording", "not a gdviz recording")
    _refused(tmp_path, b"\x89PNG\r\n\x1a\n" + bytes(100), "not a gdviz recording")
    _refused(tmp_path, MAGIC[:5], "truncated")
    with pytest.raises(RecordingError, match="no such recording"):
        open_recording(tmp_path / "nope.gdvrec")
    with pytest.raises(RecordingError, match="not a file"):
        open_recording(tmp_path)


def test_wrong_magic_and_newer_version_are_refused(tmp_path, small_recording):
    _, data = small_recording
    _refused(tmp_path, b"\x89gdvREC\n" + data[8:], "not a gdviz recording")
    newer = data[:8] + (2).to_bytes(4, "little") + data[12:]
    _refused(tmp_path, newer, "newer gdviz")


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.999])
def test_truncated_files_are_refused_unless_partial_is_allowed(tmp_path, small_recording, cut):
    _, data = small_recording
    short = data[:int(len(data) * cut)]
    err = _refused(tmp_path, short, "truncated")
    assert "can be recovered (allow_partial=True)" in str(err)
    with open_recording(tmp_path / "refused" / "bad.gdvrec", allow_partial=True) as r:
        assert not r.complete and "truncated" in r.warnings[0]
        assert r.theta_steps[0] == 0 and r.theta_steps[-1] <= 131
        r.theta_at(10_000)


def test_a_file_cut_at_a_chunk_boundary_lacks_its_end_record(tmp_path, small_recording):
    _, data = small_recording
    end = data.rfind(b"END ")  # the end record's tag starts the last chunk
    _refused(tmp_path, data[:end], "without its end record")


def test_trailing_garbage_is_refused(tmp_path, small_recording):
    _, data = small_recording
    _refused(tmp_path, data + b"\0" * 8, "after its end record")


def test_every_flipped_byte_is_detected(tmp_path, small_recording):
    """CRC32 catches any one-byte change: header, tags, lengths, CRCs, payloads, padding."""
    _, data = small_recording
    rng = np.random.default_rng(0)
    positions = set(range(0, 400)) | set(range(len(data) - 400, len(data)))
    positions |= set(rng.integers(0, len(data), 300).tolist())
    for pos in sorted(positions):
        flipped = bytearray(data)
        flipped[pos] ^= 1 << int(rng.integers(8))
        _refused(tmp_path, bytes(flipped))


def test_a_damaged_theta_found_lazily_without_verify(tmp_path, small_recording):
    path, data = small_recording
    with open_recording(path) as r:
        off = int(r._theta_offsets[2]) + 16 + 8 + 100  # inside θ at step 80
    flipped = bytearray(data)
    flipped[off] ^= 0x10
    _refused(tmp_path, bytes(flipped), "CRC32")
    with open_recording(tmp_path / "refused" / "bad.gdvrec", verify=False) as r:
        r.theta_at(40)
        with pytest.raises(RecordingError, match="step 80"):
            r.theta_at(85)


def test_a_non_finite_theta_is_refused(tmp_path, tiny):
    path = tmp_path / "nan.gdvrec"
    rec = Recorder(path, LESSON, (784, 16, 16, 10), "tiny", theta_every=1)
    theta = np.zeros(13_002, np.float32)
    assert rec.add_theta(0, theta)
    theta[5] = np.nan
    assert not rec.add_theta(1, theta)  # the writer never stores a non-finite θ
    rec.close()
    # forge one (with a valid CRC) to check the reader refuses it too
    import struct
    import zlib
    data = bytearray(path.read_bytes())
    with open_recording(path) as r:
        off = int(r._theta_offsets[0])
    body = off + 16
    data[body + 8:body + 12] = np.float32(np.inf).tobytes()
    length = int.from_bytes(data[off + 8:off + 16], "little")
    crc = zlib.crc32(bytes(data[body:body + length]), zlib.crc32(bytes(data[off + 8:off + 16]),
                                                                zlib.crc32(b"THTA")))
    data[off + 4:off + 8] = struct.pack("<I", crc)
    _refused(tmp_path, bytes(data), "not-a-number")


def test_header_is_plain_json(small_recording):
    _, data = small_recording
    length = int.from_bytes(data[24:32], "little")
    header = json.loads(data[32:32 + length])
    assert header["format"] == "gdviz-recording" and header["sizes"] == [784, 3, 10]
    assert header["config"]["seed"] == 0 and header["theta_every"] == 40


# ====================================================================== size
def test_default_k_keeps_ten_mnist_epochs_under_50_mb(tmp_path):
    assert default_theta_every(13_002) == 64
    assert default_theta_every(7_850) == 64
    assert default_theta_every(13_003) == 128
    # 10 epochs of full MNIST at batch 10 = 60,000 steps, written as a run would be
    path = tmp_path / "big.gdvrec"
    rec = Recorder(path, LESSON, (784, 16, 16, 10), "mnist", n_train=60_000, n_test=10_000)
    theta = np.random.default_rng(0).standard_normal(13_002).astype(np.float32)
    for start in range(0, 60_000, 1_000):
        steps = np.arange(start + 1, start + 1_001)
        rec.add_costs(steps, np.full(1_000, 0.1))
        for step in steps:
            rec.on_step(int(step), theta)
        if start % 6_000 == 0:
            rec.add_eval(Evaluation(start, start / 6_000, 0.1, 0.9, 0.1, 0.9))
    rec.add_theta(0, theta)  # already there: ignored
    rec.close()
    size = os.path.getsize(path)
    assert size < 50_000_000, size
    with open_recording(path) as r:
        assert len(r.theta_steps) == 60_000 // 64 + 1 and r.n_steps == 60_000
        assert r.theta_steps[0] == 1  # the first θ offered (on_step(1)) starts the record


def test_a_write_error_stops_recording_but_never_training(tmp_path, tiny):
    path = tmp_path / "full.gdvrec"
    s = TrainingSession(tiny, CFG, publish_hz=0)
    rec = Recorder.from_session(path, s, theta_every=4)

    class DiskFull:
        def write(self, data):
            raise OSError(28, "No space left on device")

        def flush(self):
            pass

        def close(self):
            pass

    real = rec._fh
    rec._fh = DiskFull()
    for _ in range(10):
        s.train_step()
        rec.on_step(s.step_count, s.net.theta, 0.5)  # must not raise into the training loop
    assert not rec.record_snapshot(s.snapshot())
    assert "No space left" in rec.stopped_reason
    real.close()
    with pytest.raises(RecordingError, match="No space left.*allow_partial"):
        rec.close()
    assert rec.partial_path.exists() and not path.exists()


def test_stop_ends_the_input_at_once(tmp_path, tiny):
    """The session calls stop() on reset, before any θ of the new run can reach on_step."""
    path = tmp_path / "stop.gdvrec"
    s = TrainingSession(tiny, CFG, publish_hz=0)
    rec = Recorder.from_session(path, s, theta_every=8)
    for _ in range(10):
        s.train_step()
        rec.on_step(s.step_count, s.net.theta)
    rec.stop("the run was reset")
    rec.on_step(16, s.net.theta)
    rec.close()
    with open_recording(path) as r:
        assert r.theta_steps.tolist() == [0, 8]
        assert r.summary["stopped"].startswith("the run was reset")
