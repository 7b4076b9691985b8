"""`Linear`: y = x @ weight.T + bias, with weight of shape (out_features, in_features)."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..checks import check_int
from ..tensor import Tensor
from . import init
from ._utils import empty_parameter
from .module import Module


class Linear(Module):
    """A fully connected layer: x (*, in_features) -> (*, out_features).

    The weight is (out_features, in_features), as in PyTorch (Keras stores its transpose).
    Initialisation as PyTorch: U(-1/sqrt(in_features), 1/sqrt(in_features)) for both.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            check_int(v, name, "Linear")
        self.in_features, self.out_features = in_features, out_features
        self.weight = empty_parameter((out_features, in_features), device, dtype)
        if bias:
            self.bias = empty_parameter((out_features,), device, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see `init.reset_weight_and_bias_`)."""
        init.reset_weight_and_bias_(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        """x: (*, in_features) -> (*, out_features)."""
        if not isinstance(x, Tensor):
            raise TypeError(f"{self!r}: expected a Tensor input, got {type(x).__name__}")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r}: expected input whose last dimension is {self.in_features} "
                f"(in_features), got shape {x.shape}"
            )
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
