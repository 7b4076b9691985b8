"""Transfer learning: freeze, replace the head, train only what is trainable, per-module
learning rates, and deep features for KNN/SVM."""

from __future__ import annotations

import numpy as np
import pytest

import tinycnn
from tinycnn import models as M
from tinycnn import nn, optim

HEADS = [  # model, its head's dotted name, input shape
    (lambda: M.alexnet_reduced(), "classifier.6", (2, 3, 32, 32)),
    (lambda: M.resnet18_cifar(), "fc", (2, 3, 32, 32)),
    (lambda: M.densenet_tiny(), "classifier", (2, 3, 32, 32)),
    (lambda: M.vgg16_cifar(), "classifier.5", (2, 3, 32, 32)),
    (lambda: M.alexnet(), "classifier.6", (1, 3, 63, 63)),
    (lambda: M.simple_cnn_mnist(), "classifier.3", (2, 1, 28, 28)),
]


@pytest.mark.parametrize("make,name,shape", HEADS, ids=[h[1] + str(i) for i, h in enumerate(HEADS)])
def test_replace_head_knows_each_zoo_classifier(make, name, shape):
    model = make()
    old = model.get_submodule(name)
    new = M.replace_head(model, 3)
    assert model.get_submodule(name) is new and new is not old
    assert (new.in_features, new.out_features) == (old.in_features, 3)
    assert model(tinycnn.randn(*shape)).shape == (shape[0], 3)


def test_replace_head_of_a_plain_model_uses_the_last_linear():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 5), nn.Sigmoid())
    assert M.head_name(model) == "2"
    M.replace_head(model, 2)
    assert model(tinycnn.randn(3, 4)).shape == (3, 2)
    with pytest.raises(ValueError, match="no nn.Linear"):
        M.replace_head(nn.Sequential(nn.ReLU()), 2)
    with pytest.raises(ValueError, match="num_classes must be a positive int"):
        M.replace_head(model, 0)


def test_frozen_features_record_no_graph_and_get_no_gradient():
    model = M.alexnet_reduced()
    M.freeze(model)
    head = M.replace_head(model, 5)
    assert M.trainable_parameters(model) == [head.weight, head.bias]
    x = tinycnn.randn(4, 3, 32, 32)
    feats = model.features(x)
    # no node was recorded for the frozen prefix: backward cannot do any work there
    assert not feats.requires_grad and feats.grad_fn is None
    loss = nn.CrossEntropyLoss()(model(x), tinycnn.tensor(np.array([0, 1, 2, 3])))
    loss.backward()
    assert head.weight.grad is not None and head.bias.grad is not None
    assert all(p.grad is None for n, p in model.named_parameters() if not n.startswith("classifier.6"))


def test_head_only_fine_tuning_learns_and_leaves_the_backbone_alone():
    model = M.alexnet_reduced()
    backbone = {k: v._data.copy() for k, v in model.state_dict().items()}
    M.freeze(model)
    M.replace_head(model, 2)
    model.eval()  # dropout off: the check below compares losses on the same batch
    rng = np.random.default_rng(0)  # dark images are class 0, bright ones class 1
    x = np.concatenate([rng.uniform(0, 0.3, (4, 3, 32, 32)), rng.uniform(0.7, 1, (4, 3, 32, 32))])
    x, y = tinycnn.tensor(x.astype(np.float32)), tinycnn.tensor(np.array([0] * 4 + [1] * 4))
    opt = optim.Adam(M.trainable_parameters(model), lr=0.1)
    losses = []
    for _ in range(15):
        loss = nn.CrossEntropyLoss()(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]  # random features are weak: a clear drop suffices
    for k, v in model.state_dict().items():
        if not k.startswith("classifier.6"):
            np.testing.assert_array_equal(v._data, backbone[k])


