"""Learning-rate schedulers: 100-epoch schedules against PyTorch (OneCycleLR,
CosineAnnealingWarmRestarts and LinearLR step by step, with momentum), resuming, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import tinycnn
import tinycnn.nn as nn
import tinycnn.optim as optim
from tinycnn.optim import lr_scheduler as sched

SCHEDULES = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[10, 30, 30, 75], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.97)),
    ("CosineAnnealingLR", dict(T_max=30, eta_min=1e-3)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e) if e % 2 else 0.99**e)),
]


def optimizers():
    """SGD with two groups (lr 0.1 and 0.02), in both libraries."""
    ours = optim.SGD([{"params": [nn.Parameter(tinycnn.ones(2))]},
                      {"params": [nn.Parameter(tinycnn.ones(2))], "lr": 0.02}],
                     lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD([{"params": [torch.ones(2, requires_grad=True)]},
                              {"params": [torch.ones(2, requires_grad=True)], "lr": 0.02}],
                             lr=0.1, momentum=0.9)
    return ours, theirs


def schedule(scheduler, opt, epochs):
    lrs = []
    for _ in range(epochs):
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
    return lrs


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedule_matches_torch(name, kwargs):
    ours_opt, theirs_opt = optimizers()
    ours = getattr(sched, name)(ours_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)
    a = schedule(ours, ours_opt, 100)
    b = schedule(theirs, theirs_opt, 100)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert [g["lr"] for g in ours_opt.param_groups] == a[-1]
    assert [g["initial_lr"] for g in ours_opt.param_groups] == [0.1, 0.02]


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_resume_from_state_dict(name, kwargs):
    """Stop after 40 epochs, rebuild optimizer + scheduler, load both states, continue:
    the rates are those of an uninterrupted run."""
    opt, _ = optimizers()
    full = schedule(getattr(sched, name)(opt, **kwargs), opt, 100)
    opt, _ = optimizers()
    first = getattr(sched, name)(opt, **kwargs)
    schedule(first, opt, 40)
    opt_state, sched_state = opt.state_dict(), first.state_dict()
    assert "optimizer" not in sched_state and "lr_lambdas" not in sched_state
    opt2, _ = optimizers()
    second = getattr(sched, name)(opt2, **kwargs)
    opt2.load_state_dict(opt_state)
    second.load_state_dict(sched_state)
    rest = schedule(second, opt2, 60)
    np.testing.assert_allclose(rest, full[40:], rtol=1e-12)


def test_cosine_resumed_with_last_epoch_matches_torch():
    ours_opt, theirs_opt = optimizers()
    for o in (ours_opt, theirs_opt):
        for g in o.param_groups:
            g["initial_lr"] = g["lr"]
    ours = sched.CosineAnnealingLR(ours_opt, T_max=10, last_epoch=4)
    theirs = torch.optim.lr_scheduler.CosineAnnealingLR(theirs_opt, T_max=10, last_epoch=4)
    np.testing.assert_allclose(schedule(ours, ours_opt, 30), schedule(theirs, theirs_opt, 30),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(mode="max", factor=0.5, patience=2, threshold=0.1, threshold_mode="abs", cooldown=3,
         min_lr=[0.01, 0.005]),
    dict(patience=0, min_lr=0.004, eps=1e-3),
])
def test_reduce_on_plateau_matches_torch(kwargs):
    gen = np.random.default_rng(0)
    metrics = np.concatenate([np.linspace(2, 1, 20), 1 + 0.05 * gen.standard_normal(60),
                              np.linspace(1, 0.5, 20)])
    ours_opt, theirs_opt = optimizers()
    ours = sched.ReduceLROnPlateau(ours_opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kwargs)
    a, b = [], []
    for m in metrics:
        ours_opt.step()
        theirs_opt.step()
        ours.step(tinycnn.tensor(m) if m > 1.5 else m)  # a one-element tensor works too
        theirs.step(m)
        a.append(ours.get_last_lr())
        b.append(theirs.get_last_lr())
    np.testing.assert_allclose(a, b, rtol=1e-12)
    assert len({tuple(x) for x in a}) > 1  # the rate did change
    state = ours.state_dict()
    assert state["best"] == theirs.best and state["num_bad_epochs"] == theirs.num_bad_epochs


def test_scheduler_errors():
    opt, _ = optimizers()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        sched.StepLR("sgd", 3)
    with pytest.raises(KeyError, match="initial_lr"):
        sched.StepLR(opt, 3, last_epoch=5)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        sched.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        sched.ReduceLROnPlateau(opt, factor=2.0)
    with pytest.raises(ValueError, match="mode"):
        sched.ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(ValueError, match="T_max"):
        sched.CosineAnnealingLR(opt, T_max=0)


def test_lambda_per_group_and_get_last_lr_is_a_copy():
    opt, _ = optimizers()
    s = sched.LambdaLR(opt, [lambda e: 0.5**e, lambda e: math.cos(e)])
    s.step()
    lrs = s.get_last_lr()
    assert lrs == pytest.approx([0.05, 0.02 * math.cos(1)])
    lrs[0] = 99
    assert s.get_last_lr()[0] == pytest.approx(0.05)


# --- OneCycleLR, CosineAnnealingWarmRestarts, LinearLR ----------------------------------------------------------------------

def _pair_of_optimizers(kind: str, lr: float = 0.1):
    w = [np.zeros(2, dtype=np.float32), np.zeros(3, dtype=np.float32)]
    ours = [tinycnn.nn.Parameter(tinycnn.tensor(a)) for a in w]
    theirs = [torch.nn.Parameter(torch.tensor(a)) for a in w]
    if kind == "sgd":
        return (tinycnn.optim.SGD([{"params": [ours[0]]}, {"params": [ours[1]]}], lr=lr,
                                  momentum=0.9),
                torch.optim.SGD([{"params": [theirs[0]]}, {"params": [theirs[1]]}], lr=lr,
                                momentum=0.9))
    return (tinycnn.optim.Adam([{"params": [ours[0]]}, {"params": [ours[1]]}], lr=lr),
            torch.optim.Adam([{"params": [theirs[0]]}, {"params": [theirs[1]]}], lr=lr))


def _trajectory(opt, scheduler, steps: int, momentum_key: str) -> list:
    out = []
    for _ in range(steps):
        for g in opt.param_groups:
            m = g[momentum_key][0] if momentum_key == "betas" else g[momentum_key]
            out.append((g["lr"], m))
        out.append(tuple(scheduler.get_last_lr()))
        opt.step()  # no gradients: changes nothing, but keeps PyTorch's order (no warning)
        scheduler.step()
    return out


def _same_schedule(name: str, kind: str, kw: dict, steps: int | None = None, **tolerance):
    """Scheduler ``name`` with ``kw`` on a tinycnn and a torch ``kind`` optimizer, stepped
    ``steps`` times (default: the scheduler's total_steps): their lr and momentum
    trajectories must agree. Returns (ours, theirs)."""
    ours_opt, torch_opt = _pair_of_optimizers(kind)
    ours = getattr(sched, name)(ours_opt, **kw)
    theirs = getattr(torch.optim.lr_scheduler, name)(torch_opt, **kw)
    key = "betas" if kind == "adam" else "momentum"
    steps = ours.total_steps if steps is None else steps
    a, b = _trajectory(ours_opt, ours, steps, key), _trajectory(torch_opt, theirs, steps, key)
    np.testing.assert_allclose(np.array(a, dtype=float), np.array(b, dtype=float), **tolerance)
    return ours, theirs


@pytest.mark.parametrize("kind,kw", [
    ("sgd", dict(max_lr=0.5, total_steps=23)),
    ("sgd", dict(max_lr=[0.5, 0.2], epochs=3, steps_per_epoch=7, anneal_strategy="linear",
                 pct_start=0.25)),
    ("adam", dict(max_lr=0.01, total_steps=30, three_phase=True, div_factor=10.0,
                  final_div_factor=100.0, base_momentum=[0.8, 0.7], max_momentum=0.9)),
    ("adam", dict(max_lr=0.01, total_steps=12, three_phase=True, anneal_strategy="linear")),
])
def test_one_cycle_lr_trajectory_matches_torch(kind, kw):
    ours, theirs = _same_schedule("OneCycleLR", kind, kw, rtol=1e-12)
    assert ours.total_steps == theirs.total_steps
    assert ours.optimizer.param_groups[0]["lr"] == theirs.optimizer.param_groups[0]["lr"]
    with pytest.raises(ValueError, match="tried to step"):  # one step past the end
        ours.step()


def test_one_cycle_lr_without_momentum_and_bad_input():
    opt = tinycnn.optim.Adagrad([tinycnn.nn.Parameter(tinycnn.zeros(2))], lr=0.1)
    with pytest.raises(ValueError, match="cycle_momentum=True needs an optimizer"):
        sched.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    s = sched.OneCycleLR(opt, max_lr=1.0, total_steps=10, cycle_momentum=False)
    assert s.get_last_lr() == [pytest.approx(1.0 / 25)]
    sgd, _ = _pair_of_optimizers("sgd")
    with pytest.raises(ValueError, match="either total_steps or both epochs"):
        sched.OneCycleLR(sgd, max_lr=1.0, epochs=3)
    with pytest.raises(ValueError, match="total_steps must be a positive int, got 0"):
        sched.OneCycleLR(sgd, max_lr=1.0, total_steps=0)
    with pytest.raises(ValueError, match="pct_start must be a float in"):
        sched.OneCycleLR(sgd, max_lr=1.0, total_steps=5, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy must be 'cos' or 'linear'"):
        sched.OneCycleLR(sgd, max_lr=1.0, total_steps=5, anneal_strategy="exp")
    with pytest.raises(ValueError, match=r"max_lr must have one value per parameter group \(2\)"):
        sched.OneCycleLR(sgd, max_lr=[1.0], total_steps=5)


@pytest.mark.parametrize("kw", [dict(T_0=4), dict(T_0=3, T_mult=2, eta_min=0.01)])
def test_cosine_annealing_warm_restarts_matches_torch(kw):
    ours, theirs = _same_schedule("CosineAnnealingWarmRestarts", "sgd", kw, 25, rtol=1e-12,
                                  atol=1e-15)
    for epoch in (0.5, 3.25, 7.0, 11.9):  # fractional epochs, stepped per batch
        ours.step(epoch)
        theirs.step(epoch)
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
    with pytest.raises(ValueError, match="T_0 must be a positive int, got 0"):
        sched.CosineAnnealingWarmRestarts(ours.optimizer, T_0=0)
    with pytest.raises(ValueError, match="epoch must be >= 0"):
        ours.step(-1)


@pytest.mark.parametrize("kw", [dict(), dict(start_factor=0.05, total_iters=8),
                                dict(start_factor=1.0, end_factor=0.1, total_iters=4)])
def test_linear_lr_matches_torch(kw):
    ours, _ = _same_schedule("LinearLR", "sgd", kw, 12, rtol=1e-12)
    with pytest.raises(ValueError, match=r"start_factor must be in \(0, 1\], got 0"):
        sched.LinearLR(ours.optimizer, start_factor=0)


# --- SequentialLR, ConstantLR, PolynomialLR, MultiplicativeLR --------------------------------

def _rates(lib_sched, lib_optim, lib_nn, make, steps=9):
    opt = lib_optim.SGD(lib_nn.Linear(2, 1).parameters(), lr=1.0)
    s = make(lib_sched, opt)
    rates = [opt.param_groups[0]["lr"]]
    for _ in range(steps):
        opt.step()
        s.step()
        rates.append(opt.param_groups[0]["lr"])
    return rates


@pytest.mark.parametrize("make", [
    lambda L, o: L.SequentialLR(o, [L.LinearLR(o, 0.1, total_iters=3), L.CosineAnnealingLR(o, 5)],
                                milestones=[3]),
    lambda L, o: L.SequentialLR(o, [L.ExponentialLR(o, 0.5), L.StepLR(o, 2, 0.1),
                                    L.LambdaLR(o, lambda e: 1 / (e + 1))], [2, 5]),
    lambda L, o: L.SequentialLR(o, [L.ConstantLR(o, 0.5, total_iters=2),
                                    L.PolynomialLR(o, total_iters=4, power=2.0)], [3]),
    lambda L, o: L.ConstantLR(o, factor=0.25, total_iters=3),
    lambda L, o: L.PolynomialLR(o, total_iters=5),
    lambda L, o: L.MultiplicativeLR(o, lambda e: 0.9),
])
def test_more_schedulers_match_pytorch(make):
    ours = _rates(sched, optim, nn, make)
    theirs = _rates(torch.optim.lr_scheduler, torch.optim, torch.nn, make)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_sequential_lr_state_round_trip_and_checks():
    opt = optim.SGD(nn.Linear(2, 1).parameters(), lr=1.0)
    s = sched.SequentialLR(opt, [sched.ConstantLR(opt, 0.5, 2), sched.ExponentialLR(opt, 0.9)], [2])
    for _ in range(3):
        opt.step()
        s.step()
    state = s.state_dict()
    opt2 = optim.SGD(nn.Linear(2, 1).parameters(), lr=1.0)
    s2 = sched.SequentialLR(opt2, [sched.ConstantLR(opt2, 0.5, 2), sched.ExponentialLR(opt2, 0.9)],
                            [2])
    s2.load_state_dict(state)
    assert s2.last_epoch == 3 and s2._schedulers[1].last_epoch == s._schedulers[1].last_epoch
    with pytest.raises(ValueError, match="one milestone fewer"):
        sched.SequentialLR(opt, [sched.ConstantLR(opt)], [2])


def test_chained_scheduler_matches_pytorch():
    def make(L, o):
        return L.ChainedScheduler([L.ConstantLR(o, 0.5, total_iters=2), L.ExponentialLR(o, 0.9)])

    np.testing.assert_allclose(_rates(sched, optim, nn, make),
                               _rates(torch.optim.lr_scheduler, torch.optim, torch.nn, make),
                               rtol=1e-12)


@pytest.mark.parametrize("kw", [dict(step_size_up=2), dict(step_size_up=2, step_size_down=3,
                                                           mode="triangular2"),
                                dict(step_size_up=3, mode="exp_range", gamma=0.9)])
def test_cyclic_lr_matches_pytorch(kw):
    def run(lib_sched, lib_optim, lib_nn, adam=False):
        params = lib_nn.Linear(2, 1).parameters()
        opt = lib_optim.Adam(params, lr=0.1) if adam else lib_optim.SGD(params, lr=0.1,
                                                                        momentum=0.9)
        s = lib_sched.CyclicLR(opt, base_lr=0.01, max_lr=0.1, **kw)
        out = []
        for _ in range(9):
            opt.step()
            s.step()
            g = opt.param_groups[0]
            out.append((g["lr"], g["betas"][0] if adam else g["momentum"]))
        return out

    for adam in (False, True):
        np.testing.assert_allclose(run(sched, optim, nn, adam),
                                   run(torch.optim.lr_scheduler, torch.optim, torch.nn, adam),
                                   rtol=1e-12)
