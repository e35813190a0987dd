"""A dataset crosses to the training process as the name of a shared-memory block.

Pickled the ordinary way, full MNIST is 55 MB that the window's process copies
into a message while holding the interpreter lock (its GUI thread then stalls
for 40-80 ms) and that the training process copies again. After
:func:`install`, ``multiprocessing`` pickles a
:class:`~gdviz.data.Dataset` as a few bytes instead: its four arrays are
copied once into a :class:`~multiprocessing.shared_memory.SharedMemory` block
(by the thread that sends the message, with the lock released while NumPy
copies) and the training process maps that block, read-only, without a copy.

The block lives as long as the dataset object that was sent (and is removed
at exit): sending the same dataset again, e.g. to a restarted training
process, reuses it.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from multiprocessing import shared_memory
from multiprocessing.reduction import ForkingPickler

import numpy as np

from gdviz.data import Dataset

__all__ = ["install", "block_name"]

_FIELDS = ("train_images", "train_labels", "test_images", "test_labels")
_ALIGN = 64  # bytes: each array starts on a cache line

_lock = threading.Lock()
_blocks: dict[int, tuple[shared_memory.SharedMemory, tuple]] = {}  # id(dataset) -> block, layout


class _Block(shared_memory.SharedMemory):
    """A block whose arrays may outlive this object: closing then waits for them."""

    def __del__(self):
        try:
            self.close()
        except (BufferError, OSError):  # arrays still use the mapping: it goes with them
            pass


def _layout(dataset: Dataset) -> tuple[tuple[str, int, tuple[int, ...], str], ...]:
    """``(field, offset, shape, dtype)`` of each array in the block."""
    out, offset = [], 0
    for name in _FIELDS:
        a = getattr(dataset, name)
        out.append((name, offset, tuple(a.shape), a.dtype.str))
        offset += -(-a.nbytes // _ALIGN) * _ALIGN
    return tuple(out)


def _release(key: int) -> None:
    with _lock:
        entry = _blocks.pop(key, None)
    if entry is not None:
        block = entry[0]
        try:
            block.unlink()
        except OSError:
            pass
        try:
            block.close()
        except (BufferError, OSError):
            pass


def _block_for(dataset: Dataset):
    """The block holding ``dataset``'s arrays (made on first use) and its layout."""
    key = id(dataset)
    with _lock:
        entry = _blocks.get(key)
        if entry is not None:
            return entry
        layout = _layout(dataset)
        size = max(1, layout[-1][1] + getattr(dataset, _FIELDS[-1]).nbytes)
        block = _Block(create=True, size=size)
        _blocks[key] = entry = (block, layout)
    for name, offset, shape, dtype in layout:
        src = getattr(dataset, name)
        dst = np.ndarray(shape, dtype=dtype, buffer=block.buf, offset=offset)
        np.copyto(dst, src)  # (NumPy lets go of the interpreter lock while it copies)
        del dst
    weakref.finalize(dataset, _release, key)
    return entry


def _reduce(dataset: Dataset):
    block, layout = _block_for(dataset)
    return _attach, (block.name, layout, dataset.name, dataset.description, tuple(dataset.image_shape))


def _attach(block_name: str, layout, name: str, description: str, image_shape) -> Dataset:
    """Training process: the dataset as read-only views of the shared block (no copy)."""
    block = _Block(name=block_name, create=False)
    arrays = {f: np.ndarray(shape, dtype=dtype, buffer=block.buf, offset=offset)
              for f, offset, shape, dtype in layout}
    dataset = Dataset(name, description=description, image_shape=tuple(image_shape), **arrays)
    object.__setattr__(dataset, "_shared_block", block)  # keeps the mapping while the dataset lives
    return dataset


def block_name(dataset: Dataset) -> str | None:
    """The shared block a dataset received from another process lives in, else None."""
    block = getattr(dataset, "_shared_block", None)
    return None if block is None else block.name


def _release_all() -> None:
    for key in list(_blocks):
        _release(key)


_installed = False


def install() -> None:
    """Send datasets through shared memory from now on (idempotent; this process only)."""
    global _installed
    if not _installed:
        ForkingPickler.register(Dataset, _reduce)
        atexit.register(_release_all)
        _installed = True
