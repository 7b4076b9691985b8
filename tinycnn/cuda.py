"""``tinycnn.cuda``: is a GPU usable, and how many."""

from __future__ import annotations

from .backend import _cupy, cuda_available


def is_available() -> bool:
    """True when CuPy is installed and a CUDA device is visible."""
    return cuda_available()


def device_count() -> int:
    """Number of visible CUDA devices (0 without CuPy)."""
    cp = _cupy()
    return 0 if cp is None else int(cp.cuda.runtime.getDeviceCount())


def synchronize() -> None:
    """Wait for all queued GPU work (for timing); a no-op without a GPU."""
    cp = _cupy()
    if cp is not None:
        cp.cuda.Device().synchronize()
