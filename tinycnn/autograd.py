"""The autograd core: `Function`, its context, grad mode, and the backward graph walk.

A differentiable op is a subclass of `Function` with two static methods that work on raw
arrays (NumPy or CuPy), exactly like ``torch.autograd.Function``::

    class Square(Function):
        @staticmethod
        def forward(ctx, x):            # x: array
            ctx.save_for_backward(x)
            return x * x
        @staticmethod
        def backward(ctx, gy):          # gy: array, the gradient of the output
            (x,) = ctx.saved_tensors
            return 2 * x * gy           # the gradient of the input

    y = Square.apply(t)                 # t, y: Tensors

``apply`` unwraps tensors, runs ``forward`` and wraps the result. When grad mode is on and
an input requires grad, it also records a `Node` (this ctx) that points at the nodes
which made its inputs. ``Tensor.backward`` walks these nodes in reverse topological order
with an explicit stack (no recursion), so a chain of any depth works.

Only first-order gradients are supported: ``backward`` methods see arrays, not tensors,
and build no graph. That keeps this file short and the walk fast.
"""

from __future__ import annotations

import contextlib
from typing import Any

from .backend import DeviceError, array_module, device_of

# ---------------------------------------------------------------------------------------
# grad mode


class _GradMode:
    enabled = True


def is_grad_enabled() -> bool:
    """True unless inside `no_grad`."""
    return _GradMode.enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Context manager / decorator that turns graph recording on or off."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev = _GradMode.enabled

    def __enter__(self) -> None:
        self.prev = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        _GradMode.enabled = self.prev


class no_grad(set_grad_enabled):
    """``with tinycnn.no_grad():`` or ``@tinycnn.no_grad()``: record no graph (inference)."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Turn graph recording back on inside a `no_grad` block."""

    def __init__(self) -> None:
        super().__init__(True)


# ---------------------------------------------------------------------------------------
# Function and its context (= a node of the graph)


class Node:
    """The context ``ctx`` of one call of a `Function`; also the graph node.

    ``parents[i]`` says where the gradient of input ``i`` goes: ``None`` (no gradient
    needed), ``("node", node, k)`` (output ``k`` of an earlier node) or ``("leaf", tensor)``.
    Nodes hold parent *nodes*, not the intermediate tensors, so activations that only the
    forward pass needed can be freed as soon as Python drops them.
    """

    __slots__ = ("fn", "parents", "needs_input_grad", "n_outputs", "_saved", "freed",
                 "out_meta", "__dict__")

    def __init__(self, fn: type) -> None:
        self.fn = fn
        self.parents: tuple = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self.n_outputs = 1
        self._saved: tuple = ()
        self.freed = False
        self.out_meta: list = []  # (shape, dtype) of each output, for zero gradients

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for ``backward`` (read them back from ``saved_tensors``)."""
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        if self.freed:
            raise RuntimeError(_FREED_MSG)
        return self._saved

    def release(self) -> None:
        """Drop what the node saved (after its backward ran, unless retain_graph)."""
        self._saved = ()
        self.__dict__.clear()
        self.freed = True


_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the graph "
    "are freed when you call .backward(). Specify retain_graph=True if you need to "
    "backward through the graph a second time."
)


class Function:
    """Base class of every differentiable op. Subclass it; call ``YourOp.apply(...)``."""

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError("a Function subclass must define forward (abstract)")

    @staticmethod
    def backward(ctx: Node, *grads: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError("a Function subclass must define backward (abstract)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the arrays inside the tensor arguments; wrap and record."""
        from .tensor import Tensor  # noqa: PLC0415  (tensor.py imports this module)

        tensors = [a for a in args if isinstance(a, Tensor)]
        if len(tensors) > 1:
            _check_same_device(cls, tensors)
        raw = [a.data if isinstance(a, Tensor) else a for a in args]
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        record = _GradMode.enabled and any(needs)
        ctx = Node(cls)
        ctx.needs_input_grad = needs if record else (False,) * len(args)
        out = cls.forward(ctx, *raw, **kwargs)

        multi = isinstance(out, tuple)
        outs = out if multi else (out,)
        outs = tuple(o.data if isinstance(o, Tensor) else o for o in outs)
        # integer outputs (indices, labels) never carry gradients
        results = tuple(Tensor._wrap(o, record and o.dtype.kind in "fc") for o in outs)
        if record:
            ctx.n_outputs = len(results)
            ctx.out_meta = [(r.data.shape, r.data.dtype, array_module(r.data)) for r in results]
            ctx.parents = tuple(_edge(a) if n else None for a, n in zip(args, needs))
            for i, r in enumerate(results):
                r._ctx = ctx
                r._out_index = i
        return results if multi else results[0]


