"""Array backends: NumPy on the CPU, CuPy on the GPU.

Every op asks its inputs for their array module (``xp = array_module(x)``) and then
writes one piece of code for both devices. This file is the only place that knows
CuPy exists; it is imported lazily so that ``import tinycnn`` stays fast and works
on machines without CuPy.
"""

from __future__ import annotations

import functools
import json
from types import ModuleType
from typing import Any

import numpy as np

_default_dtype = np.dtype(np.float32)


class DeviceError(RuntimeError):
    """Raised when a device is unavailable or when arrays on two devices meet."""


@functools.cache
def _probe_cupy() -> tuple[ModuleType | None, str]:
    """(the cupy module if it imports and sees a GPU else None, why not: "" when usable)."""
    try:
        import cupy  # noqa: PLC0415  (optional dependency, imported on demand)

        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None, "CuPy sees no CUDA device"
        return cupy, ""
    except Exception as e:  # ImportError, CUDA driver errors: no usable GPU either way
        return None, f"{type(e).__name__}: {e}".strip()


def _cupy() -> ModuleType | None:
    """The cupy module if it imports and sees a GPU, else None."""
    return _probe_cupy()[0]


def cuda_available() -> bool:
    """True when CuPy is installed and at least one CUDA device is visible."""
    return _cupy() is not None


def array_module(x: Any) -> ModuleType:
    """``numpy`` or ``cupy``: the module that owns array ``x`` (NumPy for non-arrays)."""
    if isinstance(x, np.ndarray) or type(x).__module__.split(".")[0] != "cupy":
        return np
    return _cupy() or np


def device_of(x: Any) -> str:
    """``"cpu"`` for NumPy arrays, ``"cuda"`` for CuPy arrays."""
    return "cpu" if array_module(x) is np else "cuda"


def normalize_device(device: Any) -> str:
    """Accept ``None``/``"cpu"``/``"cuda"``/``"cuda:0"``/``"gpu"``; return ``"cpu"`` or ``"cuda"``.

    Asking for CUDA on a machine without CuPy or a GPU raises a clear `DeviceError`.
    """
    if device is None:
        return "cpu"
    name = str(device).lower()
    if name == "cpu":
        return "cpu"
    if name in ("cuda", "gpu") or name.startswith("cuda:"):
        if not cuda_available():
            raise DeviceError(
                f"device={device!r} was requested but CUDA is not available "
                f"({_probe_cupy()[1]}): install CuPy for your CUDA version (pip install "
                "'tinycnn[cuda]') and make sure a GPU is visible, or use device='cpu'"
            )
        return "cuda"
    raise DeviceError(f"device must be 'cpu' or 'cuda', got {device!r}")


class device(str):  # noqa: N801  (PyTorch's name)
    """``tinycnn.device("cuda:0")``: a device name, as ``torch.device`` (a ``str`` subclass,
    so it works wherever a device string does). ``.type`` is ``"cpu"`` or ``"cuda"``,
    ``.index`` the number after the colon (or None). Availability is checked on use."""

    def __new__(cls, type: str, index: int | None = None) -> device:  # noqa: A002
        name = str(type) if index is None else f"{type}:{index}"
        kind, _, idx = name.partition(":")
        if kind not in ("cpu", "cuda") or (idx and not idx.isdigit()):
            raise DeviceError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {name!r}")
        self = super().__new__(cls, name)
        self.type = kind
        self.index = int(idx) if idx else None
        return self

    def __repr__(self) -> str:
        return f"device(type={self.type!r}" + (
            f", index={self.index})" if self.index is not None else ")")


_CPU = device("cpu")


def parse_to_args(args: tuple, kwargs: dict) -> tuple[str | None, np.dtype | None]:
    """The ``(device, dtype)`` of a PyTorch-style ``.to(...)`` call, each None when absent.

    ``to("cuda")``, ``to(np.float64)``, ``to("cpu", np.float32)`` and the keywords
    ``device=``/``dtype=`` are accepted; the device comes back normalized.
    """
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)  # copies are synchronous here; PyTorch's hint is harmless
    if kwargs:
        raise TypeError(f"to() got unexpected arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, str) or a is None:
            device = a
        else:
            dtype = a
    return (None if device is None else normalize_device(device),
            None if dtype is None else np.dtype(dtype))


def xp_for(device: str) -> ModuleType:
    """The array module for a normalized device name."""
    return np if device == "cpu" else _cupy()


def to_device(x: Any, device: str) -> Any:
    """Copy array ``x`` to ``device`` (no copy when it is already there)."""
    device = normalize_device(device)
    if device_of(x) == device:
        return x
    if device == "cpu":
        return x.get()
    return _cupy().asarray(x)


def as_numpy(x: Any) -> np.ndarray:
    """A NumPy view/copy of any array (CuPy arrays are copied to the host)."""
    return x if isinstance(x, np.ndarray) else (x.get() if hasattr(x, "get") else np.asarray(x))


# --- default dtype ---------------------------------------------------------------------

def set_default_dtype(dtype: Any) -> None:
    """Set the floating dtype used for Python floats and float64 input (float32 by default)."""
    global _default_dtype
    d = np.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype expects a floating dtype, got {d}")
    _default_dtype = d


def get_default_dtype() -> np.dtype:
    """The floating dtype new tensors get unless one is given."""
    return _default_dtype


# --- random numbers ----------------------------------------------------------------------
# One generator per device. Everything the library draws (initialisation, dropout,
# shuffling, augmentation) comes from here, so ``manual_seed`` makes a run repeatable.

_seed: int = int(np.random.SeedSequence().entropy % 2**63)  # until manual_seed is called
_rngs: dict[str, Any] = {"cpu": np.random.default_rng(_seed)}


def _check_seed(seed: Any, name: str) -> int:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"{name} expects an int seed, got {type(seed).__name__}")
    return int(seed)


