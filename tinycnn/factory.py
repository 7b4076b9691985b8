"""Ways to make tensors: ``tensor``, ``zeros``, ``randn``, ... (PyTorch's names)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import backend
from .tensor import Tensor


def _shape(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"size must be non-negative ints, got {size}")
    return tuple(int(s) for s in size)


def _float(dtype: Any) -> np.dtype:
    return backend.get_default_dtype() if dtype is None else np.dtype(dtype)


def _make(arr: Any, requires_grad: bool) -> Tensor:
    return Tensor(arr, requires_grad=requires_grad)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (list, number, NumPy/CuPy array or Tensor).

    Python floats and float64 arrays become the default dtype (float32) unless ``dtype``
    is given; ints become int64, bools stay bool.
    """
    dev = backend.normalize_device(device) if device is not None else None
    if isinstance(data, Tensor):
        data = data._data
    src_xp = backend.array_module(data)
    if src_xp is np:
        try:
            arr = np.array(data, copy=True)
        except ValueError as e:  # ragged nested lists
            raise ValueError(f"tensor(): data must be rectangular (nested lists of equal "
                             f"lengths): {e}") from None
    else:
        arr = data.copy()
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"tensor(): could not make a numeric array from {type(data).__name__} "
                        f"(got dtype {arr.dtype})")
    if dtype is not None:
        arr = arr.astype(np.dtype(dtype), copy=False)
    elif arr.dtype == np.float64:  # Python floats and float64 arrays
        arr = arr.astype(backend.get_default_dtype())
    if dev is not None:
        arr = backend.to_device(arr, dev)
    return _make(arr, requires_grad)


