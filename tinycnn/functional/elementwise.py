"""Element-wise arithmetic and math, with broadcasting; forward and backward side by side.

Broadcasting: when ``a`` of shape (3, 1) meets ``b`` of shape (4,), the output is (3, 4)
and the gradient flowing back has shape (3, 4) too; `unbroadcast` sums it back down to
each input's shape, which is the chain rule for the implicit copies broadcasting made.

dtypes follow PyTorch, not NumPy: a Python number takes the tensor's dtype (``x * 0.5``
stays float32), an integer tensor meeting a float tensor takes the float's dtype, and a
0-d tensor does not promote a tensor with dimensions of the same kind (`result_dtype`).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import Tensor

# --- broadcasting and dtype helpers -----------------------------------------------------


def unbroadcast(g: Any, shape: tuple) -> Any:
    """Sum gradient ``g`` over the axes along which an input of ``shape`` was broadcast."""
    shape = tuple(shape)
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1
    )
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def check_broadcast(name: str, *shapes: tuple) -> tuple:
    """The broadcast shape of ``shapes``, or a ValueError naming ``name`` and the shapes."""
    ndim = max(len(s) for s in shapes)
    out = [1] * ndim
    for shape in shapes:
        for i, s in enumerate(shape, start=ndim - len(shape)):
            if s != out[i]:
                if out[i] != 1 and s != 1:
                    raise ValueError(
                        f"{name}: shapes {' and '.join(str(tuple(t)) for t in shapes)} cannot "
                        f"be broadcast together (sizes {out[i]} and {s} differ and neither is 1)"
                    )
                if out[i] == 1:
                    out[i] = s
    return tuple(out)


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def result_dtype(*arrays: Any) -> np.dtype:
    """PyTorch's type promotion for arrays (0-d arrays stand for numbers and 0-d tensors).

    The highest kind wins (bool < int < float); within it, arrays with dimensions decide
    and 0-d ones only count when no array of that kind has dimensions. So float32 (3,) with
    float64 () is float32, and int64 (3,) with float32 () is float32 (NumPy: float64).
    """
    top = max(_KIND_RANK[a.dtype.kind] for a in arrays)
    group = [a for a in arrays if _KIND_RANK[a.dtype.kind] == top]
    shaped = [a.dtype for a in group if a.ndim > 0]
    return np.result_type(*(shaped or [a.dtype for a in group]))


def operand(x: Any, like: Any) -> Any:
    """``x`` as a Tensor or an array on ``like``'s device; Python numbers get a dtype that
    does not promote ``like`` (its own dtype if it is floating, else the default float
    for a float number, int64 for an int). Anything non-numeric raises TypeError.
    """
    if isinstance(x, Tensor):
        return x
    ref = like._data if isinstance(like, Tensor) else like
    xp = backend.array_module(ref)
    ref_kind = ref.dtype.kind
    if isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, complex):
        if ref_kind == "f":
            dtype = ref.dtype
        elif isinstance(x, (bool, np.bool_)):
            dtype = ref.dtype
        elif isinstance(x, (float, np.floating)):
            dtype = backend.get_default_dtype()
        else:
            dtype = ref.dtype if ref_kind in "iu" else np.dtype(np.int64)
        return xp.asarray(x, dtype=dtype)
    if isinstance(x, (list, tuple)) or hasattr(x, "__array__") or hasattr(x, "shape"):
        arr = xp.asarray(x)
        if arr.dtype.kind in "biuf":
            if arr.dtype == np.float64 and isinstance(x, (list, tuple)):
                arr = arr.astype(ref.dtype if ref_kind == "f" else backend.get_default_dtype())
            return arr
    raise TypeError(f"expected a Tensor, a number or a numeric array, got {type(x).__name__}")


def _cast_to(x: Any, dtype: np.dtype) -> Any:
    if x.dtype == dtype:
        return x
    return cast(x, dtype) if isinstance(x, Tensor) else x.astype(dtype)


def _binary(fn: type, a: Any, b: Any, *extra: Any, name: str | None = None) -> Tensor:
    """Apply a two-input Function with PyTorch's broadcasting and dtype rules."""
    name = name or fn.__name__.lower()
    if isinstance(a, Tensor):
        b = operand(b, a)
    elif isinstance(b, Tensor):
        a = operand(a, b)
    else:
        raise TypeError(f"{name}: at least one argument must be a Tensor, got "
                        f"{type(a).__name__} and {type(b).__name__}")
    if a.dtype != b.dtype:
        dtype = result_dtype(a, b)
        a, b = _cast_to(a, dtype), _cast_to(b, dtype)
    if a.shape != b.shape and a.ndim and b.ndim:  # a 0-d operand always broadcasts
        check_broadcast(name, a.shape, b.shape)
    return fn.apply(a, b, *extra)


