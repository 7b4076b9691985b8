"""PyTorch parity of every core op: forward values and every input gradient (float32).

Each case runs the op in tinycnn and in torch on the same random inputs and the same
random upstream gradient (`helpers.check_op`). Tolerance: float32, rtol 1e-5 with an
atol of 1e-6 (1e-5 where a reduction sums many float32 terms in a different order).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_op

import tinycnn
import tinycnn.functional as F

BROADCAST_PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 3, 4)),
    ((), (3, 2)),
    ((2, 1, 3), (5, 1)),
]


def away_from_zero(shape, low=0.5, high=2.0, seed=7):
    """Values with |v| in [low, high) and random signs (safe denominators)."""
    gen = np.random.default_rng(seed)
    mag = gen.uniform(low, high, size=shape)
    return (mag * gen.choice([-1.0, 1.0], size=shape)).astype(np.float32)


@pytest.mark.parametrize("sa,sb", BROADCAST_PAIRS)
@pytest.mark.parametrize("op", ["add", "sub", "mul"])
def test_arithmetic_broadcasting(op, sa, sb):
    fn = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}[op]
    check_op([sa, sb], fn)


@pytest.mark.parametrize("sa,sb", BROADCAST_PAIRS)
def test_div_broadcasting(sa, sb):
    check_op([sa, away_from_zero(sb)], lambda a, b: a / b)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_functional_names_match_torch(name):
    b = np.array([0.5, 1.5, 2.0], dtype=np.float32)
    check_op([np.array([0.7, 1.2, 2.0], dtype=np.float32), b],
             getattr(tinycnn, name), getattr(torch, name))


def test_python_scalars_on_both_sides():
    check_op([(3, 4)], lambda a: 2.5 * a - 1.0 / (a * a + 1) + 3 - a / 4)


def test_neg():
    check_op([(3, 4)], lambda a: -a)


def test_pow_tensor_exponent_positive_base():
    check_op([(3, 4), (3, 4)], lambda a, b: a**b, low=0.5, high=2.0)


@pytest.mark.parametrize("e", [2, 3, 0.5, -1.5, 0])
def test_pow_scalar_exponent(e):
    check_op([(3, 4)], lambda a: a**e, low=0.5, high=2.0)


def test_pow_negative_base_integer_exponent():
    # a negative base with an integer exponent is smooth in the base
    check_op([away_from_zero((3, 4))], lambda a: a**3)
    check_op([away_from_zero((3, 4))], lambda a: a**2.0)


def test_pow_edge_values_match_torch():
    """0 ** 0, 0 ** 0.5, negative base ** tensor exponent: PyTorch's values, nans included."""
    base = np.array([-2.0, 0.0, 0.0, 3.0, -1.0], dtype=np.float32)
    expo = np.array([2.0, 0.0, 0.5, -1.0, 0.5], dtype=np.float32)
    check_op([base, expo], lambda a, b: a**b)


def test_rpow_scalar_base():
    check_op([(3, 4)], lambda a: 2.0**a)
    check_op([np.array([-2.0, 0.0, 3.0], dtype=np.float32)], lambda a: 0.0**a)


MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul(sa, sb):
    check_op([sa, sb], lambda a, b: a @ b, atol=1e-5)


@pytest.mark.parametrize("name,low", [("exp", -2), ("log", 0.1), ("sqrt", 0.1), ("abs", -2),
                                      ("sin", -3), ("cos", -3)])
def test_unary_math(name, low):
    arrays = [away_from_zero((3, 4)) if name == "abs" else (3, 4)]
    check_op(arrays, lambda a: getattr(a, name)(), low=low)
    check_op(arrays, getattr(tinycnn, name), getattr(torch, name), low=low)


def test_abs_gradient_at_zero_is_zero():
    check_op([np.array([-1.0, 0.0, 2.0], dtype=np.float32)], lambda a: a.abs())


@pytest.mark.parametrize("lo,hi", [(-0.5, 0.5), (None, 0.3), (-0.3, None), (1.0, -1.0)])
def test_clip(lo, hi):
    check_op([(4, 5)], lambda a: a.clip(lo, hi), lambda a: a.clamp(lo, hi))
    check_op([(4, 5)], lambda a: tinycnn.clamp(a, lo, hi), lambda a: torch.clamp(a, lo, hi))


