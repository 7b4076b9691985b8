"""Boolean logic and tests on values, with PyTorch's names (no gradients).

``logical_and/or/xor/not`` treat non-zero as True and give bool tensors; the operators
``&``, ``|``, ``^``, ``~`` are bitwise on integers and logical on bools (floats raise, as in
PyTorch). ``any``/``all`` (optionally along ``dim``), ``count_nonzero``, ``isinf``,
``isclose`` and ``argwhere`` complete the set.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..tensor import Tensor
from .elementwise import check_broadcast, operand
from .indexing import nonzero
from .reduction import normalize_dims


def _data(x: Any, like: Tensor) -> Any:
    y = operand(x, like)
    return y._data if isinstance(y, Tensor) else y


def _pair(name: str, a: Any, b: Any) -> tuple:
    if not isinstance(a, Tensor):
        a, b = b, a
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(a).__name__}")
    bb = _data(b, a)
    check_broadcast(name, a.shape, bb.shape)
    return a._data, bb


def _bool(x: Any) -> Tensor:
    return Tensor._wrap(x, False)


def logical_and(a: Any, b: Any) -> Tensor:
    """True where both are non-zero."""
    x, y = _pair("logical_and", a, b)
    return _bool(backend.array_module(x).logical_and(x, y))


def logical_or(a: Any, b: Any) -> Tensor:
    """True where either is non-zero."""
    x, y = _pair("logical_or", a, b)
    return _bool(backend.array_module(x).logical_or(x, y))


def logical_xor(a: Any, b: Any) -> Tensor:
    """True where exactly one is non-zero."""
    x, y = _pair("logical_xor", a, b)
    return _bool(backend.array_module(x).logical_xor(x, y))


def logical_not(x: Tensor) -> Tensor:
    """True where ``x`` is zero."""
    return _bool(backend.array_module(x._data).logical_not(x._data))


def bitwise(op: str, a: Any, b: Any = None) -> Tensor:
    """``a & b``, ``a | b``, ``a ^ b`` (``op`` "and", "or", "xor") or ``~a`` ("not") on
    integer or bool tensors; the result dtype is PyTorch's (the wider integer type)."""
    name = f"bitwise_{op}"
    if op == "not":
        x, y = a._data, None
    else:
        x, y = _pair(name, a, b)
    for v in (x, y):
        if v is not None and v.dtype.kind not in "biu":
            raise TypeError(f"{name}: only integer and bool tensors, got {v.dtype}")
    xp = backend.array_module(x)
    if op == "not":
        return Tensor._wrap(xp.invert(x), False)
    if x.dtype != y.dtype and y.ndim == 0:
        y = y.astype(x.dtype)
    return Tensor._wrap(getattr(xp, name)(x, y), False)


def isinf(x: Tensor) -> Tensor:
    """True where ``x`` is +inf or -inf."""
    return _bool(backend.array_module(x._data).isinf(x._data))


def isclose(a: Tensor, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Element-wise ``|a - b| <= atol + rtol * |b|`` (``torch.isclose``)."""
    x, y = _pair("isclose", a, b)
    return _bool(backend.array_module(x).isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _reduce(how: str, x: Tensor, dim: Any, keepdim: bool) -> Tensor:
    xp = backend.array_module(x._data)
    axes = None if dim is None else normalize_dims(dim, x.ndim, "dim")
    out = xp.asarray(getattr(x._data, how)(axis=axes, keepdims=keepdim))
    # PyTorch keeps uint8 for uint8 input, else gives bool
    return _bool(out.astype(np.uint8) if x.dtype == np.uint8 else out)


def any(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True if any element (along ``dim``, if given) is non-zero."""
    return _reduce("any", x, dim, keepdim)


def all(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True if every element (along ``dim``, if given) is non-zero."""
    return _reduce("all", x, dim, keepdim)


def count_nonzero(x: Tensor, dim: Any = None) -> Tensor:
    """The number of non-zero elements (along ``dim``, if given), as int64."""
    axes = None if dim is None else normalize_dims(dim, x.ndim, "dim")
    xp = backend.array_module(x._data)
    return Tensor._wrap(xp.asarray(xp.count_nonzero(x._data, axis=axes), dtype=np.int64), False)


def argwhere(x: Tensor) -> Tensor:
    """The indices of the non-zero elements, one row each: ``(n, x.ndim)`` int64."""
    return nonzero(x)


__all__ = ["all", "any", "argwhere", "bitwise", "count_nonzero", "isclose", "isinf",
           "logical_and", "logical_not", "logical_or", "logical_xor"]