def _floating(x: Any, name: str) -> Tensor:
    """``x`` (a Tensor) as a floating tensor: integer tensors become the default float."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if x.dtype.kind in "fc":
        return x
    return Tensor._wrap(x._data.astype(backend.get_default_dtype()), False)


# --- the Functions ----------------------------------------------------------------------


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        return a + b

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        ga = unbroadcast(g, sa) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g, sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        return a - b

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        ga = unbroadcast(g, sa) if ctx.needs_input_grad[0] else None
        gb = -unbroadcast(g, sb) if ctx.needs_input_grad[1] else None
        return ga, gb


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
        with np.errstate(divide="ignore", invalid="ignore"):  # x / 0 = inf, as in PyTorch
            return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = unbroadcast(g / b, a.shape) if ctx.needs_input_grad[0] else None
            gb = unbroadcast(-g * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    """a ** b. d/da = b a^(b-1) (0 where b == 0); d/db = a^b log(a) (0 where a == 0, b >= 0).

    The two masks are PyTorch's: they give the limits at 0 instead of 0 * inf = nan. For a
    negative base log(a) is nan, and so is d/db (as in PyTorch: a^b is not smooth in b there).
    """

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -1 = inf, (-1) ** 0.5 = nan
            out = a**b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        xp = backend.array_module(a)
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[0]:
                ga = unbroadcast(g * xp.where(b == 0, 0, b * a ** (b - 1)), a.shape)
            if ctx.needs_input_grad[1]:
                d = xp.where((a == 0) & (b >= 0), 0, out * xp.log(a))
                gb = unbroadcast(g * d, b.shape)
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class MatMul(Function):
    """a @ b with NumPy's rules: batched and broadcast over leading dims; 1-D operands.

    For 2-D operands, ``out = a b`` gives ``da = g b^T`` and ``db = a^T g``; batch dims
    that were broadcast are summed back, and 1-D operands are treated as a row (a) or a
    column (b) whose extra dim is dropped again.
    """

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
        if b.ndim == 1:  # this one first: for a 1-D @ 1-D, g is 0-d
            g = xp.expand_dims(g, -1)
        if a.ndim == 1:
            g = xp.expand_dims(g, -2)
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


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.array_module(x).sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * backend.array_module(x).cos(x)


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.array_module(x).cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * backend.array_module(x).sin(x)


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf, log(-1) = nan
            return backend.array_module(x).log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return g / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):  # sqrt(-1) = nan, as in PyTorch
            y = backend.array_module(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return g / (2 * y)


class Abs(Function):
    """|x|; the gradient is sign(x), 0 at 0 (as in PyTorch)."""

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
        if lo is not None and hi is not None:
            mask = (x >= lo) & (x <= hi)
        else:
            mask = x >= lo if lo is not None else x <= hi
        ctx.save_for_backward(mask)
        return xp.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * mask, None, None


class Extremum(Function):
    """Element-wise maximum (or minimum with ``is_min``); ties share the gradient equally."""

    @staticmethod
    def forward(ctx, a, b, is_min):
        ctx.save_for_backward(a, b)
        ctx.is_min = is_min
        xp = backend.array_module(a)
        return xp.minimum(a, b) if is_min else xp.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        wins = (a < b) if ctx.is_min else (a > b)
        share = wins.astype(g.dtype) + (a == b).astype(g.dtype) * g.dtype.type(0.5)
        ga = unbroadcast(g * share, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g * (1 - share), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb, None


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


def add(a: Any, b: Any, alpha: float = 1, out: Tensor | None = None) -> Tensor:
    """a + alpha * b (broadcasting); ``out``: a tensor to write the result into."""
    return write_out(_binary(Add, a, _scaled(b, alpha)), out, "add")


def _scaled(b: Any, alpha: float) -> Any:
    """``alpha * b`` for the ``alpha=`` argument of add/sub (b unchanged when alpha is 1)."""
    if alpha == 1:
        return b
    return mul(b, alpha) if isinstance(b, Tensor) else np.multiply(b, alpha)


def sub(a: Any, b: Any, alpha: float = 1, out: Tensor | None = None) -> Tensor:
    """a - alpha * b (broadcasting); ``out``: a tensor to write the result into."""
    return write_out(_binary(Sub, a, _scaled(b, alpha)), out, "sub")


def mul(a: Any, b: Any, out: Tensor | None = None) -> Tensor:
    """a * b (broadcasting); ``out``: a tensor to write the result into."""
    return write_out(_binary(Mul, a, b), out, "mul")


def div(a: Any, b: Any) -> Tensor:
    """a / b (broadcasting; integer inputs give a float result, as in PyTorch)."""
    if isinstance(a, Tensor) and a.dtype.kind in "iub":
        a = _floating(a, "div")
    if isinstance(b, Tensor) and b.dtype.kind in "iub":
        b = _floating(b, "div")
    if not isinstance(a, Tensor) and isinstance(b, Tensor):
        a = operand(a, b)  # 1 / int_tensor: the number must not make it an int division
    return _binary(Div, a, b)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001
    """a ** b (either may be a tensor; see `Pow` for the gradient at 0 and below)."""
    return _binary(Pow, a, b)


def neg(x: Tensor) -> Tensor:
    """-x."""
    if not isinstance(x, Tensor):
        raise TypeError(f"neg: expected a Tensor, got {type(x).__name__}")
    return Neg.apply(x)


def matmul(a: Any, b: Any, out: Tensor | None = None) -> Tensor:
    """Matrix product with NumPy/PyTorch semantics (batched, broadcast, 1-D operands).

    a: (..., n, k) or (k,); b: (..., k, m) or (k,) -> (..., n, m) (1-D dims dropped).
    out: a tensor to write the result into.
    """
    if out is not None:
        return write_out(matmul(a, b), out, "matmul")
    if isinstance(a, Tensor):
        b = operand(b, a)
    elif isinstance(b, Tensor):
        a = operand(a, b)
    else:
        raise TypeError("matmul: at least one argument must be a Tensor")
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
    if len(sa) > 2 and len(sb) > 2:
        check_broadcast("matmul (batch dimensions)", sa[:-2], sb[:-2])
    if a.dtype != b.dtype:
        dtype = result_dtype(a, b)
        a, b = _cast_to(a, dtype), _cast_to(b, dtype)
    return MatMul.apply(a, b)


def exp(x: Tensor) -> Tensor:
    """e ** x."""
    return Exp.apply(_floating(x, "exp"))


def sin(x: Tensor) -> Tensor:
    """Sine, element by element (radians)."""
    return Sin.apply(_floating(x, "sin"))


def cos(x: Tensor) -> Tensor:
    """Cosine, element by element (radians)."""
    return Cos.apply(_floating(x, "cos"))


def log(x: Tensor) -> Tensor:
    """Natural logarithm (-inf at 0, nan below, as in PyTorch)."""
    return Log.apply(_floating(x, "log"))


def sqrt(x: Tensor) -> Tensor:
    """Square root (its gradient is inf at 0)."""
    return Sqrt.apply(_floating(x, "sqrt"))


def abs(x: Tensor) -> Tensor:  # noqa: A001
    """|x| (gradient sign(x), 0 at 0 as in PyTorch)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"abs: expected a Tensor, got {type(x).__name__}")
    return Abs.apply(x)


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clamp ``x`` into [min, max] (either bound may be None; min > max gives max, as in
    PyTorch). The gradient is 1 inside the bounds, bounds included, and 0 outside."""
    if not isinstance(x, Tensor):
        raise TypeError(f"clip: expected a Tensor, got {type(x).__name__}")
    for name, v in (("min", min), ("max", max)):
        if v is not None and not isinstance(v, (numbers.Real, np.generic)):
            raise TypeError(f"clip: {name} must be a number or None, got {type(v).__name__}")
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    if x.dtype.kind in "iub" and any(isinstance(v, (float, np.floating)) for v in (min, max)):
        x = _floating(x, "clip")
    return Clip.apply(x, min, max)


clamp = clip


def maximum(a: Any, b: Any) -> Tensor:
    """Element-wise maximum (broadcasting)."""
    return _binary(Extremum, a, b, False, name="maximum")


def minimum(a: Any, b: Any) -> Tensor:
    """Element-wise minimum (broadcasting)."""
    return _binary(Extremum, a, b, True, name="minimum")


def where(cond: Any, x: Any, y: Any) -> Tensor:
    """Pick ``x`` where ``cond`` is true, else ``y``; all three broadcast together.

    cond: a boolean Tensor or array; x, y: tensors or numbers (gradients flow to both).
    """
    c = cond._data if isinstance(cond, Tensor) else cond
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        ref = x if isinstance(x, Tensor) else y
    else:  # two numbers: ints give int64, bools bool, else the default float (as PyTorch)
        kinds = {np.asarray(v).dtype.kind for v in (x, y)}
        dtype = (np.bool_ if kinds == {"b"} else np.int64 if kinds <= {"b", "i", "u"}
                 else backend.get_default_dtype())
        ref = backend.array_module(c).zeros((), dtype=dtype)
    xp = backend.array_module(ref._data if isinstance(ref, Tensor) else ref)
    c = xp.asarray(c)
    if c.dtype != np.bool_:
        raise TypeError(f"where: cond must be boolean, got dtype {c.dtype}")
    x, y = operand(x, ref), operand(y, ref)
    if x.dtype != y.dtype:
        dtype = result_dtype(x, y)
        x, y = _cast_to(x, dtype), _cast_to(y, dtype)
    check_broadcast("where", c.shape, x.shape, y.shape)
    return Where.apply(c, x, y)


def cast(x: Tensor, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype`` (differentiable between float types)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":  # integer results carry no gradient
        return Tensor._wrap(x._data.astype(dtype), False)
    return Cast.apply(x, dtype)


_COMPARE = {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
            "gt": "greater", "ge": "greater_equal"}


def compare(op: str, a: Tensor, b: Any) -> Tensor:
    """Element-wise comparison ``op`` in eq/ne/lt/le/gt/ge: a boolean tensor, no gradient."""
    bb = operand(b, a)
    bb = bb._data if isinstance(bb, Tensor) else bb
    if type(bb) is not type(a._data):
        raise backend.DeviceError(f"{op}: tensors on {a.device} and {backend.device_of(bb)}")
    check_broadcast(op, a.shape, bb.shape)
    xp = backend.array_module(a._data)
    return Tensor._wrap(getattr(xp, _COMPARE[op])(a._data, bb), False)


def isnan(x: Tensor) -> Tensor:
    """A boolean tensor, True where ``x`` is NaN (no gradient)."""
    return Tensor._wrap(backend.array_module(x._data).isnan(x._data), False)


def isfinite(x: Tensor) -> Tensor:
    """A boolean tensor, True where ``x`` is neither inf nor NaN (no gradient)."""
    return Tensor._wrap(backend.array_module(x._data).isfinite(x._data), False)


def allclose(a: Tensor, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True if ``|a - b| <= atol + rtol * |b|`` everywhere (``torch.allclose``)."""
    bb = operand(b, a)
    bb = bb._data if isinstance(bb, Tensor) else bb
    check_broadcast("allclose", a.shape, bb.shape)
    return bool(backend.array_module(a._data).allclose(a._data, bb, rtol=rtol, atol=atol,
                                                      equal_nan=equal_nan))


