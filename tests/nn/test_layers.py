"""Every layer against PyTorch (forward, input gradient, parameter gradients, buffers),
with the weights copied over through state_dict; bad input; freezing."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest
import torch

import tinycnn
import tinycnn.functional as F
import tinycnn.nn as nn
from tinycnn.functional import conv as conv_module
from tinycnn.kernels.cpu import conv as cpu_conv

RTOL, ATOL = 1e-5, 1e-6
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")


def close(ours, theirs, what, rtol=RTOL, atol=ATOL):
    """Element-wise rtol, with atol scaled by the array's largest magnitude: sums of terms
    of size ~|max| carry rounding of that size even where they nearly cancel."""
    theirs = np.asarray(theirs)
    scale = max(1.0, float(np.abs(theirs).max(initial=0)))
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol * scale, err_msg=what)


def copy_weights(ours: nn.Module, theirs: torch.nn.Module, randomize: bool = True) -> None:
    """Give both modules the same (random) parameters and buffers, torch -> tinycnn."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, t in theirs.state_dict().items():
            if randomize and t.dtype.is_floating_point:
                t.copy_(torch.rand(t.shape, generator=gen) + 0.5 if "var" in name
                        else torch.randn(t.shape, generator=gen) * 0.5)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


def check_module(ours: nn.Module, theirs: torch.nn.Module, x: np.ndarray,
                 rtol: float = RTOL, atol: float = ATOL, extra: tuple = ()) -> None:
    """Forward the same input through both; back-propagate the same random upstream
    gradient; compare outputs, input gradients, parameter gradients and buffers."""
    xo = tinycnn.tensor(x, dtype=x.dtype, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo = ours(xo, *[tinycnn.tensor(e, dtype=e.dtype) for e in extra])
    yt = theirs(xt, *[torch.tensor(e) for e in extra])
    close(yo.numpy(), yt.detach().numpy(), "forward", rtol, atol)
    assert yo.dtype == np.dtype(str(yt.dtype).replace("torch.", ""))
    w = np.random.default_rng(1).standard_normal(yt.shape).astype(x.dtype)
    (yo * tinycnn.tensor(w, dtype=x.dtype)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(xo.grad.numpy(), xt.grad.numpy(), "input gradient", rtol, atol)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        close(p.grad.numpy(), theirs_params[name].grad.numpy(), f"gradient of {name}", rtol,
              atol)
    theirs_sd = theirs.state_dict()
    for name, b in ours.named_buffers():
        close(b.numpy(), theirs_sd[name].numpy(), f"buffer {name}", rtol, atol)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


LAYERS = [
    ("Conv2d", (3, 8, 3), dict(padding=1), (2, 3, 9, 9)),
    ("Conv2d", (4, 6, (3, 5)), dict(stride=2, padding=(1, 2), dilation=(2, 1), groups=2,
                                    bias=False), (2, 4, 11, 10)),
    ("Conv2d", (3, 5, 4), dict(padding="same"), (1, 3, 7, 6)),
    ("Conv2d", (6, 4, 1), {}, (2, 6, 5, 5)),
    ("Conv2d", (3, 4, 3), dict(stride=2), (3, 9, 9)),  # one image, no batch dimension
    ("Linear", (7, 5), {}, (4, 7)),
    ("Linear", (7, 5), dict(bias=False), (2, 3, 7)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3, 2, 1), {}, (2, 3, 9, 9)),
    ("MaxPool2d", (3,), dict(stride=2, ceil_mode=True), (1, 2, 8, 8)),
    ("AvgPool2d", (2,), {}, (2, 3, 8, 8)),
    ("AvgPool2d", (3, 2, 1), dict(count_include_pad=False), (2, 3, 9, 9)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 3, 7, 8)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 5, 6, 6)),
    ("AdaptiveMaxPool2d", ((3, 2),), {}, (2, 3, 7, 8)),
    ("BatchNorm2d", (4,), {}, (3, 4, 5, 5)),
    ("BatchNorm2d", (4,), dict(affine=False, momentum=0.3), (3, 4, 5, 5)),
    ("BatchNorm2d", (4,), dict(bias=False), (3, 4, 5, 5)),
    ("BatchNorm1d", (5,), {}, (8, 5)),
    ("BatchNorm1d", (5,), dict(eps=1e-3), (4, 5, 6)),
    ("ReLU", (), dict(inplace=True), (4, 9)),
    ("LeakyReLU", (0.2,), {}, (4, 9)),
    ("Sigmoid", (), {}, (4, 9)),
    ("Tanh", (), {}, (4, 9)),
    ("GELU", (), {}, (4, 9)),
    ("GELU", (), dict(approximate="tanh"), (4, 9)),
    ("Softmax", (), dict(dim=1), (4, 9)),
    ("LogSoftmax", (), dict(dim=-1), (2, 4, 9)),
    ("Flatten", (), {}, (2, 3, 4, 5)),
    ("Flatten", (0, 2), {}, (2, 3, 4, 5)),
    ("Identity", (), {}, (2, 3)),
    ("Dropout", (0.3,), {}, (4, 9)),  # compared in eval mode (identity) below
]


