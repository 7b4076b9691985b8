"""Memory safety of the kernels: no index of -1 or past the end, ever.

A max-pooling window that lies wholly in the padding has no pixel to win: its output is
-inf (as in PyTorch), its argmax -1, and its gradient goes nowhere. Before this was
handled, the numba backward wrote outside its buffer and the process aborted, so the
checks that could crash run in a subprocess (a crash is then a failed test, not a dead
test run). `test_kernels_under_numba_bounds_checking` runs every CPU kernel once more with
numba's bounds checking on (``NUMBA_BOUNDSCHECK=1``, which numba reads when it compiles,
so it too needs a fresh process).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinycnn
import tinycnn.functional as F
from tinycnn.kernels import reference

ROOT = Path(__file__).resolve().parents[2]

# (shape, kernel, stride, padding, dilation, ceil_mode): geometries with windows wholly in
# the padding (first two), plus the ordinary and edge cases every kernel must survive
POOLS = [
    ((2, 3, 1, 5), (2, 1), 1, (1, 0), (2, 1), False),
    ((1, 2, 1, 4), (2, 3), 1, (1, 1), (2, 1), True),
    ((2, 2, 4, 4), 2, 2, 0, 1, False),
    ((1, 1, 5, 7), 3, 2, 1, 1, True),
    ((1, 2, 1, 1), 1, 1, 0, 1, False),
]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter that imports this checkout's tinycnn."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=600)


def test_max_pool_window_in_padding_does_not_crash():
    # the repro, in a subprocess: before the fix it aborted with free()
    proc = run_python(
        "import tinycnn as tc, tinycnn.functional as F\n"
        "x = tc.randn(2, 3, 1, 5, requires_grad=True)\n"
        "F.max_pool2d(x, (2, 1), stride=1, padding=(1, 0), dilation=(2, 1)).sum().backward()\n"
        "print('grad', float(abs(x.grad).sum()))\n")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "grad 0.0" in proc.stdout


def test_reference_max_pool_window_in_padding_is_minus_inf_with_zero_gradient():
    x = np.random.default_rng(0).standard_normal((2, 3, 1, 5)).astype(np.float32)
    y, arg = reference.maxpool2d_forward(x, 2, 1, (1, 1), (1, 0), (2, 1), (1, 5))
    assert np.all(y == -np.inf) and np.all(arg == -1)
    gx = reference.maxpool2d_backward(np.ones_like(y), arg, x.shape)
    np.testing.assert_array_equal(gx, np.zeros_like(x))


def test_max_pool_window_in_padding_returns_index_minus_one():
    x = tinycnn.randn(1, 2, 1, 4, requires_grad=True)
    y, idx = F.max_pool2d(x, (2, 3), 1, (1, 1), (2, 1), True, return_indices=True)
    assert y.shape == (1, 2, 1, 4) and np.all(np.isneginf(y.numpy()))
    assert np.all(idx.numpy() == -1)


PROBE = r"""
import numpy as np, tinycnn, tinycnn.functional as F
from tinycnn.kernels import cpu, reference
import numba
assert numba.config.BOUNDSCHECK, "NUMBA_BOUNDSCHECK was not seen"
for shape, k, s, p, d, ceil in POOLS:
    x = tinycnn.randn(*shape, requires_grad=True)
    (kh, kw), st, pad, dil, out = F.pooling._pool_geometry(x, k, s, p, d, ceil, "max_pool2d")
    y, arg = cpu.maxpool2d_forward(x.numpy(), kh, kw, st, pad, dil, out)
    y_ref, arg_ref = reference.maxpool2d_forward(x.numpy(), kh, kw, st, pad, dil, out)
    assert np.array_equal(y, y_ref) and np.array_equal(arg, arg_ref), (shape, k, s, p, d)
    gy = np.random.default_rng(1).standard_normal(y.shape).astype(np.float32)
    assert np.allclose(cpu.maxpool2d_backward(gy, arg, x.shape),
                       reference.maxpool2d_backward(gy, arg_ref, x.shape), rtol=1e-6)
    (F.max_pool2d(x, k, s, p, d, ceil).sum() + F.avg_pool2d(x, k, s, p, ceil).sum()
     + F.avg_pool2d(x, k, s, p, ceil, False).sum()).backward()
