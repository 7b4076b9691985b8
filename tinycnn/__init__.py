"""tinycnn: a small, readable deep-learning library for CNNs on NumPy (CPU) and CuPy (GPU).

The public face: `Tensor`, factories, grad mode, seeding, gradient checking. Layers live
in `tinycnn.nn`, functions in `tinycnn.functional`, optimizers in `tinycnn.optim`.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from . import accelerator, amp, autograd, backends, cuda, functional, linalg
from .amp import autocast
from .autograd import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import (
    DeviceError,
    Generator,
    default_generator,
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
    argwhere,
    bincount,
    bmm,
    broadcast_to,
    bucketize,
    cat,
    cdist,
    ceil,
    chunk,
    clamp,
    clip,
    cos,
    count_nonzero,
    cumprod,
    cumsum,
    diag,
    diff,
    div,
    dot,
    einsum,
    equal,
    erf,
    exp,
    exp2,
    flatten,
    flip,
    floor,
    floor_divide,
    fmod,
    frac,
    gather,
    heaviside,
    histc,
    index_add,
    index_select,
    isclose,
    isfinite,
    isinf,
    isnan,
    kthvalue,
    lerp,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logsumexp,
    masked_fill,
    masked_select,
    matmul,
    max,
    maximum,
    mean,
    median,
    meshgrid,
    min,
    minimum,
    mm,
    mode,
    mul,
    nan_to_num,
    narrow,
    neg,
    nonzero,
    outer,
    pad,
    permute,
    pow,
    prod,
    quantile,
    remainder,
    repeat,
    repeat_interleave,
    reshape,
    roll,
    round,
    rsqrt,
    scatter,
    scatter_add,
    searchsorted,
    sign,
    sin,
    sort,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    std_mean,
    sub,
    sum,
    take_along_dim,
    tile,
    topk,
    transpose,
    tril,
    triu,
    trunc,
    unbind,
    unique,
    unsqueeze,
    var,
    var_mean,
    where,
)
from .functional.activation import log_softmax, relu, sigmoid, softmax, tanh
from .functional.linalg import tensor_norm as norm
from .functional.logical import all, any
from .gradcheck import GradcheckError, gradcheck
from .tensor import Size, Tensor


def is_tensor(obj: object) -> bool:
    """True if ``obj`` is a tinycnn Tensor."""
    return isinstance(obj, Tensor)


def initial_seed() -> int:
    """The seed of the global CPU generator (the last `manual_seed`, else a random one)."""
    return default_generator.initial_seed()


def seed() -> int:
    """Seed the global generators from fresh entropy and return that seed."""
    return default_generator.seed()


def get_rng_state() -> Tensor:
    """The global CPU generator's state as a uint8 tensor (for `set_rng_state`)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the global CPU generator to a state from `get_rng_state`."""
    default_generator.set_state(new_state)


def clamp_min(x: Tensor, min: Any) -> Tensor:  # noqa: A002
    """``clamp(x, min=min)``."""
    return clamp(x, min=min)


def clamp_max(x: Tensor, max: Any) -> Tensor:  # noqa: A002
    """``clamp(x, max=max)``."""
    return clamp(x, max=max)


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


# dtypes are NumPy dtype objects, the very objects ``tensor.dtype`` returns, so that
# ``x.dtype is tinycnn.float32`` and ``{tinycnn.float32: ...}[x.dtype]`` work as in PyTorch
float16 = half = _np.dtype(_np.float16)
float32 = float = _np.dtype(_np.float32)  # noqa: A001  (torch.float is float32)
float64 = double = _np.dtype(_np.float64)
int8 = _np.dtype(_np.int8)
int16 = short = _np.dtype(_np.int16)
int32 = int = _np.dtype(_np.int32)  # noqa: A001  (torch.int is int32)
int64 = long = _np.dtype(_np.int64)
uint8 = _np.dtype(_np.uint8)
bool_ = bool = _np.dtype(_np.bool_)  # noqa: A001  (torch.bool)

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
    "use_deterministic_algorithms", "utils",
    "all", "any", "argwhere", "cos", "count_nonzero", "diag", "floor_divide", "isclose",
    "isinf", "lerp", "log1p", "logical_and", "logical_not", "logical_or", "logical_xor",
    "median", "meshgrid", "narrow", "outer", "remainder", "roll", "sin", "square",
    "bool", "half", "int8", "int16", "short", "int",
    "default_generator", "get_rng_state", "initial_seed", "seed", "set_rng_state",
    "exp2", "fmod", "frac", "index_add", "log10", "log2", "masked_select", "nan_to_num",
    "rsqrt", "scatter_add", "std_mean", "take_along_dim", "trunc", "var_mean",
    "cumprod", "diff", "amp", "autocast",
    "cdist", "clamp_min", "clamp_max", "erf", "heaviside", "kthvalue", "repeat_interleave",
    "tile", "bucketize", "histc", "mode", "quantile", "searchsorted",
]
