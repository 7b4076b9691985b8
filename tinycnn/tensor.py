"""`Tensor`: an array (NumPy or CuPy) plus what autograd needs to differentiate it.

A tensor holds ``data`` (the raw array), ``grad`` (a Tensor or None), ``requires_grad``
and, when an op made it while recording, ``_ctx``: the graph node of that op (see
`tinycnn.autograd`). All arithmetic is delegated to the differentiable functions in
`tinycnn.functional`; this file only gives them Python's operators and PyTorch's
method names.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import backend


class Tensor:
    """A multi-dimensional array that can record the ops applied to it.

    Build one with `tinycnn.tensor(...)` or a factory (`tinycnn.zeros`, ...). Shapes
    follow NumPy/PyTorch conventions; images are NCHW.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_out_index", "__weakref__")
    __array_priority__ = 1000  # numpy_scalar * tensor -> Tensor.__rmul__

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        if isinstance(data, Tensor):
            data = data.data
        if isinstance(data, (list, tuple)):
            # torch.Tensor([[1, 2], [3, 4]]) is float32, as in PyTorch (tensor() infers)
            data = np.asarray(data, dtype=backend.get_default_dtype())
        elif not hasattr(data, "ndim") or isinstance(data, np.generic):
            data = np.asarray(data)  # numbers, NumPy scalars: a NumPy array
        if data.dtype.kind not in "biufc":
            raise TypeError(f"Tensor: expected numeric data, got dtype {data.dtype}")
        self.data = data
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
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t._ctx = None
        t._out_index = 0
        return t

    # --- attributes ----------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def device(self) -> str:
        return backend.device_of(self.data)

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
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __repr__(self) -> str:
        body = np.array2string(backend.as_numpy(self.data), separator=", ", precision=4,
                               prefix="tensor(")
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
        """``f"{loss:.4f}"`` formats a one-element tensor's value, as in PyTorch."""
        if not spec:
            return repr(self)
        if self.data.size != 1:
            raise TypeError(f"format spec {spec!r} needs a one-element tensor, got shape "
                            f"{self.shape}; format .tolist() or the elements instead")
        return format(self.item(), spec)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self.data.size} elements is "
                               "ambiguous; use .any() or .all()")
        return bool(self.data.reshape(()).item() if self.device == "cpu" else self.item())

    def any(self) -> Tensor:
        """True if any element is non-zero (a 0-d bool tensor, no gradient)."""
        return Tensor._wrap(backend.array_module(self.data).asarray(self.data.any()), False)

    def all(self) -> Tensor:
        """True if every element is non-zero (a 0-d bool tensor, no gradient)."""
        return Tensor._wrap(backend.array_module(self.data).asarray(self.data.all()), False)

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
        a = backend.as_numpy(self.data)
        return a if dtype is None else a.astype(dtype)

    # --- autograd ------------------------------------------------------------------------
    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Compute the gradient of this tensor w.r.t. every leaf that requires grad.

        ``grad`` defaults to 1 for a one-element tensor; pass a tensor or array of this
        tensor's shape otherwise. Gradients add up in the leaves' ``.grad``.
        """
        from .autograd import run_backward  # noqa: PLC0415

        if not self.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn: "
                "create leaves with requires_grad=True (and not under no_grad())"
            )
        xp = backend.array_module(self.data)
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for one-element outputs; this "
                    f"tensor has shape {self.shape}: pass backward(grad) of that shape"
                )
            g = xp.ones(self.data.shape, dtype=self.dtype)
        else:
            g = grad.data if isinstance(grad, Tensor) else xp.asarray(grad, dtype=self.dtype)
            if g.dtype != self.dtype:
                g = g.astype(self.dtype)
            if tuple(g.shape) != self.shape:
                raise ValueError(
                    f"backward: grad must have the tensor's shape {self.shape}, got "
                    f"{tuple(g.shape)}"
                )
        run_backward(self, g, retain_graph=retain_graph)

    def clone(self) -> Tensor:
        """A copy of the data that stays in the graph (gradients flow back to ``self``)."""
        return elementwise.Cast.apply(self, self.dtype)  # astype copies; backward is identity

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory, as in PyTorch)."""
        return Tensor._wrap(self.data, False)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (only on leaves, and only for float tensors)."""
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(
                f"only floating point tensors can require gradients, got dtype {self.dtype}"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_(False) is only allowed on leaf tensors; "
                               "use .detach() to cut a tensor from the graph")
        self.requires_grad = bool(requires_grad)
        return self

    def zero_(self) -> Tensor:
        """Fill with zeros in place (no graph)."""
        self._check_inplace_allowed("zero_")
        self.data[...] = 0
        return self

    def fill_(self, value: float) -> Tensor:
        """Fill with ``value`` in place (no graph)."""
        self._check_inplace_allowed("fill_")
        self.data[...] = value
        return self

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src`` (same shape, any device) into this tensor in place (no graph)."""
        self._check_inplace_allowed("copy_")
        arr = src.data if isinstance(src, Tensor) else src
        arr = backend.to_device(backend.array_module(arr).asarray(arr), self.device)
        if tuple(arr.shape) != self.shape:
            raise ValueError(f"copy_: expected shape {self.shape}, got {tuple(arr.shape)}")
        self.data[...] = arr
        return self

    # --- conversion ----------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shares memory on the CPU; copied from the GPU)."""
        return backend.as_numpy(self.data)

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a one-element tensor, got shape {self.shape}")
        return self.data.reshape(()).item() if self.device == "cpu" else self.numpy().item()

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(device)``, ``to(dtype)`` or ``to(device, dtype)``; differentiable."""
        device, dtype = backend.parse_to_args(args, kwargs)
        out = self
        if device is not None:
            out = shape_ops.to_device(out, device)
        if dtype is not None and dtype != out.dtype:
            out = elementwise.cast(out, dtype)
        return out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self) -> Tensor:
        return self.to("cuda")

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def long(self) -> Tensor:
        return self.to(np.int64)

    def int(self) -> Tensor:
        return self.to(np.int32)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    def type(self, dtype: Any) -> Tensor:
        return self.to(dtype)

    # --- operators (differentiable; see tinycnn.functional) -------------------------------
    # An operand of another type returns NotImplemented, so Python raises its usual
    # "unsupported operand type(s)" TypeError (and ``t == None`` is simply False).
    def __add__(self, o: Any) -> Tensor:
        return elementwise.add(self, o) if _operand_ok(o) else NotImplemented

    def __radd__(self, o: Any) -> Tensor:
        return elementwise.add(o, self) if _operand_ok(o) else NotImplemented

    def __sub__(self, o: Any) -> Tensor:
        return elementwise.sub(self, o) if _operand_ok(o) else NotImplemented

    def __rsub__(self, o: Any) -> Tensor:
        return elementwise.sub(o, self) if _operand_ok(o) else NotImplemented

    def __mul__(self, o: Any) -> Tensor:
        return elementwise.mul(self, o) if _operand_ok(o) else NotImplemented

    def __rmul__(self, o: Any) -> Tensor:
        return elementwise.mul(o, self) if _operand_ok(o) else NotImplemented

    def __truediv__(self, o: Any) -> Tensor:
        return elementwise.div(self, o) if _operand_ok(o) else NotImplemented

    def __rtruediv__(self, o: Any) -> Tensor:
        return elementwise.div(o, self) if _operand_ok(o) else NotImplemented

    def __pow__(self, o: Any) -> Tensor:
        return elementwise.pow(self, o) if _operand_ok(o) else NotImplemented

    def __rpow__(self, o: Any) -> Tensor:
        return elementwise.pow(o, self) if _operand_ok(o) else NotImplemented

    def __matmul__(self, o: Any) -> Tensor:
        return elementwise.matmul(self, o) if _operand_ok(o) else NotImplemented

    def __rmatmul__(self, o: Any) -> Tensor:
        return elementwise.matmul(o, self) if _operand_ok(o) else NotImplemented

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
            out = getattr(elementwise, op)(self, o)
            if out.shape != self.shape or out.dtype != self.dtype:
                raise ValueError(f"in-place {op} cannot change a tensor of shape {self.shape} "
                                 f"and dtype {self.dtype} into shape {out.shape} and dtype "
                                 f"{out.dtype}")
            self.data, self._ctx, self._out_index = out.data, out._ctx, out._out_index
            self.requires_grad = out.requires_grad
            return self
        v = o.data if isinstance(o, Tensor) else o
        xp = backend.array_module(self.data)
        try:
            getattr(xp, {"sub": "subtract", "mul": "multiply", "div": "true_divide"}.get(
                op, op))(self.data, v, out=self.data, casting="same_kind")
        except (TypeError, ValueError) as e:  # non-broadcastable shape, float into int
            shape = getattr(v, "shape", ())
            raise (TypeError if isinstance(e, TypeError) else ValueError)(
                f"in-place {op} into a tensor of shape {self.shape} and dtype {self.dtype} "
                f"from one of shape {tuple(shape)} and dtype "
                f"{getattr(v, 'dtype', type(v).__name__)}: {e}") from None
        return self

    def _check_inplace_allowed(self, op: str) -> None:
        """PyTorch's rule: a leaf that requires grad may only be changed under no_grad()."""
        from .autograd import is_grad_enabled  # noqa: PLC0415

        if self.requires_grad and self._ctx is None and is_grad_enabled():
            raise RuntimeError(
                f"a leaf tensor that requires grad is being used in an in-place operation "
                f"({op}); wrap parameter updates in `with tinycnn.no_grad():`")

    def __iadd__(self, o: Any) -> Tensor:
        return self._inplace(o, "add")

    def __isub__(self, o: Any) -> Tensor:
        return self._inplace(o, "sub")

    def __imul__(self, o: Any) -> Tensor:
        return self._inplace(o, "mul")

    def __itruediv__(self, o: Any) -> Tensor:
        return self._inplace(o, "div")

    def add_(self, o: Any, alpha: float = 1) -> Tensor:
        """``self += alpha * o`` in place (``p.add_(p.grad, alpha=-lr)`` under no_grad)."""
        return self._inplace(o if alpha == 1 else o * alpha, "add")

    def sub_(self, o: Any, alpha: float = 1) -> Tensor:
        return self._inplace(o if alpha == 1 else o * alpha, "sub")

    def mul_(self, o: Any) -> Tensor:
        return self._inplace(o, "mul")

    def div_(self, o: Any) -> Tensor:
        return self._inplace(o, "div")

    def __neg__(self) -> Tensor:
        return elementwise.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return elementwise.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return shape_ops.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        """``t[index] = value`` writes into the data in place; not recorded in the graph,
        so it is refused on tensors that take part in one (as PyTorch refuses it on leaves)."""
        from .autograd import is_grad_enabled  # noqa: PLC0415

        if self.requires_grad and is_grad_enabled():
            raise RuntimeError("in-place assignment to a tensor that requires grad is not "
                               "differentiable; do it under tinycnn.no_grad() or on .detach()")
        v = value.data if isinstance(value, Tensor) else value
        if isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        elif isinstance(index, Tensor):
            index = index.data
        try:
            self.data[index] = v
        except (IndexError, ValueError) as e:
            raise type(e)(f"cannot assign to index {index!r} of a tensor of shape "
                          f"{self.shape}: {e}") from None

    # comparisons: no gradient, boolean result
    def __eq__(self, o: Any) -> Tensor:  # type: ignore[override]
        return elementwise.compare("eq", self, o) if _operand_ok(o) else NotImplemented

    def __ne__(self, o: Any) -> Tensor:  # type: ignore[override]
        return elementwise.compare("ne", self, o) if _operand_ok(o) else NotImplemented

    def __lt__(self, o: Any) -> Tensor:
        return elementwise.compare("lt", self, o) if _operand_ok(o) else NotImplemented

    def __le__(self, o: Any) -> Tensor:
        return elementwise.compare("le", self, o) if _operand_ok(o) else NotImplemented

    def __gt__(self, o: Any) -> Tensor:
        return elementwise.compare("gt", self, o) if _operand_ok(o) else NotImplemented

    def __ge__(self, o: Any) -> Tensor:
        return elementwise.compare("ge", self, o) if _operand_ok(o) else NotImplemented

    def eq(self, o: Any) -> Tensor:
        return elementwise.compare("eq", self, o)

    # --- methods with PyTorch's names ----------------------------------------------------
    def add(self, o: Any) -> Tensor:
        return elementwise.add(self, o)

    def sub(self, o: Any) -> Tensor:
        return elementwise.sub(self, o)

    def mul(self, o: Any) -> Tensor:
        return elementwise.mul(self, o)

    def div(self, o: Any) -> Tensor:
        return elementwise.div(self, o)

    def pow(self, o: Any) -> Tensor:
        return elementwise.pow(self, o)

    def neg(self) -> Tensor:
        return elementwise.neg(self)

    def matmul(self, o: Any) -> Tensor:
        return elementwise.matmul(self, o)

    def exp(self) -> Tensor:
        return elementwise.exp(self)

    def log(self) -> Tensor:
        return elementwise.log(self)

    def sqrt(self) -> Tensor:
        return elementwise.sqrt(self)

    def abs(self) -> Tensor:
        return elementwise.abs(self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return elementwise.clip(self, min, max)

    clamp = clip

    def relu(self) -> Tensor:
        return activation.relu(self)

    def sigmoid(self) -> Tensor:
        return activation.sigmoid(self)

    def tanh(self) -> Tensor:
        return activation.tanh(self)

    def softmax(self, dim: int) -> Tensor:
        return activation.softmax(self, dim)

    def log_softmax(self, dim: int) -> Tensor:
        return activation.log_softmax(self, dim)

    def where(self, condition: Any, other: Any) -> Tensor:
        """``where(condition, self, other)`` (PyTorch's method form)."""
        return elementwise.where(condition, self, other)

    def maximum(self, o: Any) -> Tensor:
        return elementwise.maximum(self, o)

    def minimum(self, o: Any) -> Tensor:
        return elementwise.minimum(self, o)

    def sum(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:
        return reduction.sum(self, dim, keepdim, **kw)

    def mean(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:
        return reduction.mean(self, dim, keepdim, **kw)

    def max(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:
        return reduction.max(self, dim, keepdim, **kw)

    def min(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:
        return reduction.min(self, dim, keepdim, **kw)

    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return reduction.amax(self, dim, keepdim)

    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return reduction.amin(self, dim, keepdim)

    def var(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:
        return reduction.var(self, dim, keepdim=keepdim, **kw)

    def std(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:
        return reduction.std(self, dim, keepdim=keepdim, **kw)

    def argmax(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:
        return reduction.argmax(self, dim, keepdim, **kw)

    def argmin(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> Tensor:
        return reduction.argmin(self, dim, keepdim, **kw)

    def reshape(self, *shape: Any) -> Tensor:
        return shape_ops.reshape(self, *shape)

    view = reshape

    def view_as(self, other: Tensor) -> Tensor:
        return shape_ops.reshape(self, *other.shape)

    reshape_as = view_as

    def expand_as(self, other: Tensor) -> Tensor:
        return shape_ops.expand(self, *other.shape)

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor with ``other``'s dtype (and device, as PyTorch's ``type_as``)."""
        return self.to(other.device, other.dtype)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return shape_ops.flatten(self, start_dim, end_dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return shape_ops.transpose(self, dim0, dim1)

    def permute(self, *dims: Any) -> Tensor:
        return shape_ops.permute(self, *dims)

    def squeeze(self, dim: Any = None) -> Tensor:
        return shape_ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return shape_ops.unsqueeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        return shape_ops.expand(self, *sizes)

    def broadcast_to(self, shape: Any) -> Tensor:
        return shape_ops.broadcast_to(self, shape)

    def contiguous(self) -> Tensor:
        return self

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return shape_ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return shape_ops.chunk(self, chunks, dim)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        return sorting.sort(self, dim, descending, stable)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        return sorting.argsort(self, dim, descending, stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        return sorting.topk(self, k, dim, largest, sorted)

    def equal(self, other: Tensor) -> bool:
        return reduction.equal(self, other)

    # new_*: a new tensor with this one's dtype and device unless given (PyTorch's idiom
    # for making a tensor "like this one" of another shape, e.g. inside a layer)
    def _new(self, make: str, args: tuple, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
        from . import factory  # noqa: PLC0415  (factory imports this module)

        return getattr(factory, make)(*args, dtype=self.dtype if dtype is None else dtype,
                                      device=self.device if device is None else device,
                                      requires_grad=requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        return self._new("zeros", size, dtype, device, requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        return self._new("ones", size, dtype, device, requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        return self._new("empty", size, dtype, device, requires_grad)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        return self._new("full", (size, fill_value), dtype, device, requires_grad)

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Tensor:
        """A copy of ``data`` with this tensor's dtype and device (as in PyTorch, even
        when ``data`` has another dtype)."""
        return self._new("tensor", (data,), dtype, device, requires_grad)


def _operand_ok(o: Any) -> bool:
    """Can ``o`` meet a tensor in an arithmetic operator? (numbers, arrays, lists, tensors)"""
    return isinstance(o, (Tensor, numbers.Number, np.generic, list, tuple)) or hasattr(
        o, "__array_interface__") or hasattr(o, "__cuda_array_interface__")


from .functional import activation, elementwise, reduction, sorting  # noqa: E402  (they import Tensor)
from .functional import shape as shape_ops  # noqa: E402
