"""Subsets and splits: `Subset`, `random_split`, `stratified_split`, `stratified_subset`,
`per_class_subset`.

``seed=None`` draws from ``tinycnn.backend.rng("cpu")`` (so ``tinycnn.manual_seed``
fixes the result); an int gives the same split every time. Functions that take
``data`` accept a dataset (they return `Subset` objects) or an array of labels (they
return index arrays, e.g. to index two datasets that differ only in their transforms).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import backend
from ..tensor import Tensor
from . import _rng
from .collate import collate_arrays
from .datasets.arrays import Dataset


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset: Any, indices: Any) -> None:
        self.dataset = dataset
        self.indices = indices

    @property
    def indices(self) -> Any:
        """The indices as given (a list stays a list, as in PyTorch)."""
        return self._given

    @indices.setter
    def indices(self, indices: Any) -> None:
        idx = np.asarray(indices)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise TypeError(f"Subset: indices must be a 1-D sequence of ints, got dtype {idx.dtype}, "
                            f"shape {idx.shape}")
        idx = idx.astype(np.int64)
        n = len(self.dataset)
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise IndexError(f"Subset: indices must lie in [0, {n}), got {idx.min()}..{idx.max()}")
        self._given, self._idx = indices, idx

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self._idx[index])]

    def get_batch(self, indices: np.ndarray) -> Any:
        inner = self._idx[indices]
        if hasattr(self.dataset, "get_batch"):
            return self.dataset.get_batch(inner)
        return collate_arrays([self.dataset[int(i)] for i in inner])

    @property
    def targets(self) -> np.ndarray:
        """Labels of the subset's samples (when the dataset has ``targets``)."""
        return np.asarray(self.dataset.targets)[self._idx]

    @property
    def classes(self) -> list[str]:
        return self.dataset.classes


def _is_labels(data: Any) -> bool:
    return isinstance(data, (np.ndarray, list, tuple, Tensor))


def labels_of(data: Any) -> np.ndarray:
    """The labels of a dataset (its ``targets``, or ``ds[i][1]`` one by one) or of an array."""
    if isinstance(data, Tensor):
        labels = backend.as_numpy(data._data)
    elif _is_labels(data):
        labels = np.asarray(data)
    elif getattr(data, "targets", None) is not None:
        t = data.targets
        labels = backend.as_numpy(t._data) if isinstance(t, Tensor) else np.asarray(t)
    else:
        labels = np.asarray([data[i][1] for i in range(len(data))])
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D (one per sample), got shape {labels.shape}")
    return labels


def split_counts(sizes: Sequence[float | int], n: int, exact: bool) -> list[int]:
    """Sample counts for ``sizes`` out of ``n``: ints are counts, floats fractions of ``n``.

    Fractions that sum to 1 share out every sample (the remainder one by one, as
    PyTorch's random_split). ``exact``: the counts must add up to ``n``.
    """
    sizes = list(sizes)
    if not sizes:
        raise ValueError("sizes must not be empty")
    if all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in sizes):
        counts = [int(s) for s in sizes]
        if any(c < 0 for c in counts):
            raise ValueError(f"sizes must be non-negative, got {sizes}")
    else:
        fractions = [float(s) for s in sizes]
        total = math.fsum(fractions)
        if any(not 0 <= f <= 1 for f in fractions) or total > 1 + 1e-9:
            raise ValueError(f"fractions must lie in [0, 1] and sum to at most 1, got {sizes}")
        counts = [math.floor(n * f) for f in fractions]
        if math.isclose(total, 1.0):
            for i in range(n - sum(counts)):
                counts[i % len(counts)] += 1
    if exact and sum(counts) != n:
        raise ValueError(f"sizes {sizes} add up to {sum(counts)} samples, the dataset has {n}")
    if sum(counts) > n:
        raise ValueError(f"sizes {sizes} ask for {sum(counts)} samples, there are only {n}")
    return counts


