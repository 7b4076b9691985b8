"""`Conv2d`: a 2-D convolution layer holding its weight (out, in/groups, kh, kw) and bias."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..checks import check_int, check_layer_input, pair
from ..tensor import Tensor
from . import init
from ._utils import empty_parameter
from .module import Module


class Conv2d(Module):
    """y = conv2d(x, weight) + bias over x: (N, C_in, H, W) -> (N, C_out, H_out, W_out) with
    H_out = floor((H + 2*padding - dilation*(kh - 1) - 1) / stride) + 1 (same for W).

    ``padding`` may be an int, a pair, ``"valid"`` (0) or ``"same"`` (stride 1 only).
    Weights start as PyTorch's: kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in),
    1/sqrt(fan_in)) with fan_in = in_channels/groups * kh * kw; the bias draws from the
    same range.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple,
                 stride: int | tuple = 1, padding: int | tuple | str = 0,
                 dilation: int | tuple = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("groups", groups)):
            check_int(v, name, "Conv2d", minimum=1)
        if in_channels % groups:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) must be divisible by "
                             f"groups ({groups})")
        if out_channels % groups:
            raise ValueError(f"Conv2d: out_channels ({out_channels}) must be divisible by "
                             f"groups ({groups})")
        if padding_mode != "zeros":
            raise ValueError(f"Conv2d: only padding_mode='zeros' is supported, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d", minimum=1)
        self.stride = pair(stride, "stride", "Conv2d", minimum=1)
        self.dilation = pair(dilation, "dilation", "Conv2d", minimum=1)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Conv2d: padding must be 'valid', 'same', an int or a pair, "
                                 f"got {padding!r}")
            if padding == "same" and self.stride != (1, 1):
                raise ValueError("Conv2d: padding='same' is not supported for strided "
                                 "convolutions")
            self.padding = padding
        else:
            self.padding = pair(padding, "padding", "Conv2d")
        self.padding_mode = padding_mode
        kh, kw = self.kernel_size
        self.weight = empty_parameter((out_channels, in_channels // groups, kh, kw),
                                      device, dtype)
        if bias:
            self.bias = empty_parameter((out_channels,), device, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        init.reset_weight_and_bias_(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, C_in, H, W) -> (N, C_out, H_out, W_out); one image (C_in, H, W) works too."""
        check_layer_input(self, x, (3, 4), "(N, C, H, W)")
        if x.shape[-3] != self.in_channels:
            raise ValueError(
                f"{self!r}: expected input with {self.in_channels} channels (in_channels), "
                f"got {x.shape[-3]} channels (input shape {x.shape}, weight of shape "
                f"{self.weight.shape})"
            )
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s
