"""The autograd core: `Function`, its context, grad mode, and the backward graph walk.

A differentiable op is a subclass of `Function` with two static methods that work on raw
arrays (NumPy or CuPy), with the same contract as ``torch.autograd.Function``::

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
an input requires grad, the ctx becomes a node of the graph: it remembers where each
input came from (the node that made it, or the leaf tensor itself). ``Tensor.backward``
walks these nodes from the loss towards the leaves, running each node's ``backward`` only
after every node that used its output has sent its gradient back (a topological order,
found with explicit stacks: no recursion, so a chain of any depth works).

Only first-order gradients are supported: ``backward`` methods see arrays, not tensors,
and build no graph. That keeps this file short and the walk fast. See docs/autograd.md.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from typing import Any

import numpy as np

from .backend import DeviceError, device_of

# ---------------------------------------------------------------------------------------
# grad mode (per thread, like PyTorch: a data-loading thread cannot switch it off for you)


class _GradMode(threading.local):
    enabled = True


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True unless inside `no_grad` (or after ``set_grad_enabled(False)``)."""
    return _grad_mode.enabled


class _GradModeContext(contextlib.ContextDecorator):
    """Sets grad mode to ``self.mode`` inside ``with``, or around each call when decorating."""

    mode = True

    def __init__(self) -> None:
        self._prev: list[bool] = []  # a stack: a decorated function may call itself

    def __enter__(self) -> None:
        self._prev.append(_grad_mode.enabled)
        _grad_mode.enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        _grad_mode.enabled = self._prev.pop()


class no_grad(_GradModeContext):
    """Record no graph: ``with tinycnn.no_grad():``, ``@tinycnn.no_grad()`` or ``@no_grad``."""

    mode = False

    def __new__(cls, func: Any = None) -> Any:
        if func is not None:  # used as a bare decorator: @no_grad
            return cls()(func)
        return super().__new__(cls)

    def __init__(self, func: Any = None) -> None:
        super().__init__()


class enable_grad(no_grad):
    """Turn graph recording back on, e.g. inside a `no_grad` block."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` switches recording off at once (a plain call), or inside
    ``with``, or around each call of a function it decorates (as in PyTorch)."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = bool(mode)
        self._pending: bool | None = _grad_mode.enabled  # the mode before this call
        _grad_mode.enabled = self.mode

    def __enter__(self) -> None:
        if self._pending is None:
            super().__enter__()
        else:  # ``with set_grad_enabled(m):`` -- __init__ already switched; undo it on exit
            self._prev.append(self._pending)
            self._pending = None

    def __call__(self, func: Any) -> Any:
        if self._pending is not None:  # used as a decorator: undo the plain call
            _grad_mode.enabled = self._pending
            self._pending = None
        return super().__call__(func)


# ---------------------------------------------------------------------------------------
# Function and its context (= a node of the graph)


class Node:
    """The context ``ctx`` of one call of a `Function`; also the graph node.

    ``parents[i]`` says where the gradient of input ``i`` goes: ``None`` (no gradient
    needed; ``()`` when the input is no array at all, e.g. a ``dim``), ``(node, k)`` (output ``k`` of an earlier node) or ``(tensor, -1)`` (a leaf).
    Nodes hold parent *nodes*, not the intermediate tensors, so activations that only the
    forward pass needed can be freed as soon as Python drops them. Functions may store
    anything else on the ctx (``ctx.shape = ...``); it is dropped with the saved arrays.
    """

    # class-level defaults keep the per-op cost of making a node low
    parents: tuple = ()
    needs_input_grad: tuple = ()
    out_meta: tuple = ()  # (shape, dtype) of each output, for zero gradients and checks
    _saved: tuple = ()
    freed = False
    retained: dict | None = None  # output index -> weakref of a tensor that retain_grad()s
    hooks: dict | None = None  # output index -> functions from Tensor.register_hook

    def __init__(self, fn: type) -> None:
        self.fn = fn

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for ``backward`` (read them back from ``saved_tensors``)."""
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        if self.freed:
            raise RuntimeError(_FREED_MSG)
        return self._saved

    def release(self) -> None:
        """Forget everything but the Function (after its backward ran, unless retain_graph):
        saved arrays, ctx attributes and the links to parent nodes, which lets the rest of
        the graph go even while the user still holds the output (e.g. a logged loss)."""
        fn = self.fn
        self.__dict__.clear()
        self.fn = fn
        self.freed = True

    def name(self) -> str:
        """The node's name as PyTorch prints it (``MulBackward0``, ``ConvolutionBackward0``)."""
        fn = self.fn
        return _TORCH_NAMES.get(fn.__name__) if fn.__module__.startswith("tinycnn.") and (
            fn.__name__ in _TORCH_NAMES) else f"{fn.__name__}Backward0"

    @property
    def next_functions(self) -> tuple:
        """Where this node's input gradients go, one ``(node, output_index)`` pair per
        input, as PyTorch's: a leaf that requires grad is an `AccumulateGrad` node, an input
        without a gradient ``(None, 0)``."""
        return tuple((None, 0) if e is None else (AccumulateGrad(e[0]), 0) if e[1] < 0
                     else e for e in self.parents if e != ())

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class AccumulateGrad:
    """The graph's end for leaf ``variable``: backward adds the gradient into its ``.grad``."""

    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


