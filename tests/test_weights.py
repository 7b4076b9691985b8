"""Weights files: .npz + JSON sidecar, strict and partial loading, PyTorch state_dict files,
and the torchvision exporter (with torch models standing in for torchvision's)."""

from __future__ import annotations

import enum
import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

import tinycnn
from tinycnn import models as M
from tinycnn.tools import export_torchvision as ex

sys.path.insert(0, str(Path(__file__).parent))
import torch_reference as R  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _same_params(a, b) -> bool:
    return all(np.array_equal(x.data, y.data) for x, y in zip(a.state_dict().values(),
                                                               b.state_dict().values()))


def test_npz_and_sidecar(tmp_path):
    model = M.lenet5()
    path = M.save_weights(model, tmp_path / "lenet.npz")
    side = json.loads((tmp_path / "lenet.json").read_text())
    assert side["format"] == "tinycnn-weights/1" and side["architecture"] == "lenet5"
    assert side["preprocessing"]["mean"] == [0.1307] and side["num_arrays"] == 10
    import hashlib
    assert side["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    with np.load(path, allow_pickle=False) as z:
        assert sorted(z.files) == sorted(model.state_dict())
        np.testing.assert_array_equal(z["features.0.weight"], model.features[0].weight.data)
    assert not list(tmp_path.glob("*.tmp"))  # atomic write left nothing behind


def test_strict_load_names_every_problem(tmp_path):
    src = M.lenet5(num_classes=10)
    state = {k: v.data for k, v in src.state_dict().items()}
    state["extra.weight"] = np.zeros(3, np.float32)
    del state["features.0.bias"]
    target = M.lenet5(num_classes=4)
    before = M.lenet5(num_classes=4)
    before.load_state_dict(target.state_dict())
    with pytest.raises(ValueError) as e:
        M.load_weights(target, state)
    msg = str(e.value)
    assert '"features.0.bias"' in msg and '"extra.weight"' in msg
    assert "size mismatch for classifier.4.weight: file has (10, 84), model has (4, 84)" in msg
    assert "strict=False" in msg
    assert _same_params(target, before)  # nothing was loaded


def test_partial_load_for_a_new_head():
    src = M.lenet5(num_classes=10)
    target = M.lenet5(num_classes=4)
    res = M.load_weights(target, src.state_dict(), strict=False)
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert res.mismatched_keys == [("classifier.4.weight", (10, 84), (4, 84)),
                                   ("classifier.4.bias", (10,), (4,))]
    np.testing.assert_array_equal(target.features[0].weight.data, src.features[0].weight.data)
    assert not np.array_equal(target.classifier[2].weight.data[:4], src.classifier[4].weight.data[:4])
    np.testing.assert_array_equal(target.classifier[2].weight.data, src.classifier[2].weight.data)


def test_constructor_weights_must_fit(tmp_path):
    path = M.save_weights(M.lenet5(num_classes=10), tmp_path / "w.npz")
    with pytest.raises(ValueError, match="replace_head"):
        M.lenet5(num_classes=3, weights=path)
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        M.lenet5(weights=tmp_path / "nope.npz")
    (tmp_path / "w.txt").write_text("x")
    with pytest.raises(ValueError, match=r"\.npz, \.pt or \.pth"):
        M.load_weights(M.lenet5(), tmp_path / "w.txt")


def test_corrupted_file_is_detected(tmp_path):
    path = M.save_weights(M.lenet5(), tmp_path / "w.npz")
    other = M.save_weights(M.lenet5(), tmp_path / "other.npz")
    path.write_bytes(other.read_bytes())  # same format, different numbers: sidecar disagrees
    with pytest.raises(ValueError, match="sha256"):
        M.lenet5(weights=path)


def test_no_pickle_in_npz(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, **{"features.0.weight": np.array([object()], dtype=object)})
    with pytest.raises(ValueError, match="allow_pickle"):
        M.load_weights(M.lenet5(), path)


def test_sidecar_preprocessing_is_installed(tmp_path):
    prep = M.Preprocessing(mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25), resize=232, crop=224)
    path = M.save_weights(M.resnet18_cifar(), tmp_path / "r.npz", preprocessing=prep)
    model = M.resnet18_cifar(weights=path)
    assert model.preprocessing == prep


def test_pytorch_state_dict_file(tmp_path):
    ref = R.resnet18(num_classes=5)
    torch.save(ref.state_dict(), tmp_path / "r18.pth")
    model = M.resnet18(num_classes=5, weights=tmp_path / "r18.pth")
    np.testing.assert_array_equal(model.fc.weight.data, ref.fc.weight.detach().numpy())
    np.testing.assert_array_equal(model.layer2[0].downsample[1].running_var.data,
                                  ref.layer2[0].downsample[1].running_var.numpy())
    torch.save({"model": ref.state_dict(), "epoch": 3}, tmp_path / "ckpt.pth")
    M.load_weights(model, tmp_path / "ckpt.pth")  # the checkpoint's "model" entry
    torch.save({"net": ref.state_dict(), "epoch": 3}, tmp_path / "other.pth")
    with pytest.raises(ValueError, match="does not hold a state_dict"):
        M.load_weights(model, tmp_path / "other.pth")


