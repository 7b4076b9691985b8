"""Adam's relatives, as in PyTorch: `Adamax` (infinity-norm second moment), `NAdam`
(Nesterov momentum) and `RAdam` (variance-rectified warm-up). Plain array code: each
update is written out as its formula, with g the gradient (+ weight_decay * p)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyper


class _AdamLike(Optimizer):
    def _check_group(self, group: dict[str, Any]) -> None:
        check_hyper("learning rate", group["lr"])
        check_hyper("epsilon value", group["eps"])
        for i, b in enumerate(group["betas"]):
            check_hyper(f"beta parameter at index {i}", b, 0.0, 1.0)
        check_hyper("weight_decay value", group["weight_decay"])

    def _moments(self, p: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any],
                 second: str) -> tuple:
        """Step count, gradient and the updated first moment (``exp_avg``); creates the
        state on the first step, with the second buffer named ``second``."""
        if not state:
            state["step"] = 0
            state["exp_avg"] = self._zeros_like(p)
            state[second] = self._zeros_like(p)
        state["step"] += 1
        wd, lr = float(group["weight_decay"]), float(group["lr"])
        decoupled = group.get("decoupled_weight_decay", False)
        if decoupled and wd:
            p._data *= 1 - lr * wd
        g = self._effective_grad(p, grad, 0.0 if decoupled else wd, group["maximize"])
        beta1 = float(group["betas"][0])
        m = state["exp_avg"]
        m += (1 - beta1) * (g - m)
        return state["step"], g, m


class Adamax(_AdamLike):
    """m = beta1 m + (1 - beta1) g; u = max(beta2 u, |g| + eps);
    p -= lr / (1 - beta1^t) * m / u."""

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize))

    def _update(self, p: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any]
                ) -> None:
        xp = backend.array_module(p._data)
        t, g, m = self._moments(p, grad, state, group, "exp_inf")
        beta1, beta2 = (float(b) for b in group["betas"])
        u = state["exp_inf"]
        xp.maximum(u * beta2, xp.abs(g) + float(group["eps"]), out=u)
        p._data -= float(group["lr"]) / (1 - beta1**t) * m / u


class NAdam(_AdamLike):
    """Adam with Nesterov momentum and PyTorch's momentum schedule
    mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay)):
    p -= lr (1 - mu_t) / (1 - prod mu) * g / d + lr mu_{t+1} / (1 - prod mu * mu_{t+1}) * m / d,
    d = sqrt(v / (1 - beta2^t)) + eps."""

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3, *,
                 decoupled_weight_decay: bool = False, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, p: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any]
                ) -> None:
        xp = backend.array_module(p._data)
        t, g, m = self._moments(p, grad, state, group, "exp_avg_sq")
        beta1, beta2 = (float(b) for b in group["betas"])
        lr, decay = float(group["lr"]), float(group["momentum_decay"])
        v = state["exp_avg_sq"]
        v *= beta2
        v += (1 - beta2) * g * g
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * decay))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * decay))
        state["mu_product"] = state.get("mu_product", 1.0) * mu
        denom = xp.sqrt(v / (1 - beta2**t)) + float(group["eps"])
        p._data -= lr * (1 - mu) / (1 - state["mu_product"]) * g / denom
        p._data -= lr * mu_next / (1 - state["mu_product"] * mu_next) * m / denom


class RAdam(_AdamLike):
    """Adam whose adaptive step is switched on gradually: while the variance estimate is
    unreliable (rho_t <= 5) the step is plain momentum lr * m_hat; after, it is multiplied
    by the rectification r_t and sqrt(1 - beta2^t) / (sqrt(v) + eps)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, *, decoupled_weight_decay: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, p: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any]
                ) -> None:
        xp = backend.array_module(p._data)
        t, g, m = self._moments(p, grad, state, group, "exp_avg_sq")
        beta1, beta2 = (float(b) for b in group["betas"])
        lr = float(group["lr"])
        v = state["exp_avg_sq"]
        v *= beta2
        v += (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho_t <= 5:
            p._data -= lr * m_hat
            return
        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                         / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive = math.sqrt(1 - beta2**t) / (xp.sqrt(v) + float(group["eps"]))
        p._data -= lr * m_hat * rect * adaptive


__all__ = ["Adamax", "NAdam", "RAdam"]
