"""Export what the window shows: any panel or teaching view as PNG or SVG,
the cost panel's metrics as CSV, and a weights animation (GIF) of a recording.

``attach(window)`` adds File ▸ Export (Panel as PNG/SVG ▸ one entry per live
panel and per teaching view, and the PNG scale 1× / 2×; Metrics as CSV…;
Weights animation (GIF)…) and an **Export panel…** entry to each panel's and
view's right-click menu.

* PNG: the panel drawn at the chosen scale (2×: twice the pixels, drawn at
  that resolution) with its title, plots and colour bars, without its
  buttons, boxes and fields.
* SVG: the panel painted into a ``QSvgGenerator`` — lines, text and axes as
  vectors, heatmaps as embedded images (the whole panel, where pyqtgraph's
  ``SVGExporter`` would only see one plot's scene and none of its Qt labels).
* CSV and GIF come from :mod:`gdviz.render` (no Qt), the same code as
  ``gdviz export``; MP4 only when ``imageio-ffmpeg`` is installed.

"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QMenu,
    QSlider,
    QWidget,
)

from gdviz import render
from gdviz.qt.live_tab import PANEL_TITLES
from gdviz.qt.menus import find_action, find_menu, insert_into
from gdviz.qt.views import VIEWS

__all__ = ["PANEL_TITLES", "SCALES", "ExportController", "attach", "export_panel", "export_metrics_csv",
           "export_animation", "without_controls"]


def panel_title(name: str) -> str:
    """The title of a live panel or a teaching view (a key of ``VIEWS``)."""
    if name in VIEWS:
        return VIEWS[name].title
    return PANEL_TITLES.get(name, name.replace("_", " ").capitalize())


def attach(window, replay=None) -> "ExportController":
    """Add File ▸ Export and each panel's "Export panel…" to ``window``; return the controller.
    ``replay`` (a :class:`~gdviz.qt.replay.ReplayController`) offers its open recording to animate."""
    return ExportController(window, replay)


# ====================================================================== files
#: What a person sets rather than reads: left out of an exported panel.
CONTROLS = (QAbstractButton, QComboBox, QAbstractSpinBox, QSlider, QLineEdit)
#: The scales offered for PNG export (2× for print or a large projector).
SCALES = (1, 2)


@contextmanager
def without_controls(widget: QWidget):
    """``widget`` laid out without its buttons, boxes and fields while the block runs."""
    hidden = [w for w in widget.findChildren(QWidget) if isinstance(w, CONTROLS) and w.isVisibleTo(widget)]
    for w in hidden:
        w.hide()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    try:
        yield widget
    finally:
        for w in hidden:
            w.show()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def export_panel(widget: QWidget, path, fmt: str | None = None, *, scale: float = 1.0,
                 controls: bool = False) -> Path:
    """Save ``widget`` (a panel or a view) as PNG or SVG (``fmt``, default from the
    suffix); the path. A PNG has ``scale`` × the widget's size in pixels (drawn at that
    resolution, not enlarged); buttons and boxes are left out unless ``controls``.

    Raises ``ValueError`` for another format, ``OSError`` when the file cannot be written.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("png", "svg"):
        raise ValueError(f"{path.name}: a panel is exported as .png or .svg, not {fmt or 'no suffix'!r}")
    if not (scale > 0 and scale <= 8):
        raise ValueError(f"scale {scale!r}: choose a scale from 1 to 8")
    if not path.parent.is_dir():
        raise OSError(f"{path}: the folder {path.parent} does not exist")
    size = widget.size()
    if size.isEmpty():
        size = widget.sizeHint().expandedTo(QSize(64, 64))
        widget.resize(size)
    with nullcontext(widget) if controls else without_controls(widget):
        if fmt == "png":
            pixmap = QPixmap(QSize(round(size.width() * scale), round(size.height() * scale)))
            pixmap.setDevicePixelRatio(scale)
            pixmap.fill(Qt.GlobalColor.white)
            QWidget.render(widget, pixmap, QPoint(0, 0))  # (panels have their own render(snapshot))
            if not pixmap.save(str(path), "PNG"):
                raise OSError(f"{path}: could not write the image")
            return path
        from PySide6.QtSvg import QSvgGenerator

        gen = QSvgGenerator()
        gen.setFileName(str(path))
        gen.setSize(size)
        gen.setViewBox(QRect(QPoint(0, 0), size))
        gen.setTitle(f"gdviz — {widget.objectName() or 'panel'}")
        gen.setDescription("Exported from gdviz")
        painter = QPainter()
        if not painter.begin(gen):
            raise OSError(f"{path}: could not write the drawing")
        try:
            QWidget.render(widget, painter, QPoint(0, 0))
        finally:
            painter.end()
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(f"{path}: could not write the drawing")
    return path


