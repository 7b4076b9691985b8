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
from .conv import col2im, conv2d, im2col
from .conv1d import conv1d
from .conv_transpose import conv_transpose2d
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
    cos,
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
    sin,
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
from .linalg import bmm, dot, einsum, mm
from .linear import linear
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
from .pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from .reduction import (
    amax,
    amin,
    argmax,
    argmin,
    cumsum,
    equal,
    logsumexp,
    max,
    mean,
    min,
    prod,
    std,
    sum,
    var,
)
from .sample_norm import group_norm, instance_norm, layer_norm
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
from .sorting import argsort, bincount, sort, topk, unique

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
    "round", "scatter", "sign", "tril", "triu", "unbind", "unique", "sin", "cos",
    "elu", "hardswish", "huber_loss", "kl_div", "l1_loss", "prelu", "silu", "smooth_l1_loss",
    "softplus", "group_norm", "instance_norm", "layer_norm", "conv1d", "conv_transpose2d",
    "fold", "unfold", "cosine_similarity", "embedding", "normalize",
]
