"""What every zoo model shares: its name, where its classifier head is, its preprocessing.

`ZooModel` is an `nn.Module` with three class attributes that the transfer-learning
helpers read:

- ``arch``: the registry name (``"resnet18"``), written into exported weights' sidecars;
- ``head_name``: dotted path of the final `nn.Linear` (``"fc"``, ``"classifier.6"``),
  which `tinycnn.models.replace_head` swaps for a new one;
- ``preprocessing``: a `Preprocessing` (see preprocessing.py); ``model.preprocess`` is
  the matching transforms pipeline.

`FeaturesClassifier` is the common "convolutional features -> flatten -> classifier"
shape of AlexNet, VGG and most of the course nets.
"""

from __future__ import annotations

from typing import Any

from .. import nn
from .preprocessing import IMAGENET, Preprocessing


class ZooModel(nn.Module):
    """Base class of the zoo models (see the module docstring)."""

    arch: str = ""
    head_name: str = "classifier"
    preprocessing: Preprocessing = IMAGENET

    @property
    def preprocess(self) -> Any:
        """The transforms pipeline this model's weights expect (PIL image -> (C, H, W))."""
        return self.preprocessing.transforms()


class FeaturesClassifier(ZooModel):
    """``x -> features -> [avgpool] -> flatten -> classifier``.

    x: (N, C, H, W) -> logits (N, num_classes). With ``return_features=True`` the forward
    returns ``(logits, f)`` where f: (N, D) is the flattened input of the classifier (report
    004's AlexNet returns its "interm_features" this way).
    """

    def __init__(self, features: nn.Module, classifier: nn.Module,
                 avgpool: nn.Module | None = None, return_features: bool = False) -> None:
        super().__init__()
        self.features = features
        if avgpool is not None:  # registered between the two, as in torchvision's state_dict
            self.avgpool = avgpool
        self.classifier = classifier
        self.return_features = return_features

    def forward(self, x: Any) -> Any:
        x = self.features(x)
        pool = getattr(self, "avgpool", None)
        if pool is not None:
            x = pool(x)
        f = x.flatten(1)
        out = self.classifier(f)
        return (out, f) if self.return_features else out


def init_like_torchvision(model: nn.Module, linear_std: float | None = None) -> None:
    """torchvision's initialisation for VGG and ResNet: He-normal (fan_out, ReLU) conv
    weights with zero bias, BatchNorm weight 1 / bias 0, and (VGG only, ``linear_std``)
    Linear weights from N(0, linear_std^2) with zero bias."""
    init = nn.init
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            init.ones_(m.weight)
            init.zeros_(m.bias)
        elif isinstance(m, nn.Linear) and linear_std is not None:
            init.normal_(m.weight, 0.0, linear_std)
            init.zeros_(m.bias)
