"""Adadelta (Zeiler 2012): per-element step sizes from running averages of g^2 and of the
squared updates, so the default lr of 1.0 needs no tuning."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyper


class Adadelta(Optimizer):
    """PyTorch's Adadelta. With g the gradient (+ weight_decay * p):

        square_avg = rho * square_avg + (1 - rho) * g^2
        delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g
        acc_delta = rho * acc_delta + (1 - rho) * delta^2
        p = p - lr * delta
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_hyper("learning rate", group["lr"])
        check_hyper("rho value", group["rho"], 0.0, 1.0, high_open=False)
        check_hyper("epsilon value", group["eps"])
        check_hyper("weight_decay value", group["weight_decay"])

    def _update(self, p: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any]
                ) -> None:
        xp = backend.array_module(p._data)
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        if not state:
            state["step"] = 0
            state["square_avg"] = self._zeros_like(p)
            state["acc_delta"] = self._zeros_like(p)
        state["step"] += 1
        # g is our own copy (slot 0): it becomes delta in place
        g = self._effective_grad(p, grad, float(group["weight_decay"]), group["maximize"],
                                 writable=True)
        sq, acc, work = state["square_avg"], state["acc_delta"], self._scratch(p, 1)
        xp.multiply(g, g, out=work)
        work *= 1 - rho
        sq *= rho
        sq += work
        xp.add(sq, eps, out=work)
        xp.sqrt(work, out=work)
        g /= work  # g / std
        xp.add(acc, eps, out=work)
        xp.sqrt(work, out=work)
        g *= work  # delta
        xp.multiply(g, g, out=work)
        work *= 1 - rho
        acc *= rho
        acc += work
        g *= lr
        p._data -= g