def test_clip_gradient_at_the_bounds():
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0], dtype=np.float32)
    check_op([x], lambda a: a.clip(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5))


@pytest.mark.parametrize("sa,sb", BROADCAST_PAIRS[:4])
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum(name, sa, sb):
    check_op([sa, sb], lambda a, b: getattr(a, name)(b))


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties_share_the_gradient(name):
    a = np.array([1.0, 2.0, 3.0, 2.0], dtype=np.float32)
    b = np.array([1.0, 1.0, 3.0, 5.0], dtype=np.float32)
    check_op([a, b], getattr(tinycnn, name), getattr(torch, name))


@pytest.mark.parametrize("sc,sx,sy", [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (4,)),
                                      ((4,), (3, 4), ()), ((2, 3, 4), (3, 1), (2, 1, 4))])
def test_where_broadcasting(sc, sx, sy):
    cond = np.random.default_rng(3).random(sc) > 0.5
    check_op([cond, sx, sy], lambda c, x, y: tinycnn.where(c, x, y),
             lambda c, x, y: torch.where(c, x, y))


def test_where_with_numbers_and_method_form():
    cond = np.array([[True, False, True]])
    check_op([cond, (2, 3)], lambda c, x: tinycnn.where(c, x, 0.5),
             lambda c, x: torch.where(c, x, 0.5))
    check_op([cond, (2, 3), (3,)], lambda c, x, y: x.where(c, y))


# --- reductions ---------------------------------------------------------------------------

REDUCE_DIMS = [None, 0, -1, 1, (0, 2), (-1, 0), ()]  # () means all dims, as in torch


@pytest.mark.parametrize("dim", REDUCE_DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_sum_mean(name, dim, keepdim):
    check_op([(2, 3, 4)], lambda a: getattr(a, name)(dim=dim, keepdim=keepdim), atol=1e-5)


DEGENERATE_OK = pytest.mark.filterwarnings(  # n <= correction: nan/inf, torch warns
    "ignore:.*degrees of freedom:UserWarning", "ignore:invalid value:RuntimeWarning")


@DEGENERATE_OK
@pytest.mark.parametrize("dim", REDUCE_DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std(name, dim, keepdim, correction):
    # torch 2.13's var/std backward treats dim=() as "no dims" (gradient inf or off by a
    # factor n) while its forward reduces all dims; we compare with its dim=None instead.
    torch_dim = None if dim == () else dim
    check_op([(2, 3, 4)],
             lambda a: getattr(a, name)(dim=dim, keepdim=keepdim, correction=correction),
             lambda a: getattr(a, name)(dim=torch_dim, keepdim=keepdim, correction=correction),
             atol=1e-5)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_unbiased_flag(name):
    check_op([(5, 3)], lambda a: getattr(tinycnn, name)(a, 0, unbiased=False),
             lambda a: getattr(torch, name)(a, 0, unbiased=False), atol=1e-5)


@DEGENERATE_OK
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_degenerate(name):
    """One sample with correction 1 gives nan; n == correction gives inf (as in torch)."""
    ours, _ = check_op([(1, 3)], lambda a: getattr(a, name)(0))
    assert np.isnan(ours[0].numpy()).all()
    ours, _ = check_op([(2, 3)], lambda a: getattr(a, name)(0, correction=2))
    assert np.isinf(ours[0].numpy()).all()


def test_std_of_constant_input_has_zero_gradient():
    check_op([np.full((2, 4), 1.5, dtype=np.float32)], lambda a: a.std(1))


def test_numpy_axis_keepdims_aliases():
    check_op([(2, 3, 4)], lambda a: a.sum(axis=1, keepdims=True),
             lambda a: a.sum(dim=1, keepdim=True))
    check_op([(2, 3, 4)], lambda a: a.mean(axis=(0, 2)), lambda a: a.mean(dim=(0, 2)))


@pytest.mark.parametrize("dim", [None, (0, 1), ()])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_all_dims_ties_split_evenly(name, dim):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 3.0, -1.0]], dtype=np.float32)
    if dim is None:
        check_op([x], lambda a: getattr(a, name)())
    else:
        check_op([x], lambda a: getattr(tinycnn.functional, "a" + name)(a, dim),
                 lambda a: getattr(torch, "a" + name)(a, dim))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_along_dim_values_and_indices(name, dim, keepdim):
    ours, theirs = check_op([(3, 4, 5)], lambda a: tuple(getattr(a, name)(dim, keepdim)))
    assert ours[1].dtype == np.int64


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_along_dim_ties_pick_the_first(name):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0], [-1.0, -1.0, -1.0]], dtype=np.float32)
    check_op([x], lambda a: tuple(getattr(a, name)(1)))
    check_op([x], lambda a: tuple(getattr(tinycnn, name)(a, dim=0)),
             lambda a: tuple(getattr(torch, name)(a, dim=0)))


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name, dim, keepdim):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]], dtype=np.float32)
    check_op([x], lambda a: getattr(a, name)(dim=dim, keepdim=keepdim), grad=False)


