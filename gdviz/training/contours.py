"""Contour lines of a cost map by marching squares, vectorised (no Qt).

pyqtgraph's ``isocurve`` is a pure-Python loop: in a background thread it
would hold the interpreter lock for milliseconds at a time. These functions
do every cell of the grid at once in NumPy.
"""

from __future__ import annotations

import numpy as np

__all__ = ["contour_segments", "contour_lines"]


def contour_segments(img: np.ndarray, level: float) -> np.ndarray:
    """The segments where ``img`` crosses ``level``.

    ``img`` (ny, nx), NaN allowed (no segment touches a NaN corner). Returns
    (k, 2, 2) float64: segment, end point, (x = column, y = row) in index units.
    A saddle cell (all four edges crossed) is split top-left / bottom-right.
    """
    v = np.asarray(img, dtype=np.float64)
    if v.ndim != 2:
        raise ValueError(f"a contour needs a 2-D map, got shape {v.shape}")
    ny, nx = v.shape
    if ny < 2 or nx < 2:
        return np.zeros((0, 2, 2))
    below = v < level
    fin = np.isfinite(v)
    with np.errstate(all="ignore"):
        # horizontal edges (ny, nx-1): from (r, c) to (r, c+1)
        hx = (below[:, :-1] != below[:, 1:]) & fin[:, :-1] & fin[:, 1:]
        th = (level - v[:, :-1]) / (v[:, 1:] - v[:, :-1])
        # vertical edges (ny-1, nx): from (r, c) to (r+1, c)
        vx = (below[:-1, :] != below[1:, :]) & fin[:-1, :] & fin[1:, :]
        tv = (level - v[:-1, :]) / (v[1:, :] - v[:-1, :])
    r, c = np.mgrid[0:ny - 1, 0:nx - 1]
    # each cell's four edges in the order top, right, bottom, left: crossing flags and points
    flags = np.stack([hx[:-1, :], vx[:, 1:], hx[1:, :], vx[:, :-1]], axis=-1)
    px = np.stack([c + th[:-1, :], c + 1.0, c + th[1:, :], c + 0.0], axis=-1)
    py = np.stack([r + 0.0, r + tv[:, 1:], r + 1.0, r + tv[:, :-1]], axis=-1)
    n = flags.sum(axis=-1)
    segs = []
    two = n == 2
    if two.any():
        f, x, y = flags[two], px[two], py[two]
        order = np.argsort(~f, axis=1, kind="stable")[:, :2]
        xs = np.take_along_axis(x, order, 1)
        ys = np.take_along_axis(y, order, 1)
        segs.append(np.stack([xs, ys], axis=-1))
    four = n == 4
    if four.any():
        x, y = px[four], py[four]
        for i, j in ((0, 3), (2, 1)):
            segs.append(np.stack([x[:, [i, j]], y[:, [i, j]]], axis=-1))
    return np.concatenate(segs) if segs else np.zeros((0, 2, 2))


def contour_lines(img: np.ndarray, levels, extent: float) -> tuple[np.ndarray, np.ndarray]:
    """Every level's segments of a square map whose rows and columns span
    [−extent, extent], as x, y arrays of point pairs (for ``connect="pairs"``)."""
    n = np.asarray(img).shape[0]
    d = 2 * extent / (n - 1) if n > 1 else 1.0
    segs = [contour_segments(img, float(lv)) for lv in levels]
    p = np.concatenate(segs).reshape(-1, 2) if segs else np.zeros((0, 2))
    return -extent + p[:, 0] * d, -extent + p[:, 1] * d
