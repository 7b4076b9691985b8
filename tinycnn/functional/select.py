"""Selecting and accumulating by index, with PyTorch's names: ``masked_select``,
``take_along_dim``, ``scatter_add`` and ``index_add``.

``scatter_add`` adds ``src[i][j]`` into ``out[index[i][j]][j]`` (for ``dim=0``); its
backward reads the output gradient back at the same places (a gather), and passes it
unchanged to the input. ``index_add`` is a ``scatter_add`` whose index is one row per
position along ``dim``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import mul
from .indexing import _along, _check_along, _dim, _index_array, gather
from .shape import broadcast_to, getitem, reshape


class ScatterAdd(Function):
    @staticmethod
    def forward(ctx, x, src, dim, index):
        ctx.where = _along(index, dim)
        out = x.copy()
        crop = tuple(slice(0, n) for n in index.shape)
        backend.array_module(x).add.at(out, ctx.where, src[crop])
        ctx.src_shape = src.shape
        return out

    @staticmethod
    def backward(ctx, g):
        xp = backend.array_module(g)
        gsrc = None
        if ctx.needs_input_grad[1]:
            gsrc = xp.zeros(ctx.src_shape, dtype=g.dtype)
            gsrc[tuple(slice(0, n) for n in ctx.where[0].shape)] = g[ctx.where]
        return g, gsrc, None, None


def scatter_add(x: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``x`` with ``src[i][j]`` added at ``[index[i][j]][j]`` (``dim=0``; the same along
    other dims); repeated indices add up."""
    d = _dim(dim, x.ndim)
    idx = _index_array(index, "scatter_add")
    _check_along("scatter_add", x, idx, d)
    if src.dtype != x.dtype:
        raise TypeError(f"scatter_add: src dtype {src.dtype} differs from the input's {x.dtype}")
    return ScatterAdd.apply(x, src, d, idx)


def index_add(x: Tensor, dim: int, index: Tensor, source: Tensor, alpha: Any = 1) -> Tensor:
    """``x`` with ``alpha * source`` added at positions ``index`` along ``dim``
    (``source.shape[dim] == len(index)``; repeated indices add up)."""
    d = _dim(dim, x.ndim)
    idx = _index_array(index, "index_add")
    if idx.ndim != 1 or source.ndim != x.ndim or source.shape[d] != idx.shape[0]:
        raise ValueError(f"index_add: need a 1-D index with one entry per slice of source "
                         f"along dim {dim}, got index {tuple(idx.shape)}, source {source.shape}")
    view = [1] * x.ndim
    view[d] = -1
    full = broadcast_to(reshape(Tensor._wrap(idx, False), view), source.shape)
    return scatter_add(x, d, full, source if alpha == 1 else mul(source, alpha))


def masked_select(x: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``x`` where ``mask`` is True, as a 1-D tensor (they broadcast)."""
    m = mask if isinstance(mask, Tensor) else Tensor(mask)
    if m.shape != x.shape:
        shape = np.broadcast_shapes(x.shape, m.shape)
        x, m = broadcast_to(x, shape), broadcast_to(m, shape)
    return getitem(x, m)


def take_along_dim(x: Tensor, indices: Tensor, dim: int) -> Tensor:
    """``x`` read at ``indices`` along ``dim`` (``gather``), e.g. with an ``argsort``."""
    return gather(x, dim, indices)


__all__ = ["index_add", "masked_select", "scatter_add", "take_along_dim"]
