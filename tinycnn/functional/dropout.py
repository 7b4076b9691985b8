"""Dropout: zero random elements (or whole channels) during training.

*Inverted* dropout, as in PyTorch: kept values are scaled by 1/(1-p) during training,
so the expected value of every element is unchanged and evaluation needs no rescaling
(in evaluation, ``training=False``, dropout is the identity). The random mask comes
from `tinycnn.backend.rng` of the input's device, so ``tinycnn.manual_seed`` makes it
repeatable.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function
from ..checks import check_tensor
from ..tensor import Tensor


class Dropout(Function):
    """y = x * mask; ``mask`` holds 0 (dropped) or 1/(1-p) (kept) and broadcasts over x."""

    @staticmethod
    def forward(ctx, x, mask):
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * mask, None


def _mask(x: Tensor, p: float, shape: tuple) -> Any:
    """Random 0 or 1/(1-p) of ``shape`` (keep probability 1-p), in x's dtype and device."""
    xp = backend.array_module(x._data)
    if p == 1.0:
        return xp.zeros(shape, dtype=x.dtype)
    keep = backend.rng(x.device).random(shape, dtype=x.dtype) >= p
    return keep.astype(x.dtype) * (1.0 / (1.0 - p))


def _check(input: Any, p: float, fn: str) -> None:
    check_tensor(input, "input", fn)
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{fn}: dropout probability p must be between 0 and 1, got {p!r}")
    if input.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating point input, got dtype {input.dtype}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only).

    ``inplace`` is accepted for PyTorch compatibility; a new tensor is always returned.
    """
    _check(input, p, "dropout")
    if not training or p == 0:
        return input
    return Dropout.apply(input, _mask(input, float(p), input.shape))


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels: input (N, C, H, W) or (C, H, W); each channel of each image is
    dropped with probability p (one draw per channel), the rest scaled by 1/(1-p)."""
    _check(input, p, "dropout2d")
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected input of rank 4 (N, C, H, W) or 3 (C, H, W), "
                         f"got shape {input.shape}")
    if not training or p == 0:
        return input
    return Dropout.apply(input, _mask(input, float(p), input.shape[:-2] + (1, 1)))
