"""Machine-side measurements: CPU load, peak memory (RSS), the GEMM peak.

Used by `benchmarks.run`. On this project's 2-core machine one busy core halves what
the other process gets, so every figure carries the load measured around it.
"""

from __future__ import annotations

import os
import time

from tinycnn.kernels.cpu.machine import cpu_times


def blas_name() -> str:
    """NumPy's BLAS and the kernels it picked for this CPU, e.g. "openblas 0.3.31
    (SkylakeX kernels)": OpenBLAS's choice (``OPENBLAS_CORETYPE`` overrides it) moves
    tinycnn's GEMM speed by 5-25% on this benchmark's machine (docs/performance.md)."""
    try:
        from threadpoolctl import threadpool_info  # noqa: PLC0415 (scikit-learn's dependency)
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    import numpy  # noqa: F401, PLC0415  (loads the BLAS library)

    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not blas:
        return "unknown"
    info = blas[0]
    arch = f" ({info['architecture']} kernels)" if info.get("architecture") else ""
    return f"{info['internal_api']} {info.get('version') or ''}{arch}"


def load_average() -> float:
    """The 1-minute load average (0.0 where the OS does not report it)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def children_cpu() -> float:
    """CPU seconds used so far by this process's finished children."""
    t = os.times()
    return t.children_user + t.children_system


class OtherLoad:
    """Cores kept busy by *other* processes while a child measurement runs::

        with OtherLoad() as load:
            subprocess.run(...)
        load.cores   # e.g. 0.05 on an idle machine, ~1.0 when another process spins

    machine busy time minus the children's CPU time (and this process's own), per
    second of wall time.
    """

    def __enter__(self) -> OtherLoad:
        self._cpu, self._child, self._own = cpu_times(), children_cpu(), time.process_time()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self._wall
        now = cpu_times()
        if now is None or self._cpu is None or wall <= 0:
            self.cores = 0.0
            return
        ncpu = os.cpu_count() or 1
        busy = (now[1] - self._cpu[1]) / (now[0] - self._cpu[0]) * ncpu * wall \
            if now[0] > self._cpu[0] else 0.0
        ours = (children_cpu() - self._child) + (time.process_time() - self._own)
        self.cores = max(0.0, (busy - ours) / wall)


def other_load_now(seconds: float = 0.5) -> float:
    """Cores kept busy by other processes over the next ``seconds``."""
    with OtherLoad() as load:
        time.sleep(seconds)
    return load.cores


def rss_bytes(field: str = "VmRSS") -> int:
    """This process's resident memory (``VmRSS``) or its peak (``VmHWM``), in bytes."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource  # noqa: PLC0415  (fallback: peak only, and in KiB on Linux)

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak_rss() -> bool:
    """Restart the ``VmHWM`` peak from the current RSS (Linux >= 4.0); False if unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def gemm_peak(n: int = 2048, seconds: float = 1.0, device: str = "cpu") -> float:
    """Best GFLOP/s of an (n x n) @ (n x n) float32 product: NumPy's BLAS on the CPU,
    CuPy's cuBLAS (n = 8192, plain float32 unless CUPY_TF32=1) on the GPU."""
    import numpy as np  # noqa: PLC0415

    xp, sync = np, (lambda: None)
    if device == "cuda":
        import cupy as xp  # noqa: PLC0415

        n, sync = max(n, 8192), xp.cuda.Device().synchronize
    a = xp.asarray(np.random.default_rng(0).standard_normal((n, n), dtype=np.float32))
    b = a.T.copy()
    out = xp.empty_like(a)
    xp.matmul(a, b, out=out)
    sync()
    best, start = float("inf"), time.perf_counter()
    while time.perf_counter() - start < seconds:
        t = time.perf_counter()
        xp.matmul(a, b, out=out)
        sync()
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


_FIRST_CALL = """
import time
t0 = time.perf_counter()
import numpy as np
import tinycnn
t1 = time.perf_counter()
model = tinycnn.models.lenet5()
x = tinycnn.tensor(np.zeros((2, 1, 28, 28), np.float32))
model(x).sum().backward()
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def first_call_seconds(repeats: int = 3) -> tuple[float, float]:
    """Median seconds, in fresh processes, of ``import tinycnn`` and of the first LeNet-5
    forward + backward after it (numba kernels loaded from their on-disk cache)."""
    import statistics  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    runs = [tuple(float(v) for v in subprocess.run(
        [sys.executable, "-c", _FIRST_CALL], check=True, capture_output=True,
        text=True).stdout.split()) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
