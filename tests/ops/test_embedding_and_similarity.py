"""Embedding, Unflatten, normalize, cosine_similarity: PyTorch parity and gradchecks."""

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


IDS = np.array([[1, 3, 3, 0], [4, 1, 0, 0]], dtype=np.int64)


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 0}, {"padding_idx": -1},
                                {"scale_grad_by_freq": True, "padding_idx": 3}])
def test_embedding(kw):
    check_op([(5, 3), IDS], lambda w, i: F.embedding(i, w, **kw),
             lambda w, i: T.embedding(i, w, **kw))
    if not kw:  # padding_idx and scale_grad_by_freq change the gradient on purpose
        ids = tinycnn.tensor(IDS)
        assert gradcheck(lambda w: F.embedding(ids, w), (_f64((5, 3), 0),))


def test_embedding_max_norm_renormalises_rows_in_place():
    w = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32) * 3
    ours, theirs = tinycnn.tensor(w.copy()), torch.tensor(w.copy())
    out = F.embedding(tinycnn.tensor(IDS), ours, max_norm=1.0)
    ref = T.embedding(torch.tensor(IDS), theirs, max_norm=1.0)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)


def test_embedding_layer():
    torch.manual_seed(0)
    ours, theirs = nn.Embedding(10, 4, padding_idx=2), torch.nn.Embedding(10, 4, padding_idx=2)
    assert repr(ours) == repr(theirs)
    np.testing.assert_array_equal(ours.weight.numpy()[2], np.zeros(4))
    assert abs(float(ours.weight.numpy().std()) - 1) < 0.5  # N(0, 1)
    ours.load_state_dict({"weight": theirs.weight.detach().numpy()})
    ids = np.array([[2, 5, 9], [0, 2, 2]], dtype=np.int64)
    check_op([ids], ours, theirs)
    out = ours(tinycnn.tensor(ids)).sum()
    out.backward()
    np.testing.assert_array_equal(ours.weight.grad.numpy()[2], np.zeros(4))
    table = tinycnn.randn(6, 3)
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and frozen.weight.shape == (6, 3)
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    assert repr(frozen) == repr(torch.nn.Embedding.from_pretrained(torch.randn(6, 3)))


def test_embedding_errors_and_empty():
    w = tinycnn.randn(5, 3)
    with pytest.raises(IndexError, match=r"ids must be in \[0, 5\)"):
        F.embedding(tinycnn.tensor([5]), w)
    with pytest.raises(TypeError, match="integer ids"):
        F.embedding(tinycnn.tensor([1.0]), w)
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(5, 3, padding_idx=5)
    with pytest.raises(ValueError, match="sparse"):
        nn.Embedding(5, 3, sparse=True)
    assert F.embedding(tinycnn.zeros(0, 4, dtype="int64"), w).shape == (0, 4, 3)


def test_unflatten():
    layer, ref = nn.Unflatten(1, (2, 3, 4)), torch.nn.Unflatten(1, (2, 3, 4))
    assert repr(layer) == repr(ref)
    check_op([(5, 24)], layer, ref)
    check_op([(5, 6, 2)], nn.Unflatten(-2, (3, -1)), torch.nn.Unflatten(-2, (3, -1)))
    assert nn.Sequential(nn.Flatten(), nn.Unflatten(1, (2, 3)))(tinycnn.zeros(0, 2, 3)).shape \
        == (0, 2, 3)


@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"p": 1.0, "dim": -1}, {"p": 3.0}])
def test_normalize(kw):
    check_op([(4, 5, 3)], lambda x: F.normalize(x, **kw), lambda x: T.normalize(x, **kw),
             atol=1e-6)
    assert gradcheck(lambda x: F.normalize(x, **kw), (_f64((3, 4, 2), 0),))


def test_normalize_zero_vector_stays_zero():
    x = np.zeros((2, 3), dtype=np.float32)
    x[1] = [1, 2, 2]
    check_op([x], F.normalize, T.normalize)


@pytest.mark.parametrize("s1,s2,dim", [((4, 5), (4, 5), 1), ((4, 5), (1, 5), 1),
                                       ((3, 4, 5), (3, 4, 5), -1), ((6,), (6,), 0)])
def test_cosine_similarity(s1, s2, dim):
    check_op([s1, s2], lambda a, b: F.cosine_similarity(a, b, dim),
             lambda a, b: T.cosine_similarity(a, b, dim), atol=1e-6)
    assert gradcheck(lambda a, b: F.cosine_similarity(a, b, dim), (_f64(s1, 0), _f64(s2, 1)))


def test_a_model_of_the_new_layers_prints_and_summarises_as_in_torch():
    def build(m):
        return m.Sequential(
            m.Conv1d(3, 8, 3, padding=1), m.GroupNorm(2, 8), m.SiLU(), m.Flatten(),
            m.Unflatten(1, (8, 4, 4)), m.ConvTranspose2d(8, 4, 3, 2, 1, output_padding=1),
            m.InstanceNorm2d(4, affine=True), m.PReLU(4), m.LayerNorm([4, 8, 8]),
            m.Hardswish(), m.ELU(), m.Softplus(), m.Unfold(2), m.Fold((8, 8), 2))

    ours, theirs = build(nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    ours_params = sum(p.numel() for p in ours.parameters())
    assert ours_params == sum(p.numel() for p in theirs.parameters())
    table = str(nn.summary(ours, (3, 16)))
    assert "ConvTranspose2d" in table and "(None, 4, 8, 8)" in table
    assert f"Total params: {ours_params:,}" in table
