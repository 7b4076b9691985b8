"""CIFAR-10 and CIFAR-100 from the *binary* distribution (never the pickled python one).

Accepted, in this order of search:

1. the ``.bin`` files, each plain, gzip- or xz-compressed, in ``root`` or in
   ``root/cifar-10-batches-bin`` / ``root/cifar-10`` (``root/cifar-100-binary`` /
   ``root/cifar-100`` for CIFAR-100);
2. the official archive ``cifar-10-binary.tar.gz`` (``cifar-100-binary.tar.gz``) in
   ``root``, read without unpacking;
3. with ``download=True``: the archive is fetched into ``root``, its md5 checked, and
   unpacked there.

Record layout: label byte(s) (CIFAR-100: coarse, then fine), then 3,072 pixel bytes: the
red, green and blue 32 x 32 planes. ``data``: uint8 ``(N, 32, 32, 3)`` (channels last,
as torchvision); ``targets``: int64 ``(N,)``.

CIFAR-100 test data is read from ``test.bin`` or from ``test_by_class.bin`` (the shared
copy in ``../shared/data/cifar-100``: the same records, sorted by fine label).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from . import utils
from .arrays import ArrayDataset

PIXELS = 3 * 32 * 32


def parse_records(raw: bytes, source: str, label_limits: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 32, 32, 3)`` and labels ``(N, len(label_limits))`` of a binary batch.

    ``label_limits``: the number of classes of each label byte (10; or 20 and 100).
    """
    record = len(label_limits) + PIXELS
    if len(raw) == 0 or len(raw) % record:
        raise ValueError(f"{source}: {len(raw)} bytes is not a whole number of {record}-byte "
                         "records: the file is truncated, or not a batch of this dataset's "
                         "binary version")
    rows = np.frombuffer(raw, np.uint8).reshape(-1, record)
    labels = rows[:, :len(label_limits)]
    for k, limit in enumerate(label_limits):
        bad = np.flatnonzero(labels[:, k] >= limit)
        if bad.size:
            raise ValueError(f"{source}: record {bad[0]} has label {labels[bad[0], k]}, out of range "
                             f"0..{limit - 1}: not a batch of this dataset's binary version")
    images = rows[:, len(label_limits):].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, labels


class CIFAR10(ArrayDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images, 32 x 32, 10 classes."""

    subdirs = ("cifar-10-batches-bin", "cifar-10")
    archive = "cifar-10-binary.tar.gz"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    md5 = "c32a1d4ab5d03f1284b67883e8d87530"
    train_files = [[f"data_batch_{i}.bin"] for i in range(1, 6)]
    test_files = [["test_batch.bin"]]
    label_limits = (10,)
    label_column = 0  # which label byte becomes `targets`
    label_names_file = "batches.meta.txt"
    default_classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                       "ship", "truck"]

    def __init__(self, root: str | Path, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        required = self.train_files if train else self.test_files
        blobs, names = self._read(Path(root).expanduser(), required, download)
        parts = [parse_records(raw, src, self.label_limits) for src, raw in blobs]
        images = np.ascontiguousarray(np.concatenate([p[0] for p in parts]))
        labels = np.concatenate([p[1] for p in parts])
        super().__init__(images, labels[:, self.label_column], transform, target_transform)
        self.train = train
        self.classes = names if names else self.default_classes
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _read(self, root: Path, required: list[list[str]], download: bool
              ) -> tuple[list[tuple[str, bytes]], list[str]]:
        """``[(source, bytes)]`` of the required batches, and the class names (or [])."""
        folder = utils.find_folder(root, self.subdirs, required)
        archive = root / self.archive
        if folder is None and download:
            utils.download([self.url], root, self.archive, self.md5)
            utils.extract_archive(archive, root)
            folder = utils.find_folder(root, self.subdirs, required)
        elif download and archive.is_file():
            utils.check_md5(archive, self.md5)
        if folder is not None:
            paths = [utils.find_file(folder, names) for names in required]
            names_path = utils.find_file(folder, [self.label_names_file])
            names = utils.text_lines(utils.read_bytes(names_path)) if names_path else []
            return [(str(p), utils.read_bytes(p)) for p in paths], names
        if archive.is_file():
            members = utils.read_tar_members(archive, [n for names in required for n in names]
                                             + [self.label_names_file])
            chosen = [next((n for n in names if n in members), None) for names in required]
            if None not in chosen:
                names = utils.text_lines(members.get(self.label_names_file, b""))
                return [(f"{archive}:{n}", members[n]) for n in chosen], names
        raise utils.not_found(type(self).__name__, root, self.subdirs, required,
                              self._hint(root, required))

    def _hint(self, root: Path, required: list[list[str]]) -> str:
        hint = (f"Pass download=True, or place {self.archive} (from {self.url}) in {root}, or "
                "its unpacked .bin files.")
        if any(f.name.endswith("-py") or (f / "data_batch_1").is_file() or (f / "train").is_file()
               for f in utils.search_folders(root, list(self.subdirs) + ["cifar-10-batches-py",
                                                                         "cifar-100-python"])
               if f.is_dir()):
            hint += (" Only the binary version is read: the python version is pickled, and "
                     "unpickling a file can run arbitrary code.")
        return hint


class CIFAR100(CIFAR10):
    """CIFAR-100: 100 fine classes grouped in 20 coarse ones; ``label="fine"`` or ``"coarse"``."""

    subdirs = ("cifar-100-binary", "cifar-100")
    archive = "cifar-100-binary.tar.gz"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"
    md5 = "03b5dce01913d631647c71ecec9e9cb8"
    train_files = [["train.bin"]]
    test_files = [["test.bin", "test_by_class.bin"]]
    label_limits = (20, 100)  # coarse byte, then fine byte
    default_classes: list[str] = []

    def __init__(self, root: str | Path, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False,
                 label: str = "fine") -> None:
        if label not in ("fine", "coarse"):
            raise ValueError(f"label must be 'fine' or 'coarse', got {label!r}")
        self.label = label
        self.label_column = 1 if label == "fine" else 0
        self.label_names_file = f"{label}_label_names.txt"
        self.default_classes = [str(i) for i in range(self.label_limits[self.label_column])]
        super().__init__(root, train, transform, target_transform, download)

    def _hint(self, root: Path, required: list[list[str]]) -> str:
        hint = super()._hint(root, required)
        if required is self.train_files:
            hint += (" Note: the CIFAR-100 copy in ../shared/data/cifar-100 holds only the test "
                     "set (test_by_class.bin.xz): use train=False there.")
        return hint
