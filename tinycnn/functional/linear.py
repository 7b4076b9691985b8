"""The fully connected layer's op: ``y = x @ weight.T + bias``.

weight has shape (out_features, in_features), as in PyTorch, so a row of weight holds
the input weights of one output unit. Backward is three matrix products / sums:
``gx = gy @ weight``, ``gw = gy.T @ x``, ``gb = gy.sum(0)`` (leading dims flattened).
"""

from __future__ import annotations

from .. import kernels
from ..autograd import Function
from ..checks import check_tensor
from ..tensor import Tensor


class Linear(Function):
    """x: (*, in), w: (out, in), b: (out,) or None -> (*, out)."""

    @staticmethod
    def forward(ctx, x, w, b):
        # (w @ x.T).T: the same numbers as x @ w.T, in the orientation OpenBLAS runs faster
        # for batch << features; the transposed (Fortran-ordered) result is used as is
        y = kernels.matmul(w, x.T).T if x.ndim == 2 else x @ w.T
        if b is not None:
            y += b
        needs = ctx.needs_input_grad
        ctx.save_for_backward(x if needs[1] else None, w if needs[0] else None)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        g2 = gy.reshape(-1, gy.shape[-1])  # (batch, out): all leading dims are the batch
        # kernels.matmul: a @ b, on the CPU spread over the cores
        gx = kernels.matmul(g2, w).reshape(*gy.shape[:-1], w.shape[1]) if ctx.needs_input_grad[0] \
            else None
        gw = kernels.matmul(g2.T, x.reshape(-1, x.shape[-1])) if ctx.needs_input_grad[1] \
            else None
        gb = g2.sum(axis=0) if ctx.needs_input_grad[2] else None
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``. input: (*, in); weight: (out, in); bias: (out,) or None."""
    fn = "linear"
    check_tensor(input, "input", fn)
    check_tensor(weight, "weight", fn)
    if weight.ndim != 2:
        raise ValueError(f"{fn}: expected weight of shape (out_features, in_features), got "
                         f"{weight.shape}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"{fn}: input of shape {input.shape} has "
                         f"{input.shape[-1] if input.ndim else 0} features (last dim) but "
                         f"weight of shape {weight.shape} expects {weight.shape[1]}")
    if input.dtype != weight.dtype:
        raise TypeError(f"{fn}: input dtype {input.dtype} and weight dtype {weight.dtype} "
                        "differ (convert with .float())")
    if bias is not None:
        check_tensor(bias, "bias", fn)
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"{fn}: expected bias of shape ({weight.shape[0]},), got "
                             f"{bias.shape}")
    return Linear.apply(input, weight, bias)
