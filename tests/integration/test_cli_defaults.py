"""The second hour of a newcomer (issue 16): the progress bar in a real terminal, one
data-root rule, command-line defaults that work, PyTorch's parameter counts, the benchmark
entry points."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from conftest import SHARED_DATA
from test_cli import fake_mnist  # noqa: F401  (a fixture: root/mnist/ with 120 tiny images)

import tinycnn
from tinycnn import cli
from tinycnn.data import root as data_root
from tinycnn.models import resnet18

ROOT = Path(__file__).resolve().parents[2]

FIT_SCRIPT = """
import numpy as np
from tinycnn import nn, optim
from tinycnn.data import ArrayDataset, DataLoader
from tinycnn.train import LambdaCallback, fit

x = np.random.default_rng(0).random((64, 4)).astype(np.float32)
data = ArrayDataset(x, (x[:, 0] > 0.5).astype(np.int64))
model = nn.Linear(4, 2)
log = LambdaCallback(on_epoch_end=lambda t, e, r: print(f"EPOCH-LINE {e}: {r['train_loss']:.4f}"))
fit(model, DataLoader(data, batch_size=8), optim.SGD(model.parameters(), lr=0.1), 2,
    val_loader=DataLoader(data, batch_size=32), callbacks=[log])
"""


def run_in_terminal(args: list[str], cwd: Path) -> str:
    """Run ``python ARGS`` attached to a pseudo-terminal 100 columns wide; its output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    proc = subprocess.Popen([sys.executable, *args], stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=120) == 0, b"".join(chunks).decode()[-2000:]
    return b"".join(chunks).decode()


def assert_lines_apart(out: str, line: str, bar: str, epochs: int) -> None:
    """Each epoch's ``line`` starts a line of its own, after its progress ``bar`` is done."""
    for e in range(1, epochs + 1):
        printed, bar_e = line.format(e=e), bar.format(e=e)
        assert bar_e + "   0%" in out, f"no progress bar in the terminal:\n{out!r}"
        before, after = out.split(printed, 1)
        assert before.endswith("\n"), f"epoch line glued to the bar:\n{out!r}"
        assert bar_e not in after, f"the bar repainted after the epoch line:\n{out!r}"


def test_progress_bar_and_epoch_lines_in_a_terminal(tmp_path):
    out = run_in_terminal(["-c", FIT_SCRIPT], tmp_path)
    assert_lines_apart(out, "EPOCH-LINE {e}:", "epoch {e}/2:", 2)


def test_cli_train_in_a_terminal(tmp_path, fake_mnist):  # noqa: F811
    out = run_in_terminal(["-m", "tinycnn", "train", "--data-root", str(fake_mnist), "--epochs",
                           "2", "--batch-size", "16", "--out", str(tmp_path / "run")], ROOT)
    assert_lines_apart(out, "epoch {e}/2: train_loss", "epoch {e}/2:", 2)


# --------------------------------------------------------------------------- data root

def _run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_data_root_rule(tmp_path, monkeypatch):
    given, env, checkout = (tmp_path / n for n in ("given", "env", "checkout"))
    for d in (given, env, checkout):
        d.mkdir()
    monkeypatch.setattr(data_root, "CHECKOUT_DATA", checkout)
    monkeypatch.delenv("TINYCNN_DATA", raising=False)
    assert data_root.resolve_data_root() == checkout
    monkeypatch.setenv("TINYCNN_DATA", str(env))
    assert data_root.resolve_data_root() == env
    assert data_root.resolve_data_root(str(given)) == given
    monkeypatch.setenv("TINYCNN_DATA", str(tmp_path / "gone"))
    with pytest.raises(data_root.DataRootError, match="TINYCNN_DATA=.*gone is not a folder"):
        data_root.resolve_data_root()
    assert data_root.resolve_data_root(download=True) == tmp_path / "gone"
    monkeypatch.delenv("TINYCNN_DATA")
    monkeypatch.setattr(data_root, "CHECKOUT_DATA", tmp_path / "none")
    with pytest.raises(data_root.DataRootError, match="--data-root DIR, set TINYCNN_DATA.*--download"):
        data_root.resolve_data_root()
    assert data_root.resolve_data_root(download=True) == Path("data")


