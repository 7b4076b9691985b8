"""CuPy (CUDA) versions of the kernels in `reference.py` (same arguments, same results).

Each kernel is a ``cupy.ElementwiseKernel``: CUDA C for *one* output element, which CuPy
runs on one GPU thread per element (``i`` is the element's flat index) -- except im2col,
whose thread writes the kh*kw column entries of one output pixel (see below). The scatter-adds
of col2im and average pooling are written as *gathers*: each thread owns one input pixel
and sums the outputs whose window covered it, so no two threads write the same place
(no atomics, deterministic results); max pooling's backward adds atomically. ``raw``
arguments are indexed by flat position, so the wrappers pass contiguous 1-D views.
Matrix products go through cuBLAS (``a @ b``): convolution is the reference's im2col +
GEMM + col2im with this file's im2col and col2im. Batch norm and
Adam have fused kernels too; docs/performance.md gives what each one bought.

This module is imported only when a kernel receives a CuPy array. Kernels are compiled
by CuPy on first use and cached on disk (``~/.cupy/kernel_cache``).
"""

from __future__ import annotations

from typing import Any

import cupy as cp

from . import reference
from .reference import (  # the whole-array versions run as they are on CuPy arrays
    depthwise_backward_input,
    depthwise_backward_weight,
    depthwise_forward,
    matmul,  # a @ b: cuBLAS
)

Pair = tuple[int, int]


def _flat(a: Any) -> Any:
    """A C-contiguous 1-D view (or copy) of ``a``: raw kernel arguments use flat indices."""
    return cp.ascontiguousarray(a).reshape(-1)


_GEOMETRY = ("int32 h, int32 w, int32 kh, int32 kw, int32 sh, int32 sw, int32 ph, int32 pw, "
             "int32 dh, int32 dw, int32 oh, int32 ow")

# --- im2col / col2im -----------------------------------------------------------------------
# A thread turns its flat index into (channel, image, pixel) with divisions, and a GPU has
# no integer divider: a 32-bit division is a routine of some twenty instructions, a 64-bit
# one many more. With one thread per column entry the divisions, not the memory, bounded
# im2col; so one im2col thread copies all kh*kw taps of one (channel, image, output pixel)
# -- one decode for 9 copies in a 3x3 layer -- and neighbouring threads still write
# neighbouring columns (coalesced stores). Each kernel is compiled twice, with the index
# arithmetic in 32 bits (``idx_t`` = int) for arrays of fewer than 2^31 elements -- every
# layer of the nets here -- and in 64 bits for larger ones.

_IM2COL = """
    // col: (c_in*kh*kw, n_img*oh*ow). This thread: channel ch, column q = img*oh*ow + pix;
    // it fills col[(ch*kh + ki)*kw + kj, q] for every tap (ki, kj)
    const idx_t area = (idx_t)oh * ow;
    const idx_t width = n_img * area;
    const idx_t e = (idx_t)i;
    const idx_t ch = e / width;
    const idx_t q = e - ch * width;
    const idx_t img = q / area;
    const int pix = (int)(q - img * area);
    const int oy = pix / ow, ox = pix - oy * ow;
    const idx_t plane = (img * c_in + ch) * h * w;
    idx_t out = ch * kh * kw * width + q;
    for (int ki = 0; ki < kh; ++ki) {
        const int y = oy * sh - ph + ki * dh;
        const bool row_inside = y >= 0 && y < h;
        for (int kj = 0; kj < kw; ++kj, out += width) {
            const int xx = ox * sw - pw + kj * dw;
            col[out] = (row_inside && xx >= 0 && xx < w) ? x[plane + (idx_t)y * w + xx] : (T)0;
        }
    }
"""

