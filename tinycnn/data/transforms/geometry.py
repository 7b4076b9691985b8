"""Geometric kernels on channels-last batches ``x: (N, H, W, C)`` (any dtype).

Each function handles a whole batch at once, with one parameter per image where the
images differ (crop offsets, angles): no Python loop over the images. They return new
arrays and never write into ``x``.

Pixel coordinates follow PIL: pixel ``(i, j)`` covers ``[j, j+1) x [i, i+1)``, so its
centre is at ``(j + 0.5, i + 0.5)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .images import from_float, to_float


def flip(x: np.ndarray, mask: np.ndarray, axis: int) -> np.ndarray:
    """Images ``x[mask]`` mirrored along ``axis`` (2: left-right, 1: top-bottom)."""
    out = x.copy()
    out[mask] = np.flip(x[mask], axis=axis)
    return out


def pad(x: np.ndarray, left: int, top: int, right: int, bottom: int,
        fill: Any = 0, mode: str = "constant") -> np.ndarray:
    """``x`` with borders added: ``(N, top+H+bottom, left+W+right, C)``.

    ``mode``: ``constant`` (``fill``, a number or one value per channel), ``edge``,
    ``reflect`` (mirror without repeating the edge) or ``symmetric`` (with it).
    """
    n, h, w, c = x.shape
    if mode == "constant":
        out = np.empty((n, top + h + bottom, left + w + right, c), dtype=x.dtype)
        out[...] = np.asarray(fill, dtype=x.dtype)
        out[:, top:top + h, left:left + w] = x
        return out
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), mode=mode)


def crop(x: np.ndarray, top: Any, left: Any, height: int, width: int, fill: Any = 0) -> np.ndarray:
    """Windows ``(N, height, width, C)``; image ``n``'s starts at ``(top[n], left[n])``.

    ``top``/``left`` are ints (one window for all) or ``(N,)`` int arrays. Parts of a
    window outside the image are ``fill`` (as PIL's crop does).
    """
    n, h, w, _ = x.shape
    top = np.broadcast_to(np.asarray(top, dtype=np.int64), (n,))
    left = np.broadcast_to(np.asarray(left, dtype=np.int64), (n,))
    pt, pl = max(0, -int(top.min())), max(0, -int(left.min()))
    pb, pr = max(0, int(top.max()) + height - h), max(0, int(left.max()) + width - w)
    if pt or pl or pb or pr:
        x = pad(x, pl, pt, pr, pb, fill)
        top, left = top + pt, left + pl
    if (top == top[0]).all() and (left == left[0]).all():
        t, l = int(top[0]), int(left[0])
        return x[:, t:t + height, l:l + width].copy()
    # One window per image without a loop: index a (read-only) view of all the windows.
    windows = sliding_window_view(x, (height, width), axis=(1, 2))  # (N, H-h+1, W-w+1, C, h, w)
    return np.moveaxis(windows[np.arange(n), top, left], 1, -1)


def resize_matrix(in_size: int, out_size: int, start: float = 0.0, length: float | None = None,
                  mode: str = "bilinear") -> np.ndarray:
    """Weights ``(out_size, in_size)``: row ``o`` mixes the input pixels of output pixel ``o``.

    The interval ``[start, start + length)`` of the input (all of it by default) is
    resampled to ``out_size`` pixels; pixels outside it get no weight, so this is "crop,
    then resize". ``bilinear`` is PIL's: a triangle filter, widened by the scale factor
    when shrinking (antialiasing), weights normalised per row. ``nearest`` picks the pixel
    under each output pixel's centre.
    """
    length = in_size if length is None else length
    scale = length / out_size
    centres = start + (np.arange(out_size) + 0.5) * scale  # in input coordinates
    pixel = np.arange(in_size) + 0.5
    if mode == "nearest":
        idx = np.clip(np.floor(centres).astype(np.int64), 0, in_size - 1)
        weights = (pixel[None, :] - 0.5 == idx[:, None]).astype(np.float32)
    elif mode == "bilinear":
        support = max(scale, 1.0)
        weights = np.maximum(0.0, 1.0 - np.abs(pixel[None, :] - centres[:, None]) / support)
        weights[:, (pixel < start) | (pixel > start + length)] = 0.0
        weights /= weights.sum(axis=1, keepdims=True)
    else:
        raise ValueError(f"interpolation must be 'bilinear' or 'nearest', got {mode!r}")
    return weights.astype(np.float32)


def resize(x: np.ndarray, size: tuple[int, int], boxes: tuple | None = None,
           mode: str = "bilinear") -> np.ndarray:
    """``x`` resampled to ``size = (out_h, out_w)``: two matrix products per image.

    ``boxes = (top, left, height, width)`` (``(N,)`` arrays) resizes a different crop of
    each image (RandomResizedCrop); without it the whole images are resized.
    """
    n, h, w, c = x.shape
    oh, ow = size
    xf, _ = to_float(x)
    if boxes is None:
        wy = resize_matrix(h, oh, mode=mode)                      # (oh, H)
        wx = resize_matrix(w, ow, mode=mode)                      # (ow, W)
    else:
        top, left, bh, bw = boxes
        wy = np.stack([resize_matrix(h, oh, t, s, mode) for t, s in zip(top, bh)])
        wx = np.stack([resize_matrix(w, ow, l, s, mode) for l, s in zip(left, bw)])[:, None]
    rows = (wy @ xf.reshape(n, h, w * c)).reshape(n, oh, w, c)   # resample the rows
    out = wx @ rows                                               # then the columns
    return from_float(out, x)


def rotate(x: np.ndarray, angles: np.ndarray, mode: str = "nearest",
           center: tuple[float, float] | None = None, fill: Any = 0) -> np.ndarray:
    """Each image ``x[n]`` turned counter-clockwise by ``angles[n]`` degrees about ``center``
    (``(x, y)`` in pixels, the image centre by default); corners that come from outside
    the image are ``fill``. ``mode``: ``nearest`` (PIL's rule) or ``bilinear``.
    """
    n, h, w, c = x.shape
    cx, cy = (w / 2.0, h / 2.0) if center is None else center
    theta = np.deg2rad(np.asarray(angles, dtype=np.float64))[:, None, None]
    # Rounded as PIL does, so that 90 degrees maps pixel centres exactly onto pixel centres.
    cos, sin = np.round(np.cos(theta), 15), np.round(np.sin(theta), 15)
    u = np.arange(w)[None, None, :] + 0.5 - cx                     # output pixel centres
    v = np.arange(h)[None, :, None] + 0.5 - cy
    src_x = cos * u - sin * v + cx                                 # inverse rotation: where
    src_y = sin * u + cos * v + cy                                 # each output pixel looks
    return sample(x, src_x, src_y, mode, fill)


def affine(x: np.ndarray, angles: np.ndarray, translate: np.ndarray, scales: np.ndarray,
           shears: np.ndarray, mode: str = "nearest", fill: Any = 0) -> np.ndarray:
    """Each image rotated counter-clockwise by ``angles[n]`` degrees, sheared by
    ``shears[n] = (sx, sy)`` degrees, scaled by ``scales[n]`` about its centre and then
    moved by ``translate[n] = (dx, dy)`` pixels (torchvision's ``affine``)."""
    n, h, w, c = x.shape
    cx, cy = w / 2.0, h / 2.0
    rot = np.deg2rad(-np.asarray(angles, dtype=np.float64))
    sx, sy = (np.deg2rad(np.asarray(shears, dtype=np.float64)[:, k]) for k in (0, 1))
    # the forward map is centre + translate + R(rot) Shear(sx, sy) scale (p - centre); its
    # inverse, written out as torchvision's _get_inverse_affine_matrix
    a = np.cos(rot - sy) / np.cos(sy)
    b = -np.cos(rot - sy) * np.tan(sx) / np.cos(sy) - np.sin(rot)
    cc = np.sin(rot - sy) / np.cos(sy)
    d = -np.sin(rot - sy) * np.tan(sx) / np.cos(sy) + np.cos(rot)
    scales = np.asarray(scales, dtype=np.float64)
    m = [v[:, None, None] / scales[:, None, None] for v in (d, -b, -cc, a)]
    tx, ty = (np.asarray(translate, dtype=np.float64)[:, k, None, None] for k in (0, 1))
    u = np.arange(w)[None, None, :] + 0.5 - cx - tx
    v = np.arange(h)[None, :, None] + 0.5 - cy - ty
    return sample(x, m[0] * u + m[1] * v + cx, m[2] * u + m[3] * v + cy, mode, fill)


def sample(x: np.ndarray, src_x: np.ndarray, src_y: np.ndarray, mode: str = "nearest",
           fill: Any = 0) -> np.ndarray:
    """``out[n, i, j] = x[n]`` read at the point ``(src_x[n, i, j], src_y[n, i, j])``
    (pixel coordinates); points outside the image give ``fill``. ``mode``: ``nearest``
    or ``bilinear``."""
    n, h, w, c = x.shape
    fill_value = np.asarray(fill, dtype=np.float32)
    n_idx = np.arange(n)[:, None, None]
    if mode == "nearest":
        ix, iy = np.floor(src_x).astype(np.int64), np.floor(src_y).astype(np.int64)
        inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        out = x[n_idx, np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)]
        out[~inside] = np.asarray(fill, dtype=x.dtype)
        return out
    if mode != "bilinear":
        raise ValueError(f"interpolation must be 'nearest' or 'bilinear', got {mode!r}")
    # Bilinear: a one-pixel frame of fill, so that neighbours outside the image are fill.
    xf = pad(to_float(x)[0], 1, 1, 1, 1, fill_value)
    px, py = src_x - 0.5 + 1, src_y - 0.5 + 1                      # index coords in the frame
    x0, y0 = np.floor(px).astype(np.int64), np.floor(py).astype(np.int64)
    fx, fy = (px - x0)[..., None].astype(np.float32), (py - y0)[..., None].astype(np.float32)
    inside = (src_x >= 0) & (src_x < w) & (src_y >= 0) & (src_y < h)
    x0, y0 = np.clip(x0, 0, w), np.clip(y0, 0, h)
    top = xf[n_idx, y0, x0] * (1 - fx) + xf[n_idx, y0, x0 + 1] * fx
    bottom = xf[n_idx, y0 + 1, x0] * (1 - fx) + xf[n_idx, y0 + 1, x0 + 1] * fx
    out = top * (1 - fy) + bottom * fy
    out[~inside] = fill_value
    return from_float(out, x)


def gaussian_blur(x: np.ndarray, kernel_size: tuple[int, int], sigmas: np.ndarray) -> np.ndarray:
    """Each image blurred with a Gaussian of ``sigmas[n] = (sigma_x, sigma_y)`` over a
    ``kernel_size = (kx, ky)`` window (separable, borders reflected, as torchvision)."""
    kx, ky = kernel_size
    a, _ = to_float(x)
    a = np.pad(a, ((0, 0), (ky // 2, ky // 2), (kx // 2, kx // 2), (0, 0)), mode="reflect")
    for axis, k, sig in ((2, kx, sigmas[:, 0]), (1, ky, sigmas[:, 1])):
        t = np.linspace(-(k - 1) / 2, (k - 1) / 2, k)
        weights = np.exp(-0.5 * (t[None, :] / np.asarray(sig, dtype=np.float64)[:, None]) ** 2)
        weights = (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)
        n_out = a.shape[axis] - k + 1
        acc = np.zeros(a.shape[:axis] + (n_out,) + a.shape[axis + 1:], np.float32)
        for i in range(k):
            part = a[:, i:i + n_out] if axis == 1 else a[:, :, i:i + n_out]
            acc += part * weights[:, i].reshape(-1, 1, 1, 1)
        a = acc
    return from_float(a, x)
