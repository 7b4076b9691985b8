"""Activation functions and (log-)softmax; forward and backward side by side.

Each backward is the derivative written in terms of what the forward already computed
(``relu``: where the output is positive; ``sigmoid``: ``y * (1 - y)``; ``tanh``:
``1 - y**2``), so nothing is recomputed. ``inplace`` arguments are accepted for
PyTorch compatibility; tinycnn always returns a new tensor (autograd keeps the input).
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend, kernels
from ..autograd import Function
from ..tensor import Tensor
from .conv import check_tensor
from .reduction import normalize_dims


def _float_tensor(x: Any, fn: str) -> Tensor:
    check_tensor(x, "input", fn)
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating point input, got dtype {x.dtype}")
    return x


class ReLU(Function):
    @staticmethod
    def forward(ctx, x):
        y = kernels.relu_forward(x)  # max(x, 0) in one pass (tinycnn.kernels)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return kernels.relu_backward(g, y)  # 0 where y <= 0, else g


class ReLU6(Function):
    @staticmethod
    def forward(ctx, x):
        y = backend.array_module(x).clip(x, 0, 6)  # NaN stays NaN, as in PyTorch
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        # slope 0 at and beyond the clips, else 1 (NaN passes g through, as PyTorch's)
        return backend.array_module(g).where((y <= 0) | (y >= 6), 0, g)


class LeakyReLU(Function):
    @staticmethod
    def forward(ctx, x, slope):
        xp = backend.array_module(x)
        ctx.save_for_backward(x)
        ctx.slope = slope
        return xp.where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return backend.array_module(g).where(x > 0, g, g * ctx.slope), None


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        xp = backend.array_module(x)
        # exp of a non-positive number only: no overflow for large |x|
        e = xp.exp(-xp.abs(x))
        y = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (1 - y)


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        y = backend.array_module(x).tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class GELU(Function):
    """x * Phi(x) (Phi: the standard normal CDF), or its tanh approximation."""

    @staticmethod
    def forward(ctx, x, approximate):
        xp = backend.array_module(x)
        ctx.tanh = approximate == "tanh"
        if ctx.tanh:
            t = xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
            ctx.save_for_backward(x, t)
            return 0.5 * x * (1 + t)
        cdf = 0.5 * (1 + kernels.erf(x * _INV_SQRT_2))
        ctx.save_for_backward(x, cdf)
        return x * cdf

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        xp = backend.array_module(x)
        if ctx.tanh:  # s = tanh(inner)
            inner_grad = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1 + s) + 0.5 * x * (1 - s * s) * inner_grad), None
        pdf = _INV_SQRT_2PI * xp.exp(-0.5 * x * x)
        return g * (s + x * pdf), None  # s = Phi(x)


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, axis):
        xp = backend.array_module(x)
        e = xp.exp(x - x.max(axis=axis, keepdims=True))  # largest exponent is 0: no overflow
        y = e / e.sum(axis=axis, keepdims=True)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(axis=ctx.axis, keepdims=True)), None


def log_softmax_array(x: Any, axis: int) -> Any:
    """``x - logsumexp(x)`` along ``axis`` on a raw array, shifted by the max for stability."""
    xp = backend.array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, axis):
        y = log_softmax_array(x, axis)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        xp = backend.array_module(y)
        return g - xp.exp(y) * g.sum(axis=ctx.axis, keepdims=True), None


# --- public functions ------------------------------------------------------------------------


def _softmax_axis(x: Tensor, dim: Any, fn: str) -> tuple[int]:
    if x.ndim == 0:
        raise ValueError(f"{fn}: expected an input with at least one dimension, got a scalar")
    if dim is None or not isinstance(dim, int):
        raise TypeError(f"{fn}: dim must be an int, got {dim!r}")
    return normalize_dims(dim, x.ndim)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), element-wise."""
    return ReLU.apply(_float_tensor(input, "relu"))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), element-wise (MobileNet's and EfficientNet-Lite's activation)."""
    return ReLU6.apply(_float_tensor(input, "relu6"))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return LeakyReLU.apply(_float_tensor(input, "leaky_relu"), float(negative_slope))


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), computed without overflow."""
    return Sigmoid.apply(_float_tensor(input, "sigmoid"))


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent."""
    return Tanh.apply(_float_tensor(input, "tanh"))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF (exact, with erf), or with
    ``approximate='tanh'``: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(_float_tensor(input, "gelu"), approximate)


def softmax(input: Tensor, dim: int) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (shifted by the max, so it never overflows)."""
    x = _float_tensor(input, "softmax")
    (axis,) = _softmax_axis(x, dim, "softmax")
    return Softmax.apply(x, axis)


def log_softmax(input: Tensor, dim: int) -> Tensor:
    """x - log(sum(exp(x))) along ``dim``, computed stably (no exp overflow, no log(0))."""
    x = _float_tensor(input, "log_softmax")
    (axis,) = _softmax_axis(x, dim, "log_softmax")
    return LogSoftmax.apply(x, axis)