def _edge(t: Any) -> tuple:
    """Where the gradient of tensor ``t`` must go."""
    if t._ctx is not None:
        return ("node", t._ctx, t._out_index)
    return ("leaf", t)


def _check_same_device(fn: type, tensors: list) -> None:
    first = tensors[0].device
    for t in tensors[1:]:
        if t.device != first:
            raise DeviceError(
                f"{fn.__name__}: expected all tensors on the same device, found "
                f"{first} and {t.device}; move them with .to(device)"
            )


# ---------------------------------------------------------------------------------------
# the backward walk


def _topological_order(root: Node) -> list[Node]:
    """Nodes reachable from ``root``, each after every node that consumes its output."""
    order: list[Node] = []
    seen = {id(root)}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        for edge in node.parents:
            if edge is not None and edge[0] == "node" and id(edge[1]) not in seen:
                seen.add(id(edge[1]))
                stack.append((edge[1], False))
    order.reverse()  # post-order reversed: consumers first
    return order


def run_backward(root_tensor: Any, grad: Any, retain_graph: bool = False) -> None:
    """Back-propagate ``grad`` (an array shaped like ``root_tensor``) through the graph."""
    from .tensor import Tensor  # noqa: PLC0415

    root = root_tensor._ctx
    if root is None:  # a leaf: its gradient is grad itself
        _accumulate(root_tensor, grad, copy=True)
        return
    order = _topological_order(root)
    for node in order:
        if node.freed:
            raise RuntimeError(_FREED_MSG)
    pending: dict[int, list] = {id(root): [None] * root.n_outputs}
    pending[id(root)][root_tensor._out_index] = grad
    owned: set[int] = {id(grad)}  # arrays already handed to a leaf (copied before reuse)
    for node in order:
        grads = pending.pop(id(node), None)
        if grads is None:
            continue
        grads = [
            g if g is not None else _zeros_for_output(node, i) for i, g in enumerate(grads)
        ]
        in_grads = node.fn.backward(node, *grads)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        if len(in_grads) < len(node.parents):
            raise RuntimeError(
                f"{node.fn.__name__}.backward returned {len(in_grads)} gradients, "
                f"expected one per forward input ({len(node.parents)})"
            )
        for edge, g in zip(node.parents, in_grads):
            if edge is None or g is None:
                continue
            if isinstance(g, Tensor):
                g = g.data
            if edge[0] == "leaf":
                _accumulate(edge[1], g, copy=id(g) in owned)
                owned.add(id(g))
            else:
                slot = pending.setdefault(id(edge[1]), [None] * edge[1].n_outputs)
                k = edge[2]
                slot[k] = g if slot[k] is None else slot[k] + g
        if not retain_graph:
            node.release()


def _zeros_for_output(node: Node, i: int) -> Any:
    """Zero gradient for an output of ``node`` that did not reach the loss."""
    shape, dtype, xp = node.out_meta[i]
    return xp.zeros(shape, dtype=dtype)


def _accumulate(leaf: Any, g: Any, copy: bool) -> None:
    """Add ``g`` into ``leaf.grad`` (the first gradient is stored, later ones are summed)."""
    from .tensor import Tensor  # noqa: PLC0415

    if not leaf.requires_grad:
        return
    if g.shape != leaf.data.shape:
        raise RuntimeError(
            f"gradient of shape {tuple(g.shape)} cannot be accumulated into a leaf of "
            f"shape {tuple(leaf.data.shape)}"
        )
    if device_of(g) != leaf.device:
        raise DeviceError(f"gradient on {device_of(g)} for a leaf on {leaf.device}")
    if g.dtype != leaf.data.dtype:
        g = g.astype(leaf.data.dtype)
        copy = False
    if leaf.grad is None:
        leaf.grad = Tensor._wrap(g.copy() if copy else g, False)
    else:
        leaf.grad = Tensor._wrap(leaf.grad.data + g, False)


def grad_fn_name(t: Any) -> str | None:
    """Name of the Function that produced tensor ``t`` (None for leaves)."""
    return None if t._ctx is None else t._ctx.fn.__name__

