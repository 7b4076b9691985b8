"""Image grids, as ``torchvision.utils``: `make_grid` and `save_image`.

    from tinycnn.data.utils import make_grid, save_image
    grid = make_grid(images, nrow=8, normalize=True)   # (3, H', W') to show with imshow
    save_image(images, "batch.png", nrow=8)
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from PIL import Image

from .. import backend
from ..tensor import Tensor
from .io import save_pil


def _as_batch(tensor: Any) -> Any:
    """``tensor`` (a Tensor or array, or a list of ``(C, H, W)`` ones) as an array ``(B, C, H, W)``
    with 3 channels where it had 1."""
    if isinstance(tensor, (list, tuple)):
        if not tensor:
            raise ValueError("make_grid: the list of images is empty")
        arrays = [t._data if isinstance(t, Tensor) else np.asarray(t) for t in tensor]
        xp = backend.array_module(arrays[0])
        a = xp.stack(arrays)
    else:
        a = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if a.ndim == 2:  # one (H, W) image
        a = a[None]
    if a.ndim == 3:  # one (C, H, W) image
        a = a[None] if a.shape[0] != 1 else a[:, None]
    if a.ndim != 4:
        raise ValueError(f"make_grid: expected images (B, C, H, W), (C, H, W) or (H, W), got shape "
                         f"{tuple(a.shape)}")
    if a.shape[1] == 1:
        a = backend.array_module(a).concatenate([a] * 3, axis=1)
    return a


def _normalize(a: Any, value_range: tuple[float, float] | None) -> Any:
    low, high = (float(a.min()), float(a.max())) if value_range is None else value_range
    return (a.clip(low, high) - low) / max(high - low, 1e-5)


def make_grid(tensor: Any, nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple[float, float] | None = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Images ``(B, C, H, W)`` (or a list of ``(C, H, W)``) tiled into one image
    ``(C, rows * (H + padding) + padding, cols * (W + padding) + padding)``, ``nrow``
    images per row, as torchvision's ``make_grid``.

    The grid keeps the images' dtype. Grey images get 3 channels. ``normalize=True`` maps ``value_range`` (default: the
    minimum and maximum, of each image with ``scale_each=True``) to [0, 1]. A single image
    is returned without padding.
    """
    if isinstance(nrow, bool) or not isinstance(nrow, int) or nrow < 1:
        raise ValueError(f"make_grid: nrow must be an int >= 1, got {nrow!r}")
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"make_grid: padding must be an int >= 0, got {padding!r}")
    a = _as_batch(tensor)
    if a.shape[0] == 0:
        raise ValueError(f"make_grid: no images to tile (a batch of shape {a.shape})")
    if normalize:
        if a.dtype.kind != "f":
            a = a.astype(backend.get_default_dtype())
        if scale_each:
            a = backend.array_module(a).stack([_normalize(img, value_range) for img in a])
        else:
            a = _normalize(a, value_range)
    if a.shape[0] == 1:
        return Tensor(a[0])
    n, c, h, w = a.shape
    cols = min(nrow, n)
    rows = math.ceil(n / cols)
    xp = backend.array_module(a)
    grid = xp.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding), pad_value,
                   dtype=a.dtype)
    for k in range(n):
        y, x = divmod(k, cols)
        top, left = y * (h + padding) + padding, x * (w + padding) + padding
        grid[:, top:top + h, left:left + w] = a[k]
    return Tensor(grid)


def save_image(tensor: Any, fp: str | os.PathLike, format: str | None = None,
               **kwargs: Any) -> None:
    """Write images with values in [0, 1] to an image file (PNG, JPEG... from the name or
    ``format``); several images are tiled by `make_grid` (``kwargs`` are its arguments)."""
    grid = make_grid(tensor, **kwargs)._data
    pixels = np.clip(backend.as_numpy(grid) * 255 + 0.5, 0, 255).astype(np.uint8)
    save_pil(Image.fromarray(pixels.transpose(1, 2, 0)), fp, format)

