"""Shape ops: reshape, transpose, squeeze, expand, cat/stack, indexing, device moves
(``pad`` is in ``padding.py``).

These move or copy values without changing them, so every backward is the inverse
movement of the gradient (reshape back, transpose back, scatter back, slice back).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import cast, result_dtype, unbroadcast
from .reduction import normalize_dims


def _sizes(args: tuple) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _dim(d: int, ndim: int, name: str = "dim") -> int:
    (d,) = normalize_dims(d, ndim, name)
    return d


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class Permute(Function):
    @staticmethod
    def forward(ctx, x, axes):
        ctx.inverse = tuple(np.argsort(axes))
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(ctx.inverse), None


class BroadcastTo(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return backend.array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return unbroadcast(g, ctx.shape), None


class Concat(Function):
    """Concatenate along ``axis``; backward slices the gradient back into pieces."""

    @staticmethod
    def forward(ctx, axis, *xs):
        ctx.axis = axis
        ctx.bounds = np.cumsum([x.shape[axis] for x in xs])[:-1].tolist()
        return backend.array_module(xs[0]).concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        xp = backend.array_module(g)
        return (None, *xp.split(g, ctx.bounds, axis=ctx.axis))


class GetItem(Function):
    """``x[index]``; the gradient is scattered back (summed where an index repeats)."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        ctx.advanced = _is_advanced(index)
        return x[index]

    @staticmethod
    def backward(ctx, g):
        xp = backend.array_module(g)
        gx = xp.zeros(ctx.shape, dtype=g.dtype)
        if ctx.advanced:
            scatter_add(gx, ctx.index, g)
        else:
            gx[ctx.index] = g
        return gx, None


def scatter_add(target: Any, index: Any, values: Any) -> None:
    """``target[index] += values`` where repeated indices add up (``ufunc.at``; CuPy >= 13
    has it too)."""
    backend.array_module(target).add.at(target, index, values)


def _is_advanced(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(hasattr(i, "shape") and getattr(i, "ndim", 0) > 0 or isinstance(i, list)
               for i in items)


class ToDevice(Function):
    @staticmethod
    def forward(ctx, x, device):
        ctx.src = backend.device_of(x)
        return backend.to_device(x, device)

    @staticmethod
    def backward(ctx, g):
        return backend.to_device(g, ctx.src), None


# --- public functions -------------------------------------------------------------------


def reshape(x: Tensor, *shape: Any) -> Tensor:
    """``x`` with a new shape of the same number of elements (one entry may be -1)."""
    shape = _sizes(shape)
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in shape):
        raise TypeError(f"reshape: shape must be ints, got {shape}")
    shape = tuple(int(s) for s in shape)
    n = x.numel()
    known = 1
    for s in shape:
        known *= s if s != -1 else 1
    if shape.count(-1) > 1 or any(s < -1 for s in shape) or (
        -1 in shape and (known == 0 or n % known)
    ) or (-1 not in shape and known != n):
        raise ValueError(f"reshape: shape {shape} is invalid for a tensor of shape {x.shape} "
                         f"({n} elements)")
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape)


