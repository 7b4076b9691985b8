"""conv_transpose2d / ConvTranspose2d, conv1d / Conv1d, unfold / fold: PyTorch parity,
float64 gradchecks, layers, empty batches."""

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
    return tinycnn.tensor(gen.uniform(-1, 1, shape), dtype=np.float64, requires_grad=True)


TRANSPOSED = [  # x shape, weight shape, keyword arguments
    ((2, 4, 5, 6), (4, 3, 3, 3), {}),
    ((2, 4, 5, 6), (4, 3, 3, 2), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((1, 4, 4, 4), (4, 2, 3, 3), {"stride": (2, 3), "groups": 2, "dilation": 2}),
    ((2, 2, 3, 3), (2, 3, 2, 2), {"stride": 1, "dilation": 2, "output_padding": 1}),
    ((3, 6, 2, 2), (6, 1, 4, 4), {"stride": 2, "padding": 1, "groups": 6}),  # depthwise
]


@pytest.mark.parametrize("xs,ws,kw", TRANSPOSED)
def test_conv_transpose2d(xs, ws, kw):
    bias = (ws[1] * kw.get("groups", 1),)
    check_op([xs, ws, bias], lambda x, w, b: F.conv_transpose2d(x, w, b, **kw),
             lambda x, w, b: T.conv_transpose2d(x, w, b, **kw), atol=1e-5, grad_atol=1e-4)
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw),
                     (_f64((1,) + xs[1:], 0), _f64(ws, 1), _f64(bias, 2)))


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    # <conv2d(y, w), x> == <y, conv_transpose2d(x, w)> for all x, y: the definition
    gen = np.random.default_rng(0)
    y = tinycnn.tensor(gen.standard_normal((2, 3, 9, 9)))
    x = tinycnn.tensor(gen.standard_normal((2, 4, 5, 5)))
    w = tinycnn.tensor(gen.standard_normal((4, 3, 3, 3)))
    lhs = (F.conv2d(y, w, stride=2, padding=1) * x).sum().item()
    rhs = (y * F.conv_transpose2d(x, w, stride=2, padding=1)).sum().item()
    assert abs(lhs - rhs) < 1e-3 * max(1.0, abs(lhs))


def test_conv_transpose2d_errors():
    x, w = tinycnn.randn(1, 4, 5, 5), tinycnn.randn(4, 2, 3, 3)
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        F.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="expects 4"):
        F.conv_transpose2d(tinycnn.randn(1, 3, 5, 5), w)


def test_conv_transpose2d_layer():
    torch.manual_seed(0)
    theirs = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    ours = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    assert repr(ours) == repr(theirs)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    check_op([(2, 4, 5, 5)], ours, theirs, atol=1e-5, grad_atol=1e-4)
    check_op([(4, 5, 5)], ours, theirs, atol=1e-5, grad_atol=1e-4)  # one image
    # output_size picks the output_padding, as in PyTorch
    plain = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    x = tinycnn.randn(1, 3, 4, 4)
    assert plain(x, output_size=(8, 8)).shape == (1, 2, 8, 8)
    assert plain(x, output_size=[1, 2, 7, 8]).shape == (1, 2, 7, 8)
    with pytest.raises(ValueError, match="valid sizes"):
        plain(x, output_size=(9, 9))
    # the default initialisation draws from U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    bound = 1 / np.sqrt(3 * 3 * 3)  # fan_in = weight.shape[1] * kh * kw (PyTorch's rule)
    big = nn.ConvTranspose2d(64, 3, 3)
    assert np.abs(big.weight.numpy()).max() <= bound + 1e-7


CONV1D = [((2, 4, 9), (6, 4, 3), {}), ((2, 4, 9), (6, 2, 3), {"stride": 2, "padding": 1,
                                                               "groups": 2}),
          ((1, 3, 10), (2, 3, 4), {"padding": "same", "dilation": 2}),
          ((3, 10), (2, 3, 3), {"padding": (2,), "stride": (3,)})]


@pytest.mark.parametrize("xs,ws,kw", CONV1D)
def test_conv1d(xs, ws, kw):
    check_op([xs, ws, (ws[0],)], lambda x, w, b: F.conv1d(x, w, b, **kw),
             lambda x, w, b: T.conv1d(x, w, b, **kw), atol=1e-5, grad_atol=1e-4)
    assert gradcheck(lambda x, w, b: F.conv1d(x, w, b, **kw),
                     (_f64(xs, 0), _f64(ws, 1), _f64((ws[0],), 2)))


def test_conv1d_layer():
    torch.manual_seed(0)
    theirs = torch.nn.Conv1d(4, 6, 3, padding=1, groups=2, bias=False)
    ours = nn.Conv1d(4, 6, 3, padding=1, groups=2, bias=False)
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    check_op([(2, 4, 7)], ours, theirs, atol=1e-5, grad_atol=1e-4)
    with pytest.raises(ValueError, match="4 channels"):
        ours(tinycnn.randn(2, 5, 7))


@pytest.mark.parametrize("kw", [{"kernel_size": 3}, {"kernel_size": (2, 3), "stride": 2},
                                {"kernel_size": 2, "padding": 1, "dilation": 2}])
def test_unfold_and_fold(kw):
    check_op([(2, 3, 6, 7)], lambda x: F.unfold(x, **kw), lambda x: T.unfold(x, **kw))
    check_op([(3, 6, 7)], lambda x: F.unfold(x, **kw), lambda x: T.unfold(x, **kw))
    cols = T.unfold(torch.zeros(2, 3, 6, 7), **kw).shape
    check_op([tuple(cols)], lambda c: F.fold(c, (6, 7), **kw),
             lambda c: T.fold(c, (6, 7), **kw), atol=1e-5)
    check_op([tuple(cols[1:])], lambda c: F.fold(c, (6, 7), **kw),
             lambda c: T.fold(c, (6, 7), **kw), atol=1e-5)
    assert gradcheck(lambda x: F.unfold(x, **kw), (_f64((1, 2, 6, 7), 0),))
    assert gradcheck(lambda c: F.fold(c, (6, 7), **kw), (_f64((1,) + tuple(cols[1:]), 0),))


def test_unfold_is_conv2d_as_a_matrix_product():
    x, w = tinycnn.randn(2, 3, 8, 8), tinycnn.randn(5, 3, 3, 3)
    y = (w.reshape(5, -1) @ F.unfold(x, 3)).reshape(2, 5, 6, 6)
    np.testing.assert_allclose(y.numpy(), F.conv2d(x, w).numpy(), atol=1e-4)
    assert repr(nn.Unfold(3)) == repr(torch.nn.Unfold(3))
    assert nn.Fold((8, 8), 3)(nn.Unfold(3)(x)).shape == (2, 3, 8, 8)
    with pytest.raises(ValueError, match="sliding blocks"):
        F.fold(tinycnn.randn(1, 27, 10), (8, 8), 3)


def test_empty_batch():
    x = tinycnn.zeros(0, 4, 5, 5, requires_grad=True)
    layer = nn.ConvTranspose2d(4, 2, 3, stride=2)
    y = layer(x)
    assert y.shape == (0, 2, 11, 11)
    y.sum().backward()
    assert layer.weight.grad.shape == layer.weight.shape
    assert F.unfold(tinycnn.zeros(0, 2, 4, 4), 2).shape == (0, 8, 9)
