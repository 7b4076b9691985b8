"""Per-sample normalisation layers: `LayerNorm`, `GroupNorm`, `InstanceNorm1d`/`2d`.

Unlike batch norm they normalise inside each sample (see `tinycnn.functional.sample_norm`),
so training and evaluation compute the same thing (instance norm's optional running
statistics aside) and any batch size works.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import functional as F
from ..checks import check_layer_input
from ..tensor import Tensor
from . import init
from ._utils import empty_parameter
from .module import Module
from .normalization import _BatchNorm


def _positive_int(v: Any, name: str, layer: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, got {v!r}")
    return v


def _reset_affine(weight: Tensor | None, bias: Tensor | None) -> None:
    """weight 1, bias 0 (either may be None)."""
    if weight is not None:
        init.ones_(weight)
    if bias is not None:
        init.zeros_(bias)


class LayerNorm(Module):
    """Standardise the last dims of the input (``normalized_shape``), then scale and shift
    with per-element ``weight`` (ones) and ``bias`` (zeros) of that shape."""

    def __init__(self, normalized_shape: int | tuple | list, eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(_positive_int(s, "normalized_shape", "LayerNorm")
                                      for s in shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        affine_shape = self.normalized_shape
        self.register_parameter("weight", empty_parameter(affine_shape, device, dtype)
                                if elementwise_affine else None)
        self.register_parameter("bias", empty_parameter(affine_shape, device, dtype)
                                if elementwise_affine and bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight 1, bias 0."""
        _reset_affine(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Split the C channels into ``num_groups`` groups and standardise each group of each
    sample; then scale and shift per channel (weight ones, bias zeros, shape (C,))."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        _positive_int(num_groups, "num_groups", "GroupNorm")
        _positive_int(num_channels, "num_channels", "GroupNorm")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        self.register_parameter("weight", empty_parameter((num_channels,), device, dtype)
                                if affine else None)
        self.register_parameter("bias", empty_parameter((num_channels,), device, dtype)
                                if affine and bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight 1, bias 0."""
        _reset_affine(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        check_layer_input(self, input, tuple(range(2, 9)), "(N, C, *)")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _InstanceNorm(_BatchNorm):
    """Instance norm: batch norm's parameters and buffers, per-sample statistics."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        batched = self._ndims[-1]
        check_layer_input(self, input, self._ndims, self._layout)
        x = input if input.ndim == batched else input.unsqueeze(0)
        if x.shape[1] != self.num_features:
            message = (f"{self!r}: expected input with {self.num_features} channels "
                       f"(num_features), got {x.shape[1]} (input shape {input.shape})")
            if self.affine:
                raise ValueError(message)
            warnings.warn(message + "; normalizing each channel anyway", stacklevel=2)
        use_input_stats = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            use_input_stats, momentum, self.eps)
        return y if input.ndim == batched else y.squeeze(0)


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over (N, C, L) (or (C, L)): each channel of each sample on its own."""

    _ndims = (2, 3)
    _layout = "(N, C, L) or (C, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over (N, C, H, W) (or (C, H, W)): each channel of each image on its own
    (style transfer's normalisation)."""

    _ndims = (3, 4)
    _layout = "(N, C, H, W) or (C, H, W)"


__all__ = ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "LayerNorm"]
