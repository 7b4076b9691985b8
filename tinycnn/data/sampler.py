"""Samplers: the order in which a `DataLoader` reads a dataset (PyTorch's names).

A sampler is an iterable of indices (a batch sampler: of lists of indices) with a length.
Random samplers draw from ``generator`` (a `tinycnn.Generator`, a NumPy Generator, or
None for the generator `tinycnn.manual_seed` seeds), once per pass, when the pass starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from . import _rng


def _count(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} should be an int >= {minimum}, got {value!r}")
    return int(value)


T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class: an iterable of dataset indices (``__iter__``) with ``__len__``.

    ``Sampler[int]`` works in type hints, and subclasses may call
    ``super().__init__(data_source)``, as in PyTorch.
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of ``data_source``'s indices, new at every pass.

    Without replacement: a permutation (``num_samples`` > len gives several permutations
    end to end, as PyTorch). With ``replacement=True``: ``num_samples`` independent draws.
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Any = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, got {replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = None if num_samples is None else _count(num_samples, "num_samples")
        self.generator = generator

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        gen, n, k = _rng.numpy_generator(self.generator), len(self.data_source), self.num_samples
        if self.replacement:
            order = gen.integers(0, n, size=k)
        elif k == n:
            order = gen.permutation(n)
        else:
            order = np.concatenate([gen.permutation(n) for _ in range(-(-k // n))])[:k]
        return iter(order.tolist())  # drawn now, not lazily: the pass's order is fixed at its start

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order, new at every pass."""

    def __init__(self, indices: Iterable[int], generator: Any = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        indices = list(self.indices)
        order = _rng.numpy_generator(self.generator).permutation(len(indices))
        return iter([indices[i] for i in order])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))``, index ``i`` drawn with probability
    ``weights[i] / sum(weights)`` (weights need not sum to 1), with or without replacement.

    The usual cure for class imbalance: ``weights = 1 / class_count[targets]``.
    """

    def __init__(self, weights: Any, num_samples: int, replacement: bool = True,
                 generator: Any = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, got {replacement!r}")
        w = np.asarray(weights, dtype=np.float64)  # a list, an array or a Tensor (its __array__)
        if w.ndim != 1 or not len(w) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError("weights should be a 1-D sequence of finite non-negative numbers, not all "
                             f"zero; got shape {w.shape}")
        self.weights = w
        self.num_samples = _count(num_samples, "num_samples")
        self.replacement = replacement
        self.generator = generator
        if not replacement and self.num_samples > np.count_nonzero(w):
            raise ValueError(f"num_samples={self.num_samples} draws without replacement, but only "
                             f"{np.count_nonzero(w)} weights are non-zero")

    def __iter__(self) -> Iterator[int]:
        gen = _rng.numpy_generator(self.generator)
        order = gen.choice(len(self.weights), size=self.num_samples, replace=self.replacement,
                           p=self.weights / self.weights.sum())
        return iter(order.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler`` (the last one shorter, unless
    ``drop_last``)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, got {drop_last!r}")
        self.sampler = sampler
        self.batch_size = _count(batch_size, "batch_size")
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(int(index))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