_COL2IM = """
    // gx has shape (n_img, c_in, h, w); sum every column entry copied from this pixel
    const idx_t e = (idx_t)i;
    const idx_t plane = e / w;                       // = img * c_in * h + ch * h + y
    const int xx = (int)(e - plane * w);
    const idx_t img_ch = plane / h;                  // = img * c_in + ch
    const int y = (int)(plane - img_ch * h);
    const idx_t img = img_ch / c_in;
    const int ch = (int)(img_ch - img * c_in);
    const idx_t area = (idx_t)oh * ow;
    const idx_t width = n_img * area;
    T acc = 0;
    for (int ki = 0; ki < kh; ++ki) {
        const int ty = y + ph - ki * dh;          // = oy * sh for the output row oy
        if (ty < 0 || ty % sh != 0 || ty / sh >= oh) continue;
        for (int kj = 0; kj < kw; ++kj) {
            const int tx = xx + pw - kj * dw;
            if (tx < 0 || tx % sw != 0 || tx / sw >= ow) continue;
            const idx_t r = ((idx_t)ch * kh + ki) * kw + kj;
            acc += col[r * width + img * area + (ty / sh) * ow + tx / sw];
        }
    }
    gx = acc;
"""

INDEX_TYPES = {"int32": "int", "int64": "long long"}
# the largest element count the 32-bit kernels serve (a module constant so that tests
# can lower it and run the 64-bit kernels on small arrays)
INT32_MAX_ELEMENTS = 2**31 - 1


def _indexed_kernels(params: str, out: str, body: str, name: str) -> dict[str, Any]:
    """One kernel source compiled for each index type: {"int32": kernel, "int64": kernel}."""
    return {bits: cp.ElementwiseKernel(params, out, body, f"{name}_{bits}",
                                       preamble=f"typedef {c_type} idx_t;")
            for bits, c_type in INDEX_TYPES.items()}


_im2col = _indexed_kernels("raw T x, int32 n_img, int32 c_in, " + _GEOMETRY, "raw T col",
                           _IM2COL, "tinycnn_im2col")
_col2im = _indexed_kernels("raw T col, int32 n_img, int32 c_in, " + _GEOMETRY, "T gx",
                           _COL2IM, "tinycnn_col2im")


def _index_bits(*arrays: Any) -> str:
    """"int32" when every array has at most INT32_MAX_ELEMENTS elements, else "int64"."""
    return "int32" if max(a.size for a in arrays) <= INT32_MAX_ELEMENTS else "int64"


def im2col(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
           out_size: Pair) -> Any:
    n, c, h, w = x.shape
    cols = cp.empty((c * kh * kw, n * out_size[0] * out_size[1]), dtype=x.dtype)
    _im2col[_index_bits(x, cols)](_flat(x), n, c, h, w, kh, kw, *stride, *padding,
                                  *dilation, *out_size, cols.reshape(-1),
                                  size=c * n * out_size[0] * out_size[1])
    return cols


def col2im(cols: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
           dilation: Pair, out_size: Pair) -> Any:
    n, c, h, w = x_shape
    gx = cp.empty(tuple(x_shape), dtype=cols.dtype)
    _col2im[_index_bits(cols, gx)](_flat(cols), n, c, h, w, kh, kw, *stride, *padding,
                                   *dilation, *out_size, gx)
    return gx


# --- max pooling --------------------------------------------------------------------------------

_maxpool_fwd = cp.ElementwiseKernel(
    "raw T x, " + _GEOMETRY,
    "T y, int32 arg",
    """
    const int ox = (int)(i % ow), oy = (int)((i / ow) % oh);
    const long long plane = (i / ((long long)ow * oh)) * h * w;
    T best = -INFINITY;  // a window wholly in the padding gives -inf and argmax -1 (PyTorch)
    int where = -1;
    for (int ki = 0; ki < kh; ++ki) {
        const int r = oy * sh - ph + ki * dh;
        if (r < 0 || r >= h) continue;
        for (int kj = 0; kj < kw; ++kj) {
            const int c = ox * sw - pw + kj * dw;
            if (c < 0 || c >= w) continue;
            const T v = x[plane + r * w + c];
            // first in-bounds tap starts the race; NaN always wins (PyTorch)
            if (where < 0 || v > best || isnan(v)) { best = v; where = r * w + c; }
        }
    }
    y = best;
    arg = where;
    """,
    "tinycnn_maxpool_fwd",
)

