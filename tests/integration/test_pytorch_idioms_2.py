"""PyTorch names that a ported script meets, second batch: chunk/split, sort/topk/argsort,
new_* factories, equal, legacy FloatTensor/LongTensor, F.interpolate / nn.Upsample,
OneCycleLR / CosineAnnealingWarmRestarts / LinearLR, and top-k accuracy.

Each op: PyTorch parity (forward and gradients), a float64 gradcheck, and bad input.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_op

import tinycnn
import tinycnn.nn as nn
import tinycnn.nn.functional as F
from tinycnn.optim import lr_scheduler as sched
from tinycnn.train.metrics import topk_accuracy


def _f64(*shape: int, seed: int = 0) -> tinycnn.Tensor:
    x = np.random.default_rng(seed).standard_normal(shape)
    return tinycnn.tensor(x, dtype=np.float64, requires_grad=True)


# --- chunk / split -------------------------------------------------------------------------

@pytest.mark.parametrize("args", [(2, 0), (3, 1), (4, -1), (5, 1)])
def test_chunk_parity(args):
    chunks, dim = args
    check_op([(5, 6, 3)], lambda x: x.chunk(chunks, dim), lambda x: x.chunk(chunks, dim))
    check_op([(5, 6, 3)], lambda x: tinycnn.chunk(x, chunks, dim=dim),
             lambda x: torch.chunk(x, chunks, dim=dim))


@pytest.mark.parametrize("sections", [2, 4, 7, [1, 3, 2], [0, 6]])
def test_split_parity(sections):
    check_op([(3, 6)], lambda x: x.split(sections, 1), lambda x: x.split(sections, 1))
    check_op([(3, 6)], lambda x: tinycnn.split(x, sections, dim=-1),
             lambda x: torch.split(x, sections, dim=-1))


def test_chunk_split_gradcheck_and_partial_use():
    # only some pieces reach the loss: the others get zero gradient
    tinycnn.gradcheck(lambda x: x.chunk(3, 1)[0] * 2 + x.chunk(3, 1)[2], [_f64(2, 6)])
    tinycnn.gradcheck(lambda x: tinycnn.split(x, [1, 2], 0), [_f64(3, 2)])
    x = tinycnn.ones(4, requires_grad=True)
    x.split(3)[1].sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]


def test_chunk_of_empty_dim_and_bad_input():
    assert [c.shape for c in tinycnn.zeros(0).chunk(3)] == [(0,), (0,), (0,)]
    with pytest.raises(ValueError, match="chunks must be a positive int, got 0"):
        tinycnn.zeros(4).chunk(0)
    with pytest.raises(ValueError, match=r"must sum to 5.*shape \(5,\)"):
        tinycnn.split(tinycnn.zeros(5), [2, 2])
    with pytest.raises(ValueError, match="split_size must be positive, got 0"):
        tinycnn.split(tinycnn.zeros(5), 0)
    with pytest.raises(TypeError, match="split_size_or_sections"):
        tinycnn.split(tinycnn.zeros(5), 2.0)
    with pytest.raises(IndexError, match="dim=2 is out of range"):
        tinycnn.zeros(2, 2).chunk(2, dim=2)


# --- sort / argsort / topk -----------------------------------------------------------------

@pytest.mark.parametrize("dim,descending", [(-1, False), (0, True), (1, False), (1, True)])
def test_sort_parity(dim, descending):
    check_op([(4, 5, 3)], lambda x: tinycnn.sort(x, dim=dim, descending=descending),
             lambda x: torch.sort(x, dim=dim, descending=descending))
    check_op([(4, 5, 3)], lambda x: x.argsort(dim, descending=descending),
             lambda x: x.argsort(dim, descending=descending), grad=False)


@pytest.mark.parametrize("k,dim,largest", [(1, -1, True), (3, 1, True), (2, 0, False),
                                           (5, 1, False), (0, -1, True)])
def test_topk_parity(k, dim, largest):
    check_op([(4, 5)], lambda x: x.topk(k, dim, largest=largest),
             lambda x: x.topk(k, dim, largest=largest))


def test_sort_topk_namedtuple_ties_nan_and_int():
    x = tinycnn.tensor([[3.0, 1.0, 2.0]])
    values, indices = tinycnn.topk(x, 2)
    res = x.sort(descending=True)
    assert res.values.tolist() == [[3.0, 2.0, 1.0]] and res.indices.tolist() == [[0, 2, 1]]
    assert values.tolist() == [[3.0, 2.0]] and indices.dtype == np.int64
    # ties keep their order (stable); NaN counts as the largest value (PyTorch)
    t = tinycnn.tensor([1.0, float("nan"), 1.0, 0.0])
    assert tinycnn.sort(t).indices.tolist() == [3, 0, 2, 1]
    assert tinycnn.sort(t, descending=True).indices.tolist() == [1, 0, 2, 3]
    assert torch.sort(torch.tensor(t.numpy()), descending=True, stable=True).indices.tolist() \
        == [1, 0, 2, 3]
    u = tinycnn.tensor(np.array([3, 0, 200], dtype=np.uint8))
    assert u.sort(descending=True).values.tolist() == [200, 3, 0]  # -x must not wrap
    s = tinycnn.sort(tinycnn.tensor(2.5))
    assert s.values.shape == () and s.indices.item() == 0


def test_sort_topk_gradcheck():
    tinycnn.gradcheck(lambda x: tinycnn.sort(x, dim=0, descending=True).values, [_f64(4, 3)])
    tinycnn.gradcheck(lambda x: x.topk(2, dim=1).values, [_f64(3, 5)])
    tinycnn.gradcheck(lambda x: x.topk(2, dim=0, largest=False).values * 3, [_f64(4, 2, 2)])


def test_sort_topk_bad_input():
    with pytest.raises(ValueError, match=r"k must be an int in \[0, 3\].*got 4"):
        tinycnn.zeros(2, 3).topk(4)
    with pytest.raises(IndexError, match="dim=2 is out of range"):
        tinycnn.sort(tinycnn.zeros(2, 3), dim=2)
    with pytest.raises(TypeError, match="sort: expected a Tensor, got list"):
        tinycnn.sort([3, 1])
    with pytest.raises(TypeError, match="dim must be an int"):
        tinycnn.zeros(3).topk(1, dim=(0,))


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


# --- F.interpolate / nn.Upsample -----------------------------------------------------------

INTERP_CASES = [
    dict(size=(8, 11), mode="nearest"),
    dict(size=(3, 4), mode="nearest"),
    dict(scale_factor=2, mode="nearest"),
    dict(scale_factor=1.7, mode="nearest"),  # uses 1/1.7, not 5/8: other source pixels
    dict(scale_factor=1.7, mode="nearest", recompute_scale_factor=True),
    dict(size=(8, 11), mode="bilinear", align_corners=False),
    dict(size=(8, 11), mode="bilinear", align_corners=True),
    dict(size=(3, 4), mode="bilinear"),
    dict(size=(5, 7), mode="bilinear"),
    dict(size=1, mode="bilinear", align_corners=True),
    dict(scale_factor=1.7, mode="bilinear"),
    dict(scale_factor=(0.6, 2.3), mode="bilinear", align_corners=True),
]


@pytest.mark.parametrize("kw", INTERP_CASES, ids=lambda kw: "-".join(map(str, kw.values())))
def test_interpolate_parity(kw):
    check_op([(2, 3, 5, 7)], lambda x: F.interpolate(x, **kw),
             lambda x: torch.nn.functional.interpolate(x, **kw), atol=1e-6, grad_atol=2e-6)


def test_interpolate_gradcheck_and_upsample_module():
    tinycnn.gradcheck(lambda x: F.interpolate(x, size=(5, 3), mode="bilinear"), [_f64(1, 2, 3, 4)])
    tinycnn.gradcheck(lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear",
                                              align_corners=True), [_f64(1, 1, 3, 3)])
    tinycnn.gradcheck(lambda x: F.interpolate(x, size=(7, 2)), [_f64(1, 2, 3, 4)])
    up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
    ref = torch.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
    x = np.random.default_rng(3).standard_normal((1, 2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(up(tinycnn.tensor(x)).numpy(), ref(torch.tensor(x)).numpy(),
                               rtol=1e-5, atol=1e-6)
    assert "scale_factor=2.0, mode='bilinear'" in repr(up)
    inf = tinycnn.tensor([[[[np.inf, 1.0]]]])  # nearest copies pixels: no 0 * inf = nan
    assert F.interpolate(inf, scale_factor=2).tolist() == [[[[np.inf] * 2 + [1.0] * 2] * 2]]


def test_interpolate_bad_input():
    x = tinycnn.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"4-D input \(N, C, H, W\), got shape \(4, 4\)"):
        F.interpolate(tinycnn.zeros(4, 4), size=2)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="mode must be 'nearest', 'nearest-exact' or 'bilinear', got 'bicubic'"):
        F.interpolate(x, size=2, mode="bicubic")
    with pytest.raises(ValueError, match="align_corners can only be set"):
        F.interpolate(x, size=2, align_corners=True)
    with pytest.raises(TypeError, match="size must be an int or a pair of ints, got 2.5"):
        F.interpolate(x, size=2.5)
    with pytest.raises(ValueError, match="gives an empty output"):
        F.interpolate(x, scale_factor=0.1)
    with pytest.raises(TypeError, match="floating point tensor, got dtype int64"):
        F.interpolate(tinycnn.zeros(1, 1, 2, 2, dtype=tinycnn.int64), size=4)


# --- schedulers ----------------------------------------------------------------------------

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


# --- top-k accuracy ------------------------------------------------------------------------

def test_topk_accuracy_matches_torch_topk():
    gen = np.random.default_rng(0)
    logits = gen.standard_normal((50, 10)).astype(np.float32)
    y = gen.integers(0, 10, 50)
    top = torch.tensor(logits).topk(5, dim=1).indices.numpy()
    want = [(top[:, :k] == y[:, None]).any(axis=1).mean() for k in (1, 3, 5)]
    got = topk_accuracy(tinycnn.tensor(logits), tinycnn.tensor(y), ks=(1, 3, 5))
    np.testing.assert_allclose(got, want)
    assert got[0] == (logits.argmax(1) == y).mean()
    assert topk_accuracy(np.array([[0.0, 1.0], [2.0, 1.0]]), [1, 1], ks=(1, 2)) == (0.5, 1.0)
    assert topk_accuracy(np.array([[1.0, 1.0]]), [1], ks=(1,)) == (0.0,)  # tie: lower index wins
    with pytest.raises(ValueError, match=r"ks must be ints in \[1, 2\].*got \(3,\)"):
        topk_accuracy(np.zeros((1, 2)), [0], ks=(3,))
    with pytest.raises(ValueError, match=r"logits must be \(N, K\) with N = len\(targets\) = 2"):
        topk_accuracy(np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="targets hold class 5 but logits have only 2"):
        topk_accuracy(np.zeros((1, 2)), [5])
