"""Entry script of the PyInstaller app (``packaging/gdviz.spec``): the ``gdviz`` command.

It lives outside the package so that PyInstaller, which puts the script's
folder on its search path, never sees ``gdviz/``'s subfolders as top-level modules.
"""

import multiprocessing
import sys

from gdviz.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
