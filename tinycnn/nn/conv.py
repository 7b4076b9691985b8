"""Convolution layers: `Conv2d` (weight (out, in/groups, kh, kw)), `Conv1d` (sequences) and
`ConvTranspose2d` (learned upsampling), with PyTorch's arguments.

Each holds a weight and an optional bias and calls `tinycnn.functional`; the weights
start as PyTorch's (``kaiming_uniform_(a=sqrt(5))``, the bias from the same range).
"""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..checks import check_int, check_layer_input, pair
from ..functional.conv1d import single
from ..functional.conv_transpose import transposed_output_size
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


def _check_channels(layer: str, in_channels: Any, out_channels: Any, groups: Any,
                    padding_mode: str) -> None:
    for name, v in (("in_channels", in_channels), ("out_channels", out_channels),
                    ("groups", groups)):
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise ValueError(f"{layer}: {name} must be a positive int, got {v!r}")
    for name, v in (("in_channels", in_channels), ("out_channels", out_channels)):
        if v % groups:
            raise ValueError(f"{layer}: {name} ({v}) must be divisible by groups ({groups})")
    if padding_mode != "zeros":
        raise ValueError(f"{layer}: only padding_mode='zeros' is supported, got "
                         f"{padding_mode!r}")


class _ConvBase(Module):
    """Weight, bias, PyTorch's initialisation and repr, shared by the two layers."""

    def _make_parameters(self, weight_shape: tuple, bias: bool, device: Any, dtype: Any) -> None:
        self.weight = empty_parameter(weight_shape, device, dtype)
        if bias:
            self.bias = empty_parameter((self.out_channels,), device, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the module docstring)."""
        init.reset_weight_and_bias_(self.weight, self.bias)

    def _check_in_channels(self, x: Tensor, channel_dim: int) -> None:
        if x.shape[channel_dim] != self.in_channels:
            raise ValueError(f"{self!r}: expected input with {self.in_channels} channels "
                             f"(in_channels), got {x.shape[channel_dim]} (input shape "
                             f"{x.shape})")

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if isinstance(self.padding, str) or any(self.padding):
            s += f", padding={self.padding}"
        if any(d != 1 for d in self.dilation):
            s += f", dilation={self.dilation}"
        if any(getattr(self, "output_padding", ())):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvBase):
    """y = conv1d(x, weight) + bias over x: (N, C_in, L) -> (N, C_out, L_out), L_out =
    floor((L + 2*padding - dilation*(k - 1) - 1) / stride) + 1; padding may be 'same'."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple,
                 stride: int | tuple = 1, padding: int | tuple | str = 0,
                 dilation: int | tuple = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        fn = "Conv1d"
        _check_channels(fn, in_channels, out_channels, groups, padding_mode)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = (single(kernel_size, "kernel_size", fn),)
        self.stride = (single(stride, "stride", fn),)
        self.dilation = (single(dilation, "dilation", fn),)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"{fn}: padding must be 'valid', 'same', an int or a 1-tuple,"
                                 f" got {padding!r}")
            if padding == "same" and self.stride != (1,):
                raise ValueError(f"{fn}: padding='same' is not supported for strided "
                                 "convolutions")
            self.padding: Any = padding
        else:
            self.padding = (single(padding, "padding", fn),)
        self.padding_mode = padding_mode
        self._make_parameters((out_channels, in_channels // groups, self.kernel_size[0]), bias,
                              device, dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """input: (N, C_in, L) or (C_in, L) -> (N, C_out, L_out) (or (C_out, L_out))."""
        check_layer_input(self, input, (2, 3), "(N, C, L)")
        self._check_in_channels(input, -2)
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)


class ConvTranspose2d(_ConvBase):
    """Transposed convolution (see `tinycnn.functional.conv_transpose`): (N, C_in, H, W) ->
    (N, C_out, H_out, W_out), H_out = (H - 1)*stride - 2*padding + dilation*(kh - 1) +
    output_padding + 1. The weight is (C_in, C_out/groups, kh, kw)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple,
                 stride: int | tuple = 1, padding: int | tuple = 0,
                 output_padding: int | tuple = 0, groups: int = 1, bias: bool = True,
                 dilation: int | tuple = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        _check_channels("ConvTranspose2d", in_channels, out_channels, groups, padding_mode)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = pair(kernel_size, "kernel_size", type(self).__name__)
        self.stride = pair(stride, "stride", type(self).__name__)
        self.padding = pair(padding, "padding", type(self).__name__)
        self.output_padding = pair(output_padding, "output_padding", type(self).__name__)
        self.dilation = pair(dilation, "dilation", type(self).__name__)
        self.padding_mode = padding_mode
        self._make_parameters((in_channels, out_channels // groups) + self.kernel_size, bias,
                              device, dtype)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, int]:
        """The output_padding that gives ``output_size`` (H_out, W_out) (or its last two
        entries), as PyTorch's ``ConvTranspose2d.forward(input, output_size)``."""
        if output_size is None:
            return self.output_padding
        size = [int(s) for s in output_size][-2:]
        if len(size) != 2:
            raise ValueError(f"{self!r}: output_size must have at least 2 entries (H_out, "
                             f"W_out), got {output_size!r}")
        pads = []
        for i, want in enumerate(size):
            smallest = transposed_output_size(
                x.shape[-2 + i], self.kernel_size[i], self.stride[i], self.padding[i],
                self.dilation[i], 0)
            if not smallest <= want < smallest + self.stride[i]:
                raise ValueError(f"{self!r}: requested an output size of {size}, but valid "
                                 f"sizes along dim {i} range from {smallest} to "
                                 f"{smallest + self.stride[i] - 1} (for an input of "
                                 f"{tuple(x.shape[-2:])})")
            pads.append(want - smallest)
        return pads[0], pads[1]

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        """input: (N, C_in, H, W) or (C_in, H, W); ``output_size`` picks the output_padding."""
        check_layer_input(self, input, (3, 4), "(N, C, H, W)")
        self._check_in_channels(input, -3)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)
