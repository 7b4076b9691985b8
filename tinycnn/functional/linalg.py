"""Products and norms: ``mm``, ``bmm``, ``dot``, ``einsum``, vector and matrix norms.

``mm``/``bmm``/``dot`` are `matmul` with PyTorch's stricter shape rules. ``einsum`` runs
``numpy.einsum`` forward; its backward is an einsum too: the gradient of one operand is
the output gradient contracted with all the other operands, written with that operand's
subscripts as the output.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from . import elementwise, reduction


def _check_ndim(name: str, **tensors: Any) -> None:
    for arg, (t, ndim) in tensors.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: {arg} must be a Tensor, got {type(t).__name__}")
        if t.ndim != ndim:
            raise ValueError(f"{name}: {arg} must be {ndim}-D, got shape {t.shape}")


def mm(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product of ``a`` (n, k) and ``b`` (k, m) -> (n, m)."""
    _check_ndim("mm", input=(a, 2), mat2=(b, 2))
    return elementwise.matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product: ``a`` (B, n, k) and ``b`` (B, k, m) -> (B, n, m)."""
    _check_ndim("bmm", input=(a, 3), mat2=(b, 3))
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: batch sizes differ: {a.shape} and {b.shape}")
    return elementwise.matmul(a, b)


def dot(a: Tensor, b: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same length (a 0-d tensor)."""
    _check_ndim("dot", input=(a, 1), tensor=(b, 1))
    if a.shape != b.shape:
        raise ValueError(f"dot: inputs must have the same length, got {a.shape} and {b.shape}")
    return elementwise.matmul(a, b)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """The outer product of two 1-D tensors: ``out[i, j] = a[i] * b[j]``."""
    _check_ndim("outer", input=(a, 1), vec2=(b, 1))
    return elementwise.mul(a.reshape(-1, 1), b.reshape(1, -1))


# --- einsum ---------------------------------------------------------------------------------


