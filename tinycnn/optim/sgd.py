"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyper


class SGD(Optimizer):
    """PyTorch's SGD. With g = grad + weight_decay * p (negated if ``maximize``):

        buf = g (first step), then buf = momentum * buf + (1 - dampening) * g
        d = g + momentum * buf (nesterov) or buf (momentum > 0) or g
        p = p - lr * d

    State per parameter: ``momentum_buffer`` (when momentum > 0).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_hyper("learning rate", group["lr"])
        check_hyper("momentum value", group["momentum"])
        check_hyper("weight_decay value", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update(self, p: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any]
                ) -> None:
        xp = backend.array_module(p._data)
        lr, momentum = float(group["lr"]), float(group["momentum"])
        g = self._effective_grad(p, grad, float(group["weight_decay"]), group["maximize"])
        work = self._scratch(p, 1)
        step = g
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                dampening = float(group["dampening"])
                if dampening:
                    xp.multiply(g, 1 - dampening, out=work)
                    buf += work
                else:
                    buf += g
            if group["nesterov"]:
                xp.multiply(buf, momentum, out=work)
                work += g
                step = work
            else:
                step = buf
        xp.multiply(step, lr, out=work)  # p -= lr * step, with no temporary array
        p._data -= work
