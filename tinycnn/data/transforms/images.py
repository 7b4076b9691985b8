"""What an "image" is to the transforms, and the one layout their array code works in.

A transform accepts three kinds of image (torchvision's rules):

* a PIL image (mode ``L`` or ``RGB``), as `ImageFolder` gives;
* a NumPy array, **channels last**: ``(H, W)`` or ``(H, W, C)``, usually uint8 in [0, 255],
  as the in-memory datasets keep their ``.data``;
* a tinycnn `Tensor`, **channels first**: ``(C, H, W)``, usually float32 in [0, 1], as
  `ToTensor` returns.

A batch is the same with a leading ``N``: an array ``(N, H, W)`` / ``(N, H, W, C)`` or a
Tensor ``(N, C, H, W)``. Every array kernel (geometry.py, color.py) is written once for
a channels-last batch ``(N, H, W, C)``; `as_nhwc` gives that view of any input, together
with the function that turns the result back into the caller's kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image

from ...tensor import Tensor


def is_pil(x: Any) -> bool:
    return isinstance(x, Image.Image)


def _kind_error(x: Any, batched: bool) -> TypeError:
    what = ("a batch: an array (N, H, W[, C]) or a Tensor (N, C, H, W)" if batched else
            "an image: a PIL image, an array (H, W[, C]) or a Tensor (C, H, W)")
    shape = getattr(x, "shape", None)
    got = type(x).__name__ + (f" of shape {tuple(shape)}" if shape is not None else "")
    return TypeError(f"expected {what}, got {got}")


def as_nhwc(x: Any, batched: bool) -> tuple[np.ndarray, Callable[[np.ndarray], Any]]:
    """``x`` viewed as a channels-last batch ``(N, H, W, C)``, and the way back.

    The view may share memory with ``x`` (and may be read-only): kernels never write to
    their input. ``back(out)`` takes a result ``(N, H', W', C')`` and returns it as the
    kind and layout ``x`` came in (a PIL image, an array without a channel axis, ...).
    """
    if is_pil(x):
        if batched:
            raise TypeError("a PIL image is one image, not a batch: stack images into an array")
        a = np.asarray(x)
        gray = a.ndim == 2
        return (a[None, :, :, None] if gray else a[None]), (
            lambda out: Image.fromarray(out[0, :, :, 0] if out.shape[-1] == 1 else out[0]))
    if isinstance(x, Tensor):
        if not isinstance(x._data, np.ndarray):
            raise TypeError("transforms run on the CPU: transform before moving data to the GPU "
                            "(DataLoader(pin_to_device='cuda') moves batches after the transforms)")
        d = x._data
        if batched and d.ndim == 4:
            return d.transpose(0, 2, 3, 1), lambda out: Tensor(out.transpose(0, 3, 1, 2))
        if not batched and d.ndim == 3:
            return d.transpose(1, 2, 0)[None], lambda out: Tensor(out[0].transpose(2, 0, 1))
        raise _kind_error(x, batched)
    if isinstance(x, np.ndarray):
        no_channel = x.ndim == (3 if batched else 2)
        if no_channel:
            a = x[..., None] if batched else x[None, :, :, None]
        elif x.ndim == (4 if batched else 3):
            a = x if batched else x[None]
        else:
            raise _kind_error(x, batched)

        def back(out: np.ndarray) -> np.ndarray:
            if no_channel and out.shape[-1] == 1:
                out = out[..., 0]
            return out if batched else out[0]
        return a, back
    raise _kind_error(x, batched)


def batch_shape(x: Any, batched: bool) -> tuple[int, int, int]:
    """``(N, H, W)`` of a batch, or ``(1, H, W)`` of one image (checking its kind)."""
    if is_pil(x) and not batched:
        return 1, x.height, x.width
    a, _ = as_nhwc(x, batched)
    return a.shape[0], a.shape[1], a.shape[2]


def unstack(x: Any) -> list:
    """The images of a batch, one by one, each of the batch's kind."""
    if isinstance(x, Tensor):
        return [Tensor(a) for a in x._data]
    return list(x)


def stack(items: Sequence[Any], axis: int = 0) -> Any:
    """Stack images (or batches) of one kind along ``axis``: Tensors give a Tensor,
    arrays and PIL images give an array. Differing shapes raise a `ValueError`."""
    if not items:
        raise ValueError("nothing to stack: the batch is empty")
    arrays = [i._data if isinstance(i, Tensor) else np.asarray(i) for i in items]
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(
            f"cannot batch images of different shapes {sorted(shapes)[:3]}: add a Resize/"
            "CenterCrop (or RandomResizedCrop) transform so that all images have one size")
    out = np.stack(arrays, axis=axis)
    return Tensor(out) if isinstance(items[0], Tensor) else out


def to_float(a: np.ndarray) -> tuple[np.ndarray, float]:
    """``a`` as float32 and its value range: 255 for uint8 images, 1 for float ones."""
    bound = 255.0 if a.dtype == np.uint8 else 1.0
    return a.astype(np.float32), bound


def from_float(out: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A float result back in the dtype of ``like`` (uint8 rounded and clipped)."""
    if like.dtype == np.uint8:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out.astype(like.dtype, copy=False)