def test_cli_finds_the_data_without_data_root(capsys, tmp_path, monkeypatch, fake_mnist):  # noqa: F811
    monkeypatch.delenv("TINYCNN_DATA", raising=False)
    monkeypatch.setattr(data_root, "CHECKOUT_DATA", fake_mnist)  # a set-up checkout
    code, out, err = _run(capsys, "train", "--epochs", "1", "--no-progress", "--out",
                          str(tmp_path / "run"))
    assert code == 0 and "training lenet5 on mnist" in out, err
    monkeypatch.setattr(data_root, "CHECKOUT_DATA", tmp_path / "none")
    code, _, err = _run(capsys, "train", "--epochs", "1")
    assert code == 2 and "no data folder found" in err and "--download" in err
    code, _, err = _run(capsys, "train", "--dataset", "cifar10", "--data-root", str(fake_mnist))
    assert code == 2 and "CIFAR10: could not find" in err and "Add --download" in err
    for command in ("train", "evaluate"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        assert "--download" in capsys.readouterr().out


def test_download_command(capsys, tmp_path, monkeypatch, shared_data):
    code, out, err = _run(capsys, "download", "mnist", "--data-root", str(shared_data))
    assert code == 0 and "mnist in " in out and "train 60000, test 10000" in out, err
    from tinycnn.data.datasets import utils  # noqa: PLC0415

    def offline(urls, folder, name, md5):
        raise RuntimeError(f"could not download {name}: no network")

    monkeypatch.setattr(utils, "download", offline)
    code, _, err = _run(capsys, "download", "cifar10", "--data-root", str(tmp_path))
    assert code == 2 and err.strip() == ("tinycnn download: error: could not download "
                                         "cifar-10-binary.tar.gz: no network")


@pytest.mark.parametrize("script", ["examples/train_mnist_lenet.py", "examples/transfer_learning.py"])
def test_examples_say_how_to_get_the_data(script, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TINYCNN_DATA=str(tmp_path / "nothing"))
    proc = subprocess.run([sys.executable, str(ROOT / script), "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT / "examples", env=env, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "TINYCNN_DATA=" in proc.stderr and "is not a folder: pass --data-root DIR" in proc.stderr
    assert ("--download" in proc.stderr) == script.endswith("lenet.py")


def test_the_checkout_data_does_not_depend_on_the_working_folder(tmp_path):
    """``cd examples && python transfer_learning.py`` finds ../shared/data as well."""
    assert data_root.CHECKOUT_DATA == ROOT.parent / "shared" / "data"
    env = {k: v for k, v in os.environ.items() if k != "TINYCNN_DATA"}
    env.update(PYTHONPATH=str(ROOT))
    code = "from tinycnn.data.root import find_data_root; print(find_data_root())"
    for cwd in (ROOT / "examples", tmp_path):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=cwd, env=env, timeout=60)
        expected = data_root.CHECKOUT_DATA if data_root.CHECKOUT_DATA.is_dir() else None
        assert proc.stdout.strip() == str(expected), proc.stderr


# --------------------------------------------------------------------------- command line

def test_version_and_models(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"tinycnn {tinycnn.__version__}"
    code, out, _ = _run(capsys, "models")
    lines = dict(line.split(None, 1) for line in out.strip().splitlines())
    assert set(lines) == set(tinycnn.models.list_models())
    assert lines["resnet18"] == "ResNet-18, 11,689,512 parameters for 1000 classes"
    assert lines["lenet5"] == "LeNet-5" and all(len(v) < 100 and v.strip() for v in lines.values())


def test_summary_takes_the_input_size_from_the_model(capsys):
    code, out, err = _run(capsys, "summary", "resnet18")
    assert code == 0, err
    assert "(None, 64, 112, 112)" in out and "Total params: 11,689,512" in out
    assert "Non-trainable params: 0" in out and "Buffers (not parameters): 9,600" in out
    assert cli.input_shape(resnet18()) == (3, 224, 224)
    assert cli.input_shape(tinycnn.models.lenet5()) == (1, 28, 28)
    assert cli.input_shape(tinycnn.models.cifar_cnn_49k()) == (3, 32, 32)
    code, out, _ = _run(capsys, "summary", "densenet_tiny", "--keras")
    assert "Total params: 45,634" in out and "Non-trainable params: 1,224" in out


def test_summary_counts_like_pytorch():
    import torch  # noqa: PLC0415

    from tinycnn import nn  # noqa: PLC0415

    ours = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(),
                         nn.Linear(8 * 6 * 6, 10))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8),
                                 torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8 * 6 * 6, 10))
    for model in (ours[0], theirs[0]):
        model.weight.requires_grad_(False)
    s = tinycnn.summary(ours, (3, 8, 8), verbose=False)
    assert s.total_params == sum(p.numel() for p in theirs.parameters())
    assert s.trainable_params == sum(p.numel() for p in theirs.parameters() if p.requires_grad)
    assert s.non_trainable_params == 3 * 8 * 9
    assert s.buffers == sum(b.numel() for b in theirs.buffers() if b.is_floating_point())
    assert [r.params for r in s.rows if r.type == "BatchNorm2d"] == [16]  # torchsummary's count
    with pytest.raises(ValueError, match="style must be"):
        tinycnn.summary(ours, (3, 8, 8), style="tf")


def test_train_picks_a_model_for_the_dataset(capsys, tmp_path):
    assert set(cli.DEFAULT_MODEL) == set(cli.DATASETS)
    for dataset, name in cli.DEFAULT_MODEL.items():
        model = tinycnn.models.get_model(name)
        assert cli.input_shape(model) == cli.INPUT_SHAPE[dataset], dataset
    code, _, err = _run(capsys, "train", "--dataset", "cifar10", "--model", "lenet5",
                        "--data-root", str(tmp_path))
    assert code == 2 and "lenet5 takes 1x28x28 images, cifar10 has 3x32x32" in err
    assert "--model cifar_cnn_49k" in err


@pytest.mark.data
def test_train_on_cifar10_with_the_defaults(capsys, tmp_path):
    code, out, err = _run(capsys, "train", "--dataset", "cifar10", "--data-root", str(SHARED_DATA),
                          "--limit", "64", "--epochs", "1", "--no-progress", "--out",
                          str(tmp_path))
    assert code == 0, err
    assert "training cifar_cnn_49k on cifar10" in out


# --------------------------------------------------------------------------- benchmarks

def test_benchmark_entry_points(capsys, monkeypatch):
    for cmd in ([str(ROOT / "benchmarks" / "run.py"), "--help"], ["-m", "tinycnn", "bench",
                                                                   "--help-run"]):
        proc = subprocess.run([sys.executable, *cmd], capture_output=True, text=True, cwd="/",
                              env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
        assert proc.returncode == 0 and "--quick" in proc.stdout, proc.stderr
    from benchmarks import run

    monkeypatch.setitem(sys.modules, "torch", None)  # as if PyTorch were not installed
    with pytest.raises(SystemExit, match="PyTorch is not installed.*pip install"):
        run.main(["--quick"])


def test_get_model_builder_as_torchvision():
    from tinycnn import models

    assert models.get_model_builder("resnet18") is models.resnet18
    with pytest.raises(ValueError, match="unknown model 'resnet19'"):
        models.get_model_builder("resnet19")
