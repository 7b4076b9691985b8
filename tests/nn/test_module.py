"""Module, Parameter, containers, state_dict, hooks, freezing and gradient utilities."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import torch

import tinycnn
import tinycnn.nn as nn
from tinycnn.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


class Affine(nn.Module):
    """y = x @ w + b with core ops only (so these tests need no layer functions)."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.w = nn.Parameter(tinycnn.randn(n_in, n_out))
        self.b = nn.Parameter(tinycnn.zeros(n_out))
        self.register_buffer("calls", tinycnn.zeros(()))

    def forward(self, x):
        return x @ self.w + self.b


class Twice(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = Affine(3, 4)
        self.second = Affine(4, 2)

    def forward(self, x):
        return self.second(self.first(x))


def tiny_cnn():
    """The same model in tinycnn and torch: conv, BN, pool, linear inside Sequentials."""
    def build(m):
        return m.Sequential(OrderedDict([
            ("features", m.Sequential(m.Conv2d(3, 8, 3, padding=1), m.BatchNorm2d(8),
                                      m.ReLU(inplace=True), m.MaxPool2d(2),
                                      m.Conv2d(8, 4, 3, stride=2, bias=False),
                                      m.Dropout2d(0.1))),
            ("flatten", m.Flatten()),
            ("head", m.Sequential(m.Linear(16, 10), m.BatchNorm1d(10, momentum=None),
                                  m.Dropout(0.25), m.Linear(10, 3))),
        ]))
    return build(nn), build(torch.nn)


# --- Parameter and registration ----------------------------------------------------------

def test_parameter_is_a_tensor_requiring_grad():
    p = nn.Parameter(tinycnn.ones(2, 3))
    assert isinstance(p, tinycnn.Tensor) and p.requires_grad and p.is_leaf
    assert not nn.Parameter(tinycnn.ones(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")
    y = (p * 2).sum()  # ops on a Parameter give plain tensors
    assert type(y) is tinycnn.Tensor
    y.backward()
    np.testing.assert_array_equal(p.grad.numpy(), np.full((2, 3), 2, np.float32))


def test_registration_order_and_names():
    m = Twice()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["first.w", "first.b", "second.w", "second.b"]
    assert [n for n, _ in m.named_buffers()] == ["first.calls", "second.calls"]
    assert [n for n, _ in m.named_children()] == ["first", "second"]
    assert [n for n, _ in m.named_modules()] == ["", "first", "second"]
    assert len(list(m.parameters(recurse=False))) == 0
    assert len(list(m.modules())) == 3
    assert m.first.w is m._modules["first"]._parameters["w"]


def test_shared_parameter_listed_once():
    m = Twice()
    m.second.w = m.first.w  # tied weights
    ids = [id(p) for p in m.parameters()]
    assert len(ids) == len(set(ids)) == 3


def test_setattr_rules():
    m = Affine(2, 2)
    with pytest.raises(TypeError, match="parameter 'w'"):
        m.w = tinycnn.ones(2, 2)  # a plain tensor cannot replace a parameter
    m.b = None
    assert m.b is None and "b" not in dict(m.named_parameters())
    m.b = nn.Parameter(tinycnn.ones(2))
    assert [n for n, _ in m.named_parameters()] == ["w", "b"]
    m.calls = tinycnn.ones(())  # a buffer can be reassigned a tensor
    assert float(m.calls) == 1.0
    with pytest.raises(TypeError, match="buffer 'calls'"):
        m.calls = 3.0
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = m.nope
    del m.w
    assert "w" not in dict(m.named_parameters())
    with pytest.raises(KeyError, match="empty or contain"):
        m.register_buffer("a.b", tinycnn.ones(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("b", tinycnn.ones(1))

    class Early(nn.Module):
        def __init__(self):
            self.p = nn.Parameter(tinycnn.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_forward_missing_and_call_runs_forward():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(tinycnn.ones(1))
    m = Affine(3, 2)
    x = tinycnn.randn(5, 3)
    np.testing.assert_allclose(m(x).numpy(), x.numpy() @ m.w.numpy() + m.b.numpy(), rtol=1e-6)


def test_train_eval_requires_grad_zero_grad_apply():
    model, _ = tiny_cnn()
    assert all(m.training for m in model.modules())
    assert model.eval() is model and not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    model.requires_grad_()
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen[-1] == "Sequential" and seen[0] == "Conv2d"  # children before parents

    m = Affine(3, 2)
    m(tinycnn.randn(4, 3)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert np.all(m.w.grad.numpy() == 0) and np.all(m.b.grad.numpy() == 0)
    m.zero_grad()
    assert m.w.grad is None


def test_freeze_unfreeze():
    model, _ = tiny_cnn()
    assert nn.freeze(model.features) is model.features
    assert not any(p.requires_grad for p in model.features.parameters())
    assert all(p.requires_grad for p in model.head.parameters())
    nn.unfreeze(model)
    assert all(p.requires_grad for p in model.parameters())


def test_to_dtype_keeps_parameter_objects():
    model, _ = tiny_cnn()
    params = list(model.parameters())
    model.double()
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(p.dtype == np.float64 for p in model.parameters())
    bn = model.features[1]
    assert bn.running_mean.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64  # integer buffers keep their dtype
    model.float()
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert model.to("cpu") is model
    with pytest.raises(TypeError, match="floating"):
        model.to(np.int32)


# --- repr and state_dict keys against PyTorch ---------------------------------------------

def test_repr_matches_torch():
    ours, theirs = tiny_cnn()
    assert repr(ours) == repr(theirs)
    cases = [
        ("Conv2d", (3, 4, (3, 5)), dict(stride=2, padding=1, dilation=2, bias=False)),
        ("Conv2d", (4, 8, 3), dict(groups=2, padding="same")),
        ("AvgPool2d", (3, 2, 1), {}), ("AdaptiveAvgPool2d", ((1, 1),), {}),
        ("AdaptiveMaxPool2d", (3,), {}),
        ("LeakyReLU", (0.2,), {}), ("Softmax", (), dict(dim=1)),
        ("LogSoftmax", (), dict(dim=-1)), ("GELU", (), {}), ("GELU", ("tanh",), {}),
        ("Sigmoid", (), {}), ("Tanh", (), {}), ("Identity", (), {}), ("Flatten", (0, 2), {}),
        ("BatchNorm2d", (5,), dict(affine=False, track_running_stats=False)),
        ("CrossEntropyLoss", (), {}), ("MSELoss", (), {}),
    ]
    for name, args, kwargs in cases:
        assert repr(getattr(nn, name)(*args, **kwargs)) == repr(
            getattr(torch.nn, name)(*args, **kwargs)), name
    assert repr(nn.ModuleDict({"a": nn.Linear(2, 3, bias=False), "b": nn.ModuleList(
        [nn.ReLU()])})) == repr(torch.nn.ModuleDict({"a": torch.nn.Linear(2, 3, bias=False),
                                                     "b": torch.nn.ModuleList([torch.nn.ReLU()])}))


def test_state_dict_keys_and_values():
    ours, theirs = tiny_cnn()
    sd = ours.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == list(theirs.state_dict())
    nbt = sd["features.1.num_batches_tracked"]
    assert nbt.shape == () and nbt.dtype == np.int64
    w = sd["features.0.weight"]
    assert not w.requires_grad and np.shares_memory(w._data, ours.features[0].weight._data)
    assert ours.state_dict(keep_vars=True)["features.0.weight"] is ours.features[0].weight
    assert list(ours.features.state_dict(prefix="features.")) == [
        k for k in sd if k.startswith("features.")]


def test_non_persistent_buffer_not_saved():
    m = Affine(2, 2)
    m.register_buffer("scratch", tinycnn.zeros(3), persistent=False)
    assert "scratch" not in m.state_dict() and "calls" in m.state_dict()
    assert "scratch" in dict(m.named_buffers())


def test_load_state_dict_from_torch_numpy_in_place_and_cast():
    ours, theirs = tiny_cnn()
    with torch.no_grad():
        for t in theirs.state_dict().values():
            if t.dtype.is_floating_point:
                t.uniform_(-1, 1)
    state = {k: v.numpy().astype(np.float64) if v.dtype.is_floating_point else v.numpy()
             for k, v in theirs.state_dict().items()}
    before = ours.features[0].weight._data
    result = ours.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert ours.features[0].weight._data is before  # copied in place
    assert ours.features[0].weight.dtype == np.float32  # cast to the parameter's dtype
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(v.numpy(), theirs.state_dict()[k].numpy(), rtol=1e-6)
    # tinycnn tensors too, and back the other way into torch
    again, _ = tiny_cnn()
    again.load_state_dict(ours.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(np.array(v.numpy()))
                            for k, v in again.state_dict().items()})


def test_load_state_dict_errors_and_non_strict():
    ours, _ = tiny_cnn()
    sd = ours.state_dict()
    bad = dict(sd)
    bad["head.0.weight"] = np.zeros((10, 17), np.float32)
    with pytest.raises(nn.StateDictError) as err:
        ours.load_state_dict(bad)
    msg = str(err.value)
    assert "head.0.weight" in msg and "(10, 17)" in msg and "(10, 16)" in msg
    with pytest.raises(ValueError, match="size mismatch"):  # also a ValueError (bad input)
        ours.load_state_dict(bad, strict=False)

    partial = {k: v for k, v in sd.items() if not k.startswith("head.3")}
    partial["extra.weight"] = np.zeros(2)
    with pytest.raises(RuntimeError, match='Missing key.*"head.3.weight".*\n.*Unexpected.*"extra'):
        ours.load_state_dict(partial)
    result = ours.load_state_dict(partial, strict=False)
    assert result == nn.IncompatibleKeys(["head.3.weight", "head.3.bias"], ["extra.weight"])
    assert result.missing_keys == ["head.3.weight", "head.3.bias"]


def test_load_state_dict_without_num_batches_tracked():
    """Older checkpoints (and Keras conversions) lack the BN counter: it is reset to 0."""
    ours, _ = tiny_cnn()
    ours.features[1].num_batches_tracked._data[...] = 7
    sd = {k: v for k, v in ours.state_dict().items() if "num_batches" not in k}
    assert ours.load_state_dict(sd).missing_keys == []
    assert int(ours.features[1].num_batches_tracked) == 0


# --- hooks ------------------------------------------------------------------------------

def test_forward_hooks_and_removal():
    m = Twice()
    seen = []
    h1 = m.first.register_forward_hook(lambda mod, inp, out: seen.append((mod, out.shape)))
    h2 = m.register_forward_hook(lambda mod, inp, out: out * 0)  # replaces the output
    pre = m.second.register_forward_pre_hook(lambda mod, inp: (inp[0] * 0,))
    out = m(tinycnn.randn(5, 3))
    assert seen == [(m.first, (5, 4))] and np.all(out.numpy() == 0)
    h1.remove()
    h2.remove()
    pre.remove()
    out = m(tinycnn.randn(5, 3))
    assert len(seen) == 1 and np.any(out.numpy() != 0)
    h1.remove()  # removing twice is harmless


# --- containers ---------------------------------------------------------------------------

def test_sequential_indexing_slicing_append():
    a, b, c = Affine(3, 4), Affine(4, 4), Affine(4, 2)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b
    seq.append(c)
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    x = tinycnn.randn(2, 3)
    np.testing.assert_allclose(seq(x).numpy(), c(b(a(x))).numpy(), rtol=1e-6)
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c]
    assert [n for n, _ in tail.named_children()] == ["1", "2"]  # names kept, as in torch
    del seq[0]
    assert list(seq) == [b, c] and [n for n, _ in seq.named_children()] == ["0", "1"]
    seq.insert(0, a)
    assert list(seq) == [a, b, c]
    seq[1] = Affine(4, 4)
    assert seq[1] is not b
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    named = nn.Sequential(OrderedDict([("enc", a), ("dec", b)]))
    assert named.enc is a and list(named.state_dict())[:2] == ["enc.w", "enc.b"]


def test_module_list_and_dict():
    layers = nn.ModuleList([Affine(2, 2) for _ in range(3)])
    assert len(layers) == 3 and [n for n, _ in layers.named_parameters()][:2] == ["0.w", "0.b"]
    layers.append(Affine(2, 2))
    layers += [Affine(2, 2)]
    assert len(layers) == 5 and isinstance(layers[1:3], nn.ModuleList)
    del layers[0]
    assert [n for n, _ in layers.named_children()] == ["0", "1", "2", "3"]
    holder = nn.Module()
    holder.blocks = layers
    assert len(list(holder.parameters())) == 8

    d = nn.ModuleDict({"a": Affine(1, 1)})
    d["b"] = Affine(1, 2)
    assert list(d.keys()) == ["a", "b"] and "a" in d and len(d) == 2
    assert [n for n, _ in d.named_parameters()] == ["a.w", "a.b", "b.w", "b.b"]
    d.pop("a")
    assert list(d) == ["b"]
    x = tinycnn.randn(3, 4)
    assert nn.Identity(54, unused="x")(x) is x


# --- gradient utilities -------------------------------------------------------------------

@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm_matches_torch(norm_type):
    gen = np.random.default_rng(1)
    grads = [gen.standard_normal(s).astype(np.float32) for s in [(3, 4), (5,), (2, 2, 2)]]
    ours = [nn.Parameter(tinycnn.zeros(*g.shape)) for g in grads]
    theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    for p, t, g in zip(ours, theirs, grads):
        p.grad = tinycnn.tensor(g)
        t.grad = torch.tensor(g)
    n_ours = clip_grad_norm_(ours, 1.5, norm_type)
    n_theirs = torch.nn.utils.clip_grad_norm_(theirs, 1.5, norm_type)
    np.testing.assert_allclose(float(n_ours), float(n_theirs), rtol=1e-5)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_on_read_only_gradient_and_value():
    w = nn.Parameter(tinycnn.ones(4, 3))
    (w * 1.0).sum().backward()  # the gradient may be a read-only broadcast view
    clip_grad_norm_(w, 1.0)
    np.testing.assert_allclose(np.sqrt((w.grad.numpy() ** 2).sum()), 1.0, rtol=1e-5)
    w.grad = tinycnn.tensor(np.array([[-3, 0.5, 2]] * 4, np.float32))
    clip_grad_value_([w], 1.0)
    np.testing.assert_array_equal(w.grad.numpy()[0], [-1, 0.5, 1])


def test_parameters_to_vector_round_trip():
    m = Twice()
    vec = parameters_to_vector(m.parameters())
    assert vec.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    np.testing.assert_array_equal(vec.numpy()[:12], m.first.w.numpy().ravel())
    vec.sum().backward()  # differentiable
    assert np.all(m.second.b.grad.numpy() == 1)
    vector_to_parameters(tinycnn.arange(26, dtype=np.float32), m.parameters())
    np.testing.assert_array_equal(m.second.b.numpy(), [24, 25])
    with pytest.raises(ValueError, match="26 elements"):
        vector_to_parameters(tinycnn.zeros(5), m.parameters())


def test_deepcopy_gives_an_independent_model():
    import copy

    model, _ = tiny_cnn()
    clone = copy.deepcopy(model)
    assert list(clone.state_dict()) == list(model.state_dict())
    w, w2 = model.head[0].weight, clone.head[0].weight
    assert isinstance(w2, nn.Parameter) and w2.requires_grad
    assert not np.shares_memory(w._data, w2._data)
    np.testing.assert_array_equal(w.numpy(), w2.numpy())


@pytest.mark.cuda
def test_module_to_cuda_and_state_dict_across_devices():
    model, _ = tiny_cnn()
    cpu_model, _ = tiny_cnn()
    ids = [id(p) for p in model.parameters()]
    assert model.to("cuda") is model
    assert [id(p) for p in model.parameters()] == ids
    assert all(t.device == "cuda" for t in model.state_dict().values())
    model.load_state_dict(cpu_model.state_dict())  # CPU tensors into a GPU model
    x = tinycnn.randn(2, 3, 12, 12)
    model.eval()
    cpu_model.eval()
    y = model(x.to("cuda"))
    assert y.device == "cuda"
    np.testing.assert_allclose(y.numpy(), cpu_model(x).numpy(), rtol=1e-4, atol=1e-5)
    cpu_model.load_state_dict(model.state_dict())  # and GPU tensors into a CPU model
    assert model.cpu().features[0].weight.device == "cpu"


def test_data_parallel_runs_the_module_with_pytorchs_layout():
    m = nn.Linear(2, 2)
    dp = nn.DataParallel(m, device_ids=[0])
    assert dp.module is m and list(dp.state_dict()) == ["module.weight", "module.bias"]
    x = tinycnn.ones(3, 2)
    assert tinycnn.equal(dp(x), m(x))
