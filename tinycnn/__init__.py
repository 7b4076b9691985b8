"""tinycnn: a small, readable deep-learning library for CNNs on NumPy (CPU) and CuPy (GPU).

The public face: `Tensor`, factories, grad mode, seeding, gradient checking. Layers live
in `tinycnn.nn`, functions in `tinycnn.functional`, optimizers in `tinycnn.optim`.
"""

from __future__ import annotations

import numpy as _np

from . import accelerator, autograd, backends, cuda, functional, linalg
from .autograd import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import (
    DeviceError,
    Generator,
    device,
    get_default_dtype,
    manual_seed,
    set_default_dtype,
)
from .backends import (
    are_deterministic_algorithms_enabled,
    get_num_threads,
    set_num_threads,
    use_deterministic_algorithms,
)
from .factory import (
    BoolTensor,
    DoubleTensor,
    FloatTensor,
    IntTensor,
    LongTensor,
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .functional import (
    abs,
    add,
    addcdiv,
    addcmul,
    allclose,
    amax,
    amin,
    argmax,
    argmin,
    argsort,
    bincount,
    bmm,
    broadcast_to,
    cat,
    ceil,
    chunk,
    clamp,
    clip,
    cos,
    cumsum,
    div,
    dot,
    einsum,
    equal,
    exp,
    flatten,
    flip,
    floor,
    gather,
    index_select,
    isfinite,
    isnan,
    log,
    logsumexp,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    mul,
    neg,
    nonzero,
    pad,
    permute,
    pow,
    prod,
    repeat,
    reshape,
    round,
    scatter,
    sign,
    sin,
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
    tril,
    triu,
    unbind,
    unique,
    unsqueeze,
    var,
    where,
)
from .functional.activation import log_softmax, relu, sigmoid, softmax, tanh
from .functional.linalg import tensor_norm as norm
from .gradcheck import GradcheckError, gradcheck
from .tensor import Size, Tensor


def is_tensor(obj: object) -> bool:
    """True if ``obj`` is a tinycnn Tensor."""
    return isinstance(obj, Tensor)


def numel(t: Tensor) -> int:
    """The number of elements of tensor ``t``."""
    return t.numel()


def t(x: Tensor) -> Tensor:
    """The transpose of a matrix (a 0-d or 1-D tensor comes back as it is)."""
    return x.t()

__version__ = "0.1.0"

inference_mode = no_grad  # PyTorch's faster no_grad; here they are the same thing

# Heavier parts load on first use, so ``import tinycnn`` stays fast (matplotlib, sklearn,
# numba are only imported by the modules that need them).
_LAZY = {
    "nn": ("tinycnn.nn", None), "optim": ("tinycnn.optim", None),
    "data": ("tinycnn.data", None), "models": ("tinycnn.models", None),
    "train": ("tinycnn.train", None), "plot": ("tinycnn.plot", None),
    "sklearn": ("tinycnn.sklearn", None), "io": ("tinycnn.io", None),
    "kernels": ("tinycnn.kernels", None), "utils": ("tinycnn.utils", None),
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
    "Generator", "Size", "accelerator", "addcdiv", "addcmul", "are_deterministic_algorithms_enabled",
    "as_tensor", "backends", "bincount", "bmm", "ceil", "cumsum", "dot", "einsum", "empty_like",
    "flip", "floor", "full_like", "gather", "get_num_threads", "index_select", "is_tensor",
    "linalg", "linspace", "logsumexp", "masked_fill", "mm", "nonzero", "norm", "normal", "numel",
    "prod", "rand_like", "randint_like", "randn_like", "repeat", "round", "scatter",
    "set_num_threads", "sign", "t", "tril", "triu", "unbind", "unique",
    "use_deterministic_algorithms", "utils", "sin", "cos",
]
