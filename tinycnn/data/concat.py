"""`ConcatDataset`: several datasets read as one (PyTorch's ``torch.utils.data.ConcatDataset``)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from itertools import accumulate
from typing import Any

import numpy as np

from ..functional.shape import cat
from ..tensor import Tensor
from .collate import collate_arrays, is_fields, rebuild
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

    def get_batch(self, indices: Any) -> Any:
        """The samples at ``indices``: each part gathers its own samples at once (in-memory
        datasets by fancy indexing, with their batch transforms), then the pieces are
        joined and put back in the order asked for."""
        idx = np.asarray(indices, dtype=np.int64)
        part = np.searchsorted(self.cumulative_sizes, idx, side="right")
        starts = np.concatenate([[0], self.cumulative_sizes[:-1]])
        pieces, where = [], []
        for k in np.unique(part):
            chosen = np.flatnonzero(part == k)
            dataset, local = self.datasets[k], idx[chosen] - starts[k]
            pieces.append(dataset.get_batch(local) if hasattr(dataset, "get_batch")
                          else collate_arrays([dataset[int(i)] for i in local]))
            where.append(chosen)
        return _merge(pieces, np.argsort(np.concatenate(where)))


def _merge(pieces: list, order: np.ndarray) -> Any:
    """Batches of one structure joined along the batch axis, their samples put in ``order``."""
    first = pieces[0]
    if len({type(p) for p in pieces}) > 1:
        raise TypeError("ConcatDataset: the datasets give batches of different kinds: "
                        + ", ".join(sorted({type(p).__name__ for p in pieces})))
    if isinstance(first, dict):
        return {k: _merge([p[k] for p in pieces], order) for k in first}
    if is_fields(first):
        return rebuild(first, [_merge([p[i] for p in pieces], order) for i in range(len(first))])
    if isinstance(first, Tensor):
        return cat(pieces)[order]
    if isinstance(first, np.ndarray):
        return np.concatenate(pieces)[order]
    joined = [x for p in pieces for x in p]  # lists of strings
    return [joined[i] for i in order]
