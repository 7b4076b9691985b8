"""2-D convolution as im2col + one matrix product, forward and backward side by side.

How a convolution becomes a matrix product (im2col)
---------------------------------------------------
A convolution slides a small weight window over the image: output pixel (i, j) of
output channel o is the dot product of the weights ``w[o]`` (C x KH x KW numbers) with
the C x KH x KW input numbers under the window at (i, j). Written as loops that is six
nested loops, slow in Python. im2col ("image to columns") copies each window into a
column of a matrix, so all those dot products become *one* matrix product, which BLAS
(on the CPU) or cuBLAS (on the GPU) computes at full speed.

Example: one image, one channel, 3x3 input, 2x2 kernel, stride 1, no padding::

    x = a b c      windows: [a b]  [b c]  [d e]  [e f]      cols = a b d e
        d e f               [d e]  [e f]  [g h]  [h i]             b c e f
        g h i                                                      d e g h
                                                                   e f h i

``cols`` has one *row* per kernel tap (C*KH*KW = 4 rows) and one *column* per output
pixel (N*OH*OW = 4 columns). With the weights flattened to ``W: (O, C*KH*KW)``, the
output is simply ``W @ cols: (O, N*OH*OW)``, reshaped to (N, O, OH, OW).

Backward is two more matrix products:

* weight gradient: ``gW = gY @ cols.T`` (every tap's input times every output's gradient);
* input gradient: ``gcols = W.T @ gY`` gives the gradient of every *copy* in cols, and
  `col2im` adds each copy's gradient back onto the pixel it was copied from (a pixel that
  sat in 4 windows receives 4 contributions). col2im is the adjoint of im2col.

Rows are laid out channel-major (row ``(c*KH + ki)*KW + kj``), so each row of cols is
one long contiguous copy, and the rows of one group (``groups > 1``) are a contiguous
block: a grouped convolution is a batch of ``groups`` smaller matrix products.

The copying loops live in `tinycnn.kernels` (plain NumPy in ``reference.py``, numba on
the CPU, CUDA on the GPU). 1x1 convolutions need no im2col at all: their columns are
the input itself, transposed to (C, N*H*W). On the CPU the batch goes through in chunks
of a few images (see `CHUNK_BYTES`), so that each chunk's columns stay in the cache,
and with several cores the chunks run side by side, one per core (`_chunk_runner`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import backend, kernels
from ..autograd import Function
from ..tensor import Tensor
from .depthwise import DepthwiseConv2d

Pair = tuple[int, int]

# On the CPU the batch is processed in chunks of images whose columns take about this
# many bytes: im2col writes them into the cache and the matrix product reads them from
# there, instead of both streaming one large matrix through main memory (measured 1.6x
# faster for report 004's AlexNet conv2). The backward pass rebuilds each chunk's
# columns from the saved input, so no columns are kept between the passes (keeping them
# measured no faster on LeNet-5: fresh memory for every chunk is not in the cache).
CHUNK_BYTES = 2 * 2**20
# Layers with few output channels (per group) use each column only a few times, so their
# products are limited by reading the columns rather than by arithmetic: for them a chunk
# that stays in the L2 cache is faster (measured 1.1-1.2x forward and backward for
# DeDiosNet 2's 8->16 and 16->32 5x5 layers against 2 MiB chunks; 512 KiB chunks were
# slower again, their per-chunk Python work showing), while layers with 64 or more
# channels ran up to 5% faster with 2 MiB.
SMALL_CHUNK_BYTES = 2**20
FEW_CHANNELS = 16  # fewer output channels per group than this: SMALL_CHUNK_BYTES


# --- argument checking shared with pooling ---------------------------------------------------


def is_int(v: Any) -> bool:
    """True for Python and NumPy integers (not bools, not floats)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def pair(value: Any, name: str, fn: str, minimum: int = 0) -> Pair:
    """``3 -> (3, 3)``, ``(3, 5) -> (3, 5)``; ints >= ``minimum`` or a clear error."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or not all(is_int(v) for v in items):
        raise TypeError(f"{fn}: {name} must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in items):
        what = "non-negative" if minimum == 0 else f">= {minimum}"
        raise ValueError(f"{fn}: {name} must be {what}, got {value!r}")
    return (int(items[0]), int(items[1]))


def check_tensor(x: Any, name: str, fn: str) -> Tensor:
    """``x`` itself if it is a Tensor, else a TypeError naming ``fn`` and ``name``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: {name} must be a Tensor, got {type(x).__name__} "
                        "(wrap arrays with tinycnn.tensor(...))")
    return x


