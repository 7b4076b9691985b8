"""Stateless differentiable functions (``import tinycnn.functional as F``).

Each file holds the `Function` subclasses of one family, forward and backward side by
side, plus the plain functions users call.
"""

# CNN ops (forward and backward side by side; loops in tinycnn.kernels)
from .activation import gelu, leaky_relu, log_softmax, relu, relu6, sigmoid, softmax, tanh
from .conv import col2im, conv2d, im2col
from .dropout import dropout, dropout2d
from .elementwise import (
    abs,
    add,
    allclose,
    cast,
    clamp,
    clip,
    div,
    exp,
    isfinite,
    isnan,
    log,
    matmul,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    sqrt,
    sub,
    where,
)
from .interpolate import interpolate, upsample
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
    nll_loss,
)
from .normalization import batch_norm
from .pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from .reduction import amax, amin, argmax, argmin, equal, max, mean, min, std, sum, var
from .shape import (
    broadcast_to,
    cat,
    chunk,
    expand,
    flatten,
    getitem,
    one_hot,
    pad,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unsqueeze,
    view,
)
from .sorting import argsort, sort, topk

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
]
