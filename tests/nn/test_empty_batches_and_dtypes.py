"""Empty batches (N = 0) and mixed dtypes, as PyTorch handles them.

Every layer takes a batch of zero samples and returns an empty batch of the right shape
(its backward gives empty input gradients and zero parameter gradients); losses give
PyTorch's values (the mean of nothing is NaN). A parameterised layer given input of
another dtype than its parameters raises a TypeError naming both dtypes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import tinycnn
import tinycnn.functional as F
from tinycnn import nn

LAYERS = {
    "Conv2d": (lambda m: m.Conv2d(3, 4, 3), (0, 3, 8, 8)),
    "Conv2d grouped": (lambda m: m.Conv2d(4, 4, 3, groups=2, padding=1), (0, 4, 8, 8)),
    "Conv2d 1x1 tiny": (lambda m: m.Conv2d(2, 3, 1), (0, 2, 2, 2)),
    "BatchNorm2d train": (lambda m: m.BatchNorm2d(3), (0, 3, 8, 8)),
    "BatchNorm2d eval": (lambda m: m.BatchNorm2d(3).eval(), (0, 3, 8, 8)),
    "BatchNorm1d eval": (lambda m: m.BatchNorm1d(3).eval(), (0, 3)),
    "MaxPool2d": (lambda m: m.MaxPool2d(2), (0, 3, 8, 8)),
    "MaxPool2d 3x3": (lambda m: m.MaxPool2d(3, 2, 1), (0, 3, 8, 8)),
    "AvgPool2d": (lambda m: m.AvgPool2d(2), (0, 3, 8, 8)),
    "AdaptiveAvgPool2d": (lambda m: m.AdaptiveAvgPool2d(2), (0, 3, 8, 8)),
    "AdaptiveMaxPool2d": (lambda m: m.AdaptiveMaxPool2d(3), (0, 3, 8, 8)),
    "Linear": (lambda m: m.Linear(3, 4), (0, 3)),
    "Dropout": (lambda m: m.Dropout(0.5), (0, 3)),
    "Dropout2d": (lambda m: m.Dropout2d(0.5), (0, 3, 4, 4)),
    "ReLU": (lambda m: m.ReLU(), (0, 3)),
    "Flatten": (lambda m: m.Flatten(), (0, 3, 2, 2)),
    "Upsample": (lambda m: m.Upsample(scale_factor=2), (0, 3, 2, 2)),
    "LogSoftmax": (lambda m: m.LogSoftmax(dim=1), (0, 3)),
}


@pytest.mark.parametrize("name", LAYERS)
def test_layer_takes_an_empty_batch(name):
    make, shape = LAYERS[name]
    expected = make(torch.nn)(torch.zeros(shape)).shape
    layer = make(nn)
    x = tinycnn.zeros(shape, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = layer(x)
        y.sum().backward()
    assert y.shape == tuple(expected)
    assert x.grad is not None and x.grad.shape == shape
    for p in layer.parameters():
        assert p.grad is not None and not np.any(p.grad.numpy())


def test_batch_norm_empty_batch_leaves_running_statistics():
    bn = nn.BatchNorm2d(3)
    bn.running_mean.data[...] = 2.0
    bn(tinycnn.zeros(0, 3, 4, 4))
    np.testing.assert_array_equal(bn.running_mean.numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(bn.running_var.numpy(), [1.0, 1.0, 1.0])
    assert int(bn.num_batches_tracked.item()) == 1  # counted, as PyTorch does


def test_model_forward_and_backward_on_an_empty_batch():
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 10))
    logits = net(tinycnn.zeros(0, 1, 8, 8))
    assert logits.shape == (0, 10)
    F.cross_entropy(logits, tinycnn.tensor(np.zeros(0, np.int64)), reduction="sum").backward()
    assert all(not np.any(p.grad.numpy()) for p in net.parameters())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss", "mse_loss",
                                  "binary_cross_entropy_with_logits"])
def test_losses_on_an_empty_batch_match_pytorch(loss, reduction):
    if loss in ("cross_entropy", "nll_loss"):
        target = np.zeros(0, np.int64)
    else:
        target = np.zeros((0, 3), np.float32)
    expected = getattr(torch.nn.functional, loss)(torch.zeros(0, 3), torch.tensor(target),
                                                  reduction=reduction)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = getattr(F, loss)(tinycnn.zeros(0, 3), tinycnn.tensor(target), reduction=reduction)
    assert got.shape == tuple(expected.shape)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("make", [lambda: nn.BatchNorm2d(3), lambda: nn.BatchNorm2d(3).eval(),
                                  lambda: nn.BatchNorm2d(3, affine=False),
                                  lambda: nn.BatchNorm2d(3, affine=False).eval(),
                                  lambda: nn.Conv2d(3, 2, 1), lambda: nn.Linear(3, 2)],
                         ids=["BatchNorm2d", "BatchNorm2d eval", "BatchNorm2d no affine",
                              "BatchNorm2d no affine eval", "Conv2d", "Linear"])
def test_parameterised_layer_rejects_input_of_another_dtype(make):
    layer = make()
    x = tinycnn.randn(2, 3, 4, 4) if not isinstance(layer, nn.Linear) else tinycnn.randn(2, 3)
    with pytest.raises(TypeError, match="float64.*float32"):
        layer(x.double())
