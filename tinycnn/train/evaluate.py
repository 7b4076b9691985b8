"""Inference helpers: `evaluate` (loss, accuracy, per-class accuracy on a loader) and
`predict` (the model's outputs, with optional test-time augmentation).

Both accept ten-crop batches: when ``x`` has shape (N, ncrops, C, H, W), every crop goes
through the model and the logits are averaged over the crops (report 003's TenCrop).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..data.tta import tencrop_predict
from ..functional import cross_entropy
from ..tensor import Tensor
from .metrics import confusion_matrix, per_class_accuracy


def first_output(out: Any) -> Any:
    """Models may return ``(logits, features)`` (report 004's AlexNet): the logits."""
    return out[0] if isinstance(out, (tuple, list)) else out


def forward_logits(model: Any, x: Tensor) -> Tensor:
    """``model(x)`` as logits (N, K), for inference; a 5-D ``x`` (N, ncrops, C, H, W) is run
    as N*ncrops images and the logits are averaged over the crops."""
    if x.ndim == 5:
        return tencrop_predict(lambda crops: first_output(model(crops)), x)
    return first_output(model(x))


def model_device(model: Any) -> str:
    """The device of the model's first parameter (``"cpu"`` for a model without any)."""
    for p in model.parameters():
        return p.device
    return "cpu"


def to_tensor(x: Any, device: str) -> Tensor:
    """A batch (Tensor, NumPy/CuPy array or list) as a Tensor on ``device``."""
    if isinstance(x, Tensor):
        return x if x.device == device else x.to(device)
    arr = x if hasattr(x, "shape") else np.asarray(x)
    return Tensor(backend.to_device(arr, device))


def batches(data: Any, batch_size: int = 256) -> Iterator[tuple[Any, Any]]:
    """``(x, y)`` pairs from a loader of ``(x, y)`` batches, a loader of ``x`` batches
    (``y`` None), or one array/Tensor of samples cut into ``batch_size`` chunks."""
    if isinstance(data, Tensor) or hasattr(data, "shape"):
        for start in range(0, len(data), batch_size):
            yield data[start:start + batch_size], None
        return
    for batch in data:
        if isinstance(batch, (tuple, list)):
            yield batch[0], (batch[1] if len(batch) > 1 else None)
        else:
            yield batch, None


@dataclass
class EvalResult:
    """What `evaluate` measured. Arrays are NumPy: ``predictions``/``targets`` (N,) int64,
    ``per_class_accuracy`` (K,) with NaN for classes absent from the data."""

    loss: float | None
    accuracy: float
    per_class_accuracy: np.ndarray
    predictions: np.ndarray
    targets: np.ndarray

    @property
    def num_classes(self) -> int:
        return len(self.per_class_accuracy)

    def confusion_matrix(self) -> np.ndarray:
        """(K, K) counts: row = true class, column = predicted class."""
        return confusion_matrix(self.targets, self.predictions, self.num_classes)

    def __repr__(self) -> str:
        loss = "None" if self.loss is None else f"{self.loss:.4f}"
        return (f"EvalResult(loss={loss}, accuracy={self.accuracy:.4f}, "
                f"n={len(self.targets)}, classes={self.num_classes})")


@contextlib.contextmanager
def inference(model: Any) -> Iterator[None]:
    """Eval mode (dropout off, BatchNorm running statistics) and no graph for a ``with``
    block; the model's previous train/eval mode comes back afterwards."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            yield
    finally:
        model.train(was_training)


def evaluate(model: Any, loader: Any, loss_fn: Callable | None = cross_entropy,
             device: Any = None, num_classes: int | None = None) -> EvalResult:
    """Run ``model`` over ``loader`` (batches ``(x, y)``) in eval mode, without a graph.

    ``loss``: the mean of ``loss_fn`` over samples (None with ``loss_fn=None``).
    ``num_classes`` defaults to the number of logits. The model's previous train/eval
    mode is restored afterwards.
    """
    device = backend.normalize_device(device) if device is not None else model_device(model)
    preds, targets, loss_sum, n_total = [], [], 0.0, 0
    with inference(model):
        for x, y in batches(loader):
            if y is None:
                raise ValueError("evaluate: the loader must yield (x, y) batches")
            x, y = to_tensor(x, device), to_tensor(y, device)
            logits = forward_logits(model, x)
            if loss_fn is not None:
                loss_sum += float(loss_fn(logits, y).item()) * len(y)
            n_total += len(y)
            num_classes = num_classes or logits.shape[1]
            preds.append(backend.as_numpy(logits._data.argmax(axis=1)))
            targets.append(backend.as_numpy(y._data))
    if n_total == 0:
        raise ValueError("evaluate: the loader yielded no samples")
    pred, true = np.concatenate(preds).astype(np.int64), np.concatenate(targets).astype(np.int64)
    return EvalResult(
        loss=loss_sum / n_total if loss_fn is not None else None,
        accuracy=float(np.mean(pred == true)),
        per_class_accuracy=per_class_accuracy(true, pred, num_classes),
        predictions=pred, targets=true)


def _apply_tta(tta: Any, x: Tensor) -> Tensor:
    """Apply a test-time augmentation to a batch (N, C, H, W): a transform with a ``batch``
    method (``transforms.TenCrop(24)``) or a function returning either a (N, ncrops, C,
    h, w) batch or a list of ncrops batches (N, C, h, w); both become (N, ncrops, C, h, w)."""
    out = tta.batch(x) if hasattr(tta, "batch") else tta(x)
    if isinstance(out, (tuple, list)):
        arrays = [o._data if isinstance(o, Tensor) else o for o in out]
        xp = backend.array_module(arrays[0])
        return Tensor(xp.stack(arrays, axis=1))
    out = out if isinstance(out, Tensor) else Tensor(out)
    if out.ndim != 5:
        raise ValueError(f"predict: tta must return a (N, ncrops, C, H, W) batch or a list of "
                         f"(N, C, H, W) crops, got shape {out.shape}")
    return out


def predict(model: Any, x_or_loader: Any, tta: Callable | None = None, batch_size: int = 256,
            device: Any = None) -> np.ndarray:
    """The model's outputs (logits) for every sample, as a NumPy array (N, K).

    ``x_or_loader``: an array/Tensor of samples (N, C, H, W), or a loader yielding ``x`` or
    ``(x, y)`` batches. Batches of shape (N, ncrops, C, H, W) are averaged over the crops;
    ``tta`` makes such batches from plain ones (``tta=transforms.TenCrop(24)``). Class
    predictions are ``predict(...).argmax(1)``. Runs in eval mode without a graph.
    """
    device = backend.normalize_device(device) if device is not None else model_device(model)
    outputs = []
    with inference(model):
        for x, _ in batches(x_or_loader, batch_size):
            x = to_tensor(x, device)
            if tta is not None:
                x = _apply_tta(tta, x)
            outputs.append(backend.as_numpy(forward_logits(model, x)._data))
    if not outputs:
        raise ValueError("predict: no samples were given")
    return np.concatenate(outputs)
