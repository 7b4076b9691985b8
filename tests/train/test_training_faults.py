"""Training and data loading under faults: failing samples, diverging losses, resumes.

* An exception in a dataset's ``__getitem__`` keeps its type and says which sample and
  batch raised it, with and without background workers.
* A NaN/inf loss stops `fit` before that step's update: the model keeps finite weights.
* Resuming in a new process is exact: 2 epochs == 1 epoch + checkpoint + new process +
  load + 1 epoch, bit for bit, with a seeded shuffling DataLoader, dropout, momentum and
  a scheduler (the checkpoint carries the loader's generator).
* A missing GPU says why (CuPy's own error) in the DeviceError.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinycnn
from tinycnn import backend, nn, optim
from tinycnn.data import (
    ArrayDataset,
    BatchSampler,
    DataLoader,
    RandomSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from tinycnn.train import ModelCheckpoint, fit

ROOT = Path(__file__).resolve().parents[2]


class Flaky:
    """Ten zero images; sample ``bad`` raises ``error``."""

    def __init__(self, bad: int, error: Exception) -> None:
        self.bad, self.error = bad, error

    def __len__(self) -> int:
        return 10

    def __getitem__(self, i: int):
        if i == self.bad:
            raise self.error
        return np.zeros((1, 2, 2), np.float32), 0


class CustomError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"custom failure {code}")
        self.code = code


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("error", [ValueError("bad image"), KeyError("label"),
                                   FileNotFoundError(2, "No such file", "x.jpg"),
                                   CustomError(7)],
                         ids=["ValueError", "KeyError", "FileNotFoundError", "custom"])
def test_dataset_error_names_sample_and_batch(error, workers):
    loader = DataLoader(Flaky(7, error), batch_size=3, num_workers=workers)
    with pytest.raises(type(error)) as info:
        list(loader)
    assert info.value is error  # the dataset's own exception, not a wrapper
    assert "sample 7" in str(info.value) and "batch 2" in str(info.value)
    if isinstance(error, CustomError):
        assert info.value.code == 7


def test_batch_transform_error_names_the_batch():
    def broken(x):
        raise RuntimeError("transform failed")

    loader = DataLoader(ArrayDataset(np.zeros((6, 4, 4), np.uint8), np.zeros(6)),
                        batch_size=2, batch_transform=broken)
    with pytest.raises(RuntimeError, match=r"transform failed \[DataLoader: building batch 0"):
        next(iter(loader))


def _net():
    tinycnn.manual_seed(1)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Dropout(0.3), nn.Linear(12, 2))


def test_nan_loss_stops_before_the_update():
    x = np.random.default_rng(0).standard_normal((8, 1, 4, 4)).astype(np.float32)
    x[5] = np.nan  # in the second batch of four
    y = np.zeros(8, np.int64)
    model = _net()
    batches = [(tinycnn.tensor(x[i:i + 4]), tinycnn.tensor(y[i:i + 4])) for i in (0, 4)]
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    with pytest.raises(FloatingPointError, match="nan at epoch 1, step 2"):
        fit(model, batches, opt, epochs=2, progress=False)
    for name, p in model.named_parameters():
        assert np.all(np.isfinite(p.numpy())), name


# --- exact resume in a new process ---------------------------------------------------------

SCRIPT = r"""
import sys
import numpy as np, tinycnn
from tinycnn import nn, optim
from tinycnn.data import ArrayDataset, DataLoader, RandomSampler
from tinycnn.train import Trainer, fit, ModelCheckpoint

def setup():
    rng = np.random.default_rng(3)
    data = ArrayDataset(rng.integers(0, 255, (40, 4, 4), dtype=np.uint8),
                        rng.integers(0, 2, 40))
    if kind == "seed":
        loader = DataLoader(data, batch_size=8, shuffle=True, seed=5)
    else:  # a sampler with a generator of its own
        sampler = RandomSampler(data, generator=tinycnn.Generator().manual_seed(5))
        loader = DataLoader(data, batch_size=8, sampler=sampler)
    tinycnn.manual_seed(1)
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dropout(0.3), nn.Linear(12, 2))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
    return loader, model, opt, sched

