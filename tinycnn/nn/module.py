"""`Module` (the base class of every layer and model) and `Parameter`.

A module owns three ordered dictionaries, filled by plain attribute assignment exactly as
in PyTorch::

    class Net(Module):
        def __init__(self):
            super().__init__()
            self.conv = Conv2d(3, 8, 3)       # -> self._modules["conv"]
            self.scale = Parameter(ones(1))   # -> self._parameters["scale"]
            self.register_buffer("count", zeros(()))   # -> self._buffers["count"]

Everything else (``parameters()``, ``state_dict()``, ``to()``, ``train()``...) walks these
dictionaries recursively, so the order of assignment is the order of the parameters — the
order an optimizer, a checkpoint and PyTorch all agree on.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import backend
from ..tensor import Tensor
from .utils import zero_grad_


class Parameter(Tensor):
    """A tensor that a `Module` registers as a learnable parameter (``requires_grad=True``).

    Assigning a Parameter to a module attribute registers it; ``Parameter(t)`` shares the
    array of tensor ``t`` (no copy).
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=backend.get_default_dtype())
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class StateDictError(RuntimeError, ValueError):
    """`load_state_dict` could not load a state dict (shape mismatch, missing/unexpected keys).

    A RuntimeError as in PyTorch, and a ValueError because it is bad input.
    """


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
IncompatibleKeys.__doc__ = "What `Module.load_state_dict` could not match (PyTorch's namedtuple)."


class _IncompatibleKeys(IncompatibleKeys):
    """`load_state_dict`'s result, printed as PyTorch prints it: ``<All keys matched
    successfully>`` when nothing is missing or unexpected."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


class RemovableHandle:
    """Returned by ``register_forward_hook``: call ``remove()`` to unregister the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: dict) -> None:
        self.hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        self.hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