def test_export_state_dict_of_a_torch_module(tmp_path):
    ref = R.resnet18(num_classes=7)
    out = ex.export_state_dict(ref, tmp_path / "a.npz", arch="resnet18")
    side = json.loads((tmp_path / "a.json").read_text())
    assert side["architecture"] == "resnet18" and side["source"] == "pytorch"
    assert side["preprocessing"] == M.IMAGENET.to_dict()
    with np.load(out, allow_pickle=False) as z:
        assert list(z.files) == list(ref.state_dict())
    ex.export_state_dict(ref.state_dict(), tmp_path / "b.npz", arch="my_net")
    assert "preprocessing" not in json.loads((tmp_path / "b.json").read_text())
    with pytest.raises(TypeError, match="torch.nn.Module or a state dict"):
        ex.export_state_dict([1, 2], tmp_path / "c.npz")


class ResNet18_Weights(enum.Enum):
    """Stands in for torchvision's weights enum (WeightsEnum is an Enum; DEFAULT an alias)."""

    IMAGENET1K_V1 = "resnet18-v1.pth"
    IMAGENET1K_V2 = "resnet18-v2.pth"
    DEFAULT = "resnet18-v2.pth"

    @property
    def url(self) -> str:
        return "https://download.pytorch.org/models/" + self.value

    def transforms(self):
        resize = 232 if self.name == "IMAGENET1K_V2" else 256
        return types.SimpleNamespace(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225],
                                     resize_size=[resize], crop_size=[224])


@pytest.fixture
def fake_torchvision(monkeypatch):
    """torchvision.models with get_model_weights / get_model that build our reference net."""
    calls = []

    def get_model(name, weights):
        calls.append((name, weights))
        return R.resnet18(num_classes=3)

    models = types.ModuleType("torchvision.models")
    models.get_model_weights = lambda arch: ResNet18_Weights
    models.get_model = get_model
    tv = types.ModuleType("torchvision")
    tv.models = models
    monkeypatch.setitem(sys.modules, "torchvision", tv)
    monkeypatch.setitem(sys.modules, "torchvision.models", models)
    return calls


def test_export_torchvision_wiring(tmp_path, fake_torchvision):
    assert ex.main(["resnet18", str(tmp_path / "r18.npz")]) == 0
    assert fake_torchvision == [("resnet18", ResNet18_Weights.IMAGENET1K_V2)]  # DEFAULT
    side = json.loads((tmp_path / "r18.json").read_text())
    assert side["preprocessing"] == {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                                     "resize": 232, "crop": 224}
    assert "ResNet18_Weights.IMAGENET1K_V2" in side["source"] and "resnet18-v2.pth" in side["source"]
    model = M.resnet18(num_classes=3, weights=tmp_path / "r18.npz")
    assert model.preprocessing.resize == 232  # the weights' own preprocessing travels along

    assert ex.main(["resnet18", str(tmp_path / "v1.npz"), "--weights", "IMAGENET1K_V1"]) == 0
    assert json.loads((tmp_path / "v1.json").read_text())["preprocessing"]["resize"] == 256


def test_export_torchvision_unknown_weights(tmp_path, fake_torchvision, capsys):
    assert ex.main(["resnet18", str(tmp_path / "r.npz"), "--weights", "IMAGENET22K"]) == 1
    assert "resnet18 has no weights 'IMAGENET22K'" in capsys.readouterr().err


def test_exporter_without_torchvision_fails_clearly(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torchvision", None)
    monkeypatch.setitem(sys.modules, "torchvision.models", None)
    assert ex.main(["resnet18", str(tmp_path / "r.npz")]) == 1
    err = capsys.readouterr().err
    assert "needs torchvision.models" in err and "pip install torch torchvision" in err
    assert not (tmp_path / "r.npz").exists()


def test_exporter_command_line_with_a_state_dict_file(tmp_path):
    torch.save(R.resnet18(num_classes=4).state_dict(), tmp_path / "mine.pth")
    out = tmp_path / "mine.npz"
    proc = subprocess.run(
        [sys.executable, "-m", "tinycnn.tools.export_torchvision", "resnet18", str(out),
         "--state-dict", str(tmp_path / "mine.pth")],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stdout
    side = json.loads(out.with_suffix(".json").read_text())
    assert side["architecture"] == "resnet18" and side["source"] == "state_dict mine.pth"
    assert M.resnet18(num_classes=4, weights=out).fc.out_features == 4


def test_load_keeps_dtype_and_accepts_float64(tmp_path):
    model = M.lenet5()
    state = {k: v.data.astype(np.float64) if v.dtype.kind == "f" else v.data
             for k, v in model.state_dict().items()}
    other = M.lenet5()
    M.load_weights(other, state)
    assert all(p.dtype == np.float32 for p in other.parameters())
    assert _same_params(other, model)
    assert tinycnn.get_default_dtype() == np.float32


def test_cli_export_torchvision_subcommand(tmp_path):
    from tinycnn import cli

    torch.save(R.resnet18(num_classes=3).state_dict(), tmp_path / "r.pth")
    assert cli.main(["export-torchvision", "resnet18", str(tmp_path / "r.npz"),
                     "--state-dict", str(tmp_path / "r.pth")]) == 0
    assert M.resnet18(num_classes=3, weights=tmp_path / "r.npz").fc.out_features == 3


def test_old_checkpoints_without_num_batches_tracked_load_strictly():
    ref = R.resnet18(num_classes=2)
    state = {k: v for k, v in ref.state_dict().items() if not k.endswith("num_batches_tracked")}
    model = M.resnet18(num_classes=2)
    res = M.load_weights(model, state)
    assert res.missing_keys == [] and int(model.bn1.num_batches_tracked.item()) == 0