def check_image_batch(x: Any, fn: str, name: str = "input") -> Tensor:
    """A floating (N, C, H, W) tensor; a (C, H, W) image gets a batch of one."""
    check_tensor(x, name, fn)
    if x.ndim not in (3, 4):
        raise ValueError(f"{fn}: expected {name} of rank 4 (N, C, H, W) or 3 (C, H, W), "
                         f"got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating point {name}, got dtype {x.dtype}")
    return x if x.ndim == 4 else x.reshape((1,) + x.shape)


def conv_output_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    """Output length of a convolution along one axis: ``(size + pads - d*(k-1) - 1)//s + 1``."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


# --- the differentiable ops ---------------------------------------------------------------


def _batch_inner(impl: Any, kh: int, kw: int, out_size: Pair) -> bool:
    """Whether a convolution served by kernel module ``impl`` orders its columns (pixel,
    image) instead of (image, pixel): for tiny images on the CPU
    (`tinycnn.kernels.cpu.TINY_IMAGE`), where copying runs of N images beats copying
    4-pixel rows."""
    return ((kh, kw) != (1, 1) and hasattr(impl, "im2col_batch_inner")
            and out_size[0] * out_size[1] <= impl.TINY_IMAGE)


def _to_column_order(g: Any, batch_inner: bool) -> Any:
    """(m, O, oh, ow) -> (O, m*oh*ow), its columns in the order of the im2col columns."""
    return g.transpose((1, 2, 3, 0) if batch_inner else (1, 0, 2, 3)).reshape(g.shape[1], -1)


def _from_column_order(y: Any, out_size: Pair, batch_inner: bool) -> Any:
    """(O, m*oh*ow) in the columns' order -> (m, O, oh, ow), a view."""
    if batch_inner:
        return y.reshape(y.shape[0], *out_size, -1).transpose(3, 0, 1, 2)
    return y.reshape(y.shape[0], -1, *out_size).transpose(1, 0, 2, 3)


def _columns(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
             out_size: Pair, batch_inner: bool = False) -> Any:
    """im2col of x: (C*kh*kw, N*oh*ow); a 1x1 kernel's columns are the (strided) input."""
    if batch_inner:
        return kernels.implementation(x).im2col_batch_inner(x, kh, kw, stride, padding,
                                                            dilation, out_size)
    if kh == kw == 1 and padding == (0, 0):
        xp = backend.array_module(x)
        picked = x[:, :, ::stride[0], ::stride[1]]
        return xp.ascontiguousarray(picked.transpose(1, 0, 2, 3)).reshape(x.shape[1], -1)
    return kernels.im2col(x, kh, kw, stride, padding, dilation, out_size)


def _uncolumns(cols: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
               dilation: Pair, out_size: Pair, batch_inner: bool = False) -> Any:
    """col2im, the adjoint of `_columns`: (C*kh*kw, N*oh*ow) -> (N, C, H, W)."""
    if batch_inner:
        return kernels.implementation(cols).col2im_batch_inner(cols, x_shape, kh, kw, stride,
                                                               padding, dilation, out_size)
    if kh == kw == 1 and padding == (0, 0):
        xp = backend.array_module(cols)
        n, c = x_shape[:2]
        back = cols.reshape(c, n, *out_size).transpose(1, 0, 2, 3)
        if stride == (1, 1):
            return xp.ascontiguousarray(back)
        gx = xp.zeros(x_shape, dtype=cols.dtype)
        gx[:, :, ::stride[0], ::stride[1]] = back
        return gx
    return kernels.col2im(cols, x_shape, kh, kw, stride, padding, dilation, out_size)


