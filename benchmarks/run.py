"""tinycnn vs PyTorch: training and inference throughput, memory and a per-op profile.

    python -m benchmarks.run                          # every net, CPU
    python -m benchmarks.run --nets lenet5 alexnet_reduced --steps 30 --rounds 3
    python -m benchmarks.run --quick                  # a smoke run: LeNet-5, few steps
    python -m benchmarks.run --device cuda            # CuPy backend vs PyTorch-CUDA

For every net and mode (train = forward + cross-entropy + backward + Adam; infer =
forward under no_grad in eval mode) each library runs in its own process, alternated
A B A B over ``--rounds`` rounds, with ``--warmup`` untimed steps and ``--steps`` timed
ones. Reported: median images/s with the min-max over all timed steps, the ratio
tinycnn/PyTorch, GFLOP/s (PyTorch's FLOP counter) and its share of the GEMM peak
measured in the same run (a 2048^3 float32 np.matmul), and the peak memory of the steps
(RSS growth from just before the first step). The load average and the CPU time other
processes took are recorded with every measurement; a measurement during which other
processes kept more than ``--max-other-load`` cores busy is retried. Then one profiled
tinycnn training run per net gives the time share of each kind of op.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if not __package__:  # run as `python benchmarks/run.py`: import it as the package it is part of
    sys.path.insert(0, str(ROOT))
    __package__ = "benchmarks"  # noqa: A001

from tinycnn.kernels.cpu.machine import cpu_name  # noqa: E402

from . import measure  # noqa: E402
from .nets import NETS  # noqa: E402
from .worker import CATEGORIES  # noqa: E402

TORCH_MISSING = ("PyTorch is not installed: the benchmark measures tinycnn against it. Install "
                 "the test extra (pip install -e '.[test]'), or torch alone "
                 "(pip install torch --index-url https://download.pytorch.org/whl/cpu).")


def call_worker(args: list[str], max_other: float, retries: int, wait: float) -> dict:
    """Run one worker measurement; retry while other processes load the machine."""
    for attempt in range(retries + 1):
        waited = 0.0
        while measure.other_load_now(0.3) > max_other and waited < wait:
            time.sleep(2.0)
            waited += 2.3
        load = measure.load_average()
        with measure.OtherLoad() as other:
            done = subprocess.run([sys.executable, "-m", "benchmarks.worker", *args],
                                  check=False, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(f"benchmark worker `{' '.join(args)}` failed (exit status "
                             f"{done.returncode}):\n{done.stderr.strip()[-2000:]}")
        out = done.stdout
        result = json.loads(out.strip().splitlines()[-1])
        result.update(load=load, other=other.cores, attempts=attempt + 1)
        if other.cores <= max_other:
            break
        print(f"  (busy machine: other processes used {other.cores:.2f} cores during "
              f"{' '.join(args[:3])}{'; retrying' if attempt < retries else ''})",
              file=sys.stderr, flush=True)
    return result


def summarise(runs: list[dict]) -> dict:
    """Median and min-max img/s over all timed steps of all rounds."""
    rates = [r["batch"] / t for r in runs for t in r["times"]]
    return {
        "median": statistics.median(rates), "min": min(rates), "max": max(rates),
        "step_mem": max(r["step_mem"] for r in runs),
        "load": max(r["load"] for r in runs), "other": max(r["other"] for r in runs),
        "attempts": sum(r["attempts"] for r in runs),
        "flops": next((r["flops"] for r in runs if "flops" in r), None),
        "batch": runs[0]["batch"],
    }


def bench_case(net: str, mode: str, a: argparse.Namespace) -> dict:
    runs: dict[str, list[dict]] = {"tinycnn": [], "torch": []}
    common = ["--steps", str(a.steps), "--warmup", str(a.warmup), "--device", a.device,
              "--batch", str(a.batch)]
    for _ in range(a.rounds):
        for fw in ("tinycnn", "torch"):
            runs[fw].append(call_worker([fw, net, mode, *common], a.max_other_load,
                                        a.retries, a.wait))
    return {fw: summarise(r) for fw, r in runs.items()}


def mib(b: float) -> str:
    return f"{b / 2**20:.0f}"


def throughput_table(results: dict, peak: float) -> str:
    head = ("| net | mode | tinycnn img/s (min-max) | PyTorch img/s (min-max) | ratio | "
            "tinycnn GFLOP/s (% peak) | PyTorch GFLOP/s | step mem MiB tinycnn / PyTorch "
            "| load avg | other cores |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for (net, mode), r in results.items():
        t, p = r["tinycnn"], r["torch"]
        flops_per_image = (p["flops"] or 0) / p["batch"]
        gft, gfp = t["median"] * flops_per_image / 1e9, p["median"] * flops_per_image / 1e9
        lines.append(
            f"| {net} | {mode} | {t['median']:,.0f} ({t['min']:,.0f}-{t['max']:,.0f}) "
            f"| {p['median']:,.0f} ({p['min']:,.0f}-{p['max']:,.0f}) "
            f"| **{t['median'] / p['median']:.2f}** "
            f"| {gft:.1f} ({gft / peak:.0%}) | {gfp:.1f} "
            f"| {mib(t['step_mem'])} / {mib(p['step_mem'])} "
            f"| {max(t['load'], p['load']):.2f} | {max(t['other'], p['other']):.2f} |")
    return "\n".join(lines)


def profile_table(profiles: dict) -> str:
    cats = [name for name, _ in CATEGORIES] + ["other ops", "Python overhead"]
    lines = ["| net | step ms | " + " | ".join(cats) + " |", "|---|---|" + "---|" * len(cats)]
    for net, p in profiles.items():
        shares = p["shares"]
        lines.append(f"| {net} | {p['step_s'] * 1e3:.1f} | "
                     + " | ".join(f"{shares.get(c, 0.0):.0%}" for c in cats) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nets", nargs="+", choices=list(NETS), default=list(NETS))
    ap.add_argument("--modes", nargs="+", choices=["train", "infer"], default=["train", "infer"])
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--batch", type=int, default=0,
                    help="batch size for every net (0: each net's own, see benchmarks/nets.py)")
    ap.add_argument("--tf32", action="store_true",
                    help="GPU: let both libraries use TF32 tensor cores for float32 products "
                         "(default: plain float32 in both)")
    ap.add_argument("--steps", type=int, default=20, help="timed steps per run")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps per run")
    ap.add_argument("--rounds", type=int, default=2, help="alternating A B rounds")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: LeNet-5 only, 1 round of 3 steps, no profile")
    ap.add_argument("--no-profile", action="store_true", help="skip the per-op profile")
    ap.add_argument("--max-other-load", type=float, default=0.3,
                    help="retry when other processes used more cores than this")
    ap.add_argument("--retries", type=int, default=2)
    ap.add_argument("--wait", type=float, default=30.0,
                    help="seconds to wait for a quiet machine before each measurement")
    ap.add_argument("--threads", type=int, default=0,
                    help="pin both libraries to this many threads (0: their defaults); "
                         "--threads 1 compares the single-core code on a loaded machine")
    ap.add_argument("--json", type=Path, help="also write all results to this file")
    a = ap.parse_args(argv)
    if importlib.util.find_spec("torch") is None:
        raise SystemExit(TORCH_MISSING)
    if a.threads:  # read by OpenBLAS, numba and OpenMP when the workers start
        n = str(a.threads)
        os.environ.update(OPENBLAS_NUM_THREADS=n, NUMBA_NUM_THREADS=n, OMP_NUM_THREADS=n,
                          MKL_NUM_THREADS=n, TINYCNN_ADAPT_THREADS="0")
    if a.tf32:  # read by CuPy at import; the torch worker sets its flags from it
        os.environ["CUPY_TF32"] = "1"
    if a.device == "cuda":
        import tinycnn  # noqa: PLC0415

        if not tinycnn.cuda.is_available():
            ap.error("--device cuda: no usable GPU here (tinycnn.cuda.is_available() is "
                     "False; CuPy and a CUDA device are needed)")
    if a.quick:
        a.nets, a.steps, a.warmup, a.rounds, a.no_profile = ["lenet5"], 3, 1, 1, True
        a.retries, a.wait = 0, 0.0
    peak = measure.gemm_peak(seconds=0.3 if a.quick else 1.0, device=a.device)
    print(f"# tinycnn benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"machine: {cpu_name()}, {os.cpu_count()} CPUs; device {a.device}; "
          f"load average {measure.load_average():.2f}")
    print(f"GEMM peak ({'8192^3 cupy' if a.device == 'cuda' else '2048^3 np'}.matmul, "
          f"float32{', TF32 allowed' if a.tf32 else ''}): {peak:.0f} GFLOP/s")
    if a.device == "cpu":
        print(f"NumPy's BLAS: {measure.blas_name()}")
    if not a.quick:
        imp, first = measure.first_call_seconds()
        print(f"first-call cost (fresh process, median of 3): import tinycnn {imp:.2f} s; "
              f"first LeNet-5 forward+backward {first:.2f} s")
    print(f"command: python -m benchmarks.run {' '.join(sys.argv[1:] if argv is None else argv)}")
    print(f"{a.rounds} round(s) x {a.steps} timed steps after {a.warmup} warm-up, per library;"
          f" threads: {a.threads or 'library defaults'}\n", flush=True)
    results: dict[tuple[str, str], dict] = {}
    for net in a.nets:
        for mode in a.modes:
            results[(net, mode)] = bench_case(net, mode, a)
            r = results[(net, mode)]
            print(f"  {net} {mode}: tinycnn {r['tinycnn']['median']:,.0f} img/s, PyTorch "
                  f"{r['torch']['median']:,.0f} img/s", file=sys.stderr, flush=True)
    print(throughput_table(results, peak))
    profiles = {}
    if not a.no_profile:
        for net in a.nets:
            args = ["tinycnn", net, "profile", "--steps", str(max(3, a.steps // 4)),
                    "--warmup", str(a.warmup), "--device", a.device, "--batch", str(a.batch)]
            profiles[net] = call_worker(args, a.max_other_load, a.retries, a.wait)
        print("\nShare of a tinycnn training step (profiled run; exclusive times):\n")
        print(profile_table(profiles))
    if a.json:
        a.json.write_text(json.dumps({"peak_gflops": peak, "results": {
            f"{n}/{m}": r for (n, m), r in results.items()}, "profiles": profiles}, indent=1))


if __name__ == "__main__":
    main()
