"""Array kernels with no autograd: the loops under convolution, pooling, batch norm, ReLU,
the linear layers' products and Adam's update.

Each function below picks its backend from the type of its array argument:

* NumPy array -> `tinycnn.kernels.cpu` (numba, compiled on first use, cached on disk);
* CuPy array  -> `tinycnn.kernels.cuda` (CuPy ``ElementwiseKernel``);
* ``TINYCNN_KERNELS=reference`` in the environment forces `tinycnn.kernels.reference`
  (whole-array NumPy/CuPy code: the readable version, and the one tests trust).

Every backend defines every kernel of `KERNELS`, with the same arguments and results;
where a backend has no faster version it uses the reference's (the table says which).
Read ``reference.py`` first. Geometry arguments: ``kh, kw`` window size; ``stride``,
``padding`` (rows/columns added before the first row/column), ``dilation`` are (h, w)
pairs; ``out_size`` = (oh, ow); a convolution takes them as one `ConvGeometry`.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from . import reference

Pair = tuple[int, int]
_CHOICES = ("auto", "reference")

# kernel -> the backends with their own version (the others, and "reference", run
# reference.py's); every backend module defines every name, tests/ops/test_kernels.py checks it
KERNELS: dict[str, tuple[str, ...]] = {
    "im2col": ("cpu", "cuda"),
    "col2im": ("cpu", "cuda"),
    "conv2d_forward": ("cpu",),    # cuda: the reference's GEMM with cuda's im2col
    "conv2d_backward": ("cpu",),   # cuda: the reference's GEMMs with cuda's im2col/col2im
    "depthwise_forward": ("cpu",),
    "depthwise_backward_input": ("cpu",),
    "depthwise_backward_weight": ("cpu",),
    "maxpool2d_forward": ("cpu", "cuda"),
    "maxpool2d_backward": ("cpu", "cuda"),
    "avgpool2d_forward": ("cpu", "cuda"),
    "avgpool2d_backward": ("cpu", "cuda"),
    "batchnorm_stats": ("cpu", "cuda"),
    "batchnorm_forward": ("cpu", "cuda"),
    "batchnorm_backward": ("cpu", "cuda"),
    "relu_forward": ("cpu", "cuda"),
    "relu_backward": ("cpu", "cuda"),
    "erf": ("cpu", "cuda"),
    "matmul": ("cpu",),            # cuda: a @ b (cuBLAS)
    "adam_update": ("cpu", "cuda"),
}


class ConvGeometry(NamedTuple):
    """The window of a convolution, checked by `tinycnn.functional.conv2d`: kernel size
    (kh, kw), stride, padding before (top, left), dilation, output size (oh, ow), groups."""

    kh: int
    kw: int
    stride: Pair
    padding: Pair
    dilation: Pair
    out_size: Pair
    groups: int = 1

    @property
    def window(self) -> tuple:
        """The im2col / col2im geometry arguments: (kh, kw, stride, padding, dilation,
        out_size)."""
        return tuple(self[:6])


def implementation(x: Any) -> ModuleType:
    """The kernel module that serves array ``x`` (see the module docstring)."""
    choice = os.environ.get("TINYCNN_KERNELS", "auto").strip().lower() or "auto"
    if choice not in _CHOICES:
        raise ValueError(f"TINYCNN_KERNELS must be one of {_CHOICES}, got {choice!r}")
    if choice == "reference":
        return reference
    if isinstance(x, (np.ndarray, np.generic)):  # np.generic: a 0-d result, e.g. x * 2
        from . import cpu  # noqa: PLC0415  (numba is imported on the first kernel call)

        return cpu
    from . import cuda  # noqa: PLC0415

    return cuda


def im2col(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
           out_size: Pair) -> Any:
    """Copy every kh x kw window of x: (N, C, H, W) into a column of (C*kh*kw, N*oh*ow).

    Row ``(c*kh + ki)*kw + kj`` holds tap (ki, kj) of channel c; column ``(n*oh + i)*ow + j``
    is output pixel (i, j) of image n ("channel-major", Caffe's layout).
    """
    return implementation(x).im2col(x, kh, kw, stride, padding, dilation, out_size)


def col2im(cols: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
           dilation: Pair, out_size: Pair) -> Any:
    """Adjoint of `im2col`: cols (C*kh*kw, N*oh*ow) -> (N, C, H, W), summing overlaps."""
    return implementation(cols).col2im(cols, tuple(x_shape), kh, kw, stride, padding,
                                       dilation, out_size)


def conv2d_forward(x: Any, w: Any, b: Any, g: ConvGeometry) -> Any:
    """Convolution (cross-correlation): x (N, C, H, W), w (O, C/groups, kh, kw), b (O,) or
    None -> (N, O, oh, ow); im2col + one matrix product (`reference.conv2d_forward`)."""
    return implementation(x).conv2d_forward(x, w, b, g)


def conv2d_backward(gy: Any, x: Any, w: Any, x_shape: tuple, g: ConvGeometry,
                    needs: tuple) -> tuple[Any, Any, Any]:
    """(gx, gw, gb) of `conv2d_forward` for gy (N, O, oh, ow), each None where ``needs``
    (input, weight, bias) is False; x may be None when gw is not needed, w when gx is not."""
    return implementation(gy).conv2d_backward(gy, x, w, tuple(x_shape), g, tuple(needs))


def depthwise_forward(x: Any, w: Any, b: Any, stride: Pair, padding: Pair, dilation: Pair,
                      out_size: Pair) -> Any:
    """Depthwise convolution (groups = C): x (N, C, H, W), w (C*M, 1, kh, kw), b (C*M,) or
    None -> (N, C*M, oh, ow); output channel o reads input channel o // M only."""
    return implementation(x).depthwise_forward(x, w, b, stride, padding, dilation, out_size)


def depthwise_backward_input(gy: Any, w: Any, x_shape: tuple, stride: Pair, padding: Pair,
                             dilation: Pair) -> Any:
    """gx (N, C, H, W) of `depthwise_forward` for gy (N, C*M, oh, ow)."""
    return implementation(gy).depthwise_backward_input(gy, w, tuple(x_shape), stride, padding,
                                                       dilation)


def depthwise_backward_weight(gy: Any, x: Any, kh: int, kw: int, stride: Pair, padding: Pair,
                              dilation: Pair) -> Any:
    """gw (C*M, 1, kh, kw) of `depthwise_forward` for gy (N, C*M, oh, ow) and input x."""
    return implementation(gy).depthwise_backward_weight(gy, x, kh, kw, stride, padding,
                                                        dilation)


def maxpool2d_forward(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
                      out_size: Pair) -> tuple[Any, Any]:
    """x: (N, C, H, W) -> (max of each window, int32 flat index h*W + w of the winner)."""
    return implementation(x).maxpool2d_forward(x, kh, kw, stride, padding, dilation, out_size)


def maxpool2d_backward(gy: Any, argmax: Any, x_shape: tuple) -> Any:
    """gy, argmax: (N, C, oh, ow) -> gx: (N, C, H, W) with gy added at the winners."""
    return implementation(gy).maxpool2d_backward(gy, argmax, tuple(x_shape))


def avgpool2d_forward(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, out_size: Pair,
                      count_include_pad: bool = True, divisor_override: int | None = None) -> Any:
    """x: (N, C, H, W) -> (N, C, oh, ow), the mean of each window (PyTorch's divisor)."""
    return implementation(x).avgpool2d_forward(x, kh, kw, stride, padding, out_size,
                                               count_include_pad, divisor_override)


def avgpool2d_backward(gy: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
                       count_include_pad: bool = True,
                       divisor_override: int | None = None) -> Any:
    """gy: (N, C, oh, ow) -> gx: (N, C, H, W), each gradient shared evenly over its window."""
    return implementation(gy).avgpool2d_backward(gy, tuple(x_shape), kh, kw, stride, padding,
                                                 count_include_pad, divisor_override)


def batchnorm_stats(x: Any) -> tuple[Any, Any]:
    """x: (N, C, S) -> per-channel (mean, biased variance) over the N*S values, each (C,)."""
    return implementation(x).batchnorm_stats(x)


def batchnorm_forward(x: Any, mean: Any, invstd: Any, weight: Any, bias: Any) -> tuple[Any, Any]:
    """x: (N, C, S), the rest (C,) -> (y, xhat): ``xhat = (x - mean) * invstd``,
    ``y = xhat * weight + bias``."""
    return implementation(x).batchnorm_forward(x, mean, invstd, weight, bias)


def batchnorm_backward(gy: Any, xhat: Any, scale: Any, training: bool) -> tuple[Any, Any, Any]:
    """gy, xhat: (N, C, S); scale = weight * invstd: (C,) -> (gx, sum(gy), sum(gy * xhat))
    (see `tinycnn.kernels.reference.batchnorm_backward`)."""
    return implementation(gy).batchnorm_backward(gy, xhat, scale, training)


def relu_forward(x: Any) -> Any:
    """max(x, 0) element-wise, NaN kept (PyTorch's ``relu``)."""
    return implementation(x).relu_forward(x)


def relu_backward(g: Any, y: Any) -> Any:
    """0 where the ReLU output y <= 0, else g (selected, not multiplied: PyTorch's
    ``threshold_backward``); g, y of one shape."""
    return implementation(g).relu_backward(g, y)


def erf(x: Any) -> Any:
    """The error function ``erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt``, element-wise."""
    return implementation(x).erf(x)


def matmul(a: Any, b: Any) -> Any:
    """``a @ b`` for matrices (M, K) @ (K, N); on the CPU spread over the cores."""
    return implementation(a).matmul(a, b)


def adam_update(p: Any, g: Any, m: Any, v: Any, vmax: Any, beta1: float, beta2: float,
                step_size: float, bias2: float, eps: float) -> bool:
    """One fused Adam step in place on p, m, v (and vmax, the AMSGrad maximum, unless None);
    False, touching nothing, where the backend has no fused update for these arrays (the
    caller then runs `tinycnn.optim.Adam`'s NumPy passes)."""
    return implementation(p).adam_update(p, g, m, v, vmax, beta1, beta2, step_size, bias2,
                                         eps)


__all__ = ["KERNELS", "ConvGeometry", "implementation", *KERNELS]
