"""1-D convolution over sequences (N, C, L), computed as a 2-D convolution of height 1.

A signal of length L is an image of size 1 x L, and a kernel of size K a 1 x K window,
so ``conv1d`` reshapes, calls `conv2d` (im2col + one matrix product) and reshapes back;
the gradients flow through the reshapes unchanged.
"""

from __future__ import annotations

from typing import Any

from ..checks import check_tensor, is_int
from ..tensor import Tensor
from .conv import conv2d


def single(value: Any, name: str, fn: str) -> int:
    """``3 -> 3``, ``(3,) -> 3``; anything else raises a TypeError naming ``name``."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(items) != 1 or not is_int(items[0]):
        raise TypeError(f"{fn}: {name} must be an int or a 1-tuple of ints, got {value!r}")
    return int(items[0])


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of input (N, C, L) (or (C, L)) with weight
    (O, C/groups, K), bias (O,) or None. padding: int, 'valid' or 'same'. Returns
    (N, O, L_out) with ``L_out = (L + 2*padding - dilation*(K-1) - 1) // stride + 1``."""
    fn = "conv1d"
    check_tensor(input, "input", fn)
    check_tensor(weight, "weight", fn)
    if input.ndim not in (2, 3):
        raise ValueError(f"{fn}: expected input of rank 3 (N, C, L) or 2 (C, L), got shape "
                         f"{input.shape}")
    if weight.ndim != 3:
        raise ValueError(f"{fn}: expected weight of rank 3 (O, C/groups, K), got shape "
                         f"{weight.shape}")
    pad = padding if isinstance(padding, str) else (0, single(padding, "padding", fn))
    x = input.unsqueeze(-2)  # (N, C, 1, L)
    y = conv2d(x, weight.unsqueeze(2), bias, (1, single(stride, "stride", fn)), pad,
               (1, single(dilation, "dilation", fn)), groups)
    return y.squeeze(-2)


__all__ = ["conv1d"]
