"""Compile the CUDA C of every CuPy kernel in `tinycnn.kernels.cuda` with ``nvcc``.

CuPy compiles a kernel only when it is first called on a GPU, so a typo in a kernel
string would go unnoticed on machines without one. These tests need no GPU and no
CuPy: `tinycnn/kernels/cuda.py` is loaded against a stand-in ``cupy`` module that
records each ``ElementwiseKernel`` / ``RawKernel`` (and works on NumPy arrays), then

* every ``RawKernel``'s source is compiled as it is;
* every ``ElementwiseKernel`` is wrapped in a ``__global__`` function the way CuPy
  generates it (``cupy/_core/_kernel.pyx``): inputs are ``const``, ``raw`` arguments are
  ``CArray`` objects indexed by flat position, other array arguments are references
  to the thread's element, ``i`` is the element index, the type placeholder (``T``) is
  a ``typedef``), once for float32 and once for float64, and compiled with
  ``nvcc --ptx`` (PTX needs no GPU or driver);
* each Python wrapper is called once on small NumPy arrays, and the stand-in kernel
  checks its arguments as CuPy would (their number; exact dtypes for typed arrays;
  one dtype per placeholder);
* each kernel body is also built as a plain C++ loop over ``i`` (nvcc's host compiler)
  and run on the CPU through the same wrappers: the results must equal
  `tinycnn.kernels.reference` (the kernel logic, without a GPU).

The ``CArray``/``CIndexer`` below are a minimal stand-in for CuPy's ``cupy/carray.cuh``
(same member signatures, enough to type-check). Not covered here: float16 (CuPy's
``float16`` class is CuPy's own), NVRTC itself, launch configuration and races between
threads (the CPU loop is sequential); tests/cuda/test_cuda_core.py and test_cuda_layers.py
check those on a GPU.
"""

from __future__ import annotations

import ctypes
import importlib.util
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from helpers import check_batchnorm_kernels

from tinycnn.kernels import reference as ref

NVCC = shutil.which("nvcc")
pytestmark = pytest.mark.skipif(
    NVCC is None, reason="nvcc (the CUDA compiler) is not on PATH: CUDA kernel sources "
                         "cannot be compiled here")

CUDA_PY = Path(__file__).resolve().parents[2] / "tinycnn" / "kernels" / "cuda.py"

# NumPy dtype names CuPy accepts in parameter lists -> the C type CuPy uses
_C_TYPES = {"bool": "bool", "int8": "signed char", "uint8": "unsigned char",
            "int16": "short", "uint16": "unsigned short", "int32": "int",
            "uint32": "unsigned int", "int64": "long long", "uint64": "unsigned long long",
            "float32": "float", "float64": "double"}

_HEADER = r"""
#include <cstddef>
#define CUPY_FOR(i, n) \
    for (ptrdiff_t i = static_cast<ptrdiff_t>(blockIdx.x) * blockDim.x + threadIdx.x; \
         i < (n); i += static_cast<ptrdiff_t>(blockDim.x) * gridDim.x)

template <typename T, int ndim, bool c_contiguous = false, bool use_32bit = false,
          int core_ndim = 0>
class CArray {
  T* data_;
  ptrdiff_t size_, shape_[ndim], strides_[ndim];
 public:
  __device__ ptrdiff_t size() const { return size_; }
  template <typename Int>
  __device__ const T& operator[](const Int (&idx)[ndim]) const { return data_[idx[0]]; }
  template <typename Int>
  __device__ T& operator[](const Int (&idx)[ndim]) { return data_[idx[0]]; }
  __device__ const T& operator[](ptrdiff_t i) const { return data_[i]; }
  __device__ T& operator[](ptrdiff_t i) { return data_[i]; }
};

template <int ndim, bool use_32bit = false>
class CIndexer {
  ptrdiff_t size_, index_[ndim];
 public:
  __device__ ptrdiff_t size() const { return size_; }
  __device__ void set(ptrdiff_t i) { index_[0] = i; }
  __device__ const ptrdiff_t (&get() const)[ndim] { return index_; }
};
"""


