"""``tinycnn.linalg``: norms, as ``torch.linalg`` names them (differentiable)."""

from __future__ import annotations

from .functional.linalg import matrix_norm, norm, vector_norm

__all__ = ["matrix_norm", "norm", "vector_norm"]
