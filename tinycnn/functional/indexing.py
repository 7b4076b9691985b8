"""Indexing with index tensors and masks (gather, index_select, scatter, masked_fill,
nonzero) and rearrangements by index (flip, repeat, tril/triu, unbind).

Each backward sends the output gradient back to the input elements it was read from:
a gather's gradient is a scatter-add of the output gradient, a flip's is a flip.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .reduction import normalize_dims
from .shape import getitem, scatter_add


def _dim(d: Any, ndim: int, name: str = "dim") -> int:
    (d,) = normalize_dims(d, ndim, name)
    return d


def _index_array(index: Any, name: str) -> Any:
    """The raw int64 array of an index tensor (or array), or a TypeError naming ``name``."""
    idx = index._data if isinstance(index, Tensor) else index
    if not hasattr(idx, "dtype") or idx.dtype.kind not in "iu":
        raise TypeError(f"{name}: index must be an integer (int64) tensor, got "
                        f"{getattr(idx, 'dtype', type(index).__name__)}")
    return idx


def _along(index: Any, dim: int) -> tuple:
    """The full index that picks ``x[i, index[i, j, k], k]`` (for ``dim=1``) for every
    position of ``index``: ``index`` on axis ``dim``, aranges on the others."""
    xp = backend.array_module(index)
    nd = index.ndim
    grids = [xp.arange(n).reshape([-1 if a == d else 1 for a in range(nd)])
             for d, n in enumerate(index.shape)]
    grids[dim] = index
    return tuple(grids)


def _at_least_1d(t: Tensor) -> Tensor:
    """``t``, or a one-element 1-D view of a 0-d ``t``: as in PyTorch, gather and scatter
    treat 0-d tensors as 1-D (``zeros(10).scatter_(0, tensor(y), value=1)`` one-hot codes)."""
    return t.reshape(1) if t.ndim == 0 else t


def _check_along(name: str, x: Tensor, index: Any, dim: int) -> None:
    if index.ndim != x.ndim:
        raise ValueError(f"{name}: index must have as many dimensions as the input "
                         f"({x.ndim}), got shape {tuple(index.shape)}")
    for d, (n, m) in enumerate(zip(index.shape, x.shape)):
        if d != dim and n > m:
            raise ValueError(f"{name}: index shape {tuple(index.shape)} is larger than the "
                             f"input shape {x.shape} in dimension {d}")
    if index.size and (int(index.min()) < 0 or int(index.max()) >= x.shape[dim]):
        raise IndexError(f"{name}: index out of range for dimension {dim} of size "
                         f"{x.shape[dim]} (values {int(index.min())}..{int(index.max())})")


class Gather(Function):
    """``out[i][j][k] = x[i][index[i][j][k]][k]`` (for ``dim=1``); shape of ``index``."""

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.shape, ctx.where = x.shape, _along(index, dim)
        return x[ctx.where]

    @staticmethod
    def backward(ctx, g):
        gx = backend.array_module(g).zeros(ctx.shape, dtype=g.dtype)
        scatter_add(gx, ctx.where, g)  # an element read twice gets both gradients
        return gx, None, None


def gather(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """Values of ``x`` picked along ``dim`` by ``index`` (int64, same number of dims)."""
    idx = _index_array(index, "gather")
    out_shape = idx.shape
    if x.ndim <= 1 and idx.ndim == 0:
        idx = idx.reshape(-1)
    x = _at_least_1d(x)
    dim = _dim(dim, x.ndim)
    _check_along("gather", x, idx, dim)
    out = Gather.apply(x, idx, dim)
    return out.reshape(()) if not out_shape else out


class IndexSelect(Function):
    """The slices ``index[0], index[1], ...`` of ``x`` along ``dim``."""

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.shape, ctx.where = x.shape, (slice(None),) * dim + (index,)
        return backend.array_module(x).take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        gx = backend.array_module(g).zeros(ctx.shape, dtype=g.dtype)
        scatter_add(gx, ctx.where, g)
        return gx, None, None


def index_select(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """``x`` restricted to the entries ``index`` (a 1-D int64 tensor) along ``dim``."""
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise ValueError(f"index_select: index must be 1-D, got shape {tuple(idx.shape)}")
    dim = _dim(dim, x.ndim)
    idx = idx.reshape(-1)
    if idx.size and (int(idx.min()) < -x.shape[dim] or int(idx.max()) >= x.shape[dim]):
        raise IndexError(f"index_select: index out of range for dimension {dim} of size "
                         f"{x.shape[dim]}")
    return IndexSelect.apply(x, idx % max(x.shape[dim], 1), dim)


class Scatter(Function):
    """A copy of ``x`` with ``x[i][index[i][j][k]][k] = src[i][j][k]`` (for ``dim=1``)."""

    @staticmethod
    def forward(ctx, x, src, index, dim):
        ctx.where = _along(index, dim)
        ctx.part = tuple(slice(0, n) for n in index.shape)  # the part of src that is used
        ctx.src_shape = src.shape
        out = x.copy()
        out[ctx.where] = src[ctx.part] if src.ndim else src
        return out

    @staticmethod
    def backward(ctx, g):
        gx = g.copy()
        gx[ctx.where] = 0  # overwritten elements do not reach the output
        gsrc = None
        if ctx.needs_input_grad[1]:
            gsrc = backend.array_module(g).zeros(ctx.src_shape, dtype=g.dtype)
            if len(ctx.src_shape):
                gsrc[ctx.part] = g[ctx.where]
            else:
                gsrc[...] = g[ctx.where].sum()
        return gx, gsrc, None, None


def scatter(x: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None) -> Tensor:
    """A copy of ``x`` with ``src`` (a tensor at least as large as ``index``) or the number
    ``value`` written at the positions ``index`` names along ``dim`` (as ``torch.scatter``)."""
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor) and value (a number)")
    idx = _index_array(index, "scatter")
    shape = x.shape
    if x.ndim <= 1 and idx.ndim == 0:
        idx = idx.reshape(-1)
        src = _at_least_1d(src) if isinstance(src, Tensor) else src
    x = _at_least_1d(x)
    dim = _dim(dim, x.ndim)
    _check_along("scatter", x, idx, dim)
    if isinstance(src, Tensor):
        if src.ndim != idx.ndim or any(n > m for n, m in zip(idx.shape, src.shape)):
            raise ValueError(f"scatter: src of shape {src.shape} must have the dimensions of "
                             f"index {tuple(idx.shape)} and be at least as large")
        if src.dtype != x.dtype:
            raise TypeError(f"scatter: src dtype {src.dtype} differs from the input's {x.dtype}")
    else:
        v = src if value is None else value
        src = Tensor._wrap(backend.array_module(x._data).asarray(v, dtype=x.dtype), False)
    out = Scatter.apply(x, src, idx, dim)
    return out.reshape(()) if not shape else out


class MaskedFill(Function):
    """``x`` with ``value`` where ``mask`` is true (mask broadcasts to ``x``)."""

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        return backend.array_module(x).where(mask, x.dtype.type(value), x)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * ~mask, None, None


def masked_fill(x: Tensor, mask: Tensor, value: Any) -> Tensor:
    """A copy of ``x`` with ``value`` (a number or 0-d tensor) where boolean ``mask`` is
    true; ``mask`` broadcasts to ``x``'s shape and the dtype stays ``x``'s."""
    m = mask._data if isinstance(mask, Tensor) else mask
    if getattr(m, "dtype", None) != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got "
                        f"{getattr(m, 'dtype', type(mask).__name__)}")
    try:
        fits = np.broadcast_shapes(tuple(m.shape), x.shape) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"masked_fill: mask of shape {tuple(m.shape)} does not broadcast to "
                         f"the input's shape {x.shape}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got "
                             f"shape {value.shape}")
        value = value.item()
    return MaskedFill.apply(x, m, value)


def nonzero(x: Tensor, as_tuple: bool = False) -> Any:
    """The indices of the non-zero elements: an ``(n, x.ndim)`` int64 tensor, or with
    ``as_tuple`` one 1-D tensor per dimension (usable as an index)."""
    xp = backend.array_module(x._data)
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64), False)
                     for i in xp.nonzero(x._data.reshape(1) if x.ndim == 0 else x._data))
    return Tensor._wrap(xp.argwhere(x._data).astype(np.int64), False)


class Flip(Function):
    """``x`` reversed along ``dims``; its gradient is the gradient reversed the same way."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return backend.array_module(x).flip(x, axis=dims).copy()

    @staticmethod
    def backward(ctx, g):
        return backend.array_module(g).flip(g, axis=ctx.dims).copy(), None


