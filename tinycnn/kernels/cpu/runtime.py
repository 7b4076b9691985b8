"""The CPU kernels' runtime: numba compilation, threads, BLAS threads, machine load.

Every CPU kernel is a plain loop over pixels compiled by numba (`kernel`), run on all
cores (``prange``) when its work is large enough and the machine is not busy (`_run`),
else on the calling thread. Convolutions and linear layers use the cores by running
independent pieces side by side (`for_each`, `matmul`), one BLAS thread each.
``cache=True`` stores the machine code next to the kernel files: the compile cost (a
few seconds per kernel and dtype) is paid once per machine.

Nothing happens at import: `configure` (called by `tinycnn.kernels` before the first
CPU kernel runs) sets numba's OpenMP wait policy and glibc's allocator thresholds.
Why each setting exists, with measurements: docs/performance.md.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
import types
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numba
import numpy as np
from numba import njit

from .machine import cpu_times

Pair = tuple[int, int]

# work (elements x the kernel's cost, see `Kernel`) from which a second thread pays for
# waking it (crossovers per kernel: docs/performance.md)
PARALLEL_MIN_WORK = 1 << 20
_MAX_THREADS = numba.config.NUMBA_NUM_THREADS  # NUMBA_NUM_THREADS caps it
_local = threading.local()  # `for_each`'s workers; numba's thread count per thread
_load = {"checked": -10.0, "busy": False}


def _machine_busy() -> bool:
    """True when other processes keep more than half a core busy (measured over the last
    second from /proc/stat, minus this process's own CPU time); then kernels and BLAS
    run on one thread, since a parallel region waits for its slowest thread.
    ``TINYCNN_ADAPT_THREADS=0`` turns this off (threads stay as configured).
    """
    now = time.monotonic()
    if now - _load["checked"] < 1.0:
        return _load["busy"]
    _load["checked"] = now
    busy = False
    sample = _cpu_sample()
    if sample is not None and os.environ.get("TINYCNN_ADAPT_THREADS", "1") != "0":
        last = _load.get("sample")
        if last is not None and sample[0] > last[0]:
            total, machine_busy, own = (a - b for a, b in zip(sample, last))
            busy = (machine_busy - own) / total * (os.cpu_count() or 1) > 0.5
        _load["sample"] = sample
    if busy != _load["busy"]:
        _load["busy"] = busy
        _set_blas_threads(1 if busy else None)
    return busy


def _cpu_sample() -> tuple[float, float, float] | None:
    """(all CPU time, busy CPU time of the machine, CPU time of this process), in
    seconds; None where /proc/stat does not exist."""
    times = cpu_times()
    if times is None:
        return None
    own = os.times()
    return times[0], times[1], own.user + own.system


def _blas_controllers() -> list[tuple[Any, int]]:
    """(threadpoolctl controller, initial thread count) for each BLAS library loaded;
    empty without threadpoolctl."""
    if "blas" not in _load:
        try:
            from threadpoolctl import ThreadpoolController  # noqa: PLC0415 (scikit-learn's dep)
        except ImportError:
            _load["blas"] = []
        else:
            controllers = ThreadpoolController().select(user_api="blas").lib_controllers
            _load["blas"] = [(c, c.get_num_threads()) for c in controllers]
    return _load["blas"]


def _set_blas_threads(n: int | None) -> None:
    """Set the BLAS library's thread count (None: back to what it was at start)."""
    if _load.get("blas_threads", None) == n:
        return
    _load["blas_threads"] = n
    for controller, initial in _blas_controllers():
        controller.set_num_threads(initial if n is None else n)


_configured = False


def configure() -> None:
    """Settings the CPU kernels want before their first run; called once, by `_run` and
    `for_each`, never at import. numba's OpenMP threads sleep as soon as a kernel ends
    instead of spinning, so they do not take a core from OpenBLAS's threads (set before
    numba starts OpenMP); glibc keeps freed arrays (`_keep_freed_memory`)."""
    global _configured
    _configured = True
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    _keep_freed_memory()


def _keep_freed_memory() -> None:
    """Let glibc reuse freed arrays (up to 32 MiB) instead of returning them to the OS at
    every free: a training step frees and reallocates the same large arrays, and fresh
    pages cost faults and zeroing. The process keeps its peak memory;
    ``TINYCNN_MALLOC_TUNING=0`` opts out.
    """
    if os.environ.get("TINYCNN_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (e.g. musl): leave the allocator alone
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # from <malloc.h>
    libc.mallopt(m_mmap_threshold, 32 * 2**20)  # glibc's maximum on 64-bit systems
    libc.mallopt(m_trim_threshold, 512 * 2**20)



class Kernel:
    """A loop compiled twice by numba: ``parallel`` runs its ``prange`` loop on all
    threads, ``serial`` runs it as a plain loop on the calling thread.

    ``cost``: the kernel's work per element it is called for, relative to a plain copy
    (`_run` compares elements x cost with `PARALLEL_MIN_WORK`). ``twin=False`` keeps one
    compilation, the parallel one, run on one thread where a serial loop is wanted.
    """

    def __init__(self, fn: Callable[..., None], cost: float = 1.0, twin: bool = True,
                 **options: Any) -> None:
        self.cost = cost
        self.parallel = njit(parallel=True, cache=True, nogil=True, **options)(fn)
        self.serial = None
        if twin:
            # the twin needs its own name: numba's disk cache is keyed by the function's
            # name and line, not by the compile options, so the two would load each
            # other's code
            copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__,
                                      fn.__defaults__, fn.__closure__)
            copy.__qualname__ = fn.__qualname__ + "_serial"
            self.serial = njit(cache=True, nogil=True, **options)(copy)


def kernel(cost: float = 1.0, twin: bool = True,
           **options: Any) -> Callable[[Callable[..., None]], Kernel]:
    """Decorator: compile a kernel loop both ways (see `Kernel`); ``options`` go to njit."""
    return lambda fn: Kernel(fn, cost, twin, **options)


def _run(loop: Kernel, elements: int, *args: Any) -> None:
    """Run a kernel on all threads, or on this one when its work (``elements`` x its
    cost) is small, the machine is busy or the caller is one of `for_each`'s workers.
    The results are the same either way: every output element is computed by one
    thread, in the same order."""
    if not _configured:
        configure()
    one = (elements * loop.cost < PARALLEL_MIN_WORK or getattr(_local, "worker", False)
           or _machine_busy())
    if one and loop.serial is not None:
        loop.serial(*args)
        return
    threads = 1 if one else _MAX_THREADS
    if getattr(_local, "threads", None) != threads:  # numba's count is per calling thread
        numba.set_num_threads(threads)
        _local.threads = threads
    loop.parallel(*args)


def max_threads() -> int:
    """The most threads the kernels use (``NUMBA_NUM_THREADS``, by default the cores)."""
    return _MAX_THREADS


def set_max_threads(n: int) -> None:
    """Use at most ``n`` threads from now on (capped by ``NUMBA_NUM_THREADS``)."""
    global _MAX_THREADS
    _MAX_THREADS = max(1, min(int(n), numba.config.NUMBA_NUM_THREADS))


def parallel_chunks() -> int:
    """How many pieces of independent work `for_each` runs at once now (1: no gain)."""
    return 1 if _MAX_THREADS < 2 or _machine_busy() else _MAX_THREADS


def _mark_worker() -> None:
    _local.worker = True


def for_each(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """``[fn(item) for item in items]``, the items spread over the cores.

    For the chunks of a convolution (im2col + matrix product per chunk): whole chunks
    side by side, each on one core (one BLAS thread, one numba thread), use the cores
    better than threading each small product. NumPy, OpenBLAS and numba release the GIL,
    so Python threads suffice. Every item is computed by one thread in the usual order,
    so the results do not depend on the number of threads; ``fn`` must only write what
    belongs to its item.
    """
    if not _configured:
        configure()
    threads = min(parallel_chunks(), len(items))
    if threads < 2 or getattr(_local, "worker", False) or not _blas_controllers():
        return [fn(item) for item in items]
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():  # a forked child has no pool threads
        _pool = ThreadPoolExecutor(max(1, _MAX_THREADS - 1), "tinycnn-chunks",
                                   initializer=_mark_worker)
        _pool_pid = os.getpid()
    # one BLAS thread from now on, not only for these chunks: OpenBLAS's idle threads spin
    # after each product and would take a core from the chunk threads
    _set_blas_threads(1)
    # one task per thread, a contiguous run of items each; the calling thread does the first
    bounds = [len(items) * t // threads for t in range(threads + 1)]
    runs = [items[lo:hi] for lo, hi in zip(bounds, bounds[1:])]
    others = [_pool.submit(_each, fn, run) for run in runs[1:]]
    _local.worker = True
    try:
        results = _each(fn, runs[0])
    finally:
        _local.worker = False
    for future in others:
        results += future.result()
    return results


def _each(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    return [fn(item) for item in items]


PARALLEL_MIN_PRODUCT = 1 << 22  # M*N*K of a matrix product before `matmul` splits it


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for matrices a: (M, K), b: (K, N), split over the cores by rows of the
    result (or by columns, when N > M), one BLAS thread per piece: BLAS runs on one
    thread while `for_each` is in use (see there). Every element is the same dot
    product as in ``a @ b``."""
    (m, k), n = a.shape, b.shape[1]
    threads = parallel_chunks()
    if threads < 2 or m * n * k < PARALLEL_MIN_PRODUCT:
        return a @ b
    out = np.empty((m, n), dtype=np.result_type(a, b))
    by_rows = m >= n
    size = m if by_rows else n
    bounds = [size * t // threads for t in range(threads + 1)]

    def piece(lo_hi: tuple[int, int]) -> None:
        part = slice(*lo_hi)
        if by_rows:
            np.matmul(a[part], b, out=out[part])
        else:
            np.matmul(a, b[:, part], out=out[:, part])

    for_each(piece, list(zip(bounds, bounds[1:])))
    return out


_pool: ThreadPoolExecutor | None = None
_pool_pid = 0
