"""Loss functions, with PyTorch's arguments, reductions and weighting rules.

``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"`` (one loss per element).

Cross-entropy and NLL share one idea. For sample i, with log-probabilities ``logp[i, c]``,
the loss is a weighted sum ``-sum_c a[i, c] * logp[i, c]``, where the coefficients ``a``
encode the target:

* class index y, no options: ``a = onehot(y)`` (the classic ``-logp[i, y]``);
* class weights: ``a = weight[y] * onehot(y)``, and the mean divides by ``sum_i weight[y_i]``;
* label smoothing eps: ``a = (1-eps) * weight[y] * onehot(y) + eps/C * weight``;
* ignore_index: ``a = 0`` for those samples (they add nothing to the loss or the mean);
* class probabilities t (soft labels): ``a = weight * t``.

``cross_entropy`` fuses log-softmax with this sum in one op, whose gradient with respect
to the logits is simply ``p * sum_c a[c] - a`` (``p`` the softmax): ``p - onehot(y)`` in
the classic case.

`kl_div` also takes ``reduction="batchmean"`` (the sum divided by the batch size: the true
KL divergence per sample).

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
from ..checks import check_reduction, check_tensor, is_int
from ..tensor import Tensor
from .activation import log_softmax_array


def _reduce(per: Any, reduction: str, denom: Any) -> Any:
    if reduction == "none":
        return per
    total = per.sum()
    xp = backend.array_module(per)
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty batch's mean is NaN
        return xp.asarray(total if reduction == "sum" else total / denom, dtype=per.dtype)


def _upstream(g: Any, reduction: str, denom: Any) -> Any:
    """The output gradient as a factor on each element's loss (broadcastable)."""
    if reduction == "none":
        return g
    with np.errstate(invalid="ignore", divide="ignore"):
        return g if reduction == "sum" else g / denom


# --- cross-entropy and NLL --------------------------------------------------------------------


def _weighted_nll(coef: Any, logp: Any) -> Any:
    """``-sum_c coef[:, c] * logp[:, c]``; only entries with coef != 0 count, so a nan in
    an ignored sample or in a class that is not the target stays out (as in PyTorch)."""
    xp = backend.array_module(logp)
    return -xp.where(coef != 0, coef * logp, 0).sum(axis=1)


class CrossEntropy(Function):
    """Fused log-softmax + weighted NLL over axis 1. logits, coef: (N, C, *)."""

    @staticmethod
    def forward(ctx, logits, coef, denom, reduction):
        logp = log_softmax_array(logits, axis=1)
        per = _weighted_nll(coef, logp)
        ctx.save_for_backward(logp, coef)
        ctx.denom, ctx.reduction = denom, reduction
        return _reduce(per, reduction, denom)

    @staticmethod
    def backward(ctx, g):
        logp, coef = ctx.saved_tensors
        xp = backend.array_module(logp)
        up = _upstream(g, ctx.reduction, ctx.denom)
        if ctx.reduction == "none":
            up = xp.expand_dims(up, 1)
        grad = xp.exp(logp) * coef.sum(axis=1, keepdims=True) - coef
        return grad * up, None, None, None


class NLLLoss(Function):
    """Weighted negative log-likelihood: ``-sum_c coef[:, c] * logp[:, c]``, over axis 1."""

    @staticmethod
    def forward(ctx, logp, coef, denom, reduction):
        ctx.save_for_backward(coef)
        ctx.denom, ctx.reduction = denom, reduction
        return _reduce(_weighted_nll(coef, logp), reduction, denom)

    @staticmethod
    def backward(ctx, g):
        (coef,) = ctx.saved_tensors
        up = _upstream(g, ctx.reduction, ctx.denom)
        if ctx.reduction == "none":
            up = backend.array_module(coef).expand_dims(up, 1)
        return -coef * up, None, None, None


