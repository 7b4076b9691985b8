"""Optimizers: 100-step trajectories against PyTorch, groups, state dicts, in-place updates."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch

import tinycnn
import tinycnn.nn as nn
import tinycnn.optim as optim

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-2)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1)),
    ("AdamW", dict(lr=1e-2, amsgrad=True, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.05)),
    ("RMSprop", dict(lr=3e-3)),
    ("RMSprop", dict(lr=3e-3, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CONFIGS)]


def problem(lib, dtype):
    """Robust regression: mean(log(1 + (X W + b - Y)^2)), with parameters W, b and a frozen
    F; returns (params, loss_fn). Two groups: W at the default lr, b at half of it."""
    gen = np.random.default_rng(0)
    X, Y = gen.standard_normal((20, 5)), gen.standard_normal((20, 3))
    W0, b0, F0 = gen.standard_normal((5, 3)), gen.standard_normal(3), gen.standard_normal(3)
    if lib is torch:
        X, Y = torch.tensor(X, dtype=dtype), torch.tensor(Y, dtype=dtype)
        W, b = (torch.tensor(a, dtype=dtype, requires_grad=True) for a in (W0, b0))
        F = torch.tensor(F0, dtype=dtype)
        loss = lambda: torch.log(1 + (X @ W + b + F - Y) ** 2).mean()  # noqa: E731
    else:
        X, Y = tinycnn.tensor(X, dtype=dtype), tinycnn.tensor(Y, dtype=dtype)
        W, b = (nn.Parameter(tinycnn.tensor(a, dtype=dtype)) for a in (W0, b0))
        F = nn.Parameter(tinycnn.tensor(F0, dtype=dtype), requires_grad=False)
        loss = lambda: ((X @ W + b + F - Y) ** 2 + 1).log().mean()  # noqa: E731
    return W, b, F, loss


def run(lib, name, kwargs, steps, dtype, closure_every=0):
    W, b, F, loss_fn = problem(lib, dtype)
    cls = getattr(torch.optim if lib is torch else optim, name)
    lr = kwargs.get("lr", 1.0)
    params = [{"params": [W]}, {"params": [b], "lr": lr / 2}]
    if lib is not torch:
        params[1]["params"].append(F)  # frozen: passed, skipped
    opt = cls(params, **kwargs)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        losses.append(float(loss.item()))
        opt.step()
    arrays = [np.array(t.detach().numpy() if lib is torch else t.numpy()) for t in (W, b)]
    return arrays, losses, opt


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_trajectory_matches_torch_float64(name, kwargs):
    (w, b), losses, opt = run(tinycnn, name, kwargs, 100, np.float64)
    (tw, tb), tlosses, _ = run(torch, name, kwargs, 100, torch.float64)
    np.testing.assert_allclose(losses, tlosses, rtol=1e-9)
    np.testing.assert_allclose(w, tw, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b, tb, rtol=1e-9, atol=1e-12)
    assert opt.param_groups[1]["params"][1] not in opt.state  # the frozen one was skipped


@pytest.mark.parametrize("name,kwargs", [CONFIGS[1], CONFIGS[4], CONFIGS[8], CONFIGS[10]],
                         ids=["SGD", "Adam", "Adadelta", "RMSprop"])
def test_trajectory_matches_torch_float32(name, kwargs):
    (w, b), _, _ = run(tinycnn, name, kwargs, 100, np.float32)
    (tw, tb), _, _ = run(torch, name, kwargs, 100, torch.float32)
    assert w.dtype == np.float32
    np.testing.assert_allclose(w, tw, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b, tb, rtol=1e-5, atol=1e-6)


def _npz_like(state):
    """What a round trip through an .npz file leaves: arrays everywhere, string keys."""
    return {
        "state": {str(k): {n: np.array(v) for n, v in s.items()}
                  for k, s in state["state"].items()},
        "param_groups": [{n: np.array(v) for n, v in g.items()} for g in state["param_groups"]],
    }


@pytest.mark.parametrize("name,kwargs", [CONFIGS[1], CONFIGS[4], CONFIGS[8], CONFIGS[10],
                                         CONFIGS[12]], ids=["SGD", "Adam", "Adadelta",
                                                            "RMSprop", "Adagrad"])
def test_state_dict_resume_is_exact(name, kwargs):
    (w, b), _, _ = run(tinycnn, name, kwargs, 20, np.float64)
    W, bb, F, loss_fn = problem(tinycnn, np.float64)
    cls = getattr(optim, name)
    opt = cls([{"params": [W]}, {"params": [bb, F], "lr": kwargs.get("lr", 1.0) / 2}], **kwargs)
    for _ in range(10):
        opt.zero_grad()
        loss_fn().backward()
        opt.step()
    saved = opt.state_dict()
    assert sorted(saved) == ["param_groups", "state"]
    assert saved["param_groups"][0]["params"] == [0] and saved["param_groups"][1]["params"] == [1, 2]
    assert sorted(saved["state"]) == [0, 1]  # F is frozen: no state
    for group in saved["param_groups"]:
        assert all(isinstance(v, (int, float, bool, str, list)) for v in group.values())
    saved = _npz_like(saved)
    # a fresh optimizer (other hyper-parameters) continues exactly where the first stopped
    opt2 = cls([{"params": [W]}, {"params": [bb, F]}], lr=123.0)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[1]["lr"] == kwargs.get("lr", 1.0) / 2
    if "betas" in opt2.defaults:
        assert isinstance(opt2.param_groups[0]["betas"], tuple)
    for _ in range(10):
        opt2.zero_grad()
        loss_fn().backward()
        opt2.step()
    np.testing.assert_array_equal(W.numpy(), w)
    np.testing.assert_array_equal(bb.numpy(), b)


def test_state_dict_structure_like_torch():
    W, b, _, loss_fn = problem(tinycnn, np.float32)
    opt = optim.Adam([W, b], amsgrad=True)
    loss_fn().backward()
    opt.step()
    ours = opt.state_dict()
    tW, tb, _, tloss = problem(torch, torch.float32)
    topt = torch.optim.Adam([tW, tb], amsgrad=True)
    tloss().backward()
    topt.step()
    theirs = topt.state_dict()
    assert sorted(ours["state"][0]) == sorted(theirs["state"][0])
    assert set(ours["param_groups"][0]) <= set(theirs["param_groups"][0])
    np.testing.assert_allclose(ours["state"][1]["exp_avg_sq"], theirs["state"][1]["exp_avg_sq"],
                               rtol=1e-5)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_updates_in_place_without_temporaries(name, kwargs):
    """After the first step, a step allocates no array: parameter and state buffers are
    updated in place and temporaries come from the optimizer's scratch space."""
    p = nn.Parameter(tinycnn.randn(250_000))  # 1 MB
    p.grad = tinycnn.randn(250_000)
    opt = getattr(optim, name)([p], **kwargs)
    opt.step()
    data = p._data
    state = {k: v for k, v in opt.state[p].items() if hasattr(v, "shape")}
    tracemalloc.start()
    for _ in range(3):
        opt.step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 100_000, f"{name} allocated {peak} bytes during a step"
    assert p._data is data
    assert all(opt.state[p][k] is v for k, v in state.items())


