"""Tensor features issue 16 adds for ported PyTorch code: ``.data``, graph inspection
(grad_fn names, next_functions), ``autograd.grad``, ``retain_grad``, ``Size``, devices,
``type()``, in-place initialisers, factories (new_*, legacy FloatTensor/LongTensor), ``equal``,
generators and the module-level switches."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch

import tinycnn
import tinycnn.nn as nn

# --- .data -------------------------------------------------------------------------------

def test_data_is_a_tensor_sharing_memory_outside_autograd():
    m = nn.Linear(3, 2)
    m.weight.data.normal_(0, 0.01)
    m.bias.data.zero_()
    assert m.bias.tolist() == [0.0, 0.0] and float(m.weight.abs().max()) < 0.1
    d = m.weight.data
    assert isinstance(d, tinycnn.Tensor) and not d.requires_grad and d.grad_fn is None
    d[0, 0] = 5.0
    assert m.weight[0, 0].item() == 5.0  # the same memory
    m.weight.data.fill_(0.5)
    assert m.weight.requires_grad and m.weight.tolist() == [[0.5] * 3] * 2
    assert isinstance(m.weight.numpy(), np.ndarray)


def test_data_assignment_and_training_still_work():
    m = nn.Linear(2, 1)
    m.weight.data = tinycnn.ones(1, 2)
    opt = tinycnn.optim.SGD(m.parameters(), lr=0.1)
    x = tinycnn.tensor([[1.0, 2.0]])
    loss = m(x).sum()
    loss.backward()
    opt.step()
    np.testing.assert_allclose(m.weight.numpy(), [[0.9, 0.8]], rtol=1e-6)
    state = m.state_dict()
    fresh = nn.Linear(2, 1)
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.weight.numpy(), m.weight.numpy())


# --- the graph as PyTorch shows it -------------------------------------------------------

def test_grad_fn_names_match_pytorch():
    x, tx = tinycnn.randn(2, 3, requires_grad=True), torch.randn(2, 3, requires_grad=True)
    w, tw = tinycnn.randn(4, 3, 3, 3, requires_grad=True), torch.randn(4, 3, 3, 3)
    img, timg = tinycnn.randn(1, 3, 5, 5), torch.randn(1, 3, 5, 5)
    pairs = [
        (x * 2, tx * 2), (x + x, tx + tx), (x.mean(), tx.mean()), (x.sum(), tx.sum()),
        (x @ x.t(), tx @ tx.t()), (x.relu(), tx.relu()), (x.exp(), tx.exp()),
        (x.view(6), tx.view(6)), (x.flip(0), tx.flip(0)), (x.cumsum(0), tx.cumsum(0)),
        (tinycnn.functional.conv2d(img, w), torch.nn.functional.conv2d(timg, tw.requires_grad_())),
    ]
    for ours, theirs in pairs:
        assert ours.grad_fn.name() == theirs.grad_fn.name()
        assert repr(ours.grad_fn) == f"<{theirs.grad_fn.name()}>"


def test_next_functions_walk_as_in_the_blitz_tutorial():
    x = tinycnn.randn(2, 3, requires_grad=True)
    loss = ((x * 2).relu() + 1).mean()
    tx = torch.tensor(x.numpy(), requires_grad=True)
    tloss = ((tx * 2).relu() + 1).mean()
    node, tnode = loss.grad_fn, tloss.grad_fn
    while tnode.next_functions:  # follow the first input to the leaf, in both graphs
        assert len(node.next_functions) == len(tnode.next_functions)
        assert node.name() == tnode.name()
        node, tnode = node.next_functions[0][0], tnode.next_functions[0][0]
    assert node.name() == "AccumulateGrad" and node.variable is x
    assert loss.grad_fn.next_functions[0][1] == 0


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = tinycnn.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    assert y.grad.tolist() == [6.0, 12.0] and x.grad.tolist() == [18.0, 36.0]
    z = x * 2
    (z * z).sum().backward()
    assert z.grad is None  # not retained


def test_autograd_grad_matches_pytorch_and_leaves_grad_alone():
    a = np.array([0.5, -1.0, 2.0], np.float32)
    x = tinycnn.tensor(a, requires_grad=True)
    h = x.exp()
    y = (h * x).sum()
    gx, gh = tinycnn.autograd.grad(y, [x, h], retain_graph=True)
    tx = torch.tensor(a, requires_grad=True)
    th = tx.exp()
    tgx, tgh = torch.autograd.grad((th * tx).sum(), [tx, th])
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=1e-6)
    np.testing.assert_allclose(gh.numpy(), tgh.numpy(), rtol=1e-6)
    assert x.grad is None
    (g,) = tinycnn.autograd.grad([y], x, grad_outputs=tinycnn.tensor(2.0))
    np.testing.assert_allclose(g.numpy(), 2 * tgx.numpy(), rtol=1e-6)
    unused = tinycnn.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        tinycnn.autograd.grad((x * 2).sum(), [x, unused])
    assert tinycnn.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)[1] is None
    with pytest.raises(NotImplementedError, match="first-order"):
        tinycnn.autograd.grad((x * 2).sum(), x, create_graph=True)


# --- Size, device, type ------------------------------------------------------------------

def test_size_is_a_tuple_with_pytorchs_repr():
    x = tinycnn.zeros(2, 3, 4)
    s = x.size()
    assert isinstance(s, tuple) and isinstance(x.shape, tinycnn.Size)
    assert repr(s) == "tinycnn.Size([2, 3, 4])" and s == (2, 3, 4)
    assert isinstance(s[1:], tinycnn.Size) and s[1:] == (3, 4) and s[-1] == 4
    assert s.numel() == 24 and x.size(1) == 3


def test_device_is_an_object_comparing_equal_to_its_string():
    x = tinycnn.zeros(2)
    assert x.device == "cpu" and x.device.type == "cpu" and x.device.index is None
    assert isinstance(x.device, tinycnn.device) and repr(x.device) == "device(type='cpu')"
    assert x.to("cpu", non_blocking=True) is x
    assert x.to(tinycnn.device("cpu"), non_blocking=True).device == "cpu"


def test_type_names_and_conversions():
    x = tinycnn.zeros(2)
    assert x.type() == "tinycnn.FloatTensor" and x.long().type() == "tinycnn.LongTensor"
    assert x.type(tinycnn.DoubleTensor).dtype == np.float64
    assert x.type("torch.LongTensor").dtype == np.int64
    assert x.type(tinycnn.int32).dtype == np.int32
    with pytest.raises(ValueError, match="unknown tensor type"):
        x.type("torch.NoSuchTensor")


def test_mean_of_an_integer_tensor_raises_as_pytorch():
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).mean()
    with pytest.raises(RuntimeError, match="floating point"):
        tinycnn.tensor([1, 2]).mean()


# --- in-place ops ------------------------------------------------------------------------

def test_inplace_initialisers_and_clamp():
    tinycnn.manual_seed(0)
    x = tinycnn.empty(1000)
    x.normal_(2.0, 0.5)
    assert abs(x.mean().item() - 2.0) < 0.1 and abs(x.std().item() - 0.5) < 0.1
    x.uniform_(-1, 3)
    assert x.min().item() >= -1 and x.max().item() < 3 and abs(x.mean().item() - 1) < 0.2
    x.clamp_(0, 1)
    assert x.min().item() >= 0 and x.max().item() <= 1
    x.zero_().add_(1.5)
    assert x.sum().item() == 1500
    y = tinycnn.zeros(2, 2).copy_(tinycnn.ones(2, 2))
    assert y.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    w = tinycnn.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place operation"):
        w.normal_()
    with tinycnn.no_grad():
        w.uniform_(0, 1)


def test_inplace_ops_in_a_graph_match_pytorch():
    a = np.array([-2.0, 0.5, 3.0], np.float32)
    x = tinycnn.tensor(a, requires_grad=True)
    y = x * 1
    y.clamp_(min=0, max=1)
    y.masked_fill_(tinycnn.tensor([False, True, False]), 9.0)
    y.sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    ty = tx * 1
    ty.clamp_(min=0, max=1)
    ty.masked_fill_(torch.tensor([False, True, False]), 9.0)
    ty.sum().backward()
    assert y.tolist() == ty.tolist() and x.grad.tolist() == tx.grad.tolist()


def test_scatter_inplace_matches_pytorch():
    idx = np.array([[0, 2], [1, 0]])
    x = tinycnn.zeros(2, 3)
    x.scatter_(1, tinycnn.tensor(idx), tinycnn.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tx = torch.zeros(2, 3).scatter_(1, torch.tensor(idx), torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert x.tolist() == tx.tolist()
    assert x.scatter_(0, tinycnn.tensor([[1, 1, 1]]), value=-1.0).tolist() == (
        tx.scatter_(0, torch.tensor([[1, 1, 1]]), value=-1.0).tolist())


# --- factories ---------------------------------------------------------------------------

def test_factories_match_pytorch():
    for args in [(0, 1, 5), (-2.5, 3, 7), (0, 10, 5), (1, 0, 1)]:
        np.testing.assert_allclose(tinycnn.linspace(*args).numpy(), torch.linspace(*args),
                                   rtol=1e-6, atol=1e-7)
    assert tinycnn.linspace(0, 10, 5, dtype=tinycnn.int64).tolist() == torch.linspace(
        0, 10, 5, dtype=torch.int64).tolist()
    x = tinycnn.zeros(2, 3, dtype=tinycnn.float64)
    for f in (tinycnn.randn_like, tinycnn.rand_like, tinycnn.zeros_like, tinycnn.ones_like,
              tinycnn.empty_like):
        assert f(x).shape == (2, 3) and f(x).dtype == np.float64
        assert f(x, dtype=tinycnn.float32).dtype == np.float32
    assert tinycnn.full_like(x, 7).tolist() == [[7.0] * 3] * 2
    r = tinycnn.randint_like(x, 3, 6, dtype=tinycnn.int64)
    assert r.dtype == np.int64 and r.min().item() >= 3 and r.max().item() < 6
    with pytest.raises(TypeError, match="floating dtype"):
        tinycnn.randn_like(x, dtype=tinycnn.int64)


def test_as_tensor_shares_memory_when_it_can():
    a = np.arange(3.0, dtype=np.float32)
    t = tinycnn.as_tensor(a)
    a[0] = 9
    assert t[0].item() == 9
    assert tinycnn.as_tensor(t) is t
    assert tinycnn.as_tensor([1, 2]).dtype == np.int64
    assert tinycnn.as_tensor(a, dtype=tinycnn.float64).dtype == np.float64


def test_normal_and_generators():
    g = tinycnn.Generator().manual_seed(7)
    assert g.initial_seed() == 7
    first = tinycnn.normal(0.0, 1.0, (4,), generator=g)
    state = g.get_state()
    second = tinycnn.randn(4, generator=g)
    g.set_state(state)
    assert tinycnn.randn(4, generator=g).tolist() == second.tolist()
    assert tinycnn.normal(0.0, 1.0, (4,), generator=tinycnn.Generator().manual_seed(7)).tolist() \
        == first.tolist()
    assert tinycnn.randperm(5, generator=g.manual_seed(1)).tolist() == tinycnn.randperm(
        5, generator=tinycnn.Generator().manual_seed(1)).tolist()
    mean = tinycnn.full((2000,), 3.0)
    z = tinycnn.normal(mean, 0.1)
    assert z.shape == (2000,) and abs(z.mean().item() - 3.0) < 0.02
    assert isinstance(g.seed(), int)
    with pytest.raises(TypeError, match="int seed"):
        g.manual_seed(1.5)


# --- module-level switches ---------------------------------------------------------------

def test_module_level_helpers():
    x = tinycnn.zeros(2, 3)
    assert tinycnn.is_tensor(x) and not tinycnn.is_tensor(np.zeros(2))
    assert tinycnn.numel(x) == 6 and tinycnn.t(x).shape == (3, 2)
    assert tinycnn.unbind(x)[0].shape == (3,)
    tinycnn.cuda.manual_seed_all(0)  # no GPU needed
    tinycnn.cuda.manual_seed(0)
    tinycnn.backends.cudnn.benchmark = True
    tinycnn.backends.cudnn.deterministic = True
    assert tinycnn.backends.cudnn.benchmark and tinycnn.backends.cudnn.enabled
    assert tinycnn.backends.mps.is_available() is False
    assert tinycnn.accelerator.is_available() == tinycnn.cuda.is_available()
    if not tinycnn.cuda.is_available():
        assert tinycnn.accelerator.current_accelerator() is None
    tinycnn.use_deterministic_algorithms(True)
    assert tinycnn.are_deterministic_algorithms_enabled()
    tinycnn.use_deterministic_algorithms(False)


def test_backends_import_as_modules():
    # import torch.backends.cudnn as cudnn; cudnn.benchmark = True  (transfer-learning tutorial)
    import tinycnn.backends.cudnn as cudnn  # noqa: PLC0415

    from tinycnn.backends import mps  # noqa: PLC0415

    cudnn.benchmark = True
    assert tinycnn.backends.cudnn is cudnn and tinycnn.backends.cudnn.benchmark
    assert mps.is_available() is False


def test_num_threads_round_trip():
    n = tinycnn.get_num_threads()
    try:
        tinycnn.set_num_threads(1)
        assert tinycnn.get_num_threads() == 1
    finally:
        tinycnn.set_num_threads(n)
    assert tinycnn.get_num_threads() == n
    with pytest.raises(ValueError, match="positive int"):
        tinycnn.set_num_threads(0)


def test_utils_data_is_the_data_package():
    import tinycnn.utils.data  # noqa: PLC0415
    from tinycnn.utils.data import DataLoader, TensorDataset  # noqa: PLC0415

    assert tinycnn.utils.data is tinycnn.data and DataLoader is tinycnn.data.DataLoader
    loader = DataLoader(TensorDataset(tinycnn.arange(4)), batch_size=2)
    assert [b[0].tolist() for b in loader] == [[0, 1], [2, 3]]


# --- new_*, equal, legacy constructors -----------------------------------------------------

def test_new_factories_keep_dtype_and_device():
    x = tinycnn.zeros(2, dtype=tinycnn.float64)
    for t in (x.new_zeros(2, 3), x.new_zeros((2, 3)), x.new_ones(2, 3), x.new_empty(2, 3)):
        assert t.shape == (2, 3) and t.dtype == np.float64 and t.device == x.device
    assert x.new_zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert x.new_ones(2).tolist() == [1.0, 1.0]
    full = x.new_full((2,), 7, dtype=tinycnn.int64)
    assert full.tolist() == [7, 7] and full.dtype == np.int64
    nt = x.new_tensor([1, 2])  # torch: the new tensor takes this tensor's dtype
    assert nt.dtype == np.float64 and nt.tolist() == [1.0, 2.0]
    assert torch.zeros(1, dtype=torch.float64).new_tensor([1, 2]).dtype == torch.float64
    assert x.new_zeros(3, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="size must be non-negative ints"):
        x.new_zeros(-1)


def test_equal_matches_torch():
    a = tinycnn.tensor([1.0, 2.0])
    cases = [(a, tinycnn.tensor([1.0, 2.0])), (a, tinycnn.tensor([1.0, 3.0])),
             (a, tinycnn.tensor([[1.0, 2.0]])), (a, tinycnn.tensor([1, 2])),
             (tinycnn.tensor([float("nan")]), tinycnn.tensor([float("nan")]))]
    for x, y in cases:
        want = torch.equal(torch.tensor(x.numpy()), torch.tensor(y.numpy()))
        assert tinycnn.equal(x, y) is want and x.equal(y) is want
    with pytest.raises(TypeError, match="equal: b must be a Tensor, got list"):
        tinycnn.equal(a, [1.0, 2.0])


def test_legacy_typed_constructors():
    f = tinycnn.FloatTensor([1, 2])
    assert f.dtype == np.float32 and f.tolist() == [1.0, 2.0]
    lt = tinycnn.LongTensor([1.7, 2])
    assert lt.dtype == np.int64 and lt.tolist() == [1, 2]
    assert tinycnn.FloatTensor(2, 3).shape == (2, 3)
    assert tinycnn.DoubleTensor(np.ones(2)).dtype == np.float64
    assert tinycnn.IntTensor([1]).dtype == np.int32 and tinycnn.BoolTensor([1, 0]).tolist() == \
        [True, False]
    assert tinycnn.FloatTensor().shape == (0,)
    with pytest.raises(TypeError, match="FloatTensor: expected data"):
        tinycnn.FloatTensor(2, 3.5)


# --- everyday names: dtypes, methods, seeding (see tests/integration/test_everyday_idioms.py) --

def test_dtype_names_match_pytorch():
    for name in ("bool", "half", "int8", "int16", "short", "int", "float16", "uint8"):
        ours = np.dtype(getattr(tinycnn, name))
        assert ours.name == str(getattr(torch, name)).replace("torch.", ""), name
    x = tinycnn.tensor([0, 2], dtype=tinycnn.bool)
    assert x.dtype == np.bool_ and x.tolist() == [False, True]
    assert tinycnn.tensor([1.5]).half().dtype == np.float16
    assert tinycnn.tensor([3.0]).byte().dtype == np.uint8
    assert tinycnn.tensor([1.0]).is_floating_point() and not tinycnn.tensor([1]).is_floating_point()
    assert tinycnn.zeros(2, 3).element_size() == 4 and tinycnn.zeros(2, 3).nelement() == 6


def test_tensor_constructor_takes_sizes_as_pytorch():
    assert tinycnn.Tensor(2, 3).shape == (2, 3) and tinycnn.Tensor(2, 3).dtype == np.float32
    assert tinycnn.Tensor(4).shape == (4,)
    assert tinycnn.Tensor([1, 2]).dtype == np.float32  # data, not a size
    assert tinycnn.nn.Parameter(tinycnn.Tensor(3, 2)).shape == (3, 2)
    with pytest.raises(TypeError, match="sizes"):
        tinycnn.Tensor(2, 2.5)


def test_shape_views_and_inplace_shape_changes():
    x = tinycnn.arange(6).reshape(2, 3)
    assert x.is_contiguous() and not x.t().is_contiguous()
    assert tinycnn.zeros(5, 2, 3).mT.shape == (5, 3, 2)
    assert x.flip(dims=[1]).tolist() == torch.arange(6).reshape(2, 3).flip(dims=[1]).tolist()
    y = tinycnn.zeros(1, 3)
    assert y.squeeze_(0) is y and y.shape == (3,)
    assert y.unsqueeze_(-1).shape == (3, 1) and y.t_().shape == (1, 3)
    w = tinycnn.ones(2, requires_grad=True)
    z = w * 2
    z.unsqueeze_(0)
    z.sum().backward()
    assert w.grad.tolist() == [2.0, 2.0]
    d = w * 3
    assert d.detach_() is d and not d.requires_grad and d.grad_fn is None


def test_inplace_math_methods_match_pytorch():
    for name in ("abs_", "sqrt_", "exp_", "log_", "neg_", "relu_", "sigmoid_", "tanh_"):
        ours, theirs = tinycnn.tensor([0.5, 2.0]), torch.tensor([0.5, 2.0])
        assert getattr(ours, name)() is ours
        getattr(theirs, name)()
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=name)
    x = tinycnn.tensor([2.0, 3.0])
    x.pow_(2)
    assert x.tolist() == [4.0, 9.0]
    with pytest.raises(RuntimeError, match="leaf"):
        tinycnn.ones(2, requires_grad=True).abs_()


def test_global_generator_state_and_seeds():
    g = tinycnn.manual_seed(5)
    assert isinstance(g, tinycnn.Generator) and g is tinycnn.default_generator
    assert tinycnn.initial_seed() == 5
    state = tinycnn.get_rng_state()
    a = tinycnn.rand(3)
    tinycnn.set_rng_state(state)
    assert tinycnn.equal(a, tinycnn.rand(3))
    s = tinycnn.seed()
    assert tinycnn.initial_seed() == s
    tinycnn.cuda.empty_cache()  # a no-op without a GPU


def test_autograd_backward_of_several_tensors():
    x = tinycnn.tensor([1.0, 2.0], requires_grad=True)
    tinycnn.autograd.backward([(x * 2).sum(), (x * x).sum()])
    assert x.grad.tolist() == [4.0, 6.0]
    tinycnn.autograd.backward(x * 3, grad_tensors=tinycnn.tensor([1.0, 0.5]))
    assert x.grad.tolist() == [7.0, 7.5]


# --- automatic mixed precision names (tinycnn.amp) -------------------------------------------

def _amp_run(lib, enabled, device, overflow_at=None):
    m = lib.nn.Linear(2, 1)
    with lib.no_grad():
        m.weight.copy_(lib.tensor([[0.5, -0.5]]))
        m.bias.fill_(0.1)
    opt = lib.optim.SGD(m.parameters(), lr=0.1)
    with pytest.warns(UserWarning, match="CUDA is not available") if device == "cuda" \
            and enabled and not lib.cuda.is_available() else contextlib.nullcontext():
        scaler = lib.amp.GradScaler(device, enabled=enabled, growth_interval=2)
    out = []
    for i in range(5):
        opt.zero_grad()
        with lib.autocast(device_type="cpu", dtype=lib.bfloat16 if lib is torch else None):
            loss = m(lib.ones(1, 2)).sum() * (np.inf if i == overflow_at else 1.0)
        scaler.scale(loss.float()).backward()
        scaler.unscale_(opt)  # as before clipping
        scaler.step(opt)
        scaler.update()
        out.append((scaler.get_scale(), m.weight.detach().numpy().round(4).tolist()))
    return out


@pytest.mark.parametrize("enabled,device,overflow_at", [(True, "cpu", None), (True, "cpu", 1),
                                                        (False, "cpu", None), (True, "cuda", None)])
def test_grad_scaler_and_autocast_follow_pytorch(enabled, device, overflow_at):
    import tinycnn.optim  # noqa: F401  (lib.optim below)

    with np.errstate(over="ignore", invalid="ignore"):
        ours = _amp_run(tinycnn, enabled, device, overflow_at)
    assert ours == _amp_run(torch, enabled, device, overflow_at)
