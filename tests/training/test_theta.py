"""Slices of θ (gdviz.training.theta), the dataset names of the generalisation
experiments (analysis.dataset_kind), a recording's cost curve and the digits a
replay shows (gdviz.training.recorded), and the one palette (gdviz.palette)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdviz import palette, render
from gdviz.core import Network
from gdviz.training import LESSON, TrainingSession
from gdviz.training.analysis import dataset_kind, shuffled_labels_dataset, subset_dataset
from gdviz.training.recorded import replay_dataset, run_curve
from gdviz.training.recording import Recorder, RecordingError
from gdviz.training.theta import MODES, check_mode, image_shape, layer_name, layer_views, mode_vector


def test_layer_views_are_the_networks_weights():
    net = Network((784, 16, 16, 10), "sigmoid", "mse")
    net.theta[:] = np.random.default_rng(3).standard_normal(net.theta.size)
    for layer in range(3):
        W, b = layer_views(net.theta, net.sizes, layer)
        assert np.shares_memory(W, net.theta) and W.shape == net.W[layer].shape
        np.testing.assert_array_equal(W, net.W[layer])
        np.testing.assert_array_equal(b, net.b[layer])
        Wn, bn = layer_views(net.theta, net.sizes, layer, negate=True)
        np.testing.assert_array_equal(Wn, -net.W[layer])
        assert not np.shares_memory(Wn, net.theta)


def test_modes_and_shapes():
    class Snap:
        theta, grad, delta = np.zeros(2), np.ones(2), np.full(2, 2.0)

    assert [mode_vector(Snap, m)[0] for m in MODES] == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="weights, gradient, delta"):
        check_mode("bias")
    assert image_shape(784) == (28, 28) and image_shape(10) == (1, 10) and image_shape(6, (2, 3)) == (2, 3)
    assert image_shape(1) == (1, 1) and image_shape(6, (4, 4)) == (1, 6)
    assert [layer_name(i, 3) for i in (0, 1, 3)] == ["the input pixels", "hidden layer 1", "the output layer"]


def test_dataset_kind_reads_the_names_analysis_builds(tiny):
    from gdviz.data import Dataset

    for source, words in (("sample", "embedded sample"), ("mnist", "full MNIST")):
        ds = Dataset(name=source, train_images=tiny.train_images, train_labels=tiny.train_labels,
                     test_images=tiny.test_images, test_labels=tiny.test_labels, description=source)
        assert dataset_kind(ds.name) == (source, words)
        assert dataset_kind(subset_dataset(ds, 500).name) == (source, f"{words}, only 500 training digits")
        assert dataset_kind(shuffled_labels_dataset(ds).name) == (source, f"{words}, labels shuffled")
    assert dataset_kind("tiny") == ("tiny", "tiny")


@given(st.text(max_size=40))
def test_dataset_kind_never_fails(name):
    source, words = dataset_kind(name)
    assert isinstance(source, str) and isinstance(words, str) and words


def test_run_curve_and_replay_dataset(tmp_path, tiny, sample):
    s = TrainingSession(tiny, LESSON, publish_hz=0)
    path = tmp_path / "run.gdvrec"
    rec = Recorder.from_session(path, s, theta_every=10)
    for _ in range(30):
        s.train_step()
        rec.on_step(s.step_count, s.net.theta)
    rec.record_snapshot(s.snapshot())
    rec.close()
    curve = run_curve(path)
    assert curve.name == f"run: 784-16-16-10, η = {LESSON.lr:g}, batch 10"
    assert curve.steps.tolist() == list(range(1, 31)) and curve.costs.shape == (30,)
    np.testing.assert_allclose(curve.epochs, curve.steps * 10 / 600)
    from gdviz.training.recording import open_recording

    with open_recording(path) as r:
        assert replay_dataset(tiny, r) == (tiny, "")
        other, note = replay_dataset(sample, r)
        assert other.name == "sample" and "embedded sample" in note
    empty = tmp_path / "empty.gdvrec"
    Recorder.from_session(empty, TrainingSession(tiny, LESSON, publish_hz=0)).close()
    with pytest.raises(RecordingError):
        run_curve(empty)


def test_one_palette():
    assert render.DIVERGING_HEX is palette.DIVERGING_HEX
    assert palette.rgb(palette.BOARD) == tuple(render.BOARD_RGB) == (0xC9, 0xC9, 0xC9)
    assert all(len(h) == 7 and h.startswith("#") for h in palette.DIVERGING_HEX + palette.SEQUENTIAL_HEX)
