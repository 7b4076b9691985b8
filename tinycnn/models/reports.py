"""The networks the course reports build, with their parameter counts.

Sources (the course reports, cited by number as in docs/reproductions.md):
- report 000: DeDiosNet 1 and 2 (Julia/Flux, CIFAR-100);
- report 001: a 49,268-parameter Keras CNN for CIFAR-10 (first table);
- report 002: the conv-layers x FC-layers grid and its "final architecture";
- report 004: the "Simple CNN" for MNIST (813,802 parameters).
Report 001's DenseNet is in densenet.py, report 004's reduced AlexNet in alexnet.py.

Every net returns logits; the reports' final softmax is left to the loss
(`cross_entropy` takes logits), as in PyTorch.
"""

from __future__ import annotations

from pathlib import Path

from .. import nn
from .base import FeaturesClassifier
from .preprocessing import CIFAR10, CIFAR100, MNIST, Preprocessing
from .weights import load_pretrained


def _report_net(arch: str, head_name: str, preprocessing: Preprocessing, features: nn.Module,
                classifier: nn.Module) -> FeaturesClassifier:
    """A `FeaturesClassifier` that knows its registry name, head and preprocessing."""
    model = FeaturesClassifier(features, classifier)
    model.arch, model.head_name, model.preprocessing = arch, head_name, preprocessing
    return model


# --------------------------------------------------------------------------- report 004


def simple_cnn_mnist(num_classes: int = 10, weights: str | Path | None = None) -> FeaturesClassifier:
    """Report 004's "Simple CNN" for MNIST: 813,802 trainable parameters (10 classes).

    x: (N, 1, 28, 28). The report gives only the count; this is the standard Keras/PyTorch
    MNIST example with exactly that count: conv 32@3x3 pad 1, ReLU, conv 32@3x3 pad 1, ReLU,
    max-pool 2, dropout 0.25, flatten 32*14*14 = 6,272, linear 128, ReLU, dropout 0.5,
    linear num_classes. The report's "intermediate features" (after the first linear layer)
    are ``feature_extractor(model, "classifier.1")``.
    """
    features = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25),
    )
    classifier = nn.Sequential(
        nn.Linear(32 * 14 * 14, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, num_classes),
    )
    model = _report_net("simple_cnn_mnist", "classifier.3", MNIST, features, classifier)
    return load_pretrained(model, weights)


# --------------------------------------------------------------------------- report 000


def dediosnet1(num_classes: int = 100, weights: str | Path | None = None) -> FeaturesClassifier:
    """Report 000's DeDiosNet 1 (Flux) for 32x32 CIFAR-100: 3,133,464 parameters (100 classes).

    x: (N, 3, 32, 32). As listed: three conv 3x3 with padding 2 (the output grows by 2:
    32 -> 34 -> pool 17 -> 19 -> pool 9 -> 11 -> pool 5), ReLU, max-pool 2, then
    Dense(800, 1024), Dense(1024, 2048), Dropout(0.5), Dense(2048, classes). Flux's Dense
    has no activation unless given one, and the listing gives none, so the three dense
    layers are affine maps in a row; this is kept to match the report.
    """
    features = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 20, 3, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(20, 32, 3, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    )
    classifier = nn.Sequential(
        nn.Linear(32 * 5 * 5, 1024), nn.Linear(1024, 2048), nn.Dropout(0.5),
        nn.Linear(2048, num_classes),
    )
    model = _report_net("dediosnet1", "classifier.3", CIFAR100, features, classifier)
    return load_pretrained(model, weights)


def dediosnet2(num_classes: int = 100, weights: str | Path | None = None) -> FeaturesClassifier:
    """Report 000's DeDiosNet 2 for 32x32 CIFAR-100, made consistent: 68,004 parameters.

    x: (N, 3, 32, 32). Three conv 5x5 pad 2 (+ReLU), the first two followed by BatchNorm,
    each by max-pool 2: 32 -> 16 -> 8 -> 4, so the flattened size is 32*4*4 = 512.

    The report's listing cannot run: it puts BatchNorm(16) after an 8-channel conv, and
    Dense(800, classes) after three same-padded convs and pools of a 32x32 input (which
    give 512 features, not 800). Its 96,820 parameters are the count of that listing
    (BatchNorm counted as 2 trainable values per channel, as Flux does). The nearest net
    that runs uses BatchNorm(8) and Linear(512, classes):
    96,820 - 2*(16-8) - (800-512)*100 = 68,004 trainable parameters for 100 classes.
    Order as in Flux: conv -> ReLU -> BatchNorm -> max-pool.
    """
    features = nn.Sequential(
        nn.Conv2d(3, 8, 5, padding=2), nn.ReLU(), nn.BatchNorm2d(8), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5, padding=2), nn.ReLU(), nn.BatchNorm2d(16), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    )
    classifier = nn.Sequential(nn.Linear(32 * 4 * 4, num_classes))
    model = _report_net("dediosnet2", "classifier.0", CIFAR100, features, classifier)
    return load_pretrained(model, weights)


