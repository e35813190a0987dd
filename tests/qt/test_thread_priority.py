"""In the window's process, the GUI thread gets the CPU first: a thread that trains and
the views' background jobs run at a lower priority (Linux: niceness per thread)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from gdviz.qt.background import LatestJob
from gdviz.qt.worker import TrainingThread
from gdviz.training.priority import JOB_NICE, TRAINING_NICE

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_views_background_job_runs_below_the_gui_thread(qtbot):
    job = LatestJob(_nice, name="gdviz-test-job")
    try:
        job.submit()
        qtbot.waitUntil(lambda: job.result() is not None, timeout=10000)
        assert JOB_NICE > 0 and job.result()[1] == min(19, _nice() + JOB_NICE)
    finally:
        job.stop()


class _Session:
    """Records the niceness its serve() runs at; ``process`` says whether it trains elsewhere."""

    def __init__(self, process=None):
        self.process = process
        self.nice = None

    def serve(self):
        self.nice = _nice()

    def stop(self):
        pass


@pytest.mark.parametrize("elsewhere", [False, True])
def test_only_a_thread_that_trains_yields(qtbot, elsewhere):
    session = _Session(process=object() if elsewhere else None)
    thread = TrainingThread(session)
    thread.start()
    assert thread.wait(10000)
    expected = _nice() if elsewhere else min(19, _nice() + TRAINING_NICE)
    assert session.nice == expected
