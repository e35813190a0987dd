"""open_recording under hostile bytes: RecordingError or a usable Recording, never
another exception, and memory bounded by the file.

The memory bound: θ is memory-mapped, not copied, and every other record is
read from the file's own bytes, so opening a file of ``n`` bytes and drawing
its last step costs at most ``8 * n`` bytes plus ``SLACK`` (tracemalloc peak:
the costs and their copy, the evaluations as Python objects, one network).
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdviz.training.config import LESSON
from gdviz.training.recording import MAGIC, Recorder, Recording, RecordingError, open_recording
from gdviz.training.snapshot import Evaluation

from fuzz_helpers import flips, fuzz, measured, mutant

SLACK = 2 << 20
FUZZ = fuzz(150)
CONFIG = replace(LESSON, hidden=(4,))
SIZES = (16, 4, 10)
N_PARAMS = 16 * 4 + 4 + 4 * 10 + 10


def use(path, allow_partial: bool) -> object:
    """Open ``path`` and draw its last step: the Recording, or the RecordingError raised."""
    try:
        with open_recording(path, allow_partial=allow_partial, verify=False) as rec:
            rec.snapshot_at(rec.n_steps)
            rec.theta_at(rec.start_step)
            return rec
    except RecordingError as exc:
        return exc


def use_measured(path, allow_partial: bool) -> tuple[object, int]:
    return measured(use, path, allow_partial)


def bound(path) -> int:
    return 8 * path.stat().st_size + SLACK


@pytest.fixture(scope="module")
def valid_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("rec") / "small.gdvrec"
    rec = Recorder(path, CONFIG, SIZES, "fuzz", theta_every=2, n_train=10, n_test=5)
    rng = np.random.default_rng(0)
    rec.add_theta(0, rng.standard_normal(N_PARAMS).astype(np.float32))
    rec.add_costs([1, 2, 3, 4], [0.9, 0.8, 0.7, 0.6])
    rec.add_eval(Evaluation(2, 0.2, 0.5, 0.3, 0.4, 0.35))
    rec.add_epoch_cost(1, 3, 0.75)
    rec.add_settings_change(3, lr=0.5)
    rec.add_theta(4, rng.standard_normal(N_PARAMS).astype(np.float32))
    rec.close()
    return path.read_bytes()


def chunk(tag: bytes, payload: bytes) -> bytes:
    """One chunk with a correct CRC and padding (the file layout of gdviz.training.recording)."""
    length = struct.pack("<Q", len(payload))
    crc = zlib.crc32(payload, zlib.crc32(length, zlib.crc32(tag)))
    return struct.pack("<4sIQ", tag, crc, len(payload)) + payload + b"\0" * (-len(payload) % 8)


PREAMBLE = struct.pack("<8sII", MAGIC, 1, 0)


def header_json(**changes) -> bytes:
    head = {"format": "gdviz-recording", "version": 1, "gdviz_version": "0", "created": "",
            "dataset": "fuzz", "n_train": 10, "n_test": 5, "sizes": list(SIZES), "n_params": N_PARAMS,
            "theta_every": 2, "theta_dtype": "<f4",
            "config": {"hidden": [4], "activation": "sigmoid", "cost": "mse", "optimizer": "sgd",
                       "lr": 3.0, "batch_size": 10, "seed": 0}}
    head.update(changes)
    return json.dumps(head).encode()


def theta_chunk(step: int, n: int = N_PARAMS) -> bytes:
    return chunk(b"THTA", struct.pack("<q", step) + np.zeros(n, "<f4").tobytes())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)


@FUZZ
@given(st.binary(max_size=4096), st.booleans())
def test_arbitrary_bytes_give_recording_error(tmp_path, content, allow_partial):
    path = tmp_path / "fuzz.gdvrec"
    path.write_bytes(content)
    result, peak = use_measured(path, allow_partial)
    assert isinstance(result, RecordingError), type(result)
    assert "fuzz.gdvrec" in str(result)
    assert peak <= bound(path)


@FUZZ
@given(st.binary(max_size=2048), st.booleans())
def test_arbitrary_bytes_after_the_signature(tmp_path, content, allow_partial):
    path = tmp_path / "sig.gdvrec"
    path.write_bytes(PREAMBLE + content)
    result, peak = use_measured(path, allow_partial)
    assert isinstance(result, RecordingError), type(result)
    assert peak <= bound(path)


@FUZZ
@given(flips(1 << 20, 8), st.integers(0, 1 << 20), st.booleans(), st.booleans())
def test_mutations_of_a_valid_recording(tmp_path, valid_bytes, flipped, cut, keep_tail, allow_partial):
    path = tmp_path / "mutant.gdvrec"
    path.write_bytes(mutant(valid_bytes, flipped, cut, keep_tail))
    result, peak = use_measured(path, allow_partial)
    assert isinstance(result, (Recording, RecordingError)), type(result)
    assert peak <= bound(path)


@FUZZ
@given(st.sampled_from(["sizes", "n_params", "theta_every", "theta_dtype", "n_train", "n_test",
                        "dataset", "config", "format"]),
       json_values, st.booleans())
def test_any_header_value_is_checked(tmp_path, key, value, allow_partial):
    """A header with correct CRCs but any JSON value in one field: refused in words, or usable."""
    path = tmp_path / "head.gdvrec"
    path.write_bytes(PREAMBLE + chunk(b"HEAD", header_json(**{key: value})) + theta_chunk(0)
                     + chunk(b"END ", b"{}"))
    result, peak = use_measured(path, allow_partial)
    assert isinstance(result, (Recording, RecordingError)), type(result)
    assert peak <= bound(path)


@FUZZ
@given(st.sampled_from(["lr", "batch_size", "optimizer", "seed", "activation", "cost", "hidden",
                        "eval_every", "steps_per_second", "lr_decay"]), json_values)
def test_any_config_value_is_checked(tmp_path, key, value):
    head = json.loads(header_json())
    head["config"][key] = value
    path = tmp_path / "config.gdvrec"
    path.write_bytes(PREAMBLE + chunk(b"HEAD", json.dumps(head).encode()) + theta_chunk(0)
                     + chunk(b"END ", b"{}"))
    result = use(path, False)
    assert isinstance(result, (Recording, RecordingError)), type(result)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from([b"THTA", b"COST", b"EVAL", b"EPCH", b"SETS", b"END ", b"HEAD",
                                           b"ZZZZ"]),
                          st.binary(max_size=200)), max_size=5),
       json_values, json_values, st.booleans())
def test_any_chunk_payload_with_a_correct_crc(tmp_path, chunks, sets_changes, end_summary, allow_partial):
    body = b"".join(chunk(tag, payload) for tag, payload in chunks)
    sets = chunk(b"SETS", json.dumps({"step": 1, "changes": sets_changes}).encode())
    end = chunk(b"END ", json.dumps(end_summary).encode())
    path = tmp_path / "chunks.gdvrec"
    path.write_bytes(PREAMBLE + chunk(b"HEAD", header_json()) + theta_chunk(0) + body + sets + end)
    result, peak = use_measured(path, allow_partial)
    assert isinstance(result, (Recording, RecordingError)), type(result)
    assert peak <= bound(path)


def test_a_header_declaring_a_huge_network_is_refused_by_the_limits(tmp_path):
    """sizes 784-10^6-10 with a θ chunk that claims to fit: refused before any network is built."""
    sizes = [784, 10**6, 10]
    n = 784 * 10**6 + 10**6 + 10**7 + 10
    head = header_json(sizes=sizes, n_params=n, config={"hidden": [10**6]})
    path = tmp_path / "huge.gdvrec"
    path.write_bytes(PREAMBLE + chunk(b"HEAD", head) + theta_chunk(0, 16) + chunk(b"END ", b"{}"))
    result, peak = use_measured(path, False)
    assert isinstance(result, RecordingError)
    assert "MAX_HIDDEN_WIDTH" in str(result)
    assert peak < 1 << 20


def test_an_end_record_with_text_counts_is_a_recording_error(tmp_path):
    path = tmp_path / "end.gdvrec"
    path.write_bytes(PREAMBLE + chunk(b"HEAD", header_json()) + theta_chunk(0)
                     + chunk(b"END ", json.dumps({"thetas": "many"}).encode()))
    with pytest.raises(RecordingError, match="end record"):
        open_recording(path)


def test_a_settings_change_to_a_huge_number_is_a_recording_error(tmp_path):
    path = tmp_path / "sets.gdvrec"
    sets = chunk(b"SETS", b'{"step": 1, "changes": {"lr": 1' + b"0" * 400 + b"}}")
    path.write_bytes(PREAMBLE + chunk(b"HEAD", header_json()) + theta_chunk(0) + sets
                     + chunk(b"END ", b"{}"))
    with pytest.raises(RecordingError, match="settings change"):
        open_recording(path)
