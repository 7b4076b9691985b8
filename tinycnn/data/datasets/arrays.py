"""Datasets held as whole arrays in memory, and the `Dataset` base class.

`ArrayDataset` keeps ``data`` (e.g. uint8 images, channels last, as torchvision's
``.data``) and ``targets`` (int64 labels) as two NumPy arrays: no Python object per
sample. Its ``get_batch(indices)`` gathers a batch by fancy indexing and applies the
transform to the whole batch (``transform.batch``), which is what makes a CIFAR epoch
fast. MNIST and CIFAR are ArrayDatasets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import numpy as np

from ... import backend
from ...factory import tensor as _tensor
from ...tensor import Tensor
from ..collate import collate_arrays
from ..transforms.base import apply_batch

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset (as ``torch.utils.data.Dataset``): ``len(ds)`` and ``ds[i]``.

    ``Dataset[T]`` works in type hints, and ``ds1 + ds2`` is a `ConcatDataset`, as in PyTorch.
    """

    def __add__(self, other: Any) -> Any:
        from ..concat import ConcatDataset  # noqa: PLC0415  (concat.py builds on this class)

        return ConcatDataset([self, other])

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def get_batch(self, indices: np.ndarray) -> Any:
        """The samples at ``indices`` as one collated batch. This default calls
        ``self[i]`` per sample; in-memory datasets gather the whole batch at once."""
        return collate_arrays([self[int(i)] for i in indices])


class IterableDataset(Dataset[T_co]):
    """A stream of samples (as ``torch.utils.data.IterableDataset``): ``__iter__`` yields
    them. The DataLoader batches them in the order they come (no sampler, no shuffle)."""

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __getitem__(self, index: int) -> Any:
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it, "
                        "it has no samples by index")

    def __len__(self) -> int:
        raise TypeError(f"{type(self).__name__} is an IterableDataset without __len__: its "
                        "length is unknown until it is read")


def _array(a: Any, name: str) -> np.ndarray:
    arr = backend.as_numpy(a._data) if isinstance(a, Tensor) else np.asarray(a)
    if arr.dtype == object or arr.ndim == 0:
        raise TypeError(f"{name} must be a numeric array with one row per sample, got "
                        f"{type(a).__name__} (dtype {arr.dtype}, shape {arr.shape})")
    return arr


class ArrayDataset(Dataset):
    """Samples ``(transform(data[i]), target_transform(targets[i]))`` from two arrays.

    ``data``: ``(N, ...)``; image data is uint8 channels last, ``(N, H, W)`` or
    ``(N, H, W, C)``, like the ``.data`` of torchvision's datasets. ``targets``: ``(N,)``
    labels (stored as int64), or None for unlabelled data (samples are then ``x`` alone).
    """

    def __init__(self, data: Any, targets: Any = None, transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        data = _array(data, "data")
        if targets is not None:
            targets = _array(targets, "targets")
            if len(targets) != len(data):
                raise ValueError(f"data has {len(data)} samples but targets has {len(targets)}")
            if targets.dtype.kind in "iu":
                targets = targets.astype(np.int64, copy=False)
        self.data = data
        self.targets = targets
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> Any:
        x = self.data[index]
        if self.transform is not None:
            x = self.transform(x)
        if self.targets is None:
            return x
        y = self.targets[index]
        y = y.item() if y.ndim == 0 else y  # a Python int, as torchvision returns
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y

    def get_batch(self, indices: np.ndarray) -> Any:
        """``(x, y)`` for ``indices``: one fancy-indexing gather, transforms run on the batch."""
        x = self.data[indices]
        if self.transform is not None:
            x = apply_batch(self.transform, x)
        if self.targets is None:
            return x
        y = self.targets[indices]
        if self.target_transform is not None:
            y = apply_batch(self.target_transform, y)
        return x, y

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    data: {self.data.dtype} {self.data.shape}"]
        if self.transform is not None:
            lines.append(f"    transform: {self.transform!r}")
        return "\n".join(lines)


class TensorDataset(Dataset):
    """Samples ``(t0[i], t1[i], ...)`` of equally long tensors (``torch.utils.data.TensorDataset``).

    Arrays are converted with `tinycnn.tensor` (float64 becomes float32).
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else _tensor(t) for t in tensors)
        lengths = {t.shape[0] if t.ndim else None for t in self.tensors}
        if len(lengths) != 1 or None in lengths:
            raise ValueError("TensorDataset: all tensors need the same first dimension, got shapes "
                             f"{[t.shape for t in self.tensors]}")

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(Tensor(t._data[index]) for t in self.tensors)

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        return tuple(Tensor(t._data[indices]) for t in self.tensors)
