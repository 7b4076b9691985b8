"""Reductions (sum, mean, max, min, var, std, argmax) with PyTorch's ``dim``/``keepdim``.

NumPy's ``axis``/``keepdims`` are accepted as aliases. The backward of a reduction
re-inserts the reduced axes (as size 1) and broadcasts the gradient back over them.
"""

from __future__ import annotations

import builtins as _builtins
from collections import namedtuple
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import Tensor

MaxMin = namedtuple("MaxMin", ["values", "indices"])  # what torch.max(x, dim) returns


def normalize_dims(dim: Any, ndim: int, name: str = "dim") -> tuple[int, ...] | None:
    """``dim`` (None, int or sequence; negatives allowed) as a sorted tuple of axes."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for d in dims:
        if not isinstance(d, (int, np.integer)):
            raise TypeError(f"{name} must be an int or a tuple of ints, got {dim!r}")
        lo, hi = -_builtins.max(ndim, 1), _builtins.max(ndim, 1) - 1
        if not lo <= d <= hi:
            raise IndexError(f"{name}={d} is out of range for a tensor with {ndim} dimensions "
                             f"(expected {lo}..{hi})")
        out.append(int(d) % _builtins.max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{name}={dim!r} repeats a dimension")
    return tuple(sorted(out))


def _args(dim: Any, keepdim: bool, kw: dict) -> tuple[Any, bool]:
    if "axis" in kw:
        dim = kw.pop("axis")
    if "keepdims" in kw:
        keepdim = kw.pop("keepdims")
    if kw:
        raise TypeError(f"unexpected keyword arguments {sorted(kw)}")
    return dim, bool(keepdim)


def _expand(g: Any, shape: tuple, axes: tuple | None, keepdim: bool) -> Any:
    """Broadcast gradient ``g`` of a reduction back to the input ``shape``."""
    xp = backend.array_module(g)
    if axes is not None and not keepdim:
        g = xp.expand_dims(g, axes)
    return xp.broadcast_to(g, shape)


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return x.sum(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return _expand(g, ctx.shape, ctx.axes, ctx.keepdim), None, None


class Mean(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.count = _count(x.shape, axes)
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return _expand(g / g.dtype.type(ctx.count), ctx.shape, ctx.axes, ctx.keepdim), None, None


class MaxAll(Function):
    """Max (or min) over ``axes``; the gradient is shared evenly between ties."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, is_min):
        y = x.min(axis=axes, keepdims=True) if is_min else x.max(axis=axes, keepdims=True)
        mask = x == y
        ctx.save_for_backward(mask, mask.sum(axis=axes, keepdims=True))
        ctx.keepdim, ctx.axes = keepdim, axes
        return y if keepdim else y.reshape(_reduced_shape(x.shape, axes))

    @staticmethod
    def backward(ctx, g):
        mask, count = ctx.saved_tensors
        xp = backend.array_module(g)
        if not ctx.keepdim:
            g = g.reshape(count.shape)
        return xp.where(mask, g / count.astype(g.dtype), 0).astype(g.dtype), None, None, None


class MaxDim(Function):
    """Max (or min) along one ``dim``: values and indices; the gradient goes to the index."""

    @staticmethod
    def forward(ctx, x, dim, keepdim, is_min):
        xp = backend.array_module(x)
        idx = xp.argmin(x, axis=dim) if is_min else xp.argmax(x, axis=dim)
        idx_k = xp.expand_dims(idx, dim)
        vals = xp.take_along_axis(x, idx_k, axis=dim)
        ctx.save_for_backward(idx_k)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        if not keepdim:
            vals = vals.squeeze(dim)
        return vals, (idx_k if keepdim else idx).astype(np.int64)

    @staticmethod
    def backward(ctx, g, _gidx):
        (idx_k,) = ctx.saved_tensors
        xp = backend.array_module(g)
        gx = xp.zeros(ctx.shape, dtype=g.dtype)
        if not ctx.keepdim:
            g = xp.expand_dims(g, ctx.dim)
        xp.put_along_axis(gx, idx_k, g, axis=ctx.dim)
        return gx, None, None, None


