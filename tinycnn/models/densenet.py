"""Report 001's tiny DenseNet for CIFAR-10 (Keras): 45,634 parameters in Keras' count.

Source: report 001 (Keras CIFAR-10 study), second table (after Huang et al.,
"Densely connected convolutional networks", CVPR 2017). Read off the table:

- stem: conv 3x3, 24 filters, no bias                                  (24, 32, 32)
- 3 dense blocks of 2 layers each (growth 12); a layer is BN -> ReLU -> conv 1x1 (48,
  the "bottleneck") -> BN -> ReLU -> conv 3x3 (12), and its output is concatenated
  *in front of* its input (Keras' ``concatenate([new, x])``): 24 -> 36 -> 48 channels;
- between blocks a transition BN -> ReLU -> conv 1x1 (48 -> 24) -> 2x2 average pool
  (32 -> 16 -> 8);
- BN -> ReLU -> global average pool (48) -> Dense(10).

Convolutions have no bias (each feeds a BatchNorm). Keras counts 4 values per BatchNorm
channel, 2 of them non-trainable: 612 BatchNorm channels give 1,224 trainable (weight,
bias) and 1,224 non-trainable (running mean and variance), so 44,410 trainable parameters
here plus 1,224 running statistics = 45,634.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import functional as F
from .. import nn
from .base import ZooModel
from .preprocessing import CIFAR10
from .weights import load_pretrained


class DenseLayer(nn.Module):
    """BN -> ReLU -> conv1x1 (bottleneck) -> BN -> ReLU -> conv3x3 (growth);
    x: (N, C, H, W) -> (N, growth + C, H, W)."""

    def __init__(self, in_channels: int, growth: int, bottleneck: int) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU()
        self.conv1 = nn.Conv2d(in_channels, bottleneck, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bottleneck)
        self.relu2 = nn.ReLU()
        self.conv2 = nn.Conv2d(bottleneck, growth, 3, padding=1, bias=False)

    def forward(self, x: Any) -> Any:
        new = self.conv1(self.relu1(self.norm1(x)))
        new = self.conv2(self.relu2(self.norm2(new)))
        return F.cat([new, x], dim=1)


class Transition(nn.Sequential):
    """BN -> ReLU -> conv1x1 -> 2x2 average pool: fewer channels, half the size."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(nn.BatchNorm2d(in_channels), nn.ReLU(),
                         nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.AvgPool2d(2))


class DenseNetTiny(ZooModel):
    """x: (N, 3, 32, 32) -> logits (N, num_classes); see the module docstring."""

    arch = "densenet_tiny"
    head_name = "classifier"
    preprocessing = CIFAR10

    def __init__(self, num_classes: int = 10, stem: int = 24, growth: int = 12,
                 bottleneck: int = 48, layers_per_block: int = 2, blocks: int = 3) -> None:
        super().__init__()
        self.conv0 = nn.Conv2d(3, stem, 3, padding=1, bias=False)
        stages: list[nn.Module] = []
        channels = stem
        for b in range(blocks):
            if b > 0:  # transition back to the stem width
                stages.append(Transition(channels, stem))
                channels = stem
            block = []
            for _ in range(layers_per_block):
                block.append(DenseLayer(channels, growth, bottleneck))
                channels += growth
            stages.append(nn.Sequential(*block))
        self.features = nn.Sequential(*stages)
        self.norm = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: Any) -> Any:
        x = self.relu(self.norm(self.features(self.conv0(x))))
        return self.classifier(self.avgpool(x).flatten(1))


def densenet_tiny(num_classes: int = 10, weights: str | Path | None = None) -> DenseNetTiny:
    """Report 001's tiny DenseNet (see `DenseNetTiny`)."""
    return load_pretrained(DenseNetTiny(num_classes), weights)