# scatter: each output adds its gradient onto the pixel that won its window; windows
# may overlap (stride < kernel, adaptive pooling), so the add is atomic; arg -1 (a window
# wholly in the padding) adds nothing
_maxpool_bwd = cp.ElementwiseKernel(
    "T gy, int32 arg, int64 out_plane, int64 in_plane",
    "raw T gx",
    "if (arg >= 0) atomicAdd(&gx[(i / out_plane) * in_plane + arg], gy)",
    "tinycnn_maxpool_bwd",
)


def maxpool2d_forward(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
                      out_size: Pair) -> tuple[Any, Any]:
    n, c, h, w = x.shape
    y = cp.empty((n, c) + tuple(out_size), dtype=x.dtype)
    arg = cp.empty((n, c) + tuple(out_size), dtype=cp.int32)
    _maxpool_fwd(_flat(x), h, w, kh, kw, *stride, *padding, *dilation,
                 *out_size, y, arg)
    return y, arg


def maxpool2d_backward(gy: Any, argmax: Any, x_shape: tuple) -> Any:
    n, c, h, w = x_shape
    gx = cp.zeros(n * c * h * w, dtype=gy.dtype)
    _maxpool_bwd(cp.ascontiguousarray(gy), cp.ascontiguousarray(argmax),
                 gy.shape[2] * gy.shape[3], h * w, gx)
    return gx.reshape(x_shape)


# --- average pooling ----------------------------------------------------------------------------

_WINDOW = """
__device__ int tinycnn_window(int i, int s, int p, int k, int size, int* lo, int* hi) {
    // window of output i: clipped [lo, hi), returns the extent counting padding (PyTorch)
    const int start = i * s - p;
    const int end = min(start + k, size + p);
    *lo = max(start, 0);
    *hi = min(end, size);
    return end - start;
}
__device__ int tinycnn_divisor(int oy, int ox, int h, int w, int kh, int kw, int sh, int sw,
                               int ph, int pw, bool include_pad, int override_) {
    int r0, r1, c0, c1;
    const int eh = tinycnn_window(oy, sh, ph, kh, h, &r0, &r1);
    const int ew = tinycnn_window(ox, sw, pw, kw, w, &c0, &c1);
    if (override_ > 0) return override_;
    return include_pad ? eh * ew : (r1 - r0) * (c1 - c0);
}
"""

_POOL_ARGS = ("int32 h, int32 w, int32 kh, int32 kw, int32 sh, int32 sw, int32 ph, int32 pw, "
              "int32 oh, int32 ow, bool include_pad, int32 override_")

_avgpool_fwd = cp.ElementwiseKernel(
    "raw T x, " + _POOL_ARGS,
    "T y",
    """
    const int ox = (int)(i % ow), oy = (int)((i / ow) % oh);
    const long long plane = (i / ((long long)ow * oh)) * h * w;
    int r0, r1, c0, c1;
    tinycnn_window(oy, sh, ph, kh, h, &r0, &r1);
    tinycnn_window(ox, sw, pw, kw, w, &c0, &c1);
    T total = 0;
    for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c) total += x[plane + r * w + c];
    const int div = tinycnn_divisor(oy, ox, h, w, kh, kw, sh, sw, ph, pw, include_pad,
                                    override_);
    y = (r1 <= r0 || c1 <= c0) ? (T)0 : total / (T)div;
    """,
    "tinycnn_avgpool_fwd",
    preamble=_WINDOW,
)

_avgpool_bwd = cp.ElementwiseKernel(
    "raw T gy, " + _POOL_ARGS,
    "T gx",
    """
    // gx has shape (planes, h, w): outputs oy whose window [oy*sh-ph, oy*sh-ph+kh) holds y
    const int xx = (int)(i % w), y = (int)((i / w) % h);
    const long long plane = i / ((long long)w * h);
    const int ay = y + ph - kh + 1, ax = xx + pw - kw + 1;
    const int oy0 = ay > 0 ? (ay + sh - 1) / sh : 0, oy1 = min(oh - 1, (y + ph) / sh);
    const int ox0 = ax > 0 ? (ax + sw - 1) / sw : 0, ox1 = min(ow - 1, (xx + pw) / sw);
    T acc = 0;
    for (int oy = oy0; oy <= oy1; ++oy)
        for (int ox = ox0; ox <= ox1; ++ox)
            acc += gy[(plane * oh + oy) * ow + ox]
                   / (T)tinycnn_divisor(oy, ox, h, w, kh, kw, sh, sw, ph, pw, include_pad,
                                        override_);
    gx = acc;
    """,
    "tinycnn_avgpool_bwd",
    preamble=_WINDOW,
)


