"""The tinycnn command line: help, one-line errors, train -> evaluate on a tiny fake MNIST."""

from __future__ import annotations

import csv
import gzip
import subprocess
import sys

import numpy as np
import pytest

import tinycnn
from tinycnn import cli


def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def fake_mnist(tmp_path):
    """root/mnist/ with 80 training and 40 test images: digit d is a bright bar at row 2d."""
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", 80), ("t10k", 40)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 40, (n, 28, 28))
        for i, d in enumerate(labels):
            images[i, 2 * d + 4: 2 * d + 7, 4:24] = 250
        _write_idx(folder / f"{split}-images-idx3-ubyte.gz", images)
        _write_idx(folder / f"{split}-labels-idx1-ubyte.gz", labels)
    return tmp_path / "data"


def _run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("argv", [[], ["train"], ["evaluate"], ["summary"], ["models"]])
def test_help_everywhere(capsys, argv):
    with pytest.raises(SystemExit) as e:
        cli.main([*argv, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: tinycnn")
    if argv == ["train"]:
        assert "--epochs" in out and "--optimizer" in out and "--data-root" in out


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "tinycnn", "--help"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "train" in result.stdout and "evaluate" in result.stdout


@pytest.mark.parametrize("argv, message", [
    (["train", "--epochs", "0"], "argument --epochs: must be > 0, got 0"),
    (["train", "--optimizer", "lbfgs"], "argument --optimizer: invalid choice"),
    (["train", "--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
    (["summary", "lenet5", "--input", "1,x,28"], "expected sizes like 1,28,28"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_arguments_give_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["summary", "lenet6"], "unknown model 'lenet6'; available: "),
    (["train", "--data-root", "/no/such/folder"], "--data-root '/no/such/folder' is not a folder"),
    (["evaluate", "missing.npz", "--data-root", "."], "no such checkpoint file 'missing.npz'"),
    (["train", "--val-split", "1.5", "--data-root", "."], "--val-split must be in [0, 1)"),
])
def test_bad_values_give_one_line(capsys, monkeypatch, argv, message):
    monkeypatch.delenv("TINYCNN_DEBUG", raising=False)
    code, _, err = _run(capsys, *argv)
    assert code == 2 and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_missing_dataset_files_are_one_line(capsys, tmp_path):
    code, _, err = _run(capsys, "train", "--data-root", str(tmp_path), "--no-progress")
    assert code == 2 and err.startswith("tinycnn train: error: ") and "MNIST" in err
    assert len(err.strip().splitlines()) == 1


def test_models_and_summary(capsys):
    code, out, _ = _run(capsys, "models")
    assert code == 0 and "lenet5" in out.split()
    code, out, _ = _run(capsys, "summary", "lenet5", "--input", "1,28,28")
    assert code == 0 and "Total params: 61,706" in out
    code, out, _ = _run(capsys, "summary", "lenet5", "--num-classes", "3")
    assert "(None, 3)" in out


def test_train_then_evaluate(capsys, fake_mnist, tmp_path):
    out_dir = tmp_path / "run"
    code, out, err = _run(capsys, "train", "--model", "lenet5", "--dataset", "mnist",
                          "--data-root", str(fake_mnist), "--epochs", "2", "--batch-size", "16",
                          "--optimizer", "adam", "--lr", "3e-3", "--out", str(out_dir),
                          "--no-progress")
    assert code == 0, err
    assert "epoch 2/2: train_loss" in out and "test accuracy" in out
    for name in ("history.csv", "curves.png", "confusion.png", "best.npz"):
        assert (out_dir / name).stat().st_size > 0, name
    with open(out_dir / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert (out_dir / "curves.png").read_bytes()[:4] == b"\x89PNG"
    state = tinycnn.load(out_dir / "best.npz")
    assert state["model_name"] == "lenet5" and state["dataset"] == "mnist"
    assert state["num_classes"] == 10 and state["epoch"] in (1, 2)

    code, out, err = _run(capsys, "evaluate", str(out_dir / "best.npz"), "--data-root",
                          str(fake_mnist), "--confusion", str(tmp_path / "cm.png"))
    assert code == 0, err
    assert "on mnist test set (40 images)" in out and "9 - nine" in out
    best_val = max(float(r["val_acc"]) for r in rows)  # validation ran on the test set
    assert f"accuracy {best_val:.4f}" in out
    assert (tmp_path / "cm.png").read_bytes()[:4] == b"\x89PNG"


def test_evaluate_refuses_foreign_checkpoints(capsys, tmp_path):
    tinycnn.save({"model": {"w": np.zeros(2)}}, tmp_path / "w.npz")
    code, _, err = _run(capsys, "evaluate", str(tmp_path / "w.npz"), "--data-root", ".")
    assert code == 2 and "does not say which model it holds" in err


def test_commands_come_from_a_registry(capsys, monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", dict(cli.COMMANDS))

    @cli.command("hello", "say hello", lambda p: p.add_argument("name"))
    def _hello(args):
        print("hello", args.name)

    code, out, _ = _run(capsys, "hello", "world")
    assert code == 0 and out == "hello world\n"
