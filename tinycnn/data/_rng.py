"""Where the data pipeline draws its random numbers.

Outside a DataLoader, transforms and splits draw from ``tinycnn.backend.rng("cpu")``, the
generator that ``tinycnn.manual_seed`` seeds. Inside a DataLoader each batch is built
with its own generator (seeded from the loader's seed and the batch number), installed
for the current thread only: the augmentation of batch ``b`` is then the same whether
it is built in the main thread or in a background worker, and workers never share one
generator (NumPy generators are not thread-safe).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import backend

_local = threading.local()


def generator() -> np.random.Generator:
    """The generator random transforms draw from in this thread."""
    gen = getattr(_local, "gen", None)
    return gen if gen is not None else backend.rng("cpu")


@contextlib.contextmanager
def use_generator(gen: np.random.Generator) -> Iterator[None]:
    """Make ``gen`` this thread's generator for the duration of a ``with`` block."""
    previous = getattr(_local, "gen", None)
    _local.gen = gen
    try:
        yield
    finally:
        _local.gen = previous


def resolve(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A generator for ``seed``: a fresh one for an int, the shared one for None."""
    if seed is None:
        return generator()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
    return np.random.default_rng(int(seed))


def numpy_generator(gen: Any = None) -> np.random.Generator:
    """The NumPy Generator behind a ``generator=`` argument (PyTorch's name).

    None: this thread's generator (`tinycnn.manual_seed` seeds it). A NumPy Generator is
    used as it is; a `tinycnn.Generator` (or any object holding one in an attribute) gives
    the NumPy Generator it holds, so drawing advances its state as ``torch.Generator``'s.
    """
    if gen is None:
        return generator()
    if isinstance(gen, np.random.Generator):
        return gen
    named = (getattr(gen, a, None) for a in ("numpy_generator", "generator", "gen", "rng"))
    for inner in (*named, *getattr(gen, "__dict__", {}).values()):
        if isinstance(inner, np.random.Generator):
            return inner
    raise TypeError("generator must be a tinycnn.Generator, a numpy.random.Generator or None, "
                    f"got {type(gen).__name__}")