def test_zero_dim_reductions():
    x = np.array(2.5, dtype=np.float32)
    check_op([x], lambda a: a.sum(0))
    check_op([x], lambda a: tuple(a.max(0)))
    check_op([x], lambda a: a.mean(-1, keepdim=True))
    check_op([x], lambda a: a.argmax(0), grad=False)


def test_reductions_of_empty_tensors():
    check_op([np.zeros((0, 3), np.float32)], lambda a: a.sum(0))
    check_op([np.zeros((0, 3), np.float32)], lambda a: a.sum())
    with np.errstate(all="ignore"):
        check_op([np.zeros((0, 3), np.float32)], lambda a: a.mean(0))
    check_op([np.zeros((0, 3), np.float32)], lambda a: tuple(a.max(1)))


# --- shape ops ----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(6, 4), (2, -1), (-1,), (4, 3, 2), (24,)])
def test_reshape_and_view(shape):
    check_op([(2, 3, 4)], lambda a: a.reshape(shape))
    check_op([(2, 3, 4)], lambda a: a.view(*shape))


@pytest.mark.parametrize("start,end", [(0, -1), (1, -1), (0, 1), (1, 2), (-2, -1)])
def test_flatten(start, end):
    check_op([(2, 3, 4)], lambda a: a.flatten(start, end))
    check_op([(2, 3, 4)], lambda a: tinycnn.flatten(a, start, end),
             lambda a: torch.flatten(a, start, end))


@pytest.mark.parametrize("d0,d1", [(0, 1), (0, 2), (-1, -2), (1, 1)])
def test_transpose(d0, d1):
    check_op([(2, 3, 4)], lambda a: a.transpose(d0, d1))


@pytest.mark.parametrize("dims", [(2, 0, 1), (0, 2, 1), (-1, 0, 1), (0, 1, 2)])
def test_permute(dims):
    check_op([(2, 3, 4)], lambda a: a.permute(*dims))
    check_op([(2, 3, 4)], lambda a: a.permute(dims))


def test_T():
    check_op([(3, 4)], lambda a: a.T)


@pytest.mark.parametrize("dim", [None, 0, 2, -1, (0, 2)])
def test_squeeze(dim):
    fn = (lambda a: a.squeeze()) if dim is None else (lambda a: a.squeeze(dim))
    check_op([(1, 3, 1)], fn)


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_unsqueeze(dim):
    check_op([(3, 4)], lambda a: a.unsqueeze(dim))


@pytest.mark.parametrize("sizes", [(2, 3, 4), (3, -1), (5, 3, 4)])
def test_expand(sizes):
    check_op([(3, 1)], lambda a: a.expand(*sizes) if len(sizes) > 2 else a.expand(sizes),
             lambda a: a.expand(*sizes))


def test_broadcast_to():
    check_op([(3, 1)], lambda a: tinycnn.functional.broadcast_to(a, (2, 3, 5)),
             lambda a: torch.broadcast_to(a, (2, 3, 5)))
    check_op([(1, 4)], lambda a: a.broadcast_to((3, 4)))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat(dim):
    shapes = [(2, 3, 4), (2, 3, 4), (2, 3, 4)]
    shapes[1] = tuple(5 if i == dim % 3 else s for i, s in enumerate(shapes[1]))
    check_op(shapes, lambda *xs: tinycnn.cat(xs, dim), lambda *xs: torch.cat(xs, dim))