view = reshape


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (``flatten(x, 1)`` keeps the batch dim)."""
    if x.ndim == 0:
        return reshape(x, 1)
    s, e = _dim(start_dim, x.ndim, "start_dim"), _dim(end_dim, x.ndim, "end_dim")
    if s > e:
        raise ValueError(f"flatten: start_dim ({start_dim}) must not come after end_dim ({end_dim})")
    shape = x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
    return reshape(x, shape)


def permute(x: Tensor, *dims: Any) -> Tensor:
    """Reorder the dimensions: ``permute(x, 0, 2, 3, 1)`` turns NCHW into NHWC."""
    dims = _sizes(dims)
    if len(dims) != x.ndim:
        raise ValueError(f"permute: expected {x.ndim} dims for shape {x.shape}, got {dims}")
    normalize_dims(dims, x.ndim)  # raises on out-of-range or repeated dims
    axes = tuple(int(d) % max(x.ndim, 1) for d in dims)
    return Permute.apply(x, axes)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    a, b = _dim(dim0, x.ndim, "dim0"), _dim(dim1, x.ndim, "dim1")
    if x.ndim == 0:  # PyTorch: a 0-d tensor accepts dims 0/-1 and stays as it is
        return x
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return Permute.apply(x, tuple(axes))


def squeeze(x: Tensor, dim: Any = None) -> Tensor:
    """Remove size-1 dims (all of them, or only ``dim`` if it has size 1)."""
    if dim is None:
        return reshape(x, tuple(s for s in x.shape if s != 1))
    dims = normalize_dims(dim, x.ndim)
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1)))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim`` (``-1`` appends one)."""
    d = _dim(dim, x.ndim + 1)
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def broadcast_to(x: Tensor, shape: Any) -> Tensor:
    """A broadcast view of ``x`` with ``shape``; the gradient is summed back."""
    shape = tuple(int(s) for s in _sizes((shape,)))
    try:
        np.broadcast_shapes(x.shape, shape)
        ok = np.broadcast_shapes(x.shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}")
    return x if shape == x.shape else BroadcastTo.apply(x, shape)


