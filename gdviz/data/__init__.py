"""Data layer of gdviz: IDX files, the embedded MNIST sample, full MNIST, IDX folders.

No Qt here: only NumPy, pooch (downloads) and the standard library.
Every loader returns a :class:`Dataset` of read-only uint8 arrays
(images ``(N, 784)``, labels ``(N,)`` in 0..9) or raises :class:`DataError`.
"""

from gdviz.data.datasets import (
    Dataset,
    data_info,
    load_dataset,
    load_idx_dir,
    load_mnist,
    load_sample,
)
from gdviz.data.download import MIRRORS, MNIST_FILES, default_cache_dir, fetch_mnist
from gdviz.data.idx import DataError, read_idx, write_idx

__all__ = [
    "DataError",
    "Dataset",
    "MIRRORS",
    "MNIST_FILES",
    "data_info",
    "default_cache_dir",
    "fetch_mnist",
    "load_dataset",
    "load_idx_dir",
    "load_mnist",
    "load_sample",
    "read_idx",
    "write_idx",
]
