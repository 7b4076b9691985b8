"""Sorting: ``sort``, ``argsort`` and ``topk`` along one dim, with PyTorch's arguments.

``sort`` and ``topk`` return ``(values, indices)``. The values only move, so their
gradient is the output gradient scattered back to the positions the values came from.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .reduction import normalize_dims

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])  # torch.return_types.sort


def _order(x: Any, axis: int, descending: bool) -> Any:
    """Indices that sort ``x`` along ``axis`` (stable: ties keep their order). NaN counts as
    the largest value, as in PyTorch (last when ascending, first when descending)."""
    xp = backend.array_module(x)
    key = x.astype(np.int64) if x.dtype.kind in "bu" else x  # -x must not wrap around
    if descending:
        key = -key
        if key.dtype.kind in "fc":  # -nan is nan, which argsort puts last: move it first
            key = xp.where(xp.isnan(key), -xp.inf, key)
    return xp.argsort(key, axis=axis, kind="stable")


def _scatter(g: Any, idx: Any, shape: tuple, axis: int) -> Any:
    """``out[..., idx[i], ...] = g[..., i, ...]`` along ``axis`` into zeros of ``shape``
    (the indices along ``axis`` are distinct, so nothing needs adding up)."""
    xp = backend.array_module(g)
    out = xp.zeros(shape, dtype=g.dtype)
    index = list(xp.ix_(*[xp.arange(s) for s in idx.shape]))  # every position of idx
    index[axis] = idx
    out[tuple(index)] = g
    return out


class Sort(Function):
    """The first ``k`` values of ``x`` sorted along ``axis``, and where they were."""

    @staticmethod
    def forward(ctx, x, axis, descending, k):
        xp = backend.array_module(x)
        idx = _order(x, axis, descending)
        if k < x.shape[axis]:
            idx = xp.take(idx, xp.arange(k), axis=axis)
        ctx.save_for_backward(idx)
        ctx.shape, ctx.axis = x.shape, axis
        return xp.take_along_axis(x, idx, axis=axis), idx.astype(np.int64)

    @staticmethod
    def backward(ctx, g, _gidx):
        (idx,) = ctx.saved_tensors
        return _scatter(g, idx, ctx.shape, ctx.axis), None, None, None


def _run(x: Tensor, dim: Any, descending: bool, k: int | None, name: str) -> ValuesIndices:
    """Sort ``x`` along ``dim`` keeping ``k`` values (all when None); a 0-d tensor is
    its own sort (PyTorch accepts dim 0/-1 there)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}: dim must be an int, got {dim!r}")
    (axis,) = normalize_dims(dim, x.ndim)
    n = x.shape[axis] if x.ndim else 1
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer))
                          or not 0 <= k <= n):
        raise ValueError(f"{name}: k must be an int in [0, {n}] (the size of dim {dim} of "
                         f"the tensor of shape {x.shape}), got {k!r}")
    k = n if k is None else int(k)
    if x.ndim == 0:
        from .shape import reshape  # noqa: PLC0415  (shape.py imports reduction, not us)

        values, indices = Sort.apply(reshape(x, 1), 0, descending, k)
        shape = () if k else (0,)
        return ValuesIndices(reshape(values, shape), Tensor._wrap(indices._data.reshape(shape),
                                                                  False))
    return ValuesIndices(*Sort.apply(x, axis, bool(descending), k))


def sort(x: Tensor, dim: int = -1, descending: bool = False,
         stable: bool = False) -> ValuesIndices:
    """``(values, indices)``: ``x`` sorted along ``dim`` and the positions the values came
    from. The sort is always stable (equal values keep their order); ``stable`` is
    accepted for PyTorch's signature."""
    return _run(x, dim, descending, None, "sort")


