"""VGG: torchvision's layout (VGG-11/16, with and without BatchNorm) and report 001's
CIFAR VGG-16.

Sources: torchvision/models/vgg.py (configurations "A" = VGG-11 and "D" = VGG-16, the
``features`` / ``avgpool`` / ``classifier`` modules and their state_dict keys);
report 001 (Keras CIFAR-10 study) for the CIFAR VGG-16 with 15,001,418
parameters.
"""

from __future__ import annotations

from pathlib import Path

from .. import nn
from .base import FeaturesClassifier, init_like_torchvision
from .preprocessing import CIFAR10
from .weights import load_pretrained

# numbers are conv widths (3x3, padding 1), "M" a 2x2 max-pool
CFGS: dict[str, list[int | str]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}


def make_layers(cfg: list[int | str], batch_norm: bool = False) -> nn.Sequential:
    """torchvision's VGG feature stack: conv [-> BatchNorm] -> ReLU per number, pool per "M"."""
    layers: list[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, int(v), kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(int(v)))
        layers.append(nn.ReLU())
        in_channels = int(v)
    return nn.Sequential(*layers)


class VGG(FeaturesClassifier):
    """torchvision's VGG. x: (N, 3, H, W) with H, W >= 32 -> logits (N, num_classes).

    features -> AdaptiveAvgPool2d(7x7) -> flatten 25,088 -> 4096 -> 4096 -> classes.
    """

    head_name = "classifier.6"

    def __init__(self, features: nn.Module, num_classes: int = 1000, dropout: float = 0.5,
                 arch: str = "vgg") -> None:
        classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        super().__init__(features, classifier, avgpool=nn.AdaptiveAvgPool2d((7, 7)))
        self.arch = arch
        init_like_torchvision(self, linear_std=0.01)


def _vgg(arch: str, cfg: str, batch_norm: bool, num_classes: int,
         weights: str | Path | None) -> VGG:
    return load_pretrained(VGG(make_layers(CFGS[cfg], batch_norm), num_classes, arch=arch), weights)


def vgg11(num_classes: int = 1000, weights: str | Path | None = None) -> VGG:
    """VGG-11 (configuration "A"), 132,863,336 parameters for 1000 classes."""
    return _vgg("vgg11", "A", False, num_classes, weights)


def vgg11_bn(num_classes: int = 1000, weights: str | Path | None = None) -> VGG:
    """VGG-11 with BatchNorm after every conv, 132,868,840 parameters for 1000 classes."""
    return _vgg("vgg11_bn", "A", True, num_classes, weights)


def vgg16(num_classes: int = 1000, weights: str | Path | None = None) -> VGG:
    """VGG-16 (configuration "D"), 138,357,544 parameters for 1000 classes."""
    return _vgg("vgg16", "D", False, num_classes, weights)


def vgg16_bn(num_classes: int = 1000, weights: str | Path | None = None) -> VGG:
    """VGG-16 with BatchNorm after every conv, 138,365,992 parameters for 1000 classes."""
    return _vgg("vgg16_bn", "D", True, num_classes, weights)


def vgg16_cifar(num_classes: int = 10, weights: str | Path | None = None) -> FeaturesClassifier:
    """Report 001's VGG-16 for 32x32 CIFAR: 15,001,418 Keras parameters for 10 classes.

    x: (N, 3, 32, 32). The report's count is that of the well-known Keras "cifar-vgg" net
    (the recitation's pretrained CIFAR-100 model): 13 VGG-16 convs, each conv -> ReLU ->
    BatchNorm, then Dropout (0.3 after the first conv, 0.4 after the others) or, at the end
    of a stage, a 2x2 max-pool (32 -> 1); then Dropout(0.5), flatten 512, Linear(512, 512),
    ReLU, BatchNorm1d(512), Dropout(0.5), Linear(512, classes). Counting as Keras does (4
    values per BatchNorm channel, 2 of them non-trainable running statistics):

        convs 14,714,688 + BN 4 x 4,224 + Linear 262,656 + BN 4 x 512 + head 5,130
        = 15,001,418 total = 14,991,946 trainable + 9,472 running statistics;

    the head is 512 x 10 + 10 = 5,130, the "5130 out of 15,001,418" trainable parameters of
    the report's frozen fine-tuning.
    """
    layers: list[nn.Module] = []
    in_channels = 3
    cfg = CFGS["D"]
    for i, v in enumerate(cfg):
        if v == "M":
            continue
        layers += [nn.Conv2d(in_channels, int(v), 3, padding=1), nn.ReLU(), nn.BatchNorm2d(int(v))]
        if cfg[i + 1] == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers.append(nn.Dropout(0.3 if i == 0 else 0.4))
        in_channels = int(v)
    classifier = nn.Sequential(
        nn.Dropout(0.5), nn.Linear(512, 512), nn.ReLU(), nn.BatchNorm1d(512), nn.Dropout(0.5),
        nn.Linear(512, num_classes),
    )
    model = FeaturesClassifier(nn.Sequential(*layers), classifier)
    model.arch, model.head_name, model.preprocessing = "vgg16_cifar", "classifier.5", CIFAR10
    return load_pretrained(model, weights)
