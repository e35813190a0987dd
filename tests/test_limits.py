"""gdviz.limits: each limit is enforced at its edge, each refusal is one line that names
the limit, and sizes within the limits are checked against the free memory."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from gdviz import limits
from gdviz.limits import LimitError


def refusal(call, *args) -> str:
    with pytest.raises(LimitError) as info:
        call(*args)
    message = str(info.value)
    assert "\n" not in message and len(message) < 300, message
    return message


@pytest.fixture(autouse=True)
def plenty_of_memory(monkeypatch):
    """The edges are tested on their own, whatever this machine has free."""
    monkeypatch.setattr(limits, "available_memory", lambda: 1 << 50)


def test_network_limits_at_their_edges():
    w, n = limits.MAX_HIDDEN_WIDTH, limits.MAX_HIDDEN_LAYERS
    assert limits.check_network((784, w, 10)) == (784, w, 10)
    assert "MAX_HIDDEN_WIDTH" in refusal(limits.check_network, (784, w + 1, 10))
    assert limits.check_network((784, *[8] * n, 10))
    assert "MAX_HIDDEN_LAYERS" in refusal(limits.check_network, (784, *[8] * (n + 1), 10))
    assert "MAX_INPUT_SIZE" in refusal(limits.check_network, (limits.MAX_INPUT_SIZE + 1, 16, 10))
    assert "MAX_HIDDEN_WIDTH" in refusal(limits.check_network, (784, 16, w + 1))


def test_total_parameters_limit_names_the_network():
    sizes = (784, 4096, 4096, 10)  # every layer within its limit, 20.1 million together
    message = refusal(limits.check_network, sizes)
    assert "MAX_PARAMETERS" in message and "784-4096-4096-10" in message
    assert limits.check_network((784, 4096, 2048, 10))


def test_a_million_neurons_in_words():
    message = refusal(limits.check_network, (784, 10**6, 10))
    assert message == ("a hidden layer of 1,000,000 neurons is over the limit of 4,096 neurons per "
                       "hidden layer (MAX_HIDDEN_WIDTH)")


def test_absurd_numbers_stay_short():
    assert "1e+308" in refusal(limits.check_batch_size, int(1e308))
    assert len(refusal(limits.check_network, (784, 10**300, 10))) < 200


def test_batch_seed_image_and_idx_edges():
    assert limits.check_batch_size(limits.MAX_BATCH_SIZE) == limits.MAX_BATCH_SIZE
    assert "MAX_BATCH_SIZE" in refusal(limits.check_batch_size, limits.MAX_BATCH_SIZE + 1)
    assert limits.check_seed(0) == 0 and limits.check_seed(limits.MAX_SEED) == limits.MAX_SEED
    assert "MAX_SEED" in refusal(limits.check_seed, -1)
    assert "MAX_SEED" in refusal(limits.check_seed, limits.MAX_SEED + 1)
    W, H = limits.MAX_IMAGE_WIDTH, limits.MAX_IMAGE_HEIGHT
    assert limits.check_image_size(W, H) == (W, H)
    assert "MAX_IMAGE_WIDTH" in refusal(limits.check_image_size, W + 1, 100)
    assert "MAX_IMAGE_HEIGHT" in refusal(limits.check_image_size, 100, H + 1)
    assert limits.check_idx_shape((60_000, 28, 28), 1) == 47_040_000
    assert "MAX_IDX_BYTES" in refusal(limits.check_idx_shape, (2**31, 28, 28), 1)
    assert "MAX_IDX_DIMENSIONS" in refusal(limits.check_idx_shape, (1,) * 5, 1)


def test_sizes_within_the_limits_are_checked_against_free_memory(monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 100 << 20)  # 100 MiB free
    assert limits.check_memory(50 << 20, "this") == 50 << 20
    message = refusal(limits.check_memory, 90 << 20, "training a 784-4096-10 network")
    assert "90.0 MiB" in message and "100.0 MiB free" in message and "training a 784-4096-10" in message
    assert "memory" in refusal(limits.check_image_size, 7000, 4000)  # 112 MB of pixels
    monkeypatch.setattr(limits, "available_memory", lambda: None)  # unknown: not refused
    assert limits.check_memory(1 << 45, "this") == 1 << 45


def test_available_memory_reads_this_machine():
    """(In a fresh interpreter: this module's fixture replaces the function here.)"""
    code = "from gdviz import limits; print(limits.available_memory())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    if sys.platform.startswith("linux"):
        assert 1 << 20 < int(out) < 1 << 50


def test_training_bytes_grows_with_the_network_and_batch():
    small = limits.training_bytes((784, 16, 16, 10), 10)
    assert 4 * 5 * 13_002 < small < 4 * 6 * 13_002 + 4 * 3 * 10 * 826 + 1
    assert limits.training_bytes((784, 1024, 10), 10) > 10 * small
    assert limits.training_bytes((784, 16, 10), 60_000, n_train=100) == limits.training_bytes((784, 16, 10), 100)


def test_format_bytes():
    assert limits.format_bytes(512) == "512 bytes"
    assert limits.format_bytes(1536) == "1.5 KiB"
    assert limits.format_bytes(3 << 30) == "3.0 GiB"
    assert limits.format_bytes(5 << 40) == "5.0 TiB"


def test_a_data_folder_with_huge_images_is_refused_by_the_limit(tmp_path):
    from gdviz.data import DataError, load_idx_dir, write_idx

    side = 257  # 257 x 257 > MAX_INPUT_SIZE = 256 x 256
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((2, side, side), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(2, np.uint8))
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((1, side, side), np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(1, np.uint8))
    with pytest.raises(DataError, match="MAX_INPUT_SIZE"):
        load_idx_dir(tmp_path)


def test_limits_import_nothing_of_gdviz_nor_numpy():
    code = "import sys, gdviz.limits; print(sorted(m for m in sys.modules if m.startswith(('gdviz.', 'numpy'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['gdviz.limits']"
