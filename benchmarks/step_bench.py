"""Training-step and inference throughput: tinycnn vs PyTorch on the CPU (images/second).

Two nets, batch 64: LeNet-5 on 1x28x28 and the reduced AlexNet of report 004 on 3x32x32.
A training step is forward + cross-entropy + backward + Adam; inference is a forward
pass without a graph (``no_grad``, eval mode). Both libraries build the same net from
the same code (their ``nn`` modules share PyTorch's names).

Each measurement runs in its own subprocess (OpenBLAS and PyTorch's OpenMP threads would
fight for the cores if both libraries lived in one process), and the two frameworks are
alternated round by round so that a change in machine load hits both. Reported: the
median img/s over the rounds and tinycnn/PyTorch.

    python benchmarks/step_bench.py                  # all nets and modes, 5 rounds
    python benchmarks/step_bench.py --nets lenet5 --modes train --rounds 3 --seconds 3
    python benchmarks/step_bench.py --threads 1      # both pinned to one thread

On a busy machine the libraries' default threading is what gets measured as much as
their kernels (tinycnn drops to one thread when other processes keep the cores busy;
PyTorch keeps its OpenMP threads); ``--threads 1`` compares the single-core code.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

BATCH = 64
NETS = {"lenet5": (1, 28, 28), "alexnet": (3, 32, 32)}


def build(nn, net: str):
    """The net, written once for both libraries (``nn`` is torch.nn or tinycnn.nn)."""
    if net == "lenet5":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    # report 004's reduced AlexNet for CIFAR-10 (6,199,498 parameters)
    return nn.Sequential(
        nn.Conv2d(3, 48, 5, 2, 2), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(48, 128, 5, 1, 2), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(128, 192, 3, 1, 1), nn.ReLU(),
        nn.Conv2d(192, 192, 3, 1, 1), nn.ReLU(),
        nn.Conv2d(192, 128, 3, 1, 1), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(),
        nn.Dropout(0.5), nn.Linear(128 * 2 * 2, 2048), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(2048, 2048), nn.ReLU(),
        nn.Linear(2048, 10))


def worker(framework: str, net: str, mode: str, seconds: float, threads: int) -> float:
    """Run steps for about ``seconds`` after a warm-up; return images per second."""
    import numpy as np

    if framework == "torch":
        import torch as lib
        from torch import nn
        if threads:
            lib.set_num_threads(threads)
    else:
        import tinycnn as lib
        from tinycnn import nn
    lib.manual_seed(0)
    model = build(nn, net)
    gen = np.random.default_rng(0)
    x = lib.tensor(gen.standard_normal((BATCH,) + NETS[net]).astype(np.float32))
    y = lib.tensor(gen.integers(0, 10, BATCH))
    if mode == "train":
        model.train()
        opt = lib.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
    else:
        model.eval()

        def step():
            with lib.no_grad():
                model(x)
    for _ in range(3):  # warm-up: numba's first call, allocator, caches
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    return n * BATCH / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nets", nargs="+", default=list(NETS), choices=list(NETS))
    ap.add_argument("--modes", nargs="+", default=["train", "infer"], choices=["train", "infer"])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=4.0, help="timed seconds per run")
    ap.add_argument("--threads", type=int, default=0,
                    help="pin both libraries to this many threads (0: their defaults)")
    ap.add_argument("--worker", nargs=3, metavar=("FRAMEWORK", "NET", "MODE"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker, args.seconds, args.threads)))
        return
    env = dict(os.environ)
    if args.threads:  # read by OpenBLAS, numba and OpenMP when they start
        env.update(OPENBLAS_NUM_THREADS=str(args.threads), NUMBA_NUM_THREADS=str(args.threads),
                   OMP_NUM_THREADS=str(args.threads), TINYCNN_ADAPT_THREADS="0")
    print(f"batch {BATCH}, {args.rounds} alternating rounds of {args.seconds:.0f} s per run, "
          f"threads: {args.threads or 'library defaults'}")
    print(f"{'net':8s} {'mode':6s} {'tinycnn img/s':>14s} {'torch img/s':>12s} {'ratio':>6s}")
    for net in args.nets:
        for mode in args.modes:
            rates: dict[str, list[float]] = {"tinycnn": [], "torch": []}
            for _ in range(args.rounds):
                for fw in ("tinycnn", "torch"):
                    out = subprocess.run(
                        [sys.executable, __file__, "--worker", fw, net, mode,
                         "--seconds", str(args.seconds), "--threads", str(args.threads)],
                        check=True, capture_output=True, text=True, env=env).stdout
                    rates[fw].append(json.loads(out.strip().splitlines()[-1]))
            ours, theirs = (statistics.median(rates[f]) for f in ("tinycnn", "torch"))
            print(f"{net:8s} {mode:6s} {ours:14.0f} {theirs:12.0f} {ours / theirs:6.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
