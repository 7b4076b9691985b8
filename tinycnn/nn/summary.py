"""``tinycnn.summary(model, input_shape)``: a table of layers, output shapes and
parameter counts (the layout of Keras's ``model.summary()`` and of ``torchsummary``).

Counts follow PyTorch by default: parameters are what ``model.parameters()`` holds
(11,689,512 for ResNet-18, as ``sum(p.numel() for p in model.parameters())``), the
frozen ones (``requires_grad=False``) are the *non-trainable* ones, and the buffers
(BatchNorm's running mean and variance) are reported apart. ``style="keras"`` counts as
Keras does instead, as the course reports quote it: the floating-point buffers (Keras's
"moving" mean and variance) are non-trainable parameters, so ``BatchNorm2d(24)`` shows 96
parameters, 48 of them non-trainable, exactly as ``BatchNormalization``. Integer buffers
(``num_batches_tracked``) are bookkeeping and counted by neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import backend
from ..autograd import no_grad
from ..factory import zeros
from ..tensor import Tensor
from .module import Module


@dataclass
class SummaryRow:
    """One line of the table: a layer call."""

    name: str
    type: str
    output_shape: Any
    params: int


@dataclass
class Summary:
    """The result of `summary`: ``str()`` is the table; the totals are attributes."""

    model_name: str
    rows: list[SummaryRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    non_trainable_params: int = 0
    buffers: int = 0  # floating-point buffer values, not in the parameter counts (style="torch")

    def __str__(self) -> str:
        cols = ("Layer (type)", "Output Shape", "Param #")
        body = [(f"{r.name} ({r.type})" if r.name else r.type, _shape_text(r.output_shape),
                 f"{r.params:,}") for r in self.rows]
        w0 = max([len(cols[0])] + [len(b[0]) for b in body]) + 2
        w1 = max([len(cols[1])] + [len(b[1]) for b in body]) + 2
        w2 = max([len(cols[2])] + [len(b[2]) for b in body])
        width = w0 + w1 + w2
        line = lambda a, b, c: f"{a:<{w0}}{b:<{w1}}{c:>{w2}}"  # noqa: E731
        out = [f'Model: "{self.model_name}"', "_" * width, line(*cols), "=" * width]
        out += [line(*b) for b in body]
        out += ["=" * width,
                f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.non_trainable_params:,}"]
        if self.buffers:
            out.append(f"Buffers (not parameters): {self.buffers:,}")
        out.append("_" * width)
        return "\n".join(out)

    __repr__ = __str__


def _shape_text(shape: Any) -> str:
    """(None, 32, 30, 30) for one output; a list of those for several."""
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join(["None", *map(str, shape[1:])]) + ")"


def _output_shapes(out: Any) -> Any:
    if isinstance(out, Tensor):
        return tuple(out.shape)
    if isinstance(out, (tuple, list)):
        return [_output_shapes(o) for o in out if isinstance(o, (Tensor, tuple, list))]
    return ()


def _counts(module: Module, recurse: bool = True) -> tuple[int, int, int]:
    """(trainable parameters, frozen parameters, floating buffer values) of ``module``'s
    own (or all) tensors; each tensor counted once even when shared."""
    trainable = sum(p.numel() for p in module.parameters(recurse) if p.requires_grad)
    frozen = sum(p.numel() for p in module.parameters(recurse) if not p.requires_grad)
    stats = sum(b.numel() for b in module.buffers(recurse) if b.dtype.kind == "f")
    return trainable, frozen, stats


def count_params(module: Module, recurse: bool = True) -> tuple[int, int]:
    """Keras's (trainable, non-trainable) counts of ``module``'s own (or all) parameters:
    frozen parameters and floating buffers are the non-trainable ones."""
    trainable, frozen, stats = _counts(module, recurse)
    return trainable, frozen + stats


def summary(model: Module, input_shape: Sequence[int] | Sequence[Sequence[int]],
            device: Any = None, dtype: Any = None, verbose: bool = True,
            style: str = "torch") -> Summary:
    """Run one zero batch of ``input_shape`` (without the batch dimension, as in Keras,
    e.g. ``(3, 32, 32)``; a list of shapes for several inputs) through ``model`` in eval
    mode without gradients, print the table (unless ``verbose=False``), return it.

    Each row is one call of a layer (a module without children, or with parameters of its
    own); its output shape is captured by a forward hook. The model's modes are restored.
    ``style``: ``"torch"`` (parameters only; buffers apart) or ``"keras"`` (floating
    buffers counted as non-trainable parameters), see the module docstring.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary expects a Module, got {type(model).__name__}")
    if style not in ("torch", "keras"):
        raise ValueError(f"style must be 'torch' or 'keras', got {style!r}")
    keras = style == "keras"
    shapes = (list(input_shape) if input_shape and isinstance(input_shape[0], (tuple, list))
              else [input_shape])
    first = next(model.parameters(), None)
    if device is None:
        device = first.device if first is not None else "cpu"
    if dtype is None:
        dtype = first.dtype if first is not None else backend.get_default_dtype()
    inputs = [zeros((1, *map(int, s)), dtype=dtype, device=device) for s in shapes]

    result = Summary(type(model).__name__)
    names = {id(m): n for n, m in model.named_modules()}
    handles = []

    def record(module: Module, _inputs: Any, out: Any) -> None:
        trainable, frozen, stats = _counts(module, False)
        result.rows.append(SummaryRow(names[id(module)], type(module).__name__, _output_shapes(out),
                                      trainable + frozen + (stats if keras else 0)))

    for m in model.modules():
        if not m._modules or next(m.parameters(recurse=False), None) is not None:
            handles.append(m.register_forward_hook(record))
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    trainable, frozen, stats = _counts(model)
    result.trainable_params = trainable
    result.non_trainable_params = frozen + stats if keras else frozen
    result.total_params = trainable + result.non_trainable_params
    result.buffers = 0 if keras else stats
    if verbose:
        print(result)
    return result
