"""Turn a list of samples into a batch (``default_collate``), and a batch into Tensors.

The batch keeps the structure of one sample, as in PyTorch: a tuple or list of fields
gives a list with one batched field per position, a dict one per key, a namedtuple the same
namedtuple; images and numbers are stacked, strings are gathered into a list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image

from .. import backend
from ..tensor import Tensor
from .transforms.base import ToTensor
from .transforms.images import stack
from .transforms.spatial import Crops

_NUMBERS = (bool, int, float, complex, np.number, np.bool_)


def _is_image(x: Any) -> bool:
    return isinstance(x, (Tensor, np.ndarray, Image.Image))


def collate_arrays(samples: Sequence[Any]) -> Any:
    """`default_collate` without the conversion to Tensors: arrays and images stack into
    an array (Tensors into a Tensor), numbers into an array. The DataLoader converts the
    result with `to_tensors`, after its ``batch_transform``.

    The crops of `FiveCrop` / `TenCrop` in a field are stacked into one array
    ``(N, n_crops, ...)``; any other tuple or list is transposed,
    as PyTorch does.
    """
    if len(samples) == 0:
        raise ValueError("default_collate: no samples to collate")
    first = samples[0]
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, Mapping):
        keys = list(first.keys())
        if any(not isinstance(s, Mapping) or list(s.keys()) != keys for s in samples):
            raise ValueError(f"default_collate: samples are dicts with different keys (first: {keys})")
        return {k: collate_arrays([s[k] for s in samples]) for k in keys}
    if isinstance(first, (tuple, list)):
        width = len(first)
        if any(not isinstance(s, (tuple, list)) or len(s) != width for s in samples):
            raise ValueError("default_collate: samples are sequences of different lengths")
        if isinstance(first, Crops):
            return stack([collate_arrays(list(s)) for s in samples])
        fields = [collate_arrays([s[k] for s in samples]) for k in range(width)]
        if hasattr(first, "_fields"):  # a namedtuple
            return type(first)(*fields)
        return fields  # a list for tuples too, as PyTorch's default_collate
    if isinstance(first, _NUMBERS):
        return np.asarray(samples)
    if _is_image(first):
        return stack(list(samples))
    raise TypeError("default_collate: a sample must hold Tensors, arrays, PIL images, numbers, "
                    f"strings, dicts, tuples or lists; found {type(first).__name__}")


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack samples into a batch of Tensors, as ``torch.utils.data.default_collate``.

    ``[(x0, y0), (x1, y1)] -> (X, Y)``; ``[{"x": x0, "y": y0}, ...] -> {"x": X, "y": Y}``.
    Tensors and arrays ``(...)`` become one Tensor ``(N, ...)`` of their dtype; numbers a
    1-D Tensor (int64 for ints, float64 for floats, as PyTorch); strings stay a list.
    """
    return default_convert(collate_arrays(samples))


def rebuild(batch: Any, fields: list) -> Any:
    """A namedtuple like ``batch`` holding ``fields``, else a list (PyTorch gives a list
    for a tuple too)."""
    return type(batch)(*fields) if hasattr(batch, "_fields") else list(fields)


def is_fields(batch: Any) -> bool:
    """A tuple or list of batched fields (not a list of strings)."""
    return isinstance(batch, (tuple, list)) and not (batch and isinstance(batch[0], (str, bytes)))


def map_fields(batch: Any, fn: Any) -> Any:
    """``batch`` with ``fn`` applied to each of its leaves (arrays, Tensors, string lists)."""
    if isinstance(batch, dict):
        return {k: map_fields(v, fn) for k, v in batch.items()}
    if is_fields(batch):
        return rebuild(batch, [map_fields(v, fn) for v in batch])
    return fn(batch)


def default_convert(batch: Any) -> Any:
    """NumPy arrays in ``batch`` (a sample or a batch, in tuples, lists or dicts) -> Tensors
    of the same dtype, as ``torch.utils.data.default_convert``."""
    return map_fields(batch, lambda a: Tensor(a) if isinstance(a, np.ndarray)
                      and a.dtype.kind in "biufc" else a)


def to_tensors(batch: Any) -> Any:
    """A collated batch with its arrays as Tensors, as the DataLoader yields it.

    The first field of a tuple or list (or the batch itself when it is an array) is the
    input and goes through `as_tensor` with ``is_input=True``; every other array goes
    through `as_tensor` as a target. Dicts and namedtuples keep their structure.
    """
    def convert(is_input: bool) -> Any:
        return lambda a: as_tensor(a, is_input)

    if isinstance(batch, dict):
        return map_fields(batch, convert(False))
    if is_fields(batch) and batch:
        return rebuild(batch, [map_fields(batch[0], convert(True))]
                        + [map_fields(v, convert(False)) for v in batch[1:]])
    return as_tensor(batch, is_input=True)


def as_tensor(field: Any, is_input: bool) -> Any:
    """A batched field as a Tensor, as the DataLoader yields it.

    The input field, when it is still a uint8 image array (channels last, ``(N, H, W)``,
    ``(N, H, W, C)`` or ``(N, K, H, W, C)``), goes through `ToTensor` (NCHW float32 in
    [0, 1]). Other arrays keep their layout: floats become the default float dtype,
    integers int64 (class labels). Tensors pass through (made contiguous); anything else
    (a list of strings) is returned as it is.
    """
    if isinstance(field, Tensor):  # transforms may leave a transposed view: make it contiguous
        d = field._data
        return field if d.flags.c_contiguous else Tensor(backend.array_module(d).ascontiguousarray(d))
    if not isinstance(field, np.ndarray) or field.dtype.kind not in "biufc":
        return field
    if is_input and field.dtype == np.uint8 and field.ndim >= 3:
        return ToTensor().batch(field)
    if field.dtype.kind == "f":
        return Tensor(field.astype(backend.get_default_dtype(), copy=False))
    if field.dtype.kind in "iu":
        return Tensor(field.astype(np.int64, copy=False))
    return Tensor(field)
