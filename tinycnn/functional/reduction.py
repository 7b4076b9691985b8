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
    dims = (dim,) if isinstance(dim, (int, np.integer)) else dim
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"{name} must be an int or a tuple of ints, got {dim!r}")
    out = []
    for d in dims:
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
            raise TypeError(f"{name} must be an int or a tuple of ints, got {dim!r}")
        lo, hi = -_builtins.max(ndim, 1), _builtins.max(ndim, 1) - 1
        if not lo <= d <= hi:
            raise IndexError(f"{name}={d} is out of range for a tensor with {ndim} dimensions "
                             f"(expected {lo}..{hi})")
        out.append(int(d) % _builtins.max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{name}={dim!r} repeats a dimension")
    return tuple(sorted(out))


def _args(dim: Any, keepdim: bool, kw: dict, name: str) -> tuple[Any, bool]:
    """Accept NumPy's ``axis``/``keepdims`` as aliases of ``dim``/``keepdim``."""
    if "axis" in kw:
        dim = kw.pop("axis")
    if "keepdims" in kw:
        keepdim = kw.pop("keepdims")
    if kw:
        raise TypeError(f"{name}() got unexpected keyword arguments {sorted(kw)}")
    return dim, bool(keepdim)


def _axes(x: Tensor, dim: Any, name: str) -> tuple[int, ...] | None:
    """The axes a reduction of ``x`` over ``dim`` sums over (None: all of them).

    As in PyTorch, ``dim=()`` or ``[]`` means all dims, and a 0-d tensor accepts dim 0/-1.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    axes = normalize_dims(dim, x.ndim)
    return None if not axes or x.ndim == 0 else axes


def _from_data(x: Any) -> Any:
    """A raw array (``outputs._data``, as in ``torch.max(outputs._data, 1)``) as a Tensor that
    records nothing; anything else is returned unchanged (`_axes` rejects non-tensors)."""
    if isinstance(x, np.ndarray) or backend.device_of(x) == "cuda":
        return Tensor._wrap(x, False)
    return x


def _expand(g: Any, shape: tuple, axes: tuple | None, keepdim: bool) -> Any:
    """Broadcast gradient ``g`` of a reduction back to the input ``shape``."""
    xp = backend.array_module(g)
    if axes is not None and not keepdim:
        g = xp.expand_dims(g, axes)
    return xp.broadcast_to(g, shape)


def _check_nonempty(x: Tensor, axes: tuple | None, name: str) -> None:
    """max/min/argmax have no value over zero elements: say so (NumPy's error is cryptic)."""
    sizes = x.shape if axes is None else [x.shape[a] for a in axes]
    if 0 in sizes:
        where = "" if axes is None else f" along dim {axes[0] if len(axes) == 1 else axes}"
        raise ValueError(f"{name}(): cannot reduce a tensor of shape {x.shape}{where}: it has "
                         "no elements there (specify a dim of non-zero size)")


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
        with np.errstate(invalid="ignore", divide="ignore"):  # mean of nothing is nan
            return x.sum(axis=axes, keepdims=keepdim) / x.dtype.type(ctx.count)

    @staticmethod
    def backward(ctx, g):
        with np.errstate(divide="ignore"):
            g = g / g.dtype.type(ctx.count)
        return _expand(g, ctx.shape, ctx.axes, ctx.keepdim), None, None


class MaxAll(Function):
    """Max (or min) over ``axes``; the gradient is shared evenly between ties (PyTorch)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, is_min):
        y = x.min(axis=axes, keepdims=True) if is_min else x.max(axis=axes, keepdims=True)
        mask = x == y
        ctx.save_for_backward(mask, mask.sum(axis=axes, keepdims=True))
        ctx.keepdim = keepdim
        return y if keepdim else y.reshape(_reduced_shape(x.shape, axes))

    @staticmethod
    def backward(ctx, g):
        mask, count = ctx.saved_tensors
        if not ctx.keepdim:
            g = g.reshape(count.shape)
        return mask * (g / count.astype(g.dtype)), None, None, None


class MaxDim(Function):
    """Max (or min) along one ``dim``: values and indices; the gradient goes to the index
    (the first maximum on ties, as in PyTorch)."""

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
        if not ctx.keepdim:
            g = xp.expand_dims(g, ctx.dim)
        # one-hot along dim: position == index (works the same with NumPy and CuPy)
        positions = xp.arange(ctx.shape[ctx.dim]).reshape(
            [-1 if i == ctx.dim else 1 for i in range(len(ctx.shape))])
        return xp.where(positions == idx_k, g, g.dtype.type(0)), None, None, None


class Var(Function):
    """Variance over ``axes`` with ``correction`` (1: divide by n-1, PyTorch's default).

    var = sum(d^2) / (n - correction) with d = x - mean, so dvar/dx = 2 d / (n - correction).
    """

    root = False  # `Std` sets it: the output is sqrt(var)

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction):
        xp = backend.array_module(x)
        n = _count(x.shape, axes)
        d = x - x.mean(axis=axes, keepdims=True) if n else x
        denom = _builtins.max(n - correction, 0)
        ctx.axes, ctx.keepdim, ctx.denom = axes, keepdim, denom
        with np.errstate(divide="ignore", invalid="ignore"):  # n <= correction: inf or nan
            out = (d * d).sum(axis=axes, keepdims=keepdim) / x.dtype.type(denom)
            if ctx.fn.root:
                out = xp.sqrt(out)
        ctx.save_for_backward(d, out)
        return out

    @staticmethod
    def backward(ctx, g):
        d, out = ctx.saved_tensors
        xp = backend.array_module(g)
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.fn.root:  # d sqrt(v) = dv / (2 sqrt(v)); PyTorch uses 0 where std == 0
                g = xp.where(out == 0, g.dtype.type(0), g / (2 * out))
            scale = g.dtype.type(2.0 / ctx.denom if ctx.denom else np.inf)
            return _expand(g, d.shape, ctx.axes, ctx.keepdim) * d * scale, None, None, None


class Std(Var):
    """Standard deviation sqrt(var); its gradient is 0 where it is 0 (PyTorch's choice)."""

    root = True


def _count(shape: tuple, axes: tuple | None) -> int:
    """How many elements each output of a reduction over ``axes`` summarises."""
    return int(np.prod(shape if axes is None else [shape[a] for a in axes]))


def _reduced_shape(shape: tuple, axes: tuple | None) -> tuple:
    if axes is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def sum(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (an int, a tuple, or None for all dims)."""
    dim, keepdim = _args(dim, keepdim, kw, "sum")
    return Sum.apply(x, _axes(x, dim, "sum"), keepdim)


def mean(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """Mean over ``dim`` (all dims when None); needs a floating tensor, as in PyTorch."""
    dim, keepdim = _args(dim, keepdim, kw, "mean")
    axes = _axes(x, dim, "mean")
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"mean(): could not infer output dtype: mean needs a floating "
                           f"point tensor, got dtype {x.dtype}; convert it with .float()")
    return Mean.apply(x, axes, keepdim)


def _maxmin(x: Tensor, dim: Any, keepdim: bool, kw: dict, is_min: bool) -> Any:
    name = "min" if is_min else "max"
    x = _from_data(x)
    if isinstance(dim, Tensor):  # torch.max(a, b): the element-wise maximum of two tensors
        from .elementwise import maximum, minimum  # noqa: PLC0415

        return (minimum if is_min else maximum)(x, dim)
    dim, keepdim = _args(dim, keepdim, kw, name)
    axes = _axes(x, dim, name)
    if isinstance(dim, (int, np.integer)):
        if x.ndim == 0:  # PyTorch: a 0-d tensor is its own max along dim 0, at index 0
            v, i = MaxDim.apply(_as_1d(x), 0, False, is_min)
            return MaxMin(v, i)
        _check_nonempty(x, axes, name)
        return MaxMin(*MaxDim.apply(x, axes[0], keepdim, is_min))
    _check_nonempty(x, axes, name)
    return MaxAll.apply(x, axes, keepdim, is_min)


def _as_1d(x: Tensor) -> Tensor:
    from .shape import reshape  # noqa: PLC0415  (shape.py imports this module)

    return reshape(x, 1)


def max(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:  # noqa: A001
    """``max(x)``: the largest value. ``max(x, dim)``: ``(values, indices)`` as in PyTorch."""
    return _maxmin(x, dim, keepdim, kw, False)


def min(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:  # noqa: A001
    """``min(x)``: the smallest value. ``min(x, dim)``: ``(values, indices)`` as in PyTorch."""
    return _maxmin(x, dim, keepdim, kw, True)


def amax(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Max over one or several dims (values only; ties share the gradient)."""
    axes = _axes(x, dim, "amax")
    _check_nonempty(x, axes, "amax")
    return MaxAll.apply(x, axes, keepdim, False)


def amin(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Min over one or several dims (values only; ties share the gradient)."""
    axes = _axes(x, dim, "amin")
    _check_nonempty(x, axes, "amin")
    return MaxAll.apply(x, axes, keepdim, True)


def _moment(fn: type, x: Tensor, dim: Any, unbiased: bool | None, keepdim: bool,
            correction: Any, kw: dict) -> Tensor:
    dim, keepdim = _args(dim, keepdim, kw, fn.__name__.lower())
    axes = _axes(x, dim, fn.__name__.lower())
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if x.dtype.kind not in "fc":
        raise TypeError(f"{fn.__name__.lower()} needs a floating point tensor, got dtype "
                        f"{x.dtype}; convert it with .float()")
    return fn.apply(x, axes, keepdim, correction)


def var(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
        correction: int | None = None, **kw: Any) -> Tensor:
    """Variance over ``dim``; ``correction=1`` (default) divides by n-1, 0 by n."""
    return _moment(Var, x, dim, unbiased, keepdim, correction, kw)


def std(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
        correction: int | None = None, **kw: Any) -> Tensor:
    """Standard deviation over ``dim``: ``sqrt(var(...))`` with the same arguments."""
    return _moment(Std, x, dim, unbiased, keepdim, correction, kw)


def _argext(x: Tensor, dim: Any, keepdim: bool, kw: dict, fn: str) -> Tensor:
    dim, keepdim = _args(dim, keepdim, kw, fn)
    x = _from_data(x)
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{fn}: dim must be an int or None, got {dim!r}")
    axes = _axes(x, dim, fn)
    _check_nonempty(x, axes, fn)
    xp = backend.array_module(x._data)
    if axes is None:
        out = getattr(xp, fn)(x._data)
        if keepdim:
            out = out.reshape((1,) * x.ndim)
    else:
        out = getattr(xp, fn)(x._data, axis=axes[0])
        if keepdim:
            out = xp.expand_dims(out, axes[0])
    return Tensor._wrap(xp.asarray(out, dtype=np.int64), False)


def argmax(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """Index of the largest value (flattened when ``dim`` is None); no gradient."""
    return _argext(x, dim, keepdim, kw, "argmax")


def argmin(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """Index of the smallest value (flattened when ``dim`` is None); no gradient."""
    return _argext(x, dim, keepdim, kw, "argmin")


def equal(a: Tensor, b: Tensor) -> bool:
    """True if ``a`` and ``b`` have the same shape and the same values (PyTorch's
    ``torch.equal``; NaN equals nothing, and dtypes may differ)."""
    for name, t in (("a", a), ("b", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"equal: {name} must be a Tensor, got {type(t).__name__}")
    if a.device != b.device:
        raise backend.DeviceError(f"equal: expected both tensors on the same device, found "
                                  f"{a.device} and {b.device}")
    return a.shape == b.shape and bool(backend.array_module(a._data).array_equal(a._data, b._data))


# --- running sums, products, log-sum-exp ----------------------------------------------------


class Cumsum(Function):
    """Running sum along ``dim``; each input element feeds every output from it onwards, so
    its gradient is the running sum of the output gradient taken from the end."""

    @staticmethod
    def forward(ctx, x, dim, dtype):
        ctx.dim = dim
        return backend.array_module(x).cumsum(x, axis=dim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        xp = backend.array_module(g)
        return xp.flip(xp.cumsum(xp.flip(g, ctx.dim), axis=ctx.dim), ctx.dim), None, None


def _accumulator_dtype(x: Tensor, dtype: Any) -> np.dtype:
    """PyTorch's result dtype of sums/products: integers and bools accumulate in int64."""
    if dtype is not None:
        return np.dtype(dtype)
    return np.dtype(np.int64) if x.dtype.kind in "biu" else x.dtype


class CumProd(Function):
    """Running products along ``axis``. The gradient of ``y[j]`` w.r.t. ``x[i]`` (i <= j) is
    the product of ``x[:j+1]`` without ``x[i]``: for non-zero inputs ``y[j] / x[i]``, so
    ``g_x = reverse_cumsum(g * y) / x``; with zeros, the product is recomputed per ``i``."""

    @staticmethod
    def forward(ctx, x, axis):
        y = backend.array_module(x).cumprod(x, axis=axis)
        ctx.save_for_backward(x, y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        xp, a = backend.array_module(g), ctx.axis
        if (x != 0).all():
            rev = xp.flip(xp.cumsum(xp.flip(g * y, a), axis=a), a)
            return rev / x, None
        gx = xp.empty_like(x)
        for i in range(x.shape[a]):
            left = xp.moveaxis(x, a, 0).copy()
            left[i] = 1
            partial = xp.moveaxis(xp.cumprod(left, axis=0), 0, a)
            take = [slice(None)] * x.ndim
            take[a] = slice(i, None)
            put = [slice(None)] * x.ndim
            put[a] = i
            gx[tuple(put)] = (g * partial)[tuple(take)].sum(axis=a)
        return gx, None


def cumprod(x: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """Running products along ``dim``."""
    (axis,) = normalize_dims(dim, x.ndim)
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind in "biu":
        xp = backend.array_module(x._data)
        return Tensor._wrap(xp.cumprod(x._data, axis=axis).astype(np.int64), False)
    return CumProd.apply(x, axis)


def var_mean(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """``(var(x, ...), mean(x, ...))`` over the same dims."""
    return (var(x, dim, unbiased, keepdim, correction), mean(x, dim, keepdim))


def std_mean(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """``(std(x, ...), mean(x, ...))`` over the same dims."""
    return (std(x, dim, unbiased, keepdim, correction), mean(x, dim, keepdim))


def cumsum(x: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """Running sums along ``dim`` (integer input gives int64, as in PyTorch)."""
    (axis,) = normalize_dims(dim, x.ndim)
    if x.ndim == 0:
        return Cumsum.apply(x.reshape(1), 0, _accumulator_dtype(x, dtype)).reshape(())
    return Cumsum.apply(x, axis, _accumulator_dtype(x, dtype))


class Prod(Function):
    """Product over one axis (``axis``) or all elements (None). The gradient of an element
    is the product of all the others: the running product before it times the one after
    it, which stays exact when some elements are zero."""

    @staticmethod
    def forward(ctx, x, axis, keepdim, dtype):
        ctx.save_for_backward(x)
        ctx.axis, ctx.keepdim = axis, keepdim
        xp = backend.array_module(x)
        return xp.prod(x, axis=axis, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xp = backend.array_module(x)
        if x.size == 0:
            return xp.zeros_like(x), None, None, None
        axis = ctx.axis
        v = x.reshape(-1) if axis is None else xp.moveaxis(x, axis, -1)  # the product's axis last
        ones = xp.ones_like(v[..., :1])
        before = xp.cumprod(xp.concatenate([ones, v[..., :-1]], axis=-1), axis=-1)
        after = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(v, -1)[..., :-1]], axis=-1),
                                   axis=-1), -1)
        others = (before * after).reshape(x.shape) if axis is None else xp.moveaxis(
            before * after, -1, axis)
        if axis is not None and not ctx.keepdim:
            g = xp.expand_dims(g, axis)
        return (g * others).astype(x.dtype, copy=False), None, None, None


def prod(x: Tensor, dim: int | None = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """Product of all elements, or along ``dim`` (integer input gives int64)."""
    axis = None if dim is None or x.ndim == 0 else normalize_dims(dim, x.ndim)[0]
    return Prod.apply(x, axis, bool(keepdim) and axis is not None, _accumulator_dtype(x, dtype))


class LogSumExp(Function):
    """``log(sum(exp(x)))`` over ``axes``, computed after subtracting the maximum so that
    large values do not overflow; the gradient is ``softmax(x)``."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        xp = backend.array_module(x)
        m = x.max(axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # all -inf (or inf) stays -inf (inf)
        out = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else out.reshape(_reduced_shape(x.shape, axes))

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        xp = backend.array_module(x)
        return g.reshape(out.shape) * xp.exp(x - out), None, None


def logsumexp(x: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x), dim))`` without overflow; integer input becomes the default float."""
    if x.dtype.kind not in "fc":
        x = x.to(backend.get_default_dtype())
    axes = _axes(x, dim, "logsumexp")
    return LogSumExp.apply(x, axes, bool(keepdim))
