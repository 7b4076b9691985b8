"""One measurement in a fresh process: ``python -m benchmarks.worker tinycnn lenet5 train``.

Prints one JSON line: per-step seconds, images per step, peak memory, and (PyTorch only)
the FLOPs of one step. Mode ``profile`` (``python -m benchmarks.worker tinycnn lenet5
profile``) prints tinycnn's per-op time shares of a training step instead.
Each framework runs alone in its own process because OpenBLAS's, numba's and PyTorch's
thread pools fight over the cores when they share one.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from typing import Any

from . import measure
from .nets import NETS, NetSpec, build_tinycnn, build_torch

# how the profiler's entries are grouped for the report (first match wins)
CATEGORIES = (
    ("im2col", ("im2col",)),
    ("col2im", ("col2im",)),
    ("depthwise conv", ("DepthwiseConv2d",)),
    ("conv fwd (GEMM)", ("Conv2d.forward", "conv2d_forward")),
    ("conv bwd (GEMM)", ("Conv2d.backward", "conv2d_backward")),
    ("pooling", ("pool",)),
    ("BN", ("BatchNorm",)),
    ("linear", ("Linear.",)),
    ("activation", ("ReLU.", "ReLU6.")),
    ("loss", ("CrossEntropy.",)),
    ("optimizer", ("optimizer",)),
)


def category(entry: str) -> str:
    for name, keys in CATEGORIES:
        if any(k.lower() in entry.lower() for k in keys):
            return name
    return "other ops"


def _setup(framework: str, net: str, mode: str, device: str,
           batch: int = 0) -> tuple[Any, Any, Any]:
    """(library, model, step function) for one case; the inputs are fixed random data
    (``batch`` images, or the net's default batch when 0)."""
    import numpy as np  # noqa: PLC0415

    spec = spec_with_batch(net, batch)
    gen = np.random.default_rng(0)
    x = gen.standard_normal((spec.batch,) + spec.shape, dtype=np.float32)
    y = gen.integers(0, spec.classes, spec.batch)
    if framework == "torch":
        import torch as lib  # noqa: PLC0415

        lib.manual_seed(0)
        # plain float32 convolutions unless --tf32: cuDNN would otherwise use TF32 tensor
        # cores, 10-bit mantissas, which tinycnn's float32 GEMMs do not
        lib.backends.cudnn.allow_tf32 = lib.backends.cuda.matmul.allow_tf32 = tf32_wanted()
        model = build_torch(spec).to(device)
        xt, yt = lib.from_numpy(x).to(device), lib.from_numpy(y).to(device)
        sync = lib.cuda.synchronize if device == "cuda" else (lambda: None)
    else:
        import tinycnn as lib  # noqa: PLC0415

        lib.manual_seed(0)
        model = build_tinycnn(spec).to(device)
        xt, yt = lib.tensor(x, device=device), lib.tensor(y, device=device)
        sync = lib.cuda.synchronize if device == "cuda" else (lambda: None)
    if mode == "train":
        model.train()
        opt = lib.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = lib.nn.CrossEntropyLoss()

        def step(region: Any = None, xb: Any = xt, yb: Any = yt) -> None:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            if region is None:
                opt.step()
            else:
                with region("optimizer"):
                    opt.step()
            sync()
    else:
        model.eval()

        def step(region: Any = None, xb: Any = xt, yb: Any = yt) -> None:
            with lib.no_grad():
                model(xb)
            sync()
    # one step on a single image first: it pays the one-off costs (compiled kernels
    # loaded, the optimizer's state, the libraries' lazy set-up) outside the measured
    # memory, with almost no activations
    step(None, xt[:1], yt[:1])
    return lib, model, step


def spec_with_batch(net: str, batch: int) -> NetSpec:
    """The benchmark case ``net``, with its batch size replaced by ``batch`` unless 0."""
    spec = NETS[net]
    return dataclasses.replace(spec, batch=batch) if batch else spec


def tf32_wanted() -> bool:
    """Whether this run allows TF32 matrix products (CUPY_TF32=1, set by ``--tf32``)."""
    return os.environ.get("CUPY_TF32") == "1"


def _gpu_pool_bytes(framework: str) -> int:
    """GPU memory the library's caching allocator holds (it keeps its peak)."""
    if framework == "torch":
        import torch  # noqa: PLC0415

        return torch.cuda.memory_reserved()
    import cupy  # noqa: PLC0415

    return cupy.get_default_memory_pool().total_bytes()


def run(framework: str, net: str, mode: str, steps: int, warmup: int, device: str,
        batch: int = 0) -> dict:
    lib, model, step = _setup(framework, net, mode, device, batch)
    # step memory: RSS growth on the CPU; on the GPU the growth of the memory the caching
    # allocator holds (both allocators keep freed blocks, so the end value is the peak)
    mem = measure.rss_bytes if device == "cpu" else (lambda: _gpu_pool_bytes(framework))
    mem_before = mem()  # model, inputs and optimizer state included
    measure.reset_peak_rss()
    times = []
    for i in range(warmup + steps):
        t = time.perf_counter()
        step()
        if i >= warmup:
            times.append(time.perf_counter() - t)
    peak = measure.rss_bytes("VmHWM") if device == "cpu" else mem()
    out: dict[str, Any] = {
        "times": times, "batch": spec_with_batch(net, batch).batch,
        "step_mem": peak - mem_before, "peak_rss": measure.rss_bytes("VmHWM"),
    }
    if framework == "torch":
        out["flops"] = _torch_flops(lib, model, net, mode, device, batch)
        out["threads"] = lib.get_num_threads()
    return out


def _torch_flops(torch: Any, model: Any, net: str, mode: str, device: str,
                 batch: int = 0) -> float:
    """FLOPs of one step by PyTorch's counter: the forward's, times 3 when training.

    The input and the weight gradient of a convolution or linear layer each cost what its
    forward costs. The counter is not used for the backward: it counts a grouped
    convolution's backward ``groups`` times over (64 x for a 64-channel depthwise layer).
    """
    from torch.utils.flop_counter import FlopCounterMode  # noqa: PLC0415

    spec = spec_with_batch(net, batch)
    x = torch.zeros((spec.batch,) + spec.shape, device=device)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(x)
    return float(counter.get_total_flops()) * (3 if mode == "train" else 1)


def profile(net: str, steps: int, warmup: int, device: str, batch: int = 0) -> dict:
    """tinycnn's per-op time shares over ``steps`` training steps (on the GPU every
    profiled call is synchronised, so each op's time is its own kernels' time)."""
    from tinycnn.profiler import Profiler  # noqa: PLC0415

    _, _, step = _setup("tinycnn", net, "train", device, batch)
    for _ in range(warmup):
        step()
    prof = Profiler(synchronize=device != "cpu")
    with prof:
        for _ in range(steps):
            step(prof.region)
    shares: dict[str, float] = {}
    for entry, t in prof.times.items():
        shares[category(entry)] = shares.get(category(entry), 0.0) + t / prof.total
    shares["Python overhead"] = prof.unattributed / prof.total
    return {"shares": shares, "step_s": prof.total / steps, "table": prof.table(15)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("framework", choices=["tinycnn", "torch"])
    ap.add_argument("net", choices=list(NETS))
    ap.add_argument("mode", choices=["train", "infer", "profile"])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch", type=int, default=0, help="batch size (0: the net's default)")
    a = ap.parse_args()
    if a.mode == "profile":
        result = profile(a.net, a.steps, a.warmup, a.device, a.batch)
    else:
        result = run(a.framework, a.net, a.mode, a.steps, a.warmup, a.device, a.batch)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
