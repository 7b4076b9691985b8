"""Functions built from other differentiable functions, with PyTorch's names: the
activations ``hardtanh``, ``hardsigmoid``, ``mish``; ``pixel_shuffle`` (sub-pixel
upsampling); and the 1-D poolings ``max_pool1d``, ``avg_pool1d``, ``adaptive_avg_pool1d``,
``adaptive_max_pool1d`` (the 2-D ones on a height-1 image). Their gradients are those of
the functions they are made of.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .activation import relu6, softplus, tanh
from .elementwise import add, clip, div, mul
from .pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from .shape import permute, reshape, squeeze, unsqueeze


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``x`` clamped to [min_val, max_val]."""
    out = clip(input, min_val, max_val)
    return input._update(out, "hardtanh_") if inplace else out


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``: a piecewise-linear sigmoid (MobileNetV3)."""
    out = div(relu6(add(input, 3.0)), 6.0)
    return input._update(out, "hardsigmoid_") if inplace else out


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    out = mul(input, tanh(softplus(input)))
    return input._update(out, "mish_") if inplace else out


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(N, C * r * r, H, W) -> (N, C, H * r, W * r): each group of r * r channels becomes
    an r x r block of pixels."""
    r = int(upscale_factor)
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise ValueError(f"pixel_shuffle: the channels ({c}) must be divisible by "
                         f"upscale_factor squared ({r * r})")
    n = len(lead)
    x = reshape(input, (*lead, c // (r * r), r, r, h, w))
    x = permute(x, *range(n), n, n + 3, n + 1, n + 4, n + 2)
    return reshape(x, (*lead, c // (r * r), h * r, w * r))


def _on_rows(fn: Any, x: Tensor, *args: Any) -> Any:
    """``fn`` (a 2-D pooling) applied to (N, C, L) as the image (N, C, 1, L)."""
    out = fn(unsqueeze(x, -2), *args)
    if isinstance(out, tuple):
        return tuple(squeeze(o, -2) for o in out)
    return squeeze(out, -2)


def max_pool1d(input: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0,
               dilation: int = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Max of each window along the last axis: (N, C, L) -> (N, C, L_out)."""
    stride = kernel_size if stride is None else stride
    return _on_rows(max_pool2d, input, (1, kernel_size), (1, stride), (0, padding),
                    (1, dilation), ceil_mode, return_indices)


def avg_pool1d(input: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean of each window along the last axis: (N, C, L) -> (N, C, L_out)."""
    stride = kernel_size if stride is None else stride
    return _on_rows(avg_pool2d, input, (1, kernel_size), (1, stride), (0, padding),
                    ceil_mode, count_include_pad)


def adaptive_avg_pool1d(input: Tensor, output_size: int) -> Tensor:
    """Average pooling of (N, C, L) to (N, C, output_size)."""
    return _on_rows(adaptive_avg_pool2d, input, (1, output_size))


def adaptive_max_pool1d(input: Tensor, output_size: int, return_indices: bool = False) -> Any:
    """Max pooling of (N, C, L) to (N, C, output_size)."""
    return _on_rows(adaptive_max_pool2d, input, (1, output_size), return_indices)


__all__ = ["adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d", "hardsigmoid",
           "hardtanh", "max_pool1d", "mish", "pixel_shuffle"]
