"""``tinycnn.backends``: the switches PyTorch scripts set before training, and threads.

``backends.cudnn`` holds the flags tutorials set (``benchmark``, ``deterministic``,
``enabled``); tinycnn's GPU path runs its own CuPy kernels, not cuDNN, so the flags are
kept for the script to read back and change nothing. ``backends.mps`` answers that Apple's
Metal backend is not available (tinycnn runs on NumPy or CUDA).
"""

from __future__ import annotations

import sys


class _CuDNN:
    """``torch.backends.cudnn``: settable flags; cuDNN itself is never used."""

    benchmark = False
    deterministic = False
    enabled = True
    allow_tf32 = True

    @staticmethod
    def is_available() -> bool:
        """False: tinycnn's GPU kernels are its own (CuPy), not cuDNN's."""
        return False

    @staticmethod
    def version() -> None:
        return None


class _MPS:
    """``torch.backends.mps``: Apple's Metal backend, which tinycnn does not have."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def is_built() -> bool:
        return False


cudnn = _CuDNN()
mps = _MPS()
# `import torch.backends.cudnn as cudnn` (the transfer-learning tutorial) imports a module
# path: register the two under theirs
sys.modules[f"{__name__}.cudnn"] = cudnn  # type: ignore[assignment]
sys.modules[f"{__name__}.mps"] = mps  # type: ignore[assignment]

_deterministic = {"mode": False, "warn_only": False}


def set_num_threads(n: int) -> None:
    """Use at most ``n`` CPU threads in tinycnn's kernels (``torch.set_num_threads``)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    from .kernels import cpu  # noqa: PLC0415  (numba loads on first use)

    cpu.set_max_threads(n)


def get_num_threads() -> int:
    """The most CPU threads tinycnn's kernels use."""
    from .kernels import cpu  # noqa: PLC0415

    return cpu.max_threads()


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for reproducible results (``torch.use_deterministic_algorithms``). tinycnn's CPU
    kernels are deterministic whatever the mode (each output element is computed by one
    thread, in a fixed order), so on the CPU this only records the choice."""
    _deterministic.update(mode=bool(mode), warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled() -> bool:
    """The mode last set by `use_deterministic_algorithms`."""
    return _deterministic["mode"]