class _Param:
    """One entry of a CuPy parameter list, e.g. ``raw T x`` or ``int32 h``."""

    def __init__(self, text: str, is_input: bool):
        words = text.split()
        if len(words) < 2 or any(w != "raw" for w in words[:-2]):
            raise ValueError(f"bad CuPy parameter {text!r}")
        self.type, self.name = words[-2:]
        self.raw = "raw" in words[:-2]
        self.is_input = is_input
        if len(self.type) != 1 and self.type not in _C_TYPES:
            raise ValueError(f"unknown type {self.type!r} in CuPy parameter {text!r}")

    @property
    def placeholder(self) -> bool:
        return len(self.type) == 1

    def c_type(self) -> str:
        return self.type if self.placeholder else _C_TYPES[self.type]


def _params(text: str, is_input: bool) -> list[_Param]:
    return [_Param(p, is_input) for p in text.split(",") if p.strip()]


class _ElementwiseKernel:
    """Records a kernel's definition; calling it checks the arguments like CuPy does."""

    def __init__(self, in_params: str, out_params: str, operation: str,
                 name: str = "kernel", reduce_dims: bool = True, preamble: str = "",
                 **kwargs: object):
        self.inputs = _params(in_params, True)
        self.outputs = _params(out_params, False)
        if "i" in [p.name for p in self.inputs + self.outputs]:
            raise ValueError("Can not use 'i' as a parameter name")
        self.operation, self.name, self.preamble = operation, name, preamble
        self.calls = 0
        _KERNELS.append(self)

    def __call__(self, *args: object, **kwargs: object) -> object:
        params = self.inputs + self.outputs
        assert len(args) in (len(self.inputs), len(params)), (
            f"{self.name}: {len(args)} arguments; takes {len(self.inputs)} inputs "
            f"(+ {len(self.outputs)} outputs)")
        # non-raw arrays broadcast together (CuPy's rule); the inputs are handed to the
        # host loop as contiguous copies of that shape, since it indexes them by i. With
        # raw arrays only, CuPy needs the index range as ``size=``.
        shapes = [np.shape(a) for p, a in zip(params, args)
                  if isinstance(a, np.ndarray) and not p.raw]
        assert bool(shapes) != ("size" in kwargs), (
            f"{self.name}: size= must be given exactly when every array is raw")
        shape = np.broadcast_shapes(*shapes) if shapes else (int(kwargs["size"]),)
        if len(args) == len(self.inputs):  # CuPy allocates the outputs, unless raw
            assert not any(p.raw for p in self.outputs), (
                f"{self.name}: a raw output must be passed (its size is unknown)")
            types_ = {p.type: a.dtype for p, a in zip(self.inputs, args)
                      if isinstance(a, np.ndarray)}
            args += tuple(np.empty(shape, types_[p.type] if p.placeholder else p.type)
                          for p in self.outputs)
        for p, a in zip(self.outputs, args[len(self.inputs):]):
            assert p.raw or a.shape == shape, f"{self.name}: output {p.name} is not {shape}"
        args = tuple(np.ascontiguousarray(np.broadcast_to(a, shape))
                     if p.is_input and not p.raw and isinstance(a, np.ndarray) else a
                     for p, a in zip(params, args))
        bound: dict[str, np.dtype] = {}
        for p, a in zip(params, args):
            if isinstance(a, np.ndarray):
                if p.placeholder:
                    assert bound.setdefault(p.type, a.dtype) == a.dtype, (
                        f"{self.name}: {p.name} is {a.dtype}, but {p.type} is {bound[p.type]}")
                else:  # CuPy requires the exact dtype of a typed array argument
                    assert a.dtype == np.dtype(p.type), (
                        f"{self.name}: {p.name} must be {p.type}, got {a.dtype}")
                if p.raw:
                    assert a.ndim == 1 and a.flags.c_contiguous, (
                        f"{self.name}: raw {p.name} is indexed by flat position; pass a "
                        "contiguous 1-D array")
            else:
                assert p.is_input and not p.raw and not p.placeholder, (
                    f"{self.name}: {p.name} needs an array, got {type(a).__name__}")
                assert isinstance(a, (bool, int, float, np.generic)), (
                    f"{self.name}: scalar {p.name} got {type(a).__name__}")
        self.calls += 1
        if _HOST:  # run the kernel body on the CPU (see _HostRunner)
            _HOST[0].run(self, params, args, bound, int(np.prod(shape)))
        return args[len(self.inputs)] if len(self.outputs) == 1 else args[len(self.inputs):]

    def source(self, ctype: str) -> str:
        """The CUDA C CuPy would generate, with every placeholder set to ``ctype``."""
        typedefs = "".join(f"typedef {ctype} {t};\n" for t in sorted(
            {p.type for p in self.inputs + self.outputs if p.placeholder}))
        args, body = [], []
        for p in self.inputs + self.outputs:
            const = "const " if p.is_input else ""
            if p.raw:
                args.append(f"{const}CArray<{p.c_type()}, 1, true, true> {p.name}")
            elif p.is_input:  # a scalar, or an array read through a const reference
                args.append(f"const {p.c_type()} {p.name}")
            else:
                args.append(f"CArray<{p.c_type()}, 1, true, true> _raw_{p.name}")
                body.append(f"{p.c_type()} &{p.name} = _raw_{p.name}[_ind.get()];")
        args.append("CIndexer<1, true> _ind")
        body.append(self.operation)
        return (f"{typedefs}{self.preamble}\n"
                f'extern "C" __global__ void {self.name}({", ".join(args)}) {{\n'
                "  CUPY_FOR(i, _ind.size()) {\n    _ind.set(i);\n"
                + "\n".join(body) + ";\n  }\n}\n")


