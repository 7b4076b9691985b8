"""Losses: PyTorch parity (every option), float64 gradient checks, bad labels and shapes;
L1, smooth L1, Huber and KL divergence with their layers."""

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

GEN = np.random.default_rng(11)
LABELS = GEN.integers(0, 5, size=6)
LABELS_IGNORED = np.where(np.arange(6) % 3 == 0, -100, LABELS)
CLASS_WEIGHT = GEN.uniform(0.2, 2.0, 5).astype(np.float32)


def _ce_case(labels, weight, **kw):
    def ours(x, y):
        w = None if weight is None else tinycnn.tensor(weight)
        return F.cross_entropy(x, y, weight=w, **kw)

    def theirs(x, y):
        w = None if weight is None else torch.tensor(weight)
        return TF.cross_entropy(x, y, weight=w, **kw)
    return ours, theirs


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("labels", [LABELS, LABELS_IGNORED], ids=["plain", "ignore_index"])
@pytest.mark.parametrize("weight", [None, CLASS_WEIGHT], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_matches_torch(reduction, labels, weight, smoothing):
    ours, theirs = _ce_case(labels, weight, reduction=reduction, label_smoothing=smoothing)
    check_op([(6, 5), labels], ours, theirs, low=-3, high=3)


def test_cross_entropy_spatial_and_custom_ignore_index():
    labels = GEN.integers(0, 4, size=(2, 3, 3))
    labels[0, 0, 0] = 2
    ours, theirs = _ce_case(labels, CLASS_WEIGHT[:4], ignore_index=2, label_smoothing=0.2)
    check_op([(2, 4, 3, 3), labels], ours, theirs)


@pytest.mark.parametrize("weight", [None, CLASS_WEIGHT], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_cross_entropy_probability_targets(weight, reduction):
    probs = GEN.dirichlet(np.ones(5), size=6).astype(np.float32)
    ours, theirs = _ce_case(None, weight, reduction=reduction, label_smoothing=0.1)
    check_op([(6, 5), probs], ours, theirs, grad=[True, False])


def test_cross_entropy_unbatched_and_extreme_logits():
    check_op([(5,), np.array(3)], lambda x, y: F.cross_entropy(x, y),
             lambda x, y: TF.cross_entropy(x, y))
    x = np.array([[1e4, -1e4, 0.0], [-50.0, 50.0, 0.0]], dtype=np.float32)
    check_op([x, np.array([1, 1])], F.cross_entropy, TF.cross_entropy)


def test_cross_entropy_stays_float32_with_int64_labels():
    loss = F.cross_entropy(tinycnn.randn(4, 3, requires_grad=True),
                           tinycnn.tensor(np.array([0, 1, 2, 1], dtype=np.int64)))
    assert loss.dtype == np.float32 and loss.shape == ()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, CLASS_WEIGHT], ids=["unweighted", "weighted"])
def test_nll_loss_matches_torch(reduction, weight):
    def ours(x, y):
        w = None if weight is None else tinycnn.tensor(weight)
        return F.nll_loss(F.log_softmax(x, 1), y, weight=w, reduction=reduction)

    def theirs(x, y):
        w = None if weight is None else torch.tensor(weight)
        return TF.nll_loss(TF.log_softmax(x, 1), y, weight=w, reduction=reduction)
    check_op([(6, 5), LABELS_IGNORED], ours, theirs)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(reduction):
    check_op([(4, 3), (4, 3)], lambda a, b: F.mse_loss(a, b, reduction=reduction),
             lambda a, b: TF.mse_loss(a, b, reduction=reduction))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(reduction, weighted):
    p = GEN.uniform(0.02, 0.98, (4, 3)).astype(np.float32)
    p[0, 0], p[0, 1] = 0.0, 1.0                       # the clamped log(0)
    t = GEN.uniform(0, 1, (4, 3)).astype(np.float32)
    w = GEN.uniform(0.5, 2, (3,)).astype(np.float32)

    def ours(x, y):
        return F.binary_cross_entropy(x, y, tinycnn.tensor(w) if weighted else None, reduction)

    def theirs(x, y):
        return TF.binary_cross_entropy(x, y, torch.tensor(w) if weighted else None,
                                       reduction=reduction)
    # at inputs of exactly 0 and 1 the loss is clamped (log >= -100): compare values only;
    # there torch's gradients are +-1e12 (input) and +-inf (target), ours the clamped
    # function's exact gradient
    check_op([p, t], ours, theirs, grad=False)
    q = p.copy()
    q[0, :2] = 0.5
    check_op([q, t], ours, theirs, rtol=1e-5, atol=1e-6, grad_atol=1e-5)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_with_logits_matches_torch(reduction, weighted):
    t = GEN.uniform(0, 1, (4, 3)).astype(np.float32)
    w = GEN.uniform(0.5, 2, (4, 1)).astype(np.float32)
    pw = GEN.uniform(0.5, 3, (3,)).astype(np.float32)

    def ours(x, y):
        return F.binary_cross_entropy_with_logits(
            x, y, tinycnn.tensor(w) if weighted else None, reduction,
            pos_weight=tinycnn.tensor(pw) if weighted else None)

    def theirs(x, y):
        return TF.binary_cross_entropy_with_logits(
            x, y, torch.tensor(w) if weighted else None, reduction=reduction,
            pos_weight=torch.tensor(pw) if weighted else None)
    x = GEN.uniform(-5, 5, (4, 3)).astype(np.float32)
    x[0, :2] = [-200.0, 200.0]                          # no overflow at large |x|
    check_op([x, t], ours, theirs, grad_atol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda x, y: F.cross_entropy(x, y, weight=tinycnn.tensor([0.5, 1.0, 2.0], dtype=np.float64),
                                 label_smoothing=0.1),
    lambda x, y: F.nll_loss(x, y, ignore_index=1),
    lambda x, y: F.cross_entropy(x, tinycnn.tensor([[0.2, 0.3, 0.5]] * 4, dtype=np.float64)),
], ids=["ce", "nll", "ce_probs"])
def test_class_losses_gradcheck(fn):
    x = tinycnn.randn(4, 3, requires_grad=True)
    assert tinycnn.gradcheck(fn, [x, tinycnn.tensor([0, 2, 1, 2])])


