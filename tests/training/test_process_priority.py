"""The GUI thread gets the CPU first: training and background jobs run at a lower priority."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from gdviz.training.priority import TRAINING_NICE, yield_cpu

from remote_helpers import idle

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")


def _nice_of(tid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, tid)


def _in_thread(fn):
    out = {}

    def body():
        out["tid"] = threading.get_native_id()
        out["before"] = _nice_of(out["tid"])
        out["changed"] = fn()
        out["after"] = _nice_of(out["tid"])

    t = threading.Thread(target=body)
    t.start()
    t.join()
    return out


@linux_only
def test_only_the_calling_thread_yields():
    main_before = _nice_of(threading.get_native_id())
    out = _in_thread(lambda: yield_cpu(3))
    assert out["changed"] and out["after"] == min(19, out["before"] + 3)
    assert _nice_of(threading.get_native_id()) == main_before


def test_nothing_changes_for_a_non_positive_increment():
    out = _in_thread(lambda: yield_cpu(0))
    assert not out["changed"] and out["after"] == out["before"]


@linux_only
def test_the_training_process_runs_below_the_window(served):
    remote = served()
    idle(remote)  # the process is up and has answered
    own = _nice_of(threading.get_native_id())
    assert TRAINING_NICE > 0
    assert _nice_of(remote.process.pid) == min(19, own + TRAINING_NICE)
    assert _nice_of(threading.get_native_id()) == own  # (the caller keeps its own)
