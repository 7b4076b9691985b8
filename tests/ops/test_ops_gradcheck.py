"""float64 central-difference gradient checks (`tinycnn.gradcheck`) of every core op.

Shapes are drawn at random (seeded) and include broadcasting. The last tests make sure
gradcheck itself can fail: a custom Function with a wrong backward must be caught, with
a message naming the input, the element and both values.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import tinycnn
from tinycnn import GradcheckError, gradcheck
from tinycnn.autograd import Function


def t(*shape, low=-2.0, high=2.0, seed=0, grad=True):
    """A float64 tensor with uniform values in [low, high)."""
    gen = np.random.default_rng(seed)
    return tinycnn.tensor(gen.uniform(low, high, size=shape), dtype=np.float64,
                          requires_grad=grad)


def away(*shape, seed=0):
    """float64 values with |v| in [0.5, 2) and random signs: no kinks or poles nearby."""
    gen = np.random.default_rng(seed)
    v = gen.uniform(0.5, 2.0, size=shape) * gen.choice([-1.0, 1.0], size=shape)
    return tinycnn.tensor(v, dtype=np.float64, requires_grad=True)


def random_broadcast_pair(seed):
    """Two shapes that broadcast: a random shape and a copy with some dims set to 1 / cut."""
    gen = np.random.default_rng(seed)
    ndim = int(gen.integers(1, 4))
    a = [int(s) for s in gen.integers(1, 4, size=ndim)]
    b = [1 if gen.random() < 0.4 else s for s in a][int(gen.integers(0, ndim)):]
    return (tuple(a), tuple(b)) if gen.random() < 0.5 else (tuple(b), tuple(a))


SEEDS = range(6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum", "pow"])
def test_binary_ops_random_broadcast(op, seed):
    sa, sb = random_broadcast_pair(seed)
    if op == "pow":
        a, b = t(*sa, low=0.5, high=2.0, seed=seed), t(*sb, seed=seed + 100)
    elif op == "div":
        a, b = t(*sa, seed=seed), away(*sb, seed=seed + 100)
    else:  # distinct values (no ties) for maximum/minimum
        a, b = t(*sa, seed=seed), t(*sb, seed=seed + 100)
    assert gradcheck(getattr(tinycnn, op), (a, b))


@pytest.mark.parametrize("expr", [
    lambda a: a * 3.0 + 1, lambda a: 2.0 - a, lambda a: 1.5 / a, lambda a: a / 4,
    lambda a: a**3, lambda a: (-a) ** 2, lambda a: 2.0**a, lambda a: -a,
])
def test_operators_with_numbers(expr):
    assert gradcheck(expr, (away(3, 2),))


def test_pow_negative_base_integer_exponent():
    assert gradcheck(lambda a: a**3.0, (away(4),))


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)),
                                   ((4,), (4,)), ((2, 3, 4), (4, 2)), ((2, 1, 3, 4), (3, 4, 2))])
def test_matmul(sa, sb):
    assert gradcheck(lambda a, b: a @ b, (t(*sa, seed=1), t(*sb, seed=2)))


@pytest.mark.parametrize("name,low", [("exp", -2.0), ("log", 0.2), ("sqrt", 0.2),
                                      ("sin", -3.0), ("cos", -3.0)])
def test_unary(name, low):
    assert gradcheck(getattr(tinycnn, name), (t(3, 4, low=low),))


def test_abs():
    assert gradcheck(tinycnn.abs, (away(3, 4),))


@pytest.mark.parametrize("lo,hi", [(-0.5, 0.5), (None, 0.3), (-0.3, None)])
def test_clip(lo, hi):
    x = t(4, 5)
    x._data[np.abs(x._data - (lo or 0)) < 1e-3] += 0.01  # keep clear of the kinks
    assert gradcheck(lambda a: a.clip(lo, hi), (x,))


@pytest.mark.parametrize("seed", SEEDS)
def test_where_random_broadcast(seed):
    sa, sb = random_broadcast_pair(seed)
    shape = np.broadcast_shapes(sa, sb)
    cond = np.random.default_rng(seed).random(shape[-1:]) > 0.5
    assert gradcheck(lambda x, y: tinycnn.where(cond, x, y), (t(*sa, seed=seed), t(*sb, seed=9)))


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "var", "std"])
def test_reductions(name, dim, keepdim):
    assert gradcheck(lambda a: getattr(a, name)(dim, keepdim=keepdim), (t(2, 3, 4),))


@pytest.mark.parametrize("correction", [0, 2])
def test_var_std_correction(correction):
    assert gradcheck(lambda a: a.var(1, correction=correction), (t(3, 5),))
    assert gradcheck(lambda a: a.std(0, correction=correction), (t(5, 3),))


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 1)])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min(name, dim):
    fn = (lambda a: getattr(a, name)()) if dim is None else (
        (lambda a: getattr(a, name)(dim).values) if isinstance(dim, int)
        else (lambda a: getattr(tinycnn.functional, "a" + name)(a, dim)))
    assert gradcheck(fn, (t(3, 4, 2),))


@pytest.mark.parametrize("fn", [
    lambda a: a.reshape(4, 6), lambda a: a.view(-1), lambda a: a.flatten(1),
    lambda a: a.transpose(0, 2), lambda a: a.permute(1, 2, 0), lambda a: a.T,
    lambda a: a.unsqueeze(1), lambda a: a[:, :1].squeeze(1), lambda a: a[:1].expand(5, 3, 4),
    lambda a: a[:, :1].broadcast_to((2, 3, 4)), lambda a: tinycnn.pad(a, (1, 2, 0, 1)),
    lambda a: a[1], lambda a: a[:, ::2, 1:], lambda a: a[..., [0, 0, 3]],
    lambda a: a[[1, 0, 1]], lambda a: a[a > 0], lambda a: a[np.array([0, 1]), :, np.array([2, 2])],
])
def test_shape_ops(fn):
    assert gradcheck(fn, (t(2, 3, 4),))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_stack(dim):
    a, b = t(2, 3, seed=1), t(2, 3, seed=2)
    assert gradcheck(lambda x, y: tinycnn.cat([x, y, x], dim), (a, b))
    assert gradcheck(lambda x, y: tinycnn.stack([x, y], dim), (a, b))


def test_multi_output_function():
    assert gradcheck(lambda a: a.max(1), (t(3, 4),))  # values (float) and indices (int)


def test_large_input_gets_the_directional_check():
    x = t(10, 10)
    assert gradcheck(lambda a: (a * a).sum(1).sqrt(), (x,), directional_threshold=50)


def test_composite_expression():
    def fn(x, w, b):
        h = (x @ w + b).exp().log()  # identity, through two ops
        return ((h - h.mean(0)) ** 2).sum(1).sqrt()

    assert gradcheck(fn, (t(4, 3, seed=1), t(3, 2, seed=2), t(2, seed=3)))


# --- gradcheck must be able to fail -----------------------------------------------------------


class WrongSquare(Function):
    """x^2 with a backward off by a factor of 1.5 on the second element."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        grad = 2 * x * g
        grad.reshape(-1)[1] *= 1.5
        return grad


class GoodSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


def test_gradcheck_passes_a_correct_custom_function():
    assert gradcheck(GoodSquare.apply, (t(2, 3),))


def test_gradcheck_catches_a_wrong_custom_function():
    x = t(2, 3, low=0.5, high=1.0)
    with pytest.raises(GradcheckError) as err:
        gradcheck(WrongSquare.apply, (x,))
    msg = str(err.value)
    assert "input 0" in msg and "(0, 1)" in msg and "analytic" in msg and "numeric" in msg
    analytic, numeric = (float(v) for v in re.findall(r"(?:analytic|numeric) (\S+)", msg))
    assert analytic / numeric == pytest.approx(1.5, rel=1e-4)  # the planted error


def test_gradcheck_names_the_right_input():
    def fn(a, b):
        return a * 2 + WrongSquare.apply(b)

    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(fn, (t(3), t(3, low=0.5, high=1.0, seed=4)))


def test_gradcheck_catches_nan_gradients():
    class NanGrad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * np.nan

    with pytest.raises(GradcheckError):
        gradcheck(NanGrad.apply, (t(3),))


def test_directional_check_catches_small_spread_errors():
    class Slightly(Function):  # every element off by 2e-5: below atol alone, not in sum
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g * (1 + 2e-5) + 2e-5 * np.sign(g)

    x = t(20, 20)
    with pytest.raises(GradcheckError, match="random direction"):
        gradcheck(Slightly.apply, (x,), atol=1e-4, rtol=0, directional_threshold=100)


def test_gradcheck_leaves_inputs_unchanged():
    x = t(3, 3)
    before = x.numpy().copy()
    gradcheck(lambda a: a.exp().sum(), (x,))
    np.testing.assert_array_equal(x.numpy(), before)


def test_gradcheck_requires_an_input_with_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda a: a * 2, (t(3, grad=False),))