def from_numpy(a: np.ndarray) -> Tensor:
    """A tensor sharing memory with NumPy array ``a`` (dtype kept, as in PyTorch)."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(a).__name__}")
    return Tensor(a)


def _xp(device: Any) -> Any:
    return backend.xp_for(backend.normalize_device(device))


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _make(_xp(device).zeros(_shape(size), dtype=_float(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _make(_xp(device).ones(_shape(size), dtype=_float(dtype)), requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``."""
    if dtype is None and isinstance(fill_value, (bool, np.bool_)):
        dtype = np.bool_
    elif dtype is None and isinstance(fill_value, (int, np.integer)):
        dtype = np.int64
    size = size if isinstance(size, (tuple, list)) else (size,)
    return _make(_xp(device).full(_shape((size,)), fill_value, dtype=_float(dtype)),
                 requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (fast; fill it before reading)."""
    return _make(_xp(device).empty(_shape(size), dtype=_float(dtype)), requires_grad)


def _like(fill: str, t: Tensor, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{fill}_like expects a Tensor, got {type(t).__name__}")
    xp = backend.array_module(t._data) if device is None else _xp(device)
    dtype = t.dtype if dtype is None else np.dtype(dtype)
    return _make(getattr(xp, fill)(t.shape, dtype=dtype), requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros with ``t``'s shape, and its dtype and device unless given."""
    return _like("zeros", t, dtype, device, requires_grad)


def ones_like(t: Tensor, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Ones with ``t``'s shape, and its dtype and device unless given."""
    return _like("ones", t, dtype, device, requires_grad)


def empty_like(t: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor with ``t``'s shape, and its dtype and device unless given."""
    return _like("empty", t, dtype, device, requires_grad)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with ``t``'s shape, and its dtype and device unless given."""
    out = _like("empty", t, dtype, device, False)
    out._data[...] = fill_value
    return out.requires_grad_(requires_grad) if requires_grad else out


def _random_like(t: Tensor, draw: Any, dtype: Any, device: Any, requires_grad: bool,
                 name: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{name} expects a Tensor, got {type(t).__name__}")
    dtype = t.dtype if dtype is None else np.dtype(dtype)
    return draw(t.shape, dtype=dtype, device=t.device if device is None else device,
                requires_grad=requires_grad)


def rand_like(t: Tensor, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) with ``t``'s shape, and its dtype and device unless given."""
    if (t.dtype if dtype is None else np.dtype(dtype)).kind != "f":
        raise TypeError(f"rand_like: needs a floating dtype, got {t.dtype if dtype is None else dtype}")
    return _random_like(t, rand, dtype, device, requires_grad, "rand_like")


def randn_like(t: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Standard normal samples with ``t``'s shape, and its dtype and device unless given."""
    if (t.dtype if dtype is None else np.dtype(dtype)).kind != "f":
        raise TypeError(f"randn_like: needs a floating dtype, got {t.dtype if dtype is None else dtype}")
    return _random_like(t, randn, dtype, device, requires_grad, "randn_like")


def randint_like(t: Tensor, low: int, high: int | None = None, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """Random integers in [low, high) (``randint_like(t, high)``: low = 0) with ``t``'s
    shape, and its dtype and device unless given (as in PyTorch, even a float dtype)."""
    if high is None:
        low, high = 0, low
    return randint(low, high, t.shape, dtype=t.dtype if dtype is None else dtype,
                   device=t.device if device is None else device)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory when it already is a tensor or a NumPy array of
    the wanted dtype and device (no copy), else a copy as `tensor` makes."""
    if isinstance(data, Tensor):
        out = data
    elif isinstance(data, np.ndarray) or backend.array_module(data) is not np:
        out = Tensor(data)
    else:
        return tensor(data, dtype=dtype, device=device)
    if device is not None:
        out = out.to(device)
    return out if dtype is None or np.dtype(dtype) == out.dtype else out.to(dtype)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    dtype = _float(dtype)
    values = np.linspace(float(start), float(end), int(steps))  # float64, then cast
    if dtype.kind in "iu":  # PyTorch truncates towards zero
        values = np.trunc(values)
    return _make(_xp(device).asarray(values.astype(dtype)), requires_grad)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *,
           generator: backend.Generator | None = None, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples with ``mean`` and ``std``: tensors (element-wise, broadcast) or
    numbers with ``size`` given, as ``torch.normal``."""
    shapes = [m.shape for m in (mean, std) if isinstance(m, Tensor)]
    if not shapes and size is None:
        raise TypeError("normal: give size when mean and std are numbers")
    ref = next((m for m in (mean, std) if isinstance(m, Tensor)), None)
    if size is None:
        size = np.broadcast_shapes(*shapes)
    size = _shape((size,)) if isinstance(size, (tuple, list)) else _shape((size,))
    dev = backend.normalize_device(device if device is not None else
                                   (ref.device if ref is not None else None))
    dtype = ref.dtype if dtype is None and ref is not None else _float(dtype)
    if np.dtype(dtype).kind != "f":
        raise TypeError(f"normal: needs floating mean/std or dtype, got {dtype}")
    xp = backend.xp_for(dev)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if (xp.asarray(s) < 0).any():
        raise ValueError("normal: std must be non-negative")
    z = backend.rng_for(dev, generator).standard_normal(size, dtype=np.float64)
    return _make((m + s * z).astype(dtype), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive): int64 for ints, else the float default."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else backend.get_default_dtype()
    return _make(_xp(device).arange(start, end, step, dtype=dtype), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The ``n x m`` identity matrix."""
    return _make(_xp(device).eye(n, m, dtype=_float(dtype)), requires_grad)


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         generator: backend.Generator | None = None) -> Tensor:
    """Uniform samples in [0, 1) from tinycnn's seeded generator (or ``generator``)."""
    dev = backend.normalize_device(device)
    arr = backend.rng_for(dev, generator).random(_shape(size), dtype=np.float64).astype(_float(dtype))
    return _make(arr, requires_grad)


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          generator: backend.Generator | None = None) -> Tensor:
    """Standard normal samples from tinycnn's seeded generator (or ``generator``)."""
    dev = backend.normalize_device(device)
    arr = backend.rng_for(dev, generator).standard_normal(_shape(size), dtype=np.float64).astype(_float(dtype))
    return _make(arr, requires_grad)


def randperm(n: int, dtype: Any = np.int64, device: Any = None,
             generator: backend.Generator | None = None) -> Tensor:
    """A random permutation of ``0 .. n-1`` from tinycnn's seeded generator (or
    ``generator``)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    dev = backend.normalize_device(device)
    gen = backend.rng_for(dev, generator)
    # CuPy's Generator has no permutation(): the order that sorts n uniform draws is one
    perm = gen.permutation(n) if dev == "cpu" else gen.random(n).argsort()
    return _make(perm.astype(dtype), False)


def randint(low: int, high: Any = None, size: Any = (), dtype: Any = np.int64,
            device: Any = None, generator: backend.Generator | None = None) -> Tensor:
    """Random integers in [low, high); ``randint(high, size)`` means low = 0 (PyTorch)."""
    if isinstance(high, (tuple, list)):  # randint(10, (3,)): the second argument is the size
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    dev = backend.normalize_device(device)
    size = size if isinstance(size, (tuple, list)) else (size,)
    arr = backend.rng_for(dev, generator).integers(low, high, size=_shape((tuple(size),)))
    return _make(arr.astype(dtype), False)


def _legacy_constructor(dtype: Any, name: str) -> Any:
    """PyTorch's legacy typed constructors: ``FloatTensor([1, 2])`` copies the data with
    ``dtype``; ``FloatTensor(2, 3)`` makes a tensor of that size (zeros here: PyTorch leaves
    it uninitialised)."""

    def make(*args: Any) -> Tensor:
        args = args or (0,)  # FloatTensor() is empty, shape (0,)
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            return tensor(args[0], dtype=dtype)
        if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            raise TypeError(f"{name}: expected data (a list, array or Tensor) or sizes (ints), "
                            f"got {args!r}")
        return zeros(*args, dtype=dtype)

    make.__name__ = make.__qualname__ = name
    make.dtype = np.dtype(dtype)  # x.type(tinycnn.FloatTensor) converts to this
    make.__doc__ = f"``torch.{name}(data)`` or ``torch.{name}(*sizes)``: a {np.dtype(dtype)} tensor."
    return make


FloatTensor = _legacy_constructor(np.float32, "FloatTensor")
DoubleTensor = _legacy_constructor(np.float64, "DoubleTensor")
LongTensor = _legacy_constructor(np.int64, "LongTensor")
IntTensor = _legacy_constructor(np.int32, "IntTensor")
BoolTensor = _legacy_constructor(np.bool_, "BoolTensor")
