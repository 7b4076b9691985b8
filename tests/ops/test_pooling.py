"""Max, average and adaptive pooling: PyTorch parity, float64 gradient checks, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import check_op

import tinycnn
import tinycnn.functional as F

MAX_CASES = [
    ((2, 3, 8, 8), {"kernel_size": 2}),                                  # the 2x2/2 classic
    ((2, 3, 7, 9), {"kernel_size": 2}),                                  # odd sizes: crop
    ((2, 2, 13, 13), {"kernel_size": 3, "stride": 2}),                   # AlexNet's overlap
    ((1, 2, 7, 6), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1)}),
    ((2, 2, 7, 7), {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    ((1, 2, 6, 6), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((1, 2, 9, 8), {"kernel_size": 2, "dilation": 2, "stride": 1}),
    ((1, 2, 9, 8), {"kernel_size": 3, "dilation": (2, 1), "padding": 1, "stride": 3}),
    ((2, 6, 6), {"kernel_size": 2}),                                     # unbatched
]


@pytest.mark.parametrize("shape,kw", MAX_CASES)
def test_max_pool2d_matches_torch(shape, kw):
    check_op([shape], lambda x: F.max_pool2d(x, **kw), lambda x: TF.max_pool2d(x, **kw))


def test_max_pool2d_return_indices_and_ties():
    """Integer-valued inputs tie often: the first maximum in the window wins, as in torch."""
    x = np.random.default_rng(3).integers(0, 3, size=(2, 3, 7, 7)).astype(np.float32)
    kw = {"kernel_size": 3, "stride": 2, "padding": 1, "return_indices": True}
    ours, theirs = check_op([x], lambda x: F.max_pool2d(x, **kw),
                            lambda x: TF.max_pool2d(x, **kw))
    assert ours[1].dtype == np.int64


def test_max_pool2d_nan_propagates():
    x = np.zeros((1, 1, 4, 4), dtype=np.float32)
    x[0, 0, 1, 1] = np.nan
    y = F.max_pool2d(tinycnn.tensor(x), 2).numpy()
    assert np.isnan(y[0, 0, 0, 0]) and not np.isnan(y[0, 0, 1, 1])


AVG_CASES = [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((2, 2, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 2, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ((1, 2, 7, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((1, 2, 6, 7), {"kernel_size": (2, 3), "stride": (3, 2), "ceil_mode": True,
                    "count_include_pad": False}),
    ((1, 2, 6, 6), {"kernel_size": 3, "padding": 1, "divisor_override": 5}),
]


@pytest.mark.parametrize("shape,kw", AVG_CASES)
def test_avg_pool2d_matches_torch(shape, kw):
    check_op([shape], lambda x: F.avg_pool2d(x, **kw), lambda x: TF.avg_pool2d(x, **kw))


@pytest.mark.parametrize("shape,out", [
    ((2, 3, 13, 13), (6, 6)),   # torchvision AlexNet on a 13x13 map: uneven windows
    ((2, 3, 6, 6), (6, 6)),     # identity
    ((2, 3, 7, 7), 1),          # global average pooling (ResNet)
    ((1, 2, 5, 7), (2, 3)),
    ((1, 2, 8, 6), (None, 2)),  # None keeps that dimension
    ((1, 2, 9, 4), (4, 4)),
])
@pytest.mark.parametrize("kind", ["avg", "max"])
def test_adaptive_pooling_matches_torch(shape, out, kind):
    ours = getattr(F, f"adaptive_{kind}_pool2d")
    theirs = getattr(TF, f"adaptive_{kind}_pool2d")
    check_op([shape], lambda x: ours(x, out), lambda x: theirs(x, out))


@pytest.mark.parametrize("shape", [(1, 2, 5, 7), (1, 2, 8, 8)])
def test_adaptive_max_pool2d_indices(shape):
    ours, theirs = check_op([shape], lambda x: F.adaptive_max_pool2d(x, (2, 3), True),
                            lambda x: TF.adaptive_max_pool2d(x, (2, 3), True))


def test_adaptive_windows_rule():
    assert F.pooling.adaptive_windows(13, 6) == [(0, 3), (2, 5), (4, 7), (6, 9), (8, 11),
                                                 (10, 13)]


@pytest.mark.parametrize("fn,kw", [
    (F.max_pool2d, {"kernel_size": (3, 2), "stride": (2, 1), "padding": 1, "ceil_mode": True}),
    (F.max_pool2d, {"kernel_size": 2, "dilation": 2, "stride": 1}),
    (F.avg_pool2d, {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                    "count_include_pad": False}),
    (F.adaptive_avg_pool2d, {"output_size": (2, 3)}),
    (F.adaptive_max_pool2d, {"output_size": (3, 2)}),
])
def test_pooling_gradcheck(fn, kw):
    # distinct values keep max pooling away from ties (where it is not differentiable)
    x = tinycnn.tensor(np.random.default_rng(5).permutation(50).reshape(1, 2, 5, 5) * 0.1,
                       dtype=np.float64, requires_grad=True)
    assert tinycnn.gradcheck(lambda x: fn(x, **kw), [x])


@pytest.mark.parametrize("call,err,match", [
    (lambda x: F.max_pool2d(x, 2, padding=2), ValueError, "at most half of kernel_size"),
    (lambda x: F.max_pool2d(x, 7), ValueError, "too small"),
    (lambda x: F.avg_pool2d(x, 2, padding=-1), ValueError, "non-negative"),
    (lambda x: F.max_pool2d(x[0, 0], 2), ValueError, r"rank 4 .* got shape \(5, 5\)"),
    (lambda x: F.max_pool2d(x, 0), ValueError, "kernel_size must be >= 1"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), ValueError, "divisor_override"),
    (lambda x: F.adaptive_avg_pool2d(x, 0), ValueError, "output_size must be positive"),
    (lambda x: F.adaptive_max_pool2d(x, 1.5), TypeError, "output_size must be an int"),
    (lambda x: F.max_pool2d(x.long(), 2), TypeError, "floating point input"),
])
def test_pooling_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call(tinycnn.randn(1, 2, 5, 5))


def test_stride_defaults_to_kernel_size():
    x = tinycnn.randn(1, 1, 6, 6)
    assert F.max_pool2d(x, 3).shape == (1, 1, 2, 2)
    assert F.avg_pool2d(x, 3).shape == tuple(TF.avg_pool2d(torch.zeros(1, 1, 6, 6), 3).shape)