def avgpool2d_forward(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, out_size: Pair,
                      count_include_pad: bool = True, divisor_override: int | None = None) -> Any:
    n, c, h, w = x.shape
    y = cp.empty((n, c) + tuple(out_size), dtype=x.dtype)
    _avgpool_fwd(_flat(x), h, w, kh, kw, *stride, *padding, *out_size,
                 bool(count_include_pad), int(divisor_override or 0), y)
    return y


def avgpool2d_backward(gy: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
                       count_include_pad: bool = True,
                       divisor_override: int | None = None) -> Any:
    n, c, h, w = x_shape
    gx = cp.empty(tuple(x_shape), dtype=gy.dtype)
    _avgpool_bwd(_flat(gy), h, w, kh, kw, *stride, *padding, *gy.shape[2:],
                 bool(count_include_pad), int(divisor_override or 0), gx)
    return gx


# --- ReLU ---------------------------------------------------------------------------------------

_relu_fwd = cp.ElementwiseKernel("T x", "T y", "y = (x > 0 || x != x) ? x : (T)0",
                                 "tinycnn_relu_fwd")
_relu_bwd = cp.ElementwiseKernel("T g, T y", "T gx", "gx = y <= 0 ? (T)0 : g", "tinycnn_relu_bwd")


def relu_forward(x: Any) -> Any:
    return _relu_fwd(x)


def relu_backward(g: Any, y: Any) -> Any:
    return _relu_bwd(g, y)


# --- erf ----------------------------------------------------------------------------------------

_erf = cp.ElementwiseKernel("T x", "T y", "y = erf(x)", "tinycnn_erf")


def erf(x: Any) -> Any:
    return _erf(x)


# --- batch normalization --------------------------------------------------------------------
# x: (N, C, S). Per-channel sums go in two stages, first over S (one CuPy reduction per
# (n, c) row: N*C independent rows), then over N. CuPy reduces each output in one thread
# block, so summing over axes (0, 2) in one go gives only C blocks of work (64 for a
# 64-channel layer, on a GPU with 132 multiprocessors) -- measured as slow as all of a
# ResNet-18's convolutions together. The element-wise parts are one fused kernel each;
# the (C,) vectors come in as (C, 1) and broadcast over S.

_bn_square_dev = cp.ElementwiseKernel("T x, T mean", "T d", "d = (x - mean) * (x - mean)",
                                      "tinycnn_bn_square_dev")
_bn_forward = cp.ElementwiseKernel(
    "T x, T mean, T invstd, T weight, T bias", "T y, T xhat",
    "xhat = (x - mean) * invstd; y = xhat * weight + bias",
    "tinycnn_bn_forward",
)
_bn_backward = cp.ElementwiseKernel(
    "T gy, T xhat, T mean_g, T mean_gxhat, T scale", "T gx",
    "gx = (gy - mean_g - xhat * mean_gxhat) * scale",
    "tinycnn_bn_backward",
)


def _channel_sum(a: Any) -> Any:
    """a: (N, C, S) -> (C,): the sum over N and S, in two stages (see above)."""
    return a.sum(axis=2).sum(axis=0)


def _column(v: Any, like: Any) -> Any:
    """A (C,) vector as a (C, 1) column of ``like``'s dtype (one T per kernel)."""
    return v.astype(like.dtype, copy=False)[:, None]


def batchnorm_stats(x: Any) -> tuple[Any, Any]:
    m = x.shape[0] * x.shape[2]
    mean = _channel_sum(x) / m
    return mean, _channel_sum(_bn_square_dev(x, _column(mean, x))) / m


