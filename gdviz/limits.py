"""The sizes gdviz accepts, stated once and checked before anything is allocated.

Every number a user or a file can choose -- a network's layers, the batch
size, a picture's pixels, an IDX file's dimensions, a checkpoint's arrays --
is checked here against an explicit limit. A size within the limits that
still would not fit this machine is checked against the memory available
(:func:`check_memory`). Each refusal is a :class:`LimitError` whose message
is one line naming the limit; callers add the file or option it came from
and re-raise it as their own error type.

Standard library only, so every layer (data, core, training, cli) can use it.
"""

from __future__ import annotations

import math
import os

__all__ = [
    "LimitError", "MAX_BATCH_SIZE", "MAX_CHECKPOINT_TEXT_BYTES", "MAX_HIDDEN_LAYERS",
    "MAX_HIDDEN_WIDTH", "MAX_IDX_BYTES", "MAX_IDX_DIMENSIONS", "MAX_IMAGE_HEIGHT",
    "MAX_IMAGE_WIDTH", "MAX_INPUT_SIZE", "MAX_PARAMETERS", "MAX_SEED", "available_memory",
    "check_batch_size", "check_idx_shape", "check_image_size", "check_memory", "check_network",
    "check_seed", "format_bytes", "training_bytes",
]

#: Neurons in one hidden layer (the window offers at most 1,024).
MAX_HIDDEN_WIDTH = 4096
#: Hidden layers in a network.
MAX_HIDDEN_LAYERS = 16
#: Pixels of one input image (256 x 256); MNIST has 784.
MAX_INPUT_SIZE = 65_536
#: Weights and biases in a network (80 MB of float32 θ); 784-16-16-10 has 13,002.
MAX_PARAMETERS = 20_000_000
#: Examples in one mini-batch (full MNIST has 60,000 training digits).
MAX_BATCH_SIZE = 1_000_000
#: Largest random seed (seeds are 0 .. 2**32 - 1, as in lesson files).
MAX_SEED = 2**32 - 1
#: Pixels of a window, screenshot or exported picture (8K UHD).
MAX_IMAGE_WIDTH, MAX_IMAGE_HEIGHT = 7680, 4320
#: Dimensions of an IDX array (MNIST images have 3, labels 1).
MAX_IDX_DIMENSIONS = 4
#: Bytes of data an IDX header may declare (full MNIST's images are 47 MB).
MAX_IDX_BYTES = 1 << 30
#: Bytes of one text entry (settings, names) of a checkpoint.
MAX_CHECKPOINT_TEXT_BYTES = 1 << 20

#: Share of the available memory one allocation may claim.
MEMORY_SHARE = 0.8


class LimitError(ValueError):
    """A size over a stated limit, or too big for this machine; one line naming the limit."""


def _num(n: int) -> str:
    """``1234567`` -> ``"1,234,567"``; absurdly large numbers as ``"1e+308"``."""
    return f"{n:,}" if abs(n) < 10**15 else f"{float(n):.3g}"


def _over(what: str, limit: int, unit: str, name: str) -> LimitError:
    return LimitError(f"{what} is over the limit of {limit:,} {unit} ({name})")


def check_network(sizes) -> tuple[int, ...]:
    """Layer sizes ``(n_in, h_1, ..., n_out)`` as ints, or LimitError naming the limit.

    Checks, in order: the number of hidden layers, each hidden layer's width,
    the input and output sizes, then the total number of weights and biases.
    Sizes below 1 are left to ``gdviz.core.validate_sizes``.
    """
    sizes = tuple(int(s) for s in sizes)
    hidden = sizes[1:-1]
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise _over(f"{_num(len(hidden))} hidden layers", MAX_HIDDEN_LAYERS, "hidden layers",
                    "MAX_HIDDEN_LAYERS")
    for width in hidden:
        if width > MAX_HIDDEN_WIDTH:
            raise _over(f"a hidden layer of {_num(width)} neurons", MAX_HIDDEN_WIDTH,
                        "neurons per hidden layer", "MAX_HIDDEN_WIDTH")
    if sizes and sizes[0] > MAX_INPUT_SIZE:
        raise _over(f"an input of {_num(sizes[0])} pixels", MAX_INPUT_SIZE, "pixels per image",
                    "MAX_INPUT_SIZE")
    if len(sizes) > 1 and sizes[-1] > MAX_HIDDEN_WIDTH:
        raise _over(f"an output layer of {_num(sizes[-1])} neurons", MAX_HIDDEN_WIDTH, "neurons",
                    "MAX_HIDDEN_WIDTH")
    n = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    if n > MAX_PARAMETERS:
        shape = "-".join(_num(s).replace(",", "") for s in sizes)
        raise _over(f"a {shape} network ({_num(n)} weights and biases)", MAX_PARAMETERS,
                    "weights and biases", "MAX_PARAMETERS")
    return sizes


