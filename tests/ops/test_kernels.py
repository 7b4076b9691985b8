"""The numba kernels (kernels/cpu/) against the plain-NumPy reference (kernels/reference.py).

Random geometries (hypothesis): sizes, kernels, strides 1-3, paddings 0-2, dilations,
asymmetric output sizes; float32 and float64. im2col and max pooling must agree
exactly (they only copy and compare); sums may differ in the last bits.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tinycnn
import tinycnn.functional as F
from tinycnn import kernels
from tinycnn.functional.conv import conv_output_size
from tinycnn.functional.pooling import pool_output_size
from tinycnn.kernels import cpu, reference
from tinycnn.kernels.cpu import conv as cpu_conv
from tinycnn.kernels.cpu import runtime

DTYPES = st.sampled_from([np.float32, np.float64])


@st.composite
def conv_geometry(draw):
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    extra = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))  # asymmetric ("same") padding
    oh = conv_output_size(h, kh, stride[0], 2 * padding[0] + extra[0], dilation[0])
    ow = conv_output_size(w, kw, stride[1], 2 * padding[1] + extra[1], dilation[1])
    return (n, c, h, w), kh, kw, stride, padding, dilation, (max(oh, 1), max(ow, 1))


@st.composite
def pool_geometry(draw):
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    h = draw(st.integers(dilation[0] * (kh - 1) + 1, 10))
    w = draw(st.integers(dilation[1] * (kw - 1) + 1, 10))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2)))
    ceil = draw(st.booleans())
    out = tuple(pool_output_size(*a, ceil) for a in zip((h, w), (kh, kw), stride, padding,
                                                        dilation))
    return (n, c, h, w), kh, kw, stride, padding, dilation, out


def _rand(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@settings(max_examples=60, deadline=None)
@given(conv_geometry(), DTYPES)
def test_im2col_col2im_numba_equals_reference(geom, dtype):
    shape, kh, kw, stride, padding, dilation, out = geom
    x = _rand(shape, dtype)
    ours = cpu.im2col(x, kh, kw, stride, padding, dilation, out)
    ref = reference.im2col(x, kh, kw, stride, padding, dilation, out)
    assert ours.dtype == dtype
    np.testing.assert_array_equal(ours, ref)
    cols = _rand(ref.shape, dtype, seed=1)
    np.testing.assert_allclose(cpu.col2im(cols, shape, kh, kw, stride, padding, dilation, out),
                               reference.col2im(cols, shape, kh, kw, stride, padding, dilation,
                                                out), rtol=1e-5, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(pool_geometry(), DTYPES)
def test_pooling_numba_equals_reference(geom, dtype):
    shape, kh, kw, stride, padding, dilation, out = geom
    x = _rand(shape, dtype)
    x.reshape(-1)[::7] = 0.5  # ties
    y, arg = cpu.maxpool2d_forward(x, kh, kw, stride, padding, dilation, out)
    y_ref, arg_ref = reference.maxpool2d_forward(x, kh, kw, stride, padding, dilation, out)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(arg, arg_ref)
    assert arg.dtype == np.int32 and y.dtype == dtype
    gy = _rand(y.shape, dtype, seed=2)
    np.testing.assert_allclose(cpu.maxpool2d_backward(gy, arg, shape),
                               reference.maxpool2d_backward(gy, arg_ref, shape), rtol=1e-6)
    for include_pad, override in ((True, None), (False, None), (True, 3)):
        args = (kh, kw, stride, padding, out, include_pad, override)
        np.testing.assert_allclose(cpu.avgpool2d_forward(x, *args),
                                   reference.avgpool2d_forward(x, *args), rtol=1e-5, atol=1e-6)
        bargs = (shape, kh, kw, stride, padding, include_pad, override)
        np.testing.assert_allclose(cpu.avgpool2d_backward(gy, *bargs),
                                   reference.avgpool2d_backward(gy, *bargs), rtol=1e-5,
                                   atol=1e-6)


def test_kernels_accept_non_contiguous_input():
    x = _rand((3, 2, 8, 9), np.float32)[:, :, ::2, 1:]  # a strided view
    args = (3, 2, (1, 2), (1, 0), (1, 1), (4, 4))
    np.testing.assert_array_equal(cpu.im2col(x, *args), reference.im2col(x, *args))


@pytest.mark.parametrize("args", [
    (3, 3, (1, 1), (1, 1), (1, 1), (4, 4)),     # reduced AlexNet's 3x3 layers
    (5, 5, (1, 1), (2, 2), (1, 1), (4, 4)),
    (3, 2, (2, 1), (1, 0), (2, 1), (2, 3)),     # stride, asymmetric padding, dilation
])
def test_batch_inner_columns_are_the_reference_columns_reordered(args):
    """im2col_batch_inner: column (i*ow + j)*N + n holds what reference column
    (n*oh + i)*ow + j holds; col2im_batch_inner is its adjoint (= reference col2im of the
    reordered columns)."""
    x = _rand((3, 2, 4, 4), np.float64)
    n, (oh, ow) = x.shape[0], args[-1]
    ref = reference.im2col(x, *args)
    reorder = ref.reshape(-1, n, oh * ow).transpose(0, 2, 1).reshape(ref.shape)
    cols = cpu_conv.im2col_batch_inner(x, *args)
    np.testing.assert_array_equal(cols, reorder)
    g = _rand(cols.shape, np.float64)
    back = g.reshape(-1, oh * ow, n).transpose(0, 2, 1).reshape(g.shape)
    np.testing.assert_allclose(cpu_conv.col2im_batch_inner(g, x.shape, *args),
                               reference.col2im(back, x.shape, *args), rtol=1e-12)


def test_erf_numba_equals_reference():
    x = np.linspace(-6, 6, 101)
    np.testing.assert_allclose(cpu.erf(x), reference.erf(x), rtol=1e-15)
    assert cpu.erf(x.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_numba_equals_reference_and_torch(dtype):
    """Forward keeps NaN; backward selects (0 where y <= 0, even for an inf or NaN
    gradient; g where y is NaN), as PyTorch's relu and threshold_backward do;
    non-contiguous input too."""
    x = np.array([[-2.0, -0.0, 0.0, 1.5, np.nan, np.inf, -np.inf, 3.0]], dtype=dtype)
    x = np.concatenate([x, _rand((1, 8), dtype)]).T  # a transposed (non-contiguous) view
    g = np.array([[np.nan, np.inf, 1.0, -2.0, 5.0, np.nan, 7.0, -np.inf]] * 2, dtype=dtype).T
    y = cpu.relu_forward(x)
    np.testing.assert_array_equal(y, reference.relu_forward(x))
    np.testing.assert_array_equal(y, torch.relu(torch.from_numpy(x)).numpy())
    gx = cpu.relu_backward(g, y)
    np.testing.assert_array_equal(gx, reference.relu_backward(g, y))
    np.testing.assert_array_equal(gx, torch.ops.aten.threshold_backward(
        torch.from_numpy(g), torch.from_numpy(y), 0).numpy())
    assert y.dtype == gx.dtype == dtype


def test_environment_variable_selects_reference(monkeypatch):
    x = tinycnn.randn(2, 3, 6, 6, requires_grad=True)
    w = tinycnn.randn(4, 3, 3, 3)
    fast = F.max_pool2d(F.conv2d(x, w, padding=1), 2)
    monkeypatch.setenv("TINYCNN_KERNELS", "reference")
    assert kernels.implementation(x._data) is reference
    slow = F.max_pool2d(F.conv2d(x, w, padding=1), 2)
    np.testing.assert_allclose(fast.numpy(), slow.numpy(), rtol=1e-5, atol=1e-5)
    monkeypatch.setenv("TINYCNN_KERNELS", "fastest")
    with pytest.raises(ValueError, match="TINYCNN_KERNELS must be one of"):
        F.max_pool2d(x, 2)


def test_import_tinycnn_does_not_import_numba():
    code = ("import sys, tinycnn, tinycnn.functional as F; "
            "assert 'numba' not in sys.modules; "
            "F.max_pool2d(tinycnn.randn(1, 1, 4, 4), 2); assert 'numba' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("busy", [False, True])
def test_threaded_kernels_give_identical_results(monkeypatch, busy):
    """Every output element is written by one thread: 1 or N threads, the same bits."""
    monkeypatch.setattr(runtime, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(runtime, "_machine_busy", lambda: busy)
    x = _rand((4, 3, 9, 9), np.float32)
    args = (3, 3, (2, 1), (1, 1), (1, 1), (5, 9))
    cols = cpu.im2col(x, *args)
    np.testing.assert_array_equal(cols, reference.im2col(x, *args))
    np.testing.assert_allclose(cpu.col2im(cols, x.shape, *args),
                               reference.col2im(cols, x.shape, *args), rtol=1e-6, atol=1e-6)
    y, arg = cpu.maxpool2d_forward(x, 2, 2, (2, 2), (0, 0), (1, 1), (4, 4))
    np.testing.assert_array_equal(arg, reference.maxpool2d_forward(
        x, 2, 2, (2, 2), (0, 0), (1, 1), (4, 4))[1])


def test_run_picks_threads_by_work_and_cost(monkeypatch):
    """`_run`: the serial twin below PARALLEL_MIN_WORK (elements x cost), the parallel
    version above it; a kernel without a twin runs its parallel version on one thread."""
    monkeypatch.setattr(runtime, "_machine_busy", lambda: False)
    calls = []

    def fake(kind):
        return lambda *args: calls.append((kind, runtime.numba.get_num_threads()))

    loop = runtime.Kernel.__new__(runtime.Kernel)
    loop.cost, loop.serial, loop.parallel = 4, fake("serial"), fake("parallel")
    limit = runtime.PARALLEL_MIN_WORK
    runtime._run(loop, limit // 4 - 1)
    runtime._run(loop, limit // 4)
    loop.serial = None
    runtime._run(loop, 1)
    runtime._run(loop, limit)
    assert [c[0] for c in calls] == ["serial", "parallel", "parallel", "parallel"]
    assert calls[2][1] == 1 and calls[3][1] == cpu.max_threads()


def test_load_sampling_reads_proc_stat():
    sample = runtime._cpu_sample()
    if sample is not None:  # Linux
        total, busy, own = sample
        assert total >= busy >= 0 and own > 0
    assert runtime._machine_busy() in (True, False)


@pytest.mark.parametrize("shape", [(9, 5, 4), (3, 5, 11)])  # split by rows / by columns
def test_cpu_matmul_split_over_threads(monkeypatch, shape):
    """Forced onto 2 threads (the real count depends on the load), the pieces of the
    product land in the right place, for a transposed (strided) operand too."""
    monkeypatch.setattr(runtime, "parallel_chunks", lambda: 2)
    monkeypatch.setattr(runtime, "PARALLEL_MIN_PRODUCT", 0)
    m, k, n = shape
    gen = np.random.default_rng(0)
    a = gen.standard_normal((m, k), dtype=np.float32)
    b = gen.standard_normal((n, k), dtype=np.float32).T
    np.testing.assert_allclose(kernels.matmul(a, b), a @ b, rtol=1e-6, atol=1e-6)
    x = tinycnn.tensor(gen.standard_normal((2, 3, k), dtype=np.float32), requires_grad=True)
    w = tinycnn.tensor(gen.standard_normal((n, k), dtype=np.float32), requires_grad=True)
    x2 = x.detach().reshape(6, k)
    np.testing.assert_allclose(F.linear(x2, w).numpy(), x2.numpy() @ w.numpy().T,
                               rtol=1e-5, atol=1e-5)
    F.linear(x, w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(w.numpy().sum(0), (2, 3, k)),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(w.grad.numpy(), np.broadcast_to(
        x.numpy().reshape(-1, k).sum(0), (n, k)), rtol=1e-5, atol=1e-5)


def _conv_case(groups=2):
    x = _rand((3, 4, 7, 6), np.float64)
    w = _rand((6, 4 // groups, 3, 2), np.float64, seed=1)
    b = _rand((6,), np.float64, seed=2)
    g = kernels.ConvGeometry(3, 2, (2, 1), (1, 0), (1, 2), (4, 4), groups)
    return x, w, b, g


@pytest.mark.parametrize("groups", [1, 2])
def test_cpu_convolution_equals_the_reference(groups):
    """The CPU fast path (chunks, layouts, direct convolution) computes the reference's
    im2col + GEMM + col2im, forward and backward."""
    x, w, b, g = _conv_case(groups)
    y = cpu.conv2d_forward(x, w, b, g)
    np.testing.assert_allclose(y, reference.conv2d_forward(x, w, b, g), rtol=1e-12)
    gy = _rand(y.shape, np.float64, seed=3)
    ours = cpu.conv2d_backward(gy, x, w, x.shape, g, (True, True, True))
    want = reference.conv2d_backward(gy, x, w, x.shape, g, (True, True, True))
    for a, r in zip(ours, want):
        np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-12)
    torch_y = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w),
                                         torch.from_numpy(b), stride=(2, 1), padding=(1, 0),
                                         dilation=(1, 2), groups=groups)
    np.testing.assert_allclose(y, torch_y.numpy(), rtol=1e-10, atol=1e-12)
    skipped = reference.conv2d_backward(gy, None, w, x.shape, g, (True, False, False))
    assert skipped[1] is None and skipped[2] is None


def test_every_backend_implements_the_whole_kernel_table():
    """`tinycnn.kernels.KERNELS` is the contract: reference and CPU define every kernel
    (tests/cuda/test_cuda_sources.py checks the CUDA module), and the dispatchers exist."""
    for module in (reference, cpu, kernels):
        missing = [k for k in kernels.KERNELS if not callable(getattr(module, k, None))]
        assert not missing, (module.__name__, missing)
    from tinycnn.profiler import KERNELS

    assert set(KERNELS) == set(kernels.KERNELS)


def test_importing_the_cpu_kernels_configures_nothing():
    """No import-time side effects: the OpenMP wait policy and the allocator are set by
    `runtime.configure`, on the first kernel run."""
    code = ("import os; os.environ.pop('OMP_WAIT_POLICY', None); "
            "from tinycnn.kernels.cpu import runtime; "
            "assert 'OMP_WAIT_POLICY' not in os.environ and not runtime._configured; "
            "import numpy as np, tinycnn.kernels as k; k.relu_forward(np.ones(3)); "
            "assert os.environ['OMP_WAIT_POLICY'] == 'PASSIVE' and runtime._configured")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_profiler_times_every_kind_of_kernel():
    """The profiler sees the kernels called through `tinycnn.kernels` and those a backend
    calls itself (the CPU convolution's im2col), the fused Adam update and matmul too."""
    from tinycnn import nn, optim
    from tinycnn.profiler import Profiler

    model = nn.Sequential(nn.Conv2d(3, 20, 3), nn.Flatten(), nn.Linear(20 * 8 * 8, 5))
    opt = optim.Adam(model.parameters())
    prof = Profiler()
    with prof:
        model(tinycnn.randn(2, 3, 10, 10, requires_grad=True)).sum().backward()
        opt.step()
    for name in ("conv2d_forward", "conv2d_backward", "im2col", "col2im", "matmul",
                 "adam_update"):
        assert prof.calls.get(name, 0) >= 1, name
    assert prof.calls["conv2d_forward"] == 1  # timed once, not once per layer of dispatch
