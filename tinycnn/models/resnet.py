"""ResNet-18/34/50 in torchvision's layout, and a CIFAR-sized ResNet-18.

Source: torchvision/models/resnet.py ("ResNet V1.5": in a Bottleneck the stride sits in
the 3x3 conv), used by report 003 (ResNet-50 on Caltech-101) and report 004 (ResNet as the
feature extractor). Module names, and so state_dict keys, are torchvision's:
``conv1``, ``bn1``, ``layer1.0.conv1``, ``layer2.0.downsample.{0,1}``, ``fc``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import nn
from .base import ZooModel, init_like_torchvision
from .preprocessing import CIFAR10
from .weights import load_pretrained


def conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding 1, no bias (a BatchNorm follows)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution, no bias."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """x -> conv3x3 -> BN -> ReLU -> conv3x3 -> BN, + shortcut, ReLU (ResNet-18/34)."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        if downsample is not None:
            self.downsample = downsample

    def forward(self, x: Any) -> Any:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = getattr(self, "downsample", None)
        identity = x if shortcut is None else shortcut(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """x -> 1x1 -> BN -> ReLU -> 3x3 (stride) -> BN -> ReLU -> 1x1 (4x wider) -> BN,
    + shortcut, ReLU (ResNet-50)."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = conv1x1(inplanes, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU()
        if downsample is not None:
            self.downsample = downsample

    def forward(self, x: Any) -> Any:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = getattr(self, "downsample", None)
        identity = x if shortcut is None else shortcut(x)
        return self.relu(out + identity)


class ResNet(ZooModel):
    """torchvision's ResNet. x: (N, 3, H, W) -> logits (N, num_classes).

    Stem conv 7x7 stride 2 + BN + ReLU + max-pool 3x3 stride 2 (ImageNet, /4), then four
    stages of ``layers[i]`` blocks (64, 128, 256, 512 planes; stride 2 from stage 2),
    global average pool, ``fc``. ``small_input=True`` is the usual CIFAR stem: a 3x3
    stride-1 conv and no max-pool, so a 32x32 image reaches stage 4 at 4x4.
    """

    head_name = "fc"

    def __init__(self, block: type, layers: list[int], num_classes: int = 1000,
                 small_input: bool = False, arch: str = "resnet") -> None:
        super().__init__()
        self.arch = arch
        self.inplanes = 64
        if small_input:
            self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.Identity() if small_input else nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        init_like_torchvision(self)

    def _make_layer(self, block: type, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Any) -> Any:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


def resnet18(num_classes: int = 1000, weights: str | Path | None = None) -> ResNet:
    """ResNet-18, 11,689,512 parameters for 1000 classes."""
    return load_pretrained(ResNet(BasicBlock, [2, 2, 2, 2], num_classes, arch="resnet18"), weights)


def resnet34(num_classes: int = 1000, weights: str | Path | None = None) -> ResNet:
    """ResNet-34, 21,797,672 parameters for 1000 classes."""
    return load_pretrained(ResNet(BasicBlock, [3, 4, 6, 3], num_classes, arch="resnet34"), weights)


def resnet50(num_classes: int = 1000, weights: str | Path | None = None) -> ResNet:
    """ResNet-50 (bottleneck blocks), 25,557,032 parameters for 1000 classes."""
    return load_pretrained(ResNet(Bottleneck, [3, 4, 6, 3], num_classes, arch="resnet50"), weights)


def resnet18_cifar(num_classes: int = 10, weights: str | Path | None = None) -> ResNet:
    """ResNet-18 for 32x32 inputs (3x3 stride-1 stem, no max-pool): 11,173,962 parameters
    for 10 classes. Its state_dict keys are torchvision's; only ``conv1.weight`` differs in
    shape (64, 3, 3, 3), so ImageNet weights load with ``strict=False`` minus the stem."""
    model = ResNet(BasicBlock, [2, 2, 2, 2], num_classes, small_input=True, arch="resnet18_cifar")
    model.preprocessing = CIFAR10
    return load_pretrained(model, weights)
