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

The array work is `tinycnn.kernels.conv2d_forward` / ``conv2d_backward``: read
`tinycnn.kernels.reference.conv2d_forward` (im2col, one matrix product) for the algorithm
as written above; the CPU runs a faster arrangement of the same products
(`tinycnn.kernels.cpu.conv`). This module checks the arguments and records the graph.
docs/convolution.md works through an example by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import kernels
from ..autograd import Function
from ..checks import check_image_batch, check_int, check_tensor, pair
from ..tensor import Tensor
from .depthwise import DepthwiseConv2d

Pair = tuple[int, int]


def conv_output_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    """Output length of a convolution along one axis: ``(size + pads - d*(k-1) - 1)//s + 1``."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


# --- the differentiable ops ---------------------------------------------------------------


class Conv2d(Function):
    """y = conv(x, w) + b. x: (N, C, H, W), w: (O, C/groups, KH, KW), b: (O,) or None;
    ``geometry`` a `tinycnn.kernels.ConvGeometry` (its padding is (top, left) and its
    out_size fixes the padding after the image, so asymmetric "same" padding works)."""

    @staticmethod
    def forward(ctx, x, w, b, geometry):
        ctx.geometry, ctx.x_shape = geometry, x.shape
        # keep only what backward will need: x for the weight gradient, w for the input's
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              w if ctx.needs_input_grad[0] else None)
        return kernels.conv2d_forward(x, w, b, geometry)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        gx, gw, gb = kernels.conv2d_backward(gy, x, w, ctx.x_shape, ctx.geometry,
                                             ctx.needs_input_grad[:3])
        return gx, gw, gb, None


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
    if x.shape[0] and x.shape[1] and 0 in x.shape[2:]:  # as PyTorch
        raise ValueError(f"{fn}: an input with zero height or width must be an empty batch "
                         f"(N = 0 or C = 0), got shape {x.shape}")
    check_tensor(weight, "weight", fn)
    if weight.ndim != 4:
        raise ValueError(f"{fn}: expected weight of rank 4 (O, C/groups, KH, KW), got shape "
                         f"{weight.shape}")
    if weight.dtype != x.dtype:
        raise TypeError(f"{fn}: input dtype {x.dtype} and weight dtype {weight.dtype} differ")
    check_int(groups, "groups", fn, minimum=1)
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
        y = Conv2d.apply(x, weight, bias, kernels.ConvGeometry(kh, kw, stride, pad, dilation, out, groups))
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
