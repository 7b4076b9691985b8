"""Parameter arrays for the layer files (their argument checks are in `tinycnn.checks`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from .module import Parameter


def empty_array(shape: tuple[int, ...], device: Any = None, dtype: Any = None) -> Any:
    """An uninitialised array on ``device`` (default dtype unless given)."""
    xp = backend.xp_for(backend.normalize_device(device))
    dt = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
    return xp.empty(shape, dtype=dt)


def empty_parameter(shape: tuple[int, ...], device: Any = None, dtype: Any = None) -> Parameter:
    """An uninitialised Parameter of ``shape`` (the layer's ``reset_parameters`` fills it)."""
    return Parameter(empty_array(shape, device, dtype))
