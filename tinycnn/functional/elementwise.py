"""Element-wise arithmetic and math, with broadcasting; forward and backward side by side.

Broadcasting: when ``a`` of shape (3, 1) meets ``b`` of shape (4,), the output is (3, 4)
and the gradient flowing back has shape (3, 4) too; `unbroadcast` sums it back down to
each input's shape, which is the chain rule for the implicit copies broadcasting made.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import Tensor


def unbroadcast(g: Any, shape: tuple) -> Any:
    """Sum gradient ``g`` over the axes along which an input of ``shape`` was broadcast."""
    shape = tuple(shape)
    if tuple(g.shape) == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1
    )
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def operand(x: Any, like: Any) -> Any:
    """Turn a Python number or array into an array that will not promote ``like``'s dtype.

    ``t * 0.5`` must stay float32 when ``t`` is float32 (NumPy 2 would promote a float64
    array); integer tensors meeting a float get the default float dtype.
    """
    if isinstance(x, Tensor):
        return x
    ref = like.data if isinstance(like, Tensor) else like
    xp = backend.array_module(ref)
    ref_kind = getattr(ref, "dtype", np.dtype(np.float64)).kind
    if isinstance(x, (bool, int, float, np.number, np.bool_)) and not hasattr(x, "shape") or (
        isinstance(x, np.generic)
    ):
        if ref_kind == "f":
            dtype = ref.dtype
        elif isinstance(x, (float, np.floating)):
            dtype = backend.get_default_dtype()
        elif isinstance(x, (bool, np.bool_)):
            dtype = ref.dtype if ref_kind in "iub" else np.bool_
        else:
            dtype = ref.dtype if ref_kind in "iu" else np.int64
        return xp.asarray(x, dtype=dtype)
    arr = xp.asarray(x)
    if arr.dtype == np.float64 and ref_kind == "f" and ref.dtype != np.float64:
        arr = arr.astype(ref.dtype)
    return arr


def _binary(fn: type, a: Any, b: Any) -> Tensor:
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            raise TypeError(f"{fn.__name__.lower()}: at least one argument must be a Tensor")
        a = operand(a, b)
    else:
        b = operand(b, a)
    check_broadcast(fn.__name__.lower(), a.shape, b.shape)
    return fn.apply(a, b)


def check_broadcast(name: str, sa: tuple, sb: tuple) -> None:
    """Raise a ValueError naming ``name`` and both shapes unless they broadcast."""
    sa, sb = tuple(sa), tuple(sb)
    for x, y in zip(reversed(sa), reversed(sb)):
        if x != y and x != 1 and y != 1:
            raise ValueError(
                f"{name}: shapes {sa} and {sb} cannot be broadcast together "
                f"(dimension sizes {x} and {y} differ and neither is 1)"
            )


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        return a + b

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return unbroadcast(g, sa), unbroadcast(g, sb)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        return a - b

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        gb = -unbroadcast(g, sb) if ctx.needs_input_grad[1] else None
        return unbroadcast(g, sa), gb


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = unbroadcast(g * b, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g * a, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = unbroadcast(g / b, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(-g * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    """a ** b. d/da = b a^(b-1); d/db = a^b log(a)."""

    @staticmethod
    def forward(ctx, a, b):
        out = a**b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        xp = backend.array_module(a)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(g * b * a ** (b - 1), a.shape)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = unbroadcast(g * out * xp.log(xp.where(a > 0, a, 1)), b.shape)
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class MatMul(Function):
    """a @ b with NumPy's rules: batched and broadcast over leading dims; 1-D operands."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        xp = backend.array_module(a)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1:
            g = xp.expand_dims(g, -2)
        if b.ndim == 1:
            g = xp.expand_dims(g, -1)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(g @ xp.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = unbroadcast(xp.swapaxes(a2, -1, -2) @ g, b2.shape).reshape(b.shape)
        return ga, gb


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = backend.array_module(x).exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.array_module(x).log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        y = backend.array_module(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g / (2 * y)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        xp = backend.array_module(x)
        ctx.save_for_backward(xp.sign(x))
        return xp.abs(x)

    @staticmethod
    def backward(ctx, g):
        (s,) = ctx.saved_tensors
        return g * s


class Clip(Function):
    """Clamp to [lo, hi]; the gradient passes where the input was inside (bounds included)."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = backend.array_module(x)
        mask = xp.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x >= lo
        if hi is not None:
            mask &= x <= hi
        ctx.save_for_backward(mask)
        return xp.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * mask, None, None


class Maximum(Function):
    """Element-wise max; on ties each input gets half the gradient (as in PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return backend.array_module(a).maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share = (a > b) + 0.5 * (a == b)
        ga = unbroadcast(g * share.astype(g.dtype), a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g * (1 - share).astype(g.dtype), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Minimum(Function):
    """Element-wise min; on ties each input gets half the gradient (as in PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return backend.array_module(a).minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share = (a < b) + 0.5 * (a == b)
        ga = unbroadcast(g * share.astype(g.dtype), a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g * (1 - share).astype(g.dtype), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Where(Function):
    """``cond ? x : y``; ``cond`` is a boolean array (not differentiated)."""

    @staticmethod
    def forward(ctx, cond, x, y):
        ctx.save_for_backward(cond)
        ctx.shapes = (x.shape, y.shape)
        return backend.array_module(x).where(cond, x, y)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        sx, sy = ctx.shapes
        gx = unbroadcast(g * cond, sx) if ctx.needs_input_grad[1] else None
        gy = unbroadcast(g * ~cond, sy) if ctx.needs_input_grad[2] else None
        return None, gx, gy


class Cast(Function):
    """Change dtype; the gradient is cast back to the input's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.in_dtype), None


# --- public functions -------------------------------------------------------------------


def add(a: Any, b: Any) -> Tensor:
    """a + b (broadcasting)."""
    return _binary(Add, a, b)


def sub(a: Any, b: Any) -> Tensor:
    """a - b (broadcasting)."""
    return _binary(Sub, a, b)


def mul(a: Any, b: Any) -> Tensor:
    """a * b (broadcasting)."""
    return _binary(Mul, a, b)


def div(a: Any, b: Any) -> Tensor:
    """a / b (broadcasting; integer inputs give a float result)."""
    if isinstance(a, Tensor) and a.dtype.kind in "iub":
        a = cast(a, backend.get_default_dtype())
    if isinstance(b, Tensor) and b.dtype.kind in "iub":
        b = cast(b, backend.get_default_dtype())
    return _binary(Div, a, b)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001
    """a ** b (either may be a tensor)."""
    return _binary(Pow, a, b)


def neg(x: Tensor) -> Tensor:
    """-x."""
    return Neg.apply(x)


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with NumPy/PyTorch semantics (batched, broadcast, 1-D operands)."""
    if not isinstance(a, Tensor):
        a = operand(a, b)
    if not isinstance(b, Tensor):
        b = operand(b, a)
    sa, sb = tuple(a.shape), tuple(b.shape)
    if len(sa) == 0 or len(sb) == 0:
        raise ValueError(f"matmul: both arguments need at least 1 dimension, got {sa} and {sb}")
    ka = sa[-1]
    kb = sb[0] if len(sb) == 1 else sb[-2]
    if ka != kb:
        raise ValueError(
            f"matmul: shapes {sa} and {sb} do not align: the last dimension of the first "
            f"({ka}) must equal the {'first' if len(sb) == 1 else 'second-to-last'} "
            f"dimension of the second ({kb})"
        )
    check_broadcast("matmul (batch dimensions)", sa[:-2], sb[:-2])
    return MatMul.apply(a, b)


def exp(x: Tensor) -> Tensor:
    """e ** x."""
    return Exp.apply(x)


def log(x: Tensor) -> Tensor:
    """Natural logarithm."""
    return Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    """Square root."""
    return Sqrt.apply(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001
    """|x| (gradient sign(x), 0 at 0 as in PyTorch)."""
    return Abs.apply(x)


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clamp ``x`` into [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    if min is not None and max is not None and min > max:
        raise ValueError(f"clip: min ({min}) must not exceed max ({max})")
    return Clip.apply(x, min, max)


clamp = clip


def maximum(a: Any, b: Any) -> Tensor:
    """Element-wise maximum (broadcasting)."""
    return _binary(Maximum, a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Element-wise minimum (broadcasting)."""
    return _binary(Minimum, a, b)


def where(cond: Any, x: Any, y: Any) -> Tensor:
    """Pick ``x`` where ``cond`` is true, else ``y`` (all broadcast together)."""
    c = cond.data if isinstance(cond, Tensor) else cond
    ref = x if isinstance(x, Tensor) else y
    if not isinstance(ref, Tensor):
        raise TypeError("where: x or y must be a Tensor")
    xp = backend.array_module(ref.data)
    c = xp.asarray(c)
    if c.dtype != np.bool_:
        raise TypeError(f"where: cond must be boolean, got dtype {c.dtype}")
    x, y = operand(x, ref), operand(y, ref)
    check_broadcast("where", x.shape, y.shape)
    check_broadcast("where (cond)", c.shape, np.broadcast_shapes(x.shape, y.shape))
    return Where.apply(c, x, y)


def cast(x: Tensor, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype`` (differentiable between float types)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc" and x.requires_grad:
        return Tensor._wrap(x.data.astype(dtype), False)
    return Cast.apply(x, dtype)


_COMPARE = {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
            "gt": "greater", "ge": "greater_equal"}


def compare(op: str, a: Tensor, b: Any) -> Tensor:
    """Element-wise comparison ``op`` in eq/ne/lt/le/gt/ge: a boolean tensor, no gradient."""
    bb = operand(b, a)
    bb = bb.data if isinstance(bb, Tensor) else bb
    if a.device != backend.device_of(bb):
        raise backend.DeviceError(f"{op}: tensors on {a.device} and {backend.device_of(bb)}")
    check_broadcast(op, a.shape, bb.shape)
    xp = backend.array_module(a.data)
    return Tensor._wrap(getattr(xp, _COMPARE[op])(a.data, bb), False)
