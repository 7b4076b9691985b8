"""Distances between vectors: ``pairwise_distance`` (row by row) and ``cdist`` (every row
of one batch against every row of another), built from differentiable ops."""

from __future__ import annotations

from ..tensor import Tensor
from .elementwise import add, sub
from .linalg import tensor_norm
from .shape import unsqueeze


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dimension (they broadcast)."""
    return tensor_norm(add(sub(x1, x2), eps), p, dim=-1, keepdim=keepdim)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0) -> Tensor:
    """(.., P, M) and (.., R, M) -> (.., P, R): the p-norm distance of every pair of rows."""
    if x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: x1 and x2 must have the same number of columns, got "
                         f"{x1.shape} and {x2.shape}")
    return tensor_norm(sub(unsqueeze(x1, -2), unsqueeze(x2, -3)), p, dim=-1)


__all__ = ["cdist", "pairwise_distance"]