x = tinycnn.randn(2, 2, 4, 4, requires_grad=True)
F.max_pool2d(x, 2).sum().backward()                       # the unrolled 2x2 kernel
for shape, w, s, p, d in [((2, 3, 5, 6), (4, 3, 3, 3), 1, 1, 1),  # direct convolution
                          ((2, 3, 5, 6), (20, 3, 2, 3), 2, (1, 2), 2),  # im2col
                          ((3, 2, 2, 2), (5, 2, 2, 2), 1, 1, 1),  # 4x4 outputs: batch inner
                          ((1, 1, 1, 1), (2, 1, 3, 3), 1, 1, 1)]:
    x = tinycnn.randn(*shape, requires_grad=True)
    conv = tinycnn.nn.Conv2d(w[1], w[0], w[2:], stride=s, padding=p, dilation=d)
    conv(x).sum().backward()
# depthwise: 1x1 images, windows in the padding, strides past the kernel, multiplier 2
for shape, m, k, s, p, d in [((2, 3, 1, 1), 1, (3, 3), (1, 1), (1, 1), (1, 1)),
                             ((1, 2, 5, 4), 2, (2, 3), (3, 2), (2, 0), (2, 1)),
                             ((2, 2, 3, 3), 1, (1, 1), (5, 5), (0, 0), (1, 1))]:
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    w = np.random.default_rng(3).standard_normal((shape[1] * m, 1) + k).astype(np.float32)
    out = F.conv2d(tinycnn.tensor(x), tinycnn.tensor(w), None, s, p, d, shape[1]).shape[2:]
    y = cpu.depthwise_forward(x, w, None, s, p, d, out)
    assert np.allclose(y, reference.depthwise_forward(x, w, None, s, p, d, out), atol=1e-5)
    gy = np.ones_like(y)
    assert np.allclose(cpu.depthwise_backward_input(gy, w, x.shape, s, p, d),
                       reference.depthwise_backward_input(gy, w, x.shape, s, p, d), atol=1e-5)
    assert np.allclose(cpu.depthwise_backward_weight(gy, x, *k, s, p, d),
                       reference.depthwise_backward_weight(gy, x, *k, s, p, d), atol=1e-4)
net = tinycnn.nn.Sequential(tinycnn.nn.BatchNorm2d(3), tinycnn.nn.ReLU())
x = tinycnn.randn(4, 3, 3, 5, requires_grad=True)
(net(x) ** 2).sum().backward()
net.eval()(x)
F.gelu(x)
opt = tinycnn.optim.Adam(net.parameters(), amsgrad=True)
opt.step()
print("bounds ok")
"""


def test_kernels_under_numba_bounds_checking(request):
    # every CPU kernel once, max pooling against the reference on the edge geometries
    # compiled with bounds checks into their own cache (numba's cache ignores the flag),
    # kept by pytest's cache so that later runs load instead of compiling
    cache = request.config.cache.mkdir("numba-boundscheck")
    proc = run_python(f"POOLS = {POOLS!r}\n" + PROBE, NUMBA_BOUNDSCHECK="1",
                      NUMBA_CACHE_DIR=str(cache), TINYCNN_KERNELS="auto")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "bounds ok" in proc.stdout


@pytest.mark.cuda
def test_cuda_max_pool_window_in_padding_is_minus_inf_with_zero_gradient():
    import cupy as cp  # noqa: PLC0415

    from tinycnn.kernels import cuda  # noqa: PLC0415

    x = cp.asarray(np.random.default_rng(0).standard_normal((2, 3, 1, 5)).astype(np.float32))
    y, arg = cuda.maxpool2d_forward(x, 2, 1, (1, 1), (1, 0), (2, 1), (1, 5))
    assert bool(cp.all(y == -cp.inf)) and bool(cp.all(arg == -1))
    gx = cuda.maxpool2d_backward(cp.ones_like(y), arg, x.shape)
    assert float(cp.abs(gx).sum()) == 0.0
