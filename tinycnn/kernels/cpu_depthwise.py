"""numba kernels for depthwise convolution (``groups`` == input channels), the same
functions and results as the depthwise section of `reference.py`.

A depthwise layer (MobileNet, EfficientNet) has one k x k filter per channel: output
channel o = c*M + m reads input channel c only. im2col would copy k*k columns per pixel
for a product with a single row per group, so these loops compute each output plane
directly from the zero-padded input, one (image, channel) plane per task: the tasks never
write the same element, and the innermost loop runs along an output row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import prange, uintp

from .cpu import _padded_size, _run, _zero_padded, kernel

Pair = tuple[int, int]


@kernel(cost=9, fastmath={"contract"})
def _forward(xp, w, b, sh, sw, dh, dw, out):  # pragma: no cover - numba
    """out[n, o, i, j] = b[o] + sum over ki, kj of w[o, 0, ki, kj] *
    xp[n, o // M, i*sh + ki*dh, j*sw + kj*dw]; xp zero-padded (N, C, HP, WP)."""
    n_img, o_ch, oh, ow = out.shape
    kh, kw = w.shape[2:]
    mult = o_ch // xp.shape[1]
    for task in prange(n_img * o_ch):
        n, o = task // o_ch, task % o_ch
        c = o // mult
        acc = np.empty(ow, dtype=out.dtype)
        for i in range(oh):
            for j in range(ow):
                acc[j] = b[o]
            for ki in range(kh):
                row = xp[n, c, uintp(i * sh + ki * dh)]
                for kj in range(kw):
                    wv, off = w[o, 0, ki, kj], kj * dw
                    for j in range(ow):
                        acc[j] += wv * row[uintp(j * sw + off)]
            for j in range(ow):
                out[n, o, i, j] = acc[j]


@kernel(cost=9, fastmath={"contract"})
def _backward_input(gy, w, sh, sw, dh, dw, gxp):  # pragma: no cover - numba
    """gxp[n, c, i*sh + ki*dh, j*sw + kj*dw] += w[o, 0, ki, kj] * gy[n, o, i, j] for
    the M outputs o of channel c; gxp: zeros (N, C, HP, WP) on entry."""
    n_img, o_ch, oh, ow = gy.shape
    kh, kw = w.shape[2:]
    c_in = gxp.shape[1]
    mult = o_ch // c_in
    for task in prange(n_img * c_in):
        n, c = task // c_in, task % c_in
        for o in range(c * mult, c * mult + mult):
            for i in range(oh):
                g = gy[n, o, i]
                for ki in range(kh):
                    row = gxp[n, c, uintp(i * sh + ki * dh)]
                    for kj in range(kw):
                        wv, off = w[o, 0, ki, kj], kj * dw
                        for j in range(ow):
                            row[uintp(j * sw + off)] += wv * g[j]


@kernel(cost=9, fastmath={"contract", "reassoc"})
def _backward_weight(gy, xp, sh, sw, dh, dw, gw):  # pragma: no cover - numba
    """gw[o, 0, ki, kj] = sum over n, i, j of gy[n, o, i, j] *
    xp[n, o // M, i*sh + ki*dh, j*sw + kj*dw]; one task per output channel."""
    n_img, o_ch, oh, ow = gy.shape
    kh, kw = gw.shape[2:]
    mult = o_ch // xp.shape[1]
    for o in prange(o_ch):
        c = o // mult
        for ki in range(kh):
            for kj in range(kw):
                gw[o, 0, ki, kj] = 0
        for n in range(n_img):
            for i in range(oh):
                g = gy[n, o, i]
                for ki in range(kh):
                    row = xp[n, c, uintp(i * sh + ki * dh)]
                    for kj in range(kw):
                        off = kj * dw
                        s = g[0] * 0
                        for j in range(ow):
                            s += g[j] * row[uintp(j * sw + off)]
                        gw[o, 0, ki, kj] += s


def depthwise_forward(x: Any, w: Any, b: Any, stride: Pair, padding: Pair, dilation: Pair,
                      out_size: Pair) -> np.ndarray:
    """x: (N, C, H, W), w: (O, 1, kh, kw), b: (O,) or None -> y: (N, O, oh, ow)."""
    o, _, kh, kw = w.shape
    xp = _zero_padded(x, kh, kw, stride, padding, dilation, out_size)
    bias = np.zeros(o, dtype=x.dtype) if b is None else np.ascontiguousarray(b)
    out = np.empty((x.shape[0], o) + tuple(out_size), dtype=x.dtype)
    _run(_forward, out.size * kh * kw, xp, np.ascontiguousarray(w), bias, *stride, *dilation,
         out)
    return out


def depthwise_backward_input(gy: Any, w: Any, x_shape: tuple, stride: Pair, padding: Pair,
                             dilation: Pair) -> np.ndarray:
    """gy: (N, O, oh, ow) -> gx: (N, C, H, W)."""
    o, _, kh, kw = w.shape
    n, c, h, wd = x_shape
    hp, wp = _padded_size((h, wd), kh, kw, stride, padding, dilation, gy.shape[2:])
    gxp = np.zeros((n, c, hp, wp), dtype=gy.dtype)
    _run(_backward_input, gy.size * kh * kw, np.ascontiguousarray(gy),
         np.ascontiguousarray(w), *stride, *dilation, gxp)
    if (hp, wp) == (h, wd):
        return gxp
    return np.ascontiguousarray(gxp[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + wd])


def depthwise_backward_weight(gy: Any, x: Any, kh: int, kw: int, stride: Pair, padding: Pair,
                              dilation: Pair) -> np.ndarray:
    """gy: (N, O, oh, ow), x: (N, C, H, W) -> gw: (O, 1, kh, kw)."""
    xp = _zero_padded(x, kh, kw, stride, padding, dilation, gy.shape[2:])
    gw = np.empty((gy.shape[1], 1, kh, kw), dtype=gy.dtype)
    _run(_backward_weight, gy.size * kh * kw, np.ascontiguousarray(gy), xp, *stride,
         *dilation, gw)
    return gw