mode, ckpt, out, kind = sys.argv[1:5]
loader, model, opt, sched = setup()
if mode == "full":                      # 2 epochs in one go
    Trainer(model, opt, scheduler=sched, progress=False).fit(loader, 2)
elif mode == "first":                   # 1 epoch, then a checkpoint
    trainer = Trainer(model, opt, scheduler=sched, progress=False)
    trainer.fit(loader, 1)
    trainer.save_checkpoint(ckpt)
elif mode == "trainer":                 # a new process: load, 1 more epoch
    trainer = Trainer(model, opt, scheduler=sched, progress=False)
    trainer.load_checkpoint(ckpt)
    trainer.fit(loader, 1)
elif mode == "fit":                     # the same through fit(resume=)
    fit(model, loader, opt, epochs=2, scheduler=sched, progress=False, resume=ckpt)
np.savez(out, **{k: v.numpy() for k, v in model.state_dict().items()})
"""


def _run(tmp_path: Path, mode: str, kind: str = "seed") -> dict[str, np.ndarray]:
    out = tmp_path / f"{mode}.npz"
    proc = subprocess.run([sys.executable, "-c", SCRIPT, mode, str(tmp_path / "ckpt.npz"),
                           str(out), kind], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    with np.load(out) as z:
        return dict(z)


@pytest.mark.parametrize("kind, modes", [("seed", ("trainer", "fit")), ("sampler", ("fit",))])
def test_resume_in_a_new_process_is_bit_exact(tmp_path, kind, modes):
    full = _run(tmp_path, "full", kind)
    _run(tmp_path, "first", kind)
    for mode in modes:
        resumed = _run(tmp_path, mode, kind)
        assert resumed.keys() == full.keys()
        for k in full:
            np.testing.assert_array_equal(resumed[k], full[k], err_msg=f"{mode}: {k}")


LOADERS = {
    "seed": lambda data: DataLoader(data, batch_size=10, shuffle=True, seed=5),
    "RandomSampler": lambda data: DataLoader(data, batch_size=10, sampler=RandomSampler(
        data, generator=tinycnn.Generator().manual_seed(5))),
    "WeightedRandomSampler": lambda data: DataLoader(data, batch_size=10, sampler=(
        WeightedRandomSampler(np.arange(1, 11), 10, generator=np.random.default_rng(5)))),
    "BatchSampler": lambda data: DataLoader(data, batch_sampler=BatchSampler(
        SubsetRandomSampler(range(10), generator=tinycnn.Generator().manual_seed(5)), 10,
        False)),
}


@pytest.mark.parametrize("kind", LOADERS)
def test_loader_state_round_trips_the_shuffle_order(kind):
    data = ArrayDataset(np.arange(10, dtype=np.float32)[:, None], np.zeros(10))
    a = LOADERS[kind](data)
    next(iter(a))
    state = a.state_dict()
    second = next(iter(a))[0].numpy()
    b = LOADERS[kind](data)
    b.load_state_dict(state)
    np.testing.assert_array_equal(next(iter(b))[0].numpy(), second)
    assert b.state_dict()["epochs"] == 2


def test_model_checkpoint_callback_saves_the_loader_state(tmp_path):
    data = ArrayDataset(np.zeros((8, 4, 4), np.uint8), np.zeros(8, np.int64))
    loader = DataLoader(data, batch_size=4, shuffle=True, seed=5)
    fit(_net(), loader, optim.SGD(_net().parameters(), lr=0.1), epochs=1, progress=False,
        callbacks=[ModelCheckpoint(tmp_path / "last.npz", monitor="train_loss",
                                                   save_best_only=False)])
    state = tinycnn.io.load_checkpoint(tmp_path / "last.npz")
    assert state["loader"]["epochs"] == 1 and state["loader"]["generator"] is not None


def test_device_error_keeps_the_cause(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # "import cupy" raises ImportError
    backend._probe_cupy.cache_clear()
    try:
        with pytest.raises(backend.DeviceError, match="CUDA is not available .ModuleNotFoundError: import of cupy"):
            backend.normalize_device("cuda")
    finally:
        backend._probe_cupy.cache_clear()
