"""The colours of gdviz, shared by the window (``gdviz.qt``) and the Qt-free
renderer (``gdviz.render``), so a PNG, GIF or panel uses exactly these.

Every signed quantity (weights, −∇C, Δθ, biases) uses one diverging colormap:
blue = negative, near-white = zero, red = positive, with symmetric levels.
Colours are ``"#rrggbb"`` strings; :func:`rgb` gives the ``(r, g, b)`` bytes.
"""

from __future__ import annotations

__all__ = [
    "BACKGROUND", "FOREGROUND", "MUTED", "BOARD", "POSITIVE", "NEGATIVE", "BAR", "ANSWER_RIGHT",
    "ANSWER_WRONG", "TARGET", "GUIDE", "DIVERGING_HEX", "SEQUENTIAL_HEX", "rgb",
]

BACKGROUND = "#ffffff"  # plot background, paper
FOREGROUND = "#333333"  # axes, text
MUTED = "#6b6b6b"  # secondary text
BOARD = "#c9c9c9"  # behind heatmaps: gaps between tiles and NaN pixels
POSITIVE = "#b2182b"  # red end of the diverging map
NEGATIVE = "#2166ac"  # blue end
BAR = "#7d93b2"  # ordinary bars
ANSWER_RIGHT = "#1a9850"  # the network's answer when it is right
ANSWER_WRONG = "#e66101"  # ... and when it is wrong
TARGET = "#222222"  # outline of the desired output
GUIDE = "#e4e4e4"  # faint reference lines in plots

#: ColorBrewer RdBu (11 classes), reversed: blue (negative) -> white -> red (positive).
DIVERGING_HEX = ("#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
                 "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f")
#: Activations in [0, 1]: pale (off) -> deep green (on).
SEQUENTIAL_HEX = ("#f4f4f4", "#ccece6", "#99d8c9", "#66c2a4", "#2ca25f", "#006d2c", "#00441b")


def rgb(hex_colour: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` -> ``(r, g, b)`` in 0..255."""
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
