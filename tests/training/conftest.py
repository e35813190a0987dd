"""Fixtures of the training-layer tests."""

from __future__ import annotations

import threading

import pytest

from gdviz.training.config import LESSON, TrainConfig
from gdviz.training.remote import RemoteSession

from remote_helpers import WAIT, _serve


@pytest.fixture
def served(tiny):
    """A RemoteSession on the tiny dataset with its snapshots received by a thread."""
    made = []

    def make(config: TrainConfig = LESSON, dataset=None, **kw):
        s = RemoteSession(dataset if dataset is not None else tiny, config, **kw)
        t = threading.Thread(target=_serve, args=(s,), daemon=True)
        t.start()
        made.append((s, t))
        return s

    yield make
    for s, t in made:
        s.stop()
        t.join(WAIT)
        assert not t.is_alive()
        assert not s.process.is_alive()
