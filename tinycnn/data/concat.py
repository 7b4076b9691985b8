"""`ConcatDataset`: several datasets read as one (PyTorch's ``torch.utils.data.ConcatDataset``)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from itertools import accumulate
from typing import Any

from .datasets.arrays import Dataset


class ConcatDataset(Dataset):
    """The samples of ``datasets`` one after the other: ``len`` is the sum of their lengths,
    and index ``i`` falls into the dataset whose range ``cumulative_sizes`` holds it."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if not hasattr(d, "__len__") or not hasattr(d, "__getitem__"):
                raise TypeError(f"ConcatDataset: every dataset needs __len__ and __getitem__, "
                                f"got {type(d).__name__}")
        self.cumulative_sizes = list(accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ConcatDataset: index {index} out of range for {n} samples")
        index %= n
        k = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][index - start]
