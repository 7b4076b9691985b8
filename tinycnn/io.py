"""Save and load checkpoints as ``.npz`` files: no pickle, written atomically.

``tinycnn.save(state, path)`` takes a single `Tensor`, or any nesting of dicts, lists
and tuples whose leaves are arrays (NumPy, CuPy, `Tensor`), NumPy scalars, ``int``, ``float``, ``bool``, ``str``
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

import glob
import hashlib
import io
import json
import os
import tempfile
import time
import zipfile
import zlib
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
        key = name or kind  # a single tensor or array saved on its own: "tensor", "array"
        if key in arrays or key == META_KEY:
            raise ValueError(f"save: two entries flatten to the same name {name!r}; "
                             "rename a key so that dotted paths are unique")
        arr = backend.as_numpy(arr)
        if arr.dtype.hasobject:
            raise TypeError(f"save: {name!r} is an object array, which cannot be stored "
                            "without pickle")
        arrays[key] = arr
        return {kind: key}

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
        return store(value._data, "tensor")
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


# temporary files of an interrupted save older than this are removed whoever wrote them
STALE_TEMP_SECONDS = 24 * 3600


def atomic_write(path: PathLike, write: Callable[[IO[bytes]], Any]) -> None:
    """Call ``write(file)`` on a temporary file in ``path``'s folder, then rename it to ``path``.

    ``os.replace`` is atomic, so readers see the old file or the complete new one, never a
    half-written file; on any error the temporary file is removed. The temporary file is
    named ``.{name}.tmp-{pid}-{random}``: a process killed while writing leaves it behind,
    and the next save of the same ``path`` removes it once its writer is no longer
    running (or it is older than `STALE_TEMP_SECONDS`); nothing else is touched. The
    file gets the usual permissions (0o666 less the umask), as ``open(path, "wb")`` would.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    prefix = _temp_prefix(path)
    _remove_stale_temps(folder, prefix)
    fd, tmp = tempfile.mkstemp(prefix=f"{prefix}{os.getpid()}-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):  # POSIX; mkstemp makes the file 0o600
                os.fchmod(f.fileno(), 0o666 & ~_umask())
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _temp_prefix(path: Path) -> str:
    return f".{path.name}.tmp-"


def _umask() -> int:
    """The process's umask (read from /proc where it can be, which changes nothing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_stale_temps(folder: Path, prefix: str) -> None:
    """Remove ``folder``'s temporary files of this target whose writer has died."""
    for tmp in folder.glob(glob.escape(prefix) + "*"):
        pid_text = tmp.name[len(prefix):].split("-", 1)[0]
        try:
            old = time.time() - tmp.stat().st_mtime > STALE_TEMP_SECONDS
            if old or (pid_text.isdigit() and not _process_alive(int(pid_text))):
                tmp.unlink()
        except OSError:  # gone already (another save cleaned up), or not ours to remove
            pass


def _process_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":
        return True  # another thread of ours may be writing it; Windows: age alone decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def file_digest(path: PathLike, algorithm: str = "sha256", chunk: int = 1 << 20) -> str:
    """The hex digest (``"md5"``, ``"sha256"``, ...) of a file, read in chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


# --- public API -----------------------------------------------------------------------

def save(state: Any, path: PathLike) -> None:
    """Write ``state`` (a `Tensor`, or nested dicts/lists/tuples of tensors, arrays and
    scalars) to ``path`` (or a file object such as ``io.BytesIO``); `load` gives it back,
    as ``torch.save`` / ``torch.load`` do.

    The file is an uncompressed ``.npz`` (the exact ``path`` is used; no suffix is
    added). It is first written to a temporary file in the same folder and then moved
    into place with ``os.replace``, so a crash never leaves a half-written checkpoint.
    """
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(state, "", arrays)
    meta = {"format": FORMAT, "version": VERSION, "tree": tree}
    arrays[META_KEY] = np.array(json.dumps(meta))

    if hasattr(path, "write"):  # a file object (io.BytesIO, an open file), as torch.save takes
        np.savez(path, **arrays)
        return
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"save: folder {str(folder)!r} does not exist")
    atomic_write(path, lambda f: np.savez(f, **arrays))


def load(path: PathLike, map_location: Any = None, weights_only: bool = True) -> Any:
    """Read a file (or file object) written by `save`, without pickle, and return the
    same structure.

    Arrays come back as NumPy arrays (tensors as CPU `Tensor`s, or on ``map_location``
    when given: ``"cpu"``, ``"cuda"``); ``model.load_state_dict`` moves them to the
    model's device anyway. A plain ``.npz`` that `save` did not write comes back as a
    flat ``{name: array}`` dict. ``weights_only`` is accepted for PyTorch compatibility:
    nothing is ever unpickled, so every load is weights-only. A damaged file, or one
    written by ``torch.save``, raises one ValueError naming the file (see `read_npz`).
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


def _load_file(path: PathLike, fn: str = "load", need_meta: bool = False) -> Any:
    """The structure stored in ``path`` (see `load`); a plain ``.npz`` gives its arrays,
    unless ``need_meta``. Every problem is one ValueError naming the file."""
    arrays = read_npz(path, fn)
    where = f"{fn}: {str(path)!r}"
    if META_KEY not in arrays:
        if need_meta:
            raise ValueError(f"{where} is not a tinycnn file: no metadata (no {META_KEY!r} "
                             "entry; tinycnn.save writes one)")
        return arrays
    try:
        meta = json.loads(str(arrays.pop(META_KEY)))
        if not isinstance(meta, dict) or not isinstance(meta.get("tree"), dict):
            raise ValueError("no structure in it")
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"{where} is not a tinycnn file: broken metadata ({e})") from None
    if meta.get("format") != FORMAT or not isinstance(meta.get("version"), int) \
            or meta["version"] > VERSION:
        raise ValueError(f"{where} has format {meta.get('format')!r} version "
                         f"{meta.get('version')!r}; this tinycnn reads {FORMAT!r} up to "
                         f"version {VERSION}")
    try:
        return _decode(meta["tree"], arrays)
    except (KeyError, ValueError, TypeError, AttributeError) as e:
        raise ValueError(f"{where} is not a tinycnn file: broken metadata (it names "
                         f"{type(e).__name__}: {e})") from None