# PyTorch's names for the nodes of tinycnn's ops whose class name differs from PyTorch's op
_TORCH_NAMES = {
    "MatMul": "MmBackward0", "Clip": "ClampBackward1", "Cast": "ToCopyBackward0",
    "ToDevice": "ToCopyBackward0", "MaxAll": "MaxBackward1", "MaxDim": "MaxBackward0",
    "Sum": "SumBackward0", "Mean": "MeanBackward0", "Reshape": "ViewBackward0",
    "BroadcastTo": "ExpandBackward0", "Concat": "CatBackward0", "Pad": "ConstantPadNdBackward0",
    "GetItem": "IndexBackward0", "Conv2d": "ConvolutionBackward0",
    "MaxPool2d": "MaxPool2DWithIndicesBackward0", "AvgPool2d": "AvgPool2DBackward0",
    "AdaptiveAvgPool2d": "AdaptiveAvgPool2DBackward0",
    "AdaptiveMaxPool2d": "AdaptiveMaxPool2DBackward0", "Resize2d": "UpsampleBackward0",
    "ReLU": "ReluBackward0", "LeakyReLU": "LeakyReluBackward0", "GELU": "GeluBackward0",
    "Linear": "AddmmBackward0", "BatchNorm": "NativeBatchNormBackward0",
    "CrossEntropy": "NllLossBackward0", "NLLLoss": "NllLossBackward0",
    "MSELoss": "MseLossBackward0", "BCEWithLogits": "BinaryCrossEntropyWithLogitsBackward0",
    "Dropout": "NativeDropoutBackward0", "Im2col": "Im2ColBackward0",
    "Col2im": "Col2ImBackward0",
}


_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the graph "
    "are freed when you call .backward(). Specify retain_graph=True if you need to "
    "backward through the graph a second time."
)