def argsort(x: Tensor, dim: int = -1, descending: bool = False,
            stable: bool = False) -> Tensor:
    """The indices that sort ``x`` along ``dim`` (int64, no gradient)."""
    with_grad_off = x.detach() if isinstance(x, Tensor) else x
    return _run(with_grad_off, dim, descending, None, "argsort").indices


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> ValuesIndices:  # noqa: A002  (PyTorch's argument name)
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) entries along
    ``dim``, largest first. They always come sorted; ``sorted=False`` (PyTorch: any order)
    is accepted."""
    return _run(x, dim, largest, k, "topk")


def median(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median (the middle value; of two middle values the smaller): of all
    elements, a 0-d tensor; along ``dim``, ``(values, indices)`` as ``torch.median``."""
    from .shape import reshape, squeeze  # noqa: PLC0415

    if dim is None:
        flat = reshape(x, -1)
        return _run(flat, 0, False, None, "median").values[(flat.shape[0] - 1) // 2]
    s = _run(x, dim, False, None, "median")
    (axis,) = normalize_dims(dim, x.ndim)
    k = (x.shape[axis] - 1) // 2 if x.ndim else 0
    pick = (slice(None),) * axis + (slice(k, k + 1),)
    values, indices = s.values[pick], s.indices[pick]
    if not keepdim:
        values, indices = squeeze(values, axis), squeeze(indices, axis)
    return ValuesIndices(values, indices)


def kthvalue(x: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """``(values, indices)`` of the ``k``-th smallest element (1-based) along ``dim``."""
    from .shape import squeeze  # noqa: PLC0415

    s = _run(x, dim, False, None, "kthvalue")
    (axis,) = normalize_dims(dim, x.ndim)
    n = x.shape[axis] if x.ndim else 1
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue: k must be in [1, {n}] (the size of dim {dim}), got {k}")
    pick = (slice(None),) * axis + (slice(k - 1, k),)
    values, indices = s.values[pick], s.indices[pick]
    if not keepdim:
        values, indices = squeeze(values, axis), squeeze(indices, axis)
    return ValuesIndices(values, indices)


def mode(x: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest of equally
    frequent ones) and the position of its last occurrence, as ``torch.mode``."""
    from .indexing import gather  # noqa: PLC0415
    from .shape import squeeze, unsqueeze  # noqa: PLC0415

    (axis,) = normalize_dims(dim, x.ndim) if x.ndim else (0,)
    data = x._data.reshape(1) if x.ndim == 0 else x._data
    xp = backend.array_module(data)
    rows = xp.moveaxis(data, axis, -1)
    flat = rows.reshape(-1, rows.shape[-1])
    idx = xp.empty(len(flat), dtype=np.int64)
    for r, row in enumerate(flat):
        values, counts = xp.unique(row, return_counts=True)
        best = values[int(xp.argmax(counts))]  # unique sorts: ties go to the smallest
        idx[r] = len(row) - 1 - int(xp.argmax(row[::-1] == best))
    idx = Tensor._wrap(idx.reshape(rows.shape[:-1]), False)
    if x.ndim == 0:
        return ValuesIndices(x, Tensor._wrap(idx._data.reshape(()), False))
    values = squeeze(gather(x, axis, unsqueeze(idx, axis)), axis)
    if keepdim:
        return ValuesIndices(unsqueeze(values, axis), unsqueeze(idx, axis))
    return ValuesIndices(values, idx)


def quantile(x: Tensor, q: Any, dim: int | None = None, keepdim: bool = False,
             interpolation: str = "linear") -> Tensor:
    """The ``q``-quantile(s) of ``x`` (all elements, or along ``dim``), interpolating
    linearly between the two nearest sorted values; a 1-D ``q`` adds a first dimension."""
    from .elementwise import add, mul  # noqa: PLC0415
    from .shape import reshape, squeeze, stack  # noqa: PLC0415

    if interpolation != "linear":
        raise ValueError(f"quantile: only interpolation='linear' is provided, got "
                         f"{interpolation!r}")
    qs = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64)
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        raise ValueError(f"quantile: q must be a number or a 1-D sequence in [0, 1], got {q!r}")
    if dim is None:
        x, dim, keepdim_shape = reshape(x, -1), 0, (1,) * x.ndim
    else:
        keepdim_shape = None
    values = _run(x, dim, False, None, "quantile").values
    (axis,) = normalize_dims(dim, x.ndim)
    n = x.shape[axis]
    out = []
    for qi in qs.reshape(-1):
        pos = qi * (n - 1)
        lo, hi = int(np.floor(pos)), int(np.ceil(pos))
        at = [slice(None)] * x.ndim
        at[axis] = slice(lo, lo + 1)
        low = values[tuple(at)]
        at[axis] = slice(hi, hi + 1)
        r = add(mul(low, 1.0 - (pos - lo)), mul(values[tuple(at)], pos - lo))
        if keepdim_shape is not None:
            r = reshape(r, keepdim_shape) if keepdim else reshape(r, ())
        elif not keepdim:
            r = squeeze(r, axis)
        out.append(r)
    return out[0] if qs.ndim == 0 else stack(out)


def searchsorted(sorted_sequence: Tensor, values: Any, right: bool = False,
                 side: str | None = None) -> Tensor:
    """Where each of ``values`` would go in ``sorted_sequence`` to keep it sorted (the last
    dimension, row by row for N-D); ``right``/``side="right"`` puts it after equal ones."""
    side = side or ("right" if right else "left")
    seq = sorted_sequence._data
    v = values._data if isinstance(values, Tensor) else np.asarray(values)
    xp = backend.array_module(seq)
    if seq.ndim == 1:
        return Tensor._wrap(xp.searchsorted(seq, v, side=side).astype(np.int64), False)
    rows = [xp.searchsorted(s, r, side=side) for s, r in zip(seq.reshape(-1, seq.shape[-1]),
                                                              v.reshape(-1, v.shape[-1]))]
    return Tensor._wrap(xp.stack(rows).reshape(v.shape).astype(np.int64), False)


def bucketize(input: Tensor, boundaries: Tensor, right: bool = False) -> Tensor:
    """The bucket of each element among the 1-D sorted ``boundaries`` (``searchsorted``)."""
    return searchsorted(boundaries, input, right=right)


def histc(x: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts of the elements in ``bins`` equal-width bins over [min, max] (the data's own
    range when both are 0), as a tensor of ``x``'s dtype; elements outside are ignored."""
    data = x._data
    xp = backend.array_module(data)
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = xp.histogram(data, bins=int(bins), range=(lo, hi))
    return Tensor._wrap(counts.astype(x.dtype), False)


__all__ = ["ValuesIndices", "argsort", "bucketize", "histc", "kthvalue", "median", "mode",
           "quantile",
           "searchsorted", "sort", "topk"]


# --- counting (no gradient) -----------------------------------------------------------------


def unique(x: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values of ``x`` in ascending order (of its slices along ``dim`` when
    given); with ``return_inverse`` also where each element went, with ``return_counts``
    how often each value occurs (as ``torch.unique``, which sorts on the CPU too)."""
    xp = backend.array_module(x._data)
    axis = None if dim is None else normalize_dims(dim, x.ndim)[0]
    values, inverse, counts = xp.unique(x._data, return_inverse=True, return_counts=True,
                                        axis=axis)
    out = [Tensor._wrap(values, False)]
    if return_inverse:
        shape = x.shape if axis is None else (x.shape[axis],)
        out.append(Tensor._wrap(inverse.reshape(shape).astype(np.int64), False))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64), False))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(x: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value ``0..max(x)`` occurs in the 1-D non-negative integer tensor
    ``x`` (int64), or the sum of ``weights`` at those positions (in their dtype)."""
    if x.ndim != 1 or x.dtype.kind not in "iu":
        raise ValueError(f"bincount: input must be a 1-D integer tensor, got shape {x.shape} "
                         f"and dtype {x.dtype}")
    if x.numel() and int(x._data.min()) < 0:
        raise ValueError("bincount: input must be non-negative")
    xp = backend.array_module(x._data)
    w = None if weights is None else weights._data
    if w is not None and tuple(w.shape) != x.shape:
        raise ValueError(f"bincount: weights must have the input's shape {x.shape}, got "
                         f"{tuple(w.shape)}")
    counts = xp.bincount(x._data, weights=w, minlength=minlength)
    return Tensor._wrap(counts.astype(np.int64 if w is None else w.dtype), False)
