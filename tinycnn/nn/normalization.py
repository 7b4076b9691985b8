"""Batch normalisation: `BatchNorm1d` (N, C) or (N, C, L), and `BatchNorm2d` (N, C, H, W).

In training mode the layer normalises with the batch's mean and (biased) variance and
updates the running estimates: running = (1 - momentum) * running + momentum * batch
(unbiased variance, as in PyTorch). In eval mode it uses the running estimates.
``momentum=None`` gives the cumulative average over all batches seen.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..checks import check_int, check_layer_input
from ..tensor import Tensor
from . import init
from ._utils import empty_array, empty_parameter
from .module import Module


class _BatchNorm(Module):
    _ndims: tuple[int, ...] = ()
    _layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        check_int(num_features, "num_features", type(self).__name__, minimum=1)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        # gamma (weight) and beta (bias); bias=False keeps gamma only (PyTorch 2.x)
        self.register_parameter("weight", empty_parameter((num_features,), device, dtype)
                                if affine else None)
        self.register_parameter("bias", empty_parameter((num_features,), device, dtype)
                                if affine and bias else None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(empty_array((num_features,), device, dtype)))
            self.register_buffer("running_var", Tensor(empty_array((num_features,), device, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(empty_array((), device, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        """Running statistics reset; gamma (weight) 1, beta (bias) 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _state_defaults(self) -> dict:
        # checkpoints from before PyTorch 0.4.1 (and from Keras) have no batch counter
        return {"num_batches_tracked": np.zeros((), dtype=np.int64)} if self.track_running_stats else {}

    def forward(self, x: Tensor) -> Tensor:
        check_layer_input(self, x, self._ndims, self._layout)
        if x.shape[1] != self.num_features:
            raise ValueError(f"{self!r}: expected input with {self.num_features} channels "
                             f"(num_features), got {x.shape[1]} (input shape {x.shape})")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
        # batch statistics in training, or in eval when there are no running ones
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(x, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch_stats, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) input, per channel C."""

    _ndims = (2, 3)
    _layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) input, per channel C (statistics over N, H, W)."""

    _ndims = (4,)
    _layout = "(N, C, H, W)"
