"""Small helpers shared by the layer files: argument normalisation and parameter arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..tensor import Tensor
from .module import Parameter


def pair(value: Any, name: str) -> tuple[int, int]:
    """``3 -> (3, 3)``; ``(3, 5)`` stays; anything else raises a ValueError naming ``name``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if (isinstance(value, (tuple, list)) and len(value) == 2
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)):
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")


def empty_array(shape: tuple[int, ...], device: Any = None, dtype: Any = None) -> Any:
    """An uninitialised array on ``device`` (default dtype unless given)."""
    xp = backend.xp_for(backend.normalize_device(device))
    dt = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
    return xp.empty(shape, dtype=dt)


def empty_parameter(shape: tuple[int, ...], device: Any = None, dtype: Any = None) -> Parameter:
    """An uninitialised Parameter of ``shape`` (the layer's ``reset_parameters`` fills it)."""
    return Parameter(empty_array(shape, device, dtype))


def check_input(layer: Any, x: Any, ndims: tuple[int, ...], layout: str) -> None:
    """Raise a TypeError/ValueError naming ``layer`` unless ``x`` is a Tensor with one of
    ``ndims`` dimensions (``layout`` describes them, e.g. ``"(N, C, H, W)"``)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer!r}: expected a Tensor input, got {type(x).__name__}")
    if x.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{layer!r}: expected a {want} input {layout}, got shape {x.shape}")


def check_reduction(reduction: str) -> str:
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    return reduction
