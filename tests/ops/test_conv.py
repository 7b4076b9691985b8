"""conv2d, im2col and col2im, conv_transpose2d / ConvTranspose2d, conv1d / Conv1d, unfold /
fold: PyTorch parity, float64 gradient checks, layers, empty batches, bad input.

Tolerances: float32 outputs are sums of C*KH*KW products computed in a different order
than PyTorch's, so atol 1e-5 (values are O(1)) with rtol 1e-5.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import check_op

import tinycnn
import tinycnn.functional as F
import tinycnn.nn as nn
from tinycnn import gradcheck
from tinycnn.kernels.cpu import conv as cpu_conv
from tinycnn.kernels.cpu import runtime

# (input shape, weight shape, keyword arguments)
CASES = [
    ((2, 3, 7, 6), (4, 3, 3, 3), {}),
    ((2, 3, 7, 6), (4, 3, 3, 2), {"stride": 2, "padding": 1}),
    ((1, 2, 9, 8), (3, 2, 2, 3), {"stride": (3, 2), "padding": (2, 0)}),
    ((2, 2, 8, 9), (3, 2, 3, 3), {"dilation": 2, "padding": 2}),
    ((2, 2, 9, 7), (2, 2, 2, 3), {"dilation": (2, 1), "stride": (1, 3)}),
    ((2, 4, 6, 6), (6, 2, 3, 3), {"groups": 2, "padding": 1}),
    ((2, 4, 5, 5), (4, 1, 3, 3), {"groups": 4, "padding": 1}),      # depthwise
    ((2, 4, 5, 5), (8, 1, 3, 3), {"groups": 4, "stride": 2}),       # depthwise, multiplier 2
    ((2, 4, 5, 5), (3, 4, 1, 1), {}),                                # 1x1: a plain GEMM
    ((2, 4, 7, 6), (3, 4, 1, 1), {"stride": 2}),                     # strided 1x1 (ResNet)
    ((2, 3, 6, 7), (4, 3, 3, 3), {"padding": "same"}),
    ((2, 3, 6, 7), (4, 3, 4, 2), {"padding": "same", "dilation": (1, 2)}),  # asymmetric
    ((2, 3, 6, 7), (4, 3, 3, 3), {"padding": "valid"}),
    ((1, 1, 5, 5), (2, 1, 5, 5), {}),                                # kernel = input
    ((3, 2, 5, 4), (2, 2, 3, 3), {"padding": 2, "stride": 3}),      # odd sizes, big padding
]


@pytest.fixture(params=["columns", "batch_inner", "direct"])
def conv_path(request, monkeypatch):
    """Each test three times on the CPU: im2col + GEMM with the usual (image, pixel)
    column order; with the (pixel, image) order of tiny images (`cpu_conv.TINY_IMAGE`) for
    every size; and the forward through the direct kernel (`cpu_conv.conv2d_direct`) for every
    layer whose stride, dilation and groups it takes, whatever the channel counts."""
    monkeypatch.setattr(cpu_conv, "TINY_IMAGE", 0 if request.param == "columns" else 10**9)
    if request.param == "direct":
        monkeypatch.setattr(cpu_conv, "DIRECT_MAX_OUT", 10**9)
        monkeypatch.setattr(cpu_conv, "DIRECT_MAX_TAPS", 10**9)
    else:
        monkeypatch.setattr(cpu_conv, "DIRECT_MAX_OUT", 0)
    return request.param


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on even kernels
@pytest.mark.parametrize("xs,ws,kw", CASES)
def test_conv2d_matches_torch(xs, ws, kw, conv_path):
    check_op([xs, ws, (ws[0],)],
             lambda x, w, b: F.conv2d(x, w, b, **kw),
             lambda x, w, b: TF.conv2d(x, w, b, **kw), atol=1e-5, rtol=1e-5)


def test_conv2d_without_bias_and_unbatched_input(conv_path):
    check_op([(2, 6, 5), (3, 2, 3, 3)], lambda x, w: F.conv2d(x, w, padding=1),
             lambda x, w: TF.conv2d(x, w, padding=1), atol=1e-5)


@pytest.mark.parametrize("kw", [
    {"stride": (2, 1), "padding": (1, 2), "dilation": (2, 1)},
    {"groups": 2, "stride": 3, "padding": 1},
    {"stride": 2},  # 1x1 path below uses this with a 1x1 kernel
])
def test_conv2d_gradcheck(kw, conv_path):
    k = (1, 1) if kw == {"stride": 2} else (2, 3)
    x = tinycnn.randn(2, 4, 5, 5, requires_grad=True)
    w = tinycnn.randn(4, 4 // kw.get("groups", 1), *k, requires_grad=True)
    b = tinycnn.randn(4, requires_grad=True)
    assert tinycnn.gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), [x, w, b])


@pytest.mark.parametrize("chunk_bytes", [1, 11000])
def test_conv2d_in_chunks_of_images(monkeypatch, chunk_bytes):
    """Small chunks: one image per chunk, or chunks of one or two images (the layer has
    few output channels, so SMALL_CHUNK_BYTES sets its chunks)."""
    monkeypatch.setattr(cpu_conv, "SMALL_CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(cpu_conv, "CHUNK_BYTES", 2**30)  # must not be the one used
    check_op([(5, 4, 6, 6), (6, 2, 3, 3), (6,)],
             lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2),
             lambda x, w, b: TF.conv2d(x, w, b, padding=1, groups=2), atol=1e-5)


@pytest.mark.parametrize("threads", [1, 2])
def test_conv2d_chunks_side_by_side(monkeypatch, threads):
    """The chunks run on `threads` threads at once (forced: the real count depends on the
    machine and its load) and give PyTorch's results; every thread did some chunks."""
    monkeypatch.setattr(runtime, "parallel_chunks", lambda: threads)
    monkeypatch.setattr(cpu_conv, "DIRECT_MAX_OUT", 0)  # the forward pass in chunks too
    monkeypatch.setattr(cpu_conv, "CHUNK_BYTES", 1)  # one image per chunk
    names = set()
    columns = cpu_conv._columns

    def recording_columns(*args):
        names.add(threading.current_thread().name)
        return columns(*args)

    monkeypatch.setattr(cpu_conv, "_columns", recording_columns)
    check_op([(5, 4, 6, 6), (16, 4, 3, 3), (16,)],
             lambda x, w, b: F.conv2d(x, w, b, padding=1),
             lambda x, w, b: TF.conv2d(x, w, b, padding=1), atol=1e-5)
    assert len(names) == threads


