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
"""

from __future__ import annotations

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


class CrossEntropy(Function):
    """Fused log-softmax + weighted NLL over axis 1. logits, coef: (N, C, *)."""

    @staticmethod
    def forward(ctx, logits, coef, denom, reduction):
        logp = log_softmax_array(logits, axis=1)
        per = -(coef * logp).sum(axis=1)
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
        return _reduce(-(coef * logp).sum(axis=1), reduction, denom)

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
