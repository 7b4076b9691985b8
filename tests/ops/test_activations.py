"""Activations (ReLU family, ELU, SiLU, Hardswish, Softplus, PReLU), (log-)softmax and dropout:
PyTorch parity, float64 gradient checks, layers, statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import check_op

import tinycnn
import tinycnn.functional as F
import tinycnn.nn as nn
from tinycnn import gradcheck

ACTIVATIONS = [
    ("relu", F.relu, TF.relu),
    ("leaky_relu", F.leaky_relu, TF.leaky_relu),
    ("leaky_relu_0.2", lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    ("sigmoid", F.sigmoid, torch.sigmoid),
    ("tanh", F.tanh, torch.tanh),
    ("gelu", F.gelu, TF.gelu),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
     lambda x: TF.gelu(x, approximate="tanh")),
    ("softmax_1", lambda x: F.softmax(x, 1), lambda x: TF.softmax(x, 1)),
    ("softmax_-1", lambda x: F.softmax(x, dim=-1), lambda x: TF.softmax(x, dim=-1)),
    ("log_softmax_1", lambda x: F.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1)),
    ("log_softmax_0", lambda x: F.log_softmax(x, 0), lambda x: TF.log_softmax(x, 0)),
]


@pytest.mark.parametrize("name,ours,theirs", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_matches_torch(name, ours, theirs):
    check_op([(4, 5, 3)], ours, theirs, low=-4, high=4)


@pytest.mark.parametrize("name,ours,theirs", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_extreme_inputs(name, ours, theirs):
    """Large magnitudes: no overflow, no NaN, same values and gradients as torch."""
    x = np.array([[-1e4, -90.0, -20.0, -1e-3, 0.5, 20.0, 90.0, 1e4]], dtype=np.float32)
    check_op([x], ours, theirs, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("name,ours,theirs", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_gradcheck(name, ours, theirs):
    # keep clear of relu's kink at 0, where the derivative is not defined
    x = np.random.default_rng(0).uniform(0.1, 2, (3, 4)) * np.array([1, -1, 1, -1])
    assert tinycnn.gradcheck(ours, [tinycnn.tensor(x, dtype=np.float64, requires_grad=True)])


def test_activation_bad_input():
    with pytest.raises(TypeError, match="floating point input"):
        F.relu(tinycnn.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        F.gelu(tinycnn.randn(3), approximate="erf")
    with pytest.raises(IndexError, match="out of range"):
        F.softmax(tinycnn.randn(2, 3), dim=2)
    with pytest.raises(TypeError, match="dim must be an int"):
        F.log_softmax(tinycnn.randn(2, 3), None)
    with pytest.raises(TypeError, match="input must be a Tensor"):
        F.sigmoid(np.zeros(3))


# --- dropout ------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_statistics_and_scaling(p):
    x = tinycnn.ones(200, 100, requires_grad=True)
    y = F.dropout(x, p)
    v = y.numpy()
    kept = v != 0
    assert abs(kept.mean() - (1 - p)) < 0.02          # 20,000 draws: 4+ standard errors
    np.testing.assert_allclose(v[kept], 1 / (1 - p), rtol=1e-6)
    assert y.dtype == np.float32
    y.sum().backward()                                  # gradient: the same mask
    np.testing.assert_array_equal(x.grad.numpy(), v)


def test_dropout_eval_identity_and_edge_probabilities():
    x = tinycnn.randn(4, 5, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert (F.dropout(x, 1.0).numpy() == 0).all()


def test_dropout_is_seeded_by_manual_seed():
    tinycnn.manual_seed(123)
    a = F.dropout(tinycnn.ones(50), 0.5).numpy()
    tinycnn.manual_seed(123)
    b = F.dropout(tinycnn.ones(50), 0.5).numpy()
    c = F.dropout(tinycnn.ones(50), 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


@pytest.mark.parametrize("shape", [(8, 16, 3, 3), (16, 3, 3)])
def test_dropout2d_drops_whole_channels(shape):
    x = tinycnn.ones(*shape, requires_grad=True)
    v = F.dropout2d(x, 0.5).numpy()
    per_channel = v.reshape(-1, 9)
    assert ((per_channel == 0).all(axis=1) | (per_channel == 2).all(axis=1)).all()
    assert 0.2 < (per_channel[:, 0] == 0).mean() < 0.8
    F.dropout2d(x, 0.5).sum().backward()
    assert x.grad.shape == x.shape


def test_dropout_bad_input():
    with pytest.raises(ValueError, match="between 0 and 1, got 1.5"):
        F.dropout(tinycnn.randn(3), 1.5)
    with pytest.raises(ValueError, match=r"rank 4 .* got shape \(3, 4\)"):
        F.dropout2d(tinycnn.randn(3, 4))


# --- ELU, SiLU, Hardswish, Softplus, PReLU ----------------------------------------------

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


# --- ReLU6 ------------------------------------------------------------------------------


def test_relu6_matches_torch():
    x = np.array([-3.0, -0.0, 0.0, 0.5, 5.9, 6.0, 6.1, 100.0, np.nan], dtype=np.float32)
    check_op([x], F.relu6, torch.nn.functional.relu6)
    check_op([(3, 4)], lambda v: nn.ReLU6()(v), torch.nn.ReLU6(), low=-3, high=9)


def test_relu6_gradcheck():
    gen = np.random.default_rng(5)
    v = gen.uniform(-2, 8, 40)
    v = v[(np.abs(v) > 0.05) & (np.abs(v - 6) > 0.05)]  # away from the kinks
    assert gradcheck(F.relu6, tinycnn.tensor(v, dtype=np.float64, requires_grad=True))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_of_a_zero_dim_tensor(approximate):
    # x * const of a 0-d array is a NumPy scalar: the kernels took it for a CuPy array
    x = tinycnn.tensor(1.5, requires_grad=True)
    y = F.gelu(x, approximate=approximate)
    y.backward()
    tx = torch.tensor(1.5, requires_grad=True)
    ty = TF.gelu(tx, approximate=approximate)
    ty.backward()
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


# --- inplace=True writes into the input, as in PyTorch --------------------------------------

@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "elu", "silu", "hardswish",
                                  "hardtanh", "hardsigmoid", "mish"])
def test_functional_inplace_writes_into_the_input(name):
    x = np.array([-3.0, -0.5, 0.5, 7.0], np.float32)
    ours, theirs = tinycnn.tensor(x), torch.tensor(x)
    out = getattr(F, name)(ours, inplace=True)
    getattr(TF, name)(theirs, inplace=True)
    assert out is ours
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    # inside a graph the input takes over the recorded result and the gradient is right
    w = tinycnn.tensor(x, requires_grad=True)
    h = w * 1
    getattr(F, name)(h, inplace=True).sum().backward()
    wt = torch.tensor(x, requires_grad=True)
    ht = wt * 1
    getattr(TF, name)(ht, inplace=True).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-5, atol=1e-6)
