"""Argument checks shared by the functional ops and the layers: one wording, one error type.

As in PyTorch, an argument of the wrong *type* (a float where an int is wanted, three
numbers where a pair is) raises TypeError; a value out of range raises ValueError. Every
message names the function or layer (``where``), the argument, what was expected and what
came. Layers check at construction only what they know then (their own arguments); the
input's shape is checked when it arrives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor

Pair = tuple[int, int]


def is_int(v: Any) -> bool:
    """True for Python and NumPy integers (not bools, not floats)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_number(v: Any) -> bool:
    return is_int(v) or isinstance(v, (float, np.floating))


def _at_least(minimum: int) -> str:
    return {0: "non-negative", 1: "positive"}.get(minimum, f">= {minimum}")


def check_int(value: Any, name: str, where: str, minimum: int = 0) -> int:
    """``value`` as an int >= ``minimum``, or a TypeError (not an int) / ValueError."""
    if not is_int(value):
        raise TypeError(f"{where}: {name} must be a {_at_least(minimum)} int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{where}: {name} must be a {_at_least(minimum)} int, got {value!r}")
    return int(value)


def pair(value: Any, name: str, where: str, minimum: int = 0, kind: type = int) -> tuple:
    """``3 -> (3, 3)``, ``(3, 5) -> (3, 5)``: two ints >= ``minimum`` (``kind=float``: two
    numbers, as floats), else a TypeError (wrong type or length) or a ValueError (range)."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    ok = is_int if kind is int else _is_number
    if len(items) != 2 or not all(ok(v) for v in items):
        what = "an int or a pair of ints" if kind is int else "a number or a pair of numbers"
        raise TypeError(f"{where}: {name} must be {what}, got {value!r}")
    if any(v < minimum for v in items):
        what = "non-negative" if minimum == 0 else f">= {minimum}"
        raise ValueError(f"{where}: {name} must be {what}, got {value!r}")
    return (kind(items[0]), kind(items[1]))


def check_tensor(x: Any, name: str, where: str) -> Tensor:
    """``x`` itself if it is a Tensor, else a TypeError naming ``where`` and ``name``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: {name} must be a Tensor, got {type(x).__name__} "
                        "(wrap arrays with tinycnn.tensor(...))")
    return x


def check_image_batch(x: Any, where: str, name: str = "input") -> Tensor:
    """A floating (N, C, H, W) tensor; a (C, H, W) image gets a batch of one."""
    check_tensor(x, name, where)
    if x.ndim not in (3, 4):
        raise ValueError(f"{where}: expected {name} of rank 4 (N, C, H, W) or 3 (C, H, W), "
                         f"got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: expected a floating point {name}, got dtype {x.dtype}")
    return x if x.ndim == 4 else x.reshape((1,) + x.shape)


def check_layer_input(layer: Any, x: Any, ndims: tuple[int, ...], layout: str) -> None:
    """Raise a TypeError/ValueError naming ``layer`` unless ``x`` is a Tensor with one of
    ``ndims`` dimensions (``layout`` describes them, e.g. ``"(N, C, H, W)"``)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer!r}: expected a Tensor input, got {type(x).__name__}")
    if x.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{layer!r}: expected a {want} input {layout}, got shape {x.shape}")


REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction: Any, where: str) -> str:
    """A loss's ``reduction``: one of `REDUCTIONS`, else a ValueError."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction
