"""Read PyTorch ``.pt``/``.pth`` files into NumPy arrays, without PyTorch and without
running any code from the file.

A PyTorch file is a pickle: a small program for Python's pickle machine that rebuilds
the saved objects. The program may name any Python function ("global") and call it,
which is why ``pickle.load`` on a downloaded file can run arbitrary code
(``os.system`` through ``__reduce__``). This reader's unpickler resolves a global only
from a short allowlist (`_ALLOWED`): the two functions PyTorch uses to rebuild tensors,
the storage classes (which only name a dtype here) and ``collections.OrderedDict``.
Each allowed name maps to a harmless stand-in defined in this file; the real torch
functions are never looked up. Any other global is refused with a ValueError that
names it and the file, before anything is called.

The two layouts ``torch.save`` writes:

* zip (the default since PyTorch 1.6): ``<name>/data.pkl`` holds the pickle, and the
  bytes of storage ``k`` are the entry ``<name>/data/k``;
* legacy (``_use_new_zipfile_serialization=False``, older files): five pickles in a
  row — magic number, protocol version, system info, the object, the list of storage
  keys — followed by each storage as an int64 element count and its raw bytes.

In both, a tensor is ``_rebuild_tensor_v2(storage, offset, size, stride, ...)``: a view
(offset and strides in elements) into a flat storage that several tensors may share.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

# the first pickle of a legacy file is this number
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
# PyTorch storage class -> element dtype (bfloat16 has no NumPy dtype: read as uint16)
_STORAGE_DTYPES = {
    "DoubleStorage": np.float64, "FloatStorage": np.float32, "HalfStorage": np.float16,
    "BFloat16Storage": np.uint16, "LongStorage": np.int64, "IntStorage": np.int32,
    "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
    "BoolStorage": np.bool_, "UntypedStorage": np.uint8,
}


class _Frozen:
    """Base of the stand-ins: no ``__dict__`` and no attribute assignment after
    construction, so a pickle's BUILD opcode cannot change them."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise ValueError(f"attribute {name!r} cannot be set from a pickle")


class _StorageType(_Frozen):
    """Stand-in for ``torch.FloatStorage`` & co.: only its name (and so its dtype)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "name", name)


class _StorageRef(_Frozen):
    """A storage named by a pickle: its key in the file, element type, element count."""

    __slots__ = ("key", "kind", "numel")

    def __init__(self, key: str, kind: str, numel: int) -> None:
        for name, value in (("key", key), ("kind", kind), ("numel", numel)):
            object.__setattr__(self, name, value)


class _TensorRef(_Frozen):
    """A tensor: a strided view of a storage, materialised once the storages are read."""

    __slots__ = ("storage", "offset", "size", "stride")

    def __init__(self, storage: _StorageRef, offset: int, size: tuple, stride: tuple) -> None:
        for name, value in (("storage", storage), ("offset", offset), ("size", size),
                            ("stride", stride)):
            object.__setattr__(self, name, value)


def _ints(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ValueError(f"a tensor's {what} must be a tuple of ints, got {value!r}")
    return tuple(value)


def _rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, *_: Any) -> _TensorRef:
    """Stand-in for ``torch._utils._rebuild_tensor_v2`` (requires_grad, hooks ignored)."""
    if not isinstance(storage, _StorageRef):
        raise ValueError(f"a tensor must be built on a storage, got {type(storage).__name__}")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ValueError(f"a tensor's storage offset must be an int >= 0, got {offset!r}")
    size, stride = _ints(size, "size"), _ints(stride, "stride")
    if len(size) != len(stride) or any(v < 0 for v in size + stride):
        raise ValueError(f"a tensor has size {size} and stride {stride}")
    return _TensorRef(storage, offset, size, stride)


def _rebuild_parameter(data: Any, *_: Any) -> Any:
    """Stand-in for ``torch._utils._rebuild_parameter``: a Parameter is its tensor."""
    if not isinstance(data, _TensorRef):
        raise ValueError(f"a Parameter must hold a tensor, got {type(data).__name__}")
    return data


_ALLOWED: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("collections", "OrderedDict"): OrderedDict,
    **{("torch", name): _StorageType(name) for name in _STORAGE_DTYPES},
}


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals in `_ALLOWED` (to stand-ins) and
    reads storages through ``persistent_load``; ``storages`` collects them by key."""

    def __init__(self, file: Any, source: str) -> None:
        super().__init__(file, encoding="utf-8")
        self.source = source
        self.storages: dict[str, _StorageRef] = {}

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise ValueError(f"{self.source}: refusing to load global {module}.{name}: a "
                             "weights file needs only tensors, storages and OrderedDict "
                             "(it may try to run code; do not load it with torch.load "
                             "either)") from None

    def persistent_load(self, pid: Any) -> _StorageRef:
        # zip: ('storage', type, key, location, numel); legacy adds view metadata
        if (not isinstance(pid, tuple) or len(pid) not in (5, 6) or pid[0] != "storage"
                or not isinstance(pid[1], _StorageType) or not isinstance(pid[4], int)
                or isinstance(pid[4], bool) or pid[4] < 0
                or (len(pid) == 6 and pid[5] is not None)):
            raise ValueError(f"{self.source}: unsupported storage reference {pid!r}")
        key, kind, numel = str(pid[2]), pid[1].name, pid[4]
        ref = self.storages.get(key)
        if ref is None:
            ref = self.storages[key] = _StorageRef(key, kind, numel)
        return ref


