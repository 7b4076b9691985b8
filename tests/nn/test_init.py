"""tinycnn.nn.init and the default initialisation of layers, against PyTorch's statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import tinycnn
import tinycnn.nn as nn
from tinycnn.nn import init


@pytest.mark.parametrize("name,param", [("linear", None), ("conv2d", None), ("sigmoid", None),
                                        ("tanh", None), ("relu", None), ("leaky_relu", None),
                                        ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)),
                                        ("selu", None)])
def test_calculate_gain_matches_torch(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param), rel=1e-12)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("softplus")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


def _stats(a: np.ndarray) -> tuple[float, float, float, float]:
    a = np.asarray(a, np.float64).ravel()
    return a.mean(), a.std(), a.min(), a.max()


def _compare(ours: np.ndarray, theirs: np.ndarray, bound: float | None = None) -> None:
    """Same distribution: means and standard deviations agree within 5 standard errors of
    their difference (computed from the sample sizes and the kurtosis); same range."""
    m1, s1, lo1, hi1 = _stats(ours)
    m2, s2, lo2, hi2 = _stats(theirs)
    t = np.asarray(theirs, np.float64).ravel()
    kurtosis = ((t - m2) ** 4).mean() / s2**4
    n1, n2 = ours.size, theirs.size
    se_mean = s2 * math.sqrt(1 / n1 + 1 / n2)
    se_std = s2 * math.sqrt((kurtosis - 1) / 4 * (1 / n1 + 1 / n2))
    assert abs(m1 - m2) < 5 * se_mean, (m1, m2)
    assert abs(s1 - s2) < 5 * se_std, (s1, s2)
    if bound is not None:
        assert -bound <= lo1 and hi1 <= bound
        assert lo1 < -0.95 * bound and hi1 > 0.95 * bound and lo2 < -0.95 * bound


@pytest.mark.parametrize("make", [
    lambda m: m.Conv2d(16, 32, 3),
    lambda m: m.Conv2d(8, 12, (3, 5), groups=4),
    lambda m: m.Linear(200, 100),
])
def test_default_init_matches_torch(make):
    """Conv2d/Linear: weight kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(fan_in)), bias the same."""
    ws, bs, tws, tbs = [], [], [], []
    for _ in range(40):
        ours, theirs = make(nn), make(torch.nn)
        ws.append(ours.weight.numpy().copy())
        bs.append(ours.bias.numpy().copy())
        tws.append(theirs.weight.detach().numpy())
        tbs.append(theirs.bias.detach().numpy())
    fan_in = int(np.prod(ws[0].shape[1:]))
    bound = 1 / math.sqrt(fan_in)
    assert ws[0].dtype == np.float32 and ws[0].shape == tws[0].shape
    _compare(np.concatenate([w.ravel() for w in ws]), np.concatenate([w.ravel() for w in tws]),
             bound)
    _compare(np.concatenate(bs), np.concatenate(tbs), bound)


def test_batchnorm_init():
    bn = nn.BatchNorm2d(6)
    np.testing.assert_array_equal(bn.weight.numpy(), np.ones(6))
    np.testing.assert_array_equal(bn.bias.numpy(), np.zeros(6))
    np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(6))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(6))
    assert int(bn.num_batches_tracked) == 0


@pytest.mark.parametrize("fn,kwargs", [
    ("uniform_", dict(a=-0.5, b=2.0)), ("normal_", dict(mean=1.0, std=0.3)),
    ("trunc_normal_", dict(mean=0.5, std=1.0, a=-1.0, b=1.5)),
    ("xavier_uniform_", dict(gain=2.0)), ("xavier_normal_", dict(gain=0.5)),
    ("kaiming_uniform_", dict(a=0.1, mode="fan_out", nonlinearity="leaky_relu")),
    ("kaiming_normal_", dict(mode="fan_in", nonlinearity="relu")),
])
def test_init_functions_match_torch(fn, kwargs):
    shape = (64, 32, 3, 3)
    t = nn.Parameter(tinycnn.empty(*shape))
    before = t._data
    out = getattr(init, fn)(t, **kwargs)
    assert out is t and t._data is before  # in place
    assert t.is_leaf and t.grad is None and t.dtype == np.float32
    theirs = getattr(torch.nn.init, fn)(torch.empty(shape), **kwargs).numpy()
    _compare(t.numpy(), theirs)
    if "uniform" in fn or fn == "trunc_normal_":  # bounded: the same range, filled
        lo, hi = float(theirs.min()), float(theirs.max())
        slack = 0.01 * (hi - lo)
        assert lo - slack <= t.numpy().min() <= lo + slack
        assert hi - slack <= t.numpy().max() <= hi + slack


def test_constants_float64_and_seeding():
    t = tinycnn.empty(3, 4, dtype=np.float64)
    init.constant_(t, 2.5)
    assert np.all(t.numpy() == 2.5) and t.dtype == np.float64
    init.zeros_(t)
    assert np.all(t.numpy() == 0)
    init.ones_(t)
    assert np.all(t.numpy() == 1)
    init.normal_(t)
    assert t.dtype == np.float64 and t.numpy().std() > 0
    tinycnn.manual_seed(3)
    a = nn.Conv2d(3, 4, 3).weight.numpy().copy()
    tinycnn.manual_seed(3)
    np.testing.assert_array_equal(nn.Conv2d(3, 4, 3).weight.numpy(), a)
    gen = np.random.default_rng(5)
    b = init.uniform_(tinycnn.empty(10), generator=gen).numpy().copy()
    np.testing.assert_array_equal(init.uniform_(tinycnn.empty(10), generator=np.random.default_rng(5)).numpy(), b)


def test_fan_errors():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(tinycnn.empty(5))
    with pytest.raises(ValueError, match="fan_in, fan_out"):
        init.kaiming_uniform_(tinycnn.empty(5, 5), mode="fan_avg")
    with pytest.raises(TypeError, match="expect a Tensor"):
        init.uniform_(np.zeros(3))


# --- orthogonal_, eye_, dirac_ -------------------------------------------------------------

def test_orthogonal_eye_dirac_as_pytorch():
    for shape in ((3, 5), (5, 3), (4, 2, 3)):
        w = init.orthogonal_(tinycnn.empty(*shape), gain=2.0)
        flat = w.numpy().reshape(shape[0], -1)
        gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
        np.testing.assert_allclose(gram, 4 * np.eye(len(gram)), atol=1e-5)
    np.testing.assert_array_equal(init.eye_(tinycnn.empty(2, 3)).numpy(),
                                  torch.nn.init.eye_(torch.empty(2, 3)).numpy())
    for shape, groups in (((4, 2, 3, 3), 2), ((2, 3, 3), 1), ((3, 2, 1, 3, 3), 1)):
        np.testing.assert_array_equal(init.dirac_(tinycnn.empty(*shape), groups).numpy(),
                                      torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())
    with pytest.raises(ValueError, match="2 or more"):
        init.orthogonal_(tinycnn.empty(3))
