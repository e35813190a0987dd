"""Datasets reach the training process as a shared-memory block, not as a copy in a message."""

from __future__ import annotations

import gc
from multiprocessing import shared_memory
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest

from gdviz.data import Dataset
from gdviz.training import shared_data
from gdviz.training.remote import _context

FIELDS = ("train_images", "train_labels", "test_images", "test_labels")


def _copy(tiny) -> Dataset:
    """A dataset object of its own (the block lives as long as the object sent)."""
    shared_data.install()
    return Dataset(tiny.name, *(getattr(tiny, f).copy() for f in FIELDS), tiny.description)


@pytest.fixture
def fresh(tiny):
    return _copy(tiny)


def _same(a: Dataset, b: Dataset) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) and getattr(a, f).dtype == getattr(b, f).dtype
               for f in FIELDS) and (a.name, a.description, a.image_shape) == (b.name, b.description, b.image_shape)


def test_a_dataset_pickles_as_a_name_and_arrives_read_only_and_equal(fresh):
    nbytes = sum(getattr(fresh, f).nbytes for f in FIELDS)
    message = bytes(ForkingPickler.dumps(fresh))
    assert len(message) < 2000 < nbytes
    got = ForkingPickler.loads(message)
    assert _same(got, fresh) and shared_data.block_name(got) is not None
    assert not any(getattr(got, f).flags.writeable for f in FIELDS)


def test_the_same_dataset_reuses_its_block_and_frees_it_when_gone(tiny):
    fresh = _copy(tiny)
    first = ForkingPickler.loads(ForkingPickler.dumps(fresh))
    again = ForkingPickler.loads(ForkingPickler.dumps(fresh))
    name = shared_data.block_name(first)
    assert shared_data.block_name(again) == name
    del fresh
    gc.collect()
    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(name=name)
    # what was received stays readable: the mapping goes with the arrays
    assert int(first.train_labels.sum()) == int(again.train_labels.sum())


def _describe(dataset) -> tuple:
    return (shared_data.block_name(dataset) is not None, int(dataset.train_images.sum()),
            int(dataset.test_labels.sum()))


def test_a_training_process_maps_the_block(fresh):
    with _context().Pool(1) as pool:
        shared, s_train, s_test = pool.apply(_describe, (fresh,))
    assert shared
    assert (s_train, s_test) == (int(fresh.train_images.sum()), int(fresh.test_labels.sum()))
