"""A mouse drawing becomes an MNIST-like 28×28 digit (gdviz.data.drawing)."""

import numpy as np
import pytest

from gdviz.data.drawing import center_of_mass, preprocess_drawing, render_stroke, render_strokes


def _bbox(img28):
    ink = np.asarray(img28).reshape(28, 28) > 0
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def _ink_bbox(canvas):
    ink = canvas > 0
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


SEVEN = [(20, 15), (90, 15), (45, 100)]  # a "7" in the top-left corner of a 280 canvas


# ============================================================================ render_stroke
def test_render_stroke_draws_a_round_pen_line():
    c = render_stroke([(40, 100), (240, 100)], size=280, width=20)
    assert c.shape == (280, 280) and c.dtype == np.float32
    assert c.min() == 0.0 and c.max() == 1.0
    column = c[:, 140]
    assert np.count_nonzero(column > 0.5) == 20  # the pen is 20 px wide
    assert np.all(column[110:] == 0) and np.all(column[:90] == 0)
    assert c[100, 40] == 1.0 and c[100, 240] == 1.0  # round caps cover the ends
    assert c[100, 25] == 0.0 and c[100, 255] == 0.0
    grey = c[(c > 0) & (c < 1)]
    assert grey.size > 0  # anti-aliased edges


def test_render_stroke_dot_accumulation_and_shapes():
    dot = render_stroke([(50, 60)], size=(100, 120), width=10)
    assert dot.shape == (100, 120)
    assert dot[60, 50] == 1.0 and dot[60, 70] == 0.0
    cy, cx = center_of_mass(dot)
    assert cy == pytest.approx(59.5, abs=0.1) and cx == pytest.approx(49.5, abs=0.1)  # pixel centres
    canvas = np.zeros((100, 100), np.float32)
    out = render_stroke([(10, 10), (90, 10)], width=6, out=canvas)
    assert out is canvas and canvas[10, 50] == 1.0
    render_stroke([(50, 10), (50, 90)], width=6, out=canvas)
    assert canvas[10, 50] == 1.0 and canvas[80, 50] == 1.0  # two strokes, max not sum
    assert np.array_equal(render_strokes([[(10, 10), (90, 10)], [(50, 10), (50, 90)]], 100, 6), canvas)
    assert not render_stroke([], size=50).any()
    assert not render_stroke([(np.nan, 3.0)], size=50).any()
    assert render_stroke([(-500, -500), (-400, -400)], size=50).sum() == 0  # off the canvas


# ============================================================================ preprocess_drawing
def test_empty_canvas_gives_zeros():
    for canvas in (np.zeros((280, 280), np.uint8), np.zeros((50, 70)), np.zeros((1, 1), np.float32)):
        out = preprocess_drawing(canvas)
        assert out.shape == (784,) and out.dtype == np.uint8 and not out.any()


def test_stroke_in_a_corner_ends_up_centred_and_20px():
    canvas = render_stroke(SEVEN, size=280, width=16)
    out = preprocess_drawing(canvas)
    assert out.shape == (784,) and out.dtype == np.uint8
    assert out.max() == 255 and out.min() == 0
    cy, cx = center_of_mass(out.reshape(28, 28))
    assert abs(cy - 14) <= 0.6 and abs(cx - 14) <= 0.6
    h, w = _bbox(out)
    assert max(h, w) in (19, 20) and h <= 20 and w <= 20


def test_centre_of_mass_for_many_random_strokes():
    rng = np.random.default_rng(0)
    for _ in range(40):
        pts = rng.uniform(0, 280, size=(rng.integers(1, 6), 2))
        canvas = render_stroke(pts, size=280, width=rng.uniform(5, 30))
        out = preprocess_drawing(canvas).reshape(28, 28)
        h, w = _bbox(out)
        assert h <= 20 and w <= 20 and max(h, w) >= 19
        ih, iw = _ink_bbox(canvas)
        if min(ih, iw) * 20 / max(ih, iw) >= 4:  # thin lines: the short side is only a pixel or two
            cy, cx = center_of_mass(out)
            assert abs(cy - 14) <= 1.0 and abs(cx - 14) <= 1.0


def test_aspect_ratio_is_kept():
    canvas = render_stroke([(30, 200), (230, 200), (230, 120)], size=280, width=20)  # 220 × 100 of ink
    ih, iw = _ink_bbox(canvas)
    h, w = _bbox(preprocess_drawing(canvas))
    assert w == 20
    assert abs(h - 20 * ih / iw) <= 1.0
    tall = canvas.T.copy()
    h2, w2 = _bbox(preprocess_drawing(tall))
    assert (h2, w2) == (w, h)


def test_translation_and_input_type_do_not_matter():
    a = render_stroke(SEVEN, size=280, width=16)
    b = render_stroke([(x + 150, y + 160) for x, y in SEVEN], size=280, width=16)
    assert np.array_equal(preprocess_drawing(a), preprocess_drawing(b))
    u8 = np.rint(a * 255).astype(np.uint8)
    assert np.abs(preprocess_drawing(u8).astype(int) - preprocess_drawing(a).astype(int)).max() <= 2
    assert np.array_equal(preprocess_drawing(a.astype(np.float64) * 255), preprocess_drawing(a))
    big = np.zeros((600, 400), np.float32)
    big[100:380, 50:330] = a
    assert np.array_equal(preprocess_drawing(big), preprocess_drawing(a))


def test_a_full_block_fills_the_20px_box_exactly():
    out = preprocess_drawing(np.ones((280, 280))).reshape(28, 28)
    rows, cols = np.flatnonzero(out.any(axis=1)), np.flatnonzero(out.any(axis=0))
    assert len(rows) == len(cols) == 20
    assert np.all(out[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1] == 255)
    assert out.sum() == 400 * 255
    assert rows[0] in (4, 5) and cols[0] in (4, 5)


def test_area_averaging_gives_grey_antialiased_edges():
    # a 2-px-wide line in a 200-px drawing shrinks to 0.2 px: area averaging keeps it as faint grey
    canvas = np.zeros((200, 200))
    canvas[:, 99:101] = 1.0
    canvas[0, :] = 1.0  # a 1-px-high bar so the bounding box is 200 × 200
    raw = preprocess_drawing(canvas, stretch=False).reshape(28, 28)
    col = raw[14:22, :].max(axis=0)
    assert 0 < col.max() < 128  # averaged, not point-sampled (which would give 0 or 255)
    total = canvas.sum() * (20 / 200) ** 2  # area averaging conserves ink in proportion
    assert raw.sum() / 255 == pytest.approx(total, rel=0.05)
    stretched = preprocess_drawing(canvas)
    assert stretched.max() == 255


def test_small_drawing_is_scaled_up():
    canvas = np.zeros((280, 280), np.uint8)
    canvas[100:110, 100:105] = 255  # 10 tall × 5 wide
    out = preprocess_drawing(canvas)
    assert _bbox(out) == (20, 10)
    cy, cx = center_of_mass(out.reshape(28, 28))
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_bad_input():
    with pytest.raises(ValueError):
        preprocess_drawing(np.zeros((2, 3, 4)))
    nan = np.full((30, 30), np.nan)
    nan[10:20, 12:14] = 1.0
    out = preprocess_drawing(nan)
    assert out.dtype == np.uint8 and out.max() == 255
