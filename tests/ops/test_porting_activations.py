"""ELU, SiLU, Hardswish, Softplus, PReLU: PyTorch parity, float64 gradchecks, layers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_op

import tinycnn
import tinycnn.functional as F
import tinycnn.nn as nn
from tinycnn import gradcheck

T = torch.nn.functional

ELEMENTWISE = [
    (lambda x: F.elu(x), lambda x: T.elu(x)),
    (lambda x: F.elu(x, alpha=0.3), lambda x: T.elu(x, alpha=0.3)),
    (F.silu, T.silu),
    (F.hardswish, T.hardswish),
    (F.softplus, T.softplus),
    (lambda x: F.softplus(x, beta=2.0, threshold=3.0),
     lambda x: T.softplus(x, beta=2.0, threshold=3.0)),
    (lambda x: F.softplus(x, beta=-1.5), lambda x: T.softplus(x, beta=-1.5)),
]


@pytest.mark.parametrize("ours,theirs", ELEMENTWISE)
def test_elementwise_parity_and_gradcheck(ours, theirs):
    check_op([(3, 4, 5)], ours, theirs, low=-5, high=5, atol=1e-6)
    x = tinycnn.tensor(np.random.default_rng(1).uniform(-5, 5, (3, 7)), dtype=np.float64,
                       requires_grad=True)
    assert gradcheck(ours, (x,))


def test_hardswish_and_softplus_at_their_kinks():
    # x = -3 and 3 (hardswish) and beta*x = threshold (softplus): PyTorch's one-sided slopes
    x = np.array([-3.0, 3.0, -3.5, 2.0, 20.0, 20.5], dtype=np.float32)
    check_op([x], F.hardswish, T.hardswish)
    check_op([x], F.softplus, T.softplus)


def test_softplus_large_input_does_not_overflow():
    x = tinycnn.tensor([-1000.0, 1000.0, 15.0])
    y = F.softplus(x, threshold=1e9)
    assert np.isfinite(y.numpy()).all()
    np.testing.assert_allclose(y.numpy(), [0.0, 1000.0, 15.0], atol=1e-5)


@pytest.mark.parametrize("shape,channels", [((4, 3, 5, 5), 3), ((4, 3, 5, 5), 1), ((6, 2), 2),
                                            ((7,), 1), ((2, 3, 4), 3)])
def test_prelu_parity_and_gradcheck(shape, channels):
    w = np.random.default_rng(2).uniform(-0.5, 0.5, channels).astype(np.float32)
    check_op([shape, w], F.prelu, T.prelu)
    gen = np.random.default_rng(3)
    x = tinycnn.tensor(gen.uniform(-2, 2, shape), dtype=np.float64, requires_grad=True)
    a = tinycnn.tensor(w, dtype=np.float64, requires_grad=True)
    assert gradcheck(F.prelu, (x, a))


def test_prelu_rejects_wrong_weight():
    x = tinycnn.randn(2, 3, 4, 4)
    with pytest.raises(ValueError, match=r"weight of shape \(1,\) or \(3,\)"):
        F.prelu(x, tinycnn.ones(2))


def test_layers_match_torch_modules():
    x = np.random.default_rng(4).uniform(-3, 3, (2, 3, 4, 4)).astype(np.float32)
    pairs = [(nn.ELU(0.5), torch.nn.ELU(0.5)), (nn.SiLU(), torch.nn.SiLU()),
             (nn.Hardswish(), torch.nn.Hardswish()),
             (nn.Softplus(2.0, 10.0), torch.nn.Softplus(2.0, 10.0)),
             (nn.PReLU(3, init=0.1), torch.nn.PReLU(3, init=0.1)), (nn.PReLU(), torch.nn.PReLU())]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        check_op([x], ours, theirs)
    prelu = nn.PReLU(3)
    assert [n for n, _ in prelu.named_parameters()] == ["weight"]
    np.testing.assert_array_equal(prelu.weight.numpy(), np.full(3, 0.25, np.float32))
    out = prelu(tinycnn.randn(2, 3, 4, 4, requires_grad=True)).sum()
    out.backward()
    assert prelu.weight.grad.shape == (3,)


def test_empty_batch():
    x = tinycnn.zeros(0, 3, 4, 4, requires_grad=True)
    for f in (F.elu, F.silu, F.hardswish, F.softplus, nn.PReLU(3)):
        y = f(x)
        assert y.shape == (0, 3, 4, 4)
        y.sum().backward()
