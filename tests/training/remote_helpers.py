"""Helpers for tests that drive a training session in a child process."""

from __future__ import annotations

import time

from gdviz.training.remote import EngineError

WAIT = 30.0


def wait_until(cond, timeout=WAIT):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.002)
    raise AssertionError("timed out")


def _serve(session):
    try:
        session.serve()
    except EngineError:
        pass


def idle(s):
    wait_until(lambda: not s.busy)
    return s.mailbox.peek()