def _cut(order: np.ndarray, counts: list[int], sort: bool) -> list[np.ndarray]:
    offsets = np.cumsum([0] + counts)
    parts = [order[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
    return [np.sort(p) for p in parts] if sort else parts


def random_split(dataset: Any, lengths: Sequence[float | int], generator: Any = None, *,
                 seed: int | None = None) -> list[Subset]:
    """Split ``dataset`` at random into subsets of ``lengths`` (counts adding up to
    ``len(dataset)``, or fractions adding up to 1).

    The order is drawn from ``generator`` (a `tinycnn.Generator`, as
    ``torch.Generator().manual_seed(42)``), or from a fresh generator seeded with ``seed``,
    or else from the one `tinycnn.manual_seed` seeds.
    """
    if seed is not None and generator is not None:
        raise ValueError("pass either seed or generator, not both")
    counts = split_counts(lengths, len(dataset), exact=True)
    gen = _rng.resolve(seed) if seed is not None else _rng.numpy_generator(generator)
    order = gen.permutation(len(dataset))
    return [Subset(dataset, idx.tolist()) for idx in _cut(order, counts, sort=False)]


def stratified_order(labels: np.ndarray, gen: np.random.Generator) -> np.ndarray:
    """A random order of the samples in which every stretch keeps the class proportions.

    Sample ``k`` of ``n_c`` in class ``c`` (after shuffling each class) gets the key
    ``(k + 0.5) / n_c``; sorting by key interleaves the classes evenly, so any run of
    ``m`` consecutive samples holds ``m * n_c / n`` samples of class ``c`` (within one).
    """
    n = len(labels)
    perm = gen.permutation(n)
    _, cls, counts = np.unique(labels[perm], return_inverse=True, return_counts=True)
    by_class = np.argsort(cls, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[by_class] = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    key = (rank + 0.5) / counts[cls]
    return perm[np.argsort(key, kind="stable")]


def stratified_split(data: Any, sizes: Sequence[float | int], seed: int | None = None) -> list:
    """Split so that every part keeps the class proportions of ``data``.

    ``sizes``: counts or fractions (``[2/3, 1/3]`` for report 003's train/validation
    split); they may add up to less than the whole, the rest is left out. Each class is
    shared out in proportion, to within one sample per class and part.
    Returns `Subset` objects for a dataset, sorted index arrays for labels.
    """
    labels = labels_of(data)
    counts = split_counts(sizes, len(labels), exact=False)
    parts = _cut(stratified_order(labels, _rng.resolve(seed)), counts, sort=True)
    return parts if _is_labels(data) else [Subset(data, p) for p in parts]


def stratified_subset(data: Any, size: float | int, seed: int | None = None) -> Any:
    """``size`` samples (a count or a fraction) with the class proportions of ``data``:
    e.g. the 100 / 1,000 / 10,000-image subsets of CIFAR-10 in report 001."""
    return stratified_split(data, [size], seed)[0]


def per_class_subset(data: Any, n_per_class: int, seed: int | None = None,
                     classes: Sequence[Any] | None = None) -> Any:
    """Exactly ``n_per_class`` random samples of each class (of ``classes`` only, if given).

    Labels are not renumbered. A class with fewer samples raises `ValueError`.
    """
    if not isinstance(n_per_class, (int, np.integer)) or n_per_class < 0:
        raise ValueError(f"n_per_class must be a non-negative int, got {n_per_class!r}")
    labels = labels_of(data)
    gen = _rng.resolve(seed)
    chosen = np.unique(labels) if classes is None else list(classes)
    parts = []
    for c in chosen:
        c = c.item() if isinstance(c, np.generic) else c
        idx = np.flatnonzero(labels == c)
        if len(idx) < n_per_class:
            raise ValueError(f"class {c!r} has {len(idx)} samples, fewer than n_per_class={n_per_class}")
        parts.append(gen.choice(idx, n_per_class, replace=False))
    idx = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    return idx if _is_labels(data) else Subset(data, idx)
