"""Resizing images: ``interpolate(x, size | scale_factor, mode="nearest" | "bilinear")``.

Both modes resize each spatial axis independently with a linear map: output row ``o`` is a
weighted sum of input rows. Writing that map as a matrix ``M_h: (H_out, H)`` (and
``M_w: (W_out, W)``) makes the whole op two matrix products, ``y = M_h @ x @ M_w.T``, and
its backward the transposed products, ``gx = M_h.T @ gy @ M_w``. The forward gathers the
(one or two) source pixels of each output pixel instead of multiplying, so that an inf or
nan stays local, as in PyTorch. The weights and
indices are computed exactly as PyTorch computes them (same formulas, same float type), so
the results match PyTorch's to rounding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..checks import pair
from ..tensor import Tensor


def _source_scale(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                  t: type) -> Any:
    """Input pixels per output pixel (PyTorch's ``area_pixel_compute_scale``), in type ``t``.

    A given ``scale_factor`` is used as 1 / scale_factor (not n_in / n_out), as in PyTorch.
    """
    if align_corners:
        return t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
    return t(1.0 / scale) if scale else t(n_in) / t(n_out)


def _nearest_index(n_in: int, n_out: int, scale: float | None,
                   exact: bool = False) -> np.ndarray:
    """Source index of each output pixel: floor(o * n_in / n_out) (PyTorch's 'nearest'),
    or with ``exact`` floor((o + 0.5) * n_in / n_out), the input pixel under the output
    pixel's centre ('nearest-exact', which matches PIL and OpenCV)."""
    o = np.arange(n_out)
    if n_out == n_in:
        return o
    if n_out == 2 * n_in and not exact:
        return o >> 1
    s = _source_scale(n_in, n_out, scale, False, np.float32)  # PyTorch uses float here
    centre = o.astype(np.float32) + np.float32(0.5 if exact else 0.0)
    return np.minimum(np.floor(centre * s).astype(np.int64), n_in - 1)


def _linear_taps(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                 dtype: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Each output pixel's two source pixels ``i0, i1`` and the weight ``lam1`` of ``i1``
    (``lam1`` is None when the axis is copied unchanged, as PyTorch does for n_out == n_in)."""
    o = np.arange(n_out)
    if n_out == n_in:
        return o, o, None
    t = np.dtype(dtype).type
    s = _source_scale(n_in, n_out, scale, align_corners, t)
    oo = o.astype(dtype)
    # the (fractional) input coordinate of each output pixel centre, clamped at 0
    src = s * oo if align_corners else np.maximum(s * (oo + t(0.5)) - t(0.5), t(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = i0 + (i0 < n_in - 1)
    return i0, i1, np.clip(src - i0.astype(dtype), t(0), t(1))


def _linear_matrix(taps: tuple, n_in: int, dtype: Any) -> np.ndarray:
    """``M: (n_out, n_in)`` of linear interpolation weights (each row sums to 1)."""
    i0, i1, lam1 = taps
    m = np.zeros((len(i0), n_in), dtype=dtype)
    o = np.arange(len(i0))
    if lam1 is None:  # one source pixel
        m[o, i0] = 1
        return m
    np.add.at(m, (o, i0), 1 - lam1)
    np.add.at(m, (o, i1), lam1)
    return m


def _resize_axis(xp: Any, x: Any, taps: tuple, axis: int) -> Any:
    """``x`` resized along ``axis`` by gathering each output pixel's source pixels."""
    i0, i1, lam1 = taps
    y0 = xp.take(x, i0, axis=axis)
    if lam1 is None:  # nearest, or an axis copied unchanged
        return y0
    lam1 = lam1[:, None] if axis == 2 else lam1
    with np.errstate(invalid="ignore"):  # inf * 0 is nan, as in PyTorch
        return y0 * (1 - lam1) + xp.take(x, i1, axis=axis) * lam1


class Resize2d(Function):
    """``y = M_h @ x @ M_w.T`` over the last two axes of ``x: (N, C, H, W)``.

    The forward gathers each output pixel's (one or two) source pixels along W, then H,
    instead of multiplying by the matrices, so an inf or nan only reaches the output
    pixels it is a source of (0 * inf would spread nan over whole rows).
    """

    @staticmethod
    def forward(ctx, x, mh, mw, taps_h, taps_w):
        ctx.mh, ctx.mw = mh, mw
        xp = backend.array_module(x)
        return _resize_axis(xp, _resize_axis(xp, x, taps_w, 3), taps_h, 2)

    @staticmethod
    def backward(ctx, g):
        return ctx.mh.T @ g @ ctx.mw, None, None, None, None


def interpolate(x: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None) -> Tensor:
    """Resize ``x: (N, C, H, W)`` to ``size=(H_out, W_out)`` or by ``scale_factor``
    (``H_out = floor(H * scale_factor)``), as PyTorch's ``F.interpolate``.

    mode: "nearest" (output pixel o copies input pixel floor(o * H / H_out)),
    "nearest-exact" (copies floor((o + 0.5) * H / H_out), the pixel under its centre) or
    "bilinear".
    align_corners (bilinear only): True maps the corner pixels onto each other; False
    (default) treats pixels as squares and aligns their outer edges.
    recompute_scale_factor: True computes the coordinates from the sizes, not from the
    given ``scale_factor`` (they differ when H * scale_factor is not an integer).
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"interpolate: expected a Tensor, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"interpolate: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"interpolate: expected a floating point tensor, got dtype {x.dtype}")
    if mode not in ("nearest", "nearest-exact", "bilinear"):
        raise ValueError(f"interpolate: mode must be 'nearest', 'nearest-exact' or 'bilinear', "
                         f"got {mode!r}")
    if align_corners is not None and mode != "bilinear":
        raise ValueError("interpolate: align_corners can only be set with mode='bilinear'")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor, got "
                         f"size={size!r}, scale_factor={scale_factor!r}")
    if recompute_scale_factor and size is not None:
        raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                         "explicit size")
    h, w = x.shape[2:]
    if size is not None:
        out = pair(size, "size", "interpolate", minimum=1)
        scales: tuple = (None, None)
    else:
        scales = pair(scale_factor, "scale_factor", "interpolate", kind=float)
        if min(scales) <= 0:
            raise ValueError(f"interpolate: scale_factor must be positive, got {scale_factor!r}")
        out = tuple(math.floor(n * s) for n, s in zip((h, w), scales))
        if min(out) <= 0:
            raise ValueError(f"interpolate: scale_factor={scale_factor!r} gives an empty output "
                             f"{out} for an input of size {(h, w)}")
        if recompute_scale_factor:
            scales = (None, None)
    if min(h, w) == 0:
        raise ValueError(f"interpolate: the input has an empty spatial size {(h, w)}")
    dtype = x.dtype
    if mode != "bilinear":
        exact = mode == "nearest-exact"
        taps = [(i, i, None) for i in (_nearest_index(n, m, s, exact)
                                       for n, m, s in zip((h, w), out, scales))]
    else:
        taps = [_linear_taps(n, m, s, bool(align_corners), dtype)
                for n, m, s in zip((h, w), out, scales)]
    mh, mw = (_linear_matrix(t, n, dtype) for t, n in zip(taps, (h, w)))
    dev = x.device
    mh, mw = backend.to_device(mh, dev), backend.to_device(mw, dev)
    taps = [tuple(None if a is None else backend.to_device(a, dev) for a in t) for t in taps]
    return Resize2d.apply(x, mh, mw, taps[0], taps[1])


def upsample(x: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """PyTorch's deprecated ``F.upsample``: the same as `interpolate`."""
    return interpolate(x, size, scale_factor, mode, align_corners)


__all__ = ["interpolate", "upsample"]
