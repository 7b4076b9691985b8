"""Gradient utilities (``tinycnn.nn.utils``): clipping, flattening, freezing, zeroing.

Gradients are replaced rather than changed in place unless the array certainly belongs to
the parameter alone: backward may hand a leaf a read-only broadcast view, or one array
shared with another leaf.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .. import backend
from ..functional import cat
from ..tensor import Tensor


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _owns(arr: Any) -> bool:
    """True when ``arr`` is a writable array that is not a view of another one."""
    return arr.base is None and getattr(getattr(arr, "flags", None), "writeable", True)


def zero_grad_(p: Tensor, set_to_none: bool = True) -> None:
    """Reset ``p.grad`` to None (frees the memory) or to zeros."""
    if p.grad is None:
        return
    if set_to_none:
        p.grad = None
    elif _owns(p.grad._data):
        p.grad._data[...] = 0
    else:
        p.grad._data = backend.array_module(p.grad._data).zeros_like(p.grad._data)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so that their joint ``norm_type``-norm (as if they
    were one vector) is at most ``max_norm``. Returns the norm before clipping (0-d).

    As in PyTorch the factor is max_norm / (norm + 1e-6), clamped to at most 1. The norm
    is the norm of the per-parameter norms, and stays on the device (no GPU sync).
    """
    params = [p for p in _as_list(parameters) if p.grad is not None]
    norm_type = float(norm_type)
    if not params:
        return Tensor(backend.xp_for("cpu").zeros((), dtype=backend.get_default_dtype()))
    first = params[0].grad._data
    xp, device = backend.array_module(first), backend.device_of(first)
    norms = [backend.to_device(_vector_norm(p.grad._data, norm_type), device) for p in params]
    total = _vector_norm(xp.stack(norms), norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    factor = xp.minimum(float(max_norm) / (total + 1e-6), 1.0)
    for p in params:
        g = p.grad._data
        f = backend.to_device(factor, backend.device_of(g)).astype(g.dtype, copy=False)
        if _owns(g):
            g *= f
        else:
            p.grad._data = g * f
    return Tensor(xp.asarray(total, dtype=first.dtype))


def _vector_norm(a: Any, norm_type: float) -> Any:
    """The ``norm_type``-norm of all elements of ``a`` as a 0-d array (inf: max |a|)."""
    xp = backend.array_module(a)
    flat = a.reshape(-1)
    if flat.size == 0:
        return xp.zeros((), dtype=a.dtype)
    if norm_type == math.inf:
        return xp.abs(flat).max()
    if norm_type == 2.0:
        return xp.sqrt(xp.dot(flat, flat))
    return (xp.abs(flat) ** norm_type).sum() ** (1.0 / norm_type)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value]."""
    c = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            g = p.grad._data
            xp = backend.array_module(g)
            if _owns(g):
                xp.clip(g, -c, c, out=g)
            else:
                p.grad._data = xp.clip(g, -c, c)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place."""
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise ValueError(f"vector_to_parameters: expected a 1-D tensor of {total} elements "
                         f"(the parameters' total), got shape {vec.shape}")
    start = 0
    for p in params:
        n = p.numel()
        p._data[...] = vec._data[start:start + n].reshape(p.shape)
        start += n


def freeze(module: Any) -> Any:
    """Freeze every parameter of ``module`` (``requires_grad=False``): the optimizer skips
    them and backward computes no gradient for them. Returns the module.

    BatchNorm layers still update their running statistics in train mode; call
    ``.eval()`` on them as well to fix those too (what Keras does for a frozen BN)."""
    return module.requires_grad_(False)


def unfreeze(module: Any) -> Any:
    """Make every parameter of ``module`` trainable again. Returns the module."""
    return module.requires_grad_(True)
