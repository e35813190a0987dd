"""Networks the teaching views evaluate θ with, one cache for all of them.

A view's background job needs a :class:`~gdviz.core.Network` of the snapshot's
shape to run forward passes and gradients at a θ it was given (the session's
own network belongs to the training loop). ``Network.gradient`` reuses
work buffers, so a network must not be shared between threads: the cache is
per thread, and holds the network of the shape it was last asked for only: a
network of a shape the window has left (784-1024-10: 3 MB of θ and up to
tens of MB of work buffers) is freed as soon as that thread evaluates the new
shape, not kept for a return that may never come.
"""

from __future__ import annotations

import threading

import numpy as np

from gdviz.core import Network, parameter_layout, to_unit

__all__ = ["network_for", "network_of", "parameter_layout", "to_unit"]

_local = threading.local()
_KEEP = 1  # networks kept per thread (building one is cheap; keeping a wide one is not)


def network_of(sizes, activation: str, cost_name: str) -> Network:
    """This thread's network of that shape (sizes: layer widths, e.g. (784, 16, 16, 10))."""
    cache: dict = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    key = (tuple(int(s) for s in sizes), str(activation), str(cost_name))
    net = cache.pop(key, None)
    if net is None:
        net = Network(key[0], key[1], key[2])
        while len(cache) >= _KEEP:
            cache.pop(next(iter(cache)))
    cache[key] = net  # most recently used last
    return net


def network_for(snap) -> Network:
    """This thread's network of a snapshot's shape (``snap.sizes``, ``.activation``, ``.cost_name``)."""
    return network_of(snap.sizes, snap.activation, snap.cost_name)

