"""The benchmark suite runs and prints its table (speed itself is never asserted)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import check_batchnorm_kernels

import tinycnn
from tinycnn.profiler import Profiler

ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmark_prints_a_table():
    out = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    rows = [line for line in out.splitlines() if line.startswith("| lenet5 |")]
    assert [r.split("|")[2].strip() for r in rows] == ["train", "infer"]
    assert "GEMM peak" in out and "load average" in out and "NumPy's BLAS: " in out


def test_torch_twins_have_the_same_parameter_counts():
    from benchmarks.nets import NETS, build_tinycnn, build_torch, parameter_count

    for name in ("lenet5", "dediosnet2", "efficientnet_lite0_224"):
        spec = NETS[name]
        assert parameter_count(build_tinycnn(spec)) == parameter_count(build_torch(spec))


def worker(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.worker", *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    return json.loads(out.splitlines()[-1])


def test_worker_takes_the_batch_size():
    for framework in ("tinycnn", "torch"):
        r = worker(framework, "lenet5", "train", "--steps", "1", "--warmup", "0", "--batch", "5")
        assert r["batch"] == 5 and len(r["times"]) == 1
    assert worker("torch", "lenet5", "infer", "--steps", "1", "--warmup", "0")["batch"] == 64


def test_training_flops_are_three_forwards_even_with_depthwise_layers():
    """PyTorch's counter counts a depthwise backward `groups` times over; ours does not."""
    import torch

    from benchmarks.nets import NETS
    from benchmarks.worker import _torch_flops

    net = "alexnet_reduced"
    h, w = NETS[net].shape[1:]
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 3, padding=1, groups=3), torch.nn.Flatten())
    infer = _torch_flops(torch, model, net, "infer", "cpu", batch=2)
    assert infer == 2 * 2 * 3 * 9 * h * w  # 2 images, 2 FLOPs per multiply-add
    assert _torch_flops(torch, model, net, "train", "cpu", batch=2) == 3 * infer


@pytest.mark.cuda
def test_worker_on_the_gpu_measures_and_profiles():
    r = worker("tinycnn", "lenet5", "train", "--steps", "2", "--warmup", "1", "--device", "cuda")
    assert len(r["times"]) == 2 and r["step_mem"] >= 0
    p = worker("tinycnn", "lenet5", "profile", "--steps", "2", "--warmup", "1",
               "--device", "cuda")
    assert p["shares"]["conv fwd (GEMM)"] > 0 and "Conv2d.forward" in p["table"]


@pytest.mark.parametrize("synchronize", [False, True])
def test_profiler_attributes_time_to_ops_and_kernels(synchronize):
    model = tinycnn.models.lenet5()
    x = tinycnn.tensor(np.random.default_rng(0).standard_normal((4, 1, 28, 28),
                                                                dtype=np.float32))
    prof = Profiler(synchronize=synchronize)
    with prof:
        model(x).sum().backward()
        with prof.region("mine"):
            pass
    assert prof.calls["Conv2d.forward"] == 2 and prof.calls["Conv2d.backward"] == 2
    assert prof.calls["im2col"] >= 2 and prof.calls["mine"] == 1
    assert abs(sum(prof.times.values()) + prof.unattributed - prof.total) < 1e-6
    assert "Conv2d.forward" in prof.table()
    # the wrappers are removed on exit
    assert tinycnn.autograd.Function.apply.__func__.__name__ == "apply"


def test_batchnorm_kernels_numba_equal_reference():
    from tinycnn.kernels import cpu

    for shape in ((4, 3, 10), (5, 2, 1)):
        check_batchnorm_kernels(cpu, shape)


@pytest.mark.parametrize("net", ["grid", "batchnorm1d"])
def test_side_by_side_starts_equal_and_takes_the_same_steps(net):
    """benchmarks.side_by_side: the PyTorch twin gets tinycnn's initial weights, and
    without dropout three SGD-momentum steps on the same batches agree to rounding."""
    from benchmarks.nets import to_torch
    from benchmarks.side_by_side import Config, Side, copy_weights

    nn = tinycnn.nn
    tinycnn.manual_seed(0)
    tiny = (tinycnn.models.grid_cnn(2, 2, width=4, fc_width=8) if net == "grid" else
            nn.Sequential(nn.Conv2d(3, 4, 3, stride=4), nn.ReLU(), nn.BatchNorm2d(4),
                          nn.Flatten(), nn.Linear(4 * 8 * 8, 8), nn.ReLU(), nn.BatchNorm1d(8),
                          nn.Linear(8, 10)))
    twin = to_torch(tiny)
    copy_weights(tiny, twin)
    cfg = Config("test", lambda: tiny, "sgd", 0.05, 8, momentum=0.9,
                 weight_decay=0.0 if net == "grid" else 5e-3)
    sides = [Side("tinycnn", tiny, cfg), Side("pytorch", twin, cfg)]
    gen = np.random.default_rng(0)
    x = gen.normal(size=(24, 3, 32, 32)).astype(np.float32)
    y = gen.integers(0, 10, 24)
    before, _ = sides[0].evaluate(x, y)
    for i in range(0, 24, 8):
        (a, _), (b, _) = (s.train_step(x[i:i + 8], y[i:i + 8], 0.05) for s in sides)
        assert abs(a - b) < 1e-5
    (la, aa), (lb, ab) = (s.evaluate(x, y) for s in sides)
    assert abs(la - lb) < 1e-5 and aa == ab
    assert abs(la - before) > 1e-3  # the steps moved both nets, alike
