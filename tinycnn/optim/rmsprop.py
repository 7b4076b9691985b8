"""RMSprop (Hinton): divide the gradient by a running root-mean-square of its history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyper


class RMSprop(Optimizer):
    """PyTorch's RMSprop. With g the gradient (+ weight_decay * p):

        square_avg = alpha * square_avg + (1 - alpha) * g^2
        avg = sqrt(square_avg - grad_avg^2) (centered) or sqrt(square_avg), then + eps
        buf = momentum * buf + g / avg;  p = p - lr * buf     (momentum > 0)
        p = p - lr * g / avg                                   (otherwise)

    ``centered=True`` keeps ``grad_avg``, a running mean of g.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_hyper("learning rate", group["lr"])
        check_hyper("epsilon value", group["eps"])
        check_hyper("momentum value", group["momentum"])
        check_hyper("weight_decay value", group["weight_decay"])
        check_hyper("alpha value", group["alpha"])

    def _update(self, p: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any]
                ) -> None:
        xp = backend.array_module(p._data)
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        momentum = float(group["momentum"])
        if not state:
            state["step"] = 0
            state["square_avg"] = self._zeros_like(p)
            if momentum > 0:
                state["momentum_buffer"] = self._zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = self._zeros_like(p)
        state["step"] += 1
        g = self._effective_grad(p, grad, float(group["weight_decay"]), group["maximize"])
        sq, work = state["square_avg"], self._scratch(p, 1)
        xp.multiply(g, g, out=work)
        work *= 1 - alpha
        sq *= alpha
        sq += work
        if group["centered"]:
            ga = state["grad_avg"]
            xp.subtract(g, ga, out=work)  # grad_avg += (1 - alpha) * (g - grad_avg)
            work *= 1 - alpha
            ga += work
            xp.multiply(ga, ga, out=work)
            xp.subtract(sq, work, out=work)
            xp.sqrt(work, out=work)
        else:
            xp.sqrt(sq, out=work)
        work += eps  # avg
        xp.divide(g, work, out=work)
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += work
            xp.multiply(buf, lr, out=work)
        else:
            work *= lr
        p._data -= work