def test_param_groups_give_each_module_its_learning_rate():
    model = M.alexnet_reduced()
    groups = M.param_groups(model, {"features": 1e-4, "classifier": 1e-3, "classifier.6": 1e-2})
    names = {id(p): n for n, p in model.named_parameters()}
    assert [g["lr"] for g in groups] == [1e-4, 1e-3, 1e-2]
    assert all(names[id(p)].startswith("features.") for p in groups[0]["params"])
    assert sorted(names[id(p)] for p in groups[2]["params"]) == ["classifier.6.bias", "classifier.6.weight"]
    assert len(groups[1]["params"]) == 4  # classifier.1 and .4, not .6 (longest prefix wins)
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))

    # frozen parameters are left out; unmatched trainable ones get the optimizer's default lr
    M.freeze(model.features[0])
    groups = M.param_groups(model, {"classifier": 1e-3})
    assert len(groups) == 2 and "lr" not in groups[1] and len(groups[1]["params"]) == 8
    with pytest.raises(ValueError, match=r"no trainable parameter under \['feature'\].*'features'"):
        M.param_groups(model, {"feature": 1e-3})

    # the optimizer applies them: one SGD step moves each group by its own lr * grad
    model = M.lenet5()
    opt = optim.SGD(M.param_groups(model, {"features": 0.1, "classifier": 0.01}), lr=1.0)
    w_f, w_c = model.features[0].weight, model.classifier[0].weight
    before = w_f._data.copy(), w_c._data.copy()
    loss = model(tinycnn.randn(2, 1, 28, 28)).sum()
    loss.backward()
    opt.step()
    np.testing.assert_allclose(w_f._data, before[0] - 0.1 * w_f.grad._data, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(w_c._data, before[1] - 0.01 * w_c.grad._data, rtol=1e-6, atol=1e-7)


def test_feature_extractor_returns_the_named_activation_and_stops_there():
    model = M.alexnet_reduced().eval()
    x = tinycnn.randn(3, 3, 32, 32)
    with tinycnn.no_grad():
        manual = model.features(x).flatten(1)
        for layer in list(model.classifier)[:5]:
            manual = layer(manual)
        calls = []
        model.classifier[6].register_forward_hook(lambda *a: calls.append(1))
        f = M.feature_extractor(model, "classifier.4")(x)
    assert f.shape == (3, 2048)
    np.testing.assert_allclose(f._data, manual._data, rtol=1e-6)
    assert calls == []  # the head never ran
    pooled = M.feature_extractor(M.resnet18_cifar().eval(), "avgpool", flatten=True)
    assert pooled(tinycnn.randn(2, 3, 32, 32)).shape == (2, 512)
    with pytest.raises(ValueError, match=r"no submodule 'fetures'.*'features'"):
        M.feature_extractor(model, "fetures")


def test_deep_features_feed_a_knn():
    """Report 001 (b) / 004: classify the 512 deep features with scikit-learn."""
    from sklearn.neighbors import KNeighborsClassifier

    model = M.alexnet_reduced().eval()
    rng = np.random.default_rng(0)
    # two "classes" of images: dark and bright, which even random features separate
    x = np.concatenate([rng.uniform(0, 0.3, (10, 3, 32, 32)), rng.uniform(0.7, 1, (10, 3, 32, 32))])
    y = np.array([0] * 10 + [1] * 10)
    extract = M.feature_extractor(model, "features", flatten=True)
    with tinycnn.no_grad():
        feats = extract(tinycnn.tensor(x.astype(np.float32))).numpy()
    assert feats.shape == (20, 512)
    knn = KNeighborsClassifier(3).fit(feats[::2], y[::2])
    assert knn.score(feats[1::2], y[1::2]) == 1.0


@pytest.mark.data
@pytest.mark.slow
def test_transfer_learning_example_runs(shared_data, tmp_path):
    """examples/transfer_learning.py --quick: pretrain, export, re-import, fine-tune."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "examples/transfer_learning.py", "--quick",
                           "--data-root", str(shared_data), "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=root, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "identical logits: True" in proc.stdout
    for step in ("1.", "2.", "3.", "4.", "   a.", "   b.", "   c.", "   d.", "5."):
        assert f"\n{step}" in "\n" + proc.stdout, step
    assert (tmp_path / "alexnet_reduced_cifar10.npz").is_file()
    assert (tmp_path / "alexnet_reduced_cifar10.json").is_file()


def test_feature_extractor_layer_that_never_runs():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(3, 2), nn.Linear(3, 2)

        def forward(self, x):
            return self.used(x)

    with pytest.raises(RuntimeError, match="'unused' did not run in Net.forward"):
        M.feature_extractor(Net(), "unused")(tinycnn.randn(1, 3))
