"""numba versions of the kernels in `reference.py` (same arguments, same results).

These are the CPU hot loops of a CNN: copying windows into columns (im2col), adding them
back (col2im), pooling, batch norm, ReLU, the Adam update, and a column-free convolution
for first layers with few channels (`conv2d_direct`, CPU only). Written as plain loops
over pixels, compiled by numba and run in parallel (``prange``) over independent pieces
of work, so no two threads ever write the same element. ``cache=True`` stores the machine code next to this file: the
compile cost (a few seconds per kernel and dtype) is paid once per machine.

This module is imported on the first kernel call, never by ``import tinycnn`` (importing
numba takes a while).

Speed notes. (1) Computed indices are cast to unsigned (``uintp(...)``) once they are
known to be in bounds: numba then drops its negative-index wraparound test, which
otherwise blocks vectorization and made these loops 5x slower on short image rows.
(2) Threads only pay for large arrays: each parallel region costs a thread wake-up
(40-70 us on an idle machine, milliseconds on a busy one), so kernels run on one
thread below `PARALLEL_MIN_WORK` or while the machine is oversubscribed
(`_machine_busy`); each kernel declares its cost per element, so the threshold sits
near its measured crossover. ``NUMBA_NUM_THREADS`` caps the threads. Kernels are
compiled twice (`kernel`): with ``prange`` spread over threads, and as a plain loop for
the one-thread case, which skips the parallel region's start-up (4 us of a 15 us im2col
of one image). All kernels release the GIL (``nogil``), so that `for_each`'s threads can
run them side by side. (3) The allocator keeps freed memory (`_keep_freed_memory`).
(4) Convolutions and linear layers use the cores by running independent pieces side by
side (`for_each`, `matmul`), each on one BLAS thread: OpenBLAS gained little from a
second thread on a chunk's small product.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import threading
import time
import types
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# numba's OpenMP threads sleep as soon as a kernel ends instead of spinning, so they do
# not take the second core from OpenBLAS's threads (set before numba starts OpenMP)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit, prange, uintp  # noqa: E402

from ..machine import cpu_times  # noqa: E402

Pair = tuple[int, int]

# Work (elements x the kernel's cost per element, see `Kernel`) from which a second
# thread pays for waking it: a parallel region costs 40-70 us here. Measured crossovers
# (serial vs 2 threads): ReLU ~1.5 M elements, 2x2 max-pool ~0.6 M, batch-norm
# statistics and forward ~0.5 M, batch-norm backward ~0.2 M, im2col ~0.4 M columns; the
# costs below put each kernel's threshold near its crossover.
PARALLEL_MIN_WORK = 1 << 20
_MAX_THREADS = numba.config.NUMBA_NUM_THREADS  # NUMBA_NUM_THREADS caps it
_local = threading.local()  # `for_each`'s workers; numba's thread count per thread
_load = {"checked": -10.0, "busy": False}


def _machine_busy() -> bool:
    """True when other processes keep more than half a core busy (measured over the last
    second from /proc/stat, minus this process's own CPU time); then kernels and BLAS
    run on one thread.

    A parallel region (a numba kernel, an OpenBLAS matrix product) waits for all of its
    threads, and on an oversubscribed machine one of them may wait a whole scheduler
    time slice. Measured here under load: a 0.1 ms kernel took 8 ms on two threads, and
    LeNet-5 trained 12x slower with OpenBLAS on two threads than on one.
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


def _keep_freed_memory() -> None:
    """Let glibc reuse freed arrays instead of returning them to the OS at every free.

    A training step allocates and frees the same large arrays (columns, activations,
    gradients) again and again. By default glibc maps every array above 128 KiB fresh
    from the OS and unmaps it on free, so each step pays page faults and page zeroing
    on megabytes of memory: measured here, that was ~40% of a LeNet-5 step. Keeping
    arrays up to 32 MiB on the heap (and not trimming it) removes that cost; the price
    is that the process keeps its peak memory. ``TINYCNN_MALLOC_TUNING=0`` opts out.
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


_keep_freed_memory()


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

    For the chunks of a convolution (im2col + matrix product per chunk). Measured here,
    OpenBLAS hardly speeds up a chunk's small product with a second thread, and numba's
    kernels on chunks this size run on one thread (`PARALLEL_MIN_WORK`); running whole
    chunks side by side, each on one core (one BLAS thread, one numba thread), does use
    both. NumPy, OpenBLAS and numba release the GIL, so Python threads suffice. Every
    item is computed by one thread in the usual order, so the results do not depend on
    the number of threads; ``fn`` must only write what belongs to its item.
    """
    threads = min(parallel_chunks(), len(items))
    if threads < 2 or getattr(_local, "worker", False) or not _blas_controllers():
        return [fn(item) for item in items]
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():  # a forked child has no pool threads
        _pool = ThreadPoolExecutor(max(1, _MAX_THREADS - 1), "tinycnn-chunks",
                                   initializer=_mark_worker)
        _pool_pid = os.getpid()
    # One BLAS thread from now on (until `_machine_busy` resets it), not only for these
    # chunks: after each product OpenBLAS's extra threads spin for a while, waiting for
    # more work, and took a core from the chunk threads (SimpleCNN training 1.3x slower
    # when BLAS went back to two threads between the convolutions).
    _set_blas_threads(1)
    # one task per thread, each a contiguous run of items (a task per item cost more in
    # hand-overs than DeDiosNet 2's small chunks take); the calling thread does the first
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


@njit(cache=True, nogil=True)
def _inside(offset: int, step: int, size: int, n_out: int) -> tuple[int, int]:
    """Outputs j in [lo, hi) whose tap ``j*step + offset`` falls inside [0, size)."""
    lo = min(n_out, (-offset + step - 1) // step) if offset < 0 else 0  # ceil(-offset/step)
    hi = min(n_out, (size - offset + step - 1) // step)  # ceil((size - offset) / step)
    return lo, max(lo, hi)


# --- im2col / col2im -----------------------------------------------------------------------


@kernel(cost=2)
def _im2col(xp, kh, kw, sh, sw, dh, dw, oh, ow, cols):  # pragma: no cover - numba
    """im2col of an input that is already zero-padded: every tap is inside xp."""
    n_img, c_in = xp.shape[:2]
    area = oh * ow
    # one task = one row of cols (a channel and a tap) for all images
    for r in prange(c_in * kh * kw):
        c = r // (kh * kw)
        ki = (r // kw) % kh
        kj = r % kw
        for n in range(n_img):
            for i in range(oh):
                o = n * area + i * ow
                row = uintp(i * sh + ki * dh)
                for j in range(ow):
                    cols[r, uintp(o + j)] = xp[n, c, row, uintp(j * sw + kj * dw)]


@kernel(cost=2)
def _col2im(cols, kh, kw, sh, sw, dh, dw, oh, ow, gxp):  # pragma: no cover - numba
    """col2im into a zero-padded gradient gxp: every tap is inside it."""
    n_img, c_in = gxp.shape[:2]
    area = oh * ow
    # one task = one channel: its rows of cols are read in order and added into gxp[:, c],
    # which no other task touches (the scatter-add never collides)
    for c in prange(c_in):
        for ki in range(kh):
            for kj in range(kw):
                r = (c * kh + ki) * kw + kj
                for n in range(n_img):
                    for i in range(oh):
                        o = n * area + i * ow
                        row = uintp(i * sh + ki * dh)
                        for j in range(ow):
                            gxp[n, c, row, uintp(j * sw + kj * dw)] += cols[r, uintp(o + j)]


def _padded_size(size: Pair, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
                 out_size: Pair) -> Pair:
    """(rows, columns) of the zero-padded input: the leading padding plus whatever the
    last window reaches (at least the whole image)."""
    return (max(size[0] + padding[0], (out_size[0] - 1) * stride[0] + (kh - 1) * dilation[0] + 1),
            max(size[1] + padding[1], (out_size[1] - 1) * stride[1] + (kw - 1) * dilation[1] + 1))


def _zero_padded(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
                 out_size: Pair) -> np.ndarray:
    """x with ``padding`` zeros before and as many after as the output needs."""
    n, c, h, w = x.shape
    ph, pw = padding
    hp, wp = _padded_size((h, w), kh, kw, stride, padding, dilation, out_size)
    if (ph, pw, hp, wp) == (0, 0, h, w):
        return np.ascontiguousarray(x)
    xp = np.zeros((n, c, hp, wp), dtype=x.dtype)
    xp[:, :, ph:ph + h, pw:pw + w] = x
    return xp


def im2col(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
           out_size: Pair) -> np.ndarray:
    # Copying the input into a zero-padded array first costs one small pass, and lets the
    # copy loop run without bounds tests: measured 1.2-2.5x faster over the zoo's layers
    # (most for small images, whose short rows made the tests dominate).
    n, c = x.shape[:2]
    cols = np.empty((c * kh * kw, n * out_size[0] * out_size[1]), dtype=x.dtype)
    xp = _zero_padded(x, kh, kw, stride, padding, dilation, out_size)
    _run(_im2col, cols.size, xp, kh, kw, *stride, *dilation, *out_size, cols)
    return cols


def col2im(cols: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
           dilation: Pair, out_size: Pair) -> np.ndarray:
    # summed into a zero-padded gradient (no bounds tests, as in im2col), then cropped
    n, c, h, w = x_shape
    ph, pw = padding
    hp, wp = _padded_size((h, w), kh, kw, stride, padding, dilation, out_size)
    gxp = np.zeros((n, c, hp, wp), dtype=cols.dtype)
    _run(_col2im, cols.size, np.ascontiguousarray(cols), kh, kw, *stride, *dilation,
         *out_size, gxp)
    if (ph, pw, hp, wp) == (0, 0, h, w):
        return gxp
    return np.ascontiguousarray(gxp[:, :, ph:ph + h, pw:pw + w])


# --- im2col / col2im with the batch innermost, for tiny images -----------------------------
# On a 4x4 image every row of columns is made of 4-pixel pieces, and the copy loop spends
# its time starting and ending them. With the images of a chunk side by side in the
# innermost axis (the input transposed to (C, H, W, N) first), each piece is N values
# long: im2col 2.3-2.7x faster for report 004's 3x3 layers on 4x4 images (chunks of 32,
# the transpose included), the whole layer ~10% (192->192: 4.4-4.5 -> 3.9-4.0 ms forward),
# a reduced AlexNet step ~5%. On 8x8 images im2col gained 1.4x, but reordering the
# product and the gradient cost as much (48->128 5x5 layer: 8.3-8.8 vs 7.9-8.2 ms).
TINY_IMAGE = 16  # output pixels per image (4 x 4) up to which convolutions use this layout


@kernel(cost=2)
def _im2col_bi(xt, kh, kw, sh, sw, dh, dw, oh, ow, cols):  # pragma: no cover - numba
    """cols[(c*kh + ki)*kw + kj, (i*ow + j)*N + n] = xt[c, i*sh + ki*dh, j*sw + kj*dw, n];
    xt: zero-padded input with the batch innermost, (C, HP, WP, N)."""
    c_in, n_img = xt.shape[0], xt.shape[3]
    for r in prange(c_in * kh * kw):
        c = r // (kh * kw)
        ki = (r // kw) % kh
        kj = r % kw
        for i in range(oh):
            row = uintp(i * sh + ki * dh)
            for j in range(ow):
                src = xt[c, row, uintp(j * sw + kj * dw)]
                o = (i * ow + j) * n_img
                for n in range(n_img):
                    cols[r, uintp(o + n)] = src[n]


@kernel(cost=2)
def _col2im_bi(cols, kh, kw, sh, sw, dh, dw, oh, ow, gxt):  # pragma: no cover - numba
    """The adjoint of `_im2col_bi`: gxt[c, ...] += the columns of channel c."""
    c_in, n_img = gxt.shape[0], gxt.shape[3]
    for c in prange(c_in):  # one task per channel: no two tasks add into one pixel
        for ki in range(kh):
            for kj in range(kw):
                r = (c * kh + ki) * kw + kj
                for i in range(oh):
                    row = uintp(i * sh + ki * dh)
                    for j in range(ow):
                        dst = gxt[c, row, uintp(j * sw + kj * dw)]
                        o = (i * ow + j) * n_img
                        for n in range(n_img):
                            dst[n] += cols[r, uintp(o + n)]


def im2col_batch_inner(x: Any, kh: int, kw: int, stride: Pair, padding: Pair,
                       dilation: Pair, out_size: Pair) -> np.ndarray:
    """`im2col` with the columns in (pixel, image) order: x (N, C, H, W) ->
    (C*kh*kw, oh*ow*N), column ``(i*ow + j)*N + n`` is output pixel (i, j) of image n."""
    n, c, h, w = x.shape
    ph, pw = padding
    hp, wp = _padded_size((h, w), kh, kw, stride, padding, dilation, out_size)
    xt = np.zeros((c, hp, wp, n), dtype=x.dtype)
    xt[:, ph:ph + h, pw:pw + w, :] = x.transpose(1, 2, 3, 0)
    cols = np.empty((c * kh * kw, n * out_size[0] * out_size[1]), dtype=x.dtype)
    _run(_im2col_bi, cols.size, xt, kh, kw, *stride, *dilation, *out_size, cols)
    return cols


def col2im_batch_inner(cols: Any, x_shape: tuple, kh: int, kw: int, stride: Pair,
                       padding: Pair, dilation: Pair, out_size: Pair) -> np.ndarray:
    """Adjoint of `im2col_batch_inner`: cols (C*kh*kw, oh*ow*N) -> (N, C, H, W)."""
    n, c, h, w = x_shape
    ph, pw = padding
    hp, wp = _padded_size((h, w), kh, kw, stride, padding, dilation, out_size)
    gxt = np.zeros((c, hp, wp, n), dtype=cols.dtype)
    _run(_col2im_bi, cols.size, np.ascontiguousarray(cols), kh, kw, *stride, *dilation,
         *out_size, gxt)
    return np.ascontiguousarray(gxt[:, ph:ph + h, pw:pw + w, :].transpose(3, 0, 1, 2))


# --- direct convolution for layers with few channels ---------------------------------------
# A first layer such as DeDiosNet 2's 3->8 5x5 has few output channels, so its im2col
# product does two multiply-adds per column value and is limited by writing and reading
# the columns (75 x 65536 floats for a batch of 64). Computed directly from the padded
# input, without columns, it ran 1.7-1.9x faster (DeDiosNet 2's 3->8 and LeNet-5's 1->6
# layers). It loses once there are more channels to share each column (3->64: 1.2x
# slower) and with strides (the input is then read with gaps and does not vectorize:
# 5x slower for report 004's stride-2 layer).
DIRECT_MAX_OUT = 16  # output channels
DIRECT_MAX_TAPS = 100  # input channels x kernel height x kernel width


@kernel(fastmath={"contract"})
def _conv_direct(xp, w, b, out):  # pragma: no cover - numba
    """out[n, o, i, j] = b[o] + sum over c, ki, kj of w[o, c, ki, kj] * xp[n, c, i+ki, j+kj].

    xp: zero-padded input (N, C, HP, WP); w: (O4, C, KH, KW), its output channels padded
    with zeros to a multiple of 4; b: (O4,); out: (N, O, OH, OW). One task = 4 output
    channels of one image; each input value loaded feeds four rows of sums (``acc``),
    and the loop over the row (j) vectorizes.
    """
    n_img, c_in = xp.shape[:2]
    o_ch, oh, ow = out.shape[1:]
    kh, kw = w.shape[2:]
    blocks = w.shape[0] // 4
    for task in prange(n_img * blocks):
        n = task // blocks
        o = task % blocks * 4
        acc = np.empty((4, ow), dtype=out.dtype)
        for i in range(oh):
            for q in range(4):
                for j in range(ow):
                    acc[q, j] = b[o + q]
            for c in range(c_in):
                for ki in range(kh):
                    row = xp[n, c, uintp(i + ki)]
                    for kj in range(kw):
                        w0, w1 = w[o, c, ki, kj], w[o + 1, c, ki, kj]
                        w2, w3 = w[o + 2, c, ki, kj], w[o + 3, c, ki, kj]
                        for j in range(ow):
                            v = row[uintp(j + kj)]
                            acc[0, j] += w0 * v
                            acc[1, j] += w1 * v
                            acc[2, j] += w2 * v
                            acc[3, j] += w3 * v
            for q in range(min(4, o_ch - o)):
                for j in range(ow):
                    out[n, o + q, i, j] = acc[q, j]


def conv2d_direct(x: Any, w: Any, b: Any, stride: Pair, padding: Pair, dilation: Pair,
                  out_size: Pair) -> np.ndarray | None:
    """conv2d(x, w, b) computed without columns, for layers where that is faster (see
    `DIRECT_MAX_OUT`); None, doing nothing, for any other layer, grouped ones included
    (the caller then uses im2col). x: (N, C, H, W), w: (O, C/groups, KH, KW), b: (O,) or
    None."""
    o, c, kh, kw = w.shape
    if (stride != (1, 1) or dilation != (1, 1) or o > DIRECT_MAX_OUT
            or c * kh * kw > DIRECT_MAX_TAPS or c != x.shape[1]):
        return None
    blocks = -(-o // 4)
    w4 = np.zeros((4 * blocks, c, kh, kw), dtype=x.dtype)
    w4[:o] = w
    b4 = np.zeros(4 * blocks, dtype=x.dtype)
    if b is not None:
        b4[:o] = b
    xp = _zero_padded(x, kh, kw, stride, padding, dilation, out_size)
    out = np.empty((x.shape[0], o) + tuple(out_size), dtype=x.dtype)
    _run(_conv_direct, out.size * c * kh * kw, xp, w4, b4, out)
    return out


# --- max pooling --------------------------------------------------------------------------------


@kernel(cost=8)
def _maxpool_fwd(x, kh, kw, sh, sw, ph, pw, dh, dw, y, arg):  # pragma: no cover - numba
    planes, h, w = x.shape
    _, oh, ow = y.shape
    # outputs whose window lies wholly inside the image (no padding taps): rows
    # [i_lo, i_hi), columns [j_lo, j_hi). They take a loop without bounds tests
    # (measured 1.3x faster for ResNet's 3x3/stride-2 pool); the border takes the full one.
    i_lo, i_hi = _inside(-ph, sh, h - (kh - 1) * dh, oh)
    j_lo, j_hi = _inside(-pw, sw, w - (kw - 1) * dw, ow)
    for p in prange(planes):
        for i in range(oh):
            r0 = i * sh - ph
            inner_row = i_lo <= i < i_hi
            for j in range(ow):
                c0 = j * sw - pw
                if inner_row and j_lo <= j < j_hi:
                    best = x[p, uintp(r0), uintp(c0)]
                    where = r0 * w + c0
                    for ki in range(kh):
                        r = uintp(r0 + ki * dh)
                        for kj in range(kw):
                            c = uintp(c0 + kj * dw)
                            v = x[p, r, c]
                            if v > best or v != v:  # NaN always wins (PyTorch)
                                best = v
                                where = r * w + c
                    y[p, i, j] = best
                    arg[p, i, j] = where
                    continue
                best = -np.inf
                where = -1
                for ki in range(kh):
                    r = r0 + ki * dh
                    if r < 0 or r >= h:
                        continue
                    for kj in range(kw):
                        c = c0 + kj * dw
                        if c < 0 or c >= w:
                            continue
                        v = x[p, uintp(r), uintp(c)]
                        # first in-bounds tap starts the race; NaN always wins (PyTorch)
                        if where < 0 or v > best or v != v:
                            best = v
                            where = r * w + c
                y[p, i, j] = best
                arg[p, i, j] = where


@kernel(cost=2)
def _maxpool_fwd_2x2(x, y, arg):  # pragma: no cover - numba
    """The common 2x2, stride-2 window without padding, unrolled (7x faster)."""
    planes, h, w = x.shape
    _, oh, ow = y.shape
    for p in prange(planes):
        for i in range(oh):
            r = 2 * i
            for j in range(ow):
                c = 2 * j
                best, where = x[p, r, c], r * w + c
                for dr, dc in ((0, 1), (1, 0), (1, 1)):
                    v = x[p, r + dr, c + dc]
                    if v > best or v != v:
                        best, where = v, (r + dr) * w + c + dc
                y[p, i, j] = best
                arg[p, i, j] = where


@kernel(cost=1.5)
def _maxpool_bwd(gy, arg, gx):  # pragma: no cover - numba
    planes, length = gy.shape
    for p in prange(planes):
        for k in range(length):
            gx[p, uintp(arg[p, k])] += gy[p, k]


def maxpool2d_forward(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, dilation: Pair,
                      out_size: Pair) -> tuple[np.ndarray, np.ndarray]:
    n, c, h, w = x.shape
    y = np.empty((n * c,) + tuple(out_size), dtype=x.dtype)
    arg = np.empty((n * c,) + tuple(out_size), dtype=np.int32)
    planes = np.ascontiguousarray(x).reshape(n * c, h, w)
    if (kh, kw, stride, padding, dilation) == (2, 2, (2, 2), (0, 0), (1, 1)) and \
            2 * out_size[0] <= h and 2 * out_size[1] <= w:
        _run(_maxpool_fwd_2x2, x.size, planes, y, arg)
    else:
        _run(_maxpool_fwd, x.size, planes, kh, kw, *stride, *padding, *dilation, y, arg)
    return y.reshape(n, c, *out_size), arg.reshape(n, c, *out_size)


def maxpool2d_backward(gy: Any, argmax: Any, x_shape: tuple) -> np.ndarray:
    n, c, h, w = x_shape
    gx = np.zeros((n * c, h * w), dtype=gy.dtype)
    _run(_maxpool_bwd, gx.size, np.ascontiguousarray(gy).reshape(n * c, -1),
         np.ascontiguousarray(argmax).reshape(n * c, -1), gx)
    return gx.reshape(x_shape)


# --- average pooling ----------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _window(i, s, p, k, size):  # pragma: no cover - numba
    """Window of output i: (clipped start, clipped end, extent counting the padding)."""
    start = i * s - p
    end = min(start + k, size + p)
    return max(start, 0), min(end, size), end - start


@kernel(cost=8)
def _avgpool(x, gy, forward, kh, kw, sh, sw, ph, pw, include_pad, override, out):
    """Forward: out[p, i, j] = mean of x's window; backward: out[window] += gy[p, i, j]/div.

    One loop serves both directions because both visit the same windows with the same
    divisors; ``forward`` picks which way the values flow.
    """
    if forward:
        planes, oh, ow = out.shape
        h, w = x.shape[1], x.shape[2]
    else:
        planes, oh, ow = gy.shape
        h, w = out.shape[1], out.shape[2]
    for p in prange(planes):
        for i in range(oh):
            r0, r1, eh = _window(i, sh, ph, kh, h)
            for j in range(ow):
                c0, c1, ew = _window(j, sw, pw, kw, w)
                if override > 0:
                    div = override
                elif include_pad:
                    div = eh * ew
                else:
                    div = (r1 - r0) * (c1 - c0)
                if r1 <= r0 or c1 <= c0:
                    if forward:
                        out[p, i, j] = 0
                    continue
                if forward:
                    total = 0.0
                    for r in range(r0, r1):
                        for c in range(c0, c1):
                            total += x[p, uintp(r), uintp(c)]
                    out[p, i, j] = total / div
                else:
                    share = gy[p, i, j] / div
                    for r in range(r0, r1):
                        for c in range(c0, c1):
                            out[p, uintp(r), uintp(c)] += share


def avgpool2d_forward(x: Any, kh: int, kw: int, stride: Pair, padding: Pair, out_size: Pair,
                      count_include_pad: bool = True,
                      divisor_override: int | None = None) -> np.ndarray:
    n, c, h, w = x.shape
    y = np.empty((n * c,) + tuple(out_size), dtype=x.dtype)
    planes = np.ascontiguousarray(x).reshape(n * c, h, w)
    _run(_avgpool, x.size, planes, y, True, kh, kw, *stride, *padding, bool(count_include_pad),
             int(divisor_override or 0), y)
    return y.reshape(n, c, *out_size)


def avgpool2d_backward(gy: Any, x_shape: tuple, kh: int, kw: int, stride: Pair, padding: Pair,
                       count_include_pad: bool = True,
                       divisor_override: int | None = None) -> np.ndarray:
    n, c, h, w = x_shape
    gx = np.zeros((n * c, h, w), dtype=gy.dtype)
    g = np.ascontiguousarray(gy).reshape(n * c, *gy.shape[2:])
    _run(_avgpool, gx.size, gx, g, False, kh, kw, *stride, *padding, bool(count_include_pad),
             int(divisor_override or 0), gx)
    return gx.reshape(x_shape)


# --- ReLU ---------------------------------------------------------------------------------------
# One pass each. NumPy's ``maximum`` checks every element for NaN (forward 1.0x-1.9x
# slower than this loop) and ``g * (y > 0)`` makes a mask first (2x slower).


@kernel(cost=0.75)
def _relu_fwd(x, y):  # pragma: no cover - numba
    for k in prange(x.size):
        v = x[k]
        y[k] = v if v > 0 or v != v else 0  # NaN stays NaN


@kernel(cost=0.75)
def _relu_bwd(g, y, gx):  # pragma: no cover - numba
    for k in prange(g.size):
        gx[k] = 0 if y[k] <= 0 else g[k]


def relu_forward(x: Any) -> np.ndarray:
    y = np.empty(x.shape, dtype=x.dtype)
    _run(_relu_fwd, x.size, np.ascontiguousarray(x).reshape(-1), y.reshape(-1))
    return y


def relu_backward(g: Any, y: Any) -> np.ndarray:
    gx = np.empty(g.shape, dtype=g.dtype)
    _run(_relu_bwd, g.size, np.ascontiguousarray(g).reshape(-1),
         np.ascontiguousarray(y).reshape(-1), gx.reshape(-1))
    return gx


# --- erf ----------------------------------------------------------------------------------------


@kernel(cost=16)
def _erf(x, out):  # pragma: no cover - numba
    for k in prange(x.size):
        out[k] = math.erf(x[k])


def erf(x: Any) -> np.ndarray:
    out = np.empty(x.shape, dtype=x.dtype)
    _run(_erf, x.size, np.ascontiguousarray(x).reshape(-1), out.reshape(-1))
    return out


# --- batch normalization ------------------------------------------------------------------------
# One task = one channel; each pass reads its planes x[n, c, :] in order. The sums are
# accumulated in float64; ``fastmath`` lets numba reorder them so that they vectorize.
# NumPy's version (reference.py) makes about 8 passes over the activations forward and
# 9 backward, with temporaries; these make 3 and 2.
_SUMS = {"reassoc", "nsz"}


@kernel(cost=2, fastmath=_SUMS)
def _bn_stats(x, mean, var):  # pragma: no cover - numba
    n_img, channels, size = x.shape
    m = n_img * size
    for c in prange(channels):
        total = 0.0
        for n in range(n_img):
            for s in range(size):
                total += x[n, c, s]
        mu = total / m
        sq = 0.0
        for n in range(n_img):
            for s in range(size):
                d = x[n, c, s] - mu
                sq += d * d
        mean[c] = mu
        var[c] = sq / m


@kernel(cost=2)
def _bn_forward(x, mean, invstd, weight, bias, y, xhat):  # pragma: no cover - numba
    n_img, channels, size = x.shape
    for c in prange(channels):
        mu, k, w, b = mean[c], invstd[c], weight[c], bias[c]
        for n in range(n_img):
            for s in range(size):
                h = (x[n, c, s] - mu) * k
                xhat[n, c, s] = h
                y[n, c, s] = h * w + b


@kernel(cost=4, fastmath=_SUMS)
def _bn_backward(gy, xhat, scale, training, gx, sum_g, sum_gx):  # pragma: no cover - numba
    n_img, channels, size = gy.shape
    m = n_img * size
    for c in prange(channels):
        sg = 0.0
        sgx = 0.0
        for n in range(n_img):
            for s in range(size):
                g = gy[n, c, s]
                sg += g
                sgx += g * xhat[n, c, s]
        sum_g[c] = sg
        sum_gx[c] = sgx
        k = scale[c]
        if training:
            mg, mgx = sg / m, sgx / m
            for n in range(n_img):
                for s in range(size):
                    gx[n, c, s] = (gy[n, c, s] - mg - xhat[n, c, s] * mgx) * k
        else:
            for n in range(n_img):
                for s in range(size):
                    gx[n, c, s] = gy[n, c, s] * k


def batchnorm_stats(x: Any) -> tuple[np.ndarray, np.ndarray]:
    mean = np.empty(x.shape[1], dtype=x.dtype)
    var = np.empty(x.shape[1], dtype=x.dtype)
    _run(_bn_stats, x.size, np.ascontiguousarray(x), mean, var)
    return mean, var


def batchnorm_forward(x: Any, mean: Any, invstd: Any, weight: Any,
                      bias: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.empty(x.shape, dtype=x.dtype)
    xhat = np.empty(x.shape, dtype=x.dtype)
    _run(_bn_forward, x.size, np.ascontiguousarray(x), mean, invstd, weight, bias, y, xhat)
    return y, xhat


def batchnorm_backward(gy: Any, xhat: Any, scale: Any,
                       training: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    gx = np.empty(gy.shape, dtype=gy.dtype)
    sum_g = np.empty(gy.shape[1], dtype=gy.dtype)
    sum_gx = np.empty(gy.shape[1], dtype=gy.dtype)
    _run(_bn_backward, gy.size, np.ascontiguousarray(gy), np.ascontiguousarray(xhat), scale,
         bool(training), gx, sum_g, sum_gx)
    return gx, sum_g, sum_gx


# --- Adam ---------------------------------------------------------------------------------------
# The whole update in one pass over the five arrays instead of NumPy's 13 passes over
# blocks (`tinycnn.optim.Adam`); the same operations in the same order, in the arrays'
# dtype (the scalars come in as that dtype), so the results match the NumPy version.


# No serial twin: as a plain loop it does not vectorize (five arrays that may alias, vmax
# even is v without AMSGrad), while the parallel version's loop body is compiled with its
# arrays marked as not aliasing: the twin was 7.5x slower (843 vs 112 us, 256 Ki floats).
@kernel(cost=4, twin=False)
def _adam(p, g, m, v, vmax, amsgrad, one_minus_b1, b2, one_minus_b2, step_size, bias2,
          eps):  # pragma: no cover - numba
    for k in prange(p.size):
        gk = g[k]
        mk = m[k] + (gk - m[k]) * one_minus_b1
        m[k] = mk
        vk = v[k] * b2 + gk * gk * one_minus_b2
        v[k] = vk
        if amsgrad:
            vk = max(vmax[k], vk)
            vmax[k] = vk
        p[k] -= mk / (np.sqrt(vk) / bias2 + eps) * step_size


def adam_update(p: Any, g: Any, m: Any, v: Any, vmax: Any, beta1: float, beta2: float,
                step_size: float, bias2: float, eps: float) -> bool:
    """One Adam step in place on p, m, v (and vmax, the AMSGrad maximum, unless None);
    see `tinycnn.optim.Adam`. Returns False, touching nothing, unless every array is a
    C-contiguous NumPy array of p's dtype (the caller then runs its NumPy passes)."""
    arrays = (p, g, m, v) if vmax is None else (p, g, m, v, vmax)
    if not all(isinstance(a, np.ndarray) and a.flags.c_contiguous and a.dtype == p.dtype
               and a.size == p.size for a in arrays):
        return False
    t = p.dtype.type
    flat = [a.reshape(-1) for a in arrays]
    _run(_adam, p.size, *flat[:4], flat[4] if vmax is not None else flat[3], vmax is not None,
         t(1 - beta1), t(beta2), t(1 - beta2), t(step_size), t(bias2), t(eps))
    return True