@pytest.mark.parametrize("layer,direct", [
    ({"w": (8, 3, 5, 5), "padding": 2}, True),        # DeDiosNet 2's first layer
    ({"w": (6, 1, 5, 5), "padding": 2}, True),        # LeNet-5's (6: not a multiple of 4)
    ({"w": (8, 3, 5, 5), "stride": 2}, False),        # strided
    ({"w": (32, 3, 3, 3), "padding": 1}, False),      # many output channels
    ({"w": (8, 16, 5, 5)}, False),                    # many taps (16 x 5 x 5)
    ({"w": (8, 4, 3, 3), "groups": 2}, False),        # grouped
])
def test_direct_convolution_takes_the_first_layers(monkeypatch, layer, direct):
    """Forward without columns exactly for the layers `cpu_conv.conv2d_direct` is meant for
    (they gave the same results as PyTorch above); the backward pass still uses columns."""
    calls = []

    def spy(f):
        return lambda *a: calls.append(1) or f(*a)

    for name in ("im2col", "im2col_batch_inner"):
        monkeypatch.setattr(cpu_conv, name, spy(getattr(cpu_conv, name)))
    kw = {k: v for k, v in layer.items() if k != "w"}
    x = tinycnn.randn(2, layer["w"][1] * kw.get("groups", 1), 12, 12)
    with tinycnn.no_grad():
        y = F.conv2d(x, tinycnn.randn(*layer["w"]), tinycnn.randn(layer["w"][0]), **kw)
    want = TF.conv2d(torch.from_numpy(x.numpy()), torch.zeros(layer["w"]), **kw).shape
    assert y.shape == tuple(want)
    assert (not calls) == direct


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("n", [1, 5, 64])
def test_conv2d_chunks_are_balanced(monkeypatch, threads, n):
    """The batch is cut into near-equal chunks, a multiple of the core count of them
    (unless there are fewer images), each at most the byte budget (or one image)."""
    monkeypatch.setattr(cpu_conv, "max_threads", lambda: threads)
    x = np.zeros((n, 3, 8, 8), np.float32)
    per_image = 27 * 8 * 8 * 4
    parts = cpu_conv._chunks(n, x.itemsize, 27, (8, 8), 4)  # 4 channels: SMALL_CHUNK_BYTES
    sizes = [p.stop - p.start for p in parts]
    assert sum(sizes) == n and parts[0].start == 0
    assert all(a.stop == b.start for a, b in zip(parts, parts[1:]))
    assert max(sizes) - min(sizes) <= 1
    assert len(parts) % threads == 0 or len(parts) == n
    budget_images = cpu_conv.SMALL_CHUNK_BYTES // per_image
    assert max(sizes) <= max(1, budget_images)


