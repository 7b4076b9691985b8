"""Classification metrics on label arrays: confusion matrix, per-class accuracy, the most
confused pairs. Plain NumPy; labels are integer arrays of shape (N,)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..backend import as_numpy
from ..tensor import Tensor


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy array from a Tensor, a NumPy/CuPy array or a list."""
    if isinstance(x, Tensor):
        x = x._data
    return as_numpy(x) if hasattr(x, "shape") else np.asarray(x)


def _labels(y: Any, name: str) -> np.ndarray:
    """``y`` as a 1-D int64 NumPy array (Tensors, CuPy arrays and lists accepted)."""
    arr = np.asarray(to_numpy(y))
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class indices, got shape {arr.shape}")
    if arr.size and (arr.dtype.kind not in "iu" or arr.min() < 0):
        raise ValueError(f"{name} must hold non-negative integer class indices, got dtype "
                         f"{arr.dtype} with minimum {arr.min()}")
    return arr.astype(np.int64, copy=False)


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` = number of samples of true class ``i`` predicted as ``j``.

    ``y_true``, ``y_pred``: (N,) class indices. Returns (K, K) int64, K = ``num_classes``
    or one more than the largest label seen.
    """
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {t.shape} and "
                         f"{p.shape}")
    k = int(max(t.max(initial=-1), p.max(initial=-1)) + 1)
    if num_classes is not None:
        if k > num_classes:
            raise ValueError(f"num_classes={num_classes} but a label {k - 1} was seen")
        k = num_classes
    # one bincount over the flat index true*K + pred fills the whole matrix at once
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def per_class_accuracy(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """(K,) float64: the accuracy on the samples of each true class (NaN for a class with
    no samples), i.e. the recall of each class."""
    cm = confusion_matrix(y_true, y_pred, num_classes)
    support = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(cm) / np.maximum(support, 1), np.nan)


def most_confused_pairs(y_true: Any, y_pred: Any, k: int = 2,
                        class_names: Sequence[str] | None = None,
                        num_classes: int | None = None) -> list[tuple[Any, Any, int]]:
    """The ``k`` unordered class pairs mixed up most often, as ``(a, b, count)`` with
    ``count`` = a taken for b plus b taken for a, most confused first (report 004: "6-0",
    "5-3" on MNIST). ``a``, ``b`` are class indices, or names when ``class_names`` is given.
    """
    cm = confusion_matrix(y_true, y_pred, num_classes)
    both = cm + cm.T  # confusion in either direction
    i, j = np.triu_indices(len(cm), k=1)
    counts = both[i, j]
    order = np.argsort(-counts, kind="stable")[:k]
    name = (lambda c: class_names[c]) if class_names is not None else int
    return [(name(i[o]), name(j[o]), int(counts[o])) for o in order if counts[o] > 0]


def topk_accuracy(logits: Any, targets: Any, ks: Sequence[int] = (1, 5)) -> tuple[float, ...]:
    """The fraction of samples whose true class is among the ``k`` highest scores, for each
    ``k`` in ``ks`` (top-1 is the usual accuracy; ImageNet reports top-5 too).

    logits: (N, K) scores (a Tensor or array); targets: (N,) class indices. Returns one
    float in [0, 1] per k: ``top1, top5 = topk_accuracy(logits, y)``. Ties are broken
    towards the lower class index.
    """
    scores = np.asarray(to_numpy(logits))
    t = _labels(targets, "targets")
    if scores.ndim != 2 or scores.shape[0] != t.shape[0]:
        raise ValueError(f"logits must be (N, K) with N = len(targets) = {t.shape[0]}, got "
                         f"shape {scores.shape}")
    n, k_max = scores.shape
    if t.size and t.max() >= k_max:
        raise ValueError(f"targets hold class {t.max()} but logits have only {k_max} classes")
    ks = tuple(ks)
    if not ks or not all(isinstance(k, (int, np.integer)) and 1 <= k <= k_max for k in ks):
        raise ValueError(f"ks must be ints in [1, {k_max}] (the number of classes), got {ks}")
    # rank of the true class: how many classes score higher (or tie with a lower index)
    true = scores[np.arange(n), t][:, None]
    cls = np.arange(k_max)[None, :]
    rank = ((scores > true) | ((scores == true) & (cls < t[:, None]))).sum(axis=1)
    return tuple(float((rank < k).mean()) if n else float("nan") for k in ks)
