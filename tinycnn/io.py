"""Save and load checkpoints as ``.npz`` files: no pickle, written atomically.

``tinycnn.save(state, path)`` takes any nesting of dicts, lists and tuples whose leaves
are arrays (NumPy, CuPy, `Tensor`), NumPy scalars, ``int``, ``float``, ``bool``, ``str``
or ``None`` — for example::

    tinycnn.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                  "epoch": 3, "rng": tinycnn.backend.get_rng_state()}, "ckpt.npz")
    state = tinycnn.load("ckpt.npz")
    model.load_state_dict(state["model"])

How the file looks inside: every array is stored under its path of keys joined with dots
(``model.features.0.weight``, ``optimizer.state.0.exp_avg``), so ``np.load`` shows
readable names. One extra entry, ``__tinycnn__``, is a JSON string that records the
structure: which containers hold what, the key types (the optimizer's ``state`` has int
keys), and the Python scalars themselves. That is what lets ints, floats, strings,
bools, ``None``, lists and tuples come back exactly as they went in, without pickle.

`save_checkpoint` / `load_checkpoint` bundle the usual training state (model, optimizer,
scheduler, epoch, random generator) on top of these two.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import backend
from .torchfile import load_pytorch, read_pytorch  # noqa: F401  (PyTorch .pt/.pth files)

META_KEY = "__tinycnn__"
FORMAT = "tinycnn-npz"
VERSION = 1

PathLike = str | os.PathLike


# --- flattening: nested state -> (arrays by dotted name, JSON tree) ---------------------

def _is_array(x: Any) -> bool:
    """NumPy arrays and CuPy arrays (anything array-like with a dtype and a shape)."""
    return isinstance(x, np.ndarray) or (
        type(x).__module__.split(".")[0] == "cupy" and hasattr(x, "shape"))


def _encode(value: Any, name: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """The JSON node describing ``value``; arrays go into ``arrays`` under ``name``."""
    from .tensor import Tensor  # noqa: PLC0415  (io is imported lazily by tinycnn)

    def store(arr: Any, kind: str) -> dict[str, Any]:
        if not name:
            raise ValueError("save: the top-level state must be a dict, list or tuple, "
                             f"got a single {kind}")
        if name in arrays or name == META_KEY:
            raise ValueError(f"save: two entries flatten to the same name {name!r}; "
                             "rename a key so that dotted paths are unique")
        arr = backend.as_numpy(arr)
        if arr.dtype.hasobject:
            raise TypeError(f"save: {name!r} is an object array, which cannot be stored "
                            "without pickle")
        arrays[name] = arr
        return {kind: name}

    # bool before int: bool is a subclass of int.
    if value is None:
        return {"none": None}
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, float):
        return {"float": value}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, Tensor):
        return store(value.data, "tensor")
    if _is_array(value):
        return store(value, "array")
    if isinstance(value, np.generic):
        # a NumPy scalar keeps its dtype (np.float32(0.1) is not the float 0.1)
        return store(np.asarray(value), "scalar")
    if isinstance(value, dict):
        items = []
        for key, child in value.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} "
                                f"({type(key).__name__}) under {name or 'the top level'!r}")
            child_name = f"{name}.{key}" if name else str(key)
            items.append([key, _encode(child, child_name, arrays)])
        return {"dict": items}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_encode(child, f"{name}.{i}" if name else str(i), arrays)
                       for i, child in enumerate(value)]}
    hint = ""
    if hasattr(value, "state_dict"):
        hint = f": save its state_dict() instead ({type(value).__name__}.state_dict())"
    raise TypeError(f"save: cannot store {name or 'the state'!r} of type "
                    f"{type(value).__name__}{hint}")


def _decode(node: dict[str, Any], arrays: Any) -> Any:
    """Rebuild the value that `_encode` described."""
    from .tensor import Tensor  # noqa: PLC0415

    ((kind, payload),) = node.items()
    if kind in ("none", "bool", "int", "float", "str"):
        return payload
    if kind == "array":
        return arrays[payload]
    if kind == "tensor":
        return Tensor(arrays[payload])
    if kind == "scalar":
        return arrays[payload][()]
    if kind == "dict":
        return {key: _decode(child, arrays) for key, child in payload}
    if kind in ("list", "tuple"):
        items = [_decode(child, arrays) for child in payload]
        return items if kind == "list" else tuple(items)
    raise ValueError(f"load: unknown entry kind {kind!r} in the file's structure")


# --- file helpers (also used by tinycnn.data and tinycnn.models) -----------------------


def atomic_write(path: PathLike, write: Callable[[IO[bytes]], Any]) -> None:
    """Call ``write(file)`` on a temporary file in ``path``'s folder, then rename it to ``path``.

    ``os.replace`` is atomic, so readers see the old file or the complete new one, never a
    half-written file; on any error the temporary file is removed.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_digest(path: PathLike, algorithm: str = "sha256", chunk: int = 1 << 20) -> str:
    """The hex digest (``"md5"``, ``"sha256"``, ...) of a file, read in chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


# --- public API -----------------------------------------------------------------------

def save(state: Any, path: PathLike) -> None:
    """Write ``state`` (nested dicts/lists/tuples of arrays and scalars) to ``path``.

    The file is an uncompressed ``.npz`` (the exact ``path`` is used; no suffix is
    added). It is first written to a temporary file in the same folder and then moved
    into place with ``os.replace``, so a crash never leaves a half-written checkpoint.
    """
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(state, "", arrays)
    if next(iter(tree)) not in ("dict", "list", "tuple"):
        raise TypeError(f"save: state must be a dict, list or tuple, got "
                        f"{type(state).__name__}")
    meta = {"format": FORMAT, "version": VERSION, "tree": tree}
    arrays[META_KEY] = np.array(json.dumps(meta))

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"save: folder {str(folder)!r} does not exist")
    atomic_write(path, lambda f: np.savez(f, **arrays))


def load(path: PathLike, map_location: Any = None, weights_only: bool = True) -> Any:
    """Read a file written by `save` (without pickle) and return the same structure.

    Arrays come back as NumPy arrays (tensors as CPU `Tensor`s, or on ``map_location``
    when given: ``"cpu"``, ``"cuda"``); ``model.load_state_dict`` moves them to the
    model's device anyway. A plain ``.npz`` that `save` did not write comes back as a
    flat ``{name: array}`` dict. ``weights_only`` is accepted for PyTorch compatibility:
    nothing is ever unpickled, so every load is weights-only.
    """
    del weights_only  # always true here: the file holds arrays and JSON, never pickle
    state = _load_file(path)
    if map_location is None or backend.normalize_device(map_location) == "cpu":
        return state
    return _to_device(state, backend.normalize_device(map_location))


def _to_device(value: Any, device: str) -> Any:
    """``value`` with every `Tensor` inside moved to ``device`` (for ``load(map_location=)``)."""
    from .tensor import Tensor  # noqa: PLC0415

    if isinstance(value, Tensor):
        return value.to(device)
    if isinstance(value, dict):
        return {k: _to_device(v, device) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_device(v, device) for v in value)
    return value


def _load_file(path: PathLike) -> Any:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no such file {str(path)!r}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (ValueError, OSError) as e:  # not a zip / damaged / object arrays
        raise ValueError(f"load: {str(path)!r} is not a readable .npz file ({e})") from None
    if META_KEY not in arrays:
        return arrays
    meta = json.loads(str(arrays.pop(META_KEY)))
    if meta.get("format") != FORMAT or meta.get("version", 0) > VERSION:
        raise ValueError(f"load: {str(path)!r} has format {meta.get('format')!r} version "
                         f"{meta.get('version')!r}; this tinycnn reads {FORMAT!r} up to "
                         f"version {VERSION}")
    return _decode(meta["tree"], arrays)


def save_checkpoint(path: PathLike, model: Any, optimizer: Any = None, scheduler: Any = None,
                    epoch: int | None = None, **extra: Any) -> None:
    """Save what resuming a run needs: model, optimizer, scheduler, epoch, RNG state.

    ``extra`` entries (history, the model's name, the best score...) are stored too.
    """
    state: dict[str, Any] = {"model": model.state_dict()}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    state["epoch"] = epoch
    state["rng"] = backend.get_rng_state()
    state.update(extra)
    save(state, path)


def load_checkpoint(path: PathLike, model: Any = None, optimizer: Any = None,
                    scheduler: Any = None, restore_rng: bool = True) -> dict[str, Any]:
    """Load a `save_checkpoint` file into the given objects and return the whole state.

    Each of ``model``, ``optimizer``, ``scheduler`` that is given gets its
    ``load_state_dict``; the random generator is restored too (``restore_rng``), so
    training goes on exactly as if it had never stopped.
    """
    state = load(path)
    if not isinstance(state, dict) or "model" not in state:
        raise ValueError(f"load_checkpoint: {str(path)!r} is not a checkpoint "
                         "(it has no 'model' entry)")
    for name, obj in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is None:
            continue
        if name not in state:
            raise ValueError(f"load_checkpoint: {str(path)!r} has no {name!r} entry to load")
        obj.load_state_dict(state[name])
    if restore_rng and state.get("rng") is not None:
        backend.set_rng_state(state["rng"])
    return state
