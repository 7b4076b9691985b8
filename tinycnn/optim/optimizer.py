"""`Optimizer`: the base class — parameter groups, state, zero_grad, state_dict.

An optimizer holds ``param_groups``: a list of dicts, each with its ``"params"`` and its
own hyper-parameters (``lr``, ``momentum``, ...), filled in from the defaults. Per-
parameter state (moment buffers, step counts) lives in ``self.state[param]``.

Updates are written in place into the parameter arrays and into state buffers that are
allocated once; temporaries come from reusable scratch arrays (`_scratch`: two flat
buffers per dtype and device, each the size of the largest parameter), so a step allocates
nothing after the first one. Slot 0 holds the effective gradient, slot 1 is work space.

On the CPU, `_blocks` lets an update run block by block (`BLOCK` elements at a time):
the several passes an update makes over its arrays then hit the cache instead of main
memory, and the work space is one block instead of a copy of the largest parameter
(docs/performance.md gives the figures).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import backend
from ..autograd import enable_grad
from ..nn.utils import zero_grad_
from ..tensor import Tensor

# elements per block of a blocked update (`Optimizer._blocks`): 256 KiB of float32, so
# that a block's arrays and temporaries stay in the L2 cache across the update's passes
BLOCK = 1 << 16


class _Required:
    """Marks a hyper-parameter without a default (it must be given per group)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


def check_hyper(name: str, value: Any, low: float = 0.0, high: float | None = None,
                high_open: bool = True) -> None:
    """Raise ValueError("Invalid <name>: <value>") unless low <= value (< or <=) high."""
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    ok = ok and value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        raise ValueError(f"Invalid {name}: {value}")


