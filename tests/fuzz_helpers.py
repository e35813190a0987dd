"""Helpers for the tests that feed hostile bytes to a reader: its memory peak, and
a valid file mutated as hypothesis asks."""

from __future__ import annotations

import tracemalloc

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def fuzz(max_examples: int) -> settings:
    """Hypothesis settings for a fuzz test: no deadline (the machine may be busy), and
    ``tmp_path`` may be shared by the examples."""
    return settings(max_examples=max_examples, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def measured(read, *args, refused: type[BaseException] = ()) -> tuple[object, int]:
    """``(read(*args)`` or the ``refused`` error it raised, tracemalloc peak in bytes)."""
    tracemalloc.start()
    try:
        try:
            result = read(*args)
        except refused as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def flips(max_pos: int, max_size: int):
    """A strategy: ``(position, byte)`` pairs to write into a file (position mod its length)."""
    return st.lists(st.tuples(st.integers(0, max_pos), st.integers(0, 255)), min_size=1, max_size=max_size)


def mutant(data: bytes, flipped, cut: int, keep_tail: bool) -> bytes:
    """``data`` with the ``flipped`` bytes written and, unless ``keep_tail``, its last
    ``cut`` (mod its length) bytes cut off."""
    data = bytearray(data)
    for pos, value in flipped:
        data[pos % len(data)] = value
    if not keep_tail:
        del data[len(data) - cut % len(data):]
    return bytes(data)
