"""Plain-NumPy reference versions of every kernel: the ones to read first.

Each kernel here is written with whole-array operations (``xp`` is NumPy or CuPy, so the
same code also runs on a GPU) and loops only over the *kernel window* (KH x KW steps),
never over pixels. `cpu.py` (numba) and `cuda.py` (CuPy) compute exactly the same
arrays faster; tests compare them with these.

Shared conventions (all kernels):
    x: (N, C, H, W) input; kh, kw: window size; stride = (sh, sw);
    padding = (ph, pw): zeros (or -inf for max pooling) added *before* row 0 / column 0.
    The output size (oh, ow) is passed in explicitly, so the padding after the last
    row/column is whatever the output needs (this gives asymmetric "same" padding and
    ``ceil_mode`` for free); dilation = (dh, dw): spacing between window taps.

Output pixel (i, j) looks at input rows ``i*sh - ph + ki*dh`` for ki = 0..kh-1 and
columns ``j*sw - pw + kj*dw`` for kj = 0..kw-1.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import array_module

Pair = tuple[int, int]


def _padded(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
            out_size: Pair, value: float) -> Any:
    """``x`` with ``padding`` rows/columns of ``value`` before and as many after as needed."""
    xp = array_module(x)
    _, _, h, w = x.shape
    need_h = (out_size[0] - 1) * stride[0] + (kh - 1) * dilation[0] + 1
    need_w = (out_size[1] - 1) * stride[1] + (kw - 1) * dilation[1] + 1
    after_h = max(0, need_h - h - padding[0])
    after_w = max(0, need_w - w - padding[1])
    return xp.pad(x, ((0, 0), (0, 0), (padding[0], after_h), (padding[1], after_w)),
                  mode="constant", constant_values=value)


def _tap(ki: int, kj: int, stride: Pair, dilation: Pair, out_size: Pair) -> tuple:
    """Index of the strided view that window tap (ki, kj) sees, for every output pixel."""
    h0, w0 = ki * dilation[0], kj * dilation[1]
    return (slice(None), slice(None),
            slice(h0, h0 + stride[0] * (out_size[0] - 1) + 1, stride[0]),
            slice(w0, w0 + stride[1] * (out_size[1] - 1) + 1, stride[1]))


def _cropped(xpad: Any, x_shape: tuple, padding: Pair) -> Any:
    _, _, h, w = x_shape
    return xpad[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w]


# --- im2col / col2im ------------------------------------------------------------------------


def im2col(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
           out_size: Pair) -> Any:
    """Unfold every kh x kw window of ``x`` into a column.

    x: (N, C, H, W) -> cols: (C*kh*kw, N*oh*ow), where
    ``cols[(c*kh + ki)*kw + kj, (n*oh + i)*ow + j] = xpad[n, c, i*sh + ki*dh, j*sw + kj*dw]``.
    For each tap (ki, kj) one strided slice of the padded input gives that tap's value
    for all N x oh x ow output pixels at once.
    """
    xp = array_module(x)
    n, c = x.shape[:2]
    oh, ow = out_size
    xpad = _padded(x, kh, kw, stride, padding, dilation, out_size, 0)
    cols = xp.empty((c, kh, kw, n, oh, ow), dtype=x.dtype)
    for ki in range(kh):
        for kj in range(kw):
            # (N, C, oh, ow) -> (C, N, oh, ow): channel-major, the layout of cols' rows
            cols[:, ki, kj] = xpad[_tap(ki, kj, stride, dilation, out_size)].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def col2im(cols: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
           dilation: Pair, out_size: Pair) -> Any:
    """The adjoint of `im2col`: add every column back onto the pixels it was copied from.

    cols: (C*kh*kw, N*oh*ow) -> (N, C, H, W). A pixel that sat in several windows gets
    the sum of all its copies (this is the input gradient of a convolution).
    """
    xp = array_module(cols)
    n, c = x_shape[:2]
    oh, ow = out_size
    zeros = xp.zeros(x_shape, dtype=cols.dtype)
    gpad = _padded(zeros, kh, kw, stride, padding, dilation, out_size, 0)
    cols6 = cols.reshape(c, kh, kw, n, oh, ow)
    for ki in range(kh):
        for kj in range(kw):
            gpad[_tap(ki, kj, stride, dilation, out_size)] += cols6[:, ki, kj].transpose(1, 0, 2, 3)
    return xp.ascontiguousarray(_cropped(gpad, x_shape, padding))


# --- max pooling --------------------------------------------------------------------------------


def maxpool2d_forward(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
                      out_size: Pair) -> tuple[Any, Any]:
    """Max over each window, and where it was.

    x: (N, C, H, W) -> (y, argmax), both (N, C, oh, ow); ``argmax`` (int32) is the flat
    index ``h*W + w`` of the winning pixel inside its (H, W) plane (PyTorch's
    ``return_indices``). Padding never wins; on ties the first tap in row-major window
    order wins; NaN wins (it propagates), as in PyTorch.
    """
    xp = array_module(x)
    _, _, h, w = x.shape
    oh, ow = out_size
    xpad = _padded(x, kh, kw, stride, padding, dilation, out_size, -np.inf)
    rows = xp.arange(oh) * stride[0] - padding[0]  # first tap's row for each output row
    cols = xp.arange(ow) * stride[1] - padding[1]
    y = xp.full(x.shape[:2] + (oh, ow), -np.inf, dtype=x.dtype)
    # start at the first in-bounds tap of each window (that is what wins if all are -inf)
    first_h = rows + _first_inside(rows, dilation[0])
    first_w = cols + _first_inside(cols, dilation[1])
    argmax = xp.broadcast_to((first_h[:, None] * w + first_w[None, :]).astype(np.int32),
                             y.shape).copy()
    for ki in range(kh):
        for kj in range(kw):
            v = xpad[_tap(ki, kj, stride, dilation, out_size)]
            better = (v > y) | xp.isnan(v)
            y = xp.where(better, v, y)
            idx = (rows[:, None] + ki * dilation[0]) * w + (cols[None, :] + kj * dilation[1])
            argmax = xp.where(better, idx.astype(np.int32), argmax)
    return y, argmax


def _first_inside(starts: Any, d: int) -> Any:
    """Offset of the first tap at or after row 0 for windows starting at ``starts``."""
    xp = array_module(starts)
    return xp.where(starts < 0, ((-starts + d - 1) // d) * d, 0)


def maxpool2d_backward(gy: Any, argmax: Any, x_shape: tuple) -> Any:
    """Send each output gradient to the pixel that won its window.

    gy, argmax: (N, C, oh, ow) -> gx: (N, C, H, W). Overlapping windows that chose the
    same pixel add up.
    """
    xp = array_module(gy)
    n, c, h, w = x_shape
    gx = xp.zeros((n * c, h * w), dtype=gy.dtype)
    planes = xp.arange(n * c)[:, None]
    flat_g, flat_i = gy.reshape(n * c, -1), argmax.reshape(n * c, -1)
    if xp is np:
        np.add.at(gx, (planes, flat_i), flat_g)
    else:
        import cupyx  # noqa: PLC0415

        cupyx.scatter_add(gx, (planes, flat_i), flat_g)
    return gx.reshape(x_shape)


# --- average pooling ------------------------------------------------------------------------


def avgpool_divisor(x_size: Pair, kh: int, kw: int, stride: Pair, padding: Pair,
                    out_size: Pair, count_include_pad: bool, divisor_override: int | None,
                    xp: Any = np) -> Any:
    """What each output of average pooling divides its window sum by: (oh, ow).

    PyTorch's rule: a window is clipped to the padded input (it may overhang it with
    ``ceil_mode``); ``count_include_pad`` counts the padding inside that, otherwise only
    real pixels are counted; ``divisor_override`` replaces all of this.
    """
    oh, ow = out_size
    if divisor_override is not None:
        return xp.full((oh, ow), divisor_override, dtype=np.float64)

    def extent(n_out: int, size: int, k: int, s: int, p: int) -> Any:
        start = xp.arange(n_out) * s - p
        end = xp.minimum(start + k, size + p)
        if count_include_pad:
            return end - start
        return xp.minimum(end, size) - xp.maximum(start, 0)

    eh = extent(oh, x_size[0], kh, stride[0], padding[0])
    ew = extent(ow, x_size[1], kw, stride[1], padding[1])
    return (eh[:, None] * ew[None, :]).astype(np.float64)


def avgpool2d_forward(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, out_size: Pair,
                      count_include_pad: bool = True, divisor_override: int | None = None) -> Any:
    """Mean over each window. x: (N, C, H, W) -> (N, C, oh, ow)."""
    xp = array_module(x)
    xpad = _padded(x, kh, kw, stride, padding, (1, 1), out_size, 0)
    total = xp.zeros(x.shape[:2] + tuple(out_size), dtype=x.dtype)
    for ki in range(kh):
        for kj in range(kw):
            total += xpad[_tap(ki, kj, stride, (1, 1), out_size)]
    div = avgpool_divisor(x.shape[2:], kh, kw, stride, padding, out_size, count_include_pad,
                          divisor_override, xp)
    return total / div.astype(x.dtype)


def avgpool2d_backward(gy: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
                       count_include_pad: bool = True,
                       divisor_override: int | None = None) -> Any:
    """Spread each output gradient evenly over its window. gy: (N, C, oh, ow) -> (N, C, H, W)."""
    xp = array_module(gy)
    out_size = tuple(gy.shape[2:])
    div = avgpool_divisor(x_shape[2:], kh, kw, stride, padding, out_size, count_include_pad,
                          divisor_override, xp)
    share = gy / div.astype(gy.dtype)
    gpad = _padded(xp.zeros(x_shape, dtype=gy.dtype), kh, kw, stride, padding, (1, 1),
                   out_size, 0)
    for ki in range(kh):
        for kj in range(kw):
            gpad[_tap(ki, kj, stride, (1, 1), out_size)] += share
    return xp.ascontiguousarray(_cropped(gpad, x_shape, padding))


# --- ReLU ---------------------------------------------------------------------------------------


def relu_forward(x: Any) -> Any:
    """max(x, 0); NaN stays NaN (as in PyTorch)."""
    return array_module(x).maximum(x, 0)


def relu_backward(g: Any, y: Any) -> Any:
    """0 where the output y <= 0 (even for an inf or NaN g), else g: PyTorch's
    ``threshold_backward``, which selects rather than multiplies (a NaN output passes g)."""
    return array_module(g).where(y <= 0, g.dtype.type(0), g)


# --- erf ----------------------------------------------------------------------------------------


def erf(x: Any) -> Any:
    """The error function, element by element (NumPy has none; ``math.erf`` per element)."""
    xp = array_module(x)
    if xp is not np:
        import cupyx.scipy.special  # noqa: PLC0415

        return cupyx.scipy.special.erf(x)
    return np.vectorize(math.erf, otypes=[x.dtype])(x)


# --- batch normalization --------------------------------------------------------------------
# x, gy: (N, C, S), the spatial axes flattened into S; statistics are per channel c over
# the N*S values x[:, c, :].


def batchnorm_stats(x: Any) -> tuple[Any, Any]:
    """Per-channel mean and biased variance of x: (N, C, S) -> ((C,), (C,))."""
    mean = x.mean(axis=(0, 2))
    var = array_module(x).square(x - mean[:, None]).mean(axis=(0, 2))
    return mean, var


def batchnorm_forward(x: Any, mean: Any, invstd: Any, weight: Any, bias: Any) -> tuple[Any, Any]:
    """(y, xhat) with ``xhat = (x - mean) * invstd`` and ``y = xhat * weight + bias``;
    mean, invstd, weight, bias: (C,)."""
    xhat = (x - mean[:, None]) * invstd[:, None]
    return xhat * weight[:, None] + bias[:, None], xhat


def batchnorm_backward(gy: Any, xhat: Any, scale: Any, training: bool) -> tuple[Any, Any, Any]:
    """(gx, sum_g, sum_gxhat): the input gradient and the per-channel sums ``sum(gy)`` and
    ``sum(gy * xhat)`` (the bias and weight gradients). scale: (C,) = weight * invstd.

    In training the statistics depend on x, so the gradient's mean and its component
    along xhat are removed: ``gx = (gy - sum_g/m - xhat * sum_gxhat/m) * scale``, with m
    = N*S values per channel; in evaluation ``gx = gy * scale``.
    """
    sum_g = gy.sum(axis=(0, 2))
    sum_gx = (gy * xhat).sum(axis=(0, 2))
    if training:
        m = gy.shape[0] * gy.shape[2]
        gx = (gy - (sum_g / m)[:, None] - xhat * (sum_gx / m)[:, None]) * scale[:, None]
    else:
        gx = gy * scale[:, None]
    return gx, sum_g, sum_gx


# --- depthwise convolution (groups == input channels) -----------------------------------------
# Output channel o = c*M + m reads input channel c only (M: the depth multiplier, O = C*M),
# so it needs no columns: each window tap is one multiply-add of a strided view of the
# padded input by one weight per channel. w: (O, 1, kh, kw).


def _repeat_channels(x: Any, mult: int) -> Any:
    """(N, C, ...) -> (N, C*mult, ...): channel c repeated for outputs c*mult .. c*mult+mult-1."""
    return x if mult == 1 else array_module(x).repeat(x, mult, axis=1)


def depthwise_forward(x: Any, w: Any, b: Any, stride: Pair, padding: Pair, dilation: Pair,
                      out_size: Pair) -> Any:
    """y[n, o, i, j] = b[o] + sum over (ki, kj) of w[o, 0, ki, kj] *
    xpad[n, o // M, i*sh + ki*dh, j*sw + kj*dw]. x: (N, C, H, W) -> y: (N, O, oh, ow)."""
    xp = array_module(x)
    o, _, kh, kw = w.shape
    xpad = _repeat_channels(_padded(x, kh, kw, stride, padding, dilation, out_size, 0),
                            o // x.shape[1])
    y = xp.zeros((x.shape[0], o) + tuple(out_size), dtype=x.dtype)
    for ki in range(kh):
        for kj in range(kw):
            y += w[:, 0, ki, kj, None, None] * xpad[_tap(ki, kj, stride, dilation, out_size)]
    return y if b is None else y + b[:, None, None]


def depthwise_backward_input(gy: Any, w: Any, x_shape: tuple, stride: Pair, padding: Pair,
                             dilation: Pair) -> Any:
    """gx: (N, C, H, W), the adjoint of `depthwise_forward` in x: each tap's weighted gy
    is added back where the tap read from, summed over the M outputs of each channel."""
    xp = array_module(gy)
    o, _, kh, kw = w.shape
    n, c, h, wd = x_shape
    out_size = gy.shape[2:]
    # the padded input's size: leading padding plus whatever the last window reaches
    hp = max(h + padding[0], (out_size[0] - 1) * stride[0] + (kh - 1) * dilation[0] + 1)
    wp = max(wd + padding[1], (out_size[1] - 1) * stride[1] + (kw - 1) * dilation[1] + 1)
    gxpad = xp.zeros((n, o, hp, wp), dtype=gy.dtype)
    for ki in range(kh):
        for kj in range(kw):
            gxpad[_tap(ki, kj, stride, dilation, out_size)] += w[:, 0, ki, kj, None, None] * gy
    gx = _cropped(gxpad, (n, o, h, wd), padding)
    return xp.ascontiguousarray(gx.reshape(n, c, o // c, h, wd).sum(axis=2))


def depthwise_backward_weight(gy: Any, x: Any, kh: int, kw: int, stride: Pair, padding: Pair,
                              dilation: Pair) -> Any:
    """gw: (O, 1, kh, kw), gw[o, 0, ki, kj] = sum over n, i, j of gy[n, o, i, j] times
    the input value that tap (ki, kj) of output (i, j) read."""
    xp = array_module(gy)
    o = gy.shape[1]
    out_size = gy.shape[2:]
    xpad = _repeat_channels(_padded(x, kh, kw, stride, padding, dilation, out_size, 0),
                            o // x.shape[1])
    gw = xp.empty((o, 1, kh, kw), dtype=gy.dtype)
    for ki in range(kh):
        for kj in range(kw):
            gw[:, 0, ki, kj] = (gy * xpad[_tap(ki, kj, stride, dilation, out_size)]).sum(
                axis=(0, 2, 3))
    return gw