class Optimizer:
    """Base class: subclasses pass their ``defaults`` and implement ``_update``."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        self._work: dict[tuple, Any] = {}
        if isinstance(params, Tensor) or hasattr(params, "parameters") or not hasattr(
                params, "__iter__"):
            hint = " (pass model.parameters())" if hasattr(params, "parameters") else ""
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}{hint}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group: ``{"params": [...], "lr": ...}``; missing options take the defaults.

        Useful for fine-tuning: add the unfrozen layers with their own learning rate.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params "
                                f"is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's hyper-parameters (subclasses raise ValueError like PyTorch)."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to None by default, as in PyTorch 2)."""
        for group in self.param_groups:
            for p in group["params"]:
                zero_grad_(p, set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (frozen ones have none).

        ``closure`` (re-evaluates the model and returns the loss) is called first if given.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None or not p.requires_grad:
                    continue
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                self._update(p, p.grad._data, state, group)
        return loss

    def _update(self, p: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any]
                ) -> None:
        raise NotImplementedError  # pragma: no cover - every optimizer defines it

    # --- helpers for _update ----------------------------------------------------------------
    def _scratch(self, p: Tensor, slot: int = 0) -> Any:
        """A work array shaped like ``p`` (contents undefined), reused by every step and
        shared by all parameters of the same dtype and device: one flat buffer per slot,
        grown to the largest parameter."""
        key = (slot, p._data.dtype.str, p.device)
        buf = self._work.get(key)
        if buf is None or buf.size < p._data.size:
            buf = backend.array_module(p._data).empty(p._data.size, dtype=p._data.dtype)
            self._work[key] = buf
        return buf[: p._data.size].reshape(p._data.shape)

    def _blocks(self, p: Tensor, *arrays: Any) -> Any:
        """Yield ``(*views, work)``: matching flat blocks of ``arrays`` (each shaped like
        ``p``) and a work array of the same length, block after block (see the module
        docstring). Writes into the views land in the arrays. On the GPU, or when an array
        is not contiguous, there is one block: the arrays themselves and `_scratch` slot 1.
        """
        n = p._data.size
        if n <= BLOCK or not all(isinstance(a, np.ndarray) and a.flags.c_contiguous
                                 for a in arrays):
            yield (*arrays, self._scratch(p, 1))
            return
        key = ("block", p._data.dtype.str)
        work = self._work.get(key)
        if work is None:
            work = self._work[key] = np.empty(BLOCK, dtype=p._data.dtype)
        flat = [a.reshape(-1) for a in arrays]
        for start in range(0, n, BLOCK):
            stop = min(start + BLOCK, n)
            yield (*(f[start:stop] for f in flat), work[: stop - start])

    def _effective_grad(self, p: Tensor, grad: Any, weight_decay: float, maximize: bool,
                        writable: bool = False) -> Any:
        """The gradient to follow: ``-grad`` when maximizing, plus ``weight_decay * p`` (the
        L2 penalty), in scratch slot 0. Without either it is ``grad`` itself (read-only:
        the parameter's gradient is never modified) unless ``writable`` asks for a copy."""
        if not maximize and not weight_decay and not writable:
            return grad
        xp = backend.array_module(grad)
        out = self._scratch(p, 0)
        if weight_decay:
            xp.multiply(p._data, weight_decay, out=out)
            (xp.subtract if maximize else xp.add)(out, grad, out=out)
        elif maximize:
            xp.negative(grad, out=out)
        else:
            out[...] = grad
        return out

    @staticmethod
    def _zeros_like(p: Tensor, fill: float = 0.0) -> Any:
        """A new state buffer shaped like ``p`` on its device."""
        return backend.array_module(p._data).full(p._data.shape, fill, dtype=p._data.dtype)

    # --- state dict ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: array or number}}, "param_groups": [{..., "params":
        [indices]}]}``, the structure of PyTorch: parameters are numbered in group order.

        Arrays are the live state buffers (not copies); tuples (``betas``) become lists so
        that the dict holds only arrays, numbers, strings, bools and lists.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: (list(v) if isinstance(v, tuple) else v)
                      for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and state from `state_dict` (copies arrays, cast to each
        parameter's dtype and moved to its device). Keys may be strings or numbers and
        values 0-d arrays, as they come back from a ``.npz`` file."""
        groups = list(state_dict["param_groups"])
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, the "
                             f"optimizer has {len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"loaded state dict contains a parameter group ({i}) of "
                                 f"{len(saved['params'])} parameters that doesn't match the "
                                 f"size of optimizer's group ({len(group['params'])})")
        by_index = {int(i): p for saved, group in zip(groups, self.param_groups)
                    for i, p in zip(_as_list(saved["params"]), group["params"])}
        self.state = {}
        for key, saved_state in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                raise ValueError(f"optimizer state for parameter index {key} has no parameter "
                                 "in any group")
            self.state[p] = {name: _restore(name, value, p) for name, value in saved_state.items()}
        for saved, group in zip(groups, self.param_groups):
            for name, value in saved.items():
                if name != "params":
                    group[name] = _plain(value, group.get(name, self.defaults.get(name)))


def _as_list(value: Any) -> list:
    return value.tolist() if hasattr(value, "tolist") else list(value)


def _plain(value: Any, like: Any) -> Any:
    """A hyper-parameter back in Python form: 0-d arrays -> numbers, sequences -> tuples
    when the current value is a tuple (``betas``)."""
    if isinstance(value, Tensor):
        value = value._data
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(like, tuple) and isinstance(value, list):
        return tuple(value)
    return value


def _restore(name: str, value: Any, p: Tensor) -> Any:
    """One state entry: ``step`` as an int, arrays copied onto ``p``'s device and dtype."""
    if isinstance(value, Tensor):
        value = value._data
    if name == "step":
        return int(value.item() if hasattr(value, "item") else value)
    if not hasattr(value, "shape"):
        return value
    arr = backend.to_device(value, p.device)
    # astype always copies: the optimizer updates its buffers in place
    return arr.astype(p._data.dtype if arr.dtype.kind == "f" else arr.dtype)