class _HostRunner:
    """Runs an ElementwiseKernel's CUDA C body as a plain C++ loop over ``i`` (compiled by
    nvcc's host compiler and called through ctypes): the kernel logic, checked on the CPU.
    ``atomicAdd`` becomes ``+=`` (the loop is sequential)."""

    _PRELUDE = r"""
#include <cmath>
#include <cstddef>
#include <algorithm>
using std::min; using std::max; using std::isnan; using std::erf;
#define __device__
template <class T> struct Flat { T* p; T& operator[](ptrdiff_t k) const { return p[k]; } };
template <class T> void atomicAdd(T* a, T v) { *a += v; }
"""
    _CTYPES = {"bool": ctypes.c_bool, "int": ctypes.c_int, "long long": ctypes.c_longlong,
               "float": ctypes.c_float, "double": ctypes.c_double}

    def __init__(self, where: Path):
        self.where, self.libs = where, {}

    def run(self, k: _ElementwiseKernel, params: list, args: tuple, bound: dict,
            size: int) -> None:
        def c_type(p: _Param) -> str:
            return _C_TYPES[bound[p.type].name] if p.placeholder else p.c_type()

        decls, pre, body, argv = ["ptrdiff_t _n"], [], [], []
        for p, a in zip(params, args):
            const = "const " if p.is_input else ""
            if p.raw:
                decls.append(f"{const}{c_type(p)}* _ptr_{p.name}")
                pre.append(f"Flat<{const}{c_type(p)}> {p.name}{{_ptr_{p.name}}};")
            elif isinstance(a, np.ndarray):
                decls.append(f"{const}{c_type(p)}* _raw_{p.name}")
                body.append(f"{const}{c_type(p)} &{p.name} = _raw_{p.name}[i];")
            else:
                decls.append(f"{c_type(p)} {p.name}")
            argv.append(ctypes.c_void_p(a.ctypes.data) if isinstance(a, np.ndarray)
                        else self._CTYPES[c_type(p)](a))
        typedefs = "".join(f"typedef {_C_TYPES[d.name]} {t};\n" for t, d in bound.items())
        src = (f"{self._PRELUDE}namespace host {{\n{typedefs}{k.preamble}\n"
               f'extern "C" void run({", ".join(decls)}) {{\n' + "\n".join(pre)
               + "\nfor (ptrdiff_t i = 0; i < _n; ++i) {\n" + "\n".join(body)
               + f"\n{k.operation};\n}}\n}}\n}}\n")
        lib = self.libs.get(src)
        if lib is None:
            name = f"{k.name}_{len(self.libs)}"
            cpp, so = self.where / f"{name}.cpp", self.where / f"{name}.so"
            cpp.write_text(src)
            done = subprocess.run([NVCC, "-x", "c++", "-O1", "-shared", "-Xcompiler", "-fPIC",
                                   "-o", str(so), str(cpp)], capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == 0, f"host build of {k.name} failed:\n{done.stderr}"
            lib = self.libs[src] = ctypes.CDLL(str(so))
        lib.run(ctypes.c_ssize_t(size), *argv)


_HOST: list[_HostRunner] = []  # set while a test runs the kernels on the CPU


class _RawKernel:
    def __init__(self, code: str, name: str, *args: object, **kwargs: object):
        self.code, self.name = code, name
        _KERNELS.append(self)


_KERNELS: list = []


def _fake_cupy() -> types.ModuleType:
    """A ``cupy`` stand-in: kernel recorders, array functions from NumPy."""
    cp = types.ModuleType("cupy")
    cp.ElementwiseKernel = _ElementwiseKernel
    cp.RawKernel = _RawKernel
    cp.ndarray = np.ndarray
    for name in ("empty", "zeros", "ascontiguousarray", "int32", "int64", "float32",
                 "float64"):
        setattr(cp, name, getattr(np, name))
    return cp


@pytest.fixture(scope="module")
def cuda_module() -> types.ModuleType:
    """tinycnn/kernels/cuda.py loaded against the stand-in ``cupy`` (not registered in
    ``sys.modules``, so the real module is untouched)."""
    _KERNELS.clear()
    saved = sys.modules.get("cupy")
    sys.modules["cupy"] = _fake_cupy()
    try:
        spec = importlib.util.spec_from_file_location("tinycnn.kernels._cuda_under_test",
                                                      CUDA_PY)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            del sys.modules["cupy"]
        else:
            sys.modules["cupy"] = saved
    assert _KERNELS, "no CuPy kernel found in tinycnn/kernels/cuda.py"
    return module


def _nvcc(source: str, where: Path, name: str) -> str:
    """Compile ``source`` to PTX (no GPU needed) and return the PTX; fail on any error."""
    cu = where / f"{name}.cu"
    cu.write_text(source)
    done = subprocess.run([NVCC, "--ptx", "-arch=sm_80", "-std=c++17", "-o",
                           str(where / f"{name}.ptx"), str(cu)],
                          capture_output=True, text=True, timeout=300)
    numbered = "\n".join(f"{k + 1:4d} {line}" for k, line in enumerate(source.splitlines()))
    assert done.returncode == 0, (
        f"nvcc rejected {name}:\n{done.stderr}\n--- source ---\n{numbered}")
    return (where / f"{name}.ptx").read_text()


def test_every_kernel_compiles(cuda_module: types.ModuleType, tmp_path: Path) -> None:
    # every ElementwiseKernel, for float and double, in one file (nvcc starts slowly); each
    # in a namespace of its own, as CuPy compiles each in a file of its own
    parts, tags = [_HEADER], []
    for k in _KERNELS:
        if isinstance(k, _RawKernel):
            assert k.name in _nvcc(k.code, tmp_path, k.name)  # a complete file already
            continue
        for ctype in ("float", "double"):
            tag = f"{k.name}_{ctype}"
            tags.append(tag)
            src = k.source(ctype).replace(f"void {k.name}(", f"void {tag}(")
            parts.append(f"namespace {tag} {{  // ---- {k.name} with T = {ctype}\n{src}}}\n")
    ptx = _nvcc("\n".join(parts), tmp_path, "tinycnn_elementwise")
    for tag in tags:  # each kernel really became a GPU entry point
        assert re.search(rf"\.entry\s+{tag}\s*\(", ptx), f"{tag} missing from the PTX"
    names = {k.name for k in _KERNELS}
    assert {"tinycnn_im2col_int32", "tinycnn_im2col_int64", "tinycnn_col2im_int32",
            "tinycnn_col2im_int64", "tinycnn_maxpool_fwd", "tinycnn_maxpool_bwd",
            "tinycnn_avgpool_fwd", "tinycnn_avgpool_bwd", "tinycnn_erf", "tinycnn_relu_fwd",
            "tinycnn_relu_bwd", "tinycnn_bn_forward",
            "tinycnn_bn_backward", "tinycnn_adam", "tinycnn_adam_amsgrad"} <= names


# without the host runner the kernels leave their outputs as np.empty made them, so the
# wrappers' own NumPy arithmetic on them may overflow: this test checks shapes only
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_wrappers_pass_what_the_kernels_declare(cuda_module: types.ModuleType,
                                                dtype: type) -> None:
    m, x = cuda_module, np.ones((2, 3, 5, 6), dtype=dtype)
    geometry = ((2, 1), (1, 0), (1, 2), (3, 4))  # stride, padding, dilation, out_size
    cols = m.im2col(x, 2, 3, *geometry)
    assert cols.shape == (3 * 2 * 3, 2 * 3 * 4) and cols.dtype == dtype
    assert m.col2im(cols, x.shape, 2, 3, *geometry).shape == x.shape
    y, arg = m.maxpool2d_forward(x, 2, 3, *geometry)
    assert y.shape == arg.shape == (2, 3, 3, 4) and arg.dtype == np.int32
    assert m.maxpool2d_backward(y, arg, x.shape).shape == x.shape
    for include_pad, override in ((True, None), (False, 3)):
        y = m.avgpool2d_forward(x, 2, 3, (2, 1), (1, 0), (3, 4), include_pad, override)
        assert y.shape == (2, 3, 3, 4)
        assert m.avgpool2d_backward(y, x.shape, 2, 3, (2, 1), (1, 0), include_pad,
                                    override).shape == x.shape
    m.erf(x)
    assert m.relu_backward(x, m.relu_forward(x)).shape == x.shape
    mean, var = m.batchnorm_stats(x.reshape(2, 3, -1))
    assert mean.shape == var.shape == (3,)
    y, xhat = m.batchnorm_forward(x.reshape(2, 3, -1), mean, var, var, mean)
    for training in (True, False):
        assert m.batchnorm_backward(y, xhat, var, training)[0].shape == (2, 3, 30)
    p = np.ones(7, dtype=dtype)
    assert m.adam_update(p, p * 2, p * 0, p * 0, None, 0.9, 0.999, 1e-3, 1.0, 1e-8)
    assert m.adam_update(p, p * 2, p * 0, p * 0, p * 0, 0.9, 0.999, 1e-3, 1.0, 1e-8)
    assert not m.adam_update(p, p[:3], p, p, None, 0.9, 0.999, 1e-3, 1.0, 1e-8)
    saved, m.INT32_MAX_ELEMENTS = m.INT32_MAX_ELEMENTS, 10  # the 64-bit index kernels
    try:
        m.col2im(m.im2col(x, 2, 3, *geometry), x.shape, 2, 3, *geometry)
    finally:
        m.INT32_MAX_ELEMENTS = saved
    unused = [k.name for k in _KERNELS if isinstance(k, _ElementwiseKernel) and not k.calls]
    assert not unused, f"kernels no wrapper called: {unused}"


@pytest.fixture
def on_host(tmp_path: Path):
    _HOST.append(_HostRunner(tmp_path))
    yield
    _HOST.clear()


@pytest.mark.parametrize("shape, kh, kw, stride, padding, dilation", [
    ((2, 3, 7, 6), 3, 3, (1, 1), (1, 1), (1, 1)),
    ((1, 2, 9, 8), 3, 2, (2, 3), (1, 0), (2, 1)),
    ((2, 1, 5, 5), 2, 2, (2, 2), (0, 0), (1, 1)),
    ((1, 2, 6, 7), 3, 3, (1, 2), (1, 1), (1, 1)),
])
def test_kernel_bodies_match_reference(cuda_module, on_host, shape, kh, kw, stride, padding,
                                       dilation):
    """Each kernel's CUDA C, run as a CPU loop, gives reference.py's numbers."""
    m, gen = cuda_module, np.random.default_rng(0)
    x = gen.standard_normal(shape)
    x[0, 0, 1, 1] = np.nan  # NaN wins max pooling
    x[-1, -1, 2, :2] = 5.0  # a tie: the first tap wins
    n, c, h, w = shape
    out = tuple((s + 2 * p - d * (k - 1) - 1) // st + 1 for s, p, d, k, st in
                zip((h, w), padding, dilation, (kh, kw), stride))
    geometry = (stride, padding, dilation, out)
    np.testing.assert_array_equal(m.im2col(x, kh, kw, *geometry),
                                  ref.im2col(x, kh, kw, *geometry))
    cols = gen.standard_normal((c * kh * kw, n * out[0] * out[1]))
    np.testing.assert_allclose(m.col2im(cols, shape, kh, kw, *geometry),
                               ref.col2im(cols, shape, kh, kw, *geometry), atol=1e-12)
    y, arg = m.maxpool2d_forward(x, kh, kw, *geometry)
    y_ref, arg_ref = ref.maxpool2d_forward(x, kh, kw, *geometry)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(arg, arg_ref)
    gy = gen.standard_normal(y.shape)
    np.testing.assert_allclose(m.maxpool2d_backward(gy, arg, shape),
                               ref.maxpool2d_backward(gy, arg_ref, shape), atol=1e-12)
    if dilation == (1, 1) and 2 * max(padding) <= min(kh, kw):
        x = np.nan_to_num(x)
        for include_pad, override in ((True, None), (False, None), (True, 5)):
            args = (kh, kw, stride, padding)
            np.testing.assert_allclose(
                m.avgpool2d_forward(x, *args, out, include_pad, override),
                ref.avgpool2d_forward(x, *args, out, include_pad, override), rtol=1e-12)
            np.testing.assert_allclose(
                m.avgpool2d_backward(gy, shape, *args, include_pad, override),
                ref.avgpool2d_backward(gy, shape, *args, include_pad, override), rtol=1e-12,
                atol=1e-12)
    z = np.linspace(-3, 3, 13, dtype=np.float32)
    np.testing.assert_allclose(m.erf(z), ref.erf(z), rtol=1e-6)
    z = np.append(z, [np.nan, np.inf, -np.inf, -0.0]).astype(np.float32)
    np.testing.assert_array_equal(m.relu_forward(z), ref.relu_forward(z))
    gz = np.roll(z, 3)
    np.testing.assert_array_equal(m.relu_backward(gz, m.relu_forward(z)),
                                  ref.relu_backward(gz, ref.relu_forward(z)))


def test_index_types_agree(cuda_module, on_host, monkeypatch):
    """The 64-bit index kernels give the 32-bit ones' numbers (forced on small arrays)."""
    m, gen = cuda_module, np.random.default_rng(1)
    x = gen.standard_normal((2, 3, 7, 6))
    geometry = ((2, 1), (1, 1), (1, 2), (4, 4))
    cols32 = m.im2col(x, 3, 2, *geometry)
    back32 = m.col2im(cols32, x.shape, 3, 2, *geometry)
    monkeypatch.setattr(m, "INT32_MAX_ELEMENTS", 10)
    np.testing.assert_array_equal(m.im2col(x, 3, 2, *geometry), cols32)
    np.testing.assert_array_equal(m.col2im(cols32, x.shape, 3, 2, *geometry), back32)
    np.testing.assert_array_equal(cols32, ref.im2col(x, 3, 2, *geometry))


def test_batchnorm_and_adam_bodies_match_reference(cuda_module, on_host):
    m, gen = cuda_module, np.random.default_rng(2)
    check_batchnorm_kernels(m, (4, 3, 10))
    # Adam: the kernel against the update written out in NumPy (tinycnn.optim.Adam's)
    beta1, beta2, step_size, bias2, eps = 0.9, 0.99, 1e-2, 0.3, 1e-8
    p0, g, m0, v0 = gen.standard_normal((4, 50))
    v0, vmax0 = np.abs(v0), np.abs(v0) + 0.5 * gen.random(50)
    for amsgrad in (False, True):
        p, mm, v, vmax = p0.copy(), m0.copy(), v0.copy(), vmax0.copy()
        assert m.adam_update(p, g, mm, v, vmax if amsgrad else None, beta1, beta2,
                             step_size, bias2, eps)
        m_want = m0 + (g - m0) * (1 - beta1)
        v_want = v0 * beta2 + g * g * (1 - beta2)
        denom = np.maximum(vmax0, v_want) if amsgrad else v_want
        np.testing.assert_allclose(mm, m_want, rtol=1e-14)
        np.testing.assert_allclose(v, v_want, rtol=1e-14)
        np.testing.assert_allclose(p, p0 - m_want / (np.sqrt(denom) / bias2 + eps) * step_size,
                                   rtol=1e-12)
        if amsgrad:
            np.testing.assert_allclose(vmax, denom, rtol=1e-14)


def test_cuda_module_implements_the_whole_kernel_table(cuda_module):
    """Every kernel of `tinycnn.kernels.KERNELS` exists in the CUDA module too."""
    from tinycnn import kernels

    missing = [k for k in kernels.KERNELS if not callable(getattr(cuda_module, k, None))]
    assert not missing
