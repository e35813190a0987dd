"""Checkpoints: round trip, refusal of every kind of bad file, atomic writes."""

from __future__ import annotations

import io
import json
import os
import sys
import zipfile

import numpy as np
import pytest

from gdviz.core import Network
from gdviz.training import TrainConfig, TrainingSession
from gdviz.training.checkpoint import (
    FORMAT_VERSION,
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
    session_from_checkpoint,
)

CONFIG = TrainConfig(hidden=(16, 16), activation="tanh", cost="ce", optimizer="momentum",
                     lr=0.05, batch_size=20, seed=7)


@pytest.fixture
def session(tiny):
    s = TrainingSession(tiny, CONFIG, publish_hz=0)
    for _ in range(40):
        s.train_step()
    return s


@pytest.fixture
def good(tmp_path, session):
    return save_checkpoint(tmp_path / "good.npz", session, extra={"note": "test"})


def _arrays(path) -> dict:
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _write(path, arrays, allow_pickle=False):
    with open(path, "wb") as fh:
        np.savez(fh, allow_pickle=allow_pickle, **arrays)
    return path


# ---------------------------------------------------------------- round trip
def test_round_trip_is_bitwise_and_keeps_settings(good, session):
    ck = load_checkpoint(good)
    assert isinstance(ck, Checkpoint)
    assert ck.theta.dtype == np.float32
    assert ck.theta.tobytes() == session.net.theta.tobytes()  # bitwise
    assert not ck.theta.flags.writeable
    assert ck.sizes == (784, 16, 16, 10)
    assert (ck.activation, ck.cost) == ("tanh", "ce")
    assert ck.config == CONFIG
    assert ck.step == 40 and ck.epoch == session.epoch
    assert ck.settings["lr"] == 0.05 and ck.settings["batch_size"] == 20
    assert ck.settings["optimizer"] == "momentum" and ck.settings["seed"] == 7
    assert ck.extra == {"note": "test"}
    assert ck.version == FORMAT_VERSION
    with pytest.raises(ValueError):
        ck.theta[0] = 1.0


def test_file_holds_plain_arrays_only(good):
    with np.load(good, allow_pickle=False) as npz:
        for key in npz.files:
            assert npz[key].dtype != object, key
    assert zipfile.is_zipfile(good)


def test_network_round_trip_and_forward_agree(tmp_path, tiny):
    net = Network((784, 8, 10), "relu", "mse")
    net.initialise(np.random.default_rng(3))
    ck = load_checkpoint(save_checkpoint(tmp_path / "n.npz", net))
    net2 = ck.network()
    X = tiny.test_images[:5] / np.float32(255)
    np.testing.assert_array_equal(net.forward(X)[-1], net2.forward(X)[-1])
    assert ck.config.hidden == (8,) and ck.config.activation == "relu"


def test_session_from_checkpoint_continues_from_theta(good, session, tiny):
    ck = load_checkpoint(good)
    resumed = session_from_checkpoint(ck, tiny, publish_hz=0)
    assert resumed.config == CONFIG
    assert resumed.net.theta.tobytes() == ck.theta.tobytes()
    assert resumed.last_finite_theta().tobytes() == ck.theta.tobytes()
    cost_before = resumed.evaluate().test_cost
    assert cost_before == pytest.approx(session.evaluate().test_cost)
    resumed.train_step()  # trains on from there
    assert resumed.net.theta.tobytes() != ck.theta.tobytes()


def test_session_from_checkpoint_refuses_other_image_size(tmp_path, tiny):
    from gdviz.data import Dataset

    net = Network((100, 4, 10))
    ck = load_checkpoint(save_checkpoint(tmp_path / "small.npz", net))
    with pytest.raises(CheckpointError, match="100 pixels"):
        session_from_checkpoint(ck, tiny)
    ds = Dataset(name="ten", train_images=np.zeros((5, 100), np.uint8), train_labels=np.zeros(5, np.uint8),
                 test_images=np.zeros((5, 100), np.uint8), test_labels=np.zeros(5, np.uint8),
                 description="10x10", image_shape=(10, 10))
    assert session_from_checkpoint(ck, ds).net.sizes == (100, 4, 10)


