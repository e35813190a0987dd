"""Save and load a network's parameters θ with its settings (no Qt, no pickle).

A checkpoint is a NumPy ``.npz`` archive (``np.savez``, uncompressed) of plain
arrays only, so it is loaded with ``allow_pickle=False`` and can never run code:

============  ==========================  =========================================
key           array                       meaning
============  ==========================  =========================================
``format``    0-d unicode                 the magic string ``"gdviz-checkpoint"``
``version``   0-d int64                   :data:`FORMAT_VERSION` of the layout
``theta``     ``(n_params,)`` float32     θ: ``W[0], b[0], W[1], ...`` (see core)
``sizes``     ``(L+1,)`` int64            layer sizes, e.g. ``[784, 16, 16, 10]``
``activation`` 0-d unicode                hidden activation (``sigmoid``...)
``cost``      0-d unicode                 ``mse`` or ``ce``
``settings``  0-d unicode (JSON object)   lr, batch_size, optimizer, seed, step,
                                          epoch, examples_seen, eval_every,
                                          steps_per_second, gdviz_version
``extra``     0-d unicode (JSON object)   anything the caller adds (may be ``{}``)
============  ==========================  =========================================

Reads check before allocating: every member's ``.npy`` header is read first
(shape, type, no pickle) and held to the limits of :mod:`gdviz.limits` (layer
sizes, ``MAX_PARAMETERS`` for θ, ``MAX_CHECKPOINT_TEXT_BYTES`` for the rest,
the free memory) and to the size of its zip member.

Writes are atomic: the archive goes to a temporary file in the same folder
which then replaces the target in one ``os.replace``; on any error the
temporary file is removed and an existing checkpoint is left untouched.
"""

from __future__ import annotations

import json
import lzma
import math
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from gdviz import __version__, limits
from gdviz.core import ACTIVATIONS, COSTS, Network, count_parameters, validate_sizes
from gdviz.training.config import SettingError, TrainConfig

MAGIC = "gdviz-checkpoint"
FORMAT_VERSION = 1
KEYS = ("format", "version", "theta", "sizes", "activation", "cost", "settings", "extra")
#: TrainConfig fields stored in ``settings`` (hidden/activation/cost live in their own keys).
#: A deflated member claiming more than this many times its compressed size is refused.
MAX_ZIP_RATIO = 1032
_CONFIG_SETTINGS = ("optimizer", "lr", "batch_size", "seed", "eval_every", "steps_per_second")

__all__ = [
    "Checkpoint", "CheckpointError", "FORMAT_VERSION", "load_checkpoint", "save_checkpoint",
    "session_from_checkpoint",
]


