"""Vector normalisation and cosine similarity along one dimension.

``normalize`` divides each vector by its p-norm, ``y = x / max(||x||_p, eps)``. Its
gradient has two parts: the plain division ``g / d``, and (where the norm was not
clamped) the change of the norm itself, which removes from g its component along the
vector: for p = 2, ``gx = (g - y * sum(g * y)) / ||x||``. The cosine similarity of two
vectors is then the dot product of their normalised versions.
"""

from __future__ import annotations

from .. import backend
from ..autograd import Function
from ..checks import check_tensor
from ..tensor import Tensor
from .elementwise import check_broadcast
from .reduction import normalize_dims
from .shape import broadcast_to


class Normalize(Function):
    """y = x / max(||x||_p, eps) along ``axis``."""

    @staticmethod
    def forward(ctx, x, p, axis, eps):
        xp = backend.array_module(x)
        norm = (xp.abs(x) ** p).sum(axis=axis, keepdims=True) ** (1.0 / p)
        d = xp.maximum(norm, eps).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, norm, d)
        ctx.p, ctx.axis, ctx.eps = p, axis, eps
        return x / d

    @staticmethod
    def backward(ctx, g):
        x, norm, d = ctx.saved_tensors
        xp = backend.array_module(g)
        p = ctx.p
        # d||x||_p / dx = sign(x) |x|^(p-1) / ||x||_p^(p-1); zero where the norm is clamped
        with_norm = norm > ctx.eps
        safe = xp.where(with_norm, norm, 1)
        dnorm = xp.sign(x) * xp.abs(x) ** (p - 1) / safe ** (p - 1)
        along = (g * x).sum(axis=ctx.axis, keepdims=True) / (d * d)
        return g / d - xp.where(with_norm, along, 0) * dnorm, None, None, None


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim`` (unit vectors; default: the rows of
    an (N, D) batch)."""
    fn = "normalize"
    check_tensor(input, "input", fn)
    if input.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating point input, got dtype {input.dtype}")
    if not float(p) > 0 or float(p) == float("inf"):
        raise ValueError(f"{fn}: p must be a positive finite number, got {p!r}")
    if input.ndim == 0:
        raise ValueError(f"{fn}: expected an input with at least one dimension, got a scalar")
    (axis,) = normalize_dims(dim, input.ndim)
    return Normalize.apply(input, float(p), axis, float(eps))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``, x1 and x2
    broadcast together first; the result has that dimension removed."""
    fn = "cosine_similarity"
    check_tensor(x1, "x1", fn)
    check_tensor(x2, "x2", fn)
    shape = check_broadcast(fn, x1.shape, x2.shape)
    a = x1 if x1.shape == shape else broadcast_to(x1, shape)
    b = x2 if x2.shape == shape else broadcast_to(x2, shape)
    (axis,) = normalize_dims(dim, len(shape))
    return (normalize(a, 2.0, axis, eps) * normalize(b, 2.0, axis, eps)).sum(axis)


__all__ = ["cosine_similarity", "normalize"]
