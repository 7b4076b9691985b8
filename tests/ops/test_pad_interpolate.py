"""F.pad's reflect/replicate/circular modes and negative (cropping) pads; F.interpolate
(nearest, nearest-exact, bilinear) and nn.Upsample: PyTorch parity, gradchecks, bad input."""

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

CASES = [  # input shape, pad
    ((2, 3, 6), (2, 3)), ((3, 6), (1, 0)), ((2, 3, 5, 6), (1, 2, 3, 1)),
    ((3, 5, 6), (2, 2, 0, 4)), ((2, 3, 5, 6), (-1, 2, 2, -2)), ((2, 2, 4, 5, 6), (1, 1, 2, 0, 1, 3)),
    ((3, 7), (3, -2)), ((3, 7), (-2, 3)),
]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pads", CASES)
def test_pad_modes(mode, shape, pads):
    check_op([shape], lambda x: F.pad(x, pads, mode=mode), lambda x: T.pad(x, pads, mode=mode))
    gen = np.random.default_rng(0)
    x = tinycnn.tensor(gen.standard_normal(shape), dtype=np.float64, requires_grad=True)
    assert gradcheck(lambda t: F.pad(t, pads, mode=mode), (x,))


@pytest.mark.parametrize("pads", [(-1, -1), (2, -1, -2, 1), (0, 0, -1, 3), (1, 1)])
def test_constant_pad_with_cropping(pads):
    check_op([(2, 3, 5, 6)], lambda x: F.pad(x, pads, value=1.5),
             lambda x: T.pad(x, pads, value=1.5))
    check_op([(2, 3, 5, 6)], lambda x: F.pad(x, pads), lambda x: T.pad(x, pads))


def test_pad_errors_name_the_problem():
    x = tinycnn.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match="smaller than the input size"):
        F.pad(x, (4, 0, 0, 0), mode="reflect")
    with pytest.raises(ValueError, match="got 8 values"):
        F.pad(x, (1, 1, 1, 1, 1, 1, 1, 1), mode="replicate")
    with pytest.raises(ValueError, match="takes no value"):
        F.pad(x, (1, 1), mode="reflect", value=2.0)
    with pytest.raises(ValueError, match="mode must be one of"):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(ValueError, match="crops more than"):
        F.pad(x, (-3, -3))
    with pytest.raises(ValueError, match="wraps around at most once"):
        F.pad(x, (0, 0, 5, 0), mode="circular")


@pytest.mark.parametrize("shape, pads, mode", [
    ((1, 1, 2), (1, -3), "constant"),   # crops 3 of 2 columns: was [0, 1] (a negative slice)
    ((1, 1, 2), (-3, 1), "constant"),
    ((1, 3, 2), (0, -2), "replicate"),  # nothing left to pad
    ((1, 3, 2), (-1, -1), "reflect"),
    ((3, 0, 1), (0, 0), "replicate"),   # an empty channel dim: only the batch may be empty
])
def test_pad_rejects_what_pytorch_rejects(shape, pads, mode):
    with pytest.raises(RuntimeError):
        torch.nn.functional.pad(torch.ones(shape), pads, mode)
    with pytest.raises(ValueError, match="crops more than|empty"):
        F.pad(tinycnn.ones(shape), pads, mode)


@pytest.mark.parametrize("shape, pads, mode", [
    ((3, 2, 1), (0, 0, 0, -2), "reflect"),  # one padded dim left is enough, as in PyTorch
    ((1, 1, 3), (2, -3), "constant"),
    ((1, 1, 2), (3, -3), "replicate"),
])
def test_pad_cropping_edge_cases_match_pytorch(shape, pads, mode):
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    want = torch.nn.functional.pad(torch.tensor(x), pads, mode).numpy()
    got = F.pad(tinycnn.tensor(x), pads, mode).numpy()
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_pad_empty_batch():
    x = tinycnn.zeros(0, 3, 4, 4, requires_grad=True)
    for mode in ("constant", "reflect", "replicate", "circular"):
        y = F.pad(x, (1, 2, -1, 1), mode=mode)
        assert y.shape == (0, 3, 4, 7)
        y.sum().backward()


@pytest.mark.parametrize("kw", [{"size": (5, 7)}, {"size": (12, 3)}, {"scale_factor": 2},
                                {"scale_factor": 1.7}, {"scale_factor": (0.5, 3)},
                                {"scale_factor": 1.7, "recompute_scale_factor": True}])
