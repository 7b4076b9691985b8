"""batch_norm: PyTorch parity in training and evaluation, running statistics, gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import check_op

import tinycnn
import tinycnn.functional as F


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
        lambda x, w, b: F.batch_norm(x, tinycnn.tensor(rm), tinycnn.tensor(rv), w, b,
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
