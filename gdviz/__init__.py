"""gdviz: watch a neural network learn by gradient descent.

Layers (each imports only the ones above it in this list):
``gdviz.data`` (datasets) -> ``gdviz.core`` (the network, NumPy only) ->
``gdviz.training`` (a session: commands in, snapshots out) -> ``gdviz.qt``
(the window) -> ``gdviz.cli``; ``gdviz.limits`` (the stated size limits)
lies below them all.
"""

__version__ = "0.1.0"
