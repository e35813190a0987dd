"""Record a training run to one file; open it again to scrub, replay and compare runs.

No Qt here (NumPy and the standard library only), and no pickle anywhere.

What a recording holds
======================
* the settings (:class:`~gdviz.training.TrainConfig`, seed included), the
  layer sizes, the dataset's name and size, the gdviz version;
* **every step's cost**: ``(step, cost)`` exactly as the session computed it
  (float64, bitwise);
* **θ every K steps** (float32, bitwise): at the first step offered (normally
  0), at every step that is a multiple of K, and at the last step seen when
  the recorder is closed;
* every :class:`~gdviz.training.Evaluation`, every end-of-epoch training cost
  ``(epoch, step, cost)``, and the changes of η / batch size / update rule
  made while it ran (seen in the snapshots, so placed within one display frame).

K, and the size of a file
=========================
θ of the lesson's 784-16-16-10 network is 13,002 float32 = 52,008 bytes. A
10-epoch run on full MNIST at batch 10 is 60,000 steps. With **K = 64** that is
939 θ records (52,032 bytes each with their chunk header) = 48.9 MB, plus
60,000 costs × 16 bytes = 0.96 MB: **≈ 49.8 MB** in all. In general::

    bytes ≈ (4·n_params + 24) · (steps / K + 2) + 16 · steps

The default (``theta_every=None``) is :func:`default_theta_every`:
``K = 64 · ceil(n_params / 13,002)`` — 64 for the lesson's network (and
smaller ones), growing in proportion to θ for larger networks so the same run
stays near 50 MB. K is fixed for a recording; a longer run makes a bigger file
(about 5 MB per full-MNIST epoch at batch 10).

Why a streamed chunk file (and not an .npz)
===========================================
An ``.npz`` (zip) cannot be appended to while training goes on, so the whole
run would have to sit in RAM and be lost in a crash. Instead the recorder
appends small typed chunks to a file as training goes, and flushes it every
couple of seconds; θ chunks go straight from the network's buffer into the
file's write buffer (one copy, no per-step Python work unless a θ is due).
The reader then memory-maps the file: opening it scans only the 16-byte chunk
headers, and ``theta_at(step)`` is a binary search plus a zero-copy view.

Recording never disturbs training: a failed write (a full disk...) stops the
recorder, which then takes no more input, and :meth:`Recorder.close` reports it.

The file is written as ``NAME.part`` beside ``NAME`` and renamed over ``NAME``
in one ``os.replace`` by :meth:`Recorder.close`, so a file with the final name
is always complete. A ``.part`` left by a crash can still be opened with
``open_recording(path, allow_partial=True)``: every complete chunk up to the
first incomplete or damaged one is used, and ``Recording.complete`` is False
with the reason in ``Recording.warnings``. Without ``allow_partial`` a
truncated or damaged file raises :class:`RecordingError`.

File layout (version 1; all numbers little-endian)
==================================================
::

    preamble   16 bytes  MAGIC (8 bytes b"\\x89gdvrec\\n") | u32 version | u32 0
    chunk      16-byte header: tag (4 ASCII bytes) | u32 CRC32 | u64 payload length n
               then n payload bytes, then zero bytes up to a multiple of 8
               (so every chunk, and every θ, starts 8-byte aligned).
               CRC32 = zlib.crc32(tag + the 8 length bytes + payload).

    HEAD  (first chunk, once) UTF-8 JSON object: format "gdviz-recording", version,
          gdviz_version, created (UTC ISO 8601), dataset, n_train, n_test, sizes,
          n_params, theta_every, theta_dtype "<f4", config {TrainConfig fields}
    THTA  i64 step | n_params × f4 θ                      (θ after `step` updates)
    COST  i64 k | k × i64 steps | k × f8 costs            (steps strictly increasing
                                                           across all COST chunks)
    EVAL  k × (i64 step, f8 epoch, f8 test_cost, f8 test_accuracy,
               f8 train_cost, f8 train_accuracy)
    EPCH  k × (i64 epoch, i64 step, f8 average training cost)
    SETS  UTF-8 JSON {"step": s, "changes": {"lr": ..., ...}}
    END   (last chunk, once) UTF-8 JSON summary: steps, thetas, evals, last_step, closed

Unknown tags (from a later minor version) are checked and skipped. The reader
checks the magic, version, every CRC and length, that θ has
``count_parameters(sizes)`` finite numbers, that steps increase, that the
costs are finite, and that the END summary matches what was read.
"""

from gdviz.training.recording import format
from gdviz.training.recording.format import *  # noqa: F403 - the format's constants and error
from gdviz.training.recording.reader import open_recording
from gdviz.training.recording.recorder import Recorder
from gdviz.training.recording.replay import Recording

__all__ = [*format.__all__, "Recorder", "Recording", "open_recording"]