def test_param_groups_and_skipping():
    a, b, c = (nn.Parameter(tinycnn.ones(2)) for _ in range(3))
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": c, "lr": 0.5})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.9  # defaults fill the new group
    a.grad = tinycnn.ones(2)  # b has no gradient: skipped
    c.grad = tinycnn.ones(2)
    opt.step()
    np.testing.assert_allclose(a.numpy(), 0.9)
    np.testing.assert_allclose(b.numpy(), 1.0)
    np.testing.assert_allclose(c.numpy(), 0.5)
    assert b not in opt.state
    opt.zero_grad(set_to_none=False)
    assert np.all(a.grad.numpy() == 0) and b.grad is None
    opt.zero_grad()
    assert a.grad is None
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([a, a], lr=0.1)
    assert "Parameter Group 1" in repr(opt)


def test_closure_and_frozen_parameters():
    W, b, F, loss_fn = problem(tinycnn, np.float64)
    frozen = F.numpy().copy()
    opt = optim.SGD([W, b, F], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    first = float(opt.step(closure))
    assert float(opt.step(closure)) < first
    np.testing.assert_array_equal(F.numpy(), frozen)


@pytest.mark.parametrize("make,match", [
    (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), "Invalid momentum value"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "Invalid weight_decay value"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
    (lambda p: optim.Adam(p, eps=-1e-8), "Invalid epsilon value"),
    (lambda p: optim.AdamW(p, lr=-0.1), "Invalid learning rate"),
    (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value"),
    (lambda p: optim.RMSprop(p, alpha=-0.1), "Invalid alpha value"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value"),
    (lambda p: optim.SGD([], lr=0.1), "empty parameter list"),
])
def test_invalid_hyper_parameters_raise_like_torch(make, match):
    with pytest.raises(ValueError, match=match):
        make([nn.Parameter(tinycnn.ones(1))])


def test_bad_params_argument():
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(nn.Parameter(tinycnn.ones(1)), lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([np.ones(2)], lr=0.1)
    x = nn.Parameter(tinycnn.ones(1))
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([x * 2], lr=0.1)


def test_module_parameters_and_load_mismatch():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters())
    assert len(opt.param_groups[0]["params"]) == 4
    other = optim.Adam([{"params": model[0].parameters()}, {"params": model[1].parameters()}])
    with pytest.raises(ValueError, match="parameter groups"):
        opt.load_state_dict(other.state_dict())


@pytest.mark.cuda
@pytest.mark.parametrize("name,kwargs", [CONFIGS[1], CONFIGS[4], CONFIGS[10]],
                         ids=["SGD", "Adam", "RMSprop"])
def test_gpu_steps_match_cpu(name, kwargs):
    gen = np.random.default_rng(0)
    start, grads = gen.standard_normal(50), gen.standard_normal((5, 50))
    results = []
    for device in ("cpu", "cuda"):
        p = nn.Parameter(tinycnn.tensor(start, dtype=np.float64, device=device))
        opt = getattr(optim, name)([p], **kwargs)
        for g in grads:
            p.grad = tinycnn.tensor(g, dtype=np.float64, device=device)
            opt.step()
        assert p.device == device
        results.append(p.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-10)


def test_passing_a_model_instead_of_its_parameters_is_a_clear_error():
    import tinycnn.nn as nn
    from tinycnn import optim

    with pytest.raises(TypeError, match=r"got Linear \(pass model.parameters\(\)\)"):
        optim.SGD(nn.Linear(2, 2), lr=0.1)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_fused_cpu_adam_matches_numpy_passes(monkeypatch, amsgrad):
    """The CPU kernels' one-pass Adam gives the numbers of the NumPy passes (which the
    reference kernels select), also for a parameter larger than one block."""
    rng = np.random.default_rng(0)
    shapes = [(3, 5), (70_000,)]

    def three_steps(kernels: str) -> list:
        monkeypatch.setenv("TINYCNN_KERNELS", kernels)
        ps = [tinycnn.tensor(rng.standard_normal(s, dtype=np.float32), requires_grad=True)
              for s in shapes]
        opt = optim.Adam(ps, lr=1e-2, weight_decay=0.1, amsgrad=amsgrad)
        for _ in range(3):
            for p in ps:
                p.grad = tinycnn.tensor(rng.standard_normal(p.shape, dtype=np.float32))
            opt.step()
        return [p._data for p in ps]

    state = rng.bit_generator.state
    fused = three_steps("auto")
    rng.bit_generator.state = state
    passes = three_steps("reference")
    for a, b in zip(fused, passes):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


# --- Adamax, NAdam, RAdam ---------------------------------------------------------------------

@pytest.mark.parametrize("name,kw", [
    ("Adamax", {}), ("Adamax", dict(lr=0.01, weight_decay=0.1)), ("NAdam", {}),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", {}), ("RAdam", dict(lr=0.01, weight_decay=0.01, maximize=True)),
])
def test_adam_variants_match_pytorch(name, kw):
    def run(lib):
        m = lib.nn.Linear(3, 2)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(np.arange(6, dtype=np.float32).reshape(2, 3) / 10 - 0.2))
            m.bias.fill_(0.1)
        opt = getattr(lib.optim, name)(m.parameters(), **kw)
        x = lib.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3))
        for _ in range(12):  # RAdam: past its warm-up (rho_t > 5 from step 6)
            opt.zero_grad()
            (m(x) ** 2).mean().backward()
            opt.step()
        return m.weight.detach().numpy(), m.bias.detach().numpy()

    for ours, theirs in zip(run(tinycnn), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)