class Var(Function):
    """Variance with ``correction`` (1 = unbiased, PyTorch's default)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction):
        n = _count(x.shape, axes)
        mu = x.mean(axis=axes, keepdims=True)
        d = x - mu
        ctx.save_for_backward(d)
        ctx.axes, ctx.keepdim, ctx.denom = axes, keepdim, _builtins.max(n - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (d * d).sum(axis=axes, keepdims=keepdim) / x.dtype.type(ctx.denom)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved_tensors
        g = _expand(g, d.shape, ctx.axes, ctx.keepdim)
        return g * d * d.dtype.type(2.0 / ctx.denom if ctx.denom else np.nan), None, None, None


def _count(shape: tuple, axes: tuple | None) -> int:
    """How many elements each output of a reduction over ``axes`` summarises."""
    return int(np.prod(shape if axes is None else [shape[a] for a in axes]))


def _reduced_shape(shape: tuple, axes: tuple | None) -> tuple:
    if axes is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def sum(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (all dims when None)."""
    dim, keepdim = _args(dim, keepdim, kw)
    return Sum.apply(x, normalize_dims(dim, x.ndim), keepdim)


def mean(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """Mean over ``dim`` (all dims when None)."""
    dim, keepdim = _args(dim, keepdim, kw)
    if x.dtype.kind not in "fc":
        raise TypeError(f"mean needs a floating point tensor, got dtype {x.dtype}")
    return Mean.apply(x, normalize_dims(dim, x.ndim), keepdim)


def _maxmin(x: Tensor, dim: Any, keepdim: bool, kw: dict, is_min: bool) -> Any:
    dim, keepdim = _args(dim, keepdim, kw)
    if x.numel() == 0:
        raise ValueError(f"{'min' if is_min else 'max'}() of an empty tensor")
    if isinstance(dim, (int, np.integer)):
        (d,) = normalize_dims(dim, x.ndim)
        return MaxMin(*MaxDim.apply(x, d, keepdim, is_min))
    return MaxAll.apply(x, normalize_dims(dim, x.ndim), keepdim, is_min)


def max(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:  # noqa: A001
    """``max(x)``: the largest value. ``max(x, dim)``: ``(values, indices)`` as in PyTorch."""
    return _maxmin(x, dim, keepdim, kw, False)


def min(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:  # noqa: A001
    """``min(x)``: the smallest value. ``min(x, dim)``: ``(values, indices)`` as in PyTorch."""
    return _maxmin(x, dim, keepdim, kw, True)


def amax(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Max over one or several dims (values only; ties share the gradient)."""
    return MaxAll.apply(x, normalize_dims(dim, x.ndim), keepdim, False)


def amin(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Min over one or several dims (values only; ties share the gradient)."""
    return MaxAll.apply(x, normalize_dims(dim, x.ndim), keepdim, True)


def var(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
        correction: int | None = None, **kw: Any) -> Tensor:
    """Variance over ``dim``; ``correction=1`` (default) divides by n-1, 0 by n."""
    dim, keepdim = _args(dim, keepdim, kw)
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if x.dtype.kind not in "fc":
        raise TypeError(f"var needs a floating point tensor, got dtype {x.dtype}")
    return Var.apply(x, normalize_dims(dim, x.ndim), keepdim, correction)


def std(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
        correction: int | None = None, **kw: Any) -> Tensor:
    """Standard deviation: ``sqrt(var(...))``."""
    return var(x, dim, unbiased, keepdim, correction, **kw).sqrt()


def _argext(x: Tensor, dim: Any, keepdim: bool, kw: dict, fn: str) -> Tensor:
    dim, keepdim = _args(dim, keepdim, kw)
    xp = backend.array_module(x.data)
    if dim is None:
        out = getattr(xp, fn)(x.data)
        if keepdim:
            out = out.reshape((1,) * x.ndim)
    else:
        (d,) = normalize_dims(dim, x.ndim)
        out = getattr(xp, fn)(x.data, axis=d)
        if keepdim:
            out = xp.expand_dims(out, d)
    return Tensor._wrap(xp.asarray(out, dtype=np.int64), False)


def argmax(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """Index of the largest value (flattened when ``dim`` is None); no gradient."""
    return _argext(x, dim, keepdim, kw, "argmax")


def argmin(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """Index of the smallest value (flattened when ``dim`` is None); no gradient."""
    return _argext(x, dim, keepdim, kw, "argmin")