# a pickle stream starts with PROTO (0x80) and its protocol number; PyTorch's legacy
# torch.save format is such a stream, its zip format holds one as "<name>/data.pkl"
_PICKLE_START = tuple(bytes([0x80, p]) for p in range(2, 6))


def read_npz(path: PathLike, fn: str = "load") -> dict[str, np.ndarray]:
    """``{name: array}`` of an ``.npz`` file, read without pickle.

    Whatever is wrong with the file raises one ValueError that names it and the problem:
    empty, not a zip (truncated files lose the zip directory at their end), a checksum
    mismatch in a member, a member that is not an array or holds Python objects, or a
    PyTorch file (which `tinycnn.io.load_pytorch` reads). ``fn`` starts the message.
    """
    if hasattr(path, "read"):  # a file object: its bytes from the current position
        source: Any = io.BytesIO(path.read())
        where, size = f"{fn}: file object {type(path).__name__}", len(source.getvalue())
        head = source.getvalue()[:4]
    else:
        source = path = Path(path)
        where = f"{fn}: {str(path)!r}"
        if not path.is_file():
            raise FileNotFoundError(f"{fn}: no such file {str(path)!r}")
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(4)
    if size == 0:
        raise ValueError(f"{where} is empty (0 bytes)")
    if head.startswith(_PICKLE_START):
        raise ValueError(f"{where} is a pickle, e.g. a PyTorch file in torch.save's legacy "
                         "format; tinycnn never unpickles. Read PyTorch files with "
                         "tinycnn.io.load_pytorch(path)")
    if not head.startswith(b"PK"):
        raise ValueError(f"{where} is not an .npz file (it does not start with a zip "
                         f"header; {size} bytes)")
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"{where} is truncated or damaged: its zip directory is missing or "
                         f"broken ({e}; {size} bytes)") from None
    with archive:
        names = archive.namelist()
        if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
            raise ValueError(f"{where} is a PyTorch file (torch.save's zip format), not a "
                             "tinycnn .npz; read it with tinycnn.io.load_pytorch(path)")
        return {(n[:-4] if n.endswith(".npy") else n): _read_member(archive, n, where)
                for n in names}


def _read_member(archive: zipfile.ZipFile, name: str, where: str) -> np.ndarray:
    """One ``.npy`` member of an open archive, its checksum verified."""
    try:
        with archive.open(name) as member:
            array = np.lib.format.read_array(member, allow_pickle=False)
            member.read()  # to the end: the CRC-32 is checked there
        return array
    except zipfile.BadZipFile as e:
        problem = f"checksum mismatch in member {name}" if "CRC" in str(e) else \
            f"member {name} is damaged ({e})"
    except (EOFError, OSError, zlib.error) as e:
        problem = f"member {name} is truncated or damaged ({e})"
    except MemoryError as e:  # a damaged header announcing an absurd shape
        problem = f"member {name} announces an array larger than memory ({e}): it is damaged"
    except ValueError as e:
        problem = (f"member {name} holds Python objects, which cannot be loaded without "
                   "pickle" if "pickle" in str(e) else f"member {name} is not an array ({e})")
    raise ValueError(f"{where}: {problem}") from None


def save_checkpoint(path: PathLike, model: Any, optimizer: Any = None, scheduler: Any = None,
                    epoch: int | None = None, loader: Any = None, **extra: Any) -> None:
    """Save what resuming a run needs: model, optimizer, scheduler, epoch, RNG state, and
    the training `DataLoader`'s shuffling state (``loader``, when given).

    ``extra`` entries (history, the model's name, the best score...) are stored too.
    """
    state: dict[str, Any] = {"model": model.state_dict()}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    if loader is not None and hasattr(loader, "state_dict"):
        state["loader"] = loader.state_dict()
    state["epoch"] = epoch
    state["rng"] = backend.get_rng_state()
    state.update(extra)
    save(state, path)


def load_checkpoint(path: PathLike, model: Any = None, optimizer: Any = None,
                    scheduler: Any = None, restore_rng: bool = True,
                    loader: Any = None) -> dict[str, Any]:
    """Load a `save_checkpoint` file into the given objects and return the whole state.

    Each of ``model``, ``optimizer``, ``scheduler``, ``loader`` that is given gets its
    ``load_state_dict``; the random generator is restored too (``restore_rng``), so
    training goes on exactly as if it had never stopped.
    """
    state = _load_file(path, "load_checkpoint", need_meta=True)
    if not isinstance(state, dict) or "model" not in state:
        raise ValueError(f"load_checkpoint: {str(path)!r} is not a checkpoint "
                         "(it has no 'model' entry)")
    if loader is not None and state.get("loader") is not None:
        loader.load_state_dict(state["loader"])
    for name, obj in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is None:
            continue
        if name not in state:
            raise ValueError(f"load_checkpoint: {str(path)!r} has no {name!r} entry to load")
        obj.load_state_dict(state[name])
    if restore_rng and state.get("rng") is not None:
        backend.set_rng_state(state["rng"])
    return state
