"""numba versions of the kernels in `reference.py` (same arguments, same results).

These are the CPU hot loops of a CNN: copying windows into columns (im2col), adding them
back (col2im), and pooling. Written as plain loops over pixels, compiled by numba and
run in parallel (``prange``) over independent pieces of work, so no two threads ever
write the same element. ``cache=True`` stores the machine code next to this file: the
compile cost (a few seconds per kernel and dtype) is paid once per machine.

This module is imported on the first kernel call, never by ``import tinycnn`` (importing
numba takes a while).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, prange

Pair = tuple[int, int]


@njit(cache=True)
def _inside(offset: int, step: int, size: int, n_out: int) -> tuple[int, int]:
    """Outputs j in [lo, hi) whose tap ``j*step + offset`` falls inside [0, size)."""
    lo = min(n_out, (-offset + step - 1) // step) if offset < 0 else 0  # ceil(-offset/step)
    hi = min(n_out, (size - offset + step - 1) // step)  # ceil((size - offset) / step)
    return lo, max(lo, hi)


# --- im2col / col2im -----------------------------------------------------------------------


@njit(parallel=True, cache=True)
def _im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cols):  # pragma: no cover - numba
    n_img, c_in, h, w = x.shape
    area = oh * ow
    # one task = one row of cols (a channel and a tap) for one image: a contiguous run
    for task in prange(c_in * kh * kw * n_img):
        r = task // n_img
        n = task - r * n_img
        c = r // (kh * kw)
        ki = (r // kw) % kh
        kj = r % kw
        off = kj * dw - pw
        lo, hi = _inside(off, sw, w, ow)
        for i in range(oh):
            o = n * area + i * ow
            row = i * sh - ph + ki * dh
            if row < 0 or row >= h:
                for j in range(ow):
                    cols[r, o + j] = 0
                continue
            for j in range(lo):
                cols[r, o + j] = 0
            for j in range(lo, hi):
                cols[r, o + j] = x[n, c, row, j * sw + off]
            for j in range(hi, ow):
                cols[r, o + j] = 0


@njit(parallel=True, cache=True)
def _col2im(cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, gx):  # pragma: no cover - numba
    n_img, c_in, h, w = gx.shape
    area = oh * ow
    # one task = one (image, channel) plane of gx: the scatter-add never collides
    for task in prange(n_img * c_in):
        n = task // c_in
        c = task - n * c_in
        for ki in range(kh):
            for kj in range(kw):
                r = (c * kh + ki) * kw + kj
                off = kj * dw - pw
                lo, hi = _inside(off, sw, w, ow)
                for i in range(oh):
                    row = i * sh - ph + ki * dh
                    if row < 0 or row >= h:
                        continue
                    o = n * area + i * ow
                    for j in range(lo, hi):
                        gx[n, c, row, j * sw + off] += cols[r, o + j]


def im2col(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
           out_size: Pair) -> np.ndarray:
    n, c = x.shape[:2]
    cols = np.empty((c * kh * kw, n * out_size[0] * out_size[1]), dtype=x.dtype)
    _im2col(np.ascontiguousarray(x), kh, kw, *stride, *padding, *dilation, *out_size, cols)
    return cols


def col2im(cols: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
           dilation: Pair, out_size: Pair) -> np.ndarray:
    gx = np.zeros(x_shape, dtype=cols.dtype)
    _col2im(np.ascontiguousarray(cols), kh, kw, *stride, *padding, *dilation, *out_size, gx)
    return gx


# --- max pooling --------------------------------------------------------------------------------


@njit(parallel=True, cache=True)
def _maxpool_fwd(x, kh, kw, sh, sw, ph, pw, dh, dw, y, arg):  # pragma: no cover - numba
    planes, h, w = x.shape
    _, oh, ow = y.shape
    for p in prange(planes):
        for i in range(oh):
            r0 = i * sh - ph
            for j in range(ow):
                c0 = j * sw - pw
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
                        v = x[p, r, c]
                        # first in-bounds tap starts the race; NaN always wins (PyTorch)
                        if where < 0 or v > best or v != v:
                            best = v
                            where = r * w + c
                y[p, i, j] = best
                arg[p, i, j] = where


@njit(parallel=True, cache=True)
def _maxpool_bwd(gy, arg, gx):  # pragma: no cover - numba
    planes, length = gy.shape
    for p in prange(planes):
        for k in range(length):
            gx[p, arg[p, k]] += gy[p, k]


def maxpool2d_forward(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
                      out_size: Pair) -> tuple[np.ndarray, np.ndarray]:
    n, c, h, w = x.shape
    y = np.empty((n * c,) + tuple(out_size), dtype=x.dtype)
    arg = np.empty((n * c,) + tuple(out_size), dtype=np.int32)
    _maxpool_fwd(np.ascontiguousarray(x).reshape(n * c, h, w), kh, kw, *stride, *padding,
                 *dilation, y, arg)
    return y.reshape(n, c, *out_size), arg.reshape(n, c, *out_size)


def maxpool2d_backward(gy: Any, argmax: Any, x_shape: tuple) -> np.ndarray:
    n, c, h, w = x_shape
    gx = np.zeros((n * c, h * w), dtype=gy.dtype)
    _maxpool_bwd(np.ascontiguousarray(gy).reshape(n * c, -1),
                 np.ascontiguousarray(argmax).reshape(n * c, -1), gx)
    return gx.reshape(x_shape)


# --- average pooling ----------------------------------------------------------------------------


@njit(cache=True)
def _window(i, s, p, k, size):  # pragma: no cover - numba
    """Window of output i: (clipped start, clipped end, extent counting the padding)."""
    start = i * s - p
    end = min(start + k, size + p)
    return max(start, 0), min(end, size), end - start


@njit(parallel=True, cache=True)
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
                            total += x[p, r, c]
                    out[p, i, j] = total / div
                else:
                    share = gy[p, i, j] / div
                    for r in range(r0, r1):
                        for c in range(c0, c1):
                            out[p, r, c] += share


def avgpool2d_forward(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, out_size: Pair,
                      count_include_pad: bool = True,
                      divisor_override: int | None = None) -> np.ndarray:
    n, c, h, w = x.shape
    y = np.empty((n * c,) + tuple(out_size), dtype=x.dtype)
    planes = np.ascontiguousarray(x).reshape(n * c, h, w)
    _avgpool(planes, y, True, kh, kw, *stride, *padding, bool(count_include_pad),
             int(divisor_override or 0), y)
    return y.reshape(n, c, *out_size)


def avgpool2d_backward(gy: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
                       count_include_pad: bool = True,
                       divisor_override: int | None = None) -> np.ndarray:
    n, c, h, w = x_shape
    gx = np.zeros((n * c, h, w), dtype=gy.dtype)
    g = np.ascontiguousarray(gy).reshape(n * c, *gy.shape[2:])
    _avgpool(gx, g, False, kh, kw, *stride, *padding, bool(count_include_pad),
             int(divisor_override or 0), gx)
    return gx.reshape(x_shape)


# --- erf ----------------------------------------------------------------------------------------


@njit(parallel=True, cache=True)
def _erf(x, out):  # pragma: no cover - numba
    for k in prange(x.size):
        out[k] = math.erf(x[k])


def erf(x: Any) -> np.ndarray:
    out = np.empty(x.shape, dtype=x.dtype)
    _erf(np.ascontiguousarray(x).reshape(-1), out.reshape(-1))
    return out
