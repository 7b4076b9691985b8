"""`DataParallel`: PyTorch's multi-GPU wrapper, as it behaves with one device.

tinycnn runs on one device, so the wrapped module runs as it is (what PyTorch does when it
finds no GPUs or one); the wrapper keeps PyTorch's layout, so ``model.module`` and the
``"module."`` prefix of ``state_dict`` keys are what ported code expects.
"""

from __future__ import annotations

from typing import Any

from .module import Module


class DataParallel(Module):
    """Wrap ``module``; calling the wrapper calls it (``device_ids``, ``output_device`` and
    ``dim`` are accepted: there is one device to run on)."""

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None,
                 dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


__all__ = ["DataParallel"]