def flip(x: Tensor, dims: Any) -> Tensor:
    """``x`` with the order of its elements reversed along each of ``dims``."""
    return Flip.apply(x, normalize_dims(dims, x.ndim, "dims") or ())


class Repeat(Function):
    """``x`` tiled ``sizes[d]`` times along each dim (leading sizes add dimensions)."""

    @staticmethod
    def forward(ctx, x, sizes):
        shape = (1,) * (len(sizes) - x.ndim) + x.shape
        ctx.shape, ctx.sizes, ctx.lifted = x.shape, sizes, shape
        return backend.array_module(x).tile(x.reshape(shape), sizes)

    @staticmethod
    def backward(ctx, g):
        # view the output as (sizes[0], n0, sizes[1], n1, ...) and sum over the copies
        split = [v for pair in zip(ctx.sizes, ctx.lifted) for v in pair]
        g = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return g.reshape(ctx.shape), None


def repeat(x: Tensor, *sizes: Any) -> Tensor:
    """``x`` repeated ``sizes[d]`` times along dim ``d`` (``torch.Tensor.repeat``: at least
    as many sizes as ``x`` has dims; extra leading ones add dimensions)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if not all(isinstance(s, (int, np.integer)) and s >= 0 for s in sizes):
        raise ValueError(f"repeat: sizes must be non-negative ints, got {sizes}")
    if len(sizes) < x.ndim:
        raise ValueError(f"repeat: give at least one size per dimension ({x.ndim}), got "
                         f"{len(sizes)}")
    return Repeat.apply(x, tuple(int(s) for s in sizes))


class Triangle(Function):
    """The lower (``upper=False``) or upper triangle of the last two dims, zeros elsewhere."""

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        ctx.diagonal, ctx.upper = diagonal, upper
        xp = backend.array_module(x)
        return xp.triu(x, diagonal) if upper else xp.tril(x, diagonal)

    @staticmethod
    def backward(ctx, g):
        xp = backend.array_module(g)
        return (xp.triu(g, ctx.diagonal) if ctx.upper else xp.tril(g, ctx.diagonal)), None, None


def _triangle(x: Tensor, diagonal: int, upper: bool) -> Tensor:
    if x.ndim < 2:
        raise ValueError(f"{'triu' if upper else 'tril'}: input must have at least 2 "
                         f"dimensions, got shape {x.shape}")
    return Triangle.apply(x, int(diagonal), upper)


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The elements on and below the ``diagonal``-th diagonal of the last two dims."""
    return _triangle(x, diagonal, False)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The elements on and above the ``diagonal``-th diagonal of the last two dims."""
    return _triangle(x, diagonal, True)


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``x`` along ``dim``, that dimension removed."""
    dim = _dim(dim, x.ndim)
    lead = (slice(None),) * dim
    return tuple(getitem(x, lead + (i,)) for i in range(x.shape[dim]))
