"""Rearrangements with PyTorch's names: ``roll``, ``narrow``, ``diag``, ``meshgrid``,
and ``diff`` (differences of neighbours: two narrows and a subtraction).

``roll`` is an ``index_select`` with shifted indices and ``narrow`` a slice, so their
gradients are those ops' gradients; ``meshgrid`` is reshapes and expands. Only ``diag``
has a backward of its own: the gradient goes back to the diagonal it came from.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import sub
from .indexing import index_select
from .reduction import normalize_dims
from .shape import expand, getitem, reshape


def roll(x: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """``x`` with its elements shifted by ``shifts`` along ``dims`` (wrapping around);
    without ``dims``, the flattened tensor is rolled and the shape restored."""
    if dims is None:
        if not isinstance(shifts, (int, np.integer)):
            raise TypeError(f"roll: without dims, shifts must be one int, got {shifts!r}")
        return reshape(roll(reshape(x, -1), shifts, 0), x.shape)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    xp = backend.array_module(x._data)
    for s, d in zip(shifts, dims):
        (d,) = normalize_dims(d, x.ndim, "dims")
        n = x.shape[d] if x.ndim else 1
        if n:
            x = index_select(x, d, Tensor._wrap((xp.arange(n) - int(s)) % n, False))
    return x


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice ``start:start + length`` of ``x`` along ``dim`` (PyTorch's ``narrow``)."""
    (d,) = normalize_dims(dim, x.ndim, "dim")
    n = x.shape[d]
    start = start + n if start < 0 else start
    if not (0 <= start <= n and 0 <= length and start + length <= n):
        raise IndexError(f"narrow: start {start} + length {length} exceeds dimension {dim} "
                         f"of size {n}")
    return getitem(x, (slice(None),) * d + (slice(start, start + length),))


class Diag(Function):
    """A 1-D input becomes a matrix with it on diagonal ``k``; a matrix gives diagonal ``k``."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k, ctx.shape = k, x.shape
        return backend.array_module(x).diag(x, k).copy()

    @staticmethod
    def backward(ctx, g):
        xp = backend.array_module(g)
        if len(ctx.shape) == 1:
            return xp.diagonal(g, ctx.k).copy(), None
        gx = xp.zeros(ctx.shape, dtype=g.dtype)
        i = xp.arange(g.shape[0])
        gx[i + max(-ctx.k, 0), i + max(ctx.k, 0)] = g
        return gx, None


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D ``x``: the square matrix with ``x`` on diagonal ``diagonal`` (0 the main one,
    > 0 above it); a 2-D ``x``: that diagonal of it, as a 1-D tensor."""
    if x.ndim not in (1, 2):
        raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {x.shape}")
    return Diag.apply(x, int(diagonal))


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: the i-th output varies along dimension i
    (``indexing="ij"``); ``"xy"`` swaps the first two dimensions, as NumPy's default."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor) or t.ndim > 1:
            raise ValueError(f"meshgrid: tensor {i} must be a 0-D or 1-D Tensor, got "
                             f"{getattr(t, 'shape', type(t).__name__)}")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for t, a in zip(tensors, axes):
        shape[a] = t.numel()
    out = []
    for t, a in zip(tensors, axes):
        view = [1] * len(tensors)
        view[a] = -1
        out.append(expand(reshape(t, view), tuple(shape)))
    return tuple(out)


def diff(x: Tensor, n: int = 1, dim: int = -1) -> Tensor:
    """``x[i + 1] - x[i]`` along ``dim``, applied ``n`` times (one element shorter each)."""
    (d,) = normalize_dims(dim, x.ndim, "dim")
    for _ in range(n):
        length = x.shape[d] - 1
        if length < 0:
            return x
        x = sub(narrow(x, d, 1, length), narrow(x, d, 0, length))
    return x


def repeat_interleave(x: Tensor, repeats: Any, dim: int | None = None) -> Tensor:
    """Each element (each slice along ``dim``) repeated ``repeats`` times in a row
    (``[1, 2] -> [1, 1, 2, 2]``); without ``dim`` the flattened tensor."""
    if dim is None:
        x, dim = reshape(x, -1), 0
    (d,) = normalize_dims(dim, x.ndim, "dim")
    xp = backend.array_module(x._data)
    counts = repeats._data if isinstance(repeats, Tensor) else repeats
    index = xp.repeat(xp.arange(x.shape[d]), counts)
    return index_select(x, d, Tensor._wrap(index, False))


def tile(x: Tensor, dims: Any) -> Tensor:
    """``x`` repeated ``dims[i]`` times along each dimension (NumPy's ``tile``); fewer
    ``dims`` than dimensions repeat the last ones."""
    from .indexing import repeat  # noqa: PLC0415

    dims = tuple(dims)
    return repeat(x, *((1,) * (x.ndim - len(dims)) + dims))


__all__ = ["diag", "diff", "meshgrid", "narrow", "repeat_interleave", "roll", "tile"]