def batchnorm_forward(x: Any, mean: Any, invstd: Any, weight: Any, bias: Any) -> tuple[Any, Any]:
    return _bn_forward(x, *(_column(v, x) for v in (mean, invstd, weight, bias)))


def batchnorm_backward(gy: Any, xhat: Any, scale: Any, training: bool) -> tuple[Any, Any, Any]:
    xhat = xhat.astype(gy.dtype, copy=False)
    sum_g, sum_gxhat = _channel_sum(gy), _channel_sum(gy * xhat)
    if not training:
        return gy * _column(scale, gy), sum_g, sum_gxhat
    m = gy.shape[0] * gy.shape[2]
    gx = _bn_backward(gy, xhat, _column(sum_g / m, gy), _column(sum_gxhat / m, gy),
                      _column(scale, gy))
    return gx, sum_g, sum_gxhat


# --- Adam ---------------------------------------------------------------------------------------
# The whole update in one kernel per parameter instead of 13 CuPy passes (13 launches
# each): for a net of 16 parameter arrays those launches took a quarter of a training step.
# Same operations in the same order as `tinycnn.kernels.cpu.adam_update`, in T.

_ADAM = """
    const T mk = m + (g - m) * (T)one_minus_b1;
    m = mk;
    T vk = v * (T)b2 + g * g * (T)one_minus_b2;
    v = vk;
    {amsgrad}
    p -= mk / (sqrt(vk) / (T)bias2 + (T)eps) * (T)step_size;
"""
_ADAM_IN = ("T g, float64 one_minus_b1, float64 b2, float64 one_minus_b2, float64 step_size, "
            "float64 bias2, float64 eps")
_adam = cp.ElementwiseKernel(_ADAM_IN, "T p, T m, T v", _ADAM.format(amsgrad=""),
                             "tinycnn_adam")
_adam_amsgrad = cp.ElementwiseKernel(
    _ADAM_IN, "T p, T m, T v, T vmax",
    _ADAM.format(amsgrad="vk = max(vmax, vk);\n    vmax = vk;"), "tinycnn_adam_amsgrad")


def adam_update(p: Any, g: Any, m: Any, v: Any, vmax: Any, beta1: float, beta2: float,
                step_size: float, bias2: float, eps: float) -> bool:
    """One Adam step in place on p, m, v (and vmax unless None); see
    `tinycnn.kernels.cpu.adam_update`. Returns False, touching nothing, unless all the
    arrays are CuPy arrays of p's dtype and shape."""
    arrays = (p, g, m, v) if vmax is None else (p, g, m, v, vmax)
    if not all(isinstance(a, cp.ndarray) and a.dtype == p.dtype and a.shape == p.shape
               for a in arrays):
        return False
    scalars = (1 - beta1, beta2, 1 - beta2, step_size, bias2, eps)
    if vmax is None:
        _adam(g, *scalars, p, m, v)
    else:
        _adam_amsgrad(g, *scalars, p, m, v, vmax)
    return True


# --- convolution: the reference's im2col + GEMM + col2im, with this file's copy kernels ---------


def conv2d_forward(x: Any, w: Any, b: Any, g: Any) -> Any:
    """`tinycnn.kernels.reference.conv2d_forward`, its columns made by `im2col` above."""
    return reference.conv2d_forward(x, w, b, g, im2col)


def conv2d_backward(gy: Any, x: Any, w: Any, x_shape: tuple, g: Any,
                    needs: tuple) -> tuple[Any, Any, Any]:
    """`tinycnn.kernels.reference.conv2d_backward` with `im2col` and `col2im` above."""
    return reference.conv2d_backward(gy, x, w, x_shape, g, needs, im2col, col2im)


__all__ = ["adam_update", "avgpool2d_backward", "avgpool2d_forward", "batchnorm_backward",
           "batchnorm_forward", "batchnorm_stats", "col2im", "conv2d_backward",
           "conv2d_forward", "depthwise_backward_input", "depthwise_backward_weight",
           "depthwise_forward", "erf", "im2col", "matmul", "maxpool2d_backward",
           "maxpool2d_forward", "relu_backward", "relu_forward"]