def _parse_einsum(equation: str, shapes: list[tuple]) -> tuple[list[str], str]:
    """The subscripts of each operand and of the output, with ``...`` written out as
    letters and an implicit output (no ``->``) made explicit, as NumPy/PyTorch read it."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: equation {equation!r} names {len(ins)} operands, "
                         f"got {len(shapes)}")
    spare = [c for c in string.ascii_letters if c not in eq]
    widths = [len(s) - (len(sub) - 3) for sub, s in zip(ins, shapes) if "..." in sub]
    ell = "".join(spare[:max(widths, default=0)])
    ins = [sub.replace("...", ell[len(ell) - (len(s) - len(sub) + 3):]) if "..." in sub
           else sub for sub, s in zip(ins, shapes)]
    for i, (sub, s) in enumerate(zip(ins, shapes)):
        if not sub.isalpha() and sub:
            raise ValueError(f"einsum: operand {i} has invalid subscripts {sub!r}")
        if len(sub) != len(s):
            raise ValueError(f"einsum: operand {i} has {len(s)} dimensions but subscripts "
                             f"{sub!r} name {len(sub)}")
        if len(set(sub)) != len(sub):
            raise ValueError(f"einsum: operand {i} repeats a subscript in {sub!r} (diagonals "
                             "and traces are not supported; use diagonal()/sum())")
    if arrow:
        out = out.replace("...", ell)
    else:
        joined = "".join(ins)
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1
                                   and c not in ell))
    return ins, out


class Einsum(Function):
    """``numpy.einsum`` of several operands (explicit subscripts, see `_parse_einsum`)."""

    @staticmethod
    def forward(ctx, *args):
        *ops, ins, out = args
        ctx.save_for_backward(*ops)
        ctx.ins, ctx.out = ins, out
        return backend.array_module(ops[0]).einsum(f"{','.join(ins)}->{out}", *ops)

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        xp = backend.array_module(g)
        grads = []
        for i, (op, sub) in enumerate(zip(ops, ctx.ins)):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(o, s) for j, (o, s) in enumerate(zip(ops, ctx.ins)) if j != i]
            seen = set(ctx.out + "".join(s for _, s in others))
            kept = "".join(c for c in sub if c in seen)  # letters only this operand had
            gi = xp.einsum(",".join([ctx.out] + [s for _, s in others]) + "->" + kept,
                           g, *[o for o, _ in others])
            # letters summed away in the forward pass only: the gradient is constant there
            gi = gi.reshape([gi.shape[kept.index(c)] if c in seen else 1 for c in sub])
            # an operand broadcast along "..." (size 1) sums its gradient back
            axes = tuple(k for k in range(op.ndim) if op.shape[k] == 1 and gi.shape[k] != 1)
            if axes:
                gi = gi.sum(axis=axes, keepdims=True)
            grads.append(xp.ascontiguousarray(xp.broadcast_to(gi, op.shape)).astype(
                op.dtype, copy=False))
        return (*grads, None, None)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, as ``torch.einsum("ij,jk->ik", a, b)`` (also with operands in a
    list, ``...`` and implicit output). Repeated subscripts within one operand (diagonals)
    are not supported."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands or not all(isinstance(o, Tensor) for o in operands):
        raise TypeError("einsum: operands must be Tensors")
    ins, out = _parse_einsum(equation, [o.shape for o in operands])
    dtype = elementwise.result_dtype(*[o._data for o in operands])
    operands = [o if o.dtype == dtype else elementwise.cast(o, dtype) for o in operands]
    sizes: dict[str, int] = {}
    for i, (sub, o) in enumerate(zip(ins, operands)):
        for c, n in zip(sub, o.shape):
            ellipsis = c not in equation  # "..." dims broadcast; named ones must agree
            if sizes.setdefault(c, n) != n and not (ellipsis and 1 in (n, sizes[c])):
                raise ValueError(f"einsum: subscript {c!r} has size {sizes[c]} and {n} "
                                 f"(operand {i})")
    return Einsum.apply(*operands, ins, out)


# --- norms ----------------------------------------------------------------------------------


class VectorNorm(Function):
    """``(sum |x|^p)^(1/p)`` over ``axes`` (all when None); ``p`` may be inf, -inf or 0."""

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        xp = backend.array_module(x)
        a = xp.abs(x)
        if p == np.inf:
            out = a.max(axis=axes, keepdims=True)
        elif p == -np.inf:
            out = a.min(axis=axes, keepdims=True)
        elif p == 0:
            out = (a != 0).sum(axis=axes, keepdims=True).astype(x.dtype)
        elif p == 1:
            out = a.sum(axis=axes, keepdims=True)
        elif p == 2:
            out = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
        else:
            out = (a ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)
        ctx.save_for_backward(x, out)
        ctx.p, ctx.keepdim, ctx.axes = p, keepdim, axes
        return out if keepdim else out.reshape(_drop(out.shape, axes))

    @staticmethod
    def backward(ctx, g):
        x, norm = ctx.saved_tensors
        xp = backend.array_module(x)
        g = g.reshape(norm.shape)
        p = ctx.p
        if p == 0:
            return xp.zeros_like(x), None, None, None
        if p in (np.inf, -np.inf):  # ties share the gradient equally, as in PyTorch
            hit = (xp.abs(x) == norm).astype(x.dtype)
            hit /= hit.sum(axis=ctx.axes, keepdims=True)
            return g * xp.sign(x) * hit, None, None, None
        if p == 1:
            return g * xp.sign(x), None, None, None
        safe = xp.where(norm == 0, 1, norm)  # the gradient at 0 is 0 (a subgradient)
        if p == 2:
            return xp.where(norm == 0, 0, g * x / safe), None, None, None
        grad = xp.sign(x) * xp.abs(x) ** (p - 1) / safe ** (p - 1)
        return xp.where(norm == 0, 0, g * grad), None, None, None


def _drop(shape: tuple, axes: tuple | None) -> tuple:
    return () if axes is None else tuple(n for k, n in enumerate(shape) if k not in axes)


def vector_norm(x: Tensor, ord: float = 2, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The ``ord``-norm of ``x`` seen as a vector (over ``dim``, or all elements)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"vector_norm: expected a Tensor, got {type(x).__name__}")
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"vector_norm: needs a floating point tensor, got dtype {x.dtype}")
    if isinstance(ord, str) or isinstance(ord, bool):
        raise ValueError(f"vector_norm: ord must be a number (or inf), got {ord!r}")
    axes = reduction.normalize_dims(dim, x.ndim) or None
    return VectorNorm.apply(x, float(ord), axes if x.ndim else None, bool(keepdim))


def matrix_norm(x: Tensor, ord: Any = "fro", dim: tuple = (-2, -1),  # noqa: A002
                keepdim: bool = False) -> Tensor:
    """The ``ord``-norm of the matrices in the two dims ``dim``: ``"fro"``, or 1 / -1 (the
    largest / smallest column sum of ``|x|``), inf / -inf (the same over rows)."""
    if len(dim) != 2:
        raise ValueError(f"matrix_norm: dim must name two dimensions, got {dim!r}")
    reduction.normalize_dims(dim, x.ndim)  # checks the range, and that they differ
    rows, cols = (d % x.ndim for d in dim)
    if ord == "fro":
        return vector_norm(x, 2, (rows, cols), keepdim)
    if ord in (1, -1, np.inf, -np.inf):
        over, across = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = x.abs().sum(over, keepdim=True)
        pick = reduction.amax if ord > 0 else reduction.amin
        out = pick(sums, across, keepdim=True)
        return out if keepdim else out.reshape(_drop(out.shape, (rows, cols)))
    raise ValueError(f"matrix_norm: ord must be 'fro', 1, -1, inf or -inf, got {ord!r} "
                     "(the spectral and nuclear norms need an SVD, which tinycnn does not have)")


def norm(x: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``torch.linalg.norm``: with ``ord=None`` the 2-norm of ``x`` flattened (or over
    ``dim``); a number ``ord`` is a vector norm for 1-D input or one ``dim``, a matrix norm
    for 2-D input or two dims."""
    dims = (dim,) if isinstance(dim, (int, np.integer)) else dim
    if ord is None:
        return vector_norm(x, 2, dims, keepdim)
    matrix = (dims is None and x.ndim == 2) or (dims is not None and len(dims) == 2)
    if matrix:
        return matrix_norm(x, ord, (-2, -1) if dims is None else tuple(dims), keepdim)
    if dims is None and x.ndim != 1:
        raise ValueError(f"norm: with ord={ord!r} and no dim the input must be 1-D or 2-D, "
                         f"got shape {x.shape}")
    return vector_norm(x, ord, dims, keepdim)


def tensor_norm(x: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
    """``torch.norm`` / ``Tensor.norm``: ``"fro"`` (the default) or a number ``p`` is the
    vector ``p``-norm over ``dim`` (all elements when None)."""
    if p == "fro":
        p = 2
    if isinstance(p, str):
        raise ValueError(f"norm: p must be 'fro' or a number, got {p!r}")
    return vector_norm(x, p, dim, keepdim)
