"""``unfold`` and ``fold``: PyTorch's names for im2col and col2im.

``unfold`` copies every kh x kw window (sliding block) of each image into a column::

    unfold(x: (N, C, H, W)) -> (N, C*kh*kw, L),   L = OH * OW windows

so a convolution is ``weight.reshape(O, -1) @ unfold(x)`` reshaped to (N, O, OH, OW):
try it, it is conv2d written in one line. ``fold`` is its adjoint: it adds every
column back onto the window it came from (overlaps add up), so
``fold(unfold(x))`` is x times the number of windows covering each pixel, not x.

Both are `tinycnn.functional.im2col` / ``col2im`` (whose columns are (C*kh*kw, N*L))
with the batch axis moved to the front, and are differentiable.
"""

from __future__ import annotations

from typing import Any

from ..checks import check_image_batch, check_tensor, pair
from ..tensor import Tensor
from .conv import _geometry, col2im, im2col


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """Sliding windows of input (N, C, H, W) (or (C, H, W)) as columns: (N, C*kh*kw, L)
    (or (C*kh*kw, L)). Row ``(c*kh + i)*kw + j`` is tap (i, j) of channel c; column l is
    window (l // OW, l % OW)."""
    fn = "unfold"
    x = check_image_batch(input, fn)
    if 0 in x.shape[1:]:  # as PyTorch: only the batch may be empty
        raise ValueError(f"{fn}: expected non-empty (C, H, W), got input shape {x.shape}")
    kernel = pair(kernel_size, "kernel_size", fn, minimum=1)
    oh, ow = _geometry(x.shape, kernel, stride, padding, dilation, fn)[3]
    cols = im2col(x, kernel, stride, padding, dilation)  # (C*kh*kw, N*L)
    out = cols.reshape(cols.shape[0], x.shape[0], oh * ow).permute(1, 0, 2)
    return out if input.ndim == 4 else out.reshape(out.shape[1:])


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """Add columns (N, C*kh*kw, L) (or (C*kh*kw, L)) back into images (N, C, H, W) of
    ``output_size`` (H, W); the adjoint of `unfold`, summing where windows overlap."""
    fn = "fold"
    check_tensor(input, "input", fn)
    if input.ndim not in (2, 3):
        raise ValueError(f"{fn}: expected input of rank 3 (N, C*kh*kw, L) or 2 (C*kh*kw, L), "
                         f"got shape {input.shape}")
    cols = input if input.ndim == 3 else input.unsqueeze(0)
    n, rows, blocks = cols.shape
    h, w = pair(output_size, "output_size", fn, minimum=1)
    kh, kw = pair(kernel_size, "kernel_size", fn, minimum=1)
    if rows % (kh * kw):
        raise ValueError(f"{fn}: expected the input's size along dim -2 ({rows}) to be "
                         f"divisible by the kernel's {kh}*{kw} = {kh * kw} taps")
    c = rows // (kh * kw)
    out = _geometry((n, c, h, w), (kh, kw), stride, padding, dilation, fn)[3]
    if blocks != out[0] * out[1]:
        raise ValueError(f"{fn}: expected the input's size along dim -1 to be the number of "
                         f"sliding blocks {out[0]}*{out[1]} = {out[0] * out[1]} for "
                         f"output_size {(h, w)}, got {blocks}")
    flat = cols.permute(1, 0, 2).reshape(rows, n * blocks)
    y = col2im(flat, (n, c, h, w), (kh, kw), stride, padding, dilation)
    return y if input.ndim == 3 else y.reshape(y.shape[1:])


__all__ = ["fold", "unfold"]
