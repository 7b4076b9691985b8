"""Pooling: max, average and adaptive (fixed output size) over 2-D windows.

Max pooling keeps the largest value of each window and remembers where it was
(``argmax``); its backward sends each output's gradient to that one pixel. Average
pooling's backward spreads each output's gradient evenly over its window. The loops are
in `tinycnn.kernels` (``maxpool2d_forward`` ...). Window arithmetic follows PyTorch:
``stride`` defaults to ``kernel_size``; ``OH = floor_or_ceil((H + 2*pad - dilation*(K-1)
- 1) / stride) + 1``, and with ``ceil_mode`` the last window must start inside the
input or the left padding.
"""

from __future__ import annotations

from typing import Any

from .. import backend, kernels
from ..autograd import Function
from ..checks import check_image_batch, is_int, pair
from ..tensor import Tensor


def pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
                     ceil_mode: bool) -> int:
    """Number of windows along one axis (PyTorch's ``pooling_output_shape``)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # the last window would start in the right padding: drop it
    return out


def _pool_geometry(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool, fn: str) -> tuple:
    if 0 in x.shape[1:]:  # as PyTorch: only the batch may be empty
        raise ValueError(f"{fn}: expected an input with non-zero channels, height and width "
                         f"(the batch may be empty), got shape {x.shape}")
    kernel = pair(kernel_size, "kernel_size", fn, minimum=1)
    stride = kernel if stride is None or stride == () else pair(stride, "stride", fn, 1)
    padding = pair(padding, "padding", fn)
    dilation = pair(dilation, "dilation", fn, minimum=1)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{fn}: padding should be at most half of kernel_size, got "
                         f"padding={padding} for kernel_size={kernel}")
    out = tuple(pool_output_size(s, k, st, p, d, ceil_mode)
                for s, k, st, p, d in zip(x.shape[2:], kernel, stride, padding, dilation))
    if min(out) < 1:
        raise ValueError(f"{fn}: input of size {x.shape[2]}x{x.shape[3]} is too small for "
                         f"kernel_size={kernel}, stride={stride}, padding={padding}, "
                         f"dilation={dilation} (output size {out[0]}x{out[1]})")
    return kernel, stride, padding, dilation, out


def _unbatch(y: Tensor, like: Tensor) -> Tensor:
    return y if like.ndim == 4 else y.reshape(y.shape[1:])


# --- max pooling --------------------------------------------------------------------------------


class MaxPool2d(Function):
    """Max over each window; the int32 argmax (flat h*W + w) is kept for the backward."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out_size, return_indices):
        y, argmax = kernels.maxpool2d_forward(x, *kernel, stride, padding, dilation, out_size)
        ctx.argmax, ctx.x_shape = argmax, x.shape
        return (y, argmax.astype("int64")) if return_indices else y

    @staticmethod
    def backward(ctx, gy, *_):
        gx = kernels.maxpool2d_backward(gy, ctx.argmax, ctx.x_shape)
        return gx, None, None, None, None, None, None


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max of each kernel_size window. input: (N, C, H, W) or (C, H, W) -> (N, C, OH, OW).

    stride defaults to kernel_size; padding (at most half the kernel) never wins.
    ``return_indices=True`` also returns the int64 index ``h*W + w`` of each maximum in
    its plane (as PyTorch, for ``max_unpool2d``).
    """
    fn = "max_pool2d"
    x = check_image_batch(input, fn)
    kernel, stride, padding, dilation, out = _pool_geometry(x, kernel_size, stride, padding,
                                                            dilation, ceil_mode, fn)
    res = MaxPool2d.apply(x, kernel, stride, padding, dilation, out, bool(return_indices))
    if return_indices:
        return _unbatch(res[0], input), _unbatch(res[1], input)
    return _unbatch(res, input)


# --- average pooling ----------------------------------------------------------------------------


class AvgPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, out_size, count_include_pad, divisor_override):
        ctx.args = (kernel[0], kernel[1], stride, padding, count_include_pad, divisor_override)
        ctx.x_shape = x.shape
        return kernels.avgpool2d_forward(x, kernel[0], kernel[1], stride, padding, out_size,
                                         count_include_pad, divisor_override)

    @staticmethod
    def backward(ctx, gy):
        gx = kernels.avgpool2d_backward(gy, ctx.x_shape, *ctx.args)
        return gx, None, None, None, None, None, None


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean of each kernel_size window. input: (N, C, H, W) or (C, H, W) -> (N, C, OH, OW).

    count_include_pad: divide by the window size including zero padding (PyTorch's
    default) or only by the real pixels; divisor_override: divide by this instead.
    """
    fn = "avg_pool2d"
    x = check_image_batch(input, fn)
    kernel, stride, padding, _, out = _pool_geometry(x, kernel_size, stride, padding, 1,
                                                     ceil_mode, fn)
    if divisor_override is not None and (not is_int(divisor_override) or divisor_override < 1):
        raise ValueError(f"{fn}: divisor_override must be a positive int, got "
                         f"{divisor_override!r}")
    y = AvgPool2d.apply(x, kernel, stride, padding, out, bool(count_include_pad),
                        None if divisor_override is None else int(divisor_override))
    return _unbatch(y, input)


