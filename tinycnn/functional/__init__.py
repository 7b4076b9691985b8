"""Stateless differentiable functions (``import tinycnn.functional as F``).

Each file holds the `Function` subclasses of one family, forward and backward side by
side, plus the plain functions users call.
"""

# CNN ops (forward and backward side by side; loops in tinycnn.kernels)
from .activation import (
    elu,
    gelu,
    hardswish,
    leaky_relu,
    log_softmax,
    prelu,
    relu,
    relu6,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from .composite import (
    adaptive_avg_pool1d,
    adaptive_max_pool1d,
    avg_pool1d,
    hardsigmoid,
    hardtanh,
    max_pool1d,
    mish,
    pixel_shuffle,
)
from .conv import col2im, conv2d, im2col
from .conv1d import conv1d
from .conv_transpose import conv_transpose2d
from .distance import cdist, pairwise_distance
from .dropout import dropout, dropout2d
from .elementwise import (
    abs,
    add,
    addcdiv,
    addcmul,
    allclose,
    cast,
    ceil,
    clamp,
    clip,
    div,
    exp,
    floor,
    isfinite,
    isnan,
    log,
    matmul,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    round,
    sign,
    sqrt,
    sub,
    where,
)
from .embedding import embedding
from .fold import fold, unfold
from .indexing import (
    flip,
    gather,
    index_select,
    masked_fill,
    nonzero,
    repeat,
    scatter,
    tril,
    triu,
    unbind,
)
from .interpolate import interpolate, upsample
from .layout import diag, diff, meshgrid, narrow, repeat_interleave, roll, tile
from .linalg import bmm, dot, einsum, mm, outer
from .linear import linear
from .logical import (
    argwhere,
    count_nonzero,
    isclose,
    isinf,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
)
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .normalization import batch_norm
from .padding import pad
from .pointwise import (
    cos,
    erf,
    exp2,
    floor_divide,
    fmod,
    frac,
    heaviside,
    lerp,
    log1p,
    log2,
    log10,
    nan_to_num,
    remainder,
    rsqrt,
    sin,
    square,
    trunc,
)
from .pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from .reduction import (
    amax,
    amin,
    argmax,
    argmin,
    cumprod,
    cumsum,
    equal,
    logsumexp,
    max,
    mean,
    min,
    prod,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from .sample_norm import group_norm, instance_norm, layer_norm
from .select import index_add, masked_select, scatter_add, take_along_dim
from .shape import (
    broadcast_to,
    cat,
    chunk,
    expand,
    flatten,
    getitem,
    one_hot,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unsqueeze,
    view,
)
from .similarity import cosine_similarity, normalize
from .sorting import (
    argsort,
    bincount,
    bucketize,
    histc,
    kthvalue,
    median,
    mode,
    quantile,
    searchsorted,
    sort,
    topk,
    unique,
)

__all__ = [
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "batch_norm",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "col2im", "conv2d",
    "cross_entropy", "dropout", "dropout2d", "gelu", "im2col", "leaky_relu", "linear",
    "log_softmax", "max_pool2d", "mse_loss", "nll_loss", "relu", "relu6", "sigmoid", "softmax", "tanh",
    "abs", "add", "amax", "amin", "argmax", "argmin", "broadcast_to", "cast", "cat", "clamp",
    "clip", "div", "exp", "expand", "flatten", "getitem", "log", "matmul", "max", "maximum",
    "mean", "min", "minimum", "mul", "neg", "pad", "permute", "pow", "reshape", "sqrt",
    "squeeze", "stack", "std", "sub", "sum", "transpose", "unsqueeze", "var", "view", "where",
    "allclose", "isfinite", "isnan", "one_hot",
    "argsort", "chunk", "equal", "interpolate", "sort", "split", "topk", "upsample",
    "addcdiv", "addcmul", "bincount", "bmm", "ceil", "cumsum", "dot", "einsum", "flip", "floor",
    "gather", "index_select", "logsumexp", "masked_fill", "mm", "nonzero", "prod", "repeat",
    "round", "scatter", "sign", "tril", "triu", "unbind", "unique",
    "elu", "hardswish", "huber_loss", "kl_div", "l1_loss", "prelu", "silu", "smooth_l1_loss",
    "softplus", "group_norm", "instance_norm", "layer_norm", "conv1d", "conv_transpose2d",
    "fold", "unfold", "cosine_similarity", "embedding", "normalize",
    "argwhere", "cos", "count_nonzero", "diag", "floor_divide", "isclose", "isinf", "lerp",
    "log1p", "logical_and", "logical_not", "logical_or", "logical_xor", "median", "meshgrid",
    "narrow", "outer", "remainder", "roll", "sin", "square",
    "exp2", "fmod", "frac", "index_add", "log10", "log2", "masked_select", "nan_to_num",
    "rsqrt", "scatter_add", "std_mean", "take_along_dim", "trunc", "var_mean",
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d", "hardsigmoid", "hardtanh",
    "max_pool1d", "mish", "pixel_shuffle", "cumprod", "diff",
    "cdist", "erf", "heaviside", "kthvalue", "pairwise_distance", "repeat_interleave", "tile",
    "bucketize", "histc", "mode", "quantile", "searchsorted",
]
