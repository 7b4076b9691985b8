"""batch_norm: PyTorch parity in training and evaluation, running statistics, gradients;
LayerNorm, GroupNorm, InstanceNorm: PyTorch parity, float64 gradchecks, layers."""

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


def _stats(c, seed=0):
    gen = np.random.default_rng(seed)
    return (gen.standard_normal(c).astype(np.float32),
            gen.uniform(0.5, 2.0, c).astype(np.float32))


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_without_grad_matches_torch(monkeypatch, training, affine):
    """Under no_grad (inference) the output comes from x * scale + shift, without the
    fused kernel and its x-hat; the numbers are PyTorch's all the same."""
    from tinycnn import kernels  # noqa: PLC0415

    monkeypatch.setattr(kernels, "batchnorm_forward", None)  # must not be called
    gen = np.random.default_rng(3)
    x = (gen.standard_normal((4, 3, 5, 6)) * 3 + 2).astype(np.float32)
    w, b = (gen.standard_normal(3).astype(np.float32) if affine else None for _ in "wb")
    rm, rv = _stats(3)
    with tinycnn.no_grad():
        ours = F.batch_norm(tinycnn.tensor(x), tinycnn.tensor(rm), tinycnn.tensor(rv),
                            None if w is None else tinycnn.tensor(w),
                            None if b is None else tinycnn.tensor(b), training=training)
    theirs = TF.batch_norm(torch.tensor(x), torch.tensor(rm), torch.tensor(rv),
                           None if w is None else torch.tensor(w),
                           None if b is None else torch.tensor(b), training=training)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=2e-5, rtol=1e-5)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5, 5), (4, 3, 7)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_matches_torch(shape, training, affine):
    c = shape[1]
    rm, rv = _stats(c)
    ours_stats = [tinycnn.tensor(rm), tinycnn.tensor(rv)]
    theirs_stats = [torch.tensor(rm), torch.tensor(rv)]
    inputs = [shape, (c,), (c,)] if affine else [shape]

    def ours(x, w=None, b=None):
        return F.batch_norm(x, *ours_stats, w, b, training=training, momentum=0.2)

    def theirs(x, w=None, b=None):
        return TF.batch_norm(x, *theirs_stats, w, b, training=training, momentum=0.2)

    # atol: the normalized values are O(1) and the input gradient sums N*H*W terms
    check_op(inputs, ours, theirs, atol=1e-5, rtol=1e-5, grad_atol=3e-5)
    # the running statistics were updated in place exactly as torch did (unbiased var)
    np.testing.assert_allclose(ours_stats[0].numpy(), theirs_stats[0].numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(ours_stats[1].numpy(), theirs_stats[1].numpy(), rtol=1e-5,
                               atol=1e-6)
    assert ours_stats[0].dtype == np.float32
    if training:
        assert not np.allclose(ours_stats[0].numpy(), rm)


def test_batch_norm_without_running_stats_in_training():
    check_op([(6, 4, 3, 3), (4,), (4,)],
             lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
             lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
             atol=1e-5, grad_atol=3e-5)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(training):
    rm, rv = _stats(3)
    x = tinycnn.randn(4, 3, 2, 2, requires_grad=True)
    w = tinycnn.randn(3, requires_grad=True)
    b = tinycnn.randn(3, requires_grad=True)
    # fresh running stats for every call: gradcheck evaluates the function many times
    assert tinycnn.gradcheck(
        lambda x, w, b: F.batch_norm(x, tinycnn.tensor(rm, dtype=x.dtype),
                                     tinycnn.tensor(rv, dtype=x.dtype), w, b,
                                     training=training), [x, w, b])


def test_batch_norm_output_is_normalized_in_training():
    x = tinycnn.randn(16, 4, 5, 5) * 3 + 7
    y = F.batch_norm(x, None, None, training=True).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-3)


@pytest.mark.parametrize("call,err,match", [
    (lambda x, s: F.batch_norm(x, tinycnn.zeros(4), s[1], training=True), ValueError,
     r"running_mean of shape \(3,\) .* got \(4,\)"),
    (lambda x, s: F.batch_norm(x[:1, :, :1, :1], *s, training=True), ValueError,
     "more than 1 value per channel"),
    (lambda x, s: F.batch_norm(x, None, None, training=False), ValueError,
     "required when training=False"),
    (lambda x, s: F.batch_norm(x[0, 0, 0], *s), ValueError, r"\(N, C, \.\.\.\)"),
    (lambda x, s: F.batch_norm(x, *s, momentum=None), ValueError, "num_batches_tracked"),
    (lambda x, s: F.batch_norm(x, *s, weight=tinycnn.ones(2)), ValueError,
     r"weight of shape \(3,\)"),
])
def test_batch_norm_bad_input(call, err, match):
    stats = (tinycnn.zeros(3), tinycnn.ones(3))
    with pytest.raises(err, match=match):
        call(tinycnn.randn(2, 3, 4, 4), stats)


# --- LayerNorm, GroupNorm, InstanceNorm -------------------------------------------------

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
