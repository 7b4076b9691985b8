"""Normalization within each sample: layer norm, group norm and instance norm.

Batch norm (``normalization.py``) standardizes each *channel* over the batch. These three
standardize groups of values *inside one sample*, so they behave the same in training and
evaluation and work for any batch size:

* ``layer_norm``: over the last dims (``normalized_shape``), e.g. all of (C, H, W);
* ``group_norm``: over each group of C/G channels (and all their pixels);
* ``instance_norm``: over each channel of each image (group norm with G = C).

All three are one op, `Standardize`: arrange the input as (1, M, S), M sets of S values,
and normalize each set to ``xhat = (x - mean) / sqrt(var + eps)`` (biased variance). That
is exactly batch norm's training computation with M "channels", so it runs on the same
kernels (`tinycnn.kernels.batchnorm_stats` / ``_forward`` / ``_backward``). The learned
scale and shift are applied afterwards as ordinary broadcast ops (``y = xhat * w + b``),
because their shape (per element, per channel) differs from the sets' shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import backend, kernels
from ..autograd import Function
from ..checks import check_tensor, is_int
from ..tensor import Tensor
from .normalization import batch_norm


class Standardize(Function):
    """x: (1, M, S) -> (x - mean_m) / sqrt(var_m + eps), statistics of each of the M sets."""

    @staticmethod
    def forward(ctx, x, eps):
        xp = backend.array_module(x)
        mean, var = kernels.batchnorm_stats(x)
        invstd = 1.0 / xp.sqrt(var + eps)
        ones, zeros = xp.ones_like(mean), xp.zeros_like(mean)
        xhat = kernels.batchnorm_forward(x, mean, invstd, ones, zeros)[1]
        ctx.save_for_backward(xhat, invstd)
        return xhat

    @staticmethod
    def backward(ctx, g):
        xhat, invstd = ctx.saved_tensors
        # the mean and variance depend on x: batch norm's training-mode gradient
        return kernels.batchnorm_backward(g, xhat, invstd, True)[0], None


def _standardize(x: Tensor, sets: int, eps: float) -> Tensor:
    """x standardized in ``sets`` equal consecutive blocks of its values; x's shape."""
    if x.numel() == 0:
        return x * 1.0  # nothing to normalize (an empty batch), but still a new graph node
    flat = x.reshape(1, sets, x.numel() // sets)
    return Standardize.apply(flat, float(eps)).reshape(x.shape)


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple) -> Tensor:
    """y * weight + bias with weight and bias viewed as ``shape`` (either may be None)."""
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def _check_param(t: Any, name: str, shape: tuple, x: Tensor, fn: str) -> None:
    if t is None:
        return
    check_tensor(t, name, fn)
    if tuple(t.shape) != tuple(shape):
        raise ValueError(f"{fn}: expected {name} of shape {tuple(shape)}, got {t.shape}")
    if t.dtype != x.dtype:
        raise TypeError(f"{fn}: input dtype {x.dtype} and {name} dtype {t.dtype} differ")


def _float_input(x: Any, fn: str, min_ndim: int) -> Tensor:
    check_tensor(x, "input", fn)
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating point input, got dtype {x.dtype}")
    if x.ndim < min_ndim:
        raise ValueError(f"{fn}: expected an input with at least {min_ndim} dimensions, "
                         f"got shape {x.shape}")
    return x


def layer_norm(input: Tensor, normalized_shape: Sequence[int] | int,
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Standardize over the last ``len(normalized_shape)`` dims, which must equal
    ``normalized_shape``; then ``* weight + bias`` (both of ``normalized_shape``)."""
    fn = "layer_norm"
    x = _float_input(input, fn, 0)
    shape = (int(normalized_shape),) if is_int(normalized_shape) else tuple(
        int(s) for s in normalized_shape)
    k = len(shape)
    if k == 0 or k > x.ndim or x.shape[x.ndim - k:] != shape:
        raise ValueError(f"{fn}: normalized_shape {shape} must equal the last dimensions of "
                         f"the input, got input of shape {x.shape}")
    _check_param(weight, "weight", shape, x, fn)
    _check_param(bias, "bias", shape, x, fn)
    lead = x.shape[:x.ndim - k]
    y = _standardize(x, math.prod(lead), eps)
    return _affine(y, weight, bias, shape)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Standardize each group of C/num_groups channels of each sample of input (N, C, *);
    then ``* weight + bias``, both (C,) (one per channel)."""
    fn = "group_norm"
    x = _float_input(input, fn, 2)
    c = x.shape[1]
    if not is_int(num_groups) or num_groups < 1 or c % num_groups:
        raise ValueError(f"{fn}: the input's {c} channels must divide into num_groups groups, "
                         f"got num_groups={num_groups!r}")
    _check_param(weight, "weight", (c,), x, fn)
    _check_param(bias, "bias", (c,), x, fn)
    y = _standardize(x, x.shape[0] * int(num_groups), eps)
    return _affine(y, weight, bias, (1, c) + (1,) * (x.ndim - 2))


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Standardize each channel of each sample of input (N, C, *) over its own values;
    then ``* weight + bias``, both (C,).

    With running_mean / running_var (C,) given and ``use_input_stats``, they move towards
    the batch average of the per-instance statistics (unbiased variance), as in PyTorch;
    ``use_input_stats=False`` normalizes with them instead (the layer's eval mode).
    """
    fn = "instance_norm"
    x = _float_input(input, fn, 3)
    n, c = x.shape[:2]
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        _check_param(t, name, (c,), x, fn)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(f"{fn}: running_mean and running_var are required when "
                             "use_input_stats=False")
        return batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps)
    _check_param(weight, "weight", (c,), x, fn)
    _check_param(bias, "bias", (c,), x, fn)
    if running_mean is not None or running_var is not None:
        _update_running(x._data, running_mean, running_var, float(momentum))
    y = _standardize(x, n * c, eps)
    return _affine(y, weight, bias, (1, c) + (1,) * (x.ndim - 2))


def _update_running(x: Any, running_mean: Tensor | None, running_var: Tensor | None,
                    momentum: float) -> None:
    """running = (1 - momentum) running + momentum * (batch mean of each instance's stat)."""
    if x.size == 0:  # an empty batch tells nothing about the statistics
        return
    n, c = x.shape[:2]
    flat = x.reshape(1, n * c, -1)
    s = flat.shape[2]
    mean, var = kernels.batchnorm_stats(flat)
    for running, stat in ((running_mean, mean), (running_var, var * s / max(s - 1, 1))):
        if running is not None:
            running._data *= 1.0 - momentum
            running._data += (momentum * stat.reshape(n, c).mean(axis=0)).astype(running.dtype)


__all__ = ["group_norm", "instance_norm", "layer_norm"]
