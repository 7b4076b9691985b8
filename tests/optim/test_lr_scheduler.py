"""Learning-rate schedulers: 100-epoch schedules against PyTorch, resuming, errors."""

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
