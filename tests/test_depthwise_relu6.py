"""EfficientNet-Lite's building blocks: depthwise convolution (its numba kernels and the
reference twin) and ReLU6, with float64 gradient checks and PyTorch parity."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_op

import tinycnn
import tinycnn.functional as F
from tinycnn import gradcheck, nn
from tinycnn.kernels import cpu_depthwise, reference

# (N, C, M, H, W, k, stride, padding, dilation): M is the depth multiplier (O = C*M)
CASES = [
    (2, 3, 1, 7, 8, 3, 1, 1, 1),
    (2, 4, 1, 9, 9, 5, 2, 2, 1),
    (1, 3, 2, 8, 7, 3, 2, 0, 1),
    (2, 2, 3, 8, 8, 3, 1, 2, 2),
    (2, 5, 1, 6, 5, 1, 1, 0, 1),
]


def _conv(c, s, p, d):
    return lambda x, w, b: F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=c)


def _torch_conv(c, s, p, d):
    return lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride=s, padding=p,
                                                       dilation=d, groups=c)


@pytest.mark.parametrize("kernels", ["auto", "reference"])
@pytest.mark.parametrize("case", CASES)
def test_depthwise_matches_torch(monkeypatch, kernels, case):
    monkeypatch.setenv("TINYCNN_KERNELS", kernels)
    n, c, m, h, w, k, s, p, d = case
    check_op([(n, c, h, w), (c * m, 1, k, k), (c * m,)], _conv(c, s, p, d),
             _torch_conv(c, s, p, d), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("kernels", ["auto", "reference"])
@pytest.mark.parametrize("case", CASES[:4])
def test_depthwise_gradcheck(monkeypatch, kernels, case):
    monkeypatch.setenv("TINYCNN_KERNELS", kernels)
    n, c, m, h, w, k, s, p, d = case
    gen = np.random.default_rng(1)
    x, wt, b = (tinycnn.tensor(gen.uniform(-1, 1, shape), dtype=np.float64, requires_grad=True)
                for shape in [(n, c, h, w), (c * m, 1, k, k), (c * m,)])
    assert gradcheck(_conv(c, s, p, d), (x, wt, b))


@pytest.mark.parametrize("case", CASES)
def test_numba_kernels_equal_reference(case):
    n, c, m, h, w, k, s, p, d = case
    gen = np.random.default_rng(2)
    x = gen.standard_normal((n, c, h, w))
    wt = gen.standard_normal((c * m, 1, k, k))
    b = gen.standard_normal(c * m)
    geometry = ((s, s), (p, p), (d, d))
    out = ((h + 2 * p - d * (k - 1) - 1) // s + 1, (w + 2 * p - d * (k - 1) - 1) // s + 1)
    y = cpu_depthwise.depthwise_forward(x, wt, b, *geometry, out)
    np.testing.assert_allclose(y, reference.depthwise_forward(x, wt, b, *geometry, out),
                               rtol=1e-12, atol=1e-12)
    gy = gen.standard_normal(y.shape)
    np.testing.assert_allclose(cpu_depthwise.depthwise_backward_input(gy, wt, x.shape, *geometry),
                               reference.depthwise_backward_input(gy, wt, x.shape, *geometry),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cpu_depthwise.depthwise_backward_weight(gy, x, k, k, *geometry),
                               reference.depthwise_backward_weight(gy, x, k, k, *geometry),
                               rtol=1e-12, atol=1e-12)


def test_depthwise_asymmetric_padding_like_tensorflow_same():
    """TF's "same" for a stride-2 layer pads (0, 1): F.pad then a depthwise conv."""
    x = np.random.default_rng(3).standard_normal((1, 4, 8, 8)).astype(np.float32)
    w = np.random.default_rng(4).standard_normal((4, 1, 3, 3)).astype(np.float32)
    ours = F.conv2d(F.pad(tinycnn.tensor(x), (0, 1, 0, 1)), tinycnn.tensor(w), stride=2,
                    groups=4)
    theirs = torch.nn.functional.conv2d(torch.nn.functional.pad(torch.tensor(x), (0, 1, 0, 1)),
                                        torch.tensor(w), stride=2, groups=4)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


def test_depthwise_module_without_bias_and_frozen_weights():
    conv = nn.Conv2d(6, 6, 3, padding=1, groups=6, bias=False)
    conv.weight.requires_grad = False
    x = tinycnn.tensor(np.ones((2, 6, 5, 5), dtype=np.float32), requires_grad=True)
    conv(x).sum().backward()
    assert x.grad.shape == x.shape and conv.weight.grad is None


def test_relu6_matches_torch():
    x = np.array([-3.0, -0.0, 0.0, 0.5, 5.9, 6.0, 6.1, 100.0, np.nan], dtype=np.float32)
    check_op([x], F.relu6, torch.nn.functional.relu6)
    check_op([(3, 4)], lambda v: nn.ReLU6()(v), torch.nn.ReLU6(), low=-3, high=9)


def test_relu6_gradcheck():
    gen = np.random.default_rng(5)
    v = gen.uniform(-2, 8, 40)
    v = v[(np.abs(v) > 0.05) & (np.abs(v - 6) > 0.05)]  # away from the kinks
    assert gradcheck(F.relu6, tinycnn.tensor(v, dtype=np.float64, requires_grad=True))


@pytest.mark.cuda
@pytest.mark.parametrize("case", CASES[:3])
def test_depthwise_and_relu6_on_the_gpu(case):
    n, c, m, h, w, k, s, p, d = case
    check_op([(n, c, h, w), (c * m, 1, k, k), (c * m,)], _conv(c, s, p, d),
             _torch_conv(c, s, p, d), atol=1e-5, rtol=1e-4, device="cuda")
    check_op([(3, 4)], F.relu6, torch.nn.functional.relu6, low=-3, high=9, device="cuda")