class Function:
    """Base class of every differentiable op. Subclass it; call ``YourOp.apply(...)``.

    ``forward(ctx, *args)`` gets the raw arrays of tensor arguments (other arguments pass
    through unchanged) and returns an array or a tuple of arrays. ``backward(ctx, *grads)``
    gets one gradient array per output and returns one entry per positional argument of
    ``forward``: an array shaped like that input, or None (non-tensors, or inputs whose
    ``ctx.needs_input_grad[i]`` is False).
    """

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Node, *grads: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the arrays inside the tensor arguments; wrap and record."""
        # This runs for every op, so it is written for speed: plain loops, no helpers.
        raw = []
        needs = []
        any_needs = False
        on_cpu = None
        for a in args:
            if isinstance(a, Tensor):
                d = a._data
                cpu = isinstance(d, np.ndarray)
                if on_cpu is None:
                    on_cpu = cpu
                elif cpu is not on_cpu:
                    _raise_mixed_devices(cls, args)
                raw.append(d)
                needs.append(a.requires_grad)
                any_needs = any_needs or a.requires_grad
            else:
                raw.append(a)
                needs.append(False)
        if kwargs and any(isinstance(v, Tensor) for v in kwargs.values()):
            raise TypeError(f"{cls.__name__}.apply: pass tensors as positional arguments "
                            "(keyword arguments are handed to forward unchanged)")
        record = any_needs and _grad_mode.enabled
        ctx = Node(cls)
        if record:
            ctx.needs_input_grad = tuple(needs)
        else:
            ctx.needs_input_grad = (False,) * len(args)
        out = cls.forward(ctx, *raw, **kwargs)

        multi = type(out) is tuple
        results = tuple(_wrap_output(o, record) for o in out) if multi else (
            _wrap_output(out, record),)
        if record:
            ctx.out_meta = tuple([(r._data.shape, r._data.dtype) for r in results])
            ctx.parents = tuple([
                (None if hasattr(a, "ndim") else ()) if not n  # (a Tensor has ndim too)
                else (a, -1) if a._ctx is None else (a._ctx, a._out_index)
                for a, n in zip(args, needs)
            ])
            for i, r in enumerate(results):
                if r.requires_grad:
                    r._ctx = ctx
                    r._out_index = i
        return results if multi else results[0]


def _wrap_output(o: Any, record: bool) -> Tensor:
    """Tensor around an output array; integer outputs (indices) never require grad."""
    if type(o) is not np.ndarray:
        if isinstance(o, Tensor):
            o = o._data
        elif not hasattr(o, "ndim") or isinstance(o, np.generic):
            o = np.asarray(o)  # NumPy reductions return scalars (np.float32); keep arrays
    return Tensor._wrap(o, record and o.dtype.kind in "fc")


def _raise_mixed_devices(fn: type, args: tuple) -> None:
    devices = [a.device for a in args if isinstance(a, Tensor)]
    other = next(d for d in devices if d != devices[0])
    raise DeviceError(
        f"{fn.__name__}: expected all tensors on the same device, found {devices[0]} and "
        f"{other}; move them with .to(device)"
    )


# ---------------------------------------------------------------------------------------
# the backward walk


def _count_consumers(root: Node) -> dict[int, int]:
    """For every node reachable from ``root``: how many graph edges point at it.

    A node may run its backward only when all of these consumers have sent their
    gradient, so the count is the node's "wait for" number in the walk below.
    """
    consumers = {id(root): 0}
    stack = [root]
    while stack:
        node = stack.pop()
        if node.freed:
            raise RuntimeError(_FREED_MSG)
        for edge in node.parents:
            if edge and edge[1] >= 0:
                key = id(edge[0])
                if key in consumers:
                    consumers[key] += 1
                else:
                    consumers[key] = 1
                    stack.append(edge[0])
    return consumers


def run_backward(root_tensor: Tensor, grad: Any, retain_graph: bool = False,
                 sink: dict | None = None) -> None:
    """Back-propagate ``grad`` (an array shaped like ``root_tensor``) through the graph.

    Kahn's algorithm: start from the root's node; after a node's backward, each parent
    node that has now heard from all its consumers becomes ready. Gradients meeting at a
    node are summed; gradients reaching a leaf are accumulated into ``leaf.grad``.

    ``sink`` (for `grad`) maps the key of each wanted tensor (`_key`) to its gradient so
    far; then the gradients are summed there and no ``.grad`` is touched.
    """
    given = {id(grad)}  # arrays already stored in some .grad (or the caller's): copy them
    root = root_tensor._ctx
    if root is None:  # a leaf: its gradient is grad itself
        if id(root_tensor) in _leaf_hooks:
            grad = _run_hooks(_leaf_hooks[id(root_tensor)][1], grad)
        _to_leaf(root_tensor, grad, given, sink)
        return
    hooked: dict[int, tuple] = {}  # leaves with hooks: their gradient, summed, for the end
    waiting = _count_consumers(root)
    pending: dict[int, list] = {id(root): [None] * len(root.out_meta)}
    pending[id(root)][root_tensor._out_index] = grad
    ready = [root]
    while ready:
        node = ready.pop()
        grads = pending.pop(id(node), None)
        if grads is None:  # no gradient reached this node: only pass the news on
            in_grads: tuple = (None,) * len(node.parents)
        else:
            if node.hooks is not None:
                for k, fns in node.hooks.items():
                    if grads[k] is not None:
                        grads[k] = _run_hooks(fns, grads[k])
            if node.retained is not None or sink is not None:
                _keep_output_grads(node, grads, given, sink)
            in_grads = _call_backward(node, grads)
        for edge, g in zip(node.parents, in_grads):
            if not edge:
                continue
            target, k = edge
            if k < 0:
                if g is not None and id(target) in _leaf_hooks:  # hooks see the total
                    held = hooked.get(id(target))
                    hooked[id(target)] = (target, g if held is None else held[1] + g)
                elif g is not None:
                    _to_leaf(target, g, given, sink)
                continue
            key = id(target)
            if g is not None:
                g = _check_grad(node, target, k, g)
                slot = pending.get(key)
                if slot is None:
                    slot = pending[key] = [None] * len(target.out_meta)
                slot[k] = g if slot[k] is None else slot[k] + g
            waiting[key] -= 1
            if waiting[key] == 0:
                ready.append(target)
        if not retain_graph:
            node.release()
    for leaf, g in hooked.values():
        _to_leaf(leaf, _run_hooks(_leaf_hooks[id(leaf)][1], g), given, sink)


# leaf id -> (weakref of the leaf, its hooks); a leaf's entry goes when the leaf does
_leaf_hooks: dict[int, tuple] = {}


class _HookHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook off."""

    def __init__(self, fns: list, fn: Any) -> None:
        self._fns, self._fn = fns, fn

    def remove(self) -> None:
        if self._fn in self._fns:
            self._fns.remove(self._fn)