def test_frozen_weight_and_first_layer_skip_work(monkeypatch):
    x = tinycnn.randn(2, 3, 6, 6)                        # images: no gradient wanted
    w = tinycnn.randn(4, 3, 3, 3, requires_grad=True)

    def no_col2im(*args, **kwargs):
        raise AssertionError("col2im must not run when the input needs no gradient")

    monkeypatch.setattr(cpu_conv, "col2im", no_col2im)
    monkeypatch.setattr(cpu_conv, "col2im_batch_inner", no_col2im)
    F.conv2d(x, w, padding=1).sum().backward()
    assert w.grad is not None and x.grad is None

    x2 = tinycnn.randn(2, 3, 6, 6, requires_grad=True)
    frozen = tinycnn.randn(4, 3, 3, 3)                   # requires_grad=False
    monkeypatch.undo()
    y = F.conv2d(x2, frozen, padding=1)
    assert y.grad_fn is not None
    y.sum().backward()
    tx = torch.tensor(x2.numpy(), requires_grad=True)
    TF.conv2d(tx, torch.tensor(frozen.numpy()), padding=1).sum().backward()
    np.testing.assert_allclose(x2.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert frozen.grad is None


def test_conv2d_keeps_float32_and_contiguous_output():
    y = F.conv2d(tinycnn.randn(2, 3, 8, 8), tinycnn.randn(5, 3, 3, 3), stride=2)
    assert y.dtype == np.float32 and y.shape == (2, 5, 3, 3)
    assert y._data.flags.c_contiguous


# --- im2col / col2im ----------------------------------------------------------------------


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1}, {"dilation": 2, "padding": 1},
                                {"stride": (1, 2), "padding": (0, 1)}])
def test_im2col_matches_torch_unfold(kw):
    """Ours is channel-major (C*KH*KW, N*L); torch's unfold is (N, C*KH*KW, L)."""
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 5)).astype(np.float32)
    ours = F.im2col(tinycnn.tensor(x), (3, 2), **kw).numpy()
    theirs = TF.unfold(torch.tensor(x), (3, 2), **kw).numpy()
    np.testing.assert_array_equal(ours, theirs.transpose(1, 0, 2).reshape(ours.shape))


def test_col2im_matches_torch_fold_and_is_adjoint():
    gen = np.random.default_rng(2)
    cols = gen.standard_normal((3 * 2 * 2, 2 * 3 * 3)).astype(np.float32)
    ours = F.col2im(tinycnn.tensor(cols), (2, 3, 4, 4), 2, padding=1, stride=2).numpy()
    theirs = TF.fold(torch.tensor(cols.reshape(12, 2, 9).transpose(1, 0, 2)), (4, 4), 2,
                     padding=1, stride=2).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
    # <im2col(x), cols> == <x, col2im(cols)>: col2im is the adjoint (transpose) of im2col
    x = gen.standard_normal((2, 3, 4, 4))
    lhs = (F.im2col(tinycnn.tensor(x, dtype=np.float64), 2, padding=1, stride=2).numpy()
           * cols).sum()
    np.testing.assert_allclose(lhs, (x * ours).sum(), rtol=1e-4)


