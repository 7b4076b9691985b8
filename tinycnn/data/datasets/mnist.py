"""MNIST and Fashion-MNIST from their IDX files (gzipped, xz-compressed or plain).

``root`` may be the folder holding the four files (e.g. ``../shared/data/mnist``) or a
parent of it: ``root/mnist``, ``root/MNIST/raw`` (torchvision's layout) and ``root/MNIST``
are searched too (``fashion-mnist``, ``FashionMNIST/raw``, ``FashionMNIST`` for
Fashion-MNIST). ``download=True`` fetches the official ``.gz`` files into
``root/MNIST/raw`` (``root/FashionMNIST/raw``) and checks their md5.

``data``: uint8 ``(N, 28, 28)``; ``targets``: int64 ``(N,)``; samples are
``(image (28, 28) uint8, label)`` before the transform.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import utils
from .arrays import ArrayDataset


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """An IDX file of uint8 data with ``ndim`` dimensions (big-endian header: two zero
    bytes, type 0x08, ndim, then one 4-byte size per dimension)."""
    raw = utils.read_bytes(path)
    header = 4 + 4 * ndim
    magic_ok = raw[:4] == bytes([0, 0, 0x08, ndim])
    if len(raw) < header and (magic_ok or bytes([0, 0, 0x08, ndim]).startswith(raw)):
        raise ValueError(f"{path}: truncated inside its header: {len(raw)} bytes, but the "
                         f"header of a {ndim}-D IDX file alone is {header} bytes")
    if not magic_ok:
        magic = int.from_bytes(raw[:4].ljust(4, b"\0"), "big")
        raise ValueError(f"{path}: not an IDX file of {ndim}-D uint8 data (magic number {magic}, "
                         f"expected {0x800 + ndim})")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    size = int(np.prod(dims))
    if len(raw) - header != size:
        raise ValueError(f"{path}: the header announces {dims} = {size} bytes of data but the file "
                         f"holds {len(raw) - header}: it is truncated or corrupt")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims).copy()


class MNIST(ArrayDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28 x 28 grey."""

    subdirs = ("mnist", "MNIST/raw", "MNIST")
    download_folder = "MNIST/raw"
    mirrors = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
    resources = {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str | Path, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        split = "train" if train else "t10k"
        # the usual names, and the "train-images.idx3-ubyte" spelling of some copies
        required = [[f"{split}-images-idx3-ubyte", f"{split}-images.idx3-ubyte"],
                    [f"{split}-labels-idx1-ubyte", f"{split}-labels.idx1-ubyte"]]
        folder = utils.find_folder(root, self.subdirs, required)
        if download:
            folder = self._download(Path(root).expanduser(), folder)
        if folder is None:
            hint = (f"Pass download=True, or place the official files there "
                    f"({', '.join(self.resources)} from {self.mirrors[-1]}).")
            raise utils.not_found(type(self).__name__, root, self.subdirs, required, hint)
        images = read_idx(utils.find_file(folder, required[0]), ndim=3)
        labels = read_idx(utils.find_file(folder, required[1]), ndim=1)
        if len(images) != len(labels):
            raise ValueError(f"{folder}: {len(images)} images but {len(labels)} labels")
        if labels.size and labels.max() >= len(self.classes):
            raise ValueError(f"{folder}: label {labels.max()} is out of range 0..{len(self.classes) - 1}")
        super().__init__(images, labels, transform, target_transform)
        self.root = folder
        self.train = train
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _download(self, root: Path, found: Path | None) -> Path:
        """Check (when found) or fetch the official .gz files; the folder that has them."""
        folder = found if found is not None else root / self.download_folder
        for name, md5 in self.resources.items():
            path = folder / name
            if found is None or path.is_file():
                utils.download([m + name for m in self.mirrors], folder, name, md5)
        return folder


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: MNIST's format and sizes, 10 kinds of clothing."""

    subdirs = ("fashion-mnist", "FashionMNIST/raw", "FashionMNIST", "fashion_mnist")
    download_folder = "FashionMNIST/raw"
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    resources = {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
               "Bag", "Ankle boot"]