class Module:
    """Base class of layers and models: subclass it, assign sub-layers in ``__init__``,
    and define ``forward``. Call the module (``model(x)``), not ``forward``, so hooks run.
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__ because our own __setattr__ needs these dicts to exist
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", OrderedDict())
        set_(self, "_buffers", OrderedDict())
        set_(self, "_non_persistent_buffers", set())
        set_(self, "_modules", OrderedDict())
        set_(self, "_forward_hooks", OrderedDict())
        set_(self, "_forward_pre_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_hooks or self._forward_pre_hooks):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    # --- registration ----------------------------------------------------------------------
    def _check_name(self, kind: str, name: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f'{kind} name can\'t be empty or contain ".", got {name!r}')

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add parameter ``name`` (``None`` registers an absent one, like a missing bias)."""
        self._check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(tinycnn.nn.Parameter or None required)"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: state that is saved and moved with the module but not trained
        (BatchNorm's running mean). ``persistent=False`` keeps it out of ``state_dict``."""
        self._check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add child module ``name`` (same as ``self.name = module``)."""
        self._check_name("module", name)
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params, buffers, modules = d.get("_parameters"), d.get("_buffers"), d.get("_modules")
        if isinstance(value, Parameter):
            self._check_name("parameter", name)
            self._forget(name)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(tinycnn.nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            self._check_name("module", name)
            self._forget(name)
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    "(Module or None expected)"
                )
            modules[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(Tensor or None expected)"
                )
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        """Drop ``name`` from every registry (before it is registered as something else)."""
        self.__dict__.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            self.__dict__[key].pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: look in the registries
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            registry = d.get(key)
            if registry is not None and name in registry:
                return registry[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for key in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__[key]:
                del self.__dict__[key][name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        extra = itertools.chain(self._parameters, self._buffers, self._modules)
        return sorted(set(super().__dir__()) | set(extra))

    # --- walking the tree ------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """``(qualified name, module)`` for this module and every descendant, depth first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            sub = f"{prefix}.{name}" if prefix else name
            yield from child.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their attribute names."""
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Entries of ``registry`` (``"_parameters"`` or ``"_buffers"``) over the tree;
        a tensor shared by two modules is listed once (identity, not equality)."""
        seen: set[int] = set()
        owners = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                  if recurse else [(prefix, self)])
        for owner_name, module in owners:
            for name, t in module.__dict__[registry].items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{owner_name}.{name}" if owner_name else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``("features.0.weight", Parameter)`` pairs in registration order."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The descendant called ``target`` (``"features.3"``); ``""`` is the module itself."""
        module = self
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule `{part}` "
                                     f"(looking for {target!r})")
            module = child
        return module

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn(m)`` on every child (recursively), then on this module; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # --- modes, gradients ------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, BatchNorm uses batch statistics); returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (``False``) or unfreeze every parameter; a frozen layer computes no weight
        gradient in backward (the ops check ``ctx.needs_input_grad``). Returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to None, or to zeros)."""
        for p in self.parameters():
            zero_grad_(p, set_to_none)

    # --- devices and dtypes ----------------------------------------------------------------
    def _apply_arrays(self, fn: Callable[[Any], Any]) -> Module:
        """Replace the array of every parameter, gradient and buffer by ``fn(array)`` in
        place: the Parameter objects stay the same, so optimizers keep pointing at them."""
        for t in itertools.chain(self.parameters(), self.buffers()):
            t._data = fn(t._data)
            if t.grad is not None:
                t.grad._data = fn(t.grad._data)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(device)``, ``to(dtype)`` or ``to(device, dtype)``; in place, returns self.

        A dtype applies to floating parameters and buffers only (``num_batches_tracked``
        stays int64), as in PyTorch.
        """
        device, dt = backend.parse_to_args(args, kwargs)
        if device is not None:
            self._apply_arrays(lambda a: backend.to_device(a, device))
        if dt is not None:
            if dt.kind != "f":
                raise TypeError(f"Module.to only accepts floating dtypes, got {dt}")
            self._apply_arrays(lambda a: a.astype(dt, copy=False) if a.dtype.kind == "f" else a)
        return self

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self) -> Module:
        return self.to("cuda")

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def half(self) -> Module:
        return self.to(np.float16)

    # --- state dict ------------------------------------------------------------------------
    def state_dict(self, destination: OrderedDict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
        """``OrderedDict`` name -> Tensor of every parameter and persistent buffer, named as
        PyTorch names them (``"features.0.weight"``, ``"bn.running_mean"``). The tensors are
        detached but share memory with the module (``keep_vars=True``: the objects
        themselves)."""
        out = OrderedDict() if destination is None else destination
        # no de-duplication: a module shared under two names is saved under both (PyTorch)
        for mod_name, module in self.named_modules(prefix=prefix.rstrip("."),
                                                   remove_duplicate=False):
            base = f"{mod_name}." if mod_name else ""
            for name, p in module._parameters.items():
                if p is not None:
                    out[base + name] = p if keep_vars else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers:
                    out[base + name] = b if keep_vars else b.detach()
        return out

    def _state_defaults(self) -> dict:
        """Values for entries of this module that a state dict may lack (BatchNorm's
        ``num_batches_tracked``, absent from older checkpoints); override."""
        return {}

    def load_state_dict(self, state_dict: Any, strict: bool = True) -> IncompatibleKeys:
        """Copy the tensors (or NumPy/CuPy arrays) of ``state_dict`` into this module's
        parameters and buffers, in place (cast to each one's dtype, moved to its device).

        A shape mismatch always raises `StateDictError` naming the key and both shapes;
        with ``strict=True`` so do missing or unexpected keys. Returns
        ``IncompatibleKeys(missing_keys, unexpected_keys)``.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing, errors = [], []
        for key, target in own.items():
            if key in state_dict:
                value = state_dict[key]
            else:
                mod_name, _, leaf = key.rpartition(".")
                defaults = self.get_submodule(mod_name)._state_defaults()
                if leaf not in defaults:
                    missing.append(key)
                    continue
                value = defaults[leaf]
            err = _copy_into(key, target, value)
            if err:
                errors.append(err)
        unexpected = [k for k in state_dict.keys() if k not in own]
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise StateDictError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                                 + "\n\t".join(errors))
        return _IncompatibleKeys(missing, unexpected)

    # --- hooks -----------------------------------------------------------------------------
    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every forward; a non-None return
        value replaces the output. Returns a handle whose ``remove()`` unregisters it."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, inputs)`` before every forward; a non-None return value
        replaces the inputs."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    # --- printing --------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's line in ``repr`` (override)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_repr}")
        if not lines:
            return f"{self._get_name()}()"
        if len(lines) == 1 and not self._modules:
            return f"{self._get_name()}({lines[0]})"
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


def _copy_into(key: str, target: Tensor, value: Any) -> str | None:
    """Copy ``value`` into ``target`` in place; return an error line instead of raising."""
    arr = value._data if isinstance(value, Tensor) else value
    if not hasattr(arr, "shape"):
        arr = np.asarray(arr)
    if tuple(arr.shape) != tuple(target._data.shape):
        return (f"size mismatch for {key}: copying a param with shape {tuple(arr.shape)} "
                f"from checkpoint, the shape in current model is {tuple(target._data.shape)}.")
    arr = backend.to_device(arr, target.device)
    target._data[...] = arr.astype(target._data.dtype, copy=False)
    return None

