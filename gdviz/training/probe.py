"""Networks the teaching views evaluate θ with, one cache for all of them.

A view's background job needs a :class:`~gdviz.core.Network` of the snapshot's
shape to run forward passes and gradients at a θ it was given (the session's
own network belongs to the training loop). ``Network.gradient`` reuses
work buffers, so a network must not be shared between threads: the cache is
per thread, and holds the network of the shape it was last asked for only. A
network of a shape the window has left (784-1024-10: 3 MB of θ and up to
tens of MB of work buffers) goes when that thread evaluates the new shape, or
when the window calls ``keep_only`` with the new shape (a hidden view's
thread may not evaluate anything for a long time).
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from gdviz.core import Network, parameter_layout, to_unit

__all__ = ["keep_only", "network_for", "network_of", "parameter_layout", "to_unit"]

_local = threading.local()
_lock = threading.Lock()
_caches: weakref.WeakSet = weakref.WeakSet()  # every live thread's _Cache (gone with its thread)


class _Cache:
    """One thread's network: ``entry`` is ``(key, Network)`` or None."""

    __slots__ = ("entry", "__weakref__")

    def __init__(self):
        self.entry = None


def _key(sizes, activation, cost_name) -> tuple:
    return tuple(int(s) for s in sizes), str(activation), str(cost_name)


def network_of(sizes, activation: str, cost_name: str) -> Network:
    """This thread's network of that shape (sizes: layer widths, e.g. (784, 16, 16, 10))."""
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = _Cache()
        with _lock:
            _caches.add(cache)
    key = _key(sizes, activation, cost_name)
    entry = cache.entry
    if entry is None or entry[0] != key:
        entry = cache.entry = (key, Network(*key))
    return entry[1]


def keep_only(sizes, activation: str, cost_name: str) -> int:
    """Drop every thread's network of another shape than this one (the window moved on: a
    view's thread that stays idle would otherwise keep the old one). Returns how many."""
    key = _key(sizes, activation, cost_name)
    with _lock:
        caches = list(_caches)
    dropped = 0
    for cache in caches:
        entry = cache.entry
        if entry is not None and entry[0] != key:
            cache.entry = None  # (a thread using it holds its own reference until it is done)
            dropped += 1
    return dropped


def network_for(snap) -> Network:
    """This thread's network of a snapshot's shape (``snap.sizes``, ``.activation``, ``.cost_name``)."""
    return network_of(snap.sizes, snap.activation, snap.cost_name)