def export_metrics_csv(cost_panel, path) -> dict[str, int]:
    """The cost panel's whole history as CSV (layout: :func:`gdviz.render.write_metrics_csv`)."""
    h = cost_panel.history()
    return render.write_metrics_csv(path, h["steps"], h["costs"], h["evals"], h["epoch_costs"])


def export_animation(recording, out, fps: float = 10.0, every: int | None = None) -> int:
    """A GIF (or MP4) of the first-layer weights over ``recording`` (a Recording or a path); frames written."""
    from gdviz.training.recording import open_recording

    rec = open_recording(recording) if isinstance(recording, (str, Path)) else recording
    try:
        steps = render.gif_frame_steps(rec.theta_steps, every)
        return render.write_animation(out, render.recording_frames(rec, steps), fps)
    finally:
        if rec is not recording:
            rec.close()


# ====================================================================== in the window
class ExportController(QObject):
    """File ▸ Export and the panels' "Export panel…" (see the module docstring)."""

    def __init__(self, window, replay=None):
        super().__init__(window)
        self.setObjectName("ExportController")
        self.window = window
        self.replay = replay
        self.last_context_menu: QMenu | None = None
        self._panel_actions: dict[str, QAction] = {}
        self.menu = QMenu("&Export", window)
        self.panel_menu = self.menu.addMenu("&Panel as PNG/SVG")
        self.menu.addSeparator()
        self.csv_action = self.menu.addAction("&Metrics as CSV…", self.metrics_dialog)
        self.csv_action.setStatusTip("Every step's cost and every evaluation of the run in the cost panel")
        self.gif_action = self.menu.addAction("&Weights animation (GIF)…", self.animation_dialog)
        tip = "The first layer's weights over a recording, one frame per recorded θ"
        if not render.mp4_available():
            tip += " (MP4 needs the imageio-ffmpeg package, which is not installed)"
        self.gif_action.setStatusTip(tip)
        self.gif_action.setToolTip(tip)
        file_menu = find_menu(window, "File")
        if file_menu is not None:
            anchor = find_action(file_menu, "Save screenshot")
            insert_into(file_menu, [self.menu], after=anchor)
        self.panel_entries: dict[str, QAction] = {}
        for name in (*window.panels, None, *VIEWS):
            if name is None:
                self.panel_menu.addSeparator()
                continue
            entry = self.panel_entries[name] = self.panel_menu.addAction(f"{panel_title(name)}…")
            entry.triggered.connect(lambda _=False, n=name: self.panel_dialog(n))
        self.panel_menu.addSeparator()
        group = QActionGroup(self)
        self.scale_actions: dict[int, QAction] = {}
        for k in SCALES:
            a = self.scale_actions[k] = self.panel_menu.addAction(f"PNG at {k}× the screen's size")
            a.setCheckable(True)
            group.addAction(a)
        self.scale_actions[1].setChecked(True)
        self.add_panels()

    @property
    def scale(self) -> int:
        """The PNG scale chosen in the menu (1 or 2)."""
        return next(k for k, a in self.scale_actions.items() if a.isChecked())

    def set_scale(self, scale: int) -> None:
        self.scale_actions[int(scale)].setChecked(True)

    def add_panels(self) -> None:
        """Give every live panel and every teaching view created so far its "Export panel…"."""
        for name, panel in {**self.window.panels, **self.window.views}.items():
            if name not in self._panel_actions:
                self._add_context_entry(name, panel)

    def add_view(self, name: str, view: QWidget) -> None:
        """Give a teaching view just created its "Export panel…"."""
        if name not in self._panel_actions:
            self._add_context_entry(name, view)

    def _add_context_entry(self, name: str, widget: QWidget) -> None:
        action = QAction("Export panel…", widget)
        action.setStatusTip(f"Save {panel_title(name)} as a PNG or SVG picture")
        action.triggered.connect(lambda _=False, n=name: self.panel_dialog(n))
        self._panel_actions[name] = action
        if widget.contextMenuPolicy() == Qt.ContextMenuPolicy.DefaultContextMenu:
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(lambda pos, n=name: self._context_menu(n, pos))
        else:  # the widget has its own menu: offer the entry through its actions
            widget.addAction(action)

    def widget_for(self, name: str) -> QWidget:
        """The live panel ``name``, or the teaching view ``name`` (shown, so it has its size)."""
        if name in self.window.panels:
            return self.window.panels[name]
        if name in VIEWS:
            view = self.window.show_view(name)
            QCoreApplication.processEvents()  # laid out in its tab before it is drawn
            return view
        raise KeyError(name)

    def context_menu(self, name: str) -> QMenu:
        """The right-click menu of panel ``name`` (not shown)."""
        menu = QMenu(self.widget_for(name))
        menu.addAction(self._panel_actions[name])
        return menu

    def _context_menu(self, name: str, pos) -> None:
        menu = self.context_menu(name)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_context_menu = menu
        menu.popup(self.widget_for(name).mapToGlobal(pos))

    # ---------------------------------------------------------------- actions
    def export_panel(self, name: str, path, scale: int | None = None) -> Path | None:
        """Save panel or view ``name`` to ``path`` (.png or .svg) at ``scale`` (default: the
        menu's); errors go to a message box."""
        panel = self.widget_for(name)
        try:
            out = export_panel(panel, path, scale=self.scale if scale is None else scale)
        except (OSError, ValueError) as exc:
            self.window.show_error("Could not export the panel", str(exc))
            return None
        self.window.statusBar().showMessage(f"Saved {panel_title(name)} as {out}", 6000)
        return out

    def panel_dialog(self, name: str) -> None:
        default = f"gdviz-{name.replace('_', '-')}.png"
        path, chosen = QFileDialog.getSaveFileName(
            self.window, f"Export {panel_title(name)}", default,
            "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            if Path(path).suffix.lower() not in (".png", ".svg"):
                path += ".svg" if "svg" in chosen.lower() else ".png"
            self.export_panel(name, path)

    def export_metrics(self, path) -> dict[str, int] | None:
        try:
            counts = export_metrics_csv(self.window.cost_panel, path)
        except OSError as exc:
            self.window.show_error("Could not export the metrics", f"{path}: {exc.strerror or exc}")
            return None
        self.window.statusBar().showMessage(
            f"Saved {counts['step']:,} steps and {counts['eval']:,} evaluations to {path}", 6000)
        return counts

    def metrics_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export metrics", "gdviz-metrics.csv",
                                              "CSV tables (*.csv)")
        if path:
            if not path.lower().endswith(".csv"):
                path += ".csv"
            self.export_metrics(path)

    def export_animation(self, recording, out, fps: float = 10.0, every: int | None = None) -> int | None:
        """Write the weights animation; the number of frames (None after a message box)."""
        from gdviz.training.recording import RecordingError

        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            n = export_animation(recording, out, fps, every)
        except (RecordingError, RuntimeError, ValueError) as exc:
            self.window.show_error("Could not export the animation", str(exc))
            return None
        except OSError as exc:
            self.window.show_error("Could not export the animation", f"{out}: {exc.strerror or exc}")
            return None
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.window.statusBar().showMessage(f"Saved {n} frames to {out}", 6000)
        return n

    def animation_dialog(self) -> None:
        from gdviz.training.recording import SUFFIX

        recording = self.replay.recording if self.replay is not None else None
        if recording is None:
            src, _ = QFileDialog.getOpenFileName(self.window, "Recording to animate", "",
                                                 f"gdviz recordings (*{SUFFIX});;All files (*)")
            if not src:
                return
            recording = src
        filters = "GIF animation (*.gif)"
        title = "Save the weights animation"
        if render.mp4_available():
            filters += ";;MP4 video (*.mp4)"
        else:
            title += " (GIF; MP4 needs imageio-ffmpeg)"
        out, chosen = QFileDialog.getSaveFileName(self.window, title, "gdviz-weights.gif", filters)
        if out:
            if Path(out).suffix.lower() not in (".gif", ".mp4"):
                out += ".mp4" if "mp4" in chosen.lower() else ".gif"
            self.export_animation(recording, out)