# --- adaptive pooling -----------------------------------------------------------------------------


def adaptive_windows(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's windows: output i covers ``[floor(i*size/out), ceil((i+1)*size/out))``."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _adaptive_size(x: Tensor, output_size: Any, fn: str) -> tuple[int, int]:
    items = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(items) != 2 or not all(v is None or is_int(v) for v in items):
        raise TypeError(f"{fn}: output_size must be an int or a pair of ints (or None), "
                        f"got {output_size!r}")
    out = tuple(int(s) if v is None else int(v) for v, s in zip(items, x.shape[2:]))
    if min(out) < 1:
        raise ValueError(f"{fn}: output_size must be positive, got {output_size!r}")
    return out  # type: ignore[return-value]


class AdaptiveAvgPool2d(Function):
    """Average over windows of varying size (when H or W is not a multiple of the output)."""

    @staticmethod
    def forward(ctx, x, out_size):
        xp = backend.array_module(x)
        rows = adaptive_windows(x.shape[2], out_size[0])
        cols = adaptive_windows(x.shape[3], out_size[1])
        y = xp.empty(x.shape[:2] + tuple(out_size), dtype=x.dtype)
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                y[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
        ctx.windows, ctx.x_shape = (rows, cols), x.shape
        return y

    @staticmethod
    def backward(ctx, gy):
        xp = backend.array_module(gy)
        rows, cols = ctx.windows
        gx = xp.zeros(ctx.x_shape, dtype=gy.dtype)
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                share = gy[:, :, i, j] / ((r1 - r0) * (c1 - c0))
                gx[:, :, r0:r1, c0:c1] += share[:, :, None, None]
        return gx, None


class AdaptiveMaxPool2d(Function):
    """Max over windows of varying size; the backward reuses max pooling's kernel."""

    @staticmethod
    def forward(ctx, x, out_size, return_indices):
        xp = backend.array_module(x)
        n, c, h, w = x.shape
        rows, cols = adaptive_windows(h, out_size[0]), adaptive_windows(w, out_size[1])
        y = xp.empty((n, c) + tuple(out_size), dtype=x.dtype)
        argmax = xp.empty((n, c) + tuple(out_size), dtype="int32")
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                win = x[:, :, r0:r1, c0:c1].reshape(n, c, (r1 - r0) * (c1 - c0))  # N may be 0
                k = _argmax_nan_wins(win)
                y[:, :, i, j] = xp.take_along_axis(win, k[..., None], axis=2)[..., 0]
                argmax[:, :, i, j] = (r0 + k // (c1 - c0)) * w + c0 + k % (c1 - c0)
        ctx.argmax, ctx.x_shape = argmax, x.shape
        return (y, argmax.astype("int64")) if return_indices else y

    @staticmethod
    def backward(ctx, gy, *_):
        return kernels.maxpool2d_backward(gy, ctx.argmax, ctx.x_shape), None, None


def _argmax_nan_wins(win: Any) -> Any:
    """Index of the first maximum along the last axis, or of the last NaN (PyTorch's rule)."""
    xp = backend.array_module(win)
    nan = xp.isnan(win)
    last_nan = win.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
    return xp.where(nan.any(axis=-1), last_nan, win.argmax(axis=-1))


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed output size. input: (N, C, H, W) -> (N, C, *output_size).

    Output (i, j) averages rows ``floor(i*H/OH) .. ceil((i+1)*H/OH) - 1`` (likewise
    columns); ``output_size=1`` is global average pooling. None keeps that input size.
    """
    fn = "adaptive_avg_pool2d"
    x = check_image_batch(input, fn)
    out = _adaptive_size(x, output_size, fn)
    h, w = x.shape[2:]
    if h % out[0] == 0 and w % out[1] == 0:  # equal windows: ordinary average pooling
        k = (h // out[0], w // out[1])
        y = AvgPool2d.apply(x, k, k, (0, 0), out, True, None)
    else:
        y = AdaptiveAvgPool2d.apply(x, out)
    return _unbatch(y, input)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a fixed output size (windows as in `adaptive_avg_pool2d`)."""
    fn = "adaptive_max_pool2d"
    x = check_image_batch(input, fn)
    out = _adaptive_size(x, output_size, fn)
    h, w = x.shape[2:]
    if h % out[0] == 0 and w % out[1] == 0:  # equal windows: ordinary max pooling
        k = (h // out[0], w // out[1])
        res = MaxPool2d.apply(x, k, k, (0, 0), (1, 1), out, bool(return_indices))
    else:
        res = AdaptiveMaxPool2d.apply(x, out, bool(return_indices))
    if return_indices:
        return _unbatch(res[0], input), _unbatch(res[1], input)
    return _unbatch(res, input)


__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d", "adaptive_windows", "avg_pool2d",
           "max_pool2d", "pool_output_size"]
