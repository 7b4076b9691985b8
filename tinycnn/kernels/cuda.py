"""CuPy (CUDA) versions of the kernels in `reference.py` (same arguments, same results).

Each kernel is a ``cupy.ElementwiseKernel``: CUDA C for *one* output element, which CuPy
runs on one GPU thread per element (``i`` is the element's flat index). The scatter-adds
of col2im and average pooling are written as *gathers*: each thread owns one input pixel
and sums the outputs whose window covered it, so no two threads write the same place
(no atomics, deterministic results); max pooling's backward adds atomically. ``raw``
arguments are indexed by flat position, so the wrappers pass contiguous 1-D views.
Matrix products go through cuBLAS (``a @ b`` in the functional layer).

This module is imported only when a kernel receives a CuPy array. Kernels are compiled
by CuPy on first use and cached on disk (``~/.cupy/kernel_cache``).
"""

from __future__ import annotations

from typing import Any

import cupy as cp

Pair = tuple[int, int]


def _flat(a: Any) -> Any:
    """A C-contiguous 1-D view (or copy) of ``a``: raw kernel arguments use flat indices."""
    return cp.ascontiguousarray(a).reshape(-1)


_GEOMETRY = ("int32 h, int32 w, int32 kh, int32 kw, int32 sh, int32 sw, int32 ph, int32 pw, "
             "int32 dh, int32 dw, int32 oh, int32 ow")

# --- im2col / col2im -----------------------------------------------------------------------

_im2col = cp.ElementwiseKernel(
    "raw T x, int32 n_img, int32 c_in, " + _GEOMETRY,
    "T col",
    """
    // col has shape (c_in*kh*kw, n_img*oh*ow); this thread fills col[r, q]
    const long long area = (long long)oh * ow;
    const long long width = n_img * area;
    const long long r = i / width;
    const long long q = i - r * width;
    const long long img = q / area;
    const int pix = (int)(q - img * area);
    const int oy = pix / ow, ox = pix % ow;
    const int kj = (int)(r % kw), ki = (int)((r / kw) % kh), ch = (int)(r / (kw * kh));
    const int y = oy * sh - ph + ki * dh;
    const int xx = ox * sw - pw + kj * dw;
    col = (y >= 0 && y < h && xx >= 0 && xx < w)
        ? x[((img * c_in + ch) * h + y) * w + xx] : (T)0;
    """,
    "tinycnn_im2col",
)

_col2im = cp.ElementwiseKernel(
    "raw T col, int32 n_img, int32 c_in, " + _GEOMETRY,
    "T gx",
    """
    // gx has shape (n_img, c_in, h, w); sum every column entry copied from this pixel
    const int xx = (int)(i % w), y = (int)((i / w) % h);
    const int ch = (int)((i / ((long long)w * h)) % c_in);
    const long long img = i / ((long long)w * h * c_in);
    const long long area = (long long)oh * ow;
    const long long width = n_img * area;
    T acc = 0;
    for (int ki = 0; ki < kh; ++ki) {
        const int ty = y + ph - ki * dh;          // = oy * sh for the output row oy
        if (ty < 0 || ty % sh != 0 || ty / sh >= oh) continue;
        for (int kj = 0; kj < kw; ++kj) {
            const int tx = xx + pw - kj * dw;
            if (tx < 0 || tx % sw != 0 || tx / sw >= ow) continue;
            const long long r = ((long long)ch * kh + ki) * kw + kj;
            acc += col[r * width + img * area + (ty / sh) * ow + tx / sw];
        }
    }
    gx = acc;
    """,
    "tinycnn_col2im",
)


def im2col(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
           out_size: Pair) -> Any:
    n, c, h, w = x.shape
    cols = cp.empty((c * kh * kw, n * out_size[0] * out_size[1]), dtype=x.dtype)
    _im2col(_flat(x), n, c, h, w, kh, kw, *stride, *padding, *dilation,
            *out_size, cols)
    return cols


def col2im(cols: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
           dilation: Pair, out_size: Pair) -> Any:
    n, c, h, w = x_shape
    gx = cp.empty(tuple(x_shape), dtype=cols.dtype)
    _col2im(_flat(cols), n, c, h, w, kh, kw, *stride, *padding, *dilation,
            *out_size, gx)
    return gx


# --- max pooling --------------------------------------------------------------------------------

_maxpool_fwd = cp.ElementwiseKernel(
    "raw T x, " + _GEOMETRY,
    "T y, int32 arg",
    """
    const int ox = (int)(i % ow), oy = (int)((i / ow) % oh);
    const long long plane = (i / ((long long)ow * oh)) * h * w;
    T best = 0;
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
# may overlap (stride < kernel, adaptive pooling), so the add is atomic
_maxpool_bwd = cp.ElementwiseKernel(
    "T gy, int32 arg, int64 out_plane, int64 in_plane",
    "raw T gx",
    "atomicAdd(&gx[(i / out_plane) * in_plane + arg], gy)",
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


# --- erf ----------------------------------------------------------------------------------------

_erf = cp.ElementwiseKernel("T x", "T y", "y = erf(x)", "tinycnn_erf")


def erf(x: Any) -> Any:
    return _erf(x)


# --- batch normalization --------------------------------------------------------------------
# CuPy's whole-array operations are already fused enough on a GPU: the reference code serves.

from .reference import batchnorm_backward, batchnorm_forward, batchnorm_stats  # noqa: E402,F401