def check_batch_size(batch: int) -> int:
    """A batch size ≤ :data:`MAX_BATCH_SIZE`, or LimitError (sizes below 1 are the caller's)."""
    if batch > MAX_BATCH_SIZE:
        raise _over(f"a batch of {_num(batch)} examples", MAX_BATCH_SIZE, "examples per batch",
                    "MAX_BATCH_SIZE")
    return batch


def check_seed(seed: int) -> int:
    """A seed in 0 .. :data:`MAX_SEED`, or LimitError."""
    if not 0 <= seed <= MAX_SEED:
        raise LimitError(f"the seed must be a whole number from 0 to {MAX_SEED:,} (MAX_SEED), not {_num(seed)}")
    return seed


def check_image_size(width: int, height: int, what: str = "the picture") -> tuple[int, int]:
    """``(width, height)`` within :data:`MAX_IMAGE_WIDTH` x :data:`MAX_IMAGE_HEIGHT`, or LimitError."""
    if width > MAX_IMAGE_WIDTH or height > MAX_IMAGE_HEIGHT:
        raise LimitError(f"{what} of {_num(width)}x{_num(height)} pixels is over the limit of "
                         f"{MAX_IMAGE_WIDTH}x{MAX_IMAGE_HEIGHT} pixels (MAX_IMAGE_WIDTH x MAX_IMAGE_HEIGHT)")
    check_memory(4 * width * height, f"{what} of {width:,}x{height:,} pixels")
    return width, height


def check_idx_shape(shape, itemsize: int) -> int:
    """Bytes of data an IDX header declares; LimitError over the dimension or byte limits.

    ``shape`` is the tuple of sizes in the header, ``itemsize`` the bytes of one value.
    """
    if len(shape) > MAX_IDX_DIMENSIONS:
        raise _over(f"the header's {len(shape)} dimensions", MAX_IDX_DIMENSIONS, "dimensions",
                    "MAX_IDX_DIMENSIONS")
    nbytes = math.prod(shape) * itemsize
    if nbytes > MAX_IDX_BYTES:
        dims = " x ".join(f"{s:,}" for s in shape)
        raise LimitError(f"the header declares {dims} values = {format_bytes(nbytes)} of data, over "
                         f"the limit of {format_bytes(MAX_IDX_BYTES)} per IDX file (MAX_IDX_BYTES)")
    check_memory(nbytes, "the IDX data")
    return nbytes


def training_bytes(sizes, batch: int, n_train: int = 0) -> int:
    """Rough bytes a session of ``sizes`` needs at this batch size (float32).

    θ and four arrays like it (gradient, step, GD sum, velocity) plus, per
    example of the batch, the activations, pre-activations and errors of
    every layer; whole-set gradient descent works in chunks of at most
    ``n_train`` examples.
    """
    sizes = tuple(int(s) for s in sizes)
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    rows = min(batch, n_train) if n_train else batch
    return 4 * (5 * n_params + 3 * rows * sum(sizes))


def available_memory() -> int | None:
    """Bytes of memory this machine can still give (MemAvailable), or None when unknown."""
    try:
        with open("/proc/meminfo", "rb") as fh:
            for line in fh:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(nbytes: int, what: str) -> int:
    """``nbytes`` if it fits in :data:`MEMORY_SHARE` of the available memory, else LimitError."""
    free = available_memory()
    if free is not None and nbytes > MEMORY_SHARE * free:
        raise LimitError(f"{what} needs {format_bytes(nbytes)} of memory but this computer has only "
                         f"{format_bytes(free)} free (limit: {MEMORY_SHARE:.0%} of the free memory)")
    return nbytes


def format_bytes(n: int) -> str:
    """``1610612736`` -> ``"1.5 GiB"``."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TiB"  # pragma: no cover
