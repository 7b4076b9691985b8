"""Max and average pooling on the CPU (numba loops over the windows)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange, uintp

from .runtime import _run, kernel

Pair = tuple[int, int]


@njit(cache=True, nogil=True)
def _inside(offset: int, step: int, size: int, n_out: int) -> tuple[int, int]:
    """Outputs j in [lo, hi) whose tap ``j*step + offset`` falls inside [0, size)."""
    lo = min(n_out, (-offset + step - 1) // step) if offset < 0 else 0  # ceil(-offset/step)
    hi = min(n_out, (size - offset + step - 1) // step)  # ceil((size - offset) / step)
    return lo, max(lo, hi)


# --- max pooling --------------------------------------------------------------------------------


@kernel(cost=8)
def _maxpool_fwd(x, kh, kw, sh, sw, ph, pw, dh, dw, y, arg):  # pragma: no cover - numba
    planes, h, w = x.shape
    _, oh, ow = y.shape
    # outputs whose window lies wholly inside the image (no padding taps): rows
    # [i_lo, i_hi), columns [j_lo, j_hi). They take a loop without bounds tests
    # (measured 1.3x faster for ResNet's 3x3/stride-2 pool); the border takes the full one.
    i_lo, i_hi = _inside(-ph, sh, h - (kh - 1) * dh, oh)
    j_lo, j_hi = _inside(-pw, sw, w - (kw - 1) * dw, ow)
    for p in prange(planes):
        for i in range(oh):
            r0 = i * sh - ph
            inner_row = i_lo <= i < i_hi
            for j in range(ow):
                c0 = j * sw - pw
                if inner_row and j_lo <= j < j_hi:
                    best = x[p, uintp(r0), uintp(c0)]
                    where = r0 * w + c0
                    for ki in range(kh):
                        r = uintp(r0 + ki * dh)
                        for kj in range(kw):
                            c = uintp(c0 + kj * dw)
                            v = x[p, r, c]
                            if v > best or v != v:  # NaN always wins (PyTorch)
                                best = v
                                where = r * w + c
                    y[p, i, j] = best
                    arg[p, i, j] = where
                    continue
                best = -np.inf
                where = -1
                for ki in range(kh):
                    r = r0 + ki * dh
                    if r < 0 or r >= h:
                        continue
                    for kj in range(kw):
                        c = c0 + kj * dw
                        if c < 0 or c >= w:
                            continue
                        v = x[p, uintp(r), uintp(c)]
                        # first in-bounds tap starts the race; NaN always wins (PyTorch)
                        if where < 0 or v > best or v != v:
                            best = v
                            where = r * w + c
                y[p, i, j] = best
                arg[p, i, j] = where


@kernel(cost=2)
def _maxpool_fwd_2x2(x, y, arg):  # pragma: no cover - numba
    """The common 2x2, stride-2 window without padding, unrolled (7x faster)."""
    planes, h, w = x.shape
    _, oh, ow = y.shape
    for p in prange(planes):
        for i in range(oh):
            r = 2 * i
            for j in range(ow):
                c = 2 * j
                best, where = x[p, r, c], r * w + c
                for dr, dc in ((0, 1), (1, 0), (1, 1)):
                    v = x[p, r + dr, c + dc]
                    if v > best or v != v:
                        best, where = v, (r + dr) * w + c + dc
                y[p, i, j] = best
                arg[p, i, j] = where


@kernel(cost=1.5)
def _maxpool_bwd(gy, arg, gx):  # pragma: no cover - numba
    planes, length = gy.shape
    for p in prange(planes):
        for k in range(length):
            if arg[p, k] >= 0:  # -1: the window lay wholly in the padding, no pixel won
                gx[p, uintp(arg[p, k])] += gy[p, k]


def maxpool2d_forward(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
                      out_size: Pair) -> tuple[np.ndarray, np.ndarray]:
    n, c, h, w = x.shape
    y = np.empty((n * c,) + tuple(out_size), dtype=x.dtype)
    arg = np.empty((n * c,) + tuple(out_size), dtype=np.int32)
    planes = np.ascontiguousarray(x).reshape(n * c, h, w)
    if (kh, kw, stride, padding, dilation) == (2, 2, (2, 2), (0, 0), (1, 1)) and \
            2 * out_size[0] <= h and 2 * out_size[1] <= w:
        _run(_maxpool_fwd_2x2, x.size, planes, y, arg)
    else:
        _run(_maxpool_fwd, x.size, planes, kh, kw, *stride, *padding, *dilation, y, arg)
    return y.reshape(n, c, *out_size), arg.reshape(n, c, *out_size)


def maxpool2d_backward(gy: Any, argmax: Any, x_shape: tuple) -> np.ndarray:
    n, c, h, w = x_shape
    gx = np.zeros((n * c, h * w), dtype=gy.dtype)
    length = gy.shape[2] * gy.shape[3]  # not -1: N may be 0
    _run(_maxpool_bwd, gx.size, np.ascontiguousarray(gy).reshape(n * c, length),
         np.ascontiguousarray(argmax).reshape(n * c, length), gx)
    return gx.reshape(x_shape)


# --- average pooling ----------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _window(i, s, p, k, size):  # pragma: no cover - numba
    """Window of output i: (clipped start, clipped end, extent counting the padding)."""
    start = i * s - p
    end = min(start + k, size + p)
    return max(start, 0), min(end, size), end - start


@kernel(cost=8)
def _avgpool(x, gy, forward, kh, kw, sh, sw, ph, pw, include_pad, override, out):
    """Forward: out[p, i, j] = mean of x's window; backward: out[window] += gy[p, i, j]/div.

    One loop serves both directions because both visit the same windows with the same
    divisors; ``forward`` picks which way the values flow.
    """
    if forward:
        planes, oh, ow = out.shape
        h, w = x.shape[1], x.shape[2]
    else:
        planes, oh, ow = gy.shape
        h, w = out.shape[1], out.shape[2]
    for p in prange(planes):
        for i in range(oh):
            r0, r1, eh = _window(i, sh, ph, kh, h)
            for j in range(ow):
                c0, c1, ew = _window(j, sw, pw, kw, w)
                if override > 0:
                    div = override
                elif include_pad:
                    div = eh * ew
                else:
                    div = (r1 - r0) * (c1 - c0)
                if r1 <= r0 or c1 <= c0:
                    if forward:
                        out[p, i, j] = 0
                    continue
                if forward:
                    total = 0.0
                    for r in range(r0, r1):
                        for c in range(c0, c1):
                            total += x[p, uintp(r), uintp(c)]
                    out[p, i, j] = total / div
                else:
                    share = gy[p, i, j] / div
                    for r in range(r0, r1):
                        for c in range(c0, c1):
                            out[p, uintp(r), uintp(c)] += share


def avgpool2d_forward(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, out_size: Pair,
                      count_include_pad: bool = True,
                      divisor_override: int | None = None) -> np.ndarray:
    n, c, h, w = x.shape
    y = np.empty((n * c,) + tuple(out_size), dtype=x.dtype)
    planes = np.ascontiguousarray(x).reshape(n * c, h, w)
    _run(_avgpool, x.size, planes, y, True, kh, kw, *stride, *padding, bool(count_include_pad),
             int(divisor_override or 0), y)
    return y.reshape(n, c, *out_size)


def avgpool2d_backward(gy: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
                       count_include_pad: bool = True,
                       divisor_override: int | None = None) -> np.ndarray:
    n, c, h, w = x_shape
    gx = np.zeros((n * c, h, w), dtype=gy.dtype)
    g = np.ascontiguousarray(gy).reshape(n * c, *gy.shape[2:])
    _run(_avgpool, gx.size, gx, g, False, kh, kw, *stride, *padding, bool(count_include_pad),
             int(divisor_override or 0), gx)
    return gx.reshape(x_shape)

