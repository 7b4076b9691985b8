"""``tinycnn.accelerator``: is there a device faster than the CPU (a CUDA GPU via CuPy)."""

from __future__ import annotations

from .backend import _cupy, cuda_available, device


def is_available() -> bool:
    """True when a CUDA GPU is usable (CuPy installed, a device visible)."""
    return cuda_available()


def current_accelerator() -> device | None:
    """``device(type='cuda')`` when a GPU is usable, else None (as PyTorch)."""
    return device("cuda") if cuda_available() else None


def device_count() -> int:
    """Number of visible CUDA devices (0 without CuPy)."""
    cp = _cupy()
    return 0 if cp is None else int(cp.cuda.runtime.getDeviceCount())
