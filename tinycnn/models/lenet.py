"""LeNet-5 for 28x28 digits, the net report 000 names as its starting point.

Source: report 000 (DeDiosNet on CIFAR-100; "LeNet5 and VGG19 were considered as
inspiration"); the layer sizes are the classic LeNet-5 of LeCun et al. (1998) with ReLU and
max pooling, padded so a 28x28 MNIST image gives the original 32x32 geometry.
"""

from __future__ import annotations

from pathlib import Path

from .. import nn
from .base import FeaturesClassifier
from .preprocessing import MNIST
from .weights import load_pretrained


class LeNet5(FeaturesClassifier):
    """x: (N, 1, 28, 28) -> logits (N, num_classes); 61,706 parameters for 10 classes.

    conv 6@5x5 pad 2 -> ReLU -> max-pool 2 -> conv 16@5x5 -> ReLU -> max-pool 2
    -> flatten 400 -> 120 -> ReLU -> 84 -> ReLU -> num_classes.
    """

    arch = "lenet5"
    head_name = "classifier.4"
    preprocessing = MNIST

    def __init__(self, num_classes: int = 10) -> None:
        features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )
        super().__init__(features, classifier)


def lenet5(num_classes: int = 10, weights: str | Path | None = None) -> LeNet5:
    """LeNet-5 (see `LeNet5`); ``weights``: an .npz/.pt file to load (strict)."""
    return load_pretrained(LeNet5(num_classes), weights)
