"""Weight initialisation (``tinycnn.nn.init``), with PyTorch's names and signatures.

Every function fills a tensor in place, records no graph, returns the tensor, and draws
from ``tinycnn.backend.rng(device)`` (seeded by `tinycnn.manual_seed`) unless a
``generator`` (a NumPy/CuPy ``Generator``) is given.

The fan of a weight: for a Linear weight (out, in), fan_in = in and fan_out = out; for a
Conv2d weight (out, in/groups, kh, kw) both are multiplied by the kernel area kh * kw.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend
from ..tensor import Tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance stable through ``nonlinearity``:
    1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for relu,
    sqrt(2 / (1 + slope^2)) for leaky_relu (slope = ``param``, default 0.01), 3/4 for selu."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
              "conv_transpose2d", "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than "
                         f"2 dimensions (got shape {shape})")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values_fn: Any, generator: Any) -> Tensor:
    """Write ``values_fn(gen, shape, dtype)`` into ``tensor`` in place.

    Draws directly in the tensor's dtype when it is float32/float64 (half the work for
    float32 compared with drawing float64 and casting)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init functions expect a Tensor, got {type(tensor).__name__}")
    gen = generator if generator is not None else backend.rng(tensor.device)
    dtype = tensor.dtype if tensor.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    tensor._data[...] = values_fn(gen, tensor.shape, dtype)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with samples from U(a, b)."""
    return _fill(tensor, lambda g, shape, dt: g.random(shape, dtype=dt) * dt.type(b - a)
                 + dt.type(a), generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with samples from N(mean, std^2)."""
    return _fill(tensor, lambda g, shape, dt: g.standard_normal(shape, dtype=dt) * dt.type(std)
                 + dt.type(mean), generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> Tensor:
    """Fill with N(mean, std^2) samples conditioned on lying in [a, b] (absolute bounds,
    as in PyTorch): samples outside are redrawn until none is left."""
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")

    def draw(g: Any, shape: tuple, dt: np.dtype) -> Any:
        x = g.standard_normal(shape, dtype=dt) * dt.type(std) + dt.type(mean)
        bad = (x < a) | (x > b)
        while bad.any():
            n = int(bad.sum())
            x[bad] = g.standard_normal(n, dtype=dt) * dt.type(std) + dt.type(mean)
            bad = (x < a) | (x > b)
        return x

    return _fill(tensor, draw, generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value ``val``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init functions expect a Tensor, got {type(tensor).__name__}")
    tensor._data[...] = val
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return constant_(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant_(tensor, 1)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He uniform: U(-bound, bound), bound = gain * sqrt(3 / fan). With ``a=sqrt(5)`` (the
    default of Conv2d and Linear) the bound is 1 / sqrt(fan_in)."""
    if 0 in tensor.shape:
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def reset_weight_and_bias_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default init of Linear and Conv layers: ``kaiming_uniform_(weight,
    a=sqrt(5))``, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias from the same bound."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He normal: N(0, std^2), std = gain / sqrt(fan)."""
    if 0 in tensor.shape:
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain``: the Q of the QR decomposition of a normal
    sample, signs fixed so the result is uniformly distributed (as in PyTorch). Tensors
    with more than two dimensions are seen as ``(shape[0], rest)``."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are "
                         f"supported, got shape {tensor.shape}")
    rows, cols = tensor.shape[0], tensor.numel() // tensor.shape[0]

    def draw(g: Any, shape: tuple, dt: np.dtype) -> Any:
        flat = g.standard_normal((rows, cols), dtype=dt)
        flat = flat.T if rows < cols else flat
        xp = backend.array_module(flat)
        q, r = xp.linalg.qr(flat)
        q = q * xp.sign(xp.diagonal(r))
        q = q.T if rows < cols else q
        return (q * dt.type(gain)).reshape(shape)

    if tensor.numel() == 0:
        return tensor
    return _fill(tensor, draw, generator)


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (ones on the diagonal of a 2-D tensor, zeros elsewhere)."""
    if not isinstance(tensor, Tensor) or tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got "
                         f"{getattr(tensor, 'shape', type(tensor).__name__)}")
    xp = backend.array_module(tensor._data)
    tensor._data[...] = xp.eye(*tensor.shape, dtype=tensor.dtype)
    return tensor


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """A convolution kernel that passes its input through: for a 3-, 4- or 5-D weight
    ``(out, in, *k)``, 1 at the kernel's centre where output channel = input channel
    (within each of ``groups``), 0 elsewhere."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only 3-, 4- and 5-D tensors are supported, got shape "
                         f"{tensor.shape}")
    if tensor.shape[0] % groups:
        raise ValueError(f"dirac_: dim 0 ({tensor.shape[0]}) must be divisible by groups "
                         f"({groups})")
    out_per_group = tensor.shape[0] // groups
    tensor._data[...] = 0
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, tensor.shape[1])):
            tensor._data[(g * out_per_group + d, d) + centre] = 1
    return tensor


__all__ = [
    "calculate_gain", "dirac_", "eye_", "orthogonal_", "constant_", "kaiming_normal_", "kaiming_uniform_", "normal_", "ones_",
    "trunc_normal_", "uniform_", "xavier_normal_", "xavier_uniform_", "zeros_",
]