class CheckpointError(ValueError):
    """A checkpoint that cannot be written or read; the message names the file and the problem."""


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint. ``theta`` is a read-only float32 copy ``(n_params,)``."""

    path: Path
    theta: np.ndarray = field(repr=False)
    sizes: tuple[int, ...]
    activation: str
    cost: str
    settings: dict[str, Any]
    config: TrainConfig
    version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_params(self) -> int:
        return int(self.theta.size)

    @property
    def step(self) -> int:
        """Updates done before θ was saved."""
        return int(self.settings.get("step", 0))

    @property
    def epoch(self) -> int:
        """Epochs completed before θ was saved."""
        return int(self.settings.get("epoch", 0))

    def network(self) -> Network:
        """A new :class:`~gdviz.core.Network` holding a (writable) copy of θ."""
        net = Network(self.sizes, self.activation, self.cost)
        net.theta[...] = self.theta
        return net


# ====================================================================== save
def save_checkpoint(path, net_or_session, config: TrainConfig | None = None,
                    extra: dict | None = None, *, theta: np.ndarray | None = None) -> Path:
    """Write θ, the layer sizes and the settings of a network or session to ``path``.

    ``net_or_session`` is a :class:`~gdviz.core.Network` or a
    :class:`~gdviz.training.TrainingSession`. For a session the config, step
    and epoch come from it, and a session that has **diverged** saves its last
    finite θ (``last_finite_theta()``, one step earlier). For a bare network,
    ``config`` (optional) gives the training settings. ``theta`` overrides the
    parameters written. ``extra`` is any JSON-serialisable dict.

    Returns the path written. Raises :class:`CheckpointError` (θ not finite,
    wrong length, settings not JSON) or ``OSError`` (cannot write).
    """
    path = Path(path)
    if hasattr(net_or_session, "net") and hasattr(net_or_session, "config"):
        session = net_or_session
        net = session.net
        config = session.config if config is None else config
        step, epoch = int(session.step_count), int(session.epoch)
        examples = int(getattr(session, "examples_seen", 0))
        if theta is None and getattr(session, "diverged", False):
            theta = session.last_finite_theta()
            step = max(0, step - 1)
    else:
        net, step, epoch, examples = net_or_session, 0, 0, 0
    if not isinstance(net, Network):
        raise TypeError(f"save_checkpoint needs a Network or a TrainingSession, not {type(net).__name__}")
    theta = np.asarray(net.theta if theta is None else theta)
    if theta.shape != (net.n_params,):
        raise CheckpointError(
            f"{path}: θ has shape {theta.shape} but this {_sizes_text(net.sizes)} network "
            f"has {net.n_params:,} weights and biases; nothing was written")
    if not np.all(np.isfinite(theta)):
        raise CheckpointError(f"{path}: θ holds infinite or not-a-number values; nothing was written")

    settings: dict[str, Any] = {}
    if config is not None:
        settings.update({k: getattr(config, k) for k in _CONFIG_SETTINGS})
    settings.update(step=step, epoch=epoch, examples_seen=examples, gdviz_version=__version__)
    try:
        settings_json = json.dumps(settings, allow_nan=False)
        extra_json = json.dumps({} if extra is None else dict(extra), allow_nan=False, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: settings cannot be stored as JSON ({exc}); nothing was written") from None

    arrays = {
        "format": np.array(MAGIC),
        "version": np.array(FORMAT_VERSION, dtype=np.int64),
        "theta": np.ascontiguousarray(theta, dtype=np.float32),
        "sizes": np.array(net.sizes, dtype=np.int64),
        "activation": np.array(net.activation.name),
        "cost": np.array(net.cost.name),
        "settings": np.array(settings_json),
        "extra": np.array(extra_json),
    }
    _atomic_savez(path, arrays)
    return path


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (Path, tuple)):
        return str(obj) if isinstance(obj, Path) else list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _atomic_savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez`` into a temp file beside ``path``, then ``os.replace`` it over ``path``."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; give the usual mode
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# ====================================================================== load
def load_checkpoint(path) -> Checkpoint:
    """Read and check a checkpoint written by :func:`save_checkpoint`.

    Raises :class:`CheckpointError` naming the file and the problem when the
    file is missing, not an ``.npz`` archive (or damaged), lacks a key, holds
    a pickled/object array, was written by an unknown format version, or
    holds layer sizes, θ, activation, cost or settings that cannot be used.
    """
    path = Path(path)

    def fail(problem: str):
        return CheckpointError(f"{path}: {problem}")

    if not path.exists():
        raise fail("no such checkpoint file")
    if not path.is_file():
        raise fail("is not a file")
    if not zipfile.is_zipfile(path):
        raise fail("is not a gdviz checkpoint (not an .npz archive, or it is truncated)")
    try:
        with zipfile.ZipFile(path) as zf:
            headers = _member_headers(zf, fail)
            missing = [k for k in KEYS if k not in headers]
            if missing:
                raise fail(f"is not a complete gdviz checkpoint: missing {', '.join(missing)}")
            raw = {k: _read_member(zf, k) for k in KEYS if k != "theta"}
            _check_sizes_limits(raw["sizes"], fail)
            _check_theta_header(*headers["theta"], fail)
            raw["theta"] = _read_member(zf, "theta")
    except CheckpointError:
        raise
    except (OSError, EOFError, KeyError, ValueError, RuntimeError, NotImplementedError, OverflowError,
            zipfile.BadZipFile, zlib.error, lzma.LZMAError) as exc:
        raise fail(f"is damaged or truncated ({type(exc).__name__}: {exc})") from None

    magic = _text(raw["format"])
    if magic != MAGIC:
        raise fail(f"is not a gdviz checkpoint (format {magic!r})")
    version = raw["version"]
    if version.shape != () or version.dtype.kind not in "iu":
        raise fail("has an unreadable format version")
    version = int(version)
    if version > FORMAT_VERSION:
        raise fail(f"was written by a newer gdviz (format version {version}); "
                   f"this gdviz reads version {FORMAT_VERSION} or older: upgrade gdviz")
    if version < 1:
        raise fail(f"has an unknown format version {version}")

    sizes_arr = raw["sizes"]
    if sizes_arr.ndim != 1 or sizes_arr.dtype.kind not in "iu":
        raise fail(f"layer sizes must be a list of whole numbers, found {sizes_arr.dtype} {sizes_arr.shape}")
    try:
        sizes = limits.check_network(validate_sizes(sizes_arr.tolist()))
    except ValueError as exc:  # LimitError included
        raise fail(f"bad layer sizes {_sizes_text(sizes_arr.tolist())}: {exc}") from None

    theta = raw["theta"]
    if theta.ndim != 1 or theta.dtype.kind != "f":
        raise fail(f"θ must be a 1-D array of floats, found {theta.dtype} {theta.shape}")
    expected = count_parameters(sizes)
    if theta.size != expected:
        raise fail(f"θ has {theta.size:,} numbers but a {_sizes_text(sizes)} network "
                   f"has {expected:,} weights and biases")
    if not np.all(np.isfinite(theta)):
        bad = int(np.count_nonzero(~np.isfinite(theta)))
        raise fail(f"θ holds {bad:,} infinite or not-a-number values")

    activation, cost = _text(raw["activation"]), _text(raw["cost"])
    if activation not in ACTIVATIONS:
        raise fail(f"unknown activation {activation!r} (this gdviz knows {', '.join(ACTIVATIONS)})")
    if cost not in COSTS:
        raise fail(f"unknown cost {cost!r} (this gdviz knows {', '.join(COSTS)})")

    settings = _json_object(raw["settings"], "settings", fail)
    extra = _json_object(raw["extra"], "extra", fail)
    known = {f.name for f in fields(TrainConfig)}
    kwargs = {k: settings[k] for k in _CONFIG_SETTINGS if k in settings and k in known}
    try:
        config = TrainConfig(hidden=sizes[1:-1], activation=activation, cost=cost, **kwargs).validated()
    except (SettingError, TypeError, ValueError) as exc:
        raise fail(f"holds settings that cannot be used: {exc}") from None
    for key in ("step", "epoch", "examples_seen"):
        value = settings.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise fail(f"setting {key!r} must be a whole number ≥ 0, found {value!r}")

    theta = np.array(theta, dtype=np.float32, copy=True)
    theta.flags.writeable = False
    return Checkpoint(path=path, theta=theta, sizes=sizes, activation=activation, cost=cost,
                      settings=settings, config=config, version=version, extra=extra)


def _member_headers(zf: zipfile.ZipFile, fail) -> dict[str, tuple]:
    """``{key: (shape, dtype)}`` of every ``.npy`` member, read from their headers only.

    Refuses, before any array is allocated: a member that is not a ``.npy``
    array, an object (pickled) array, and any array but θ over
    ``limits.MAX_CHECKPOINT_TEXT_BYTES`` or larger than its member (θ is
    checked after the layer sizes, by :func:`_check_theta_header`).
    """
    headers: dict[str, tuple] = {}
    for info in zf.infolist():
        if not info.filename.endswith(".npy"):
            raise fail(f"holds {info.filename[:80]!r}, which is not a NumPy array; "
                       "gdviz checkpoints hold .npy arrays only")
        key = info.filename[:-4]
        if info.compress_type != zipfile.ZIP_STORED and info.file_size > MAX_ZIP_RATIO * info.compress_size:
            raise fail(f"is damaged: {key!r} claims {info.file_size:,} bytes from "
                       f"{info.compress_size:,} compressed ones")
        with zf.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise fail(f"holds {key!r} in .npy format {version}, which gdviz does not read")
            data_start = member.tell()
        if dtype.hasobject:
            raise fail("holds a pickled (object) array, which gdviz never writes and will not "
                       "load because it could run code")
        nbytes = math.prod(shape) * dtype.itemsize
        if key != "theta" and nbytes > limits.MAX_CHECKPOINT_TEXT_BYTES:
            raise fail(f"{key!r} declares {nbytes:,} bytes, over the limit of "
                       f"{limits.MAX_CHECKPOINT_TEXT_BYTES:,} bytes (MAX_CHECKPOINT_TEXT_BYTES)")
        if key != "theta":
            _check_member_size(key, nbytes, info.file_size - data_start, fail)
        headers[key] = (shape, dtype, info.file_size - data_start)
    return headers


def _read_member(zf: zipfile.ZipFile, key: str) -> np.ndarray:
    """The array ``key`` (its header already checked), never unpickled."""
    with zf.open(key + ".npy") as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _check_member_size(key: str, nbytes: int, held: int, fail) -> None:
    if nbytes != held:
        raise fail(f"is damaged: {key!r} declares {nbytes:,} bytes of data but its member holds {max(0, held):,}")


def _check_theta_header(shape, dtype, held: int, fail) -> None:
    """Refuse a θ over ``limits.MAX_PARAMETERS``, its member or the free memory before it is read."""
    count = math.prod(shape)
    if count > limits.MAX_PARAMETERS:
        raise fail(f"θ declares {count:,} numbers, over the limit of {limits.MAX_PARAMETERS:,} "
                   "weights and biases (MAX_PARAMETERS)")
    _check_member_size("theta", count * dtype.itemsize, held, fail)
    try:
        limits.check_memory(count * (dtype.itemsize + 4), f"θ of {count:,} numbers")
    except limits.LimitError as exc:
        raise fail(str(exc)) from None


def _check_sizes_limits(sizes_arr: np.ndarray, fail) -> None:
    """Refuse layer sizes over the limits of gdviz.limits before θ is read."""
    if sizes_arr.ndim == 1 and sizes_arr.dtype.kind in "iu":
        try:
            limits.check_network(sizes_arr.tolist())
        except limits.LimitError as exc:
            raise fail(f"bad layer sizes {_sizes_text(sizes_arr.tolist())}: {exc}") from None


def _text(arr: np.ndarray) -> str:
    """The string in a 0-d unicode array, or "" when it is something else."""
    if isinstance(arr, np.ndarray) and arr.shape == () and arr.dtype.kind == "U":
        return str(arr)
    return ""


def _json_object(arr: np.ndarray, key: str, fail) -> dict:
    if not (arr.shape == () and arr.dtype.kind == "U"):
        raise fail(f"{key} must be a JSON text, found {arr.dtype} {arr.shape}")
    try:
        value = json.loads(str(arr), parse_constant=_no_constant)
    except RecursionError:
        raise fail(f"{key} are nested too deeply to be read") from None
    except ValueError as exc:
        raise fail(f"{key} are not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise fail(f"{key} must be a JSON object, found {type(value).__name__}")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not allowed")


def _sizes_text(sizes) -> str:
    return "-".join(str(s) for s in sizes)


# ====================================================================== apply
def session_from_checkpoint(ckpt: Checkpoint, dataset, **session_kwargs):
    """A new :class:`~gdviz.training.TrainingSession` on ``dataset`` with the
    checkpoint's settings (``ckpt.config``) and θ.

    The session starts at step 0 of its own counters at the checkpoint's θ,
    which Reset returns to; the momentum velocity starts at zero. Raises
    :class:`CheckpointError` when the dataset's images do not fit the input
    layer.
    """
    from gdviz.training.session import TrainingSession

    n_in = int(np.prod(dataset.train_images.shape[1:]))
    if ckpt.sizes[0] != n_in or ckpt.sizes[-1] != 10:
        raise CheckpointError(
            f"{ckpt.path}: this {_sizes_text(ckpt.sizes)} network expects {ckpt.sizes[0]} pixels "
            f"and 10 digits, but {getattr(dataset, 'name', 'the dataset')} has {n_in}-pixel images")
    session = TrainingSession(dataset, ckpt.config, initial_theta=ckpt.theta, **session_kwargs)
    if session.net.sizes != ckpt.sizes:  # cannot happen unless TrainConfig.sizes changes
        raise CheckpointError(f"{ckpt.path}: layer sizes {ckpt.sizes} do not match {session.net.sizes}")
    return session