def _bfloat16_to_float32(bits: np.ndarray) -> np.ndarray:
    """bfloat16 is the top half of a float32: shift its 16 bits into place."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _materialise(t: _TensorRef, data: dict[str, np.ndarray], source: str) -> np.ndarray:
    """A contiguous copy of the view ``t`` of its storage, bounds checked."""
    flat = data[t.storage.key]
    if any(s == 0 for s in t.size):
        out = np.zeros(t.size, dtype=flat.dtype)
    else:
        last = t.offset + sum((n - 1) * s for n, s in zip(t.size, t.stride))
        if last >= flat.size:
            raise ValueError(f"{source}: a tensor of size {t.size} reads past the end of "
                             f"its storage ({flat.size} elements)")
        view = np.lib.stride_tricks.as_strided(
            flat[t.offset:], shape=t.size,
            strides=tuple(s * flat.itemsize for s in t.stride), writeable=False)
        out = np.array(view, order="C")  # own, contiguous memory (storages may be shared)
    return _bfloat16_to_float32(out) if t.storage.kind == "BFloat16Storage" else out


def _storage_array(raw: bytes, ref: _StorageRef, source: str) -> np.ndarray:
    dtype = np.dtype(_STORAGE_DTYPES[ref.kind]).newbyteorder("<")
    if len(raw) < ref.numel * dtype.itemsize:
        raise ValueError(f"{source}: storage {ref.key} holds {len(raw)} bytes, expected "
                         f"{ref.numel * dtype.itemsize} (the file is truncated or damaged)")
    return np.frombuffer(raw, dtype=dtype, count=ref.numel)


def _read_zip(path: Path, source: str) -> tuple[Any, dict[str, np.ndarray]]:
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        pkl = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pkl) != 1:
            raise ValueError(f"{source}: a zip file but not a PyTorch file (no data.pkl)")
        prefix = pkl[0][: -len("data.pkl")]
        order = prefix + "byteorder"
        if order in names and z.read(order).strip() != b"little":
            raise ValueError(f"{source}: big-endian PyTorch files are not supported")
        unpickler = SafeUnpickler(io.BytesIO(z.read(pkl[0])), source)
        obj = unpickler.load()
        data = {}
        for key, ref in unpickler.storages.items():
            entry = f"{prefix}data/{key}"
            if entry not in names:
                raise ValueError(f"{source}: storage {key} is missing from the archive")
            data[key] = _storage_array(z.read(entry), ref, source)
    return obj, data


def _read_legacy(path: Path, source: str) -> tuple[Any, dict[str, np.ndarray]]:
    f = io.BytesIO(path.read_bytes())
    magic = SafeUnpickler(f, source).load()
    if magic != _LEGACY_MAGIC:
        raise ValueError(f"{source}: not a PyTorch file (neither a zip archive nor a "
                         "legacy PyTorch pickle)")
    SafeUnpickler(f, source).load()  # protocol version
    info = SafeUnpickler(f, source).load()
    if isinstance(info, dict) and not info.get("little_endian", True):
        raise ValueError(f"{source}: big-endian PyTorch files are not supported")
    unpickler = SafeUnpickler(f, source)
    obj = unpickler.load()
    keys = SafeUnpickler(f, source).load()
    if not isinstance(keys, list):
        raise ValueError(f"{source}: damaged legacy PyTorch file (no storage list)")
    data = {}
    for key in keys:
        ref = unpickler.storages.get(str(key))
        head = f.read(8)
        if ref is None or len(head) < 8:
            raise ValueError(f"{source}: damaged legacy PyTorch file (storage {key})")
        (count,) = struct.unpack("<q", head)
        if count != ref.numel:
            raise ValueError(f"{source}: storage {key} has {count} elements, its tensors "
                             f"expect {ref.numel} (the file is damaged)")
        size = count * np.dtype(_STORAGE_DTYPES[ref.kind]).itemsize
        data[ref.key] = _storage_array(f.read(size), ref, source)
    return obj, data


def _resolve(obj: Any, data: dict[str, np.ndarray], source: str) -> Any:
    """``obj`` with every `_TensorRef` replaced by its array (containers rebuilt)."""
    if isinstance(obj, _TensorRef):
        if obj.storage.key not in data:
            raise ValueError(f"{source}: storage {obj.storage.key} has no data")
        return _materialise(obj, data, source)
    if isinstance(obj, Mapping):
        return {k: _resolve(v, data, source) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_resolve(v, data, source) for v in obj)
    return obj


def read_pytorch(path: str | os.PathLike) -> Any:
    """The object a PyTorch file holds, with every tensor as a NumPy array.

    Containers (dict, OrderedDict -> dict, list, tuple) and plain values come back as
    they were saved. bfloat16 tensors come back as float32 (NumPy has no bfloat16).
    Raises ValueError for anything but tensors, storages and containers.
    """
    path = Path(path)
    source = repr(str(path))
    if not path.is_file():
        raise FileNotFoundError(f"load_pytorch: no such file {source}")
    reader = _read_zip if zipfile.is_zipfile(path) else _read_legacy
    try:
        obj, data = reader(path, source)
    except (pickle.UnpicklingError, EOFError, zipfile.BadZipFile, struct.error,
            UnicodeDecodeError, TypeError, AttributeError) as e:
        raise ValueError(f"{source} is not a readable PyTorch file "
                         f"({type(e).__name__}: {e})") from None
    return _resolve(obj, data, source)


# where checkpoints usually keep the model's weights, tried in this order
_STATE_KEYS = ("state_dict", "model_state_dict", "model")


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and bool(obj) and all(
        isinstance(k, str) and isinstance(v, np.ndarray) for k, v in obj.items())


def load_pytorch(path: str | os.PathLike, key: str | None = None) -> dict[str, np.ndarray]:
    """``{name: array}`` from a PyTorch state_dict file (.pt/.pth, zip or legacy format).

    A checkpoint that nests the weights (``{"state_dict": ...}``, ``{"model": ...}``,
    ``{"model_state_dict": ...}``) is unwrapped; ``key`` picks another entry. Nothing in
    the file is executed: see this module's docstring.
    """
    obj = read_pytorch(path)
    if key is not None:
        if not isinstance(obj, Mapping) or key not in obj:
            have = list(obj)[:10] if isinstance(obj, Mapping) else type(obj).__name__
            raise ValueError(f"load_pytorch: {str(path)!r} has no entry {key!r}; it has {have}")
        obj = obj[key]
    elif isinstance(obj, Mapping) and not _is_state_dict(obj):
        obj = next((obj[k] for k in _STATE_KEYS if _is_state_dict(obj.get(k))), obj)
    if not _is_state_dict(obj):
        found = list(obj)[:10] if isinstance(obj, Mapping) else type(obj).__name__
        raise ValueError(f"load_pytorch: {str(path)!r} does not hold a state_dict (names -> "
                         f"tensors); found {found}. Pass key= to pick the entry that does")
    return dict(obj)
