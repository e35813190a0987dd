"""Turn a digit drawn with the mouse into an MNIST-like 28×28 image (NumPy only).

MNIST's own recipe (LeCun et al.): each digit was scaled, keeping its aspect
ratio, to fit a 20×20 box with anti-aliasing (so edges are grey), then placed
in a 28×28 field so that its centre of mass lies at the centre. On the
embedded sample the centre of mass is at (row, col) ≈ (14.0, 14.0) in pixel
indices, and every digit's brightest pixel is 254–255.

:func:`render_stroke` rasterises mouse strokes onto a canvas;
:func:`preprocess_drawing` turns any canvas into the network's input.
"""

from __future__ import annotations

import numpy as np

__all__ = ["preprocess_drawing", "render_stroke", "render_strokes", "center_of_mass"]

MNIST_BOX = 20  # the larger side of the digit, in pixels
MNIST_SIZE = 28


def _unit_canvas(canvas) -> np.ndarray:
    """float64 copy in [0, 1]: uint8 is /255; floats whose max exceeds 1 are taken as 0..255."""
    c = np.asarray(canvas)
    if c.ndim != 2:
        raise ValueError(f"a drawing must be a 2-D array, got shape {c.shape}")
    if c.dtype == np.uint8:
        return c.astype(np.float64) / 255.0
    f = np.array(c, dtype=np.float64)
    f[~np.isfinite(f)] = 0.0
    if f.size and f.max() > 1.0:
        f /= 255.0
    return np.clip(f, 0.0, 1.0, out=f)


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of area-averaging resampling: output pixel i covers
    input span [i·n_in/n_out, (i+1)·n_in/n_out) and takes the mean over it,
    partial pixels counted by their overlap. Each row sums to 1."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    j = np.arange(n_in)[None, :]
    overlap = np.minimum(edges[1:, None], j + 1) - np.maximum(edges[:-1, None], j)
    return np.clip(overlap, 0.0, None) / (n_in / n_out)


def center_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, col) of the intensity-weighted centre of a 2-D image, in pixel
    indices (pixel (r, c) sits at (r, c)); (nan, nan) if it is all zero."""
    img = np.asarray(image, dtype=np.float64)
    m = img.sum()
    if m <= 0:
        return float("nan"), float("nan")
    return (float(img.sum(axis=1) @ np.arange(img.shape[0]) / m),
            float(img.sum(axis=0) @ np.arange(img.shape[1]) / m))


def preprocess_drawing(canvas, *, box: int = MNIST_BOX, size: int = MNIST_SIZE,
                       threshold: float = 0.5 / 255, stretch: bool = True) -> np.ndarray:
    """An MNIST-like image (size·size,) uint8 from a drawing.

    ``canvas``: 2-D uint8 (0..255) or float (0..1; or 0..255 if its max is
    above 1) array of any size, ink = high values. Steps: crop to the
    bounding box of pixels above ``threshold``; resample with area averaging
    so the larger side is ``box`` px, aspect ratio kept; with ``stretch``,
    scale intensities so the brightest pixel is 255 (as in MNIST); paste into
    a ``size``×``size`` field shifted (by the rounded offset) so the centre of
    mass is at (size/2, size/2) = (14, 14); ink shifted past the border is cut,
    as in MNIST. An empty canvas gives all zeros.
    """
    f = _unit_canvas(canvas)
    out = np.zeros((size, size), dtype=np.float64)
    ink = f > threshold
    if not ink.any():
        return out.astype(np.uint8).reshape(-1)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = f[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    oh, ow = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
    patch = _area_matrix(h, oh) @ crop @ _area_matrix(w, ow).T  # (oh, ow) in [0, 1]
    if stretch and patch.max() > 0:
        patch /= patch.max()
    cy, cx = center_of_mass(patch)
    top, left = int(round(size / 2 - cy)), int(round(size / 2 - cx))
    # paste patch at (top, left), cutting what falls outside the field
    r0, c0 = max(0, top), max(0, left)
    r1, c1 = min(size, top + oh), min(size, left + ow)
    if r1 > r0 and c1 > c0:
        out[r0:r1, c0:c1] = patch[r0 - top:r1 - top, c0 - left:c1 - left]
    return np.rint(np.clip(out, 0.0, 1.0) * 255.0).astype(np.uint8).reshape(-1)


def render_stroke(points, size: int | tuple[int, int] = 280, width: float | None = None,
                  out: np.ndarray | None = None) -> np.ndarray:
    """Rasterise a polyline of mouse points as a round-capped pen line.

    ``points`` (k, 2) as (x, y) = (column, row) in canvas pixels (Qt's mouse
    coordinates; pixel (r, c) covers [c, c+1)×[r, r+1)). ``width`` is the pen
    diameter in pixels (default size/13, about 21 px on a 280-px canvas, which
    becomes MNIST's ~2-px strokes when a digit fills the canvas). Edges are
    anti-aliased over one pixel. Returns a float32 (h, w) canvas in [0, 1];
    with ``out`` (float32, 2-D) the stroke is added to it in place (max) and
    ``out`` is returned, so several strokes make one drawing.
    """
    h, w = (size, size) if np.ndim(size) == 0 else (int(size[0]), int(size[1]))
    if out is None:
        out = np.zeros((h, w), dtype=np.float32)
    else:
        h, w = out.shape
    if width is None:
        width = min(h, w) / 13.0
    r = max(0.5, float(width) / 2.0)
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if len(pts) == 0:
        return out
    segs = zip(pts, pts[1:]) if len(pts) > 1 else [(pts[0], pts[0])]
    reach = r + 1.0
    for p, q in segs:
        x0 = max(0, int(np.floor(min(p[0], q[0]) - reach)))
        x1 = min(w, int(np.ceil(max(p[0], q[0]) + reach)) + 1)
        y0 = max(0, int(np.floor(min(p[1], q[1]) - reach)))
        y1 = min(h, int(np.ceil(max(p[1], q[1]) + reach)) + 1)
        if x1 <= x0 or y1 <= y0:
            continue
        px = np.arange(x0, x1) + 0.5  # pixel centres
        py = np.arange(y0, y1)[:, None] + 0.5
        d = q - p
        len2 = float(d @ d)
        if len2 > 0:
            t = np.clip(((px - p[0]) * d[0] + (py - p[1]) * d[1]) / len2, 0.0, 1.0)
        else:
            t = 0.0
        dist = np.hypot(px - (p[0] + t * d[0]), py - (p[1] + t * d[1]))
        val = np.clip(r + 0.5 - dist, 0.0, 1.0).astype(np.float32)
        np.maximum(out[y0:y1, x0:x1], val, out=out[y0:y1, x0:x1])
    return out


def render_strokes(strokes, size: int | tuple[int, int] = 280, width: float | None = None) -> np.ndarray:
    """Several polylines (a list of (k_i, 2) point arrays) on one float32 canvas."""
    h, w = (size, size) if np.ndim(size) == 0 else (int(size[0]), int(size[1]))
    canvas = np.zeros((h, w), dtype=np.float32)
    for pts in strokes:
        render_stroke(pts, width=width, out=canvas)
    return canvas