# --- rounding: piecewise constant, so the gradient is zero (as in PyTorch) -----------------


class Rounding(Function):
    """``floor``, ``ceil``, ``round`` (half to even, optionally to ``decimals``) or ``sign``."""

    @staticmethod
    def forward(ctx, x, how, decimals):
        xp = backend.array_module(x)
        if how == "round":
            return xp.round(x, decimals)
        return getattr(xp, how)(x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return backend.array_module(g).zeros_like(g), None, None


def _rounding(x: Tensor, how: str, decimals: int = 0) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{how}: expected a Tensor, got {type(x).__name__}")
    if x.dtype.kind in "iub" and how != "sign":  # integers are already whole numbers
        return Tensor._wrap(x._data.copy(), False)
    return Rounding.apply(x, how, int(decimals))


def floor(x: Tensor) -> Tensor:
    """The largest whole number <= each element."""
    return _rounding(x, "floor")


def ceil(x: Tensor) -> Tensor:
    """The smallest whole number >= each element."""
    return _rounding(x, "ceil")


def round(x: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001
    """Each element rounded to ``decimals`` places, halves to even (as PyTorch)."""
    return _rounding(x, "round", decimals)


def sign(x: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (same dtype)."""
    return _rounding(x, "sign")


def addcmul(x: Tensor, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
    """``x + value * tensor1 * tensor2`` (broadcasting), as ``torch.addcmul``."""
    return add(x, mul(tensor1, tensor2) if value == 1 else mul(mul(tensor1, tensor2), value))


def addcdiv(x: Tensor, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
    """``x + value * tensor1 / tensor2`` (broadcasting), as ``torch.addcdiv``."""
    return add(x, div(tensor1, tensor2) if value == 1 else mul(div(tensor1, tensor2), value))


def write_out(result: Tensor, out: Tensor | None, name: str) -> Tensor:
    """PyTorch's ``out=`` argument: copy ``result`` into the tensor ``out`` and return it
    (resized if its shape differs). Not differentiable, as in PyTorch."""
    if out is None:
        return result
    from ..autograd import is_grad_enabled  # noqa: PLC0415

    if not isinstance(out, Tensor):
        raise TypeError(f"{name}: out must be a Tensor, got {type(out).__name__}")
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad")
    if np.can_cast(result.dtype, out.dtype, "same_kind") is False:
        raise TypeError(f"{name}: result of dtype {result.dtype} can't be cast to the "
                        f"desired output dtype {out.dtype}")
    if out.shape == result.shape:
        out._data[...] = result._data
    else:
        out._data = result._data.astype(out.dtype)
    return out
