"""Convolution on the CPU: `conv2d_forward` / `conv2d_backward`, the fast version of
`tinycnn.kernels.reference`'s im2col + one GEMM + col2im.

The same products as the reference, arranged for the cache and the cores: the batch goes
through in chunks of a few images whose columns stay in the cache between im2col and the
GEMM (`CHUNK_BYTES`), the chunks run side by side, one per core (`for_each`); 1x1 kernels
need no im2col (their columns are the input, transposed); tiny images order their columns
(pixel, image) (`TINY_IMAGE`); first layers with few channels skip the columns altogether
(`conv2d_direct`). The numba loops for im2col / col2im are below them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import prange, uintp

from .runtime import _run, for_each, kernel, max_threads

Pair = tuple[int, int]


# --- im2col / col2im -----------------------------------------------------------------------


@kernel(cost=2)
def _im2col(xp, kh, kw, sh, sw, dh, dw, oh, ow, cols):  # pragma: no cover - numba
    """im2col of an input that is already zero-padded: every tap is inside xp."""
    n_img, c_in = xp.shape[:2]
    area = oh * ow
    # one task = one row of cols (a channel and a tap) for all images
    for r in prange(c_in * kh * kw):
        c = r // (kh * kw)
        ki = (r // kw) % kh
        kj = r % kw
        for n in range(n_img):
            for i in range(oh):
                o = n * area + i * ow
                row = uintp(i * sh + ki * dh)
                for j in range(ow):
                    cols[r, uintp(o + j)] = xp[n, c, row, uintp(j * sw + kj * dw)]


@kernel(cost=2)
def _col2im(cols, kh, kw, sh, sw, dh, dw, oh, ow, gxp):  # pragma: no cover - numba
    """col2im into a zero-padded gradient gxp: every tap is inside it."""
    n_img, c_in = gxp.shape[:2]
    area = oh * ow
    # one task = one channel: its rows of cols are read in order and added into gxp[:, c],
    # which no other task touches (the scatter-add never collides)
    for c in prange(c_in):
        for ki in range(kh):
            for kj in range(kw):
                r = (c * kh + ki) * kw + kj
                for n in range(n_img):
                    for i in range(oh):
                        o = n * area + i * ow
                        row = uintp(i * sh + ki * dh)
                        for j in range(ow):
                            gxp[n, c, row, uintp(j * sw + kj * dw)] += cols[r, uintp(o + j)]


def _padded_size(size: Pair, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
                 out_size: Pair) -> Pair:
    """(rows, columns) of the zero-padded input: the leading padding plus whatever the
    last window reaches (at least the whole image)."""
    return (max(size[0] + padding[0], (out_size[0] - 1) * stride[0] + (kh - 1) * dilation[0] + 1),
            max(size[1] + padding[1], (out_size[1] - 1) * stride[1] + (kw - 1) * dilation[1] + 1))


def _zero_padded(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
                 out_size: Pair) -> np.ndarray:
    """x with ``padding`` zeros before and as many after as the output needs."""
    n, c, h, w = x.shape
    ph, pw = padding
    hp, wp = _padded_size((h, w), kh, kw, stride, padding, dilation, out_size)
    if (ph, pw, hp, wp) == (0, 0, h, w):
        return np.ascontiguousarray(x)
    xp = np.zeros((n, c, hp, wp), dtype=x.dtype)
    xp[:, :, ph:ph + h, pw:pw + w] = x
    return xp


def im2col(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
           out_size: Pair) -> np.ndarray:
    # a zero-padded copy first: one small pass, and a copy loop without bounds tests
    n, c = x.shape[:2]
    cols = np.empty((c * kh * kw, n * out_size[0] * out_size[1]), dtype=x.dtype)
    xp = _zero_padded(x, kh, kw, stride, padding, dilation, out_size)
    _run(_im2col, cols.size, xp, kh, kw, *stride, *dilation, *out_size, cols)
    return cols


def col2im(cols: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
           dilation: Pair, out_size: Pair) -> np.ndarray:
    # summed into a zero-padded gradient (no bounds tests, as in im2col), then cropped
    n, c, h, w = x_shape
    ph, pw = padding
    hp, wp = _padded_size((h, w), kh, kw, stride, padding, dilation, out_size)
    gxp = np.zeros((n, c, hp, wp), dtype=cols.dtype)
    _run(_col2im, cols.size, np.ascontiguousarray(cols), kh, kw, *stride, *dilation,
         *out_size, gxp)
    if (ph, pw, hp, wp) == (0, 0, h, w):
        return gxp
    return np.ascontiguousarray(gxp[:, :, ph:ph + h, pw:pw + w])


# --- im2col / col2im with the batch innermost, for tiny images -----------------------------
# On a 4x4 image each row of columns is made of 4-pixel pieces; with the batch innermost
# (input transposed to (C, H, W, N)) each piece is N values long.
TINY_IMAGE = 16  # output pixels per image (4 x 4) up to which convolutions use this layout


@kernel(cost=2)
def _im2col_bi(xt, kh, kw, sh, sw, dh, dw, oh, ow, cols):  # pragma: no cover - numba
    """cols[(c*kh + ki)*kw + kj, (i*ow + j)*N + n] = xt[c, i*sh + ki*dh, j*sw + kj*dw, n];
    xt: zero-padded input with the batch innermost, (C, HP, WP, N)."""
    c_in, n_img = xt.shape[0], xt.shape[3]
    for r in prange(c_in * kh * kw):
        c = r // (kh * kw)
        ki = (r // kw) % kh
        kj = r % kw
        for i in range(oh):
            row = uintp(i * sh + ki * dh)
            for j in range(ow):
                src = xt[c, row, uintp(j * sw + kj * dw)]
                o = (i * ow + j) * n_img
                for n in range(n_img):
                    cols[r, uintp(o + n)] = src[n]


@kernel(cost=2)
def _col2im_bi(cols, kh, kw, sh, sw, dh, dw, oh, ow, gxt):  # pragma: no cover - numba
    """The adjoint of `_im2col_bi`: gxt[c, ...] += the columns of channel c."""
    c_in, n_img = gxt.shape[0], gxt.shape[3]
    for c in prange(c_in):  # one task per channel: no two tasks add into one pixel
        for ki in range(kh):
            for kj in range(kw):
                r = (c * kh + ki) * kw + kj
                for i in range(oh):
                    row = uintp(i * sh + ki * dh)
                    for j in range(ow):
                        dst = gxt[c, row, uintp(j * sw + kj * dw)]
                        o = (i * ow + j) * n_img
                        for n in range(n_img):
                            dst[n] += cols[r, uintp(o + n)]


def im2col_batch_inner(x: Any, kh: int, kw: int, stride: Pair, padding: Pair,
                       dilation: Pair, out_size: Pair) -> np.ndarray:
    """`im2col` with the columns in (pixel, image) order: x (N, C, H, W) ->
    (C*kh*kw, oh*ow*N), column ``(i*ow + j)*N + n`` is output pixel (i, j) of image n."""
    n, c, h, w = x.shape
    ph, pw = padding
    hp, wp = _padded_size((h, w), kh, kw, stride, padding, dilation, out_size)
    xt = np.zeros((c, hp, wp, n), dtype=x.dtype)
    xt[:, ph:ph + h, pw:pw + w, :] = x.transpose(1, 2, 3, 0)
    cols = np.empty((c * kh * kw, n * out_size[0] * out_size[1]), dtype=x.dtype)
    _run(_im2col_bi, cols.size, xt, kh, kw, *stride, *dilation, *out_size, cols)
    return cols


def col2im_batch_inner(cols: Any, x_shape: tuple, kh: int, kw: int, stride: Pair,
                       padding: Pair, dilation: Pair, out_size: Pair) -> np.ndarray:
    """Adjoint of `im2col_batch_inner`: cols (C*kh*kw, oh*ow*N) -> (N, C, H, W)."""
    n, c, h, w = x_shape
    ph, pw = padding
    hp, wp = _padded_size((h, w), kh, kw, stride, padding, dilation, out_size)
    gxt = np.zeros((c, hp, wp, n), dtype=cols.dtype)
    _run(_col2im_bi, cols.size, np.ascontiguousarray(cols), kh, kw, *stride, *dilation,
         *out_size, gxt)
    return np.ascontiguousarray(gxt[:, ph:ph + h, pw:pw + w, :].transpose(3, 0, 1, 2))


# --- direct convolution for layers with few channels ---------------------------------------
# With few output channels the GEMM does two multiply-adds per column value and is bound
# by the columns: computing from the padded input is faster, but not with many channels
# or strides (the limits below).
DIRECT_MAX_OUT = 16  # output channels
DIRECT_MAX_TAPS = 100  # input channels x kernel height x kernel width


@kernel(fastmath={"contract"})
def _conv_direct(xp, w, b, out):  # pragma: no cover - numba
    """out[n, o, i, j] = b[o] + sum over c, ki, kj of w[o, c, ki, kj] * xp[n, c, i+ki, j+kj].

    xp: zero-padded input (N, C, HP, WP); w: (O4, C, KH, KW), its output channels padded
    with zeros to a multiple of 4; b: (O4,); out: (N, O, OH, OW). One task = 4 output
    channels of one image; each input value loaded feeds four rows of sums (``acc``),
    and the loop over the row (j) vectorizes.
    """
    n_img, c_in = xp.shape[:2]
    o_ch, oh, ow = out.shape[1:]
    kh, kw = w.shape[2:]
    blocks = w.shape[0] // 4
    for task in prange(n_img * blocks):
        n = task // blocks
        o = task % blocks * 4
        acc = np.empty((4, ow), dtype=out.dtype)
        for i in range(oh):
            for q in range(4):
                for j in range(ow):
                    acc[q, j] = b[o + q]
            for c in range(c_in):
                for ki in range(kh):
                    row = xp[n, c, uintp(i + ki)]
                    for kj in range(kw):
                        w0, w1 = w[o, c, ki, kj], w[o + 1, c, ki, kj]
                        w2, w3 = w[o + 2, c, ki, kj], w[o + 3, c, ki, kj]
                        for j in range(ow):
                            v = row[uintp(j + kj)]
                            acc[0, j] += w0 * v
                            acc[1, j] += w1 * v
                            acc[2, j] += w2 * v
                            acc[3, j] += w3 * v
            for q in range(min(4, o_ch - o)):
                for j in range(ow):
                    out[n, o + q, i, j] = acc[q, j]


def conv2d_direct(x: Any, w: Any, b: Any, stride: Pair, padding: Pair, dilation: Pair,
                  out_size: Pair) -> np.ndarray | None:
    """conv2d(x, w, b) computed without columns, for layers where that is faster (see
    `DIRECT_MAX_OUT`); None, doing nothing, for any other layer, grouped ones included
    (the caller then uses im2col). x: (N, C, H, W), w: (O, C/groups, KH, KW), b: (O,) or
    None."""
    o, c, kh, kw = w.shape
    if (stride != (1, 1) or dilation != (1, 1) or o > DIRECT_MAX_OUT
            or c * kh * kw > DIRECT_MAX_TAPS or c != x.shape[1]):
        return None
    blocks = -(-o // 4)
    w4 = np.zeros((4 * blocks, c, kh, kw), dtype=x.dtype)
    w4[:o] = w
    b4 = np.zeros(4 * blocks, dtype=x.dtype)
    if b is not None:
        b4[:o] = b
    xp = _zero_padded(x, kh, kw, stride, padding, dilation, out_size)
    out = np.empty((x.shape[0], o) + tuple(out_size), dtype=x.dtype)
    _run(_conv_direct, out.size * c * kh * kw, xp, w4, b4, out)
    return out



# --- the convolution: chunks of im2col + GEMM, side by side on the cores ----------------------

CHUNK_BYTES = 2 * 2**20  # columns per chunk: they stay in the cache from im2col to the GEMM
# layers with few output channels (per group) are bound by reading the columns: smaller chunks
SMALL_CHUNK_BYTES = 2**20
FEW_CHANNELS = 16  # fewer output channels per group than this: SMALL_CHUNK_BYTES


def _batch_inner(kh: int, kw: int, out_size: Pair) -> bool:
    """Whether a convolution orders its columns (pixel, image) instead of (image, pixel):
    for tiny images (`TINY_IMAGE`), where copying runs of N images beats copying 4-pixel
    rows."""
    return (kh, kw) != (1, 1) and out_size[0] * out_size[1] <= TINY_IMAGE


def _to_column_order(g: Any, batch_inner: bool) -> Any:
    """(m, O, oh, ow) -> (O, m*oh*ow), its columns in the order of the im2col columns."""
    return g.transpose((1, 2, 3, 0) if batch_inner else (1, 0, 2, 3)).reshape(g.shape[1], -1)


def _from_column_order(y: Any, out_size: Pair, batch_inner: bool) -> Any:
    """(O, m*oh*ow) in the columns' order -> (m, O, oh, ow), a view."""
    if batch_inner:
        return y.reshape(y.shape[0], *out_size, -1).transpose(3, 0, 1, 2)
    return y.reshape(y.shape[0], -1, *out_size).transpose(1, 0, 2, 3)


