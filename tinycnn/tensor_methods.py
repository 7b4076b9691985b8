"""Tensor's methods with PyTorch's names, attached to `Tensor` when tinycnn is imported.

Every method here forwards to a differentiable function of `tinycnn.functional` (or to a
method of tensor.py), so `tinycnn/tensor.py` can show what a Tensor *is* on its own. The
methods are written in the body of `_Methods` and copied onto `Tensor` by `attach`, as
DeZero's ``setup_variable`` does; they behave exactly as if written in the class.
"""

from __future__ import annotations

from types import FunctionType
from typing import Any

import numpy as np

from .functional import activation, elementwise, indexing, linalg, reduction, sorting
from .functional import shape as shape_ops
from .tensor import Tensor, _operand_ok

# the legacy type names of ``x.type()`` (PyTorch's, under tinycnn)
_TYPE_NAMES = {np.dtype(np.float32): "FloatTensor", np.dtype(np.float64): "DoubleTensor",
               np.dtype(np.float16): "HalfTensor", np.dtype(np.int64): "LongTensor",
               np.dtype(np.int32): "IntTensor", np.dtype(np.int16): "ShortTensor",
               np.dtype(np.int8): "CharTensor", np.dtype(np.uint8): "ByteTensor",
               np.dtype(np.bool_): "BoolTensor"}


class _Methods:
    """The body of Tensor's forwarding methods (never instantiated)."""

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

    def type(self, dtype: Any = None) -> Any:
        """``x.type()``: the type's name (``'tinycnn.FloatTensor'``); ``x.type(t)``: this
        tensor converted to ``t`` (a dtype, ``tinycnn.FloatTensor`` or such a name)."""
        if dtype is None:
            cuda = ".cuda" if self.device == "cuda" else ""
            return f"tinycnn{cuda}.{_TYPE_NAMES.get(self.dtype, str(self.dtype))}"
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1]
            dtypes = {v: k for k, v in _TYPE_NAMES.items()}
            if name not in dtypes:
                raise ValueError(f"type: unknown tensor type {dtype!r}; expected one of "
                                 f"{sorted(dtypes)}")
            dtype = dtypes[name]
        legacy = getattr(dtype, "dtype", None)  # tinycnn.FloatTensor carries its dtype
        return self.to(legacy if isinstance(legacy, np.dtype) else dtype)

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
    def add(self, o: Any, alpha: float = 1) -> Tensor:
        return elementwise.add(self, o, alpha)

    def sub(self, o: Any, alpha: float = 1) -> Tensor:
        return elementwise.sub(self, o, alpha)

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

    def sin(self) -> Tensor:
        return elementwise.sin(self)

    def cos(self) -> Tensor:
        return elementwise.cos(self)

    def sqrt(self) -> Tensor:
        return elementwise.sqrt(self)

    def abs(self) -> Tensor:
        return elementwise.abs(self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return elementwise.clip(self, min, max)

    clamp = clip

    def clip_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Clamp in place (recorded when a graph is being built)."""
        return self._update(elementwise.clip(self, min, max), "clamp_")

    clamp_ = clip_

    def addcmul(self, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
        return elementwise.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
        return elementwise.addcdiv(self, tensor1, tensor2, value=value)

    def floor(self) -> Tensor:
        return elementwise.floor(self)

    def ceil(self) -> Tensor:
        return elementwise.ceil(self)

    def round(self, decimals: int = 0) -> Tensor:
        return elementwise.round(self, decimals)

    def sign(self) -> Tensor:
        return elementwise.sign(self)

    # --- indexing, products, norms, running sums (tinycnn.functional) ---------------------
    def gather(self, dim: int, index: Tensor) -> Tensor:
        return indexing.gather(self, dim, index)

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        return indexing.index_select(self, dim, index)

    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        return indexing.masked_fill(self, mask, value)

    def masked_fill_(self, mask: Tensor, value: Any) -> Tensor:
        return self._update(indexing.masked_fill(self, mask, value), "masked_fill_")

    def scatter(self, dim: int, index: Tensor, src: Any = None, value: Any = None) -> Tensor:
        return indexing.scatter(self, dim, index, src, value)

    def scatter_(self, dim: int, index: Tensor, src: Any = None, value: Any = None) -> Tensor:
        """``self[i][index[i][j]] = src[i][j]`` (for ``dim=1``) in place."""
        return self._update(indexing.scatter(self, dim, index, src, value), "scatter_")

    def nonzero(self, as_tuple: bool = False) -> Any:
        return indexing.nonzero(self, as_tuple)

    def flip(self, *dims: Any) -> Tensor:
        return indexing.flip(self, dims[0] if len(dims) == 1 else dims)

    def repeat(self, *sizes: Any) -> Tensor:
        return indexing.repeat(self, *sizes)

    def tril(self, diagonal: int = 0) -> Tensor:
        return indexing.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        return indexing.triu(self, diagonal)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        return indexing.unbind(self, dim)

    def t(self) -> Tensor:
        """The transpose of a matrix (0-d and 1-D tensors come back as they are)."""
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with at most 2 dimensions, got {self.shape}")
        return self if self.ndim < 2 else shape_ops.transpose(self, 0, 1)

    def mm(self, o: Tensor) -> Tensor:
        return linalg.mm(self, o)

    def bmm(self, o: Tensor) -> Tensor:
        return linalg.bmm(self, o)

    def dot(self, o: Tensor) -> Tensor:
        return linalg.dot(self, o)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        return linalg.tensor_norm(self, p, dim, keepdim)

    def cumsum(self, dim: int, dtype: Any = None) -> Tensor:
        return reduction.cumsum(self, dim, dtype)

    def prod(self, dim: int | None = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
        return reduction.prod(self, dim, keepdim, dtype)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        return reduction.logsumexp(self, dim, keepdim)

    def unique(self, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
               return_counts: bool = False, dim: int | None = None) -> Any:
        return sorting.unique(self, sorted, return_inverse, return_counts, dim)

    def bincount(self, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
        return sorting.bincount(self, weights, minlength)

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


def attach(cls: type) -> None:
    """Copy every method defined in `_Methods` onto ``cls``."""
    for name, value in vars(_Methods).items():
        if isinstance(value, FunctionType):
            setattr(cls, name, value)


attach(Tensor)
