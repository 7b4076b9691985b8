"""More element-wise math with PyTorch's names: ``sin``, ``cos``, ``log1p``, ``square``,
``lerp``, ``remainder`` (Python's ``%``) and ``floor_divide`` (``//``).

Each backward is the derivative: ``cos`` for ``sin``, ``-sin`` for ``cos``, ``1 / (1 + x)``
for ``log1p``; ``a % b = a - b * floor(a / b)`` passes the gradient to ``a`` unchanged and
``-floor(a / b)`` times it to ``b``. ``floor_divide`` has no gradient (PyTorch has none
either).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import _binary, _floating, add, mul, pow, sub, unbroadcast


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.array_module(x).sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * backend.array_module(x).cos(x)


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.array_module(x).cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * backend.array_module(x).sin(x)


class Log1p(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # log1p(-1) = -inf, as PyTorch
            return backend.array_module(x).log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return g / (1 + x)


class Remainder(Function):
    """``a - b * floor(a / b)``: the sign of ``b``, as Python's ``%``."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return backend.array_module(a).remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = unbroadcast(g, a.shape) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = unbroadcast(-g * backend.array_module(a).floor(a / b), b.shape)
        return ga, gb


class FloorDivide(Function):
    """``floor(a / b)``; piecewise constant, so no gradient is passed on."""

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return backend.array_module(a).floor_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        return None, None


def sin(x: Tensor) -> Tensor:
    """The sine of each element (radians)."""
    return Sin.apply(_floating(x, "sin"))


def cos(x: Tensor) -> Tensor:
    """The cosine of each element (radians)."""
    return Cos.apply(_floating(x, "cos"))


def log1p(x: Tensor) -> Tensor:
    """``log(1 + x)``, accurate for small ``x``."""
    return Log1p.apply(_floating(x, "log1p"))


def square(x: Tensor) -> Tensor:
    """``x * x`` (an integer tensor stays integer, as in PyTorch)."""
    return pow(x, 2)


def lerp(start: Tensor, end: Any, weight: Any) -> Tensor:
    """``start + weight * (end - start)`` (broadcasting), as ``torch.lerp``."""
    return add(start, mul(weight, sub(end, start)))


def remainder(a: Any, b: Any) -> Tensor:
    """``a % b`` element-wise with the sign of ``b`` (Python's and PyTorch's ``%``)."""
    return _binary(Remainder, a, b, name="remainder")


def floor_divide(a: Any, b: Any) -> Tensor:
    """``a // b`` element-wise, rounded toward minus infinity (no gradient)."""
    return _binary(FloorDivide, a, b, name="floor_divide").detach()


__all__ = ["cos", "floor_divide", "lerp", "log1p", "remainder", "sin", "square"]
