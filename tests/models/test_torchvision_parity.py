"""Importing torchvision weights, proved without downloading any: build each torchvision
architecture in PyTorch (benchmarks/torch_reference.py: same modules, same state_dict keys),
randomize it (BatchNorm statistics included), export it with the exporter, import the
.npz into tinycnn, and compare logits and an intermediate feature map on the same batch.
Inputs are small (the adaptive pools accept any size) to keep the suite fast."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tinycnn
from benchmarks import torch_reference as R
from tinycnn import models as M
from tinycnn.tools.export_torchvision import export_state_dict

# arch, input (N, C, H, W), a named intermediate layer to compare too
CASES = [
    ("alexnet", (2, 3, 64, 64), "features.7"),   # AlexNet needs >= 63x63
    ("vgg16", (2, 3, 32, 32), "features.22"),
    ("resnet18", (2, 3, 64, 64), "layer3"),
    ("resnet50", (2, 3, 64, 64), "layer2"),
]

TORCHVISION_COUNTS = {  # torchvision's documented parameter counts (1000 classes)
    "alexnet": 61_100_840, "vgg11": 132_863_336, "vgg11_bn": 132_868_840,
    "vgg16": 138_357_544, "vgg16_bn": 138_365_992, "resnet18": 11_689_512,
    "resnet34": 21_797_672, "resnet50": 25_557_032,
}


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.mark.parametrize("arch,shape,layer", CASES, ids=[c[0] for c in CASES])
def test_logits_match_torch_after_export_and_import(tmp_path, arch, shape, layer):
    torch.manual_seed(0)
    ref = R.randomize_bn(R.ARCHS[arch](num_classes=10)).eval()
    path = export_state_dict(ref, tmp_path / f"{arch}.npz", arch=arch)
    model = M.get_model(arch, num_classes=10, weights=path).eval()

    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    captured = {}

    def grab(module, inputs, output):  # returns None: a value would replace the output
        captured["f"] = output.detach().numpy().copy()

    hook = ref.get_submodule(layer).register_forward_hook(grab)
    with torch.no_grad():
        expected = ref(torch.from_numpy(x)).numpy()
    hook.remove()
    with tinycnn.no_grad():
        logits = model(tinycnn.tensor(x))
        feats = M.feature_extractor(model, layer)(tinycnn.tensor(x))
    assert logits.shape == expected.shape
    assert _rel(logits._data, expected) < 1e-4
    assert feats.shape == captured["f"].shape
    assert _rel(feats._data, captured["f"]) < 1e-4


@pytest.mark.parametrize("arch", sorted(TORCHVISION_COUNTS))
def test_state_dict_keys_and_shapes_are_torchvision(arch):
    with torch.device("meta"):  # no memory, no init: only names and shapes
        ref = R.ARCHS[arch]()
    model = M.get_model(arch)
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in ref.state_dict().items()}
    assert list(ours) == list(theirs)  # same names, same order
    assert ours == theirs
    assert sum(p.numel() for p in model.parameters()) == TORCHVISION_COUNTS[arch]