@pytest.mark.parametrize("fn", [
    lambda a, b: F.mse_loss(a, b),
    lambda a, b: F.binary_cross_entropy(F.sigmoid(a), F.sigmoid(b), reduction="sum"),
    lambda a, b: F.binary_cross_entropy_with_logits(
        a, F.sigmoid(b), pos_weight=tinycnn.tensor([2.0, 0.5, 1.0], dtype=np.float64)),
], ids=["mse", "bce", "bce_logits"])
def test_pair_losses_gradcheck(fn):
    a, b = tinycnn.randn(2, 3, requires_grad=True), tinycnn.randn(2, 3, requires_grad=True)
    assert tinycnn.gradcheck(fn, [a, b])


@pytest.mark.parametrize("call,err,match", [
    (lambda x: F.cross_entropy(x, tinycnn.tensor([0, 1, 7, 2])), ValueError,
     r"class index 7, outside \[0, 3\)"),
    (lambda x: F.cross_entropy(x, tinycnn.tensor([0, -1, 1, 2])), ValueError,
     "class index -1"),
    (lambda x: F.cross_entropy(x, tinycnn.tensor([0.0, 1.0, 1.0, 2.0])), ValueError,
     "class probabilities and must have the input's shape"),
    (lambda x: F.cross_entropy(x, tinycnn.tensor([True, False, True, True])), TypeError,
     "integer class indices"),
    (lambda x: F.cross_entropy(x, tinycnn.tensor([0, 1, 2])), ValueError,
     r"expected target of shape \(4,\) .* got \(3,\)"),
    (lambda x: F.cross_entropy(x, tinycnn.tensor([0, 1, 2, 0]), weight=tinycnn.ones(4)),
     ValueError, r"weight of shape \(3,\)"),
    (lambda x: F.cross_entropy(x, tinycnn.tensor([0, 1, 2, 0]), reduction="avg"), ValueError,
     "reduction must be one of"),
    (lambda x: F.cross_entropy(x, [0, 1, 2, 0]), TypeError, "target must be a Tensor"),
    (lambda x: F.nll_loss(x, tinycnn.tensor([0.0, 1.0, 1.0, 2.0])), TypeError,
     "integer class indices"),
    (lambda x: F.mse_loss(x, tinycnn.randn(4, 1)), ValueError,
     r"target shape \(4, 1\) differs from input shape \(4, 3\)"),
    (lambda x: F.binary_cross_entropy(x, tinycnn.rand(4, 3)), ValueError,
     r"probabilities in \[0, 1\]"),
    (lambda x: F.binary_cross_entropy_with_logits(x, tinycnn.rand(4, 3),
                                                  pos_weight=tinycnn.ones(4)), ValueError,
     "pos_weight of shape"),
])
def test_loss_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call(tinycnn.randn(4, 3) * 3)


# --- L1, smooth L1, Huber, KL divergence ------------------------------------------------

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


# --- non-finite input ---


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_nan_in_an_ignored_or_unpicked_entry_stays_out_of_the_loss(reduction):
    # sample 0 is ignored, sample 1 has a nan in a class that is not its target
    x = np.array([[np.nan, 1, 2], [0.5, np.nan, 1], [1, 2, 3]], np.float32)
    t = np.array([1, 0, 2])
    want = TF.nll_loss(torch.tensor(x), torch.tensor(t), ignore_index=1, reduction=reduction)
    got = F.nll_loss(tinycnn.tensor(x), tinycnn.tensor(t), ignore_index=1, reduction=reduction)
    assert np.isfinite(got.numpy()).all()
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    x[1, 1] = 0.3  # now only the ignored sample has a nan: the loss stays finite
    want = TF.cross_entropy(torch.tensor(x), torch.tensor(t), ignore_index=1, reduction=reduction)
    got = F.cross_entropy(tinycnn.tensor(x), tinycnn.tensor(t), ignore_index=1, reduction=reduction)
    assert np.isfinite(got.numpy()).all()
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_kl_div_keeps_nan_and_negative_targets_as_pytorch():
    x = np.log(np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]], np.float32))
    t = np.array([[np.nan, 0.0, 1.0], [-0.5, 0.5, 1.0]], np.float32)  # was 0 for nan and -0.5
    want = TF.kl_div(torch.tensor(x), torch.tensor(t), reduction="none").numpy()
    got = F.kl_div(tinycnn.tensor(x), tinycnn.tensor(t), reduction="none").numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-6)
