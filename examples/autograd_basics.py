"""Autograd basics: gradients of a small expression, a custom Function, and a line fitted by
gradient descent with nothing but tensors and ``.backward()``.

Run: python examples/autograd_basics.py
"""

from __future__ import annotations

import numpy as np

import tinycnn
from tinycnn.autograd import Function


def gradients_of_an_expression() -> None:
    # L = (x*w + x) * (x*w): the node x*w is used twice, so its gradient has two parts
    x = tinycnn.tensor(2.0, requires_grad=True)
    w = tinycnn.tensor(3.0, requires_grad=True)
    h = x * w
    L = (h + x) * h
    L.backward()
    print(f"L = {L.item():g}; dL/dx = {x.grad.item():g} (2xw^2 + 2xw = 48), "
          f"dL/dw = {w.grad.item():g} (2x^2 w + x^2 = 28)")


class Cube(Function):
    """y = x^3, written as a custom op: forward and backward on raw arrays."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * g


def a_custom_function() -> None:
    x = tinycnn.randn(5, dtype=np.float64, requires_grad=True)
    ok = tinycnn.gradcheck(Cube.apply, (x,))
    print(f"Cube passes gradcheck: {ok}")


def fit_a_line(steps: int = 300, lr: float = 0.1) -> tuple[float, float]:
    """Fit y = a x + b to noisy points of y = 3x - 1 with plain gradient descent."""
    tinycnn.manual_seed(0)
    xs = tinycnn.rand(100, 1) * 2 - 1
    ys = 3 * xs - 1 + 0.1 * tinycnn.randn(100, 1)
    a = tinycnn.zeros(1, requires_grad=True)
    b = tinycnn.zeros(1, requires_grad=True)
    for step in range(steps + 1):
        loss = ((xs * a + b - ys) ** 2).mean()
        a.grad = b.grad = None
        loss.backward()
        with tinycnn.no_grad():  # the update itself must not become part of a graph
            a.data -= lr * a.grad.data
            b.data -= lr * b.grad.data
        if step % 100 == 0:
            print(f"step {step:3d}  loss {loss.item():.4f}  a {a.item():+.3f}  b {b.item():+.3f}")
    return a.item(), b.item()


if __name__ == "__main__":
    gradients_of_an_expression()
    a_custom_function()
    a, b = fit_a_line()
    print(f"fitted y = {a:.2f} x {b:+.2f}  (true: y = 3.00 x -1.00)")