@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS,
                         ids=[f"{n}-{i}" for i, (n, *_) in enumerate(LAYERS)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_layer_matches_torch(name, args, kwargs, shape, mode):
    ours = getattr(nn, name)(*args, **kwargs)
    # torch refuses inplace=True on a leaf; ours accepts and ignores it (see below)
    theirs = getattr(torch.nn, name)(*args, **{k: v for k, v in kwargs.items() if k != "inplace"})
    copy_weights(ours, theirs)
    if mode == "eval" or name == "Dropout":
        ours.eval()
        theirs.eval()
    check_module(ours, theirs, randn(*shape))


@pytest.mark.parametrize("name,kwargs", [
    ("CrossEntropyLoss", {}),
    ("CrossEntropyLoss", dict(label_smoothing=0.1, reduction="sum")),
    ("CrossEntropyLoss", dict(weight=np.linspace(0.5, 2, 5, dtype=np.float32), ignore_index=2)),
    ("NLLLoss", dict(reduction="none")),
    ("NLLLoss", dict(weight=np.linspace(0.5, 2, 5, dtype=np.float32))),
])
def test_classification_losses_match_torch(name, kwargs):
    target = np.array([0, 2, 4, 1, 2, 3], dtype=np.int64)
    torch_kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                    for k, v in kwargs.items()}
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**torch_kwargs)
    x = randn(6, 5)
    if name == "NLLLoss":
        x = np.log(np.exp(x) / np.exp(x).sum(1, keepdims=True)).astype(np.float32)
    check_module(ours, theirs, x, extra=(target,))


@pytest.mark.parametrize("name,kwargs", [
    ("MSELoss", {}), ("MSELoss", dict(reduction="sum")),
    ("BCELoss", {}), ("BCELoss", dict(weight=np.linspace(0.5, 2, 4, dtype=np.float32))),
    ("BCEWithLogitsLoss", dict(pos_weight=np.array([1, 2, 0.5, 3], np.float32))),
    ("BCEWithLogitsLoss", dict(reduction="none")),
])
def test_regression_losses_match_torch(name, kwargs):
    torch_kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                    for k, v in kwargs.items()}
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**torch_kwargs)
    x, target = randn(5, 4), np.random.default_rng(2).random((5, 4)).astype(np.float32)
    if name == "BCELoss":
        x = (1 / (1 + np.exp(-x))).astype(np.float32)
    check_module(ours, theirs, x, extra=(target,))
    assert [k for k, _ in ours.named_buffers()] == [k for k, _ in theirs.named_buffers()]


def test_batchnorm_running_stats_over_many_batches():
    """Train-mode updates (momentum and cumulative average), then eval, match torch."""
    for momentum in (0.1, None):
        ours, theirs = nn.BatchNorm2d(3, momentum=momentum), torch.nn.BatchNorm2d(3, momentum=momentum)
        copy_weights(ours, theirs, randomize=False)
        for i in range(5):
            x = randn(4, 3, 5, 5, seed=i) * (i + 1) + i
            ours(tinycnn.tensor(x))
            theirs(torch.tensor(x))
        assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked) == 5
        np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(), rtol=RTOL)
        np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=RTOL)
        ours.eval()
        theirs.eval()
        check_module(ours, theirs, randn(2, 3, 4, 4, seed=9))


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    ours = nn.BatchNorm2d(3, track_running_stats=False).eval()
    theirs = torch.nn.BatchNorm2d(3, track_running_stats=False).eval()
    copy_weights(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    check_module(ours, theirs, randn(4, 3, 3, 3))


def test_inplace_activation_is_harmless():
    x = tinycnn.randn(3, 4, requires_grad=True)
    h = x.exp()  # exp saves its output for backward
    before = h.numpy().copy()
    y = nn.ReLU(inplace=True)(h - 1.0)
    nn.LeakyReLU(0.1, inplace=True)(h)
    np.testing.assert_array_equal(h.numpy(), before)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(before > 1, before, 0), rtol=1e-6)


