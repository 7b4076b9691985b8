"""`Tensor`: an array (NumPy or CuPy) plus what autograd needs to differentiate it.

A tensor holds ``_data`` (the raw array), ``grad`` (a Tensor or None), ``requires_grad``
and, when an op made it while recording, ``_ctx``: the graph node of that op (see
`tinycnn.autograd`). All arithmetic is delegated to the differentiable functions in
`tinycnn.functional`. This file holds what a tensor is (its state, conversion, backward,
in-place updates); Python's operators and the methods with PyTorch's names that only
forward to `tinycnn.functional` live in `tinycnn/tensor_methods.py`, attached on import.
"""

from __future__ import annotations

import math
import numbers
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import backend


class Size(tuple):
    """A tensor's shape, ``tinycnn.Size([2, 3])``: a tuple, as ``torch.Size`` (slices and
    sums of sizes stay sizes)."""

    def __repr__(self) -> str:
        return f"tinycnn.Size({list(self)})"

    __str__ = tuple.__repr__  # messages read "shape (2, 3)"

    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Size:
        return Size(tuple(self) + tuple(other))

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        return math.prod(self)


_DEVICES = {"cpu": backend.device("cpu"), "cuda": backend.device("cuda")}


class Tensor:
    """A multi-dimensional array that can record the ops applied to it.

    Build one with `tinycnn.tensor(...)` or a factory (`tinycnn.zeros`, ...). Shapes
    follow NumPy/PyTorch conventions; images are NCHW.
    """

    __slots__ = ("_data", "grad", "requires_grad", "_ctx", "_out_index", "__weakref__")
    __array_priority__ = 1000  # numpy_scalar * tensor -> Tensor.__rmul__

    def __init__(self, data: Any, *sizes: int, requires_grad: bool = False) -> None:
        if isinstance(data, Tensor):
            data = data._data
        if sizes or type(data) is int:  # torch.Tensor(2, 3): a new float tensor of that size
            shape = (data, *sizes)
            if not all(type(s) is int and s >= 0 for s in shape):
                raise TypeError(f"Tensor: expected data, or sizes as non-negative ints, got "
                                f"{shape!r}")
            data = np.zeros(shape, dtype=backend.get_default_dtype())
        elif isinstance(data, (list, tuple)):
            # torch.Tensor([[1, 2], [3, 4]]) is float32, as in PyTorch (tensor() infers)
            data = np.asarray(data, dtype=backend.get_default_dtype())
        elif not hasattr(data, "ndim") or isinstance(data, np.generic):
            data = np.asarray(data)  # numbers, NumPy scalars: a NumPy array
        if data.dtype.kind not in "biufc":
            raise TypeError(f"Tensor: expected numeric data, got dtype {data.dtype}")
        self._data = data
        self.grad: Tensor | None = None
        self._ctx = None
        self._out_index = 0
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, data: Any, requires_grad: bool) -> Tensor:
        """Fast constructor for arrays the library made itself (no checks)."""
        t = object.__new__(Tensor)
        t._data = data
        t.grad = None
        t.requires_grad = requires_grad
        t._ctx = None
        t._out_index = 0
        return t

    # --- attributes ----------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """This tensor outside autograd, sharing its memory (as PyTorch's ``.data``): so
        ``layer.weight.data.normal_(0, 0.01)`` changes the weight without recording a graph.
        The raw array is ``.numpy()`` (a copy on the GPU); the library itself uses ``_data``."""
        return Tensor._wrap(self._data, False)

    @data.setter
    def data(self, value: Any) -> None:
        """``p.data = t`` swaps in another array (a Tensor or an array) of any shape."""
        self._data = value._data if isinstance(value, Tensor) else Tensor(value)._data

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def device(self) -> backend.device:
        """Where the data lives: ``device(type='cpu')`` or ``device(type='cuda')``, which
        compare equal to the strings ``"cpu"`` and ``"cuda"``."""
        return _DEVICES[backend.device_of(self._data)]

    @property
    def is_cuda(self) -> bool:
        return self.device == "cuda"

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made (not the output of a recorded op)."""
        return self._ctx is None

    @property
    def grad_fn(self) -> Any:
        """The graph node (ctx) of the op that made this tensor, or None for a leaf."""
        return self._ctx

    @property
    def T(self) -> Tensor:
        """The tensor with its dimensions reversed (the transpose of a matrix)."""
        return self.permute(*range(self.ndim - 1, -1, -1))

    def size(self, dim: int | None = None) -> Any:
        """The shape (as in PyTorch, ``size()`` is a method), or its length along ``dim``."""
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        """Number of elements."""
        return int(self._data.size)

    def dim(self) -> int:
        return self._data.ndim

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __repr__(self) -> str:
        a = backend.as_numpy(self._data)
        # PyTorch's look: 4 fixed decimals, except "1." when every value is whole and
        # scientific notation is not needed (the same test as NumPy's); 80 columns of values
        big = np.abs(a[np.isfinite(a) & (a != 0)]) if a.dtype.kind == "f" else np.ones(1)
        whole = big.size == 0 or (np.all(np.mod(big, 1) == 0) and big.max() <= 1e8
                                   and big.max() <= 1000 * big.min())
        body = np.array2string(a, separator=", ", precision=4, prefix="tensor(",
                               floatmode="maxprec" if whole else "fixed",
                               max_line_width=80 + len("tensor("))
        extra = ""
        if self.dtype not in (backend.get_default_dtype(), np.int64, np.bool_):
            extra += f", dtype={self.dtype}"
        if self.device != "cpu":
            extra += f", device='{self.device}'"
        if self._ctx is not None:
            extra += f", grad_fn=<{self._ctx.name()}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats a one-element tensor's value, and ``f"{label}"`` a 0-d
        tensor's value (``4``, not ``tensor(4)``), as in PyTorch."""
        if not spec and self.ndim:
            return repr(self)
        if self._data.size != 1:
            raise TypeError(f"format spec {spec!r} needs a one-element tensor, got shape "
                            f"{self.shape}; format .tolist() or the elements instead")
        return format(self.item(), spec)

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self._data.size} elements is "
                               "ambiguous; use .any() or .all()")
        return bool(self._data.reshape(()).item() if self.device == "cpu" else self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, got {self.dtype}")
        return int(self.item())

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    __hash__ = object.__hash__  # comparisons return tensors, identity stays the hash

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = backend.as_numpy(self._data)
        return a if dtype is None else a.astype(dtype)

    # --- autograd ------------------------------------------------------------------------
    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Compute the gradient of this tensor w.r.t. every leaf that requires grad.

        ``gradient`` defaults to 1 for a one-element tensor; pass a tensor or array of this
        tensor's shape otherwise. Gradients add up in the leaves' ``.grad``. The arguments
        are PyTorch's; ``create_graph=True`` (higher-order gradients) is not supported.
        """
        from .autograd import root_grad, run_backward  # noqa: PLC0415

        if create_graph:
            raise NotImplementedError(
                "backward(create_graph=True): tinycnn computes first-order gradients only")
        run_backward(self, root_grad(self, gradient, "backward(gradient)"),
                     retain_graph=bool(retain_graph))

    def clone(self) -> Tensor:
        """A copy of the data that stays in the graph (gradients flow back to ``self``)."""
        return elementwise.Cast.apply(self, self.dtype)  # astype copies; backward is identity

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory, as in PyTorch)."""
        return Tensor._wrap(self._data, False)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (only on leaves, and only for float tensors)."""
        if requires_grad and self._data.dtype.kind not in "fc":
            raise TypeError(
                f"only floating point tensors can require gradients, got dtype {self.dtype}"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_(False) is only allowed on leaf tensors; "
                               "use .detach() to cut a tensor from the graph")
        self.requires_grad = bool(requires_grad)
        return self

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` with this tensor's gradient during ``backward``; if it
        returns a tensor, that replaces the gradient. ``.remove()`` on the returned
        handle takes the hook off (as in PyTorch; Grad-CAM keeps activations' gradients
        this way)."""
        from .autograd import register_hook  # noqa: PLC0415

        return register_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after ``backward`` (leaves
        always keep theirs)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if self._ctx is not None:
            if self._ctx.retained is None:
                self._ctx.retained = {}
            self._ctx.retained[self._out_index] = weakref.ref(self)

    def zero_(self) -> Tensor:
        """Fill with zeros in place (no graph)."""
        self._check_inplace_allowed("zero_")
        self._data[...] = 0
        return self

    def fill_(self, value: float) -> Tensor:
        """Fill with ``value`` in place (no graph)."""
        self._check_inplace_allowed("fill_")
        self._data[...] = value
        return self

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill in place with samples of a normal distribution (no graph)."""
        return self._fill_random("normal_", generator, lambda rng, shape: rng.standard_normal(
            shape, dtype=np.float64) * std + mean)

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill in place with samples uniform in [a, b) (no graph)."""
        return self._fill_random("uniform_", generator, lambda rng, shape: rng.random(
            shape, dtype=np.float64) * (b - a) + a)

    def _fill_random(self, op: str, generator: Any, draw: Any) -> Tensor:
        self._check_inplace_allowed(op)
        if self.dtype.kind not in "fc":
            raise TypeError(f"{op} needs a floating point tensor, got dtype {self.dtype}")
        device = backend.device_of(self._data)
        self._data[...] = draw(backend.rng_for(device, generator), self._data.shape)
        return self

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src`` (same shape, any device) into this tensor in place (no graph)."""
        self._check_inplace_allowed("copy_")
        arr = src._data if isinstance(src, Tensor) else src
        arr = backend.to_device(backend.array_module(arr).asarray(arr), self.device)
        if tuple(arr.shape) != self.shape:
            raise ValueError(f"copy_: expected shape {self.shape}, got {tuple(arr.shape)}")
        self._data[...] = arr
        return self

    # --- conversion ----------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shares memory on the CPU; copied from the GPU)."""
        return backend.as_numpy(self._data)

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item() needs a one-element tensor, got shape {self.shape}")
        return self._data.reshape(()).item() if self.device == "cpu" else self.numpy().item()

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(device)``, ``to(dtype)`` or ``to(device, dtype)``; differentiable."""
        device, dtype = backend.parse_to_args(args, kwargs)
        out = self
        if device is not None:
            out = shape_ops.to_device(out, device)
        if dtype is not None and dtype != out.dtype:
            out = elementwise.cast(out, dtype)
        return out

    # In-place operators. ``w -= lr * w.grad`` under ``no_grad()`` must update the leaf
    # itself (Python would otherwise rebind ``w`` to a new tensor that is no longer the
    # parameter). While a graph is being recorded (``out += identity`` in a ResNet block)
    # the op is computed out of place and recorded, and this tensor object then *becomes*
    # the result: graph edges point at nodes, not at tensor objects, so the nodes that used
    # the old value keep it. As in PyTorch, a leaf that requires grad refuses the change.
    def _inplace(self, o: Any, op: str) -> Tensor:
        from .autograd import is_grad_enabled  # noqa: PLC0415

        if not _operand_ok(o):
            return NotImplemented
        if is_grad_enabled() and (self.requires_grad or getattr(o, "requires_grad", False)):
            self._check_inplace_allowed(op)
            return self._become(getattr(elementwise, op)(self, o), op)
        v = o._data if isinstance(o, Tensor) else o
        xp = backend.array_module(self._data)
        try:
            getattr(xp, {"sub": "subtract", "mul": "multiply", "div": "true_divide"}.get(
                op, op))(self._data, v, out=self._data, casting="same_kind")
        except (TypeError, ValueError) as e:  # non-broadcastable shape, float into int
            shape = getattr(v, "shape", ())
            raise (TypeError if isinstance(e, TypeError) else ValueError)(
                f"in-place {op} into a tensor of shape {self.shape} and dtype {self.dtype} "
                f"from one of shape {tuple(shape)} and dtype "
                f"{getattr(v, 'dtype', type(v).__name__)}: {e}") from None
        return self

    def _become(self, out: Tensor, op: str) -> Tensor:
        """Take over the recorded result ``out`` of in-place op ``op`` (see above)."""
        if out.shape != self.shape or out.dtype != self.dtype:
            raise ValueError(f"in-place {op} cannot change a tensor of shape {self.shape} "
                             f"and dtype {self.dtype} into shape {out.shape} and dtype "
                             f"{out.dtype}")
        self._data, self._ctx, self._out_index = out._data, out._ctx, out._out_index
        self.requires_grad = out.requires_grad
        return self

    def _update(self, out: Tensor, op: str) -> Tensor:
        """An in-place op given its out-of-place result ``out``: recorded in the graph when
        one is being built, else written into this tensor's memory."""
        from .autograd import is_grad_enabled  # noqa: PLC0415

        self._check_inplace_allowed(op)
        if is_grad_enabled() and out.requires_grad:
            return self._become(out, op)
        if out.shape != self.shape:
            raise ValueError(f"in-place {op}: result shape {out.shape} differs from the "
                             f"tensor's {self.shape}")
        self._data[...] = out._data
        return self

    def _check_inplace_allowed(self, op: str) -> None:
        """PyTorch's rule: a leaf that requires grad may only be changed under no_grad()."""
        from .autograd import is_grad_enabled  # noqa: PLC0415

        if self.requires_grad and self._ctx is None and is_grad_enabled():
            raise RuntimeError(
                f"a leaf tensor that requires grad is being used in an in-place operation "
                f"({op}); wrap parameter updates in `with tinycnn.no_grad():`")

    def __setitem__(self, index: Any, value: Any) -> None:
        """``t[index] = value`` writes into the data in place; not recorded in the graph,
        so it is refused on tensors that take part in one (as PyTorch refuses it on leaves)."""
        from .autograd import is_grad_enabled  # noqa: PLC0415

        if self.requires_grad and is_grad_enabled():
            raise RuntimeError("in-place assignment to a tensor that requires grad is not "
                               "differentiable; do it under tinycnn.no_grad() or on .detach()")
        v = value._data if isinstance(value, Tensor) else value
        if isinstance(index, tuple):
            index = tuple(i._data if isinstance(i, Tensor) else i for i in index)
        elif isinstance(index, Tensor):
            index = index._data
        try:
            self._data[index] = v
        except (IndexError, ValueError) as e:
            raise type(e)(f"cannot assign to index {index!r} of a tensor of shape "
                          f"{self.shape}: {e}") from None

def _operand_ok(o: Any) -> bool:
    """Can ``o`` meet a tensor in an arithmetic operator? (numbers, arrays, lists, tensors)"""
    return isinstance(o, (Tensor, numbers.Number, np.generic, list, tuple)) or hasattr(
        o, "__array_interface__") or hasattr(o, "__cuda_array_interface__")


from . import tensor_methods  # noqa: E402, F401  (attaches the methods with PyTorch's names)
from .functional import elementwise  # noqa: E402  (the functional modules import Tensor)
from .functional import shape as shape_ops  # noqa: E402
