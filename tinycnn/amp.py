"""``tinycnn.amp``: PyTorch's automatic mixed precision names, so AMP training loops run.

`autocast` is accepted and changes nothing: tinycnn computes in the tensors' own dtype
(float32 by default), so results are those of full precision (docs/porting.md lists this
difference). `GradScaler` is PyTorch's: it multiplies the loss by a scale, divides the
gradients back before the step, skips steps whose gradients are inf/NaN and adapts the
scale; with ``enabled=False`` (or for CUDA without a GPU, as PyTorch) it passes through.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from typing import Any

import numpy as np

from .backend import cuda_available


class autocast(contextlib.ContextDecorator):  # noqa: N801  (PyTorch's name)
    """``with autocast(device_type="cuda", dtype=torch.float16):`` (also a decorator).
    Accepted for PyTorch compatibility; the ops inside run in their inputs' dtype."""

    def __init__(self, device_type: str = "cuda", dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise TypeError(f"autocast: device_type must be a string, got "
                            f"{type(device_type).__name__}")
        self.device_type, self.fast_dtype, self.enabled = device_type, dtype, enabled

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: Any) -> bool:
        return False


class GradScaler:
    """Scale the loss so small float16 gradients do not underflow, as
    ``torch.amp.GradScaler``: ``scaler.scale(loss).backward(); scaler.step(optimizer);
    scaler.update()``. A step whose gradients hold inf or NaN is skipped and the scale
    multiplied by ``backoff_factor``; after ``growth_interval`` good steps it is multiplied
    by ``growth_factor``."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        if enabled and str(device).startswith("cuda") and not cuda_available():
            warnings.warn("GradScaler is enabled, but CUDA is not available. Disabling.",
                          stacklevel=2)
            enabled = False
        self._enabled = enabled
        self._scale = float(init_scale)
        self._growth_factor, self._backoff_factor = growth_factor, backoff_factor
        self._growth_interval, self._growth_tracker = growth_interval, 0
        self._unscaled: dict[int, bool] = {}  # id(optimizer) -> found inf/NaN when unscaling

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        """The current scale (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor, or a list/tuple of them) times the scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer: Any) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale (once per step;
        call it before clipping gradients)."""
        if not self._enabled:
            return
        if id(optimizer) in self._unscaled:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update().")
        inv, found = 1.0 / self._scale, False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad._data *= p.grad.dtype.type(inv)
                    found = found or not bool(np.isfinite(p.grad.numpy()).all())
        self._unscaled[id(optimizer)] = found

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step()`` on the unscaled gradients, skipped if any is inf/NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) not in self._unscaled:
            self.unscale_(optimizer)
        if self._unscaled[id(optimizer)]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        """Adapt the scale after the step(s) (or set it to ``new_scale``)."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif any(self._unscaled.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                grown = self._scale * self._growth_factor
                self._scale = grown if math.isfinite(grown) else self._scale
                self._growth_tracker = 0
        self._unscaled.clear()

    def state_dict(self) -> dict[str, Any]:
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not self._enabled:
            return
        self._scale = float(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._growth_tracker = state_dict["_growth_tracker"]


__all__ = ["GradScaler", "autocast"]