def test_dropout_training_statistics():
    x = tinycnn.ones(200, 500, requires_grad=True)
    y = nn.Dropout(0.3)(x)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy() != 0, kept)
    y2 = nn.Dropout2d(0.5)(tinycnn.ones(40, 50, 3, 3)).numpy()
    per_channel = y2.reshape(40, 50, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))  # whole channels
    assert abs((per_channel[..., 0] == 0).mean() - 0.5) < 0.05
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_sequential_model_matches_torch():
    def build(m):
        return m.Sequential(m.Conv2d(3, 6, 3, padding=1), m.BatchNorm2d(6), m.ReLU(inplace=True),
                            m.MaxPool2d(2), m.Conv2d(6, 8, 3), m.LeakyReLU(0.1),
                            m.AdaptiveAvgPool2d(1), m.Flatten(), m.Dropout(0.5),
                            m.Linear(8, 4), m.LogSoftmax(dim=1))
    ours, theirs = build(nn), build(torch.nn)
    copy_weights(ours, theirs)
    ours.eval()
    theirs.eval()
    check_module(ours, theirs, randn(3, 3, 10, 10), rtol=2e-5, atol=2e-6)


# --- bad input ----------------------------------------------------------------------------

def test_wrong_channels_name_the_layer():
    conv = nn.Conv2d(3, 16, 3)
    with pytest.raises(ValueError) as err:
        conv(tinycnn.zeros(2, 1, 28, 28))
    msg = str(err.value)
    assert "Conv2d(3, 16, kernel_size=(3, 3)" in msg and "3 channels" in msg and "got 1" in msg
    with pytest.raises(ValueError, match=r"4-D input.*\(2, 28, 28\)|3-D or 4-D"):
        conv(tinycnn.zeros(2, 28))
    with pytest.raises(TypeError, match="expected a Tensor"):
        conv(np.zeros((1, 3, 8, 8), np.float32))
    with pytest.raises(ValueError, match=r"Linear\(in_features=10.*last dimension is 10.*\(4, 12\)"):
        nn.Linear(10, 2)(tinycnn.zeros(4, 12))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(8.*8 channels.*got 3"):
        nn.BatchNorm2d(8)(tinycnn.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match="4-D input"):
        nn.BatchNorm2d(3)(tinycnn.zeros(2, 3))


@pytest.mark.parametrize("make,match", [
    (lambda: nn.Conv2d(3, 4, 3, groups=2), "in_channels \\(3\\) must be divisible by groups"),
    (lambda: nn.Conv2d(0, 4, 3), "in_channels must be a positive int"),
    (lambda: nn.Conv2d(3, 4, 3, stride=2, padding="same"), "not supported for strided"),
    (lambda: nn.Conv2d(3, 4, 3, padding_mode="reflect"), "padding_mode"),
    (lambda: nn.Linear(-1, 3), "in_features must be a non-negative int"),
    (lambda: nn.BatchNorm2d(0), "num_features"),
    (lambda: nn.CrossEntropyLoss(reduction="avg"), "reduction must be"),
    (lambda: nn.GELU("fast"), "approximate"),
])
def test_bad_layer_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_argument_types_raise_type_error_in_layers_and_functions():
    """One error type for one mistake, as in PyTorch: a float stride or a kernel of three
    numbers is a TypeError, from the layer and from the function alike."""
    x, w = tinycnn.zeros(1, 3, 8, 8), tinycnn.zeros(4, 3, 3, 3)
    for make in (lambda: nn.Conv2d(3, 4, 3, stride=1.5), lambda: F.conv2d(x, w, stride=1.5),
                 lambda: nn.MaxPool2d(2, stride=1.5)(x), lambda: F.max_pool2d(x, 2, 1.5)):
        with pytest.raises(TypeError, match="stride must be an int or a pair of ints, got 1.5"):
            make()
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair"):
        nn.Conv2d(3, 4, (3, 3, 3))
    with pytest.raises(ValueError, match="stride must be >= 1, got 0"):
        nn.Conv2d(3, 4, 3, stride=0)


# --- freezing skips work ------------------------------------------------------------------

def _two_convs(freeze_second: bool):
    tinycnn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(16, 32, 3, padding=1))
    if freeze_second:
        nn.freeze(model[2])
    return model


def test_frozen_conv_gets_no_weight_gradient_and_skips_the_work(monkeypatch):
    x = tinycnn.randn(4, 3, 16, 16)
    returned = []
    backward = conv_module.Conv2d.backward

    def spy(ctx, gy):
        grads = backward(ctx, gy)
        returned.append(grads[1] is None)
        return grads

    monkeypatch.setattr(conv_module.Conv2d, "backward", staticmethod(spy))
    # the whole batch in one chunk (with several cores it would be split, and the
    # columns below would be built a chunk at a time)
    monkeypatch.setattr(cpu_conv, "max_threads", lambda: 1)
    peaks = {}
    for frozen in (False, True):
        model = _two_convs(frozen)
        tracemalloc.start()
        model(x).sum().backward()
        peaks[frozen] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        if frozen:
            assert model[2].weight.grad is None and model[2].bias.grad is None
            assert model[0].weight.grad is not None  # the gradient still flows through it
        else:
            assert model[2].weight.grad is not None
    # backward order: conv 2 then conv 1; the frozen conv 2 computed no weight gradient
    assert returned == [False, False, True, False]
    # nor kept its im2col columns (C*KH*KW, N*OH*OW) for one: a lower memory peak
    cols_bytes = 16 * 9 * 4 * 16 * 16 * 4
    assert peaks[True] < peaks[False] - cols_bytes // 2, peaks


