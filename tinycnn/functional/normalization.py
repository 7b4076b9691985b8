"""Batch normalization: standardize each channel over the batch, then scale and shift.

For input (N, C) or (N, C, H, W) (any rank >= 2; channels on axis 1), every channel c
is normalized with a mean and variance taken over all the other axes:

    xhat = (x - mean_c) / sqrt(var_c + eps),     y = weight_c * xhat + bias_c

In training the statistics come from the batch (biased variance, as in the paper) and
the running estimates move towards them; in evaluation the running estimates are used.
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend, kernels
from ..autograd import Function
from ..checks import check_tensor
from ..tensor import Tensor


def _per_channel(a: Any) -> Any:
    """(N, C, *) -> (N, C, S): the layout of the batch-norm kernels (a view when it can be)."""
    return a.reshape(a.shape[0], a.shape[1], math.prod(a.shape[2:]))  # no -1: N may be 0


class BatchNorm(Function):
    """y = weight * (x - mean) * invstd + bias; ``mean``, ``invstd`` (C,) are given arrays.

    In training they are the batch's own statistics, so they depend on x: the input
    gradient then carries two extra terms (the standard batch-norm backward). The loops
    are `tinycnn.kernels.batchnorm_forward` / ``batchnorm_backward`` (one fused pass each
    on the CPU; the NumPy formulas are in kernels/reference.py).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd, training):
        xp = backend.array_module(x)
        c = x.shape[1]
        w = weight if weight is not None else xp.ones(c, dtype=x.dtype)
        b = bias if bias is not None else xp.zeros(c, dtype=x.dtype)
        if not any(ctx.needs_input_grad):
            # no backward to come (inference): y = x * scale + shift per channel, as
            # PyTorch's CPU inference does, without writing x-hat (one activation-sized
            # array less at the peak: 51 MB for ResNet-18's first layer at batch 16)
            scale = w * invstd
            y = _per_channel(x) * scale[:, None]
            y += (b - mean * scale)[:, None]
            return y.reshape(x.shape)
        y, xhat = kernels.batchnorm_forward(_per_channel(x), mean, invstd, w, b)
        ctx.training = training
        ctx.save_for_backward(xhat, invstd, weight)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        xhat, invstd, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        scale = invstd if weight is None else weight * invstd
        gx, sum_g, sum_gx = kernels.batchnorm_backward(_per_channel(gy), xhat, scale,
                                                       ctx.training)
        return (gx.reshape(gy.shape) if needs[0] else None, sum_gx if needs[1] else None,
                sum_g if needs[2] else None, None, None, None)


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
            if t.dtype != input.dtype:  # as conv2d, linear (and PyTorch's "mixed dtype")
                raise TypeError(f"{fn}: input dtype {input.dtype} and {name} dtype {t.dtype} "
                                "differ")
    if momentum is None or not 0.0 <= float(momentum) <= 1.0:
        raise ValueError(f"{fn}: momentum must be a number in [0, 1], got {momentum!r} "
                         "(nn.BatchNorm passes 1/num_batches_tracked for momentum=None)")
    x = input._data
    xp = backend.array_module(x)
    m = x.size // max(c, 1)
    if training and m == 0:
        # an empty batch (as PyTorch): an empty output, the running statistics unchanged
        mean, var, training = xp.zeros(c, dtype=x.dtype), xp.ones(c, dtype=x.dtype), False
    elif training:
        if m == 1:
            raise ValueError(f"{fn}: expected more than 1 value per channel when training, "
                             f"got input of shape {input.shape}")
        mean, var = kernels.batchnorm_stats(_per_channel(x))
        if running_mean is not None:
            running_mean._data *= 1.0 - momentum
            running_mean._data += (momentum * mean).astype(running_mean.dtype)
        if running_var is not None:
            running_var._data *= 1.0 - momentum
            running_var._data += (momentum * m / (m - 1) * var).astype(running_var.dtype)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(f"{fn}: running_mean and running_var are required when "
                             "training=False")
        mean = running_mean._data.astype(x.dtype, copy=False)
        var = running_var._data.astype(x.dtype, copy=False)
    invstd = 1.0 / xp.sqrt(var + eps)
    return BatchNorm.apply(input, weight, bias, mean, invstd, bool(training))
