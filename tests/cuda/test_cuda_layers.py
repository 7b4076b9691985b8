"""The CNN ops on the GPU (CuPy): kernels vs the reference, ops vs PyTorch (CPU).

Every test here is marked ``cuda`` and skips cleanly without CuPy and a GPU.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import check_op

import tinycnn
import tinycnn.functional as F
from tinycnn.functional.pooling import pool_output_size

pytestmark = pytest.mark.cuda

GEOMETRIES = [  # (x shape, kh, kw, stride, padding, dilation)
    ((2, 3, 7, 6), 3, 3, (1, 1), (1, 1), (1, 1)),
    ((2, 2, 9, 8), 2, 3, (3, 2), (1, 0), (1, 1)),
    ((1, 3, 9, 9), 3, 2, (2, 1), (1, 1), (2, 1)),
    ((3, 1, 5, 4), 1, 1, (2, 2), (0, 0), (1, 1)),
    ((2, 2, 13, 13), 3, 3, (2, 2), (0, 0), (1, 1)),
]


@pytest.mark.parametrize("shape,kh,kw,stride,padding,dilation", GEOMETRIES)
def test_cuda_kernels_equal_reference(shape, kh, kw, stride, padding, dilation):
    import cupy as cp

    from tinycnn.kernels import cuda, reference

    gen = np.random.default_rng(0)
    x = gen.standard_normal(shape).astype(np.float32)
    x.reshape(-1)[::5] = 0.25  # ties for max pooling
    xg = cp.asarray(x)
    out = tuple(pool_output_size(*a, True) for a in zip(shape[2:], (kh, kw), stride, padding,
                                                         dilation))
    cols = reference.im2col(x, kh, kw, stride, padding, dilation, out)
    np.testing.assert_array_equal(cuda.im2col(xg, kh, kw, stride, padding, dilation,
                                              out).get(), cols)
    g = gen.standard_normal(cols.shape).astype(np.float32)
    np.testing.assert_allclose(
        cuda.col2im(cp.asarray(g), shape, kh, kw, stride, padding, dilation, out).get(),
        reference.col2im(g, shape, kh, kw, stride, padding, dilation, out), rtol=1e-5, atol=1e-5)

    y, arg = reference.maxpool2d_forward(x, kh, kw, stride, padding, dilation, out)
    yg, argg = cuda.maxpool2d_forward(xg, kh, kw, stride, padding, dilation, out)
    np.testing.assert_array_equal(yg.get(), y)
    np.testing.assert_array_equal(argg.get(), arg)
    gy = gen.standard_normal(y.shape).astype(np.float32)
    np.testing.assert_allclose(cuda.maxpool2d_backward(cp.asarray(gy), argg, shape).get(),
                               reference.maxpool2d_backward(gy, arg, shape), rtol=1e-5,
                               atol=1e-6)
    for include_pad, override in ((True, None), (False, None), (True, 2)):
        fwd = (kh, kw, stride, padding, out, include_pad, override)
        np.testing.assert_allclose(cuda.avgpool2d_forward(xg, *fwd).get(),
                                   reference.avgpool2d_forward(x, *fwd), rtol=1e-5, atol=1e-6)
        bwd = (shape, kh, kw, stride, padding, include_pad, override)
        np.testing.assert_allclose(cuda.avgpool2d_backward(cp.asarray(gy), *bwd).get(),
                                   reference.avgpool2d_backward(gy, *bwd), rtol=1e-5,
                                   atol=1e-6)
    np.testing.assert_allclose(cuda.erf(xg).get(), reference.erf(x), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kw", [{"padding": 1}, {"stride": 2, "groups": 2},
                                {"dilation": 2, "padding": "same"}])
def test_conv2d_cuda_matches_torch(kw):
    check_op([(2, 4, 7, 6), (4, 4 // kw.get("groups", 1), 3, 3), (4,)],
             lambda x, w, b: F.conv2d(x, w, b, **kw), lambda x, w, b: TF.conv2d(x, w, b, **kw),
             atol=1e-4, rtol=1e-4, device="cuda")


@pytest.mark.parametrize("ours,theirs", [
    (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
     lambda x: TF.max_pool2d(x, 3, 2, 1, ceil_mode=True)),
    (lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
     lambda x: TF.avg_pool2d(x, 3, 2, 1, count_include_pad=False)),
    (lambda x: F.adaptive_avg_pool2d(x, (3, 2)), lambda x: TF.adaptive_avg_pool2d(x, (3, 2))),
    (lambda x: F.adaptive_max_pool2d(x, (3, 2)), lambda x: TF.adaptive_max_pool2d(x, (3, 2))),
    (lambda x: F.gelu(x), TF.gelu),
    (lambda x: F.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1)),
    (lambda x: F.sigmoid(x), torch.sigmoid),
])
def test_pooling_and_activations_cuda_match_torch(ours, theirs):
    check_op([(2, 3, 7, 7)], ours, theirs, atol=1e-5, device="cuda")


def test_batch_norm_and_losses_cuda_match_torch():
    rm, rv = tinycnn.zeros(3, device="cuda"), tinycnn.ones(3, device="cuda")
    trm, trv = torch.zeros(3), torch.ones(3)
    check_op([(4, 3, 5, 5), (3,), (3,)],
             lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=True),
             lambda x, w, b: TF.batch_norm(x, trm, trv, w, b, training=True),
             atol=1e-5, grad_atol=3e-5, device="cuda")
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-5)
    labels = np.array([0, 2, 1, -100, 2])
    check_op([(5, 3), labels],
             lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1),
             lambda x, y: TF.cross_entropy(x, y, label_smoothing=0.1), device="cuda")
    check_op([(5, 3), (5, 3)], F.binary_cross_entropy_with_logits,
             TF.binary_cross_entropy_with_logits, device="cuda")


def test_dropout_on_cuda():
    x = tinycnn.ones(100, 100, device="cuda", requires_grad=True)
    y = F.dropout(x, 0.3)
    assert y.device == "cuda"
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.03
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())


def test_small_cnn_step_cuda_equals_cpu():
    """conv -> relu -> pool -> linear -> cross-entropy, forward and gradients on both devices."""
    gen = np.random.default_rng(4)
    arrays = [gen.standard_normal(s).astype(np.float32) * 0.5
              for s in [(4, 1, 12, 12), (6, 1, 5, 5), (6,), (10, 6 * 4 * 4), (10,)]]
    labels = tinycnn.tensor(gen.integers(0, 10, 4))
    results = {}
    for device in ("cpu", "cuda"):
        x, w1, b1, w2, b2 = [tinycnn.tensor(a, device=device, requires_grad=i > 0)
                             for i, a in enumerate(arrays)]
        h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1)), 2)
        loss = F.cross_entropy(F.linear(h.flatten(1), w2, b2), labels.to(device))
        loss.backward()
        results[device] = [loss.numpy()] + [t.grad.numpy() for t in (w1, b1, w2, b2)]
    for a, b in zip(results["cpu"], results["cuda"]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
