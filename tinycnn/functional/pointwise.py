"""More element-wise math with PyTorch's names: ``sin``, ``cos``, ``log1p``, ``square``,
``lerp``, ``remainder`` (Python's ``%``), ``floor_divide`` (``//``), ``fmod``, ``trunc``,
``frac``, ``rsqrt``, ``log2``, ``log10``, ``exp2``, ``nan_to_num``.

Each backward is the derivative: ``cos`` for ``sin``, ``-sin`` for ``cos``, ``1 / (1 + x)``
for ``log1p``; ``a % b = a - b * floor(a / b)`` passes the gradient to ``a`` unchanged and
``-floor(a / b)`` times it to ``b``. ``floor_divide`` has no gradient (PyTorch has none
either).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend, kernels
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import (
    _binary,
    _floating,
    _rounding,
    add,
    div,
    exp,
    log,
    mul,
    pow,
    sub,
    unbroadcast,
    where,
)


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


class Erf(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return kernels.erf(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (2.0 / math.sqrt(math.pi)) * backend.array_module(x).exp(-x * x)


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


def erf(x: Tensor) -> Tensor:
    """The error function ``2 / sqrt(pi) * integral_0^x exp(-t^2) dt``."""
    return Erf.apply(_floating(x, "erf"))


def heaviside(x: Tensor, values: Any) -> Tensor:
    """0 where ``x < 0``, 1 where ``x > 0``, ``values`` where ``x == 0`` (no gradient)."""
    xp = backend.array_module(x._data)
    v = values._data if isinstance(values, Tensor) else values
    return Tensor._wrap(xp.heaviside(x._data, v).astype(x.dtype, copy=False), False)


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


def trunc(x: Tensor) -> Tensor:
    """Each element rounded toward zero (zero gradient, as ``floor``)."""
    return _rounding(x, "trunc")


def frac(x: Tensor) -> Tensor:
    """The fractional part ``x - trunc(x)`` (sign of ``x``)."""
    return sub(x, trunc(x))


def fmod(a: Any, b: Any) -> Tensor:
    """``a - b * trunc(a / b)``: C's remainder, with the sign of ``a`` (unlike ``%``)."""
    out = sub(a, mul(b, trunc(div(a, b))))
    kinds = {getattr(v, "dtype", np.asarray(v).dtype).kind for v in (a, b)}
    if kinds <= set("iub"):  # integers in, integers out (as PyTorch)
        return out.to(a.dtype if isinstance(a, Tensor) else b.dtype)
    return out


def rsqrt(x: Tensor) -> Tensor:
    """``1 / sqrt(x)``."""
    return pow(_floating(x, "rsqrt"), -0.5)


def log2(x: Tensor) -> Tensor:
    """The base-2 logarithm."""
    return div(log(_floating(x, "log2")), math.log(2.0))


def log10(x: Tensor) -> Tensor:
    """The base-10 logarithm."""
    return div(log(_floating(x, "log10")), math.log(10.0))


def exp2(x: Tensor) -> Tensor:
    """``2 ** x``."""
    return exp(mul(_floating(x, "exp2"), math.log(2.0)))


def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """``x`` with NaN replaced by ``nan`` and +-inf by ``posinf`` / ``neginf`` (the
    dtype's largest / lowest value by default); the gradient flows where ``x`` is finite."""
    xp = backend.array_module(x._data)
    if x.dtype.kind != "f":
        return x.clone()
    filled = xp.nan_to_num(x._data, nan=nan, posinf=posinf, neginf=neginf)
    return where(Tensor._wrap(xp.isfinite(x._data), False), x, Tensor._wrap(filled, False))


__all__ = ["cos", "erf", "heaviside", "exp2", "floor_divide", "fmod", "frac", "lerp", "log10", "log1p", "log2",
           "nan_to_num", "remainder", "rsqrt", "sin", "square", "trunc"]
