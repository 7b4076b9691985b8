"""Losses: PyTorch parity (every option), float64 gradient checks, bad labels and shapes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import check_op

import tinycnn
import tinycnn.functional as F

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
