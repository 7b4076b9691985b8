"""More losses: L1, smooth L1 / Huber (robust regression) and the KL divergence.

``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"``; `kl_div` also takes
``"batchmean"`` (the sum divided by the batch size: the true KL divergence per sample).

Smooth L1 and Huber are one function in two scalings. With ``d = input - target``::

    huber(d; delta)     = d^2 / 2                 if |d| < delta, else delta (|d| - delta/2)
    smooth_l1(d; beta)  = huber(d; beta) / beta   (beta = 0: plain |d|)

so both are quadratic near 0 (gradients shrink as the error does) and linear far away
(an outlier's gradient stays bounded).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..checks import check_reduction, check_tensor
from ..tensor import Tensor
from .loss import _pair_of_tensors, _reduce, _upstream


def legacy_reduction(size_average: Any, reduce: Any, reduction: str, fn: str) -> str:
    """PyTorch's deprecated ``size_average``/``reduce`` pair as a ``reduction`` (they win when
    given: reduce=False -> "none", size_average=False -> "sum", else "mean")."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn(f"{fn}: size_average and reduce are deprecated, use reduction instead",
                  DeprecationWarning, stacklevel=3)
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


class L1Loss(Function):
    """|input - target|; the gradient is sign(d) (0 where d = 0, as in PyTorch)."""

    @staticmethod
    def forward(ctx, a, b, reduction):
        d = a - b
        ctx.save_for_backward(d)
        ctx.reduction = reduction
        return _reduce(backend.array_module(d).abs(d), reduction, d.size)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved_tensors
        ga = backend.array_module(d).sign(d) * _upstream(g, ctx.reduction, d.size)
        return ga, (-ga if ctx.needs_input_grad[1] else None), None


class Huber(Function):
    """``scale * huber(input - target; delta)`` (see the module docstring)."""

    @staticmethod
    def forward(ctx, a, b, delta, scale, reduction):
        xp = backend.array_module(a)
        d = a - b
        ad = xp.abs(d)
        per = xp.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta)) * scale
        ctx.save_for_backward(d)
        ctx.delta, ctx.scale, ctx.reduction = delta, scale, reduction
        return _reduce(per.astype(a.dtype, copy=False), reduction, d.size)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved_tensors
        xp = backend.array_module(d)
        # d itself inside the quadratic zone, +-delta outside it
        slope = xp.clip(d, -ctx.delta, ctx.delta) * ctx.scale
        ga = slope * _upstream(g, ctx.reduction, d.size)
        return ga, (-ga if ctx.needs_input_grad[1] else None), None, None, None


def _weighted(per: Tensor, weight: Tensor, reduction: str, mean_by_weight: bool,
              fn: str) -> Tensor:
    """Per-element losses times ``weight`` (input's shape), then reduced; the mean divides
    by sum(weight) or (``mean_by_weight=False``) by the element count, as PyTorch does."""
    check_tensor(weight, "weight", fn)
    if weight.shape != per.shape:
        raise ValueError(f"{fn}: weight of shape {weight.shape} must have the input's shape "
                         f"{per.shape}")
    loss = per * weight
    if reduction == "none":
        return loss
    if reduction == "sum" or not mean_by_weight:
        return loss.sum() if reduction == "sum" else loss.mean()
    return loss.sum() / weight.sum()


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Absolute error ``|input - target|``, averaged (or summed) over all elements.

    weight (input's shape): each error is multiplied by it, and the mean divides by
    ``sum(weight)`` (a weighted average)."""
    fn = "l1_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, fn)
    check_reduction(reduction, fn)
    _pair_of_tensors(input, target, fn)
    if weight is not None:
        return _weighted(L1Loss.apply(input, target, "none"), weight, reduction, True, fn)
    return L1Loss.apply(input, target, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``d^2 / 2`` where ``|d| < delta``, else ``delta * (|d| - delta / 2)``; d = input - target.

    weight (input's shape) multiplies each element's loss (the mean still divides by the
    element count, as in PyTorch)."""
    fn = "huber_loss"
    check_reduction(reduction, fn)
    _pair_of_tensors(input, target, fn)
    if not float(delta) > 0:
        raise ValueError(f"{fn}: delta must be positive, got {delta!r}")
    if weight is not None:
        per = Huber.apply(input, target, float(delta), 1.0, "none")
        return _weighted(per, weight, reduction, False, fn)
    return Huber.apply(input, target, float(delta), 1.0, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``d^2 / (2 beta)`` where ``|d| < beta``, else ``|d| - beta / 2``; d = input - target
    (``beta=0`` is `l1_loss`)."""
    fn = "smooth_l1_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, fn)
    check_reduction(reduction, fn)
    _pair_of_tensors(input, target, fn)
    if not float(beta) >= 0:
        raise ValueError(f"{fn}: beta must be non-negative, got {beta!r}")
    if float(beta) == 0:
        return L1Loss.apply(input, target, reduction)
    return Huber.apply(input, target, float(beta), 1.0 / float(beta), reduction)


class KLDiv(Function):
    """``t (log t - x)`` per element (0 where t = 0), x and t log-probabilities / probabilities
    (with ``log_target``: ``exp(t) (t - x)``)."""

    @staticmethod
    def forward(ctx, x, t, log_target, reduction, denom):
        xp = backend.array_module(x)
        if log_target:
            p = xp.exp(t)
            per = p * (t - x)
            log_t = t
        else:
            p = t
            # log(0) = -inf; those terms are 0 (0 log 0 = 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                log_t = xp.log(t)
                per = xp.where(t > 0, t * (log_t - x), 0).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, p, log_t)
        ctx.log_target, ctx.reduction, ctx.denom = log_target, reduction, denom
        return _reduce(per, reduction, denom)

    @staticmethod
    def backward(ctx, g):
        x, p, log_t = ctx.saved_tensors
        xp = backend.array_module(x)
        up = _upstream(g, ctx.reduction, ctx.denom)
        gx = -p * up if ctx.needs_input_grad[0] else None
        gt = None
        if ctx.needs_input_grad[1]:
            if ctx.log_target:  # d/dt exp(t) (t - x) = exp(t) (t - x + 1)
                gt = p * (log_t - x + 1) * up
            else:  # d/dt t (log t - x) = log t + 1 - x; undefined (nan, as in PyTorch) at t = 0
                gt = xp.where(p > 0, log_t + 1 - x, xp.nan).astype(x.dtype, copy=False) * up
        return gx, gt, None, None, None


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL divergence ``sum t (log t - input)``, as ``torch.nn.functional.kl_div``.

    input: log-probabilities (e.g. from `log_softmax`); target: probabilities of the same
    shape (log-probabilities with ``log_target=True``). reduction: "batchmean" divides the
    sum by input.shape[0] (the mathematically right KL per sample); "mean" divides by the
    number of elements (PyTorch's default, kept for compatibility).
    """
    fn = "kl_div"
    reduction = legacy_reduction(size_average, reduce, reduction, fn)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{fn}: reduction must be one of ('none', 'mean', 'sum', "
                         f"'batchmean'), got {reduction!r}")
    _pair_of_tensors(input, target, fn)
    if reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total loss by the number of "
                      "elements, not by the batch size; 'batchmean' gives the KL divergence "
                      "per sample (PyTorch gives the same warning)", UserWarning, stacklevel=2)
    if reduction == "batchmean":
        denom = input.shape[0] if input.ndim else 1
        return KLDiv.apply(input, target, bool(log_target), "mean", denom)
    return KLDiv.apply(input, target, bool(log_target), reduction, input.numel())


__all__ = ["huber_loss", "kl_div", "l1_loss", "smooth_l1_loss"]
