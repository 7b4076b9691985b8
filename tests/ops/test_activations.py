"""Activations, (log-)softmax and dropout: PyTorch parity, gradient checks, statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import check_op

import tinycnn
import tinycnn.functional as F

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
