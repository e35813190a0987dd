"""The core stays pure: gdviz.core, gdviz.data and gdviz.training import no Qt."""

import subprocess
import sys


def test_core_data_training_import_no_qt():
    code = (
        "import sys; import gdviz.core, gdviz.data, gdviz.training, gdviz.training.checkpoint, gdviz.training.recording, gdviz.training.analysis, gdviz.data.drawing;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6', 'gdviz.qt'));"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