def test_cat_mixed_requires_grad_and_dtype():
    ints = np.arange(6, dtype=np.int64).reshape(2, 3)
    check_op([(2, 3), ints], lambda a, b: tinycnn.cat([a, b], 0), lambda a, b: torch.cat([a, b]))


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack(dim):
    check_op([(2, 3)] * 3, lambda *xs: tinycnn.stack(list(xs), dim),
             lambda *xs: torch.stack(xs, dim))


@pytest.mark.parametrize("pad", [(1, 2), (1, 1, 2, 0), (0, 0, 0, 0, 1, 1), (2, 0, 0, 3)])
@pytest.mark.parametrize("value", [0.0, -1.5])
def test_pad(pad, value):
    check_op([(2, 3, 4)], lambda a: tinycnn.pad(a, pad, value=value),
             lambda a: torch.nn.functional.pad(a, pad, value=value))


INDICES = [
    1, -1, slice(1, None), (slice(None), 2), (Ellipsis, 1), (0, slice(None, None, 2)),
    (None, 1), np.array([0, 2, 0, 2, 2]), (slice(None), np.array([3, 3, -1])),
    (np.array([0, 1, 1]), np.array([2, 2, 2])), [0, 0, 1], np.array([[0, 1], [1, 1]]),
    (np.array([True, False, True]),), (slice(1, 3), [0, 0]),
]


@pytest.mark.parametrize("index", INDICES, ids=[str(i) for i in range(len(INDICES))])
def test_getitem(index):
    def tc_index(a):
        return a[index]

    def as_torch(i):
        return torch.as_tensor(i) if isinstance(i, np.ndarray) else i

    def torch_index(a):
        if isinstance(index, tuple):
            return a[tuple(as_torch(i) for i in index)]
        return a[as_torch(index)]

    check_op([(3, 4, 2)], tc_index, torch_index)


def test_getitem_with_tensor_indices_repeats_accumulate():
    idx = np.array([0, 0, 2, 0], dtype=np.int64)
    check_op([(4, 3), idx], lambda a, i: a[i])
    mask = np.array([[True, False, True], [False, False, True], [True, True, True],
                     [False, False, False]])
    check_op([(4, 3), mask], lambda a, m: a[m])


def test_getitem_then_ops_then_cat():
    check_op([(4, 5)], lambda a: tinycnn.cat([a[1:3] * 2, a[[0, 0]].exp()], 0),
             lambda a: torch.cat([a[1:3] * 2, a[[0, 0]].exp()], 0))


def test_chained_expression_matches_torch():
    def fn(x, w, b):
        h = (x @ w + b).maximum(x.sum() * 0 + 0.1)
        return ((h - h.mean(1, keepdim=True)) / (h.std(1, keepdim=True) + 1e-3)).clip(-3, 3)

    check_op([(5, 4), (4, 6), (6,)], fn, atol=1e-5, rtol=1e-4)


# --- dtype behaviour (forward dtype must equal torch's) -----------------------------------


@pytest.mark.parametrize("expr", [
    lambda a, i: a * 0.5, lambda a, i: i * 0.5, lambda a, i: i + a, lambda a, i: i / 2,
    lambda a, i: i * 2, lambda a, i: a + True, lambda a, i: (i > 1) * a,
    lambda a, i: (i > 1) + 1, lambda a, i: i**2, lambda a, i: i.float() * 2.5,
])
def test_result_dtypes_follow_torch(expr):
    ints = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64)
    check_op([(2, 3), ints], expr)


def test_float64_stays_float64():
    check_op([(2, 3), (3,)], lambda a, b: (a * 0.5 + b).exp().sum(0), dtype=np.float64)


def test_zero_dim_float64_tensor_does_not_promote_float32():
    ours = tinycnn.ones(3) * tinycnn.tensor(2.0, dtype=np.float64)
    theirs = torch.ones(3) * torch.tensor(2.0, dtype=torch.float64)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")


def test_functional_module_names():
    # F.* are the same functions as tinycnn.*
    assert F.sum is tinycnn.sum and F.matmul is tinycnn.matmul
