"""`Embedding`: a learned table of ``num_embeddings`` vectors of size ``embedding_dim``,
looked up by integer ids (words, tokens, categories)."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..functional.embedding import normalize_padding_idx
from ..tensor import Tensor
from . import init
from ._utils import empty_parameter
from .module import Module, Parameter


class Embedding(Module):
    """ids (*) -> weight[ids] (*, embedding_dim). The weight starts N(0, 1), the
    ``padding_idx`` row (if any) at zero; that row never receives a gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Any = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        for name, v in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"Embedding: {name} must be a non-negative int, got {v!r}")
        if sparse:
            raise ValueError("Embedding: sparse gradients are not supported (tinycnn has no "
                             "sparse tensors); use sparse=False")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = normalize_padding_idx(padding_idx, num_embeddings, "Embedding")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = empty_parameter((num_embeddings, embedding_dim), device, dtype)
            self.reset_parameters()
        else:
            data = _weight._data if isinstance(_weight, Tensor) else _weight
            if tuple(data.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight must have shape ({num_embeddings}, "
                                 f"{embedding_dim}), got {tuple(data.shape)}")
            self.weight = Parameter(data)
        self.weight.requires_grad = not _freeze

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1); the padding row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose table is ``embeddings`` (V, D) (shared, not copied);
        ``freeze=True`` keeps it fixed (no gradient)."""
        data = embeddings._data if isinstance(embeddings, Tensor) else embeddings
        if getattr(data, "ndim", 0) != 2:
            raise ValueError("Embedding.from_pretrained: embeddings must be 2-dimensional "
                             f"(num_embeddings, embedding_dim), got shape "
                             f"{tuple(getattr(data, 'shape', ()))}")
        rows, dim = data.shape
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=data, _freeze=freeze)
