"""The report reproductions (examples/reports/report_*.py): every script's --quick mode end
to end, and their shared plumbing in examples/reports/harness.py.

Each script runs as a subprocess, as a user runs it, on a few hundred real images when
../shared/data exists and on generated look-alike data (``--data-root generated``)
otherwise. The quick runs check that every section trains, writes its figures and its
results table; the numbers in them mean nothing (and the tables say so).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA

from tinycnn.train import History

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "reports"
sys.path.insert(0, str(EXAMPLES))
import harness as ex  # noqa: E402

# script -> (sections, figures every quick run must write)
SCRIPTS = {
    "report_000_dediosnet_cifar100.py": (
        ["dediosnet1", "dediosnet2", "transfer"],
        ["dediosnet1/dediosnet1_convergence.png", "dediosnet2/dediosnet2_convergence.png",
         "transfer/transfer_convergence.png"]),
    "report_001_cifar10_keras_transfer.py": (
        ["cnn49k", "densenet", "frozen", "knn", "finetune", "convfc"],
        ["cnn49k/cnn49k_curves.png", "densenet/densenet_curves.png",
         "frozen/frozen_20_curves.png", "knn/knn_40.png", "finetune/finetune_curves.png",
         "convfc/convfc_40_curves.png"]),
    "report_002_cifar10_design_study.py": (
        ["grid", "activations", "momentum", "adadelta", "batchnorm", "final", "transfer"],
        ["grid/grid_accuracy.png", "grid/grid_time.png", "activations/activations.png",
         "momentum/momentum.png", "adadelta/adadelta.png", "batchnorm/batchnorm_1ep.png",
         "final/final_curves.png", "transfer/frozen_confusion.png"]),
    "report_003_caltech_alexnet.py": (
        ["scratch", "pretrained", "freeze", "augment", "tencrop", "resnet"],
        ["scratch/lr_step_test_acc.png", "pretrained/lr_step_test_acc.png",
         "resnet/resnet_vs_alexnet.png"]),
    "report_004_mnist_alexnet_transfer.py": (
        ["simplecnn", "alexnet", "transfer"],
        ["simplecnn/simplecnn_curves_first.png", "simplecnn/simplecnn_curves_more.png",
         "simplecnn/simplecnn_confusion.png", "simplecnn/simplecnn_tsne.png",
         "alexnet/alexnet_tsne.png", "transfer/transfer_tsne.png"]),
}


# sections whose data or pretrained weights are substitutes here (no ImageNet weights,
# no Caltech-101, no Alien vs Predator, no CIFAR-100 training set)
SUBSTITUTED = {
    "report_000_dediosnet_cifar100.py": ["transfer"],
    "report_001_cifar10_keras_transfer.py": ["frozen", "knn", "finetune", "convfc"],
    "report_002_cifar10_design_study.py": ["transfer"],
    "report_003_caltech_alexnet.py": SCRIPTS["report_003_caltech_alexnet.py"][0],
    "report_004_mnist_alexnet_transfer.py": ["transfer"],
}


@pytest.fixture(scope="module")
def data_cache(tmp_path_factory) -> Path:
    """One decompression cache for all the runs of this module (not the user's)."""
    return tmp_path_factory.mktemp("data-cache")


def run_script(script: str, out: Path, cache: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TINYCNN_DATA_CACHE=str(cache), MPLBACKEND="Agg",
               # this checkout's tinycnn, not an installed one
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               # one thread per process: OpenMP pools busy-wait on 2 shared cores
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    data = [] if SHARED_DATA.is_dir() or "--data-root" in args else ["--data-root", "generated"]
    cmd = [sys.executable, str(EXAMPLES / script), "--quick", "--no-progress", "--out", str(out),
           *data, *args]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    return result


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_quick_run_writes_every_table_and_figure(script, tmp_path, data_cache):
    sections, figures = SCRIPTS[script]
    run_script(script, tmp_path, data_cache)
    for section in sections:
        md = (tmp_path / section / "results.md").read_text()
        assert "QUICK MODE" in md, section
        with open(tmp_path / section / "results.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows, f"{section}: empty results table"
    for fig in figures:
        assert (tmp_path / fig).stat().st_size > 1000, fig
    for section in SUBSTITUTED.get(script, ()):  # never a substitute's number unlabelled
        md = (tmp_path / section / "results.md").read_text()
        assert "SUBSTITUTE" in md or "generated look-alike data" in md, section
    combined = (tmp_path / "results.md").read_text()
    assert all(f": {s}\n" in combined for s in sections)
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["finished"] and record["sections"] == sections
    assert set(record) >= {"command", "date", "machine", "commit", "data", "weights"}
    if SHARED_DATA.is_dir():  # every data file with its checksum
        assert record["data"] and all(len(f.get("md5", f.get("md5_of_files"))) == 32
                                      for f in record["data"].values())
    for section in SUBSTITUTED.get(script, ()):
        if section in ("transfer", "frozen", "knn", "finetune", "convfc", "pretrained"):
            assert record["weights"], "substitute weights used but not recorded"


def test_generated_data_only_when_asked(tmp_path, data_cache):
    """Missing data is an error saying how to get it; --data-root generated runs on
    generated look-alike data, and the tables say so."""
    script = str(EXAMPLES / "report_000_dediosnet_cifar100.py")
    missing = subprocess.run([sys.executable, script, "dediosnet2", "--quick", "--out",
                              str(tmp_path), "--data-root", str(tmp_path / "no-data-here")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "CIFAR-100 not found under --data-root" in missing.stderr
    assert "tinycnn download" in missing.stderr and "--data-root generated" in missing.stderr
    run_script("report_000_dediosnet_cifar100.py", tmp_path, data_cache, "dediosnet2",
               "--data-root", "generated")
    md = (tmp_path / "dediosnet2" / "results.md").read_text()
    assert "generated look-alike data" in md


# --------------------------------------------------------------------------- plumbing


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name[:-3], EXAMPLES / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_every_section_is_a_sub_command_with_the_common_options(script):
    module = load_script(script)
    assert list(module.SECTIONS) == SCRIPTS[script][0]
    parser = ex.build_parser("doc", module.SECTIONS, "runs/x")
    for section in module.SECTIONS:
        args = parser.parse_args([section, "--epochs", "3", "--device", "cpu", "--seed", "5"])
        assert (args.section, args.epochs, args.seed, args.quick) == (section, 3, 5, False)
        for option in ("data_root", "batch_size", "out", "workers", "weights", "source_dir"):
            assert hasattr(args, option), (section, option)


def test_options_before_the_sub_command_are_kept():
    sections = {"a": ex.Section(lambda e: None, "a", ex.sweep_arguments)}
    parser = ex.build_parser("doc", sections, "runs/x")
    args = parser.parse_args(["--quick", "--jobs", "3", "a"])
    assert args.quick and args.jobs == 3 and args.section == "a"
    args = parser.parse_args(["a", "--quick"])
    assert args.quick and args.jobs == 1
    assert parser.parse_args([]).section is None  # no sub-command: every section


def test_source_epochs_per_architecture(tmp_path):
    parser = ex.build_parser("doc", {"a": ex.Section(lambda e: None, "a")}, "runs/x")

    def epochs(*argv: str) -> dict:
        exp = ex.Experiment(parser.parse_args(["a", *argv]), "000", "a", tmp_path)
        return {arch: exp.source_epochs(arch) for arch in ("alexnet", "resnet18")}

    assert epochs() == {"alexnet": 10, "resnet18": 10}
    assert epochs("--quick") == {"alexnet": 1, "resnet18": 1}
    assert epochs("--source-epochs", "3") == {"alexnet": 3, "resnet18": 3}
    assert epochs("--source-epochs", "3", "--source-epochs", "resnet18=1") == {
        "alexnet": 3, "resnet18": 1}
    assert epochs("--source-epochs", "resnet18=2") == {"alexnet": 10, "resnet18": 2}


def test_bad_options_are_refused_with_a_message(capsys):
    parser = ex.build_parser("doc", {"a": ex.Section(lambda e: None, "a")}, "runs/x")
    with pytest.raises(SystemExit):
        parser.parse_args(["a", "--epochs", "0"])
    assert "must be > 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--weights", "alexnet="])
    assert "ARCH=FILE" in capsys.readouterr().err
    for bad in ("=3", "resnet18=0", "resnet18=x"):
        with pytest.raises(SystemExit):
            parser.parse_args(["a", "--source-epochs", bad])
        assert "--source-epochs" in capsys.readouterr().err


def test_write_table_csv_and_markdown(tmp_path):
    rows = [{"model": "a", "acc": 0.912345}, {"model": "b|c", "time": 3, "acc": None}]
    csv_path, md_path = ex.write_table(rows, tmp_path / "t", "Title", ["a note"])
    with open(csv_path, newline="") as f:
        back = list(csv.DictReader(f))
    assert [r["model"] for r in back] == ["a", "b|c"] and back[1]["acc"] == ""
    assert list(back[0]) == ["model", "acc", "time"]
    md = md_path.read_text().splitlines()
    assert md[0] == "## Title" and md[2] == "| model | acc | time |"
    assert md[4] == "| a | 0.9123 |  |" and md[5] == "| b/c |  | 3 |"
    assert md[-1] == "- a note"


def test_history_row_reports_the_best_epoch():
    h = History([{"epoch": 1, "train_loss": 2.0, "train_acc": 0.3, "val_loss": 1.5, "val_acc": 0.5,
                  "time": 1.0},
                 {"epoch": 2, "train_loss": 1.0, "train_acc": 0.6, "val_loss": 1.2, "val_acc": 0.7,
                  "time": 2.0},
                 {"epoch": 3, "train_loss": 0.5, "train_acc": 0.8, "val_loss": 1.4, "val_acc": 0.6,
                  "time": 2.5}])
    row = ex.history_row(h, model="m")
    assert list(row)[0] == "model"
    assert (row["best_val_acc"], row["best_epoch"], row["epochs"]) == (0.7, 2, 3)
    assert (row["val_acc"], row["train_time_s"]) == (0.6, 5.5)
    no_val = History([{"epoch": 1, "train_loss": 1.0, "train_acc": 0.5, "val_loss": None,
                       "val_acc": None, "time": 1.0}])
    assert "best_val_acc" not in ex.history_row(no_val)


def test_generated_images_are_learnable_and_balanced():
    x, y = ex.generated_images(200, (8, 8, 3), 4, seed=1)
    assert x.dtype == np.uint8 and x.shape == (200, 8, 8, 3)
    assert np.bincount(y).tolist() == [50] * 4
    # the class means differ much more than the noise: nearest-mean classifies well
    means = np.stack([x[y == c].reshape(-1, 192).mean(0) for c in range(4)])
    dist = ((x.reshape(200, 1, -1) - means[None]) ** 2).sum(-1)
    assert (dist.argmin(1) == y).mean() > 0.9
    assert np.array_equal(ex.generated_images(200, (8, 8, 3), 4, seed=1)[0], x)


def test_weights_for_picks_the_file_of_each_architecture(tmp_path):
    from tinycnn import models

    lenet = tmp_path / "lenet.npz"
    models.save_weights(models.lenet5(), lenet)
    args = argparse.Namespace(weights=[f"resnet18={tmp_path / 'r.npz'}", str(lenet)])
    exp = ex.Experiment(args, "000", "s", tmp_path)
    assert exp.weights_for("resnet18") == tmp_path / "r.npz"
    assert exp.weights_for("lenet5") == lenet  # a bare file whose sidecar names lenet5
    assert exp.weights_for("alexnet") is None


def test_pretrained_loads_a_file_and_replaces_the_head(tmp_path):
    from tinycnn import models

    source = models.lenet5(num_classes=10)
    path = models.save_weights(source, tmp_path / "lenet.npz")
    args = argparse.Namespace(weights=[str(path)], device="cpu", quick=True, seed=0)
    model, name = ex.Experiment(args, "000", "s", tmp_path).pretrained("lenet5", 3)
    assert name == "lenet.npz"
    head = models.head_name(model)
    state, src = model.state_dict(), source.state_dict()
    assert state[f"{head}.weight"].shape[0] == 3
    for k in src:
        if not k.startswith(head + "."):
            np.testing.assert_array_equal(state[k]._data, src[k]._data)
    wrong = models.save_weights(models.alexnet_reduced(), tmp_path / "alex.npz")
    args.weights = [f"lenet5={wrong}"]
    with pytest.raises(ValueError, match="does not fit lenet5"):
        ex.Experiment(args, "000", "s", tmp_path).pretrained("lenet5", 3)


def test_build_cifar100_train_writes_the_official_layout(tmp_path):
    """Per-class pixel files -> train.bin of (coarse, fine, 3,072 pixels) records, the coarse
    label read from the test file; a missing class file is refused with a message."""
    rng = np.random.default_rng(0)
    shared, bins = tmp_path / "shared", tmp_path / "bins"
    (shared / "cifar-100").mkdir(parents=True)
    bins.mkdir()
    test = np.zeros((200, 3074), np.uint8)
    test[:, 1] = np.repeat(np.arange(100), 2)
    test[:, 0] = test[:, 1] // 5
    import lzma  # noqa: PLC0415

    (shared / "cifar-100" / "test_by_class.bin.xz").write_bytes(lzma.compress(test.tobytes()))
    for name in ("fine_label_names.txt", "coarse_label_names.txt"):
        (shared / "cifar-100" / name).write_text("x\n")
    pixels = rng.integers(0, 256, (100, 500, 3072), dtype=np.uint8)
    for label in range(100):
        (bins / f"class{label}-{label}-train.bin").write_bytes(pixels[label].tobytes())
    script = str(ROOT / "examples" / "reports" / "build_cifar100_train.py")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, script, str(bins), str(tmp_path / "out"), "--shared",
                           str(shared)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    train = np.fromfile(tmp_path / "out" / "cifar-100" / "train.bin", np.uint8).reshape(-1, 3074)
    assert train.shape == (50_000, 3074)
    np.testing.assert_array_equal(train[:, 1], np.repeat(np.arange(100), 500))
    np.testing.assert_array_equal(train[:, 0], train[:, 1] // 5)
    np.testing.assert_array_equal(train[500:1000, 2:], pixels[1])
    (bins / "class7-7-train.bin").unlink()
    done = subprocess.run([sys.executable, script, str(bins), str(tmp_path / "o2"), "--shared",
                           str(shared)], capture_output=True, text=True, env=env)
    assert done.returncode != 0 and "expected 100" in done.stderr


# --------------------------------------------------------------------------- --resume


def _two_trainings(exp):
    """A section with two trainings on generated CIFAR-10 look-alikes: the first with a
    scheduler, the second with callbacks that have state (EarlyStopping restoring the best
    weights, a per-step learning-rate decay)."""
    from tinycnn import models, nn, optim
    from tinycnn.train import EarlyStopping, LRSchedulerCallback

    data = exp.cifar10()
    data.train.transform = data.val.transform = ex.to_input(models.CIFAR10)
    for i, label in enumerate(["plain", "with callbacks"]):
        model = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(3072, 10))
        opt = optim.SGD(model.parameters(), lr=1e-5, momentum=0.9)
        sched = optim.lr_scheduler.StepLR(opt, 1, 0.7) if i == 0 else None
        callbacks = [] if i == 0 else [
            EarlyStopping("val_acc", patience=5, restore_best_weights=True),
            LRSchedulerCallback(optim.lr_scheduler.StepLR(opt, 1, 0.95), interval="step")]
        run = exp.fit(model, opt, exp.loader(data.train, 32, shuffle=True),
                      exp.loader(data.val, 64), exp.epochs(3), scheduler=sched,
                      callbacks=callbacks, label=label)
        row = ex.history_row(run.history, model=label)
        row.pop("train_time_s")
        exp.add_row(row)
        np.save(exp.path(f"weights_{i}.npy"), model[2].weight.detach().numpy())


@pytest.mark.parametrize("stop_at", [2, 5])  # during the first / the second training
def test_resume_goes_on_as_if_never_interrupted(tmp_path, monkeypatch, stop_at):
    """Bit for bit. With several BLAS threads OpenBLAS may split a product differently
    from run to run (two uninterrupted runs then differ in the last bit): one thread here."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        _interrupt_and_resume(tmp_path, monkeypatch, stop_at)


def _interrupt_and_resume(tmp_path, monkeypatch, stop_at):
    from tinycnn.train import Trainer

    sections = {"two": ex.Section(_two_trainings, "two trainings")}
    argv = ["two", "--data-root", "generated", "--no-progress", "--checkpoint-every", "0"]
    ex.main("resume test", sections, [*argv, "--out", str(tmp_path / "whole")], report="999")

    calls, train_epoch = [0], Trainer.train_epoch

    def interrupted(self, loader):
        calls[0] += 1
        if calls[0] == stop_at:
            raise KeyboardInterrupt  # killed in the middle of an epoch
        return train_epoch(self, loader)

    monkeypatch.setattr(Trainer, "train_epoch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ex.main("resume test", sections, [*argv, "--out", str(tmp_path / "cut")], report="999")
    assert not (tmp_path / "cut" / "two" / "weights_1.npy").exists()
    calls[0] = -100  # no more interruptions
    ex.main("resume test", sections, [*argv, "--out", str(tmp_path / "cut"), "--resume"],
            report="999")
    assert calls[0] == -100 + 7 - stop_at  # only the epochs not checkpointed ran again
    for name in ("results.csv", "weights_0.npy", "weights_1.npy"):
        whole, cut = (tmp_path / d / "two" / name for d in ("whole", "cut"))
        assert whole.read_bytes() == cut.read_bytes(), name