def test_frozen_feature_extractor_backward_is_cheaper():
    """Fine-tuning a head on a frozen convolutional base: backward skips the base."""
    x = tinycnn.randn(8, 3, 32, 32)

    def build(frozen):
        tinycnn.manual_seed(0)
        base = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(),
                             nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4))
        if frozen:
            nn.freeze(base)
        return nn.Sequential(base, nn.Flatten(), nn.Linear(32 * 8 * 8, 10))

    def backward_time(model):
        best = float("inf")
        for _ in range(3):
            loss = model(x).sum()
            t0 = time.perf_counter()
            loss.backward()
            best = min(best, time.perf_counter() - t0)
        return best

    full, frozen = build(False), build(True)
    backward_time(full)  # warm up (kernel compilation)
    t_full, t_frozen = backward_time(full), backward_time(frozen)
    assert frozen[0][0].weight.grad is None and frozen[2].weight.grad is not None
    assert t_frozen < 0.5 * t_full, (t_frozen, t_full)


# --- more layers with PyTorch's names (activations, pads, 1-D pools, PixelShuffle, ...) -----

LAYER_PAIRS = [
    (lambda m: m.Hardtanh(-0.5, 0.5), (2, 3)), (lambda m: m.Hardsigmoid(), (2, 3)),
    (lambda m: m.Mish(), (2, 3)), (lambda m: m.Softmax2d(), (2, 3, 2, 2)),
    (lambda m: m.ZeroPad2d((1, 0, 2, 1)), (1, 2, 3, 3)),
    (lambda m: m.ConstantPad2d(1, 0.5), (1, 2, 3, 3)),
    (lambda m: m.ReflectionPad2d(1), (1, 2, 3, 3)), (lambda m: m.ReplicationPad2d(2), (1, 2, 3, 3)),
    (lambda m: m.PixelShuffle(2), (1, 8, 2, 3)), (lambda m: m.MaxPool1d(3, 2, 1), (2, 3, 9)),
    (lambda m: m.AvgPool1d(2), (2, 3, 8)), (lambda m: m.AdaptiveAvgPool1d(3), (2, 3, 8)),
    (lambda m: m.AdaptiveMaxPool1d(2), (2, 3, 8)),
]


@pytest.mark.parametrize("make,shape", LAYER_PAIRS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_more_layers_match_pytorch(make, shape):
    x = np.random.default_rng(0).uniform(-4, 4, shape).astype(np.float32)
    ours, theirs = make(nn), make(torch.nn)
    xt = tinycnn.tensor(x, requires_grad=True)
    xr = torch.tensor(x, requires_grad=True)
    y, yr = ours(xt), theirs(xr)
    np.testing.assert_allclose(y.numpy(), yr.detach().numpy(), rtol=1e-5, atol=1e-6)
    (y * y).sum().backward()
    (yr * yr).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), xr.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert repr(ours).replace("tinycnn", "") == repr(theirs)


def test_cosine_similarity_layer_and_parameter_containers():
    a, b = np.ones((2, 3), np.float32), np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(nn.CosineSimilarity()(tinycnn.tensor(a), tinycnn.tensor(b)).numpy(),
                               torch.nn.CosineSimilarity()(torch.tensor(a), torch.tensor(b)).numpy(),
                               rtol=1e-6)
    pl = nn.ParameterList([nn.Parameter(tinycnn.ones(2)), tinycnn.zeros(3)])
    pl.append(nn.Parameter(tinycnn.ones(1)))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"] and len(pl) == 3
    assert isinstance(pl[1], nn.Parameter) and pl[1].requires_grad
    pd = nn.ParameterDict({"w": nn.Parameter(tinycnn.ones(2))})
    pd["b"] = nn.Parameter(tinycnn.zeros(1))
    assert list(pd.keys()) == ["w", "b"] and "b" in pd
    holder = nn.Module()
    holder.params = pd
    assert list(holder.state_dict()) == ["params.w", "params.b"]
    with pytest.raises(TypeError, match="Parameter or a Tensor"):
        pl.append([1.0])
