"""AlexNet: torchvision's layout (ImageNet, 224x224) and report 004's reduced CIFAR version.

Sources: torchvision/models/alexnet.py (the "one weird trick" variant, 61,100,840
parameters, state_dict keys ``features.{0,3,6,8,10}.*`` and ``classifier.{1,4,6}.*``),
used by reports 002 and 003 for transfer learning; report 004 (SimpleCNN, reduced AlexNet,
transfer) for the reduced AlexNet.
"""

from __future__ import annotations

from pathlib import Path

from .. import nn
from .base import FeaturesClassifier
from .preprocessing import CIFAR10
from .weights import load_pretrained


class AlexNet(FeaturesClassifier):
    """torchvision's AlexNet. x: (N, 3, H, W) with H, W >= 63 -> logits (N, num_classes).

    The adaptive average pool makes the classifier see 256 x 6 x 6 at any input size.
    """

    arch = "alexnet"
    head_name = "classifier.6"

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(),
            nn.Linear(4096, num_classes),
        )
        super().__init__(features, classifier, avgpool=nn.AdaptiveAvgPool2d((6, 6)))


def alexnet(num_classes: int = 1000, weights: str | Path | None = None) -> AlexNet:
    """torchvision-layout AlexNet; ``weights``: an exported .npz (or .pt/.pth) to load."""
    return load_pretrained(AlexNet(num_classes), weights)


class ReducedAlexNet(FeaturesClassifier):
    """Report 004's AlexNet for 32x32 CIFAR-10: 6,199,498 parameters (10 classes).

    x: (N, 3, 32, 32). Convs 48@5x5 stride 2 pad 2 (16x16) -> max-pool (8x8) -> 128@5x5
    (8x8) -> max-pool (4x4) -> 192, 192, 128 @3x3 -> max-pool (2x2); each pool is followed
    by ReLU as in the report. Classifier: dropout, 512 -> 2048, ReLU, dropout, 2048 -> 2048,
    ReLU, 2048 -> classes.

    The report's forward returns ``(logits, interm_features)`` (the flattened 512 features):
    pass ``return_features=True`` for that; the default returns logits only, like the other
    zoo models, so it drops into a standard training loop.
    The report writes its second dropout as ``nn.Dropout(0,5)``, which PyTorch reads as
    ``p=0`` (and ``inplace=5``): a typo for 0.5, which is used here.
    """

    arch = "alexnet_reduced"
    head_name = "classifier.6"
    preprocessing = CIFAR10

    def __init__(self, num_classes: int = 10, return_features: bool = False) -> None:
        features = nn.Sequential(
            nn.Conv2d(3, 48, 5, 2, 2), nn.MaxPool2d(2), nn.ReLU(),
            nn.Conv2d(48, 128, 5, 1, 2), nn.MaxPool2d(2), nn.ReLU(),
            nn.Conv2d(128, 192, 3, 1, 1), nn.ReLU(),
            nn.Conv2d(192, 192, 3, 1, 1), nn.ReLU(),
            nn.Conv2d(192, 128, 3, 1, 1), nn.MaxPool2d(2), nn.ReLU(),
        )
        classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Linear(128 * 2 * 2, 2048), nn.ReLU(),
            nn.Dropout(0.5), nn.Linear(2048, 2048), nn.ReLU(),
            nn.Linear(2048, num_classes),
        )
        super().__init__(features, classifier, return_features=return_features)


def alexnet_reduced(num_classes: int = 10, return_features: bool = False,
                    weights: str | Path | None = None) -> ReducedAlexNet:
    """Report 004's reduced AlexNet (see `ReducedAlexNet`)."""
    return load_pretrained(ReducedAlexNet(num_classes, return_features), weights)
