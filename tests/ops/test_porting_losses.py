"""L1, smooth L1, Huber and KL-divergence losses: PyTorch parity, gradchecks, layers."""

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
REDUCTIONS = ["mean", "sum", "none"]


def _f64(shape, seed, low=-2.0, high=2.0):
    gen = np.random.default_rng(seed)
    return tinycnn.tensor(gen.uniform(low, high, shape), dtype=np.float64, requires_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("ours,theirs", [
    (lambda a, b, r: F.l1_loss(a, b, reduction=r), lambda a, b, r: T.l1_loss(a, b, reduction=r)),
    (lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r),
     lambda a, b, r: T.smooth_l1_loss(a, b, reduction=r)),
    (lambda a, b, r: F.smooth_l1_loss(a, b, None, None, r, 0.3),
     lambda a, b, r: T.smooth_l1_loss(a, b, None, None, r, 0.3)),
    (lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.0),
     lambda a, b, r: T.smooth_l1_loss(a, b, reduction=r, beta=0.0)),
    (lambda a, b, r: F.huber_loss(a, b, r), lambda a, b, r: T.huber_loss(a, b, r)),
    (lambda a, b, r: F.huber_loss(a, b, r, delta=2.5),
     lambda a, b, r: T.huber_loss(a, b, r, delta=2.5)),
])
def test_regression_losses(ours, theirs, reduction):
    check_op([(4, 5), (4, 5)], lambda a, b: ours(a, b, reduction),
             lambda a, b: theirs(a, b, reduction), atol=1e-6)
    assert gradcheck(lambda a, b: ours(a, b, reduction), (_f64((3, 4), 0), _f64((3, 4), 1)))


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    gen = np.random.default_rng(5)
    logp = np.log(gen.dirichlet(np.ones(6), size=4)).astype(np.float32)
    target = gen.dirichlet(np.ones(6), size=4).astype(np.float32)
    target[0, :2] = 0.0  # 0 log 0 = 0; the target's gradient there is nan in both
    if log_target:
        target = np.log(np.maximum(target, 1e-3))
    check_op([logp, target], lambda x, t: F.kl_div(x, t, reduction=reduction,
                                                    log_target=log_target),
             lambda x, t: T.kl_div(x, t, reduction=reduction, log_target=log_target),
             atol=1e-6)
    t64 = tinycnn.tensor(target[1:], dtype=np.float64, requires_grad=True)
    x64 = tinycnn.tensor(logp[1:], dtype=np.float64, requires_grad=True)
    assert gradcheck(lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target),
                     (x64, t64))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_l1_and_huber(reduction):
    w = np.random.default_rng(7).uniform(0.1, 2, (4, 5)).astype(np.float32)
    check_op([(4, 5), (4, 5), w], lambda a, b, w: F.l1_loss(a, b, reduction=reduction, weight=w),
             lambda a, b, w: T.l1_loss(a, b, reduction=reduction, weight=w), atol=1e-6)
    check_op([(4, 5), (4, 5), w],
             lambda a, b, w: F.huber_loss(a, b, reduction, 0.5, weight=w),
             lambda a, b, w: T.huber_loss(a, b, reduction, 0.5, weight=w), atol=1e-6)
    with pytest.raises(ValueError, match="weight of shape"):
        F.l1_loss(tinycnn.randn(4, 5), tinycnn.randn(4, 5), weight=tinycnn.ones(5))


def test_legacy_size_average_and_reduce():
    a, b = tinycnn.randn(3, 4), tinycnn.randn(3, 4)
    ta, tb = torch.tensor(a.numpy()), torch.tensor(b.numpy())
    for kw, want in (({"reduce": False}, "none"), ({"size_average": False}, "sum")):
        with pytest.warns(DeprecationWarning):
            ours = F.l1_loss(a, b, **kw)
        np.testing.assert_allclose(ours.numpy(), T.l1_loss(ta, tb, reduction=want).numpy(),
                                   rtol=1e-6)


def test_bad_arguments_are_named():
    a, b = tinycnn.randn(3, 4), tinycnn.randn(3, 4)
    with pytest.raises(ValueError, match="kl_div: reduction"):
        F.kl_div(a, b, reduction="avg")
    with pytest.raises(ValueError, match="huber_loss: delta must be positive"):
        F.huber_loss(a, b, delta=0)
    with pytest.raises(ValueError, match="smooth_l1_loss: beta"):
        F.smooth_l1_loss(a, b, beta=-1)
    with pytest.raises(ValueError, match="target shape"):
        F.l1_loss(a, tinycnn.randn(3, 5))


def test_layers_match_torch():
    gen = np.random.default_rng(6)
    x, y = gen.standard_normal((2, 3, 4)).astype(np.float32)
    pairs = [(nn.L1Loss(), torch.nn.L1Loss()),
             (nn.SmoothL1Loss(beta=0.5, reduction="sum"),
              torch.nn.SmoothL1Loss(beta=0.5, reduction="sum")),
             (nn.HuberLoss("none", 0.7), torch.nn.HuberLoss("none", 0.7)),
             (nn.KLDivLoss(reduction="batchmean", log_target=True),
              torch.nn.KLDivLoss(reduction="batchmean", log_target=True))]
    for ours, theirs in pairs:
        check_op([x, y], ours, theirs, atol=1e-6)
        assert repr(ours) == repr(theirs)
    with pytest.raises(ValueError, match="batchmean"):
        nn.KLDivLoss(reduction="batch")


def test_empty_batch_mean_is_nan_like_torch():
    for f, g in ((F.l1_loss, T.l1_loss), (F.huber_loss, T.huber_loss)):
        ours = f(tinycnn.zeros(0, 3), tinycnn.zeros(0, 3)).item()
        assert np.isnan(ours) and np.isnan(g(torch.zeros(0, 3), torch.zeros(0, 3)).item())