def test_diverged_session_saves_last_finite_theta(tmp_path, tiny, monkeypatch):
    s = TrainingSession(tiny, TrainConfig(), publish_hz=0)
    for _ in range(5):
        s.train_step()
    good_theta = s.net.theta.copy()
    s.net.theta[0] = np.nan  # the next step's cost is not finite -> diverged
    assert np.isnan(s.train_step())
    assert s.diverged
    ck = load_checkpoint(save_checkpoint(tmp_path / "d.npz", s))
    assert np.all(np.isfinite(ck.theta))
    assert ck.step == s.step_count - 1
    # last_finite_theta is θ before the 5th step; it differs from θ after it
    assert ck.theta.tobytes() == s.last_finite_theta().tobytes()
    assert ck.theta.tobytes() != good_theta.tobytes()


def test_saving_nonfinite_theta_is_refused(tmp_path):
    net = Network((4, 3, 2))
    net.theta[1] = np.inf
    with pytest.raises(CheckpointError, match="not-a-number"):
        save_checkpoint(tmp_path / "x.npz", net)
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- refusals
def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint") as e:
        load_checkpoint(tmp_path / "nope.npz")
    assert "nope.npz" in str(e.value)


def test_not_a_zip(tmp_path):
    p = tmp_path / "text.npz"
    p.write_text("hello, I am not a checkpoint\n")
    with pytest.raises(CheckpointError, match="not an .npz"):
        load_checkpoint(p)


def test_plain_npy_is_not_a_checkpoint(tmp_path):
    p = tmp_path / "a.npy"
    np.save(p, np.zeros(3))
    with pytest.raises(CheckpointError, match="a.npy: is not a gdviz checkpoint"):
        load_checkpoint(p)


@pytest.mark.parametrize("keep", [0.3, 0.9, 0.999])
def test_truncated(tmp_path, good, keep):
    data = good.read_bytes()
    p = tmp_path / "cut.npz"
    p.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(p)
    assert "cut.npz" in str(e.value)


def test_corrupted_member(tmp_path, good):
    """Bytes flipped inside θ's member: the zip CRC or the array header catches it."""
    data = bytearray(good.read_bytes())
    start = data.find(b"theta.npy")
    for i in range(start + 200, start + 400):
        data[i] ^= 0xFF
    p = tmp_path / "flipped.npz"
    p.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="flipped.npz"):
        load_checkpoint(p)


@pytest.mark.parametrize("key", ["theta", "sizes", "activation", "cost", "settings", "version", "format"])
def test_missing_key(tmp_path, good, key):
    arrays = _arrays(good)
    del arrays[key]
    p = _write(tmp_path / "missing.npz", arrays)
    with pytest.raises(CheckpointError, match=f"missing {key}"):
        load_checkpoint(p)


def test_wrong_theta_length(tmp_path, good):
    arrays = _arrays(good)
    arrays["theta"] = arrays["theta"][:-1]
    with pytest.raises(CheckpointError, match="13,001 numbers .* 13,002 weights and biases"):
        load_checkpoint(_write(tmp_path / "short.npz", arrays))


def test_sizes_that_do_not_match_theta(tmp_path, good):
    arrays = _arrays(good)
    arrays["sizes"] = np.array([784, 32, 10])
    with pytest.raises(CheckpointError, match="784-32-10"):
        load_checkpoint(_write(tmp_path / "sizes.npz", arrays))


@pytest.mark.parametrize("sizes", [[784, 0, 10], [784], [[784, 16]], [784.0, 16.0, 10.0]])
def test_invalid_sizes(tmp_path, good, sizes):
    arrays = _arrays(good)
    arrays["sizes"] = np.array(sizes)
    with pytest.raises(CheckpointError, match="sizes"):
        load_checkpoint(_write(tmp_path / "badsizes.npz", arrays))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nonfinite_theta(tmp_path, good, value):
    arrays = _arrays(good)
    arrays["theta"] = arrays["theta"].copy()
    arrays["theta"][123] = value
    with pytest.raises(CheckpointError, match="1 infinite or not-a-number"):
        load_checkpoint(_write(tmp_path / "nan.npz", arrays))