# --------------------------------------------------------------------------- report 001


def cifar_cnn_49k(num_classes: int = 10, weights: str | Path | None = None) -> FeaturesClassifier:
    """Report 001's first CIFAR-10 CNN (Keras): 49,268 parameters (10 classes).

    x: (N, 3, 32, 32). Output shapes as in the report's table (NCHW here):
    conv 30@3x3 'same' (30, 32, 32), conv 30@3x3 'valid' (30, 30, 30), max-pool (30, 15, 15),
    dropout, conv 48@3x3 'valid' (48, 13, 13), max-pool (48, 6, 6), conv 48@3x3 'valid'
    (48, 4, 4), max-pool (48, 2, 2), dropout, flatten 192, dense 32, dropout, dense 10.
    The table hides activations and dropout rates: ReLU after every conv and the dense 32
    layer, and rates 0.25 / 0.25 / 0.5 (the usual Keras CIFAR-10 example) are assumed.
    """
    features = nn.Sequential(
        nn.Conv2d(3, 30, 3, padding=1), nn.ReLU(),
        nn.Conv2d(30, 30, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Conv2d(30, 48, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(48, 48, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
    )
    classifier = nn.Sequential(
        nn.Linear(48 * 2 * 2, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, num_classes),
    )
    model = _report_net("cifar_cnn_49k", "classifier.3", CIFAR10, features, classifier)
    return load_pretrained(model, weights)


# --------------------------------------------------------------------------- report 002

_ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def grid_cnn(n_conv: int = 7, n_fc: int = 3, *, width: int = 100, fc_width: int = 100,
             batch_norm: bool = False, activation: str = "relu", num_classes: int = 10,
             in_channels: int = 3, input_size: int = 32,
             weights: str | Path | None = None) -> FeaturesClassifier:
    """Report 002's CIFAR-10 nets: ``n_conv`` 3x3 convs and ``n_fc`` linear layers.

    x: (N, in_channels, input_size, input_size) -> logits (N, num_classes).

    Layout (report 002, "final architecture": 2 convs, pool, 5 convs, pool, 3 FC): the first
    ``min(2, n_conv)`` convs, max-pool 2, the remaining convs, max-pool 2 (only if any
    remain), flatten, ``n_fc - 1`` hidden linear layers with the activation, and the output
    layer. Convs are 3x3 with padding 1; with ``batch_norm`` each conv is followed by
    BatchNorm2d before the activation ("relu", "sigmoid" or "tanh": the report's
    activation and batch-norm experiments).

    The report's widths ("number of kernels keep increasing by a factor of 100 in addition
    to previous layers"; "3 fully connected layers with size 100 increasing with a factor
    of 100, including the 10-way output") are read as *additive* steps: conv ``i`` (1-based)
    has ``width * i`` kernels, and the hidden linear layers, read from the output backwards,
    have ``fc_width``, ``2 * fc_width``, ... features. The final architecture is
    ``grid_cnn(7, 3)``: convs 100, 200 | 300, 400, 500, 600, 700, linear 44,800 -> 200 ->
    100 -> 10, 19,066,810 parameters. Pass a smaller ``width`` for CPU experiments.
    """
    if n_conv < 1 or n_fc < 1:
        raise ValueError(f"grid_cnn: n_conv and n_fc must be >= 1, got n_conv={n_conv}, n_fc={n_fc}")
    if activation not in _ACTIVATIONS:
        raise ValueError(f"grid_cnn: activation must be one of {sorted(_ACTIVATIONS)}, "
                         f"got {activation!r}")
    act = _ACTIVATIONS[activation]
    layers: list[nn.Module] = []
    channels, size = in_channels, input_size
    for i in range(1, n_conv + 1):
        layers.append(nn.Conv2d(channels, width * i, 3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(width * i))
        layers.append(act())
        channels = width * i
        if i == min(2, n_conv) or i == n_conv:  # end of a stage: pool
            layers.append(nn.MaxPool2d(2))
            size //= 2
    if size < 1:
        raise ValueError(f"grid_cnn: input_size={input_size} is too small for two 2x2 poolings")
    fc: list[nn.Module] = []
    features_in = channels * size * size
    for k in range(n_fc - 1, 0, -1):
        fc += [nn.Linear(features_in, fc_width * k), act()]
        features_in = fc_width * k
    fc.append(nn.Linear(features_in, num_classes))
    model = _report_net("grid_cnn", f"classifier.{len(fc) - 1}", CIFAR10, nn.Sequential(*layers),
                        nn.Sequential(*fc))
    return load_pretrained(model, weights)
