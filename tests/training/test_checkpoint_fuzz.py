"""load_checkpoint under hostile bytes: CheckpointError or a Checkpoint, never another
exception, and memory bounded before anything is allocated.

The memory bound: every array's size is read from its ``.npy`` header and
checked against the zip member's size (which deflate can make at most
``MAX_ZIP_RATIO`` times the compressed bytes) and the limits before it is
read, so a file of ``n`` bytes costs at most ``4 * MAX_ZIP_RATIO * n`` bytes
plus ``SLACK`` (the array, its float32 copy and the finiteness mask), and a
stored (uncompressed) one at most ``4 * n + SLACK``.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdviz import limits
from gdviz.core import Network
from gdviz.training.checkpoint import MAX_ZIP_RATIO, Checkpoint, CheckpointError, load_checkpoint, save_checkpoint

from fuzz_helpers import flips, fuzz, measured, mutant

SLACK = 2 << 20
FUZZ = fuzz(150)


def load_measured(path) -> tuple[object, int]:
    """(Checkpoint or the CheckpointError raised, tracemalloc peak in bytes)."""
    return measured(load_checkpoint, path, refused=CheckpointError)


def bound(path) -> int:
    with open(path, "rb") as fh:
        content = fh.read()
    stored = True
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            stored = all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
    except Exception:  # noqa: BLE001 - not even a zip: the loader stops at once
        pass
    return (4 if stored else 4 * MAX_ZIP_RATIO) * len(content) + SLACK


@pytest.fixture(scope="module")
def valid_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("ck") / "small.npz"
    save_checkpoint(path, Network((16, 4, 10), "sigmoid", "mse"), extra={"note": "fuzz"})
    return path.read_bytes()


def npy(shape, descr="<f4", data=b"") -> bytes:
    """A .npy file whose header declares ``shape`` and ``descr``, followed by ``data``."""
    fh = io.BytesIO()
    np.lib.format.write_array_header_1_0(fh, {"descr": descr, "fortran_order": False, "shape": tuple(shape)})
    return fh.getvalue() + data


def zip_of(members: dict[str, bytes], compress=zipfile.ZIP_STORED) -> bytes:
    fh = io.BytesIO()
    with zipfile.ZipFile(fh, "w", compression=compress) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return fh.getvalue()


def real_members(valid_bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(valid_bytes)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_give_checkpoint_error(tmp_path, content):
    path = tmp_path / "fuzz.npz"
    path.write_bytes(content)
    result, peak = load_measured(path)
    assert isinstance(result, CheckpointError), type(result)
    assert "fuzz.npz" in str(result) and "\n" not in str(result)
    assert peak <= bound(path)


@FUZZ
@given(flips(1 << 20, 8), st.integers(0, 1 << 20), st.booleans())
def test_mutations_of_a_valid_checkpoint(tmp_path, valid_bytes, flipped, cut, keep_tail):
    path = tmp_path / "mutant.npz"
    path.write_bytes(mutant(valid_bytes, flipped, cut, keep_tail))
    result, peak = load_measured(path)
    assert isinstance(result, (Checkpoint, CheckpointError)), type(result)
    assert peak <= bound(path), (peak, path.stat().st_size)


@FUZZ
@given(st.sampled_from(["theta", "sizes", "settings", "format", "extra"]),
       st.lists(st.integers(0, 2**40), min_size=0, max_size=3),
       st.sampled_from(["<f4", "<f8", "<i8", "<U10", "|u1", ">f2"]),
       st.binary(max_size=64), st.booleans())
def test_any_declared_member_shape_is_checked_before_reading(tmp_path, valid_bytes, key, shape,
                                                            descr, data, deflate):
    members = real_members(valid_bytes)
    members[key + ".npy"] = npy(shape, descr, data)
    path = tmp_path / "claims.npz"
    path.write_bytes(zip_of(members, zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED))
    result, peak = load_measured(path)
    assert isinstance(result, (Checkpoint, CheckpointError)), type(result)
    assert peak <= bound(path), (peak, shape, descr)


def test_theta_declaring_10_to_the_12_floats_is_refused_before_allocating(tmp_path, valid_bytes):
    members = real_members(valid_bytes)
    members["theta.npy"] = npy((10**12,), "<f4", bytes(64))
    path = tmp_path / "huge-theta.npz"
    path.write_bytes(zip_of(members))
    result, peak = load_measured(path)
    assert isinstance(result, CheckpointError), type(result)
    assert "huge-theta.npz" in str(result)
    assert peak < 1 << 20


def test_theta_header_matching_its_member_but_over_the_limit_names_the_limit(tmp_path, valid_bytes):
    """A deflated θ of zeros that truly holds MAX_PARAMETERS + 1 floats: refused by the limit."""
    members = real_members(valid_bytes)
    n = limits.MAX_PARAMETERS + 1
    fh = io.BytesIO()
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            if name != "theta.npy":
                zf.writestr(name, content)
        with zf.open("theta.npy", "w", force_zip64=True) as m:
            m.write(npy((n,)))
            zeros = bytes(1 << 20)
            left = 4 * n
            while left:
                m.write(zeros[:min(left, len(zeros))])
                left -= min(left, len(zeros))
    path = tmp_path / "big-theta.npz"
    path.write_bytes(fh.getvalue())
    result, peak = load_measured(path)
    assert isinstance(result, CheckpointError)
    assert "MAX_PARAMETERS" in str(result)
    assert peak < 1 << 20


def test_a_784_1000000_10_network_is_refused_by_the_limits_before_theta_is_read(tmp_path, valid_bytes):
    members = real_members(valid_bytes)
    sizes = np.array([784, 10**6, 10], dtype=np.int64)
    fh = io.BytesIO()
    np.save(fh, sizes)
    members["sizes.npy"] = fh.getvalue()
    n = 784 * 10**6 + 10**6 + 10**6 * 10 + 10
    members["theta.npy"] = npy((n,), "<f4", bytes(4096))  # θ's data would be 3.2 GB
    path = tmp_path / "wide.npz"
    path.write_bytes(zip_of(members))
    result, peak = load_measured(path)
    assert isinstance(result, CheckpointError)
    message = str(result)
    assert "MAX_HIDDEN_WIDTH" in message and "1,000,000" in message, message
    assert peak < 1 << 20


def test_a_theta_within_the_limits_but_not_the_memory_is_refused(tmp_path, monkeypatch, valid_bytes):
    path = tmp_path / "ok.npz"
    path.write_bytes(valid_bytes)
    monkeypatch.setattr(limits, "available_memory", lambda: 1000)
    with pytest.raises(CheckpointError, match="memory"):
        load_checkpoint(path)
    monkeypatch.setattr(limits, "available_memory", lambda: None)
    assert load_checkpoint(path).sizes == (16, 4, 10)


def test_a_member_that_is_not_an_array_is_refused(tmp_path, valid_bytes):
    members = real_members(valid_bytes)
    members["theta"] = b"not an array" * 100
    path = tmp_path / "raw.npz"
    path.write_bytes(zip_of(members))
    with pytest.raises(CheckpointError, match="not a NumPy array"):
        load_checkpoint(path)


def test_deeply_nested_settings_json_is_a_checkpoint_error(tmp_path, valid_bytes):
    members = real_members(valid_bytes)
    fh = io.BytesIO()
    np.save(fh, np.array("[" * 100_000))
    members["settings.npy"] = fh.getvalue()
    path = tmp_path / "nested.npz"
    path.write_bytes(zip_of(members))
    with pytest.raises(CheckpointError, match="settings"):
        load_checkpoint(path)