def test_interpolate_nearest_exact(kw):
    check_op([(2, 3, 6, 5)], lambda x: F.interpolate(x, mode="nearest-exact", **kw),
             lambda x: T.interpolate(x, mode="nearest-exact", **kw))
    gen = np.random.default_rng(1)
    x = tinycnn.tensor(gen.standard_normal((1, 2, 6, 5)), dtype=np.float64, requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, mode="nearest-exact", **kw), (x,))
    layer, ref = (nn.Upsample(mode="nearest-exact", **kw),
                  torch.nn.Upsample(mode="nearest-exact", **kw))
    check_op([(2, 3, 6, 5)], layer, ref)


def _f64(*shape: int, seed: int = 0) -> tinycnn.Tensor:
    x = np.random.default_rng(seed).standard_normal(shape)
    return tinycnn.tensor(x, dtype=np.float64, requires_grad=True)


# --- F.interpolate / nn.Upsample -----------------------------------------------------------

INTERP_CASES = [
    dict(size=(8, 11), mode="nearest"),
    dict(size=(3, 4), mode="nearest"),
    dict(scale_factor=2, mode="nearest"),
    dict(scale_factor=1.7, mode="nearest"),  # uses 1/1.7, not 5/8: other source pixels
    dict(scale_factor=1.7, mode="nearest", recompute_scale_factor=True),
    dict(size=(8, 11), mode="bilinear", align_corners=False),
    dict(size=(8, 11), mode="bilinear", align_corners=True),
    dict(size=(3, 4), mode="bilinear"),
    dict(size=(5, 7), mode="bilinear"),
    dict(size=1, mode="bilinear", align_corners=True),
    dict(scale_factor=1.7, mode="bilinear"),
    dict(scale_factor=(0.6, 2.3), mode="bilinear", align_corners=True),
]


@pytest.mark.parametrize("kw", INTERP_CASES, ids=lambda kw: "-".join(map(str, kw.values())))
def test_interpolate_parity(kw):
    check_op([(2, 3, 5, 7)], lambda x: F.interpolate(x, **kw),
             lambda x: torch.nn.functional.interpolate(x, **kw), atol=1e-6, grad_atol=2e-6)


def test_interpolate_gradcheck_and_upsample_module():
    tinycnn.gradcheck(lambda x: F.interpolate(x, size=(5, 3), mode="bilinear"), [_f64(1, 2, 3, 4)])
    tinycnn.gradcheck(lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear",
                                              align_corners=True), [_f64(1, 1, 3, 3)])
    tinycnn.gradcheck(lambda x: F.interpolate(x, size=(7, 2)), [_f64(1, 2, 3, 4)])
    up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
    ref = torch.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
    x = np.random.default_rng(3).standard_normal((1, 2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(up(tinycnn.tensor(x)).numpy(), ref(torch.tensor(x)).numpy(),
                               rtol=1e-5, atol=1e-6)
    assert "scale_factor=2.0, mode='bilinear'" in repr(up)
    inf = tinycnn.tensor([[[[np.inf, 1.0]]]])  # nearest copies pixels: no 0 * inf = nan
    assert F.interpolate(inf, scale_factor=2).tolist() == [[[[np.inf] * 2 + [1.0] * 2] * 2]]


def test_interpolate_bad_input():
    x = tinycnn.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"4-D input \(N, C, H, W\), got shape \(4, 4\)"):
        F.interpolate(tinycnn.zeros(4, 4), size=2)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="mode must be 'nearest', 'nearest-exact' or 'bilinear', got 'bicubic'"):
        F.interpolate(x, size=2, mode="bicubic")
    with pytest.raises(ValueError, match="align_corners can only be set"):
        F.interpolate(x, size=2, align_corners=True)
    with pytest.raises(TypeError, match="size must be an int or a pair of ints, got 2.5"):
        F.interpolate(x, size=2.5)
    with pytest.raises(ValueError, match="gives an empty output"):
        F.interpolate(x, scale_factor=0.1)
    with pytest.raises(TypeError, match="floating point tensor, got dtype int64"):
        F.interpolate(tinycnn.zeros(1, 1, 2, 2, dtype=tinycnn.int64), size=4)


# --- non-finite input ---

@pytest.mark.parametrize("size", [(16, 16), (5, 11), (8, 3)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_bilinear_keeps_a_nan_local_as_pytorch(size, align_corners):
    x = np.random.default_rng(0).standard_normal((1, 2, 8, 8)).astype(np.float32)
    x[0, 0, 3, 4] = np.nan  # one bad pixel must not spread over its whole row and column
    got = F.interpolate(tinycnn.tensor(x), size=size, mode="bilinear",
                        align_corners=align_corners).numpy()
    want = torch.nn.functional.interpolate(torch.tensor(x), size=size, mode="bilinear",
                                           align_corners=align_corners).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