def register_hook(t: Tensor, fn: Any) -> _HookHandle:
    """Call ``fn(grad)`` with the gradient of ``t`` during backward; a returned tensor
    replaces the gradient (``Tensor.register_hook``)."""
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if t._ctx is None:
        key = id(t)
        if key not in _leaf_hooks:
            _leaf_hooks[key] = (weakref.ref(t, lambda _, key=key: _leaf_hooks.pop(key, None)), [])
        fns = _leaf_hooks[key][1]
    else:
        if t._ctx.hooks is None:
            t._ctx.hooks = {}
        fns = t._ctx.hooks.setdefault(t._out_index, [])
    fns.append(fn)
    return _HookHandle(fns, fn)


def _run_hooks(fns: list, g: Any) -> Any:
    for fn in list(fns):
        out = fn(Tensor._wrap(g, False))
        if out is not None:
            g = out._data if isinstance(out, Tensor) else out
    return g


def _key(t: Tensor) -> Any:
    """What identifies tensor ``t`` in the graph: the leaf itself, or (its node, output)."""
    return id(t) if t._ctx is None else (id(t._ctx), t._out_index)


def _to_leaf(leaf: Tensor, g: Any, given: set[int], sink: dict | None) -> None:
    """Deliver gradient ``g`` of a leaf: into ``leaf.grad``, or into ``sink`` if given."""
    if sink is None:
        _accumulate(leaf, g, given)
    elif id(leaf) in sink:
        old = sink[id(leaf)]
        sink[id(leaf)] = g if old is None else old + g


def _keep_output_grads(node: Node, grads: list, given: set[int], sink: dict | None) -> None:
    """The complete gradients of ``node``'s outputs, for tensors that called
    ``retain_grad()`` (into their ``.grad``) or that `grad` asked for (into ``sink``)."""
    for k, g in enumerate(grads):
        if g is None:
            continue
        if sink is not None:
            key = (id(node), k)
            if key in sink:
                sink[key] = g if sink[key] is None else sink[key] + g
        elif k in node.retained and (t := node.retained[k]()) is not None:
            _accumulate(t, g.copy(), given)  # a copy: the node's backward still reads g


def _call_backward(node: Node, grads: list) -> tuple:
    """Run ``node.fn.backward`` with a gradient for every output (zeros where none came)."""
    for i, g in enumerate(grads):
        if g is None:  # an output that did not reach the loss (e.g. max's indices)
            shape, dtype = node.out_meta[i]
            xp = _module_like(grads)
            grads[i] = xp.zeros(shape, dtype=dtype)
    out = node.fn.backward(node, *grads)
    if type(out) is not tuple:
        out = (out,)
    if len(out) != len(node.parents):
        raise RuntimeError(
            f"{node.fn.__name__}.backward returned {len(out)} gradient(s), expected one per "
            f"positional input of forward ({len(node.parents)}); use None for inputs "
            "without a gradient"
        )
    for g in out:
        if g is not None and type(g) is not np.ndarray:
            return tuple(_as_array(g) for g in out)
    return out


def _as_array(g: Any) -> Any:
    """A gradient as an array: a custom Function may return Tensors, and NumPy returns
    scalars (np.float32) from operations on 0-d arrays, e.g. ``-g``."""
    if isinstance(g, Tensor):
        return g._data
    if isinstance(g, np.generic):
        return np.asarray(g)
    return g


def _module_like(arrays: list) -> Any:
    from .backend import array_module  # noqa: PLC0415  (rarely needed)

    return array_module(next(a for a in arrays if a is not None))


def _check_grad(node: Node, parent: Node, k: int, g: Any) -> Any:
    """The gradient sent to output ``k`` of ``parent`` must match that output's shape/dtype."""
    shape, dtype = parent.out_meta[k]
    if g.shape != shape:
        raise RuntimeError(
            f"{node.fn.__name__}.backward returned a gradient of shape {tuple(g.shape)} for "
            f"an input of shape {tuple(shape)}"
        )
    if g.dtype != dtype:  # keep float32 graphs float32
        g = g.astype(dtype)
    return g