def manual_seed(seed: int) -> Generator:
    """Seed every generator tinycnn draws from, on the CPU and (if present) the GPU;
    returns `default_generator`, as ``torch.manual_seed`` does."""
    global _seed
    _seed = _check_seed(seed, "manual_seed")
    _rngs.clear()
    _rngs["cpu"] = np.random.default_rng(_seed)
    # the GPU generator is created lazily from the same seed (see rng()).
    return default_generator


def manual_seed_cuda(seed: int) -> None:
    """Seed only the GPU generator (``tinycnn.cuda.manual_seed_all``); no-op without one."""
    seed = _check_seed(seed, "cuda.manual_seed_all")
    cp = _cupy()
    if cp is not None:
        _rngs["cuda"] = cp.random.default_rng(seed)


class Generator:
    """A random number generator of its own, as ``torch.Generator``: pass it as
    ``generator=`` (to ``randperm``, ``random_split``, ``DataLoader``, ...) to draw from it
    instead of the global generator that `manual_seed` seeds. CPU only.

    ``g = tinycnn.Generator().manual_seed(42)``; ``g.rng`` is its ``numpy.random.Generator``.
    """

    def __init__(self, device: Any = "cpu") -> None:
        if str(device) != "cpu":
            raise DeviceError(f"Generator: only device='cpu' is supported, got {device!r}")
        self.device = _CPU
        self.seed()

    def manual_seed(self, seed: int) -> Generator:
        """Restart the generator from ``seed``; returns the generator itself."""
        self._initial = _check_seed(seed, "Generator.manual_seed")
        self.rng = np.random.default_rng(self._initial)
        return self

    def seed(self) -> int:
        """Restart from a fresh non-deterministic seed, and return that seed."""
        seed = int(np.random.SeedSequence().entropy % 2**63)
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed the generator was last started from."""
        return self._initial

    def get_state(self) -> Any:
        """The generator's state as a uint8 tensor (for `set_state`)."""
        from .tensor import Tensor  # noqa: PLC0415  (tensor imports this module)

        raw = json.dumps(self.rng.bit_generator.state).encode()
        return Tensor(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, state: Any) -> Generator:
        """Restore a state from `get_state`; returns the generator itself."""
        try:
            raw = np.asarray(state, dtype=np.uint8).tobytes().decode()
            gen = np.random.default_rng()
            gen.bit_generator.state = json.loads(raw)
        except (ValueError, TypeError, KeyError) as e:
            raise ValueError(f"Generator.set_state: not a state from get_state(): {e}") from None
        self.rng = gen
        return self


class _GlobalGenerator(Generator):
    """The global CPU generator as a `Generator` (``torch.default_generator``): its state
    is the one `manual_seed` seeds and that every draw without ``generator=`` uses."""

    def __init__(self) -> None:
        self.device = _CPU

    @property
    def rng(self) -> Any:
        return _rngs["cpu"]

    @rng.setter
    def rng(self, gen: Any) -> None:
        _rngs["cpu"] = gen

    def manual_seed(self, seed: int) -> Generator:
        return manual_seed(seed)

    def initial_seed(self) -> int:
        return _seed


default_generator = _GlobalGenerator()


def rng_for(device: str, generator: Generator | None) -> Any:
    """The generator to draw from: ``generator``'s, else the global one of ``device``."""
    if generator is None:
        return rng(device)
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a tinycnn.Generator, got {type(generator).__name__}")
    if device != "cpu":
        raise DeviceError("a tinycnn.Generator draws on the CPU; make the tensor there and "
                          "move it with .to(device)")
    return generator.rng


def rng(device: str = "cpu") -> Any:
    """The random generator of ``device``: a ``numpy.random.Generator`` or CuPy's."""
    gen = _rngs.get(device)
    if gen is None:
        cp = _cupy()
        if cp is None:
            raise DeviceError("no CUDA device for a CUDA random generator")
        gen = cp.random.default_rng(_seed)
        _rngs[device] = gen
    return gen


def get_rng_state() -> str:
    """The CPU generator's state as a JSON string (it goes into checkpoints)."""
    return json.dumps(_rngs["cpu"].bit_generator.state)


def set_rng_state(state: str) -> None:
    """Restore the CPU generator from `get_rng_state`'s string."""
    gen = np.random.default_rng()
    gen.bit_generator.state = json.loads(state)
    _rngs["cpu"] = gen
