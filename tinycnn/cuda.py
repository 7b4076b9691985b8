"""``tinycnn.cuda``: is a GPU usable, and how many."""

from __future__ import annotations

from .backend import _cupy, cuda_available, manual_seed_cuda


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


def manual_seed(seed: int) -> None:
    """Seed the GPU's generator (``torch.cuda.manual_seed``); a no-op without a GPU."""
    manual_seed_cuda(seed)


def manual_seed_all(seed: int) -> None:
    """Seed the generators of all GPUs (tinycnn uses one); a no-op without a GPU."""
    manual_seed_cuda(seed)


def empty_cache() -> None:
    """Give the GPU memory CuPy keeps for reuse back to the device; a no-op without a GPU."""
    cp = _cupy()
    if cp is not None:
        cp.get_default_memory_pool().free_all_blocks()
        cp.get_default_pinned_memory_pool().free_all_blocks()
