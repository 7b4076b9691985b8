"""Adagrad: per-element step sizes lr / sqrt(sum of all past g^2)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyper


class Adagrad(Optimizer):
    """PyTorch's Adagrad. With g the gradient (+ weight_decay * p), at step t:

        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g^2                         (starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(sum) + eps)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_hyper("learning rate", group["lr"])
        check_hyper("lr_decay value", group["lr_decay"])
        check_hyper("weight_decay value", group["weight_decay"])
        check_hyper("initial_accumulator_value value", group["initial_accumulator_value"])
        check_hyper("epsilon value", group["eps"])

    def _update(self, p: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any]
                ) -> None:
        xp = backend.array_module(p._data)
        if not state:
            state["step"] = 0
            state["sum"] = self._zeros_like(p, float(group["initial_accumulator_value"]))
        state["step"] += 1
        clr = float(group["lr"]) / (1 + (state["step"] - 1) * float(group["lr_decay"]))
        g = self._effective_grad(p, grad, float(group["weight_decay"]), group["maximize"])
        acc, work = state["sum"], self._scratch(p, 1)
        xp.multiply(g, g, out=work)
        acc += work
        xp.sqrt(acc, out=work)
        work += float(group["eps"])
        xp.divide(g, work, out=work)
        work *= clr
        p._data -= work
