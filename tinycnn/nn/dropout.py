"""`Dropout` (zero single elements) and `Dropout2d` (zero whole channels).

In training mode each element (or channel) is zeroed with probability ``p`` and the
survivors are scaled by 1 / (1 - p), so the expected output equals the input; in eval
mode the layer is the identity. ``inplace=True`` is accepted for PyTorch compatibility
and ignored (the result is always a new tensor, which keeps autograd safe).
"""

from __future__ import annotations

from .. import functional as F
from ..tensor import Tensor
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` while training; any shape."""

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero each channel of (N, C, H, W) input with probability ``p`` while training."""

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout2d(x, self.p, self.training)