def _coefficients(x: Tensor, target: Any, weight: Any, ignore_index: int,
                  label_smoothing: float, fn: str) -> tuple[Any, Any]:
    """The coefficients a (like x, (N, C, *)) and the denominator of the mean."""
    check_tensor(target, "target", fn)
    if not is_int(ignore_index):
        raise TypeError(f"{fn}: ignore_index must be an int, got {ignore_index!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{fn}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    xp = backend.array_module(x._data)
    c = x.shape[1]
    chan = (1, c) + (1,) * (x.ndim - 2)
    w = None
    if weight is not None:
        check_tensor(weight, "weight", fn)
        if weight.shape != (c,):
            raise ValueError(f"{fn}: expected weight of shape ({c},) (one per class), got "
                             f"{weight.shape}")
        w = weight._data.astype(x.dtype, copy=False).reshape(chan)
    t = target._data
    if t.dtype.kind == "f":  # class probabilities (soft labels), the same shape as input
        if t.shape != x.shape:
            raise ValueError(f"{fn}: a floating point target holds class probabilities and "
                             f"must have the input's shape {x.shape}, got {t.shape}; pass "
                             "class indices as an integer tensor")
        coef = t.astype(x.dtype, copy=False)
        if label_smoothing:
            coef = coef * (1 - label_smoothing) + label_smoothing / c
        if w is not None:
            coef = coef * w
        return coef, x.numel() // c
    if t.dtype.kind not in "iu":
        raise TypeError(f"{fn}: target must hold integer class indices (or floating point "
                        f"class probabilities), got dtype {t.dtype}")
    want = x.shape[:1] + x.shape[2:]
    if t.shape != want:
        raise ValueError(f"{fn}: expected target of shape {want} for input of shape "
                         f"{x.shape}, got {t.shape}")
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= c))
    if bool(bad.any()):
        value = int(t[bad].reshape(-1)[0])
        raise ValueError(f"{fn}: target contains class index {value}, outside [0, {c}) "
                         f"(input has {c} classes; ignore_index={ignore_index})")
    t = xp.expand_dims(t, 1)
    onehot = ((t == xp.arange(c).reshape(chan)) & xp.expand_dims(valid, 1)).astype(x.dtype)
    if w is not None:
        onehot *= w
    denom = onehot.sum()  # sum of the target classes' weights (the count without weights)
    coef = onehot
    if label_smoothing:
        spread = (xp.ones(chan, dtype=x.dtype) if w is None else w) * xp.expand_dims(valid, 1)
        coef = onehot * (1 - label_smoothing) + spread.astype(x.dtype) * (label_smoothing / c)
    return coef, denom


def _class_input(input: Any, target: Any, fn: str) -> tuple[Tensor, Tensor, bool]:
    """input as (N, C, *); an unbatched (C,) input (with a scalar target) gets N = 1."""
    check_tensor(input, "input", fn)
    check_tensor(target, "target", fn)
    if input.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating point input, got dtype {input.dtype}")
    if input.ndim == 0:
        raise ValueError(f"{fn}: expected input of shape (N, C) or (N, C, d1, ...), got a scalar")
    if input.ndim > 1:
        return input, target, False
    if target.dtype.kind != "f" and target.ndim != 0:
        raise ValueError(f"{fn}: an unbatched input of shape {input.shape} needs a scalar "
                         f"class index as target, got shape {target.shape}")
    return input.reshape(1, -1), target.reshape((1,) + target.shape), True


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy between logits and targets, as ``torch.nn.functional.cross_entropy``.

    input: logits (N, C) or (N, C, d1, ...) (or (C,)); target: class indices (N,) or
    (N, d1, ...) of an integer dtype, or class probabilities shaped like input.
    weight: (C,) per-class weights; the mean is then ``sum(loss) / sum(weight[target])``
    (over non-ignored samples). Samples whose target is ``ignore_index`` count for nothing.
    label_smoothing eps mixes the target with the uniform distribution: (1-eps) target +
    eps/C. The target gets no gradient.
    """
    fn = "cross_entropy"
    check_reduction(reduction, fn)
    x, t, single = _class_input(input, target, fn)
    coef, denom = _coefficients(x, t, weight, ignore_index, float(label_smoothing), fn)
    out = CrossEntropy.apply(x, coef, denom, reduction)
    return out.reshape(()) if single and reduction == "none" else out


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices, given log-probabilities.

    input: log-probabilities (N, C) or (N, C, d1, ...) (e.g. from `log_softmax`);
    target: integer class indices (N,) or (N, d1, ...). ``loss_i = -weight[y_i] *
    input[i, y_i]``; the mean divides by the summed weights of the non-ignored targets.
    """
    fn = "nll_loss"
    check_reduction(reduction, fn)
    x, t, single = _class_input(input, target, fn)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{fn}: target must hold integer class indices, got dtype {t.dtype}")
    coef, denom = _coefficients(x, t, weight, ignore_index, 0.0, fn)
    out = NLLLoss.apply(x, coef, denom, reduction)
    return out.reshape(()) if single and reduction == "none" else out


# --- regression and binary losses ---------------------------------------------------------


def _pair_of_tensors(input: Any, target: Any, fn: str) -> None:
    check_tensor(input, "input", fn)
    check_tensor(target, "target", fn)
    if input.dtype.kind != "f" or target.dtype.kind != "f":
        raise TypeError(f"{fn}: expected floating point input and target, got dtypes "
                        f"{input.dtype} and {target.dtype}")
    if input.shape != target.shape:
        raise ValueError(f"{fn}: target shape {target.shape} differs from input shape "
                         f"{input.shape}; they must be equal (reshape one of them)")


def _elementwise_weight(weight: Any, shape: tuple, fn: str, name: str = "weight") -> Any:
    """The raw array of an optional weight that must broadcast to ``shape``."""
    if weight is None:
        return None
    check_tensor(weight, name, fn)
    try:
        ok = np.broadcast_shapes(weight.shape, shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{fn}: {name} of shape {weight.shape} does not broadcast to the "
                         f"input's shape {shape}")
    return weight._data