def expand(x: Tensor, *sizes: Any) -> Tensor:
    """PyTorch's ``expand``: like `broadcast_to`, where -1 keeps a dimension's size."""
    sizes = _sizes(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {sizes} has fewer dims than the tensor's shape {x.shape}")
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    return broadcast_to(x, shape)


def _check_tensors(tensors: Any, name: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: expected a list or tuple of tensors, got "
                        f"{type(tensors).__name__}")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: element {i} is a {type(t).__name__}, expected a Tensor")
    return tensors


def cat(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Concatenate tensors along ``dim`` (all other dims must match); PyTorch's dtype rules.
    ``axis`` is NumPy's name for ``dim``, which PyTorch accepts too."""
    dim = dim if axis is None else axis
    tensors = _check_tensors(tensors, "cat")
    ref = tensors[0]
    if ref.ndim == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated; use stack")
    d = _dim(dim, ref.ndim)
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim or any(a != b for k, (a, b) in enumerate(zip(t.shape, ref.shape))
                                     if k != d):
            raise ValueError(f"cat: tensor {i} has shape {t.shape}, incompatible with "
                             f"{ref.shape} for concatenation along dim {dim}")
    if any(t.dtype != ref.dtype for t in tensors):
        dtype = result_dtype(*(t._data for t in tensors))
        tensors = [t if t.dtype == dtype else cast(t, dtype) for t in tensors]
    return Concat.apply(d, *tensors)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Stack equal-shaped tensors along a new dim ``dim``."""
    tensors = _check_tensors(tensors, "stack")
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape}, expected {shape} "
                             "(all tensors must have the same shape)")
    d = _dim(dim, len(shape) + 1)
    return cat([unsqueeze(t, d) for t in tensors], d)


def one_hot(x: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices ``x: (*)`` as int64 one-hot vectors ``(*, num_classes)`` (no gradient).

    ``num_classes=-1`` takes ``x.max() + 1``, as in PyTorch.
    """
    if not isinstance(x, Tensor) or x.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer Tensor of class indices, got "
                        f"{x.dtype if isinstance(x, Tensor) else type(x).__name__}")
    xp = backend.array_module(x._data)
    lo = int(x._data.min()) if x._data.size else 0
    hi = int(x._data.max()) if x._data.size else -1
    n = hi + 1 if num_classes == -1 else num_classes
    if lo < 0 or hi >= n:
        raise ValueError(f"one_hot: class values must be in [0, {n}) (num_classes={num_classes}),"
                         f" got values in [{lo}, {hi}]")
    return Tensor._wrap((x._data[..., None] == xp.arange(n)).astype(np.int64), False)


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]``: basic slicing and integer/boolean array indexing, with gradient.

    Boolean masks are turned into integer indices (``mask.nonzero()``), so the backward
    only has to handle integer arrays: it adds gradients up where an index repeats.
    """
    items = index if isinstance(index, tuple) else (index,)
    xp = backend.array_module(x._data)
    clean: list = []
    for i in items:
        if isinstance(i, Tensor):
            i = i._data
        elif isinstance(i, list):
            i = xp.asarray(i)
            if i.size == 0:
                i = i.astype(np.int64)  # x[[]] selects nothing (NumPy makes [] float)
        if hasattr(i, "dtype") and getattr(i, "ndim", 0) > 0 or isinstance(i, np.ndarray):
            if i.dtype.kind not in "iub":
                raise IndexError(f"tensors used as indices must be integer or boolean, got "
                                 f"{i.dtype}")
            if i.dtype.kind == "b" and i.ndim > 0:
                clean.extend(i.nonzero())
                continue
        clean.append(i)
    index = tuple(clean) if isinstance(index, tuple) or len(clean) != 1 else clean[0]
    try:
        return GetItem.apply(x, index)
    except IndexError as e:
        raise IndexError(f"index {_describe(index)} is invalid for a tensor of shape "
                         f"{x.shape}: {e}") from None


def _describe(index: Any) -> str:
    items = index if isinstance(index, tuple) else (index,)
    parts = [f"array{tuple(i.shape)}" if hasattr(i, "shape") and i.ndim > 0 else repr(i)
             for i in items]
    return f"({', '.join(parts)})" if isinstance(index, tuple) else parts[0]


def to_device(x: Tensor, device: str) -> Tensor:
    """``x`` on ``device`` (differentiable: the gradient moves back)."""
    return x if x.device == device else ToDevice.apply(x, device)


class Split(Function):
    """Cut ``x`` along ``axis`` into pieces of ``sizes``; backward glues the gradients of
    the pieces back together (zeros for pieces that did not reach the loss)."""

    @staticmethod
    def forward(ctx, x, sizes, axis):
        ctx.axis = axis
        xp = backend.array_module(x)
        return tuple(xp.split(x, np.cumsum(sizes)[:-1].tolist(), axis=axis))

    @staticmethod
    def backward(ctx, *grads):
        return backend.array_module(grads[0]).concatenate(grads, axis=ctx.axis), None, None


def split(x: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """PyTorch's ``split``: pieces of ``split_size_or_sections`` along ``dim`` (an int: equal
    pieces of that size, the last one smaller; a list: the size of each piece)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"split: expected a Tensor, got {type(x).__name__}")
    if x.ndim == 0:
        raise ValueError("split: cannot split a zero-dimensional tensor")
    d = _dim(dim, x.ndim)
    n = x.shape[d]
    s = split_size_or_sections
    if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
        if s < 0 or (s == 0 and n):
            raise ValueError(f"split: split_size must be positive, got {s} (dim {dim} has "
                             f"size {n})")
        sizes = ([s] * (n // s) + ([n % s] if n % s else [])) if s else []
        sizes = sizes or [0]  # an empty dim gives one empty piece
    elif isinstance(s, (list, tuple)) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0 for v in s):
        sizes = [int(v) for v in s]
        if sum(sizes) != n:
            raise ValueError(f"split: split sizes {list(s)} must sum to {n}, the size of dim "
                             f"{dim} of the tensor of shape {x.shape}")
    else:
        raise TypeError(f"split: split_size_or_sections must be a non-negative int or a list "
                        f"of them, got {s!r}")
    return Split.apply(x, tuple(sizes), d)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """PyTorch's ``chunk``: ``chunks`` pieces of size ``ceil(n / chunks)`` along ``dim``
    (fewer when ``n`` does not fill them: ``chunk(arange(6), 4)`` gives 3 pieces of 2)."""
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    if not isinstance(x, Tensor):
        raise TypeError(f"chunk: expected a Tensor, got {type(x).__name__}")
    if x.ndim == 0:
        raise ValueError("chunk: cannot chunk a zero-dimensional tensor")
    n = x.shape[_dim(dim, x.ndim)]
    if n == 0:  # as PyTorch: `chunks` empty pieces
        return split(x, [0] * int(chunks), dim)
    return split(x, -(-n // int(chunks)), dim)
