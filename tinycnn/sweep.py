"""Run any grid of configurations in parallel processes (joblib), locally or on Dask.

A sweep is one function called once per configuration: a learning-rate x step-size grid,
a conv-layers x FC-layers grid (reports 002 and 003 use it through
examples/reports/harness.py), seeds for a variance estimate. ``grid`` builds the
configurations; ``sweep`` runs them with joblib in separate processes (each with its own
BLAS threads) and returns one row per configuration, in order. The same call runs on a
Dask cluster through joblib's Dask backend::

    from tinycnn.sweep import grid, sweep

    def train_one(lr, step):                          # a module-level function
        ...
        return {"val_acc": acc}

    rows = sweep(train_one, grid(lr=[1e-3, 1e-2], step=[10, 20]), n_jobs=4)

    from dask.distributed import Client
    client = Client("tcp://scheduler:8786")          # or Client() for a local cluster
    rows = sweep(train_one, grid(lr=[1e-3, 1e-2], step=[10, 20]), backend="dask")

``fn`` must be a module-level function (it is pickled to the worker processes by joblib; the
results travel back the same way, so return plain numbers/strings/lists).
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable
from typing import Any


def grid(**axes: Iterable[Any]) -> list[dict[str, Any]]:
    """Every combination of the given values: ``grid(a=[1, 2], b=[3])`` -> [{a:1,b:3}, {a:2,b:3}]."""
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*(list(axes[n]) for n in names))]


def _run_one(fn: Callable[..., Any], config: dict[str, Any], threads: int | None) -> dict[str, Any]:
    if threads is not None:  # keep n_jobs processes x BLAS threads within the machine's cores
        from threadpoolctl import threadpool_limits  # noqa: PLC0415

        with threadpool_limits(limits=threads):
            return _timed(fn, config)
    return _timed(fn, config)


def _timed(fn: Callable[..., Any], config: dict[str, Any]) -> dict[str, Any]:
    start = time.perf_counter()
    result = fn(**config)
    row = dict(config)
    if isinstance(result, dict):
        row.update(result)
    else:
        row["result"] = result
    row.setdefault("seconds", time.perf_counter() - start)
    return row


def sweep(fn: Callable[..., Any], configs: Iterable[dict[str, Any]], n_jobs: int = -1,
          backend: str = "loky", threads_per_job: int | None = None,
          verbose: int = 0) -> list[dict[str, Any]]:
    """Call ``fn(**config)`` for every config, in parallel; return one row per config, in order.

    Each row is the config plus the result (a dict's items are merged in, anything else is
    stored under ``"result"``) and ``"seconds"``. ``backend`` is a joblib backend name:
    ``"loky"`` (local processes, the default), ``"threading"``, ``"sequential"`` or ``"dask"``
    (needs ``dask.distributed`` and a connected ``Client``). ``threads_per_job`` caps the BLAS
    threads of each worker (by default: cores // n_jobs, at least 1).
    """
    import joblib  # noqa: PLC0415

    configs = list(configs)
    if not configs:
        return []
    for i, c in enumerate(configs):
        if not isinstance(c, dict):
            raise TypeError(f"configs[{i}] must be a dict of keyword arguments, got {type(c).__name__}")
    if backend == "sequential":
        return [_run_one(fn, c, threads_per_job) for c in configs]
    if backend == "dask":
        try:
            import distributed  # noqa: F401, PLC0415  (registers joblib's dask backend)
        except ImportError as e:
            raise ImportError("backend='dask' needs dask.distributed: pip install 'tinycnn[dask]'") from e
    jobs = (os.cpu_count() or 1) if n_jobs in (-1, None) else n_jobs
    if threads_per_job is None and backend != "dask":
        threads_per_job = max(1, (os.cpu_count() or 1) // max(1, min(jobs, len(configs))))
    with joblib.parallel_config(backend=backend, n_jobs=jobs, verbose=verbose):
        return list(joblib.Parallel()(joblib.delayed(_run_one)(fn, c, threads_per_job)
                                      for c in configs))
