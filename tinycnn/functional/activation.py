"""Activation functions and (log-)softmax; forward and backward side by side.

Each backward is the derivative written in terms of what the forward already computed
(``relu``: where the output is positive; ``sigmoid``: ``y * (1 - y)``; ``tanh``:
``1 - y**2``; ``elu``: ``y + alpha`` where x <= 0; ``silu``: ``s (1 + x (1 - s))`` with
``s = sigmoid(x)``; ``softplus``: ``sigmoid(beta x)``), so nothing is recomputed.
``inplace=True`` writes the result into the input, as in PyTorch (inside a graph the
input tensor takes over the recorded result, so autograd still has the original values).
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend, kernels
from ..autograd import Function
from ..checks import check_tensor
from ..tensor import Tensor
from .elementwise import unbroadcast
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


def _maybe_inplace(input: Tensor, out: Tensor, inplace: bool, op: str) -> Tensor:
    """``out``, or with ``inplace`` the input tensor updated to hold it (PyTorch's ``relu_``)."""
    return input._update(out, op) if inplace else out


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), element-wise."""
    return _maybe_inplace(input, ReLU.apply(_float_tensor(input, "relu")), inplace, "relu_")


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), element-wise (MobileNet's and EfficientNet-Lite's activation)."""
    return _maybe_inplace(input, ReLU6.apply(_float_tensor(input, "relu6")), inplace, "relu6_")


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    out = LeakyReLU.apply(_float_tensor(input, "leaky_relu"), float(negative_slope))
    return _maybe_inplace(input, out, inplace, "leaky_relu_")


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


def _sigmoid(x):
    """1 / (1 + exp(-x)) on an array, without overflow (exp of non-positive numbers only)."""
    xp = backend.array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


class ELU(Function):
    """x for x > 0, alpha (exp(x) - 1) otherwise; the slope there is y + alpha."""

    @staticmethod
    def forward(ctx, x, alpha):
        xp = backend.array_module(x)
        y = xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0)))
        ctx.save_for_backward(x, y)
        ctx.alpha = alpha
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return backend.array_module(g).where(x > 0, g, g * (y + ctx.alpha)), None


class SiLU(Function):
    """x * sigmoid(x) (also called swish)."""

    @staticmethod
    def forward(ctx, x):
        s = _sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        return g * s * (1 + x * (1 - s))


class Hardswish(Function):
    """x * relu6(x + 3) / 6: 0 below -3, x above 3, x (x + 3) / 6 in between."""

    @staticmethod
    def forward(ctx, x):
        xp = backend.array_module(x)
        ctx.save_for_backward(x)
        return x * xp.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xp = backend.array_module(x)
        # PyTorch's slopes: 0 for x <= -3, x/3 + 1/2 for -3 < x < 3, 1 from 3 on
        slope = xp.where(x <= -3, 0, xp.where(x < 3, x / 3 + 0.5, 1)).astype(g.dtype)
        return g * slope


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = backend.array_module(x)
        z = x * beta
        # log1p(exp(z)) = max(z, 0) + log1p(exp(-|z|)): never overflows
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        ctx.save_for_backward(z)
        ctx.threshold = threshold
        return xp.where(z > threshold, x, soft).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        xp = backend.array_module(z)
        return xp.where(z > ctx.threshold, g, g * _sigmoid(z)), None, None


class PReLU(Function):
    """x for x > 0, a_c * x otherwise, with one learned slope a_c per channel (axis 1)."""

    @staticmethod
    def forward(ctx, x, a):
        xp = backend.array_module(x)
        shape = (1, -1) + (1,) * (x.ndim - 2) if x.ndim >= 2 else (1,) * x.ndim
        ak = a.reshape(shape)
        ctx.save_for_backward(x, ak)
        ctx.a_shape = a.shape
        return xp.where(x > 0, x, ak * x)

    @staticmethod
    def backward(ctx, g):
        x, ak = ctx.saved_tensors
        xp = backend.array_module(g)
        gx = xp.where(x > 0, g, ak * g) if ctx.needs_input_grad[0] else None
        ga = None
        if ctx.needs_input_grad[1]:  # summed over every axis the slope was broadcast along
            ga = unbroadcast(xp.where(x > 0, 0, x * g), ak.shape).reshape(ctx.a_shape)
        return gx, ga


# --- public functions ------------------------------------------------------------------------


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    out = ELU.apply(_float_tensor(input, "elu"), float(alpha))
    return _maybe_inplace(input, out, inplace, "elu_")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x), element-wise (the "swish" activation)."""
    return _maybe_inplace(input, SiLU.apply(_float_tensor(input, "silu")), inplace, "silu_")


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6, element-wise (MobileNetV3's cheap swish)."""
    out = Hardswish.apply(_float_tensor(input, "hardswish"))
    return _maybe_inplace(input, out, inplace, "hardswish_")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, a smooth ReLU; x itself where beta * x > threshold."""
    if float(beta) == 0:
        raise ValueError("softplus: beta must be non-zero, got 0")
    return Softplus.apply(_float_tensor(input, "softplus"), float(beta), float(threshold))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, weight[c] * x otherwise; input (N, C, *) (channels on axis 1), weight
    (C,) or (1,) (one slope shared by all channels)."""
    fn = "prelu"
    x = _float_tensor(input, fn)
    check_tensor(weight, "weight", fn)
    channels = x.shape[1] if x.ndim >= 2 else 1
    if weight.ndim != 1 or weight.shape[0] not in (1, channels):
        raise ValueError(f"{fn}: expected weight of shape (1,) or ({channels},) (one slope per "
                         f"channel of input {x.shape}), got {weight.shape}")
    if weight.dtype != x.dtype:
        raise TypeError(f"{fn}: input dtype {x.dtype} and weight dtype {weight.dtype} differ")
    return PReLU.apply(x, weight)


__all__ = ["elu", "hardswish", "prelu", "silu", "softplus"]
