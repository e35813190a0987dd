"""Render ``resources/gdviz.svg`` to ``resources/gdviz.png`` (256×256, transparent corners).

Uses Qt's own SVG renderer (``PySide6.QtSvg``, part of PySide6-Essentials), so
the PNG matches what Qt draws from the SVG. Run it after editing the SVG::

    QT_QPA_PLATFORM=offscreen python packaging/render_icon.py [--size 256]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[1] / "resources"


def render(svg: Path, png: Path, size: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - keeps Qt alive
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: Qt cannot read this SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(png), "PNG"):
        raise SystemExit(f"cannot write {png}")
    print(f"{png} ({size}×{size}, {png.stat().st_size:,} bytes)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--svg", type=Path, default=RESOURCES / "gdviz.svg")
    ap.add_argument("--out", type=Path, default=RESOURCES / "gdviz.png")
    ap.add_argument("--size", type=int, default=256)
    args = ap.parse_args(argv)
    render(args.svg, args.out, args.size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
