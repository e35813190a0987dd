"""One import for the look of gdviz: every name of :mod:`gdviz.qt.colours`,
:mod:`gdviz.qt.fonts`, :mod:`gdviz.qt.scales`, :mod:`gdviz.qt.plot_items`,
:mod:`gdviz.qt.widgets` and :mod:`gdviz.training.theta`, as ``style.NAME``.

Nothing is defined here; import from those modules in new code.
"""

from __future__ import annotations

from gdviz.qt.colours import *  # noqa: F403
from gdviz.qt.fonts import *  # noqa: F403
from gdviz.qt.plot_items import *  # noqa: F403
from gdviz.qt.scales import *  # noqa: F403
from gdviz.qt.widgets import *  # noqa: F403
from gdviz.training.theta import *  # noqa: F403