def _accumulate(leaf: Tensor, g: Any, given: set[int]) -> None:
    """Add ``g`` into ``leaf.grad`` (the first gradient is stored, later ones are summed).

    A stored gradient must be the leaf's own array: views (a broadcast of the output
    gradient, a slice), arrays already given to another leaf, or the leaf's own data are
    copied, so that in-place updates (``zero_()``, an optimizer) touch nothing else.
    """
    if not leaf.requires_grad:
        return
    data = leaf._data
    if g.shape != data.shape:
        raise RuntimeError(
            f"gradient of shape {tuple(g.shape)} cannot be accumulated into a leaf of "
            f"shape {tuple(data.shape)}"
        )
    if isinstance(g, np.ndarray) is not isinstance(data, np.ndarray):
        raise DeviceError(f"gradient on {device_of(g)} for a leaf on {leaf.device}")
    if leaf.grad is not None:
        total = leaf.grad._data + g
        leaf.grad = Tensor._wrap(total if total.dtype == data.dtype else total.astype(data.dtype),
                                 False)
        return
    if g.dtype != data.dtype:
        g = g.astype(data.dtype)
    elif id(g) in given or g.base is not None or g is data:
        g = g.copy()
    given.add(id(g))
    leaf.grad = Tensor._wrap(g, False)


def root_grad(t: Tensor, grad: Any, what: str = "grad") -> Any:
    """The gradient array that starts a backward pass from ``t``: ``grad`` (a tensor or an
    array of ``t``'s shape) or, for a one-element ``t``, 1."""
    if not t.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn: "
            "create leaves with requires_grad=True (and not under no_grad())")
    xp = np if isinstance(t._data, np.ndarray) else _module_like([t._data])
    if grad is None:
        if t._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for one-element outputs; this tensor "
                f"has shape {t.shape}: pass {what} of that shape")
        return xp.ones(t._data.shape, dtype=t.dtype)
    g = grad._data if isinstance(grad, Tensor) else xp.asarray(grad, dtype=t.dtype)
    if g.dtype != t.dtype:
        g = g.astype(t.dtype)
    if tuple(g.shape) != t.shape:
        raise ValueError(f"{what} must have the tensor's shape {t.shape}, got {tuple(g.shape)}")
    return g


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None) -> None:
    """``tensors[i].backward(grad_tensors[i])`` for each (``torch.autograd.backward``):
    gradients of all of them accumulate into the leaves' ``.grad``."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    if len(grad_tensors) != len(tensors):
        raise ValueError(f"backward: got {len(tensors)} tensors and {len(grad_tensors)} "
                         "grad_tensors")
    for t, g in zip(tensors, grad_tensors):
        t.backward(g, retain_graph=bool(retain_graph))


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple of Tensors (as
    ``torch.autograd.grad``); no ``.grad`` is changed.

    outputs: a tensor or a sequence of tensors; their gradients are summed.
    inputs: a tensor or a sequence of tensors that require grad (leaves or not).
    grad_outputs: the gradient of each output (None: 1 for one-element outputs).
    retain_graph: keep the graph for another backward (default: ``create_graph``).
    allow_unused: an input the outputs do not depend on gets None instead of an error.
    """
    if create_graph:
        raise NotImplementedError(
            "autograd.grad(create_graph=True): tinycnn computes first-order gradients only "
            "(backward works on arrays and records no graph)")
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: grad_outputs has {len(grad_outputs)} entries for "
                         f"{len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} is not a Tensor that requires grad")
    sink: dict = {_key(t): None for t in inputs}
    keep = create_graph if retain_graph is None else retain_graph
    for i, (out, go) in enumerate(zip(outputs, grad_outputs)):
        g = root_grad(out, go, "grad_outputs")
        run_backward(out, g, retain_graph=keep or i < len(outputs) - 1, sink=sink)
    result = []
    for i, t in enumerate(inputs):
        g = sink[_key(t)]
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} appears to not have been used in the graph; "
                               "set allow_unused=True if this is the desired behavior")
        result.append(None if g is None else Tensor._wrap(g.astype(t.dtype, copy=True), False))
    return tuple(result)


def grad_fn_name(t: Tensor) -> str | None:
    """Name of the graph node that produced tensor ``t`` (None for leaves)."""
    return None if t._ctx is None else t._ctx.name()


from .tensor import Tensor  # noqa: E402  (tensor.py's ops import this module first)
