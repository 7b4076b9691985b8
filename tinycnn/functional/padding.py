"""``pad``: add (or, with negative amounts, crop) rows and columns around a tensor.

``pad=(left, right, top, bottom, ...)`` lists the last dimension first, as in PyTorch.
Modes, shown on one row ``a b c d`` padded by 2 on each side:

* ``constant``:  ``0 0 | a b c d | 0 0`` (or ``value``);
* ``reflect``:   ``c b | a b c d | c b`` (mirrored, the edge itself not repeated);
* ``replicate``: ``a a | a b c d | d d`` (the edge repeated);
* ``circular``:  ``c d | a b c d | a b`` (wrapped around, as on a torus).

The last three are a *gather*: output position j along an axis reads input position
``index[j]``. So the backward is the matching scatter: each output gradient is added onto
the input position it was read from (an edge pixel read three times gets three gradients).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import backend
from ..autograd import Function
from ..checks import check_tensor, is_int
from ..tensor import Tensor
from .shape import scatter_add

MODES = ("constant", "reflect", "replicate", "circular")


class Pad(Function):
    """Constant padding; ``widths`` is NumPy's ((before, after), ...) per axis."""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.slices = tuple(slice(b, b + n) for (b, _), n in zip(widths, x.shape))
        return backend.array_module(x).pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.slices], None, None


class Gather(Function):
    """y = x with each axis in ``indices`` re-indexed: ``y.take(index, axis)`` in turn.

    ``indices`` holds (axis, index, run) per axis, ``run = (j0, j1)`` the longest stretch
    of outputs that read consecutive inputs (the unpadded middle): backward copies it as
    one slice and scatters only the remaining (border) gradients.
    """

    @staticmethod
    def forward(ctx, x, indices):
        xp = backend.array_module(x)
        ctx.indices, ctx.shape = indices, x.shape
        for axis, index, _ in indices:
            x = xp.take(x, index, axis=axis)
        return x

    @staticmethod
    def backward(ctx, g):
        xp = backend.array_module(g)
        for axis, index, (j0, j1) in reversed(ctx.indices):
            moved = xp.moveaxis(g, axis, 0)
            gx = xp.zeros((ctx.shape[axis],) + moved.shape[1:], dtype=g.dtype)
            if j1 > j0:
                start = int(index[j0])
                gx[start:start + j1 - j0] = moved[j0:j1]
            # the border outputs: repeated reads of one input add up
            scatter_add(gx, index[:j0], moved[:j0])
            scatter_add(gx, index[j1:], moved[j1:])
            g = xp.moveaxis(gx, 0, axis)
        return g, None


def _longest_run(index: np.ndarray) -> tuple[int, int]:
    """(j0, j1): the longest stretch with ``index[j + 1] == index[j] + 1`` for j0 <= j < j1-1."""
    if len(index) == 0:
        return 0, 0
    breaks = np.flatnonzero(np.diff(index) != 1) + 1
    starts, ends = np.r_[0, breaks], np.r_[breaks, len(index)]
    k = int(np.argmax(ends - starts))
    return int(starts[k]), int(ends[k])


def _source_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Input position read by each output position along one axis of size n."""
    if mode == "circular":  # PyTorch crops first, then wraps around what is left
        start, n_left = max(0, -before), n - max(0, -before) - max(0, -after)
        j = np.arange(-max(before, 0), n_left + max(after, 0))
        return start + j % n_left
    j = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    j = np.abs(j)  # reflect: -j before the start, 2(n-1) - j after the end
    return np.where(j > n - 1, 2 * (n - 1) - j, j)


def _check_mode_pads(x: Tensor, widths: list, mode: str, k: int) -> None:
    """PyTorch's limits for the non-constant modes (which dims, how much)."""
    if k > 3 or x.ndim not in (k + 1, k + 2):
        raise ValueError(f"pad: mode={mode!r} pads the last 1, 2 or 3 dims of a batch (or "
                         f"one sample): 2, 4 or 6 pad values for an input of 2-3, 3-4 or 4-5 "
                         f"dims, got {2 * k} values for shape {x.shape}")
    if mode != "circular" and 0 in x.shape[-k - 1:]:  # as PyTorch: only the batch may be empty
        raise ValueError(f"pad: mode={mode!r} needs a non-empty input apart from the batch "
                         f"dim, got shape {x.shape}")
    out = [x.shape[axis] + sum(widths[axis]) for axis in range(x.ndim - k, x.ndim)]
    if mode != "circular" and max(out) <= 0:  # PyTorch's rule: one padded dim must be left
        raise ValueError(f"pad: mode={mode!r} with this padding leaves an empty output: size "
                         f"{tuple(out)} for the padded dims of input shape {x.shape}")
    for axis in range(x.ndim - k, x.ndim):
        before, after = widths[axis]
        n = x.shape[axis]
        left = n - max(0, -before) - max(0, -after)
        if mode == "reflect" and max(before, after) >= n:
            raise ValueError(f"pad: reflect padding must be smaller than the input size, got "
                             f"padding {(before, after)} for dim {axis} of size {n}")
        if mode == "circular" and max(before, after) > left:
            raise ValueError(f"pad: circular padding wraps around at most once: padding "
                             f"{(before, after)} for dim {axis} of size {left} (after cropping)")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """PyTorch's ``F.pad``: ``pad=(left, right, top, bottom, ...)``, last dim first.

    mode: "constant" (``value``, default 0), "reflect", "replicate" or "circular" (see the
    module docstring; these pad the last 1-3 dims of a 2-5 dimensional input). A negative
    amount crops that many rows/columns instead.
    """
    check_tensor(input, "input", "pad")
    x = input
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {MODES}, got {mode!r}")
    if not isinstance(pad, (tuple, list)) or not all(is_int(p) for p in pad):
        raise TypeError(f"pad: pad must be a tuple of ints, got {pad!r}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expected an even number of at most {2 * x.ndim} values, "
                         f"got {pad}")
    k = len(pad) // 2
    widths = [(0, 0)] * x.ndim
    for i in range(k):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    for axis, (before, after) in enumerate(widths):
        # constant: PyTorch crops first, then pads; the other modes index the input
        cropped = x.shape[axis] - max(0, -before) - max(0, -after)
        if (cropped if mode == "constant" else x.shape[axis] + before + after) < 0:
            raise ValueError(f"pad: padding {(before, after)} crops more than the {x.shape[axis]}"
                             f" entries of dim {axis} (input shape {x.shape})")
    if mode != "constant":
        if value is not None:
            raise ValueError(f"pad: mode={mode!r} takes no value argument, got value={value!r}")
        _check_mode_pads(x, widths, mode, k)
        indices = tuple((axis, _source_index(x.shape[axis], b, a, mode))
                        for axis, (b, a) in enumerate(widths) if (b, a) != (0, 0))
        if not indices:
            return x * 1
        dev = x.device
        return Gather.apply(x, tuple((axis, backend.to_device(i, dev), _longest_run(i))
                                     for axis, i in indices))
    if any(p < 0 for p in pad):  # crop first, then pad what is positive
        x = x[tuple(slice(max(0, -b), n - max(0, -a)) for (b, a), n in zip(widths, x.shape))]
        widths = [(max(0, b), max(0, a)) for b, a in widths]
    return Pad.apply(x, tuple(widths), 0.0 if value is None else value)


__all__ = ["pad"]