def _chunks(x: Any, k_rows: int, out_size: Pair, group_out: int) -> list[slice]:
    """Slices of the batch for chunked im2col + GEMM (one slice on the GPU); ``group_out``
    (output channels per group) picks the chunk size (see `SMALL_CHUNK_BYTES`). With
    several cores there are at least as many chunks as cores (see `_chunk_runner`); the
    chunks depend on the core count only, not on the load, so neither do the results."""
    n = x.shape[0]
    if backend.array_module(x) is not np:
        return [slice(0, n)]
    per_image = k_rows * out_size[0] * out_size[1] * x.itemsize
    budget = SMALL_CHUNK_BYTES if group_out < FEW_CHANNELS else CHUNK_BYTES
    threads = _chunk_runner(x)[1]
    count = -(-n // max(1, budget // per_image))
    # a multiple of the core count, of near-equal sizes: every core gets the same work
    # (3 chunks on 2 cores left one core idle for a third of report 004's conv3)
    count = min(n, -(-count // threads) * threads)
    bounds = [n * k // count for k in range(count + 1)]
    return [slice(lo, hi) for lo, hi in zip(bounds, bounds[1:])]


def _chunk_runner(x: Any) -> tuple[Any, int]:
    """(function that maps over chunks, the most it runs at once) for arrays like x.

    The CPU kernels run the chunks of one convolution side by side, one per core
    (`tinycnn.kernels.cpu.for_each`); elsewhere (GPU, reference kernels) they run in turn.
    """
    impl = kernels.implementation(x)
    if hasattr(impl, "for_each"):
        return impl.for_each, impl.max_threads()
    return (lambda fn, items: [fn(item) for item in items]), 1


def _sum(arrays: list[Any]) -> Any:
    """arrays[0] + arrays[1] + ..., into arrays[0] (a fresh array made by the caller)."""
    total = arrays[0]
    for a in arrays[1:]:
        total += a
    return total


class Conv2d(Function):
    """y = conv(x, w) + b. x: (N, C, H, W), w: (O, C/groups, KH, KW), b: (O,) or None.

    ``padding`` is (top, left): the rows/columns of zeros before the image; ``out_size``
    fixes (OH, OW) and with it the padding after it (so asymmetric "same" padding works).
    """

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups, out_size):
        xp = backend.array_module(x)
        o, cg, kh, kw = w.shape
        geometry = (kh, kw, stride, padding, dilation, out_size)
        k = cg * kh * kw
        wg = w.reshape(groups, o // groups, k)
        parts = _chunks(x, groups * k, out_size, o // groups)
        ctx.geometry, ctx.groups = geometry, groups
        ctx.parts = parts
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              w if ctx.needs_input_grad[0] else None)
        ctx.x_shape = x.shape
        impl = kernels.implementation(x)
        inner = ctx.batch_inner = _batch_inner(impl, kh, kw, out_size)
        # a layer with few channels may have a faster way than columns (CPU kernels only)
        if hasattr(impl, "conv2d_direct"):
            out = impl.conv2d_direct(x, w, b, stride, padding, dilation, out_size)
            if out is not None:
                return out
        out = xp.empty((x.shape[0], o) + tuple(out_size), dtype=x.dtype)

        def chunk(part: slice) -> None:
            cols = _columns(x[part], *geometry, inner)  # (C*kh*kw, m*oh*ow) for m images
            # one matrix product per group, as one batched product: (G, O/G, K) @ (G, K, mL)
            y = (wg @ cols.reshape(groups, k, -1)).reshape(o, -1)
            y = _from_column_order(y, out_size, inner)  # (m, O, oh, ow), a view
            if b is None:
                out[part] = y
            else:  # the bias is added while copying into place: one pass, not two
                xp.add(y, b[:, None, None], out=out[part])

        _chunk_runner(x)[0](chunk, parts)
        return out

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        xp = backend.array_module(gy)
        groups, geometry = ctx.groups, ctx.geometry
        o, g_out = gy.shape[1], gy.shape[1] // groups
        needs = ctx.needs_input_grad
        gx = xp.empty(ctx.x_shape, dtype=gy.dtype) if needs[0] else None
        inner = ctx.batch_inner

        def chunk(part: slice) -> tuple[Any, Any]:
            """Writes gx[part]; returns this chunk's share of (gb, gW transposed)."""
            # (m, O, OH, OW) -> (G, O/G, m*OH*OW): the layout of the forward product's result
            g = _to_column_order(gy[part], inner).reshape(groups, g_out, -1)
            part_gb = g.reshape(o, -1).sum(axis=1) if needs[2] else None
            part_gw = None
            if needs[1]:  # skipped for frozen weights
                cols = _columns(x[part], *geometry, inner)
                # gW = g @ cols.T, computed as (cols @ g.T).T: the same numbers, but
                # OpenBLAS runs this orientation up to 2x faster for small convolutions
                part_gw = cols.reshape(groups, -1, g.shape[2]) @ g.transpose(0, 2, 1)
            if needs[0]:  # skipped for the first layer (the images need no gradient)
                gcols = (w.reshape(groups, g_out, -1).transpose(0, 2, 1) @ g)
                m = g.shape[2] // (geometry[5][0] * geometry[5][1])
                gx[part] = _uncolumns(gcols.reshape(-1, g.shape[2]), (m,) + ctx.x_shape[1:],
                                      *geometry, inner)
            return part_gb, part_gw

        shares = _chunk_runner(gy)[0](chunk, ctx.parts)
        # summed in chunk order, whichever thread computed each share
        gb = _sum([s[0] for s in shares]) if needs[2] else None
        gw = None
        if needs[1]:  # gW transposed is (G, K, O/G)
            gw = _sum([s[1] for s in shares]).transpose(0, 2, 1).reshape(
                o, -1, geometry[0], geometry[1])
        return gx, gw, gb, None, None, None, None, None


class Im2col(Function):
    """`tinycnn.kernels.im2col` with a gradient (which is col2im)."""

    @staticmethod
    def forward(ctx, x, kh, kw, stride, padding, dilation, out_size):
        ctx.args = (x.shape, kh, kw, stride, padding, dilation, out_size)
        return kernels.im2col(x, kh, kw, stride, padding, dilation, out_size)

    @staticmethod
    def backward(ctx, g):
        return (kernels.col2im(g, *ctx.args),) + (None,) * 6


class Col2im(Function):
    """`tinycnn.kernels.col2im` with a gradient (which is im2col)."""

    @staticmethod
    def forward(ctx, cols, x_shape, kh, kw, stride, padding, dilation, out_size):
        ctx.args = (kh, kw, stride, padding, dilation, out_size)
        return kernels.col2im(cols, x_shape, kh, kw, stride, padding, dilation, out_size)

    @staticmethod
    def backward(ctx, g):
        return (kernels.im2col(g, *ctx.args),) + (None,) * 7


# --- public functions ------------------------------------------------------------------------


def _padding(padding: Any, kernel: Pair, stride: Pair, dilation: Pair,
             fn: str) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same' (PyTorch's rules)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{fn}: padding='same' is not supported for strided "
                                 f"convolutions (stride={stride})")
            # total d*(k-1); an odd total puts the extra row/column after the image
            th, tw = dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)
            return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        raise ValueError(f"{fn}: padding must be an int, a pair, 'valid' or 'same', "
                         f"got {padding!r}")
    ph, pw = pair(padding, "padding", fn)
    return (ph, ph, pw, pw)


def _geometry(x_shape: tuple, kernel: Pair, stride: Any, padding: Any, dilation: Any,
              fn: str) -> tuple[Pair, Pair, Pair, Pair]:
    """Check the window arguments against the input size; return stride, (top, left)
    padding, dilation and the output size."""
    stride = pair(stride, "stride", fn, minimum=1)
    dilation = pair(dilation, "dilation", fn, minimum=1)
    top, bottom, left, right = _padding(padding, kernel, stride, dilation, fn)
    h, w = x_shape[-2:]
    eff = (dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1)
    if eff[0] > h + top + bottom or eff[1] > w + left + right:
        raise ValueError(
            f"{fn}: kernel size {eff[0]}x{eff[1]} (dilated) is larger than the padded input "
            f"{h + top + bottom}x{w + left + right} (input {h}x{w}, padding {padding!r})")
    out = (conv_output_size(h, kernel[0], stride[0], top + bottom, dilation[0]),
           conv_output_size(w, kernel[1], stride[1], left + right, dilation[1]))
    return stride, (top, left), dilation, out


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of a batch of images.

    input: (N, C, H, W) (or one image (C, H, W)); weight: (O, C/groups, KH, KW);
    bias: (O,) or None. stride, dilation: int or (h, w); padding: int, (h, w), 'valid' or
    'same'. groups splits the channels into independent convolutions (groups=C with
    O=C is a depthwise convolution). Returns (N, O, OH, OW) with
    ``OH = (H + 2*pad_h - dilation_h*(KH-1) - 1) // stride_h + 1`` (likewise OW).
    """
    fn = "conv2d"
    x = check_image_batch(input, fn)
    check_tensor(weight, "weight", fn)
    if weight.ndim != 4:
        raise ValueError(f"{fn}: expected weight of rank 4 (O, C/groups, KH, KW), got shape "
                         f"{weight.shape}")
    if weight.dtype != x.dtype:
        raise TypeError(f"{fn}: input dtype {x.dtype} and weight dtype {weight.dtype} differ")
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{fn}: groups must be a positive int, got {groups!r}")
    o, cg, kh, kw = weight.shape
    c = x.shape[1]
    if cg * groups != c:
        raise ValueError(f"{fn}: input has {c} channels but weight of shape {weight.shape} with "
                         f"groups={groups} expects {cg * groups} (= weight.shape[1] * groups)")
    if o % groups:
        raise ValueError(f"{fn}: out channels ({o}) must be divisible by groups ({groups})")
    if bias is not None:
        check_tensor(bias, "bias", fn)
        if bias.shape != (o,):
            raise ValueError(f"{fn}: expected bias of shape ({o},), got {bias.shape}")
        if bias.dtype != x.dtype:
            raise TypeError(f"{fn}: input dtype {x.dtype} and bias dtype {bias.dtype} differ")
    stride, pad, dilation, out = _geometry(x.shape, (kh, kw), stride, padding, dilation, fn)
    if groups == c > 1:  # depthwise: one input channel per group, computed without im2col
        y = DepthwiseConv2d.apply(x, weight, bias, stride, pad, dilation, out)
    else:
        y = Conv2d.apply(x, weight, bias, stride, pad, dilation, groups, out)
    return y if input.ndim == 4 else y.reshape(y.shape[1:])


def im2col(input: Tensor, kernel_size: Any, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1) -> Tensor:
    """Copy every window of input (N, C, H, W) into a column: (C*KH*KW, N*OH*OW).

    Row ``(c*KH + ki)*KW + kj`` holds tap (ki, kj) of channel c; column
    ``(n*OH + i)*OW + j`` is output pixel (i, j) of image n. ``conv2d`` is
    ``weight.reshape(O, -1) @ im2col(x, ...)`` reshaped to (N, O, OH, OW) (see this
    module's docstring). Differentiable: its gradient is `col2im`.
    """
    fn = "im2col"
    x = check_image_batch(input, fn)
    kernel = pair(kernel_size, "kernel_size", fn, minimum=1)
    stride, pad, dilation, out = _geometry(x.shape, kernel, stride, padding, dilation, fn)
    return Im2col.apply(x, kernel[0], kernel[1], stride, pad, dilation, out)


def col2im(cols: Tensor, input_shape: Sequence[int], kernel_size: Any, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1) -> Tensor:
    """Add columns (C*KH*KW, N*OH*OW) back into an image batch of ``input_shape`` (N, C, H, W).

    The adjoint of `im2col` (not its inverse: a pixel covered by k windows receives the
    sum of its k copies). This is how conv2d's input gradient is formed.
    """
    fn = "col2im"
    check_tensor(cols, "cols", fn)
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != 4:
        raise ValueError(f"{fn}: input_shape must be (N, C, H, W), got {tuple(input_shape)}")
    kernel = pair(kernel_size, "kernel_size", fn, minimum=1)
    stride, pad, dilation, out = _geometry(shape, kernel, stride, padding, dilation, fn)
    want = (shape[1] * kernel[0] * kernel[1], shape[0] * out[0] * out[1])
    if cols.shape != want:
        raise ValueError(f"{fn}: expected cols of shape {want} for input_shape {shape}, "
                         f"got {cols.shape}")
    return Col2im.apply(cols, shape, kernel[0], kernel[1], stride, pad, dilation, out)
