"""The window's tabs: the live network first, then one tab per teaching view
(``gdviz.qt.views.VIEWS``), each view created the first time its tab is shown
and drawn only while shown, at ``VIEW_HZ`` at most."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from gdviz.qt.views import VIEW_HZ, VIEWS, LessonView, create_view

__all__ = ["LessonTabs"]


class LessonTabs(QTabWidget):
    """Tab 0 is ``live``; ``views`` holds the teaching views created so far (name -> view).

    ``viewCreated(name, view)`` is emitted once per view, before it is first shown:
    the window gives it its context there.
    """

    viewCreated = Signal(str, object)

    def __init__(self, live: QWidget, parent=None):
        super().__init__(parent)
        self.setObjectName("LessonTabs")
        self.setDocumentMode(True)
        self.addTab(live, "Live network")
        self.setTabToolTip(0, "The network learning: its weights, its answer and its cost, live")
        self.views: dict[str, LessonView] = {}
        self._pages: dict[str, QWidget] = {}
        self._drawn_at = 0.0
        for name, spec in VIEWS.items():
            page = QWidget()
            page.setObjectName(f"page-{name}")
            QVBoxLayout(page).setContentsMargins(0, 0, 0, 0)
            self._pages[name] = page
            self.setTabToolTip(self.addTab(page, spec.title), spec.description)
        self.currentChanged.connect(self._changed)

    def current_name(self) -> str:
        """The name of the tab shown: a key of ``VIEWS``, or "live"."""
        page = self.currentWidget()
        return next((name for name, p in self._pages.items() if p is page), "live")

    def current_view(self) -> LessonView | None:
        return self.views.get(self.current_name())

    def show_view(self, name: str) -> LessonView | None:
        """Show the view ``name`` (a key of ``VIEWS``) or ``"live"``; returns the view."""
        if name == "live":
            self.setCurrentIndex(0)
            return None
        if name not in VIEWS:
            raise ValueError(f"unknown view {name!r}; choose one of {', '.join(VIEWS)}")
        self.setCurrentWidget(self._pages[name])
        return self.view(name)

    def view(self, name: str) -> LessonView:
        """The view ``name``, created (and announced by ``viewCreated``) if needed."""
        view = self.views.get(name)
        if view is None:
            view = self.views[name] = create_view(name)
            view.setObjectName(f"view-{name}")
            self.viewCreated.emit(name, view)
            self._pages[name].layout().addWidget(view)
        return view

    def _changed(self, _index: int) -> None:
        name = self.current_name()
        if name != "live":
            self.view(name)
            self._drawn_at = 0.0  # draw it at the next tick

    def draw(self, snap, now: float) -> None:
        """Render the view on show if ``1 / VIEW_HZ`` s have passed (its background
        jobs are polled in render, so this runs even without a new snapshot)."""
        view = self.current_view()
        if view is not None and now - self._drawn_at >= 1.0 / VIEW_HZ:
            view.render(snap)
            self._drawn_at = now

    def set_context(self, session, dataset) -> None:
        for view in self.views.values():
            view.set_context(session, dataset)

    def ingest(self, snap) -> None:
        """Every snapshot to every view created (views that keep a history of the run); a
        hidden view still holding another run forgets it."""
        for view in self.views.values():
            view.ingest(snap)
            if view.snap is not None and view.snap.run_id != snap.run_id and not view.isVisible():
                view.forget_run()

    def request_stop(self) -> None:
        for view in self.views.values():
            view.request_stop()

    def shutdown(self, deadline: float | None = None) -> None:
        for view in self.views.values():
            view.shutdown(deadline)
