"""`extract_features`: the activations of any named layer, for t-SNE, KNN or an SVM."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from .evaluate import batches, first_output, inference, model_device, to_tensor


def extract_features(model: Any, loader: Any, layer: str | None = "classifier.1",
                     device: Any = None, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray | None]:
    """Run ``model`` over ``loader`` and collect the output of the module named ``layer``.

    ``layer`` is a name from ``model.named_modules()`` (``"classifier.1"``, ``"features"``);
    None takes the model's own output (the logits). A forward hook records the layer's
    output, flattened per sample. Returns ``(features (N, D), labels (N,))`` as NumPy
    arrays; labels are None when the loader yields no labels. Eval mode, no graph.
    """
    modules = dict(model.named_modules())
    if layer is not None and layer not in modules:
        names = [n for n in modules if n]
        raise ValueError(f"extract_features: model has no layer {layer!r}; its layers are "
                         f"{names}")
    device = backend.normalize_device(device) if device is not None else model_device(model)
    captured: list[np.ndarray] = []

    def keep(module: Any, inputs: Any, output: Any) -> None:
        out = first_output(output)
        captured.append(backend.as_numpy(out._data).reshape(out.shape[0], -1))

    handle = modules[layer].register_forward_hook(keep) if layer is not None else None
    labels: list[np.ndarray] = []
    try:
        with inference(model):
            for x, y in batches(loader, batch_size):
                out = model(to_tensor(x, device))
                if handle is None:
                    keep(model, (), out)
                if y is not None:
                    labels.append(backend.as_numpy(to_tensor(y, "cpu")._data))
    finally:
        if handle is not None:
            handle.remove()
    if not captured:
        raise ValueError("extract_features: no samples were given")
    feats = np.concatenate(captured)
    return feats, (np.concatenate(labels).astype(np.int64) if labels else None)
