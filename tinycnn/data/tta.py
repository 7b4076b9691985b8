"""Test-time augmentation: average a model's predictions over the crops of each image."""

from __future__ import annotations

from collections.abc import Callable

from .. import backend
from ..autograd import no_grad
from ..tensor import Tensor


def tencrop_predict(model: Callable[[Tensor], Tensor], x_crops: Tensor,
                    average: str = "logits") -> Tensor:
    """Predictions ``(N, K)`` for ``x_crops: (N, n_crops, C, H, W)``, averaged over the crops.

    Use it with `TenCrop` (or `FiveCrop`): ``Compose([Resize(256), TenCrop(224), ToTensor(),
    Normalize(...)])`` makes each sample ``(10, C, H, W)`` and a DataLoader batch
    ``(N, 10, C, H, W)``. All ``N * n_crops`` crops go through ``model`` in one call (no
    gradient is recorded; put the model in eval mode first). ``average="logits"`` averages
    the raw outputs (torchvision's recipe), ``"probs"`` averages their softmax.
    """
    if not isinstance(x_crops, Tensor) or x_crops.ndim != 5:
        raise ValueError("tencrop_predict expects a Tensor (N, n_crops, C, H, W), got "
                         f"{type(x_crops).__name__} of shape {getattr(x_crops, 'shape', None)}")
    if average not in ("logits", "probs"):
        raise ValueError(f"average must be 'logits' or 'probs', got {average!r}")
    n, k = x_crops.shape[:2]
    with no_grad():
        out = model(x_crops.reshape(n * k, *x_crops.shape[2:]))._data
    out = out.reshape(n, k, -1)
    if average == "probs":
        xp = backend.array_module(out)
        e = xp.exp(out - out.max(axis=-1, keepdims=True))
        out = e / e.sum(axis=-1, keepdims=True)
    return Tensor(out.mean(axis=1))
