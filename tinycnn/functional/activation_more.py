"""More activations: ELU, SiLU, Hardswish, Softplus and PReLU (a learned slope).

As in `activation.py`, each backward is the derivative written with what the forward
already has (``elu``: ``y + alpha`` where x <= 0; ``silu``: ``s (1 + x (1 - s))`` with
``s = sigmoid(x)``; ``softplus``: ``sigmoid(beta x)``). ``inplace`` is accepted for
PyTorch compatibility and ignored: the result is always a new tensor.
"""

from __future__ import annotations

from .. import backend
from ..autograd import Function
from ..checks import check_tensor
from ..tensor import Tensor
from .activation import _float_tensor
from .elementwise import unbroadcast


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
    return ELU.apply(_float_tensor(input, "elu"), float(alpha))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x), element-wise (the "swish" activation)."""
    return SiLU.apply(_float_tensor(input, "silu"))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6, element-wise (MobileNetV3's cheap swish)."""
    return Hardswish.apply(_float_tensor(input, "hardswish"))


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