class MSELoss(Function):
    @staticmethod
    def forward(ctx, a, b, reduction):
        d = a - b
        ctx.save_for_backward(d)
        ctx.reduction = reduction
        return _reduce(d * d, reduction, d.size)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved_tensors
        ga = 2 * d * _upstream(g, ctx.reduction, d.size)
        return ga, (-ga if ctx.needs_input_grad[1] else None), None


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Squared error ``(input - target)**2``, averaged (or summed) over all elements."""
    fn = "mse_loss"
    check_reduction(reduction, fn)
    _pair_of_tensors(input, target, fn)
    return MSELoss.apply(input, target, reduction)


class BinaryCrossEntropy(Function):
    """-w (t log x + (1-t) log(1-x)), the logs clamped at -100 as in PyTorch."""

    @staticmethod
    def forward(ctx, x, t, w, reduction):
        xp = backend.array_module(x)
        with np.errstate(divide="ignore"):  # log(0) = -inf, then clamped
            log_x = xp.maximum(xp.log(x), -100)
            log_1mx = xp.maximum(xp.log(1 - x), -100)
        per = -(t * log_x + (1 - t) * log_1mx)
        if w is not None:
            per = per * w
        ctx.save_for_backward(x, t, w, log_x, log_1mx)
        ctx.reduction = reduction
        return _reduce(per, reduction, per.size)

    @staticmethod
    def backward(ctx, g):
        x, t, w, log_x, log_1mx = ctx.saved_tensors
        xp = backend.array_module(x)
        up = _upstream(g, ctx.reduction, x.size)
        if w is not None:
            up = up * w
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = (x - t) / xp.maximum(x * (1 - x), 1e-12) * up
        if ctx.needs_input_grad[1]:
            gt = (log_1mx - log_x) * up
        return gx, gt, None, None


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities in [0, 1]: ``-w (t log x + (1 - t) log(1 - x))``.

    input, target: the same shape; weight: optional, broadcast to the input (a constant,
    no gradient). The logs are clamped at -100 (PyTorch's rule), so inputs of exactly 0 or
    1 give a finite loss; the gradients there are those of the clamped loss (torch's
    target gradient is infinite there). For logits use `binary_cross_entropy_with_logits`.
    """
    fn = "binary_cross_entropy"
    check_reduction(reduction, fn)
    _pair_of_tensors(input, target, fn)
    w = _elementwise_weight(weight, input.shape, fn)
    if input.numel():
        lo, hi = float(input._data.min()), float(input._data.max())
        if not (0.0 <= lo and hi <= 1.0):  # also catches NaN
            raise ValueError(f"{fn}: input values must be probabilities in [0, 1], found "
                             f"values in [{lo}, {hi}] (for logits use "
                             "binary_cross_entropy_with_logits)")
    return BinaryCrossEntropy.apply(input, target, w, reduction)


class BCEWithLogits(Function):
    """w (pw t softplus(-x) + (1 - t) softplus(x)): sigmoid + BCE without overflow."""

    @staticmethod
    def forward(ctx, x, t, w, pos_weight, reduction):
        xp = backend.array_module(x)
        # softplus(-x) = log(1 + exp(-x)) = log1p(exp(-|x|)) + max(-x, 0): never overflows
        sp_neg = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)
        sp_pos = sp_neg + x  # softplus(x) = softplus(-x) + x
        tp = t if pos_weight is None else t * pos_weight
        per = tp * sp_neg + (1 - t) * sp_pos
        if w is not None:
            per = per * w
        ctx.save_for_backward(x, t, w, pos_weight, sp_neg, sp_pos)
        ctx.reduction = reduction
        return _reduce(per, reduction, per.size)

    @staticmethod
    def backward(ctx, g):
        x, t, w, pw, sp_neg, sp_pos = ctx.saved_tensors
        xp = backend.array_module(x)
        up = _upstream(g, ctx.reduction, x.size)
        if w is not None:
            up = up * w
        gx = gt = None
        if ctx.needs_input_grad[0]:
            sig = xp.exp(-sp_neg)  # sigmoid(x) = exp(-softplus(-x))
            tp = t if pw is None else t * pw
            # d/dx = -pw t (1 - sigmoid) + (1 - t) sigmoid
            gx = (sig * (tp + 1 - t) - tp) * up
        if ctx.needs_input_grad[1]:
            gt = ((sp_neg if pw is None else pw * sp_neg) - sp_pos) * up
        return gx, gt, None, None, None


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable step; input holds logits.

    ``loss = -w (pos_weight * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x)))``.
    weight broadcasts to the input; pos_weight (e.g. (C,) for multi-label) weighs the
    positive term. Both are constants (no gradient).
    """
    fn = "binary_cross_entropy_with_logits"
    check_reduction(reduction, fn)
    _pair_of_tensors(input, target, fn)
    w = _elementwise_weight(weight, input.shape, fn)
    pw = _elementwise_weight(pos_weight, input.shape, fn, "pos_weight")
    return BCEWithLogits.apply(input, target, w, pw, reduction)


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
    """``t log t - t x`` per element (0 log 0 = 0), x and t log-probabilities / probabilities
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
            # PyTorch's xlogy(t, t) - t x: 0 log 0 = 0, a nan or negative t gives nan
            with np.errstate(divide="ignore", invalid="ignore"):
                log_t = xp.log(t)
                per = (xp.where(t == 0, 0, t * log_t) - t * x).astype(x.dtype, copy=False)
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
