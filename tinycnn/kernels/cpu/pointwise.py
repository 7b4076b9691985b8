"""Point-wise kernels and batch norm on the CPU: ReLU, erf, batch-norm statistics,
forward and backward (numba loops, one pass each)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import prange

from .runtime import _run, kernel

Pair = tuple[int, int]


# --- ReLU ---------------------------------------------------------------------------------------
# One pass each (NumPy's ``maximum`` checks every element for NaN, ``g * (y > 0)`` makes
# a mask first).


@kernel(cost=0.75)
def _relu_fwd(x, y):  # pragma: no cover - numba
    for k in prange(x.size):
        v = x[k]
        y[k] = v if v > 0 or v != v else 0  # NaN stays NaN


@kernel(cost=0.75)
def _relu_bwd(g, y, gx):  # pragma: no cover - numba
    for k in prange(g.size):
        gx[k] = 0 if y[k] <= 0 else g[k]


def relu_forward(x: Any) -> np.ndarray:
    y = np.empty(x.shape, dtype=x.dtype)
    _run(_relu_fwd, x.size, np.ascontiguousarray(x).reshape(-1), y.reshape(-1))
    return y


def relu_backward(g: Any, y: Any) -> np.ndarray:
    gx = np.empty(g.shape, dtype=g.dtype)
    _run(_relu_bwd, g.size, np.ascontiguousarray(g).reshape(-1),
         np.ascontiguousarray(y).reshape(-1), gx.reshape(-1))
    return gx


# --- erf ----------------------------------------------------------------------------------------


@kernel(cost=16)
def _erf(x, out):  # pragma: no cover - numba
    for k in prange(x.size):
        out[k] = math.erf(x[k])


def erf(x: Any) -> np.ndarray:
    out = np.empty(x.shape, dtype=x.dtype)
    _run(_erf, x.size, np.ascontiguousarray(x).reshape(-1), out.reshape(-1))
    return out


# --- batch normalization ------------------------------------------------------------------------
# One task = one channel; each pass reads its planes x[n, c, :] in order. The sums are
# accumulated in float64; ``fastmath`` lets numba reorder them so that they vectorize.
# 3 passes forward and 2 backward, where reference.py's NumPy makes about 8 and 9.
_SUMS = {"reassoc", "nsz"}


@kernel(cost=2, fastmath=_SUMS)
def _bn_stats(x, mean, var):  # pragma: no cover - numba
    n_img, channels, size = x.shape
    m = n_img * size
    for c in prange(channels):
        total = 0.0
        for n in range(n_img):
            for s in range(size):
                total += x[n, c, s]
        mu = total / m
        sq = 0.0
        for n in range(n_img):
            for s in range(size):
                d = x[n, c, s] - mu
                sq += d * d
        mean[c] = mu
        var[c] = sq / m


@kernel(cost=2)
def _bn_forward(x, mean, invstd, weight, bias, y, xhat):  # pragma: no cover - numba
    n_img, channels, size = x.shape
    for c in prange(channels):
        mu, k, w, b = mean[c], invstd[c], weight[c], bias[c]
        for n in range(n_img):
            for s in range(size):
                h = (x[n, c, s] - mu) * k
                xhat[n, c, s] = h
                y[n, c, s] = h * w + b


@kernel(cost=4, fastmath=_SUMS)
def _bn_backward(gy, xhat, scale, training, gx, sum_g, sum_gx):  # pragma: no cover - numba
    n_img, channels, size = gy.shape
    m = n_img * size
    for c in prange(channels):
        sg = 0.0
        sgx = 0.0
        for n in range(n_img):
            for s in range(size):
                g = gy[n, c, s]
                sg += g
                sgx += g * xhat[n, c, s]
        sum_g[c] = sg
        sum_gx[c] = sgx
        k = scale[c]
        if training:
            mg, mgx = sg / m, sgx / m
            for n in range(n_img):
                for s in range(size):
                    gx[n, c, s] = (gy[n, c, s] - mg - xhat[n, c, s] * mgx) * k
        else:
            for n in range(n_img):
                for s in range(size):
                    gx[n, c, s] = gy[n, c, s] * k


def batchnorm_stats(x: Any) -> tuple[np.ndarray, np.ndarray]:
    mean = np.empty(x.shape[1], dtype=x.dtype)
    var = np.empty(x.shape[1], dtype=x.dtype)
    _run(_bn_stats, x.size, np.ascontiguousarray(x), mean, var)
    return mean, var


def batchnorm_forward(x: Any, mean: Any, invstd: Any, weight: Any,
                      bias: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.empty(x.shape, dtype=x.dtype)
    xhat = np.empty(x.shape, dtype=x.dtype)
    _run(_bn_forward, x.size, np.ascontiguousarray(x), mean, invstd, weight, bias, y, xhat)
    return y, xhat


def batchnorm_backward(gy: Any, xhat: Any, scale: Any,
                       training: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    gx = np.empty(gy.shape, dtype=gy.dtype)
    sum_g = np.empty(gy.shape[1], dtype=gy.dtype)
    sum_gx = np.empty(gy.shape[1], dtype=gy.dtype)
    _run(_bn_backward, gy.size, np.ascontiguousarray(gy), np.ascontiguousarray(xhat), scale,
         bool(training), gx, sum_g, sum_gx)
    return gx, sum_g, sum_gx

