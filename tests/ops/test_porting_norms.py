"""LayerNorm, GroupNorm, InstanceNorm: PyTorch parity, float64 gradchecks, layers."""

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


def _f64(shape, seed):
    gen = np.random.default_rng(seed)
    return tinycnn.tensor(gen.uniform(-2, 2, shape), dtype=np.float64, requires_grad=True)


@pytest.mark.parametrize("shape,normalized", [((4, 6), (6,)), ((2, 3, 4, 5), (3, 4, 5)),
                                              ((2, 3, 4), (4,)), ((5,), (5,))])
def test_layer_norm(shape, normalized):
    check_op([shape, normalized, normalized],
             lambda x, w, b: F.layer_norm(x, normalized, w, b),
             lambda x, w, b: T.layer_norm(x, normalized, w, b), atol=1e-5, grad_atol=1e-4)
    check_op([shape], lambda x: F.layer_norm(x, normalized, eps=0.1),
             lambda x: T.layer_norm(x, normalized, eps=0.1), atol=1e-5, grad_atol=1e-4)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, normalized, w, b),
                     (_f64(shape, 0), _f64(normalized, 1), _f64(normalized, 2)))


@pytest.mark.parametrize("shape,groups", [((2, 6, 3, 3), 3), ((3, 4), 2), ((2, 4, 5), 1),
                                          ((2, 4, 2, 2), 4)])
def test_group_norm(shape, groups):
    c = (shape[1],)
    check_op([shape, c, c], lambda x, w, b: F.group_norm(x, groups, w, b),
             lambda x, w, b: T.group_norm(x, groups, w, b), atol=1e-5, grad_atol=1e-4)
    assert gradcheck(lambda x, w, b: F.group_norm(x, groups, w, b),
                     (_f64(shape, 0), _f64(c, 1), _f64(c, 2)))


def test_instance_norm_functional():
    check_op([(2, 3, 4, 5), (3,), (3,)], lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
             lambda x, w, b: T.instance_norm(x, weight=w, bias=b), atol=1e-5, grad_atol=1e-4)
    assert gradcheck(F.instance_norm, (_f64((2, 3, 3, 3), 0),))
    # running statistics: updated in training, used with use_input_stats=False
    x = np.random.default_rng(3).standard_normal((4, 3, 5, 5)).astype(np.float32) * 2 + 1
    rm, rv = tinycnn.zeros(3), tinycnn.ones(3)
    trm, trv = torch.zeros(3), torch.ones(3)
    F.instance_norm(tinycnn.tensor(x), rm, rv, momentum=0.3)
    T.instance_norm(torch.tensor(x), trm, trv, momentum=0.3)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-5, atol=1e-6)
    ours = F.instance_norm(tinycnn.tensor(x), rm, rv, use_input_stats=False)
    theirs = T.instance_norm(torch.tensor(x), trm, trv, use_input_stats=False)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("make", [
    lambda m: m.LayerNorm(5), lambda m: m.LayerNorm([4, 5], elementwise_affine=False),
    lambda m: m.LayerNorm(5, bias=False), lambda m: m.GroupNorm(2, 6),
    lambda m: m.GroupNorm(3, 6, affine=False), lambda m: m.InstanceNorm2d(6),
    lambda m: m.InstanceNorm2d(6, affine=True), lambda m: m.InstanceNorm1d(6, affine=True),
])
def test_layers_match_torch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    shape = (3, 6, 4, 5) if "1d" not in repr(ours) else (3, 6, 5)
    check_op([shape], ours, theirs, atol=1e-5, grad_atol=1e-4)


def test_instance_norm_running_stats_layer():
    ours = nn.InstanceNorm2d(3, track_running_stats=True, affine=True)
    theirs = torch.nn.InstanceNorm2d(3, track_running_stats=True, affine=True)
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 4)).astype(np.float32) * 3
    for _ in range(2):
        ours(tinycnn.tensor(x))
        theirs(torch.tensor(x))
    ours.eval()
    theirs.eval()
    check_op([x], ours, theirs, atol=1e-5, grad_atol=1e-4)
    # an unbatched image (C, H, W) works too
    check_op([x[0]], ours, theirs, atol=1e-5, grad_atol=1e-4)


def test_errors_and_empty_batch():
    with pytest.raises(ValueError, match="normalized_shape"):
        F.layer_norm(tinycnn.randn(2, 3), (4,))
    with pytest.raises(ValueError, match="num_groups"):
        F.group_norm(tinycnn.randn(2, 6, 3), 4)
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match="3 channels"):
        nn.InstanceNorm2d(3, affine=True)(tinycnn.randn(2, 4, 3, 3))
    x = tinycnn.zeros(0, 6, 3, 3, requires_grad=True)
    for layer in (nn.GroupNorm(2, 6), nn.LayerNorm([6, 3, 3]), nn.InstanceNorm2d(6),
                  nn.InstanceNorm2d(6, affine=True, track_running_stats=True)):
        y = layer(x)
        assert y.shape == (0, 6, 3, 3)
        y.sum().backward()
