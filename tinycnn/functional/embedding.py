"""Embedding lookup: integer ids -> rows of a weight table, as ``F.embedding``.

``embedding(ids, weight)`` is ``weight[ids]``: ids of any shape (*) give (*, D). Its
backward adds each output row's gradient into the table row it was read from (a row read
k times receives k gradients), which is also what multiplying a one-hot matrix by the
table would give, without building the one-hot matrix.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function
from ..checks import check_tensor, is_int
from ..tensor import Tensor
from .shape import scatter_add


class Embedding(Function):
    """weight[ids]; the gradient is scattered back into the rows read (summed on repeats)."""

    @staticmethod
    def forward(ctx, weight, ids, padding_idx, scale_grad_by_freq):
        ctx.save_for_backward(ids)
        ctx.shape, ctx.padding_idx, ctx.scale = weight.shape, padding_idx, scale_grad_by_freq
        return weight[ids]

    @staticmethod
    def backward(ctx, g):
        (ids,) = ctx.saved_tensors
        xp = backend.array_module(g)
        flat_ids = ids.reshape(-1)
        rows = g.reshape(-1, ctx.shape[1])
        if ctx.scale:  # each row's gradient divided by how often its id occurs in the batch
            counts = xp.bincount(flat_ids, minlength=ctx.shape[0])
            rows = rows / counts[flat_ids][:, None].astype(rows.dtype)
        gw = xp.zeros(ctx.shape, dtype=g.dtype)
        scatter_add(gw, flat_ids, rows)
        if ctx.padding_idx is not None:  # the padding row never learns
            gw[ctx.padding_idx] = 0
        return gw, None, None, None


def _renorm_rows(weight: Any, ids: Any, max_norm: float, norm_type: float) -> None:
    """Rescale, in place, the rows ``ids`` of weight whose ``norm_type``-norm exceeds
    ``max_norm`` down to that norm (PyTorch's ``embedding_renorm_``)."""
    xp = backend.array_module(weight)
    rows = xp.unique(ids.reshape(-1))
    norms = (xp.abs(weight[rows]) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    weight[rows] *= scale[:, None].astype(weight.dtype)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of weight (V, D) picked by the integer ids in input (*): (*, D).

    padding_idx: that row gets no gradient (it stays as it is, e.g. all zeros).
    max_norm: the rows read are first rescaled in place to norm at most max_norm.
    scale_grad_by_freq: each gradient is divided by its id's count in the batch.
    """
    fn = "embedding"
    check_tensor(input, "input", fn)
    check_tensor(weight, "weight", fn)
    if input.dtype.kind not in "iu":
        raise TypeError(f"{fn}: input must hold integer ids (int64), got dtype {input.dtype}")
    if weight.ndim != 2:
        raise ValueError(f"{fn}: expected weight of shape (num_embeddings, embedding_dim), "
                         f"got {weight.shape}")
    if sparse:
        raise ValueError(f"{fn}: sparse gradients are not supported (tinycnn has no sparse "
                         "tensors); use sparse=False, the gradient is then a dense table")
    v = weight.shape[0]
    padding_idx = normalize_padding_idx(padding_idx, v, fn)
    ids = input._data
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= v):
        raise IndexError(f"{fn}: ids must be in [0, {v}) (num_embeddings={v}), got values in "
                         f"[{int(ids.min())}, {int(ids.max())}]")
    if max_norm is not None and ids.size:
        _renorm_rows(weight._data, ids, float(max_norm), float(norm_type))
    return Embedding.apply(weight, ids, padding_idx, bool(scale_grad_by_freq))


def normalize_padding_idx(padding_idx: Any, num_embeddings: int, fn: str) -> int | None:
    """padding_idx in [0, num_embeddings) (a negative one counts from the end), or None."""
    if padding_idx is None:
        return None
    if not is_int(padding_idx) or not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{fn}: padding_idx must be within num_embeddings ({num_embeddings}),"
                         f" got {padding_idx!r}")
    return int(padding_idx) % num_embeddings


__all__ = ["embedding"]
