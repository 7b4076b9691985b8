"""Batch normalization: standardize each channel over the batch, then scale and shift.

For input (N, C) or (N, C, H, W) (any rank >= 2; channels on axis 1), every channel c
is normalized with a mean and variance taken over all the other axes:

    xhat = (x - mean_c) / sqrt(var_c + eps),     y = weight_c * xhat + bias_c

In training the statistics come from the batch (biased variance, as in the paper) and
the running estimates move towards them; in evaluation the running estimates are used.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .conv import check_tensor


def _channel_shape(x: Any) -> tuple:
    """(1, C, 1, 1, ...): the shape that broadcasts a per-channel vector against x."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _axes(x: Any) -> tuple:
    return (0,) + tuple(range(2, x.ndim))


class BatchNorm(Function):
    """y = weight * (x - mean) * invstd + bias; ``mean``, ``invstd`` (C,) are given arrays.

    In training they are the batch's own statistics, so they depend on x: the input
    gradient then carries two extra terms (the standard batch-norm backward).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd, training):
        shape = _channel_shape(x)
        xhat = (x - mean.reshape(shape)) * invstd.reshape(shape)
        y = xhat * weight.reshape(shape) if weight is not None else xhat.copy()
        if bias is not None:
            y += bias.reshape(shape)
        ctx.training = training
        ctx.save_for_backward(xhat, invstd, weight)
        return y

    @staticmethod
    def backward(ctx, gy):
        xhat, invstd, weight = ctx.saved_tensors
        axes, shape = _axes(gy), _channel_shape(gy)
        needs = ctx.needs_input_grad
        sum_g = gy.sum(axis=axes) if (needs[2] or ctx.training and needs[0]) else None
        sum_gx = (gy * xhat).sum(axis=axes) if (needs[1] or ctx.training and needs[0]) else None
        gx = None
        if needs[0]:
            scale = invstd if weight is None else weight * invstd
            if ctx.training:
                m = gy.size // gy.shape[1]  # values per channel
                # d/dx of the batch statistics: remove the gradient's mean and its
                # component along xhat
                gx = (gy - (sum_g / m).reshape(shape) - xhat * (sum_gx / m).reshape(shape))
                gx *= scale.reshape(shape)
            else:
                gx = gy * scale.reshape(shape)
        gw = sum_gx if needs[1] else None
        gb = sum_g if needs[2] else None
        return gx, gw, gb, None, None, None


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization over axis 1 of input (N, C, *), as ``torch.nn.functional.batch_norm``.

    running_mean, running_var: (C,) tensors or None. In training they are updated in
    place: ``r = (1 - momentum) * r + momentum * batch_stat``, with the *unbiased* batch
    variance (N*H*W / (N*H*W - 1) times the biased one used to normalize). In evaluation
    (training=False) they are required and used instead of the batch statistics.
    weight, bias: (C,) or None. ``momentum=None`` (a cumulative average) needs a batch
    counter, which `tinycnn.nn.BatchNorm2d` keeps; it passes ``1 / num_batches_tracked``.
    """
    fn = "batch_norm"
    check_tensor(input, "input", fn)
    if input.ndim < 2:
        raise ValueError(f"{fn}: expected input of shape (N, C, ...), got {input.shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating point input, got dtype {input.dtype}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None:
            check_tensor(t, name, fn)
            if t.shape != (c,):
                raise ValueError(f"{fn}: expected {name} of shape ({c},) for input with {c} "
                                 f"channels, got {t.shape}")
    if momentum is None or not 0.0 <= float(momentum) <= 1.0:
        raise ValueError(f"{fn}: momentum must be a number in [0, 1], got {momentum!r} "
                         "(nn.BatchNorm passes 1/num_batches_tracked for momentum=None)")
    x = input.data
    xp = backend.array_module(x)
    if training:
        m = x.size // c
        if m <= 1:
            raise ValueError(f"{fn}: expected more than 1 value per channel when training, "
                             f"got input of shape {input.shape}")
        axes = _axes(x)
        mean = x.mean(axis=axes)
        var = xp.square(x - mean.reshape(_channel_shape(x))).mean(axis=axes)
        if running_mean is not None:
            running_mean.data *= 1.0 - momentum
            running_mean.data += (momentum * mean).astype(running_mean.dtype)
        if running_var is not None:
            running_var.data *= 1.0 - momentum
            running_var.data += (momentum * m / (m - 1) * var).astype(running_var.dtype)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(f"{fn}: running_mean and running_var are required when "
                             "training=False")
        mean = running_mean.data.astype(x.dtype, copy=False)
        var = running_var.data.astype(x.dtype, copy=False)
    invstd = 1.0 / xp.sqrt(var + eps)
    return BatchNorm.apply(input, weight, bias, mean, invstd, bool(training))
