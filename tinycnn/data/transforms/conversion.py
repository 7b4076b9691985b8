"""Conversions without rescaling logic of their own: `PILToTensor` (a PIL image to a
uint8 Tensor ``(C, H, W)``) and `ConvertImageDtype` (a Tensor image to another dtype,
rescaled between integer ranges and [0, 1])."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...tensor import Tensor
from .base import Transform
from .images import as_nhwc


class PILToTensor(Transform):
    """A PIL image (or uint8 array ``(H, W[, C])``) as a Tensor ``(C, H, W)`` of its own
    dtype, values unchanged (``ToTensor`` also scales to [0, 1])."""

    def forward(self, x: Any, batched: bool) -> Any:
        a, _ = as_nhwc(x, batched)
        out = Tensor(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))
        return out if batched else out[0]


class ConvertImageDtype(Transform):
    """A Tensor image converted to ``dtype``: integers to floats are divided by the
    integer type's maximum (uint8: 255), floats to integers multiplied by it."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)

    def forward(self, x: Any, batched: bool) -> Any:
        if not isinstance(x, Tensor):
            raise TypeError(f"ConvertImageDtype: expected a Tensor image, got {type(x).__name__}")
        src, dst = x.dtype, self.dtype
        if src == dst:
            return x
        if src.kind in "iu" and dst.kind == "f":
            return Tensor((x.numpy() / np.iinfo(src).max).astype(dst))
        if src.kind == "f" and dst.kind in "iu":
            top = np.iinfo(dst).max
            return Tensor(np.clip(x.numpy() * (top + 1.0 - 1e-3), 0, top).astype(dst))
        if src.kind in "iu" and dst.kind in "iu":
            scale = (np.iinfo(dst).max + 1) / (np.iinfo(src).max + 1)
            return Tensor((x.numpy().astype(np.float64) * scale).astype(dst))
        return x.to(dst)


__all__ = ["ConvertImageDtype", "PILToTensor"]
