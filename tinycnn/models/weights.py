"""Pretrained weights as plain arrays: ``.npz`` files keyed by torchvision's state_dict names.

The format is deliberately dull: one array per state_dict entry, under its name
(``features.0.weight``, ``layer1.0.bn1.running_var``), read with
``np.load(allow_pickle=False)`` so a weights file can never run code. Next to
``resnet18.npz`` a JSON sidecar ``resnet18.json`` records where the arrays came from::

    {"format": "tinycnn-weights/1", "architecture": "resnet18",
     "source": "torchvision ResNet18_Weights.IMAGENET1K_V1",
     "preprocessing": {"mean": [...], "std": [...], "resize": 256, "crop": 224},
     "sha256": "<of the .npz>", "num_arrays": 122}

Because tinycnn's modules use PyTorch's names, torchvision weights load with no renaming
or transposing (a Linear weight is (out, in) in both). `load_weights` also reads a plain
PyTorch ``state_dict`` file (``.pt``/``.pth``), without PyTorch, through
`tinycnn.io.load_pytorch`: an allowlist-only unpickler that rebuilds tensors and
containers and refuses every other pickled object.

Writing is atomic (temporary file + ``os.replace``), so an interrupted export never
leaves a half-written file under the final name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..backend import as_numpy
from ..io import atomic_write, file_digest, load_pytorch
from ..tensor import Tensor

FORMAT = "tinycnn-weights/1"
_SHOW = 10  # names listed per kind of problem in an error message


class LoadResult(NamedTuple):
    """What `load_weights` found. ``mismatched_keys``: (name, shape in file, shape in model)."""

    missing_keys: list[str]
    unexpected_keys: list[str]
    mismatched_keys: list[tuple[str, tuple[int, ...], tuple[int, ...]]]


# --------------------------------------------------------------------------- writing


def sidecar_path(path: str | os.PathLike) -> Path:
    """``weights.npz`` -> ``weights.json`` (the metadata file written next to it)."""
    return Path(path).with_suffix(".json")


def _array(v: Any) -> np.ndarray:
    """A NumPy array from a tinycnn Tensor, a torch tensor, or a NumPy / CuPy array."""
    if isinstance(v, Tensor):
        v = v.data
    elif type(v).__module__.startswith("torch"):  # without importing torch
        return v.detach().cpu().numpy()
    return as_numpy(v)


def write_weights(arrays: Mapping[str, Any], path: str | os.PathLike,
                  meta: Mapping[str, Any] | None = None) -> Path:
    """Write ``{name: array}`` to ``path`` (.npz) and the JSON sidecar; returns the path.

    ``meta`` adds fields to the sidecar (``architecture``, ``source``, ``preprocessing``).
    """
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"write_weights: path must end in .npz, got {str(path)!r}")
    arrays = {str(k): _array(v) for k, v in arrays.items()}
    for k, a in arrays.items():
        if a.dtype == object:
            raise TypeError(f"write_weights: entry {k!r} is not a numeric array")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda f: np.savez(f, **arrays))
    side = {"format": FORMAT, **dict(meta or {}), "sha256": file_digest(path, "sha256"),
            "num_arrays": len(arrays)}
    atomic_write(sidecar_path(path), lambda f: f.write(json.dumps(side, indent=2).encode()))
    return path


def save_weights(model_or_state: Any, path: str | os.PathLike, *, arch: str | None = None,
                 source: str = "tinycnn", preprocessing: Any = None) -> Path:
    """Export a model's ``state_dict()`` (or a state dict) as .npz + sidecar.

    ``arch`` and ``preprocessing`` default to the model's own (zoo models carry both).
    """
    state = model_or_state.state_dict() if hasattr(model_or_state, "state_dict") else model_or_state
    if not isinstance(state, Mapping):
        raise TypeError("save_weights: expected a Module or a state dict (name -> array), "
                        f"got {type(model_or_state).__name__}")
    arch = arch or getattr(model_or_state, "arch", None) or None
    prep = preprocessing if preprocessing is not None else getattr(model_or_state, "preprocessing", None)
    meta: dict[str, Any] = {"architecture": arch, "source": source}
    if prep is not None:
        meta["preprocessing"] = prep if isinstance(prep, Mapping) else prep.to_dict()
    return write_weights(state, path, meta)


# --------------------------------------------------------------------------- reading


def read_sidecar(path: str | os.PathLike) -> dict[str, Any] | None:
    """The JSON sidecar of a weights file, or None when there is none."""
    side = sidecar_path(path)
    if not side.is_file():
        return None
    return json.loads(side.read_text())


def read_weights(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """``{name: array}`` from an .npz (checked against its sidecar's sha256 if there is one)
    or from a PyTorch state_dict file (.pt/.pth, read without torch by `load_pytorch`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weights file not found: {path}")
    if path.suffix in (".pt", ".pth"):
        return load_pytorch(path)
    if path.suffix != ".npz":
        raise ValueError(f"weights file must be .npz, .pt or .pth, got {path.name!r}")
    side = read_sidecar(path)
    if side is not None and side.get("sha256") and file_digest(path, "sha256") != side["sha256"]:
        raise ValueError(f"{path}: sha256 differs from {sidecar_path(path).name}; the file "
                         "is corrupted or was replaced (re-export it)")
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _describe(names: list[str]) -> str:
    shown = ", ".join(f'"{n}"' for n in names[:_SHOW])
    return shown + (f" ... and {len(names) - _SHOW} more" if len(names) > _SHOW else "")


def _optional(model: Any, key: str) -> bool:
    """Entries a file may lack, as PyTorch allows: BatchNorm's ``num_batches_tracked``
    (absent from older checkpoints; the module supplies a default)."""
    module_name, _, leaf = key.rpartition(".")
    return leaf in model.get_submodule(module_name)._state_defaults()


def load_weights(model: Any, weights: str | os.PathLike | Mapping[str, Any],
                 strict: bool = True) -> LoadResult:
    """Copy arrays into ``model``'s parameters and buffers, matching state_dict names.

    weights: a .npz / .pt / .pth path or a ``{name: array}`` mapping. With ``strict=True``
    any missing or unexpected name, or any shape mismatch, raises a ValueError that lists
    them by name and nothing is loaded. With ``strict=False`` every entry whose name and
    shape match is loaded and the rest is reported in the returned `LoadResult` (the usual
    way to load a backbone before or after `replace_head`). Values are cast to the
    model's dtypes. A sidecar's preprocessing is installed on the model
    (``model.preprocessing``).
    """
    side = None
    if isinstance(weights, Mapping):
        arrays, where = {k: _array(v) for k, v in weights.items()}, "the given state dict"
    else:
        arrays, where = read_weights(weights), f"{str(weights)!r}"
        side = read_sidecar(weights) if Path(weights).suffix == ".npz" else None
    own = model.state_dict()
    missing = [k for k in own if k not in arrays and not _optional(model, k)]
    unexpected = [k for k in arrays if k not in own]
    mismatched = [(k, tuple(arrays[k].shape), tuple(own[k].shape)) for k in own
                  if k in arrays and tuple(arrays[k].shape) != tuple(own[k].shape)]
    result = LoadResult(missing, unexpected, mismatched)
    if strict and (missing or unexpected or mismatched):
        origin = f" (exported from {side['architecture']!r})" if side and side.get("architecture") else ""
        lines = [f"Error(s) loading weights into {type(model).__name__} from {where}{origin}:"]
        if missing:
            lines.append(f"  missing key(s) ({len(missing)}): {_describe(missing)}")
        if unexpected:
            lines.append(f"  unexpected key(s) ({len(unexpected)}): {_describe(unexpected)}")
        for k, file_shape, model_shape in mismatched[:_SHOW]:
            lines.append(f"  size mismatch for {k}: file has {file_shape}, model has {model_shape}")
        lines.append("Use strict=False to load only the entries that match (for example "
                     "before replace_head(model, num_classes)).")
        raise ValueError("\n".join(lines))
    bad = {k for k, _, _ in mismatched}
    # load_state_dict casts each array to the target's dtype and moves it to its device
    model.load_state_dict({k: v for k, v in arrays.items() if k in own and k not in bad},
                          strict=False)
    if side and side.get("preprocessing") and hasattr(model, "preprocessing"):
        from .preprocessing import Preprocessing  # noqa: PLC0415

        model.preprocessing = Preprocessing.from_dict(side["preprocessing"])
    return result


def load_pretrained(model: Any, weights: str | os.PathLike | Mapping[str, Any] | None) -> Any:
    """``load_weights(model, weights, strict=True)`` unless ``weights`` is None; returns model.

    The zoo constructors' ``weights=`` argument: the file must fit the architecture built,
    head included. For a new head, build with the file's ``num_classes``, then call
    ``replace_head(model, n)``.
    """
    if weights is not None:
        load_weights(model, weights, strict=True)
    return model
