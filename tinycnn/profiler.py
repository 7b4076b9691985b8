"""Where does a training step spend its time? A per-op wall-clock profiler.

    from tinycnn.profiler import Profiler

    prof = Profiler()
    with prof:                          # times every op, backward and kernel call inside
        loss = loss_fn(model(x), y)
        loss.backward()
        with prof.region("optimizer"):  # name any other stretch of code yourself
            opt.step()
    print(prof.table())                 # exclusive time per entry, largest first

Inside ``with prof`` the profiler wraps three kinds of calls and times each one:

* ``Function.apply`` of every op: entry ``"Conv2d.forward"`` (this includes the small
  cost of wrapping arrays in tensors and recording the graph node);
* every node's backward in the backward walk: ``"Conv2d.backward"``;
* the array kernels of `tinycnn.kernels` (`tinycnn.kernels.KERNELS`: im2col, the
  convolution's products, pooling loops, ...): ``"im2col"``, ``"conv2d_forward"``.

Times are *exclusive*: the im2col calls inside a convolution are counted under
``"im2col"`` and subtracted from ``"conv2d_forward"``, so what remains there is the
matrix product and its reshapes. ``total`` is the wall time spent inside ``with prof``
blocks; what no entry claims (``unattributed``) is Python overhead: module calls,
argument checks, the backward walk's bookkeeping.

The wrappers cost about a microsecond per call, so a profiled step runs slightly slower
than an unprofiled one; use it to see shares, not to quote speeds. On the GPU, calls
return before the device finishes: ``Profiler(synchronize=True)`` waits for the GPU at
the start and end of every timed call, so each entry holds its own kernels' time (and
the queue of launches the GPU normally overlaps with Python is gone: the profiled step
is slower, but its shares say what each op costs).
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np

from . import autograd, cuda, kernels


def _synchronized_clock() -> float:
    """``time.perf_counter()`` once the GPU has finished its queued work (Profiler's
    ``synchronize=True``; a no-op wait without a GPU)."""
    cuda.synchronize()
    return time.perf_counter()


KERNELS = tuple(kernels.KERNELS)  # every kernel of every backend


def _kernel_modules() -> list[ModuleType]:
    """The loaded kernel modules whose functions are called: the backends, and the files
    their functions live in (the CPU convolution calls its own im2col, for example)."""
    backends = [kernels.reference, kernels.implementation(np.empty(0))]  # CPU: load it now
    backends += [sys.modules[m] for m in ("tinycnn.kernels.cuda",) if m in sys.modules]
    homes = {sys.modules[getattr(b, k).__module__] for b in backends for k in KERNELS}
    return list(dict.fromkeys([*backends, *homes]))


class Profiler:
    """Exclusive wall time and call count per op/kernel/region (see the module docstring).

    ``times[name]`` (seconds) and ``calls[name]`` accumulate over every ``with`` block;
    `reset` clears them. Not thread-safe: profile one thread at a time.
    """

    def __init__(self, synchronize: bool = False) -> None:
        self.synchronize = synchronize
        self._clock = _synchronized_clock if synchronize else time.perf_counter
        self.times: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.total = 0.0
        self._stack: list[float] = []  # time spent in children of each open frame
        self._saved: list[tuple[Any, str, Any]] = []
        self._names: list[str] = []  # the kernels being timed, innermost last
        self._start = 0.0

    # --- timing -----------------------------------------------------------------------

    @contextlib.contextmanager
    def region(self, name: str) -> Iterator[None]:
        """Time the body under ``name`` (exclusive of profiled calls inside it)."""
        stack, clock = self._stack, self._clock
        stack.append(0.0)
        start = clock()
        try:
            yield
        finally:
            elapsed = clock() - start
            self._add(name, elapsed - stack.pop(), elapsed)

    def _add(self, name: str, exclusive: float, elapsed: float) -> None:
        self.times[name] = self.times.get(name, 0.0) + exclusive
        self.calls[name] = self.calls.get(name, 0) + 1
        if self._stack:
            self._stack[-1] += elapsed

    def _timed(self, name: str, fn: Any) -> Any:
        """``fn`` wrapped so that every call is timed under ``name``."""
        stack, add, clock, names = self._stack, self._add, self._clock, self._names

        def timed(*args: Any, **kwargs: Any) -> Any:
            if names and names[-1] == name:  # a backend passing the call on: timed once
                return fn(*args, **kwargs)
            names.append(name)
            stack.append(0.0)
            start = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = clock() - start
                names.pop()
                add(name, elapsed - stack.pop(), elapsed)

        return timed

    # --- installing the wrappers ----------------------------------------------------------

    def __enter__(self) -> Profiler:
        if self._saved:
            raise RuntimeError("Profiler: this profiler is already active")
        apply = autograd.Function.__dict__["apply"].__func__
        call_backward = autograd._call_backward
        prof = self

        def profiled_apply(cls: type, *args: Any, **kwargs: Any) -> Any:
            with prof.region(f"{cls.__name__}.forward"):
                return apply(cls, *args, **kwargs)

        def profiled_backward(node: Any, grads: list) -> tuple:
            with prof.region(f"{node.fn.__name__}.backward"):
                return call_backward(node, grads)

        self._patch(autograd.Function, "apply", classmethod(profiled_apply))
        self._patch(autograd, "_call_backward", profiled_backward)
        for module in _kernel_modules():
            for name in KERNELS:
                if name in module.__dict__:
                    self._patch(module, name, self._timed(name, module.__dict__[name]))
        self._stack.append(0.0)
        self._start = self._clock()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.total += self._clock() - self._start
        self._stack.pop()
        while self._saved:
            owner, name, original = self._saved.pop()
            setattr(owner, name, original)

    def _patch(self, owner: Any, name: str, value: Any) -> None:
        self._saved.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, value)

    # --- results --------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget all times and counts."""
        self.times.clear()
        self.calls.clear()
        self.total = 0.0

    @property
    def unattributed(self) -> float:
        """Seconds inside ``with prof`` that no entry claims (Python overhead)."""
        return max(0.0, self.total - sum(self.times.values()))

    def table(self, top: int = 25) -> str:
        """The entries as a text table, largest exclusive time first."""
        total = self.total or 1.0
        rows = sorted(self.times.items(), key=lambda kv: -kv[1])[:top]
        rows.append(("(unattributed: Python overhead)", self.unattributed))
        lines = [f"{'entry':36s} {'calls':>7s} {'ms':>10s} {'share':>7s}"]
        for name, t in rows:
            calls = self.calls.get(name, "")
            lines.append(f"{name:36s} {calls!s:>7s} {t * 1e3:10.1f} {t / total:7.1%}")
        lines.append(f"{'total':36s} {'':>7s} {self.total * 1e3:10.1f} {1:7.1%}")
        return "\n".join(lines)


__all__ = ["KERNELS", "Profiler"]
