"""tinycnn: a small, readable deep-learning library for CNNs on NumPy (CPU) and CuPy (GPU).

The public face: `Tensor`, factories, grad mode, seeding, gradient checking. Layers live
in `tinycnn.nn`, functions in `tinycnn.functional`, optimizers in `tinycnn.optim`.
"""

from __future__ import annotations

import numpy as _np

from . import autograd, cuda, functional
from .autograd import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import DeviceError, device, get_default_dtype, manual_seed, set_default_dtype
from .factory import (
    BoolTensor,
    DoubleTensor,
    FloatTensor,
    IntTensor,
    LongTensor,
    arange,
    empty,
    eye,
    from_numpy,
    full,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .functional import (
    abs,
    add,
    allclose,
    amax,
    amin,
    argmax,
    argmin,
    argsort,
    broadcast_to,
    cat,
    chunk,
    clamp,
    clip,
    div,
    equal,
    exp,
    flatten,
    isfinite,
    isnan,
    log,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pad,
    permute,
    pow,
    reshape,
    sort,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sub,
    sum,
    topk,
    transpose,
    unsqueeze,
    var,
    where,
)
from .functional.activation import log_softmax, relu, sigmoid, softmax, tanh
from .gradcheck import GradcheckError, gradcheck
from .tensor import Tensor

__version__ = "0.1.0"

inference_mode = no_grad  # PyTorch's faster no_grad; here they are the same thing

# Heavier parts load on first use, so ``import tinycnn`` stays fast (matplotlib, sklearn,
# numba are only imported by the modules that need them).
_LAZY = {
    "nn": ("tinycnn.nn", None), "optim": ("tinycnn.optim", None),
    "data": ("tinycnn.data", None), "models": ("tinycnn.models", None),
    "train": ("tinycnn.train", None), "plot": ("tinycnn.plot", None),
    "sklearn": ("tinycnn.sklearn", None), "io": ("tinycnn.io", None),
    "kernels": ("tinycnn.kernels", None),
    "summary": ("tinycnn.nn.summary", "summary"),
    "save": ("tinycnn.io", "save"), "load": ("tinycnn.io", "load"),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'tinycnn' has no attribute {name!r}")
    import importlib  # noqa: PLC0415

    module, attr = _LAZY[name]
    value = importlib.import_module(module)
    value = value if attr is None else getattr(value, attr)
    globals()[name] = value
    return value


float16 = _np.float16
float32 = _np.float32
float64 = _np.float64
int32 = _np.int32
int64 = _np.int64
uint8 = _np.uint8
bool_ = _np.bool_
long = _np.int64
float = _np.float32  # noqa: A001  (torch.float is float32)
double = _np.float64

__all__ = [
    "DeviceError", "Function", "device", "GradcheckError", "Tensor", "abs", "add", "amax", "amin",
    "arange", "argmax", "broadcast_to",
    "argmin", "autograd", "cat", "clamp", "clip", "cuda", "div", "empty", "enable_grad", "exp",
    "eye", "flatten", "from_numpy", "full", "functional", "get_default_dtype", "gradcheck",
    "is_grad_enabled", "log", "manual_seed", "matmul", "max", "maximum", "mean", "min",
    "minimum", "mul", "neg", "no_grad", "ones", "ones_like", "pad", "permute", "pow", "rand",
    "randint", "randn", "reshape", "set_default_dtype", "set_grad_enabled", "sqrt", "squeeze",
    "stack", "std", "sub", "sum", "tensor", "transpose", "unsqueeze", "var", "where", "zeros",
    "zeros_like", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "allclose", "isnan",
    "isfinite", "randperm", "inference_mode", "nn", "optim", "data", "models", "train", "plot",
    "sklearn", "io", "summary",
    "save", "load",
    "BoolTensor", "DoubleTensor", "FloatTensor", "IntTensor", "LongTensor", "argsort",
    "chunk", "equal", "sort", "split", "topk",
]
