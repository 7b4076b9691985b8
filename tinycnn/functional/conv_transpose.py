"""Transposed convolution ("deconvolution"), the adjoint of `conv2d`.

A convolution maps an image x to ``y = W @ im2col(x)`` (see ``conv.py``). Its transpose
maps back the other way: every input pixel spreads its values, weighted by the kernel,
over a kh x kw window of the (larger) output, and overlapping windows add up::

    cols = W.T @ x          (C_out*kh*kw, N*H*W): each pixel's kh x kw contribution
    y    = col2im(cols)     the contributions added into the output image

which is exactly how conv2d computes its *input gradient*. So a transposed convolution
with stride 2 upsamples (a decoder's or a GAN generator's layer), and its backward is an
ordinary convolution: ``gx = W @ im2col(gy)``, ``gW = x @ im2col(gy).T``.

Output size (PyTorch's formula)::

    H_out = (H - 1)*stride - 2*padding + dilation*(kh - 1) + output_padding + 1

``output_padding`` (less than stride or dilation) adds rows/columns at the bottom/right
that no input pixel reaches except through the bias: it picks one of the several output
sizes that a strided convolution maps onto the same H.
"""

from __future__ import annotations

from typing import Any

from .. import backend, kernels
from ..autograd import Function
from ..checks import check_image_batch, check_tensor, pair
from ..tensor import Tensor
from .conv import Pair


def _grouped_matmul(a: Any, b: Any) -> Any:
    """(G, M, K) @ (G, K, N) -> (G, M, N); one group goes through `tinycnn.kernels.matmul`
    (spread over the CPU cores)."""
    if a.shape[0] == 1:
        return kernels.matmul(a[0], b[0])[None]
    return a @ b


class ConvTranspose2d(Function):
    """y = col2im(W^T @ x) + b. x: (N, C_in, H, W), w: (C_in, C_out/groups, kh, kw)."""

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups, out_shape):
        xp = backend.array_module(x)
        n, c_in, h, wd = x.shape
        _, cg_out, kh, kw = w.shape
        geometry = (kh, kw, stride, padding, dilation, (h, wd))
        ctx.geometry, ctx.groups, ctx.w_shape = geometry, groups, w.shape
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              w if ctx.needs_input_grad[0] else None)
        if n == 0:
            y = xp.zeros(out_shape, dtype=x.dtype)
        else:
            # (G, C_in/G, N*H*W): the input pixels as columns, one block per group
            xc = x.transpose(1, 0, 2, 3).reshape(groups, c_in // groups, -1)
            wg = w.reshape(groups, c_in // groups, cg_out * kh * kw)
            cols = _grouped_matmul(wg.transpose(0, 2, 1), xc)
            cols = cols.reshape(groups * cg_out * kh * kw, -1)
            y = kernels.col2im(cols, out_shape, *geometry)
        if b is not None:
            y += b[:, None, None]
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        xp = backend.array_module(gy)
        needs, groups = ctx.needs_input_grad, ctx.groups
        kh, kw = ctx.geometry[:2]
        h, wd = ctx.geometry[5]
        n = gy.shape[0]
        gb = gy.sum(axis=(0, 2, 3)) if needs[2] else None
        gx = gw = None
        if n == 0:
            gx = xp.zeros((0, w.shape[0], h, wd), dtype=gy.dtype) if needs[0] else None
            gw = xp.zeros(ctx.w_shape, dtype=gy.dtype) if needs[1] else None
            return gx, gw, gb, None, None, None, None, None
        # the windows of gy, one column per input pixel: (G, C_out/G*kh*kw, N*H*W)
        cols = kernels.im2col(gy, *ctx.geometry)
        cols = cols.reshape(groups, -1, cols.shape[1])
        if needs[0]:  # a convolution of gy with W: (G, C_in/G, K) @ (G, K, N*H*W)
            c_in = w.shape[0]
            gxc = _grouped_matmul(w.reshape(groups, c_in // groups, -1), cols)
            gx = gxc.reshape(c_in, n, h, wd).transpose(1, 0, 2, 3)
        if needs[1]:  # (G, C_in/G, N*H*W) @ (G, N*H*W, K)
            c_in = x.shape[1]
            xc = x.transpose(1, 0, 2, 3).reshape(groups, c_in // groups, -1)
            gw = _grouped_matmul(xc, cols.transpose(0, 2, 1)).reshape(c_in, -1, kh, kw)
        return gx, gw, gb, None, None, None, None, None


def transposed_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
                           output_padding: int) -> int:
    """``(size - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1``."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """2-D transposed convolution, as ``torch.nn.functional.conv_transpose2d``.

    input: (N, C_in, H, W) (or one image (C_in, H, W)); weight: (C_in, C_out/groups, kh,
    kw) (note: in channels first, the transpose of conv2d's layout); bias: (C_out,) or
    None. Returns (N, C_out, H_out, W_out), sizes as in the module docstring.
    """
    fn = "conv_transpose2d"
    x = check_image_batch(input, fn)
    check_tensor(weight, "weight", fn)
    if weight.ndim != 4:
        raise ValueError(f"{fn}: expected weight of rank 4 (C_in, C_out/groups, kh, kw), got "
                         f"shape {weight.shape}")
    if weight.dtype != x.dtype:
        raise TypeError(f"{fn}: input dtype {x.dtype} and weight dtype {weight.dtype} differ")
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{fn}: groups must be a positive int, got {groups!r}")
    c_in, cg_out, kh, kw = weight.shape
    if x.shape[1] != c_in:
        raise ValueError(f"{fn}: input has {x.shape[1]} channels but weight of shape "
                         f"{weight.shape} expects {c_in} (= weight.shape[0])")
    if c_in % groups:
        raise ValueError(f"{fn}: in channels ({c_in}) must be divisible by groups ({groups})")
    c_out = cg_out * groups
    if bias is not None:
        check_tensor(bias, "bias", fn)
        if bias.shape != (c_out,):
            raise ValueError(f"{fn}: expected bias of shape ({c_out},), got {bias.shape}")
        if bias.dtype != x.dtype:
            raise TypeError(f"{fn}: input dtype {x.dtype} and bias dtype {bias.dtype} differ")
    if 0 in x.shape[2:] and 0 not in x.shape[:2]:  # PyTorch: only an empty batch may be
        raise ValueError(f"{fn}: expected a non-empty image (H, W), got input shape {x.shape}")
    stride_ = pair(stride, "stride", fn, minimum=1)
    padding_ = pair(padding, "padding", fn)
    dilation_ = pair(dilation, "dilation", fn, minimum=1)
    out_pad = pair(output_padding, "output_padding", fn)
    for op, s, d in zip(out_pad, stride_, dilation_):
        if op >= max(s, d):
            raise ValueError(f"{fn}: output_padding must be smaller than either stride or "
                             f"dilation, got output_padding={output_padding!r}, "
                             f"stride={stride!r}, dilation={dilation!r}")
    size: Pair = tuple(transposed_output_size(n, k, s, p, d, o) for n, k, s, p, d, o in zip(
        x.shape[2:], (kh, kw), stride_, padding_, dilation_, out_pad))  # type: ignore[assignment]
    if min(size) <= 0:
        raise ValueError(f"{fn}: the output would be empty ({size[0]}x{size[1]}) for input "
                         f"{x.shape[2]}x{x.shape[3]} with padding {padding!r}")
    out_shape = (x.shape[0], c_out) + size
    y = ConvTranspose2d.apply(x, weight, bias, stride_, padding_, dilation_, groups, out_shape)
    return y if input.ndim == 4 else y.reshape(y.shape[1:])


__all__ = ["conv_transpose2d"]
