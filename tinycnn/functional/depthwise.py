"""Depthwise 2-D convolution (``groups`` == input channels), forward and backward.

`tinycnn.functional.conv2d` sends a convolution here when every group has one input
channel: output channel o = c*M + m (M = out_channels / in_channels, the depth
multiplier) filters input channel c alone with its own kh x kw window. Computed directly,
without im2col (see `tinycnn.kernels.reference.depthwise_forward`, the readable
version): numba loops on the CPU, the whole-array reference code on the GPU and under
``TINYCNN_KERNELS=reference``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from .. import kernels
from ..autograd import Function
from ..kernels import reference


def _kernels(x: Any) -> ModuleType:
    """cpu_depthwise for NumPy arrays with the numba kernels on, else the reference."""
    if isinstance(x, np.ndarray) and kernels.implementation(x) is not reference:
        from ..kernels import cpu_depthwise  # noqa: PLC0415  (imports numba)

        return cpu_depthwise
    return reference


class DepthwiseConv2d(Function):
    """y = depthwise_conv(x, w) + b. x: (N, C, H, W), w: (C*M, 1, KH, KW), b: (C*M,) or
    None; ``padding`` is (top, left), ``out_size`` (OH, OW) fixes the padding after."""

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, out_size):
        ctx.geometry = (stride, padding, dilation)
        ctx.x_shape, ctx.kernel = x.shape, w.shape[2:]
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              w if ctx.needs_input_grad[0] else None)
        return _kernels(x).depthwise_forward(x, w, b, stride, padding, dilation, out_size)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        impl = _kernels(gy)
        needs = ctx.needs_input_grad
        gx = impl.depthwise_backward_input(gy, w, ctx.x_shape, *ctx.geometry) if needs[0] else None
        gw = impl.depthwise_backward_weight(gy, x, *ctx.kernel, *ctx.geometry) if needs[1] else None
        gb = gy.sum(axis=(0, 2, 3)) if needs[2] else None
        return gx, gw, gb, None, None, None, None