def test_im2col_col2im_gradcheck():
    x = tinycnn.randn(1, 2, 4, 5, requires_grad=True)
    assert tinycnn.gradcheck(lambda x: F.im2col(x, (2, 3), stride=(1, 2), padding=1), [x])
    c = tinycnn.randn(2 * 2 * 3, 1 * 5 * 3, requires_grad=True)
    assert tinycnn.gradcheck(lambda c: F.col2im(c, (1, 2, 4, 5), (2, 3), stride=(1, 2),
                                                padding=1), [c])


def test_conv2d_is_im2col_then_matmul():
    """The docstring's claim, spelled out: conv2d == W @ im2col(x), reshaped."""
    x, w = tinycnn.randn(2, 3, 5, 5), tinycnn.randn(4, 3, 3, 3)
    cols = F.im2col(x, 3, padding=1)
    manual = (w.reshape(4, -1) @ cols).reshape(4, 2, 5, 5).permute(1, 0, 2, 3)
    np.testing.assert_allclose(manual.numpy(), F.conv2d(x, w, padding=1).numpy(), atol=1e-5)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("x_shape,w_shape,kw,err,match", [
    ((2, 3, 8, 8), (4, 2, 3, 3), {}, ValueError, r"3 channels .* expects 2"),
    ((2, 4, 8, 8), (4, 3, 3, 3), {"groups": 2}, ValueError, r"4 channels .* expects 6"),
    ((2, 4, 8, 8), (3, 2, 3, 3), {"groups": 2}, ValueError, "divisible by groups"),
    ((3, 8), (4, 3, 3, 3), {}, ValueError, r"rank 4 .* got shape \(3, 8\)"),
    ((2, 3, 8, 8), (4, 3, 3), {}, ValueError, "weight of rank 4"),
    ((2, 3, 4, 4), (4, 3, 7, 7), {"padding": 1}, ValueError, "larger than the padded input 6x6"),
    ((2, 3, 8, 8), (4, 3, 3, 3), {"padding": -1}, ValueError, "padding must be non-negative"),
    ((2, 3, 8, 8), (4, 3, 3, 3), {"stride": 0}, ValueError, "stride must be >= 1"),
    ((2, 3, 8, 8), (4, 3, 3, 3), {"stride": 1.5}, TypeError, "stride must be an int"),
    ((2, 3, 8, 8), (4, 3, 3, 3), {"padding": "same", "stride": 2}, ValueError, "strided"),
    ((2, 3, 8, 8), (4, 3, 3, 3), {"padding": "full"}, ValueError, "'valid' or 'same'"),
])
def test_conv2d_bad_input(x_shape, w_shape, kw, err, match):
    with pytest.raises(err, match=match):
        F.conv2d(tinycnn.randn(*x_shape), tinycnn.randn(*w_shape), **kw)


def test_conv2d_bad_types():
    x, w = tinycnn.randn(1, 3, 5, 5), tinycnn.randn(2, 3, 3, 3)
    with pytest.raises(TypeError, match="weight must be a Tensor"):
        F.conv2d(x, w.numpy())
    with pytest.raises(TypeError, match="dtype float64 and weight dtype float32"):
        F.conv2d(x.double(), w)
    with pytest.raises(ValueError, match=r"bias of shape \(2,\), got \(3,\)"):
        F.conv2d(x, w, tinycnn.randn(3))
    with pytest.raises(ValueError, match=r"expected cols of shape \(12, 18\)"):
        F.col2im(tinycnn.randn(12, 17), (2, 3, 4, 4), 2, padding=1, stride=2)


# --- conv_transpose2d, conv1d, unfold / fold -------------------------------------------

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


@pytest.mark.parametrize("op, shape", [
    (lambda x: F.conv_transpose2d(x, tinycnn.ones(1, 1, 2, 2)), (1, 1, 0, 0)),  # was (1, 1, 1, 1)
    (lambda x: F.unfold(x, 1, padding=1), (1, 1, 0, 0)),
    (lambda x: F.unfold(x, 1), (0, 0, 2, 2)),
])
def test_empty_images_are_rejected_as_in_pytorch(op, shape):
    with pytest.raises(ValueError, match="non-empty"):
        op(tinycnn.zeros(shape))
