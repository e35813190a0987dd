"""``python -m gdviz`` is the same as the ``gdviz`` command."""

import multiprocessing
import sys

from gdviz.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen app's training process starts here
    sys.exit(main())