def test_integer_theta(tmp_path, good):
    arrays = _arrays(good)
    arrays["theta"] = arrays["theta"].astype(np.int32)
    with pytest.raises(CheckpointError, match="floats"):
        load_checkpoint(_write(tmp_path / "int.npz", arrays))


@pytest.mark.parametrize("key,value", [("activation", "swish"), ("cost", "hinge")])
def test_unknown_activation_or_cost(tmp_path, good, key, value):
    arrays = _arrays(good)
    arrays[key] = np.array(value)
    with pytest.raises(CheckpointError, match=f"unknown {key} '{value}'"):
        load_checkpoint(_write(tmp_path / "unknown.npz", arrays))


def test_newer_version(tmp_path, good):
    arrays = _arrays(good)
    arrays["version"] = np.array(FORMAT_VERSION + 1)
    with pytest.raises(CheckpointError, match="newer gdviz"):
        load_checkpoint(_write(tmp_path / "future.npz", arrays))


def test_wrong_magic(tmp_path, good):
    arrays = _arrays(good)
    arrays["format"] = np.array("something-else")
    with pytest.raises(CheckpointError, match="not a gdviz checkpoint"):
        load_checkpoint(_write(tmp_path / "magic.npz", arrays))


@pytest.mark.parametrize("settings", ["{not json", "[1, 2]", json.dumps({"lr": -1.0}),
                                      json.dumps({"batch_size": 0}), json.dumps({"optimizer": "adam"}),
                                      json.dumps({"step": -3}), '{"lr": NaN}'])
def test_bad_settings(tmp_path, good, settings):
    arrays = _arrays(good)
    arrays["settings"] = np.array(settings)
    with pytest.raises(CheckpointError, match="settings|setting"):
        load_checkpoint(_write(tmp_path / "settings.npz", arrays))


class _Boom:
    """Unpickling this would run code; the loader must never get that far."""

    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


@pytest.mark.parametrize("where", ["theta", "extra_key"])
def test_pickled_object_array_is_refused(tmp_path, good, where, monkeypatch):
    arrays = _arrays(good)
    obj = np.array([_Boom(), 1.0], dtype=object)
    if where == "theta":
        arrays["theta"] = obj
    else:
        arrays["payload"] = obj
    p = _write(tmp_path / "pickle.npz", arrays, allow_pickle=True)
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    with pytest.raises(CheckpointError, match="pickled"):
        load_checkpoint(p)
    assert calls == []  # nothing was unpickled


# ---------------------------------------------------------------- atomic writes
def test_no_temp_file_left(tmp_path, session):
    save_checkpoint(tmp_path / "a.npz", session)
    save_checkpoint(tmp_path / "a.npz", session)  # overwrite
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz"]
    assert (tmp_path / "a.npz").stat().st_mode & 0o777 != 0o600  # not mkstemp's private mode


def test_failed_save_leaves_existing_file_intact(tmp_path, session, monkeypatch):
    target = save_checkpoint(tmp_path / "keep.npz", session)
    before = target.read_bytes()
    session.train_step()

    def boom(fh, *args, **kwargs):
        fh.write(b"half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="No space"):
        save_checkpoint(target, session)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.npz"]
    monkeypatch.undo()
    assert load_checkpoint(target).step == 40


def test_interrupted_save_cleans_up(tmp_path, session, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path / "k.npz", session)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="root ignores directory permissions")
def test_read_only_folder(tmp_path, session):
    target = save_checkpoint(tmp_path / "ro.npz", session)
    before = target.read_bytes()
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OSError):
            save_checkpoint(target, session)
    finally:
        tmp_path.chmod(0o700)
    assert target.read_bytes() == before


def test_save_to_missing_folder_raises_oserror(tmp_path, session):
    with pytest.raises(OSError):
        save_checkpoint(tmp_path / "no" / "such" / "c.npz", session)


def test_saved_file_is_loadable_from_bytes(good):
    """The archive is an ordinary npz any NumPy reads without pickle."""
    with np.load(io.BytesIO(good.read_bytes()), allow_pickle=False) as npz:
        assert npz["theta"].shape == (13_002,)
        assert list(npz["sizes"]) == [784, 16, 16, 10]
