"""The core ops on the GPU (CuPy): the same code path must give the CPU's (and torch's) results.

Every test here is marked ``cuda`` and skipped cleanly where CuPy or a GPU is missing
(tests/conftest.py). On a GPU machine they run the real thing: tensors on device='cuda',
forward and backward there, results compared with PyTorch on the CPU via `check_op`.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_op

import tinycnn
from tinycnn import DeviceError

pytestmark = pytest.mark.cuda


def cuda_check(shapes, fn, torch_fn=None, **kw):
    """check_op with the tinycnn inputs on the GPU; outputs must stay on the GPU."""
    kw.setdefault("atol", 1e-5)
    kw.setdefault("rtol", 1e-4)  # cuBLAS/reduction order differs from the CPU
    return check_op(shapes, fn, torch_fn, device="cuda", **kw)


@pytest.mark.parametrize("fn", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / (b.abs() + 1),
    lambda a, b: (a.abs() + 0.5) ** b, lambda a, b: a.maximum(b), lambda a, b: a.minimum(b),
    lambda a, b: a @ b.transpose(-1, -2),
])
def test_binary_ops_on_gpu(fn):
    cuda_check([(2, 3, 4), (3, 4)], fn)


@pytest.mark.parametrize("fn", [
    lambda a: a.exp(), lambda a: (a.abs() + 0.1).log(), lambda a: (a.abs() + 0.1).sqrt(),
    lambda a: a.abs(), lambda a: a.clip(-0.5, 0.5), lambda a: -a * 2.5 + 1,
    lambda a: a.sum(1), lambda a: a.mean((0, 2), keepdim=True), lambda a: a.var(0),
    lambda a: a.std(-1, correction=0), lambda a: a.max(), lambda a: tuple(a.max(1)),
    lambda a: tuple(a.min(-1, keepdim=True)), lambda a: a.argmax(1),
    lambda a: a.reshape(6, 4), lambda a: a.permute(2, 0, 1), lambda a: a.flatten(1),
    lambda a: a[:, 1:, ::2], lambda a: a[[0, 0, 1]], lambda a: a[a > 0],
    lambda a: a.unsqueeze(0).expand(3, 2, 3, 4), lambda a: a.squeeze(),
])
def test_unary_reduction_and_shape_ops_on_gpu(fn):
    cuda_check([(2, 3, 4)], fn)


def test_where_cat_stack_pad_on_gpu():
    cond = np.random.default_rng(0).random((3, 4)) > 0.5
    cuda_check([cond, (3, 4), (4,)], lambda c, x, y: tinycnn.where(c, x, y),
               lambda c, x, y: torch.where(c, x, y))
    cuda_check([(2, 3), (2, 3)], lambda a, b: tinycnn.cat([a, b], 1), lambda a, b: torch.cat([a, b], 1))
    cuda_check([(2, 3), (2, 3)], lambda a, b: tinycnn.stack([a, b]), lambda a, b: torch.stack([a, b]))
    cuda_check([(2, 3, 4)], lambda a: tinycnn.pad(a, (1, 2, 0, 1)),
               lambda a: torch.nn.functional.pad(a, (1, 2, 0, 1)))


def test_getitem_repeated_indices_accumulate_on_gpu():
    idx = np.array([0, 0, 2, 0], dtype=np.int64)
    cuda_check([(4, 3), idx], lambda a, i: a[i])


def test_factories_and_moves():
    x = tinycnn.randn(3, 4, device="cuda")
    assert x.device == "cuda" and x.dtype == np.float32
    for t in (tinycnn.zeros(2, device="cuda"), tinycnn.ones(2, device="cuda:0"),
              tinycnn.arange(5, device="cuda"), tinycnn.eye(3, device="cuda"),
              tinycnn.full((2,), 1.5, device="cuda"), tinycnn.rand(2, device="cuda"),
              tinycnn.randint(0, 5, (3,), device="cuda"), tinycnn.zeros_like(x)):
        assert t.device == "cuda"
    y = x.cpu()
    assert y.device == "cpu" and isinstance(y.numpy(), np.ndarray)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    z = tinycnn.tensor(np.ones(3), device="cuda")
    assert z.device == "cuda" and z.dtype == np.float32 and z.sum().item() == 3.0
    assert "device='cuda'" in repr(z)


def test_gradient_flows_back_across_devices():
    x = tinycnn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x.cuda() * 2).sum()
    y.backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])
    w = tinycnn.ones(3, device="cuda", requires_grad=True)
    (w * w).sum().backward()
    assert w.grad.device == "cuda"


def test_mixing_devices_names_both():
    a, b = tinycnn.ones(2), tinycnn.ones(2, device="cuda")
    with pytest.raises(DeviceError, match="cpu.*cuda|cuda.*cpu"):
        a + b
    with pytest.raises(DeviceError, match="cpu.*cuda|cuda.*cpu"):
        tinycnn.cat([a, b])


def test_manual_seed_repeats_gpu_draws():
    tinycnn.manual_seed(5)
    a = tinycnn.randn(4, device="cuda").numpy()
    tinycnn.manual_seed(5)
    b = tinycnn.randn(4, device="cuda").numpy()
    np.testing.assert_array_equal(a, b)


def test_gradcheck_on_gpu():
    x = tinycnn.randn(3, 4, device="cuda", dtype=np.float64, requires_grad=True)
    w = tinycnn.randn(4, 2, device="cuda", dtype=np.float64, requires_grad=True)
    assert tinycnn.gradcheck(lambda a, b: (a @ b).exp().sum(0), (x, w))