def _columns(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
             out_size: Pair, batch_inner: bool = False) -> np.ndarray:
    """im2col of x: (C*kh*kw, N*oh*ow); a 1x1 kernel's columns are the (strided) input."""
    if batch_inner:
        return im2col_batch_inner(x, kh, kw, stride, padding, dilation, out_size)
    if kh == kw == 1 and padding == (0, 0):
        picked = x[:, :, ::stride[0], ::stride[1]]
        return np.ascontiguousarray(picked.transpose(1, 0, 2, 3)).reshape(x.shape[1], -1)
    return im2col(x, kh, kw, stride, padding, dilation, out_size)


def _uncolumns(cols: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
               dilation: Pair, out_size: Pair, batch_inner: bool = False) -> np.ndarray:
    """col2im, the adjoint of `_columns`: (C*kh*kw, N*oh*ow) -> (N, C, H, W)."""
    if batch_inner:
        return col2im_batch_inner(cols, x_shape, kh, kw, stride, padding, dilation, out_size)
    if kh == kw == 1 and padding == (0, 0):
        n, c = x_shape[:2]
        back = cols.reshape(c, n, *out_size).transpose(1, 0, 2, 3)
        if stride == (1, 1):
            return np.ascontiguousarray(back)
        gx = np.zeros(x_shape, dtype=cols.dtype)
        gx[:, :, ::stride[0], ::stride[1]] = back
        return gx
    return col2im(cols, x_shape, kh, kw, stride, padding, dilation, out_size)


