"""The model zoo: parameter counts as the reports state them, output shapes as in their
tables, forward + backward on a batch, the registry, and each model's preprocessing."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PIL import Image

import tinycnn
from tinycnn import models as M
from tinycnn import nn
from tinycnn.nn.summary import count_params

# name, kwargs, trainable parameters, Keras-style total (trainable + BatchNorm running stats)
REPORT_COUNTS = [
    ("lenet5", {}, 61_706, 61_706),
    ("simple_cnn_mnist", {}, 813_802, 813_802),                 # report 004
    ("dediosnet1", {"num_classes": 100}, 3_133_464, 3_133_464),  # report 000
    ("dediosnet2", {"num_classes": 100}, 68_004, 68_052),        # report 000, made consistent
    ("cifar_cnn_49k", {}, 49_268, 49_268),                       # report 001, table 1
    ("densenet_tiny", {}, 44_410, 45_634),                       # report 001, table 2
    ("alexnet_reduced", {"num_classes": 10}, 6_199_498, 6_199_498),  # report 004
    ("vgg16_cifar", {"num_classes": 10}, 14_991_946, 15_001_418),    # report 001, transfer
    ("resnet18_cifar", {"num_classes": 10}, 11_173_962, 11_183_562),
    ("grid_cnn", {}, 19_066_810, 19_066_810),                    # report 002, final net
    ("efficientnet_lite0", {}, 4_652_008, 4_694_024),            # the ImageNet weights' count
]

# small inputs for a forward/backward pass: (name, kwargs, input shape)
SMALL = [
    ("lenet5", {}, (2, 1, 28, 28)),
    ("simple_cnn_mnist", {}, (2, 1, 28, 28)),
    ("dediosnet1", {}, (2, 3, 32, 32)),
    ("dediosnet2", {}, (2, 3, 32, 32)),
    ("cifar_cnn_49k", {}, (2, 3, 32, 32)),
    ("densenet_tiny", {}, (2, 3, 32, 32)),
    ("alexnet_reduced", {}, (2, 3, 32, 32)),
    ("grid_cnn", {"n_conv": 3, "n_fc": 2, "width": 4, "fc_width": 8, "batch_norm": True}, (2, 3, 32, 32)),
    ("vgg16_cifar", {}, (2, 3, 32, 32)),
    ("resnet18_cifar", {}, (2, 3, 32, 32)),
    ("efficientnet_lite0", {"num_classes": 5}, (2, 3, 32, 32)),
]


@pytest.mark.parametrize("name,kwargs,trainable,total", REPORT_COUNTS, ids=[r[0] for r in REPORT_COUNTS])
def test_parameter_counts_as_reported(name, kwargs, trainable, total):
    model = M.get_model(name, **kwargs)
    n_train, n_other = count_params(model)
    assert n_train == trainable
    assert n_train + n_other == total


def test_summary_reproduces_report_001_first_table():
    s = tinycnn.summary(M.cifar_cnn_49k(), (3, 32, 32), verbose=False)
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == (49_268, 49_268, 0)
    rows = [(r.type, r.output_shape, r.params) for r in s.rows if r.type != "ReLU"]
    assert rows == [  # the report's table, in NCHW
        ("Conv2d", (1, 30, 32, 32), 840), ("Conv2d", (1, 30, 30, 30), 8130),
        ("MaxPool2d", (1, 30, 15, 15), 0), ("Dropout", (1, 30, 15, 15), 0),
        ("Conv2d", (1, 48, 13, 13), 13008), ("MaxPool2d", (1, 48, 6, 6), 0),
        ("Conv2d", (1, 48, 4, 4), 20784), ("MaxPool2d", (1, 48, 2, 2), 0),
        ("Dropout", (1, 48, 2, 2), 0), ("Linear", (1, 32), 6176), ("Dropout", (1, 32), 0),
        ("Linear", (1, 10), 330),
    ]


def test_summary_reproduces_report_001_densenet_table():
    s = tinycnn.summary(M.densenet_tiny(), (3, 32, 32), verbose=False)
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == (45_634, 44_410, 1_224)
    convs = [(r.output_shape[1:], r.params) for r in s.rows if r.type == "Conv2d"]
    bns = [(r.output_shape[1:], r.params) for r in s.rows if r.type == "BatchNorm2d"]
    # the report's conv2d_1 ... conv2d_15 and batch_normalization_1 ... _15, in order
    assert convs == [
        ((24, 32, 32), 648), ((48, 32, 32), 1152), ((12, 32, 32), 5184),
        ((48, 32, 32), 1728), ((12, 32, 32), 5184), ((24, 32, 32), 1152),
        ((48, 16, 16), 1152), ((12, 16, 16), 5184), ((48, 16, 16), 1728), ((12, 16, 16), 5184),
        ((24, 16, 16), 1152), ((48, 8, 8), 1152), ((12, 8, 8), 5184), ((48, 8, 8), 1728),
        ((12, 8, 8), 5184),
    ]
    assert [c for (c, _, _), _ in bns] == [24, 48, 36, 48, 48, 24, 48, 36, 48, 48, 24, 48, 36, 48, 48]
    assert [p for _, p in bns] == [4 * c for (c, _, _), _ in bns]
    # concatenation puts the new 12 maps first, then the block input (Keras' order)
    layer = M.densenet_tiny().features[0][0]
    x = tinycnn.randn(1, 24, 8, 8)
    out = layer(x)
    assert out.shape == (1, 36, 8, 8)
    np.testing.assert_array_equal(out.data[:, 12:], x.data)


@pytest.mark.parametrize("name,kwargs,shape", SMALL, ids=[s[0] for s in SMALL])
def test_forward_backward(name, kwargs, shape):
    model = M.get_model(name, **kwargs)
    x = tinycnn.randn(*shape)
    y = tinycnn.tensor(np.array([1, 0]))
    logits = model(x)
    num_classes = kwargs.get("num_classes", 100 if name.startswith("dediosnet") else 10)
    assert logits.shape == (shape[0], num_classes)
    assert logits.dtype == np.float32
    loss = nn.CrossEntropyLoss()(logits, y)
    loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, pname
        assert p.grad.shape == p.shape and np.isfinite(p.grad.data).all(), pname
    # eval mode is deterministic (dropout off, BatchNorm running statistics)
    model.eval()
    with tinycnn.no_grad():
        np.testing.assert_array_equal(model(x).data, model(x).data)


def test_alexnet_reduced_returns_interm_features_like_the_report():
    model = M.alexnet_reduced(return_features=True).eval()
    logits, feats = model(tinycnn.randn(3, 3, 32, 32))
    assert logits.shape == (3, 10) and feats.shape == (3, 512)
    model.return_features = False
    assert model(tinycnn.randn(3, 3, 32, 32)).shape == (3, 10)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_grid_cnn_options(activation):
    model = M.grid_cnn(2, 1, width=3, activation=activation, batch_norm=True, input_size=16)
    kinds = [type(m).__name__ for m in model.features]
    act = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}[activation]
    assert kinds == ["Conv2d", "BatchNorm2d", act, "Conv2d", "BatchNorm2d", act, "MaxPool2d"]
    assert model(tinycnn.randn(2, 3, 16, 16)).shape == (2, 10)
    # final architecture: 2 convs, pool, 5 convs, pool, 3 linear layers (44,800 -> 200 -> 100 -> 10)
    final = M.grid_cnn(7, 3, width=2)
    kinds = [type(m).__name__ for m in final.features if not isinstance(m, nn.ReLU)]
    assert kinds == ["Conv2d"] * 2 + ["MaxPool2d"] + ["Conv2d"] * 5 + ["MaxPool2d"]
    assert [m.out_channels for m in final.features if isinstance(m, nn.Conv2d)] == [2, 4, 6, 8, 10, 12, 14]
    assert [(m.in_features, m.out_features) for m in final.classifier if isinstance(m, nn.Linear)] == [
        (14 * 8 * 8, 200), (200, 100), (100, 10)]


def test_grid_cnn_bad_arguments():
    with pytest.raises(ValueError, match="activation"):
        M.grid_cnn(activation="gelu")
    with pytest.raises(ValueError, match="n_conv"):
        M.grid_cnn(0, 2)
    with pytest.raises(ValueError, match="input_size"):
        M.grid_cnn(3, 1, width=2, input_size=3)


def test_registry():
    names = M.list_models()
    assert names == sorted(names)
    for n in ("alexnet", "vgg16", "vgg16_bn", "vgg11", "vgg11_bn", "resnet18", "resnet34",
              "resnet50", "resnet18_cifar", "vgg16_cifar", "densenet_tiny", "lenet5"):
        assert n in names
    assert type(M.get_model("lenet5", num_classes=3)).__name__ == "LeNet5"
    with pytest.raises(ValueError, match="unknown model 'resnet19'.*resnet18"):
        M.get_model("resnet19")
    sources = ("/work/shared/reports/", "torchvision/models/", "efficientnet_lite_builder.py")
    for n in names:  # every zoo model cites its source: a report file or the reference code
        module_doc = sys.modules[M._REGISTRY[n].__module__].__doc__
        assert any(s in module_doc for s in sources), n
        assert M._REGISTRY[n].__doc__, n


def test_weights_round_trip_through_npz(tmp_path):
    model = M.densenet_tiny()
    model.train()
    model(tinycnn.randn(4, 3, 32, 32))  # move the BatchNorm running statistics
    model.eval()
    x = tinycnn.randn(2, 3, 32, 32)
    with tinycnn.no_grad():
        expected = model(x).data
    path = M.save_weights(model, tmp_path / "dense.npz")
    fresh = M.densenet_tiny(weights=path).eval()
    with tinycnn.no_grad():
        np.testing.assert_array_equal(fresh(x).data, expected)
    # and through tinycnn.save / tinycnn.load (the training engineer's checkpoint format)
    tinycnn.save(model.state_dict(), tmp_path / "ckpt.npz")
    other = M.densenet_tiny()
    other.load_state_dict(tinycnn.load(tmp_path / "ckpt.npz"))
    with tinycnn.no_grad():
        np.testing.assert_array_equal(other.eval()(x).data, expected)


def _image(w: int, h: int) -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


def test_each_model_has_its_own_preprocessing():
    img = _image(300, 260)
    x = M.resnet50(num_classes=2).preprocess(img)
    assert x.shape == (3, 224, 224) and x.dtype == np.float32
    # ImageNet normalization: the center crop of the 256-resized image, minus mean, over std
    assert M.resnet18(num_classes=2).preprocessing == M.IMAGENET
    assert M.vgg16_cifar().preprocessing == M.CIFAR10
    assert M.lenet5().preprocessing == M.MNIST
    small = M.vgg16_cifar().preprocess(_image(32, 32))
    assert small.shape == (3, 32, 32)
    raw = np.asarray(_image(32, 32), dtype=np.float32).transpose(2, 0, 1) / 255
    mean, std = np.array(M.CIFAR10.mean)[:, None, None], np.array(M.CIFAR10.std)[:, None, None]
    np.testing.assert_allclose(small.data, (raw - mean) / std, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="mean has 3 values but std has 1"):
        M.Preprocessing(mean=(0.5, 0.5, 0.5), std=(0.5,))
