"""Turn a list of samples into a batch (``default_collate``), and a batch into Tensors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import backend
from ..tensor import Tensor
from .transforms.base import ToTensor
from .transforms.images import stack


def _collate_field(values: list) -> Any:
    first = values[0]
    if isinstance(first, (tuple, list)):  # the crops of one image (FiveCrop / TenCrop)
        return stack([_collate_field(list(v)) for v in values])
    if isinstance(first, (bool, int, float, np.number)):
        return np.asarray(values)
    return stack(values)


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack samples into a batch: ``[(x0, y0), (x1, y1)] -> (X, Y)``.

    Tensors stack into a Tensor, arrays and PIL images into an array, numbers into an
    array; a sample that is a tuple gives one batched field per element.
    """
    if len(samples) == 0:
        raise ValueError("default_collate: no samples to collate")
    if isinstance(samples[0], tuple):
        width = len(samples[0])
        if any(not isinstance(s, tuple) or len(s) != width for s in samples):
            raise ValueError("default_collate: samples are tuples of different lengths")
        return tuple(_collate_field([s[k] for s in samples]) for k in range(width))
    return _collate_field(list(samples))


def as_tensor(field: Any, is_input: bool) -> Any:
    """A batched field as a Tensor, as the DataLoader yields it.

    The input field, when it is still a uint8 image array (channels last, ``(N, H, W)``,
    ``(N, H, W, C)`` or ``(N, K, H, W, C)``), goes through `ToTensor` (NCHW float32 in
    [0, 1]). Other arrays keep their layout: floats become the default float dtype,
    integers int64 (class labels). Tensors pass through (made contiguous); anything else
    is returned as it is.
    """
    if isinstance(field, Tensor):  # transforms may leave a transposed view: make it contiguous
        d = field._data
        return field if d.flags.c_contiguous else Tensor(backend.array_module(d).ascontiguousarray(d))
    if not isinstance(field, np.ndarray):
        return field
    if is_input and field.dtype == np.uint8 and field.ndim >= 3:
        return ToTensor().batch(field)
    if field.dtype.kind == "f":
        return Tensor(field.astype(backend.get_default_dtype(), copy=False))
    if field.dtype.kind in "iu":
        return Tensor(field.astype(np.int64, copy=False))
    return Tensor(field)
