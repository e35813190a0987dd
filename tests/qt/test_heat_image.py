"""HeatImage turns any array and any colour scale into pixels without a NumPy warning:
non-finite cells are transparent, unusable levels fall back to [0, 1]."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gdviz.qt.style import HeatImage, argb_table


def pixels(item: HeatImage) -> np.ndarray:
    img = item._render()
    h, w = item._shape
    return np.frombuffer(img.constBits(), np.uint32, count=h * w).reshape(h, w).copy()


@pytest.mark.parametrize("levels", [(-1.0, 1.0), (float("nan"), float("nan")), (-np.inf, np.inf),
                                    (0.0, np.inf), (-1e38, 1e38), (1.0, 1.0), (2.0, -2.0)])
def test_no_warning_whatever_the_data_and_levels(qapp, levels):
    table = np.arange(256, dtype=np.uint32) | np.uint32(0xFF000000)
    item = HeatImage(table)
    data = np.array([[0.0, 0.5, -0.5, np.nan], [np.inf, -np.inf, 3e38, -3e38],
                     [1e300, -1e300, 1e-45, 7.0]], dtype=np.float64)
    with np.errstate(over="ignore"):
        data32 = data.astype(np.float32)  # (±1e300 become ±inf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for image in (data, data32, np.full((2, 3), np.nan), np.arange(6).reshape(2, 3)):
            item.setImage(image, levels=levels)
            px = pixels(item)
            assert px.shape == image.shape
    item.setImage(data, levels=levels)
    px = pixels(item)
    assert (px[~np.isfinite(data)] == 0).all()  # non-finite cells are transparent
    assert (px[np.isfinite(data)] >> 24 == 0xFF).all()  # every finite cell has a colour


def test_colours_follow_the_levels(qapp):
    item = HeatImage(argb_table(rgba=np.stack([np.arange(256)] * 3 + [np.full(256, 255)], 1)))
    item.setImage(np.array([[-1.0, 0.0, 1.0]]), levels=(-1.0, 1.0))
    blue = pixels(item)[0] & 0xFF
    assert blue[0] == 0 and 127 <= blue[1] <= 128 and blue[2] == 255