def _chunks(n: int, itemsize: int, k_rows: int, out_size: Pair, group_out: int) -> list[slice]:
    """Slices of a batch of ``n`` images for chunked im2col + GEMM; ``group_out`` (output
    channels per group) picks the chunk size (see `SMALL_CHUNK_BYTES`). There are at
    least as many chunks as cores; the chunks depend on the core count only, not on the
    load, so neither do the results."""
    if n == 0:
        return []  # an empty batch (N = 0): nothing to compute
    per_image = k_rows * out_size[0] * out_size[1] * itemsize
    budget = SMALL_CHUNK_BYTES if group_out < FEW_CHANNELS else CHUNK_BYTES
    threads = max_threads()
    count = -(-n // max(1, budget // per_image))
    # a multiple of the core count, of near-equal sizes: every core gets the same work
    count = min(n, -(-count // threads) * threads)
    bounds = [n * k // count for k in range(count + 1)]
    return [slice(lo, hi) for lo, hi in zip(bounds, bounds[1:])]


def _sum(arrays: list[Any]) -> Any:
    """arrays[0] + arrays[1] + ..., into arrays[0] (a fresh array made by the caller)."""
    total = arrays[0]
    for a in arrays[1:]:
        total += a
    return total


def conv2d_forward(x: Any, w: Any, b: Any, g: Any) -> np.ndarray:
    """`tinycnn.kernels.conv2d_forward` on the CPU: x (N, C, H, W), w (O, C/groups, KH, KW),
    b (O,) or None, g a `ConvGeometry` -> (N, O, OH, OW)."""
    # a layer with few channels may have a faster way than columns
    out = conv2d_direct(x, w, b, g.stride, g.padding, g.dilation, g.out_size)
    if out is not None:
        return out
    groups, out_size, geometry = g.groups, g.out_size, g.window
    o, cg, kh, kw = w.shape
    k = cg * kh * kw
    wg = w.reshape(groups, o // groups, k)
    inner = _batch_inner(kh, kw, out_size)
    out = np.empty((x.shape[0], o) + tuple(out_size), dtype=x.dtype)

    def chunk(part: slice) -> None:
        cols = _columns(x[part], *geometry, inner)  # (C*kh*kw, m*oh*ow) for m images
        # one matrix product per group, as one batched product: (G, O/G, K) @ (G, K, mL)
        y = (wg @ cols.reshape(groups, k, -1)).reshape(o, -1)
        y = _from_column_order(y, out_size, inner)  # (m, O, oh, ow), a view
        if b is None:
            out[part] = y
        else:  # the bias is added while copying into place: one pass, not two
            np.add(y, b[:, None, None], out=out[part])

    for_each(chunk, _chunks(x.shape[0], x.itemsize, groups * k, out_size, o // groups))
    return out


def conv2d_backward(gy: Any, x: Any, w: Any, x_shape: tuple, g: Any,
                    needs: tuple) -> tuple[Any, Any, Any]:
    """`tinycnn.kernels.conv2d_backward` on the CPU: (gx, gw, gb), each None where
    ``needs`` (input, weight, bias) is False; the columns are rebuilt chunk by chunk."""
    groups, geometry = g.groups, g.window
    o, g_out = gy.shape[1], gy.shape[1] // groups
    gx = np.empty(x_shape, dtype=gy.dtype) if needs[0] else None
    inner = _batch_inner(g.kh, g.kw, g.out_size)

    def chunk(part: slice) -> tuple[Any, Any]:
        """Writes gx[part]; returns this chunk's share of (gb, gW transposed)."""
        # (m, O, OH, OW) -> (G, O/G, m*OH*OW): the layout of the forward product's result
        gc = _to_column_order(gy[part], inner).reshape(groups, g_out, -1)
        part_gb = gc.reshape(o, -1).sum(axis=1) if needs[2] else None
        part_gw = None
        if needs[1]:  # skipped for frozen weights
            cols = _columns(x[part], *geometry, inner)
            # gW = g @ cols.T, computed as (cols @ g.T).T: the same numbers, but
            # OpenBLAS runs this orientation up to 2x faster for small convolutions
            part_gw = cols.reshape(groups, -1, gc.shape[2]) @ gc.transpose(0, 2, 1)
        if needs[0]:  # skipped for the first layer (the images need no gradient)
            gcols = (w.reshape(groups, g_out, -1).transpose(0, 2, 1) @ gc)
            m = gc.shape[2] // (g.out_size[0] * g.out_size[1])
            gx[part] = _uncolumns(gcols.reshape(-1, gc.shape[2]), (m,) + tuple(x_shape[1:]),
                                  *geometry, inner)
        return part_gb, part_gw

    k_rows = x_shape[1] * g.kh * g.kw
    shares = for_each(chunk, _chunks(x_shape[0], gy.itemsize, k_rows, g.out_size, g_out))
    if not shares:  # an empty batch: the weights get zero gradients
        shares = [(np.zeros(o, dtype=gy.dtype),
                   np.zeros((groups, k_rows // groups, g_out), dtype=gy.dtype))]
    # summed in chunk order, whichever thread computed each share
    gb = _sum([s[0] for s in shares]) if needs[2] else None
    gw = None
    if needs[1]:  # gW transposed is (G, K, O/G)
        gw = _sum([s[1] for s in shares]).transpose(0, 2, 1).reshape(o, -1, g.kh, g.kw)
    return gx, gw, gb
