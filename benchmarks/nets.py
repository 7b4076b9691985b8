"""The benchmarked nets, built in tinycnn and, with the same architecture, in PyTorch.

The tinycnn nets come from `tinycnn.models`. Their PyTorch twins are made by
`to_torch`, which rebuilds a tinycnn model layer by layer from the layers' own
settings (the layers share PyTorch's names and arguments), so the two can never drift
apart; ResNet-18, whose forward is not a plain chain, comes from the test suite's
torchvision-identical definition (`benchmarks.torch_reference`), and EfficientNet-Lite0 from
the PyTorch port its ImageNet weights come in (the ``efficientnet-lite-pytorch`` package).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NetSpec:
    """One benchmark case: a zoo model name, its input shape (C, H, W), batch, classes."""

    name: str
    model: str
    shape: tuple[int, int, int]
    batch: int
    classes: int


NETS = {s.name: s for s in (
    NetSpec("lenet5", "lenet5", (1, 28, 28), 64, 10),
    NetSpec("simple_cnn", "simple_cnn_mnist", (1, 28, 28), 64, 10),
    NetSpec("dediosnet2", "dediosnet2", (3, 32, 32), 64, 100),
    NetSpec("alexnet_reduced", "alexnet_reduced", (3, 32, 32), 64, 10),
    NetSpec("resnet18_224", "resnet18", (3, 224, 224), 16, 1000),
    NetSpec("alexnet_224", "alexnet", (3, 224, 224), 16, 1000),
    NetSpec("efficientnet_lite0_224", "efficientnet_lite0", (3, 224, 224), 16, 1000),
)}


def build_tinycnn(spec: NetSpec) -> Any:
    import tinycnn  # noqa: PLC0415

    return tinycnn.models.get_model(spec.model, num_classes=spec.classes)


def build_torch(spec: NetSpec) -> Any:
    """The PyTorch twin of ``build_tinycnn(spec)`` (same layers, same parameter count)."""
    if spec.model == "resnet18":
        from .torch_reference import resnet18  # noqa: PLC0415  (torch only when asked)

        return resnet18(num_classes=spec.classes)
    if spec.model == "efficientnet_lite0":
        from efficientnet_lite_pytorch import EfficientNet  # noqa: PLC0415

        return EfficientNet.from_name("efficientnet-lite0", num_classes=spec.classes)
    return to_torch(build_tinycnn(spec))


def to_torch(m: Any) -> Any:
    """A torch module with the structure of tinycnn module ``m`` (fresh weights).

    Handles the layers the zoo's chain-shaped nets use and `FeaturesClassifier`
    (features -> [avgpool] -> flatten -> classifier); anything else is a TypeError.
    """
    from torch import nn  # noqa: PLC0415

    kind = type(m).__name__
    if kind == "Sequential":
        return nn.Sequential(*(to_torch(c) for c in m.children()))
    if hasattr(m, "features") and hasattr(m, "classifier"):
        return _TorchFeaturesClassifier(to_torch(m.features), to_torch(m.classifier),
                                        to_torch(m.avgpool) if hasattr(m, "avgpool") else None)
    if kind == "Conv2d":
        return nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
                         m.dilation, m.groups, bias=m.bias is not None,
                         padding_mode=m.padding_mode)
    if kind == "Linear":
        return nn.Linear(m.in_features, m.out_features, bias=m.bias is not None)
    if kind in ("BatchNorm1d", "BatchNorm2d"):
        return getattr(nn, kind)(m.num_features, m.eps, m.momentum, m.affine,
                              m.track_running_stats)
    if kind == "MaxPool2d":
        return nn.MaxPool2d(m.kernel_size, m.stride, m.padding, m.dilation,
                            ceil_mode=m.ceil_mode)
    if kind == "AvgPool2d":
        return nn.AvgPool2d(m.kernel_size, m.stride, m.padding, m.ceil_mode,
                            m.count_include_pad, m.divisor_override)
    if kind == "AdaptiveAvgPool2d":
        return nn.AdaptiveAvgPool2d(m.output_size)
    if kind == "Dropout":
        return nn.Dropout(m.p)
    if kind in ("ReLU", "Flatten"):
        return getattr(nn, kind)()
    raise TypeError(f"to_torch: no PyTorch twin for layer {kind}")


def _feature_classifier_class() -> type:
    from torch import nn  # noqa: PLC0415

    class FeaturesClassifier(nn.Module):
        def __init__(self, features: Any, classifier: Any, avgpool: Any) -> None:
            super().__init__()
            self.features, self.avgpool, self.classifier = features, avgpool, classifier

        def forward(self, x: Any) -> Any:
            x = self.features(x)
            if self.avgpool is not None:
                x = self.avgpool(x)
            return self.classifier(x.flatten(1))

    return FeaturesClassifier


def _TorchFeaturesClassifier(*args: Any) -> Any:  # noqa: N802 (a class made on demand)
    return _feature_classifier_class()(*args)


def parameter_count(model: Any) -> int:
    """Number of trainable numbers in a tinycnn or torch model."""
    return sum(int(p.numel()) for p in model.parameters())
