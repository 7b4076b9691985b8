"""Stateless differentiable functions (``import tinycnn.functional as F``).

Each file holds the `Function` subclasses of one family, forward and backward side by
side, plus the plain functions users call.
"""

from .elementwise import (
    abs, add, cast, clamp, clip, div, exp, log, matmul, maximum, minimum, mul, neg, pow,
    sqrt, sub, where,
)
from .reduction import amax, amin, argmax, argmin, max, mean, min, std, sum, var
from .shape import (
    broadcast_to, cat, expand, flatten, getitem, pad, permute, reshape, squeeze, stack,
    transpose, unsqueeze, view,
)

__all__ = [
    "abs", "add", "amax", "amin", "argmax", "argmin", "broadcast_to", "cast", "cat", "clamp",
    "clip", "div", "exp", "expand", "flatten", "getitem", "log", "matmul", "max", "maximum",
    "mean", "min", "minimum", "mul", "neg", "pad", "permute", "pow", "reshape", "sqrt",
    "squeeze", "stack", "std", "sub", "sum", "transpose", "unsqueeze", "var", "view", "where",
]
