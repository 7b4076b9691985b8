"""Adam and AdamW (Adam with decoupled weight decay)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .. import backend, kernels
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyper


class Adam(Optimizer):
    """PyTorch's Adam. With g the gradient (+ weight_decay * p, unless decoupled), at step t:

        m = beta1 * m + (1 - beta1) * g          (first moment, ``exp_avg``)
        v = beta2 * v + (1 - beta2) * g^2        (second moment, ``exp_avg_sq``)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    ``amsgrad=True`` uses the running maximum of v (``max_exp_avg_sq``) instead of v.
    ``decoupled_weight_decay=True`` (what AdamW does) shrinks p by (1 - lr * weight_decay)
    instead of adding the decay to the gradient.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_hyper("learning rate", group["lr"])
        check_hyper("epsilon value", group["eps"])
        betas = group["betas"]
        if len(betas) != 2:
            raise ValueError(f"Invalid betas: expected two values, got {betas}")
        check_hyper("beta parameter at index 0", betas[0], 0.0, 1.0)
        check_hyper("beta parameter at index 1", betas[1], 0.0, 1.0)
        check_hyper("weight_decay value", group["weight_decay"])

    def _update(self, p: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any]
                ) -> None:
        xp = backend.array_module(p._data)
        lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = self._zeros_like(p)
            state["exp_avg_sq"] = self._zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = self._zeros_like(p)
        state["step"] += 1
        t = state["step"]
        decoupled = group["decoupled_weight_decay"]
        if decoupled and wd:
            p._data *= 1 - lr * wd
        g = self._effective_grad(p, grad, 0.0 if decoupled else wd, group["maximize"])
        arrays = [p._data, g, state["exp_avg"], state["exp_avg_sq"]]
        if group["amsgrad"]:
            arrays.append(state["max_exp_avg_sq"])
        step_size = lr / (1 - beta1**t)
        bias2 = math.sqrt(1 - beta2**t)
        # the CPU and GPU kernels do the whole update in one pass; the NumPy passes below
        # are the readable version (and run where no fused kernel takes the arrays)
        if kernels.adam_update(*arrays[:4], arrays[4] if group["amsgrad"] else None,
                               beta1, beta2, step_size, bias2, eps):
            return
        for pb, gb, m, v, *vmax, work in self._blocks(p, *arrays):
            xp.subtract(gb, m, out=work)  # m += (1 - beta1) * (g - m)
            work *= 1 - beta1
            m += work
            xp.multiply(gb, gb, out=work)  # v = beta2 * v + (1 - beta2) * g^2
            work *= 1 - beta2
            v *= beta2
            v += work
            if vmax:
                v = xp.maximum(vmax[0], v, out=vmax[0])
            xp.sqrt(v, out=work)  # denominator: sqrt(v) / sqrt(1 - beta2^t) + eps
            work /= bias2
            work += eps
            xp.divide(m, work, out=work)
            work *= step_size
            pb -= work


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= (1 - lr * weight_decay)
    before the Adam step. Default weight_decay 1e-2, as in PyTorch."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
