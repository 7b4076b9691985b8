"""Tensor functions of ported PyTorch code (indexing, rounding, where, scatter/gather, chunk/split,
sort/argsort/topk, ...): every differentiable one is checked against PyTorch (forward and
gradients) and with float64 central differences; bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_op

import tinycnn
from tinycnn import gradcheck


def t64(*shape, seed=0, low=-2.0, high=2.0):
    gen = np.random.default_rng(seed)
    return tinycnn.tensor(gen.uniform(low, high, size=shape), dtype=np.float64,
                          requires_grad=True)


IDX = np.array([[0, 2, 1, 2], [3, 0, 0, 1], [1, 1, 3, 2]], dtype=np.int64)  # values < 4
MASK = np.array([[True, False, True, False, False]])
SCATTER_IDX = np.array([[0, 2], [3, 0], [1, 4]], dtype=np.int64)  # no repeats in a row

# (name, input shapes or arrays, tinycnn function, torch function)
OPS = [
    ("gather", [(3, 4), IDX[:, :3]], lambda x, i: x.gather(1, i), lambda x, i: x.gather(1, i)),
    ("gather_dim0", [(4, 4), IDX], lambda x, i: tinycnn.gather(x, 0, i),
     lambda x, i: torch.gather(x, 0, i)),
    ("index_select", [(5, 3), np.array([4, 0, 4, 2])], lambda x, i: x.index_select(0, i),
     lambda x, i: x.index_select(0, i)),
    ("index_select_dim1", [(2, 5, 3), np.array([1, 3])],
     lambda x, i: tinycnn.index_select(x, 1, i), lambda x, i: torch.index_select(x, 1, i)),
    ("masked_fill", [(4, 5), MASK], lambda x, m: x.masked_fill(m, -1.5),
     lambda x, m: x.masked_fill(m, -1.5)),
    ("scatter", [(3, 5), (3, 2), SCATTER_IDX],
     lambda x, s, i: x.scatter(1, i, s), lambda x, s, i: x.scatter(1, i, s)),
    ("flip", [(2, 3, 4)], lambda x: x.flip(0, 2), lambda x: x.flip(0, 2)),
    ("flip_list", [(2, 3)], lambda x: tinycnn.flip(x, [1]), lambda x: torch.flip(x, [1])),
    ("repeat", [(2, 3)], lambda x: x.repeat(2, 1, 3), lambda x: x.repeat(2, 1, 3)),
    ("tril", [(4, 5)], lambda x: x.tril(1), lambda x: x.tril(1)),
    ("triu", [(2, 4, 4)], lambda x: tinycnn.triu(x, -1), lambda x: torch.triu(x, -1)),
    ("unbind", [(3, 2)], lambda x: x.unbind(1), lambda x: x.unbind(1)),
    ("t", [(3, 2)], lambda x: x.t(), lambda x: x.t()),
    ("mm", [(3, 4), (4, 2)], tinycnn.mm, torch.mm),
    ("bmm", [(2, 3, 4), (2, 4, 5)], tinycnn.bmm, torch.bmm),
    ("dot", [(5,), (5,)], tinycnn.dot, torch.dot),
    ("einsum_matmul", [(3, 4), (4, 2)], lambda a, b: tinycnn.einsum("ij,jk->ik", a, b),
     lambda a, b: torch.einsum("ij,jk->ik", a, b)),
    ("einsum_batch", [(2, 3, 4), (2, 4, 5)],
     lambda a, b: tinycnn.einsum("bij,bjk->bik", a, b),
     lambda a, b: torch.einsum("bij,bjk->bik", a, b)),
    ("einsum_outer", [(3,), (4,)], lambda a, b: tinycnn.einsum("i,j->ij", a, b),
     lambda a, b: torch.einsum("i,j->ij", a, b)),
    ("einsum_sum_only_in_a", [(3, 4), (4,)], lambda a, b: tinycnn.einsum("ij,j->j", a, b),
     lambda a, b: torch.einsum("ij,j->j", a, b)),
    ("einsum_implicit_transpose", [(3, 4)], lambda a: tinycnn.einsum("ji", a),
     lambda a: torch.einsum("ji", a)),
    ("einsum_ellipsis_broadcast", [(2, 3, 4), (1, 4, 2)],
     lambda a, b: tinycnn.einsum("...ij,...jk->...ik", [a, b]),
     lambda a, b: torch.einsum("...ij,...jk->...ik", [a, b])),
    ("einsum_attention", [(2, 3, 4), (2, 5, 4)],
     lambda q, k: tinycnn.einsum("b i d, b j d -> b i j", q, k),
     lambda q, k: torch.einsum("b i d, b j d -> b i j", q, k)),
    ("norm_fro", [(3, 4)], lambda x: x.norm(), lambda x: x.norm()),
    ("norm_p1_dim", [(3, 4)], lambda x: x.norm(p=1, dim=1), lambda x: x.norm(p=1, dim=1)),
    ("norm_p3_keepdim", [(3, 4)], lambda x: tinycnn.norm(x, 3, dim=0, keepdim=True),
     lambda x: torch.norm(x, 3, dim=0, keepdim=True)),
    ("linalg_norm", [(2, 3, 4)], lambda x: tinycnn.linalg.norm(x),
     lambda x: torch.linalg.norm(x)),
    ("linalg_norm_dim", [(3, 4)], lambda x: tinycnn.linalg.norm(x, dim=1),
     lambda x: torch.linalg.norm(x, dim=1)),
    ("linalg_norm_inf_vector", [(5,)], lambda x: tinycnn.linalg.norm(x, float("inf")),
     lambda x: torch.linalg.norm(x, float("inf"))),
    ("linalg_norm_matrix_1", [(3, 4)], lambda x: tinycnn.linalg.norm(x, 1),
     lambda x: torch.linalg.norm(x, 1)),
    ("linalg_norm_matrix_inf", [(3, 4)], lambda x: tinycnn.linalg.norm(x, -float("inf")),
     lambda x: torch.linalg.norm(x, -float("inf"))),
    ("linalg_vector_norm_p", [(3, 4)], lambda x: tinycnn.linalg.vector_norm(x, 0.5, dim=(0, 1)),
     lambda x: torch.linalg.vector_norm(x, 0.5, dim=(0, 1))),
    ("cumsum", [(3, 4)], lambda x: x.cumsum(1), lambda x: x.cumsum(1)),
    ("cumsum_dim0", [(3, 4)], lambda x: tinycnn.cumsum(x, dim=-2),
     lambda x: torch.cumsum(x, dim=-2)),
    ("prod_all", [(2, 3)], lambda x: x.prod(), lambda x: x.prod()),
    ("prod_dim", [(3, 4)], lambda x: tinycnn.prod(x, 1, keepdim=True),
     lambda x: torch.prod(x, 1, keepdim=True)),
    ("prod_with_zero", [np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0]], np.float32)],
     lambda x: x.prod(1), lambda x: x.prod(1)),
    ("logsumexp", [(3, 4)], lambda x: x.logsumexp(1), lambda x: x.logsumexp(1)),
    ("logsumexp_dims", [(2, 3, 4)], lambda x: tinycnn.logsumexp(x, (0, 2), keepdim=True),
     lambda x: torch.logsumexp(x, (0, 2), keepdim=True)),
    ("addcmul", [(3, 4), (3, 1), (4,)], lambda a, b, c: a.addcmul(b, c, value=0.5),
     lambda a, b, c: a.addcmul(b, c, value=0.5)),
    ("addcdiv", [(3, 4), (3, 4), np.full((4,), 2.0, np.float32)],
     lambda a, b, c: tinycnn.addcdiv(a, b, c, value=-2),
     lambda a, b, c: torch.addcdiv(a, b, c, value=-2)),
    ("add_alpha", [(3, 4), (4,)], lambda a, b: tinycnn.add(a, b, alpha=-0.5),
     lambda a, b: torch.add(a, b, alpha=-0.5)),
    ("sub_alpha_method", [(3, 4), (3, 4)], lambda a, b: a.sub(b, alpha=2),
     lambda a, b: a.sub(b, alpha=2)),
    ("floor", [(3, 4)], lambda x: x.floor(), lambda x: x.floor()),
    ("ceil", [(3, 4)], tinycnn.ceil, torch.ceil),
    ("round", [np.array([0.5, 1.5, 2.5, -0.5, 1.26], np.float32)], tinycnn.round, torch.round),
    ("round_decimals", [(3, 4)], lambda x: x.round(decimals=1),
     lambda x: x.round(decimals=1)),
    ("sign", [np.array([-2.0, 0.0, 3.0], np.float32)], lambda x: x.sign(), lambda x: x.sign()),
    # element-wise math with PyTorch's names (pointwise.py)
    ("sin", [(3, 4)], tinycnn.sin, torch.sin),
    ("cos", [(3, 4)], lambda x: x.cos(), lambda x: x.cos()),
    ("log1p", [np.array([0.5, 1.5, 3.0], np.float32)], tinycnn.log1p, torch.log1p),
    ("square", [(3, 4)], lambda x: x.square(), lambda x: x.square()),
    ("lerp", [(3, 4), (3, 4)], lambda a, b: tinycnn.lerp(a, b, 0.25),
     lambda a, b: torch.lerp(a, b, 0.25)),
    ("remainder", [(3, 4), np.full((4,), 0.7, np.float32)], lambda a, b: a % b,
     lambda a, b: a % b),
    ("rsqrt", [np.array([0.5, 4.0], np.float32)], tinycnn.rsqrt, torch.rsqrt),
    ("log2_log10", [np.array([0.5, 4.0], np.float32)],
     lambda x: tinycnn.log2(x) + tinycnn.log10(x), lambda x: torch.log2(x) + torch.log10(x)),
    ("exp2", [(5,)], tinycnn.exp2, torch.exp2),
    ("fmod", [(3, 4)], lambda x: tinycnn.fmod(x, 0.7), lambda x: torch.fmod(x, 0.7)),
    ("frac_trunc", [(3, 4)], lambda x: x.frac() + x.trunc(), lambda x: x.frac() + x.trunc()),
    ("nan_to_num", [np.array([1.0, np.nan, np.inf, -np.inf], np.float32)],
     lambda x: tinycnn.nan_to_num(x, nan=0.5, neginf=-3.0), lambda x: torch.nan_to_num(
         x, nan=0.5, neginf=-3.0)),
    ("clamp_tensor_bounds", [(3, 4), np.full((4,), -0.5, np.float32), np.full((3, 1), 0.5,
                                                                          np.float32)],
     lambda x, lo, hi: x.clamp(lo, hi), lambda x, lo, hi: x.clamp(lo, hi)),
    # rearrangements and selections (layout.py, select.py)
    ("roll", [(3, 4)], lambda x: x.roll(1, 0), lambda x: x.roll(1, 0)),
    ("roll_dims", [(3, 4)], lambda x: tinycnn.roll(x, (1, -2), (0, 1)),
     lambda x: torch.roll(x, (1, -2), (0, 1))),
    ("roll_flat", [(3, 4)], lambda x: tinycnn.roll(x, 5), lambda x: torch.roll(x, 5)),
    ("narrow", [(3, 5)], lambda x: x.narrow(1, 1, 3), lambda x: x.narrow(1, 1, 3)),
    ("diag_vector", [(4,)], lambda x: tinycnn.diag(x, 1), lambda x: torch.diag(x, 1)),
    ("diag_matrix", [(3, 5)], lambda x: tinycnn.diag(x, -1), lambda x: torch.diag(x, -1)),
    ("outer", [(3,), (4,)], tinycnn.outer, torch.outer),
    ("meshgrid", [(3,), (4,)], lambda a, b: tinycnn.meshgrid(a, b, indexing="xy"),
     lambda a, b: torch.meshgrid(a, b, indexing="xy")),
    ("diff", [(3, 5)], lambda x: tinycnn.diff(x, n=2), lambda x: torch.diff(x, n=2)),
    ("cumprod", [(3, 4)], lambda x: x.cumprod(1), lambda x: x.cumprod(1)),
    ("cumprod_zero", [np.array([[1.5, 0.0, 2.0, 0.0, 3.0]], np.float32)],
     lambda x: tinycnn.cumprod(x, dim=1), lambda x: torch.cumprod(x, dim=1)),
    ("median_dim", [(3, 5)], lambda x: x.median(1), lambda x: x.median(1)),
    ("median_all", [(4, 3)], lambda x: x.median(), lambda x: x.median()),
    ("masked_select", [(3, 4), MASK[:, :4]], lambda x, m: tinycnn.masked_select(x, m),
     lambda x, m: torch.masked_select(x, m)),
    ("take_along_dim", [(3, 4), IDX[:, :3]], lambda x, i: tinycnn.take_along_dim(x, i, 1),
     lambda x, i: torch.take_along_dim(x, i, 1)),
    ("scatter_add", [(4, 5), (3, 2), SCATTER_IDX[:, :2] % 4],
     lambda x, s, i: x.scatter_add(0, i, s), lambda x, s, i: x.scatter_add(0, i, s)),
    ("index_add", [(4, 3), (3, 3), np.array([0, 2, 0])],
     lambda x, s, i: x.index_add(0, i, s, alpha=2), lambda x, s, i: x.index_add(0, i, s,
                                                                                 alpha=2)),
    ("var_mean", [(3, 4)], lambda x: tinycnn.var_mean(x, 1), lambda x: torch.var_mean(x, 1)),
    ("std_mean", [(3, 4)], lambda x: tinycnn.std_mean(x, dim=0, correction=0),
     lambda x: torch.std_mean(x, dim=0, correction=0)),
    ("erf", [(3, 4)], tinycnn.erf, torch.erf),
    ("clamp_min_max", [(3, 4)], lambda x: x.clamp_min(-0.5) + tinycnn.clamp_max(x, 0.5),
     lambda x: x.clamp_min(-0.5) + torch.clamp_max(x, 0.5)),
    ("repeat_interleave", [(2, 3)], lambda x: x.repeat_interleave(2, dim=1),
     lambda x: x.repeat_interleave(2, dim=1)),
    ("repeat_interleave_flat", [(2, 3)], lambda x: tinycnn.repeat_interleave(x, 3),
     lambda x: torch.repeat_interleave(x, 3)),
    ("tile", [(2, 3)], lambda x: tinycnn.tile(x, (2, 1, 2)), lambda x: torch.tile(x, (2, 1, 2))),
    ("kthvalue", [(3, 5)], lambda x: x.kthvalue(2, dim=1), lambda x: x.kthvalue(2, dim=1)),
    ("cdist", [(2, 3, 4), (2, 5, 4)], tinycnn.cdist, torch.cdist),
    ("pairwise_distance", [(3, 4), (3, 4)], tinycnn.functional.pairwise_distance,
     torch.nn.functional.pairwise_distance),
    ("quantile", [(3, 5)], lambda x: tinycnn.quantile(x, 0.3, dim=1),
     lambda x: torch.quantile(x, 0.3, dim=1)),
    ("quantile_many", [(3, 5)], lambda x: tinycnn.quantile(x, [0.25, 0.9], dim=0, keepdim=True),
     lambda x: torch.quantile(x, torch.tensor([0.25, 0.9]), dim=0, keepdim=True)),
    ("quantile_all", [(3, 4)], lambda x: x.quantile(0.5), lambda x: x.quantile(0.5)),
]


@pytest.mark.parametrize("name,inputs,ours,theirs", OPS, ids=[o[0] for o in OPS])
def test_matches_pytorch(name, inputs, ours, theirs):
    check_op(inputs, ours, theirs, atol=1e-5, rtol=1e-5)


GRADCHECKS = [
    ("gather", lambda x: x.gather(1, tinycnn.tensor(IDX)), (4, 4)),
    ("index_select_repeated", lambda x: x.index_select(0, tinycnn.tensor([2, 0, 2])), (3, 2)),
    ("masked_fill", lambda x: x.masked_fill(tinycnn.tensor(MASK[:, :3]), 0.0), (2, 3)),
    ("scatter_src", lambda s: tinycnn.zeros(3, 5, dtype=np.float64).scatter(
        1, tinycnn.tensor(SCATTER_IDX), s), (3, 4)),
    ("flip", lambda x: x.flip(1), (2, 3)),
    ("repeat", lambda x: x.repeat(3, 2), (2, 2)),
    ("tril", lambda x: x.tril(), (3, 3)),
    ("einsum_bilinear", lambda x: tinycnn.einsum("i,ij,j->", x[0], x, x[1]), (2, 2)),
    ("einsum_summed_letter", lambda x: tinycnn.einsum("ij->j", x), (3, 2)),
    ("norm_2", lambda x: x.norm(dim=0), (3, 2)),
    ("norm_3", lambda x: x.norm(p=3), (3, 2)),
    ("norm_inf", lambda x: tinycnn.linalg.vector_norm(x, float("inf"), dim=1), (3, 2)),
    ("cumsum", lambda x: x.cumsum(0), (3, 2)),
    ("prod", lambda x: x.prod(0), (3, 2)),
    ("logsumexp", lambda x: x.logsumexp(-1), (3, 4)),
    ("bmm", lambda x: tinycnn.bmm(x, x.transpose(1, 2)), (2, 2, 3)),
    ("sin_cos_log1p", lambda x: x.sin() * x.cos() + x.log1p(), (3, 2)),
    ("remainder", lambda x: x % 0.3 + 1.7 % x, (3, 2)),
    ("fmod_rsqrt", lambda x: tinycnn.fmod(x, 0.3) + x.rsqrt(), (3, 2)),
    ("roll_narrow", lambda x: x.roll(1, 1).narrow(0, 1, 2), (3, 2)),
    ("diag", lambda x: tinycnn.diag(x, 1).sum(0) * tinycnn.diag(tinycnn.diag(x)), (3, 3)),
    ("cumprod", lambda x: x.cumprod(0), (3, 2)),
    ("scatter_add", lambda x: tinycnn.zeros(2, 2, dtype=np.float64).scatter_add(
        0, tinycnn.tensor([[1, 1], [0, 1], [1, 0]]), x), (3, 2)),
    ("median", lambda x: x.median(0).values, (3, 2)),
    ("erf_cdist", lambda x: x.erf().sum() + tinycnn.cdist(x, x * 2).sum(), (3, 2)),
]


@pytest.mark.parametrize("name,fn,shape", GRADCHECKS, ids=[g[0] for g in GRADCHECKS])
def test_gradcheck_float64(name, fn, shape):
    assert gradcheck(fn, (t64(*shape, low=0.5, high=2.0),))


def test_integer_division_and_bitwise_ops_follow_pytorch():
    a, b = np.array([7, -7, 5]), np.array([2, 2, -3])
    for op in (lambda x, y: x // y, lambda x, y: x % y, lambda x, y: x & y, lambda x, y: x | y,
               lambda x, y: x ^ y, lambda x, y: torch.div(x, y, rounding_mode="trunc")
               if isinstance(x, torch.Tensor) else tinycnn.div(x, y, rounding_mode="trunc"),
               lambda x, y: (~x, x.fmod(y))):
        ours, theirs = op(tinycnn.tensor(a), tinycnn.tensor(b)), op(torch.tensor(a), torch.tensor(b))
        for o, t in zip(ours if isinstance(ours, tuple) else [ours],
                        theirs if isinstance(theirs, tuple) else [theirs]):
            assert o.dtype == np.dtype(str(t.dtype).replace("torch.", "")) and \
                o.tolist() == t.tolist()
    m = tinycnn.tensor([1.0, -2.0, 3.0])
    assert ((m > 0) & (m < 2)).tolist() == [True, False, False]
    assert (~(m > 0)).tolist() == [False, True, False]
    with pytest.raises(TypeError, match="only integer and bool"):
        m & m
    x = tinycnn.tensor([7.0, -7.0], requires_grad=True)
    assert not (x // 2).requires_grad and (x // 2).tolist() == [3.0, -4.0]


def test_logical_functions_match_pytorch():
    a = np.array([[0.0, 1.5, np.inf], [-2.0, 0.0, np.nan]], np.float32)
    ta, tt = tinycnn.tensor(a), torch.tensor(a)
    pairs = [
        (tinycnn.logical_and(ta, ta > 0), torch.logical_and(tt, tt > 0)),
        (tinycnn.logical_or(ta, ta > 0), torch.logical_or(tt, tt > 0)),
        (tinycnn.logical_xor(ta, ta > 0), torch.logical_xor(tt, tt > 0)),
        (ta.logical_not(), tt.logical_not()), (ta.isinf(), tt.isinf()),
        (tinycnn.isclose(ta, ta + 1e-9, equal_nan=True), torch.isclose(tt, tt + 1e-9,
                                                                         equal_nan=True)),
        (ta.any(dim=1), tt.any(dim=1)), (tinycnn.all(ta, 0, keepdim=True), torch.all(tt, 0, True)),
        (ta.count_nonzero(dim=1), tt.count_nonzero(dim=1)),
        (tinycnn.argwhere(ta), torch.argwhere(tt)), (tinycnn.where(ta > 0)[1], torch.where(tt > 0)[1]),
        (ta.gt(0), tt.gt(0)), (ta.le(0), tt.le(0)), (ta.ne(0), tt.ne(0)),
    ]
    for ours, theirs in pairs:
        assert ours.tolist() == theirs.tolist(), (ours, theirs)
        assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))


def test_searchsorted_bucketize_histc_match_pytorch():
    seq, vals = np.array([[1, 3, 5], [2, 4, 6]]), np.array([[2, 5], [6, 1]])
    for right in (False, True):
        assert tinycnn.searchsorted(tinycnn.tensor(seq), tinycnn.tensor(vals), right=right
                                    ).tolist() == torch.searchsorted(torch.tensor(seq),
                                                                     torch.tensor(vals),
                                                                     right=right).tolist()
    b = np.array([1.0, 3.0])
    assert tinycnn.bucketize(tinycnn.tensor([0.5, 1.0, 2.0, 4.0]), tinycnn.tensor(b)).tolist() \
        == torch.bucketize(torch.tensor([0.5, 1.0, 2.0, 4.0]), torch.tensor(b)).tolist()
    x = np.array([1.0, 2.0, 1.0, 5.0, -1.0], np.float32)
    for kw in ({"bins": 4}, {"bins": 4, "min": 0, "max": 3}):
        assert tinycnn.histc(tinycnn.tensor(x), **kw).tolist() == \
            torch.histc(torch.tensor(x), **kw).tolist()


def test_mode_matches_pytorch():
    for data, kw in ((np.array([1, 2, 2, 3, 1]), {}), (np.array([5.0, 1, 1, 5, 7]), {}),
                     (np.array([[3, 1, 3, 1], [2, 2, 5, 5]]), {"dim": 1}),
                     (np.array([[3, 1, 3], [2, 1, 1]]), {"dim": 0, "keepdim": True})):
        ours, theirs = tinycnn.mode(tinycnn.tensor(data), **kw), torch.mode(torch.tensor(data), **kw)
        assert ours.values.tolist() == theirs.values.tolist()
        assert ours.indices.tolist() == theirs.indices.tolist()
    x = tinycnn.tensor([1.0, 2.0, 2.0], requires_grad=True)
    x.mode().values.backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]


def test_heaviside_matches_pytorch():
    x = np.array([-1.0, 0.0, 2.0], np.float32)
    assert tinycnn.heaviside(tinycnn.tensor(x), tinycnn.tensor(0.5)).tolist() == \
        torch.heaviside(torch.tensor(x), torch.tensor(0.5)).tolist()


def test_rounding_gradients_are_zero_as_in_pytorch():
    x = t64(3)
    (x.floor() + x.ceil() + x.round() + x.sign()).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_integer_results_follow_pytorch(dtype):
    i = tinycnn.tensor([1, 2, 3, 4], dtype=dtype)
    ti = torch.tensor([1, 2, 3, 4], dtype=getattr(torch, np.dtype(dtype).name))
    for ours, theirs in [(i.cumsum(0), ti.cumsum(0)), (i.prod(), ti.prod()),
                         (i.floor(), ti.floor()), (i.sign(), ti.sign())]:
        assert ours.tolist() == theirs.tolist()
        assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
    assert i.logsumexp(0).dtype == np.float32


def test_where_keeps_integer_dtypes():
    c = tinycnn.tensor([True, False])
    tc = torch.tensor([True, False])
    cases = [(1, 0), (1.0, 0), (True, False), (tinycnn.tensor([1, 2]), 0)]
    for a, b in cases:
        ours = tinycnn.where(c, a, b)
        ta = torch.tensor(a.tolist()) if isinstance(a, tinycnn.Tensor) else a
        assert str(ours.dtype) == str(torch.where(tc, ta, b).dtype).replace("torch.", "")


def test_nonzero_unique_bincount_match_pytorch():
    a = np.array([[0, 3, 0], [2, 0, 3]], np.int64)
    x, tx = tinycnn.tensor(a), torch.tensor(a)
    assert x.nonzero().tolist() == tx.nonzero().tolist()
    assert [v.tolist() for v in tinycnn.nonzero(x, as_tuple=True)] == [
        v.tolist() for v in torch.nonzero(tx, as_tuple=True)]
    ours = tinycnn.unique(x, return_inverse=True, return_counts=True)
    theirs = torch.unique(tx, return_inverse=True, return_counts=True)
    assert [o.tolist() for o in ours] == [t.tolist() for t in theirs]
    assert x.unique(dim=0).tolist() == tx.unique(dim=0).tolist()
    v, tv = x.flatten(), tx.flatten()
    assert tinycnn.bincount(v, minlength=6).tolist() == torch.bincount(tv, minlength=6).tolist()
    w = np.linspace(0, 1, 6).astype(np.float32)
    ours = v.bincount(weights=tinycnn.tensor(w))
    theirs = tv.bincount(weights=torch.tensor(w))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert ours.dtype == np.float32


def test_out_argument_writes_into_the_given_tensor():
    a, b = tinycnn.ones(2, 3), tinycnn.full((2, 3), 2.0)
    out = tinycnn.empty(2, 3)
    keep = out.numpy()
    assert tinycnn.add(a, b, out=out) is out and out.tolist() == [[3.0] * 3] * 2
    assert tinycnn.mul(a, b, out=out) is out and (keep == 2).all()  # same memory
    m = tinycnn.empty(2, 2)
    tinycnn.matmul(a, b.t(), out=m)
    assert m.tolist() == [[6.0, 6.0], [6.0, 6.0]]
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        tinycnn.add(tinycnn.ones(2, requires_grad=True), 1, out=tinycnn.empty(2))


def test_gather_and_scatter_treat_0d_as_1d_like_torch():
    # the Transforms tutorial's one-hot target:
    # Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
    for lib in (tinycnn, torch):
        got = lib.zeros(10, dtype=lib.float).scatter_(0, lib.tensor(3), value=1)
        assert got.tolist() == [0.0, 0.0, 0.0, 1.0] + [0.0] * 6
    assert tinycnn.arange(5.0).gather(0, tinycnn.tensor(3)).shape == ()
    assert tinycnn.tensor(2.0).gather(0, tinycnn.tensor([0])).tolist() == [2.0]
    assert tinycnn.zeros(()).scatter_(0, tinycnn.tensor(0), value=1).item() == 1.0
    src = tinycnn.tensor(7.0, requires_grad=True)
    x = tinycnn.zeros(5, requires_grad=True)
    x.scatter(0, tinycnn.tensor(3), src).sum().backward()
    assert src.grad.item() == 1.0 and x.grad.tolist() == [1.0, 1.0, 1.0, 0.0, 1.0]
    with pytest.raises(ValueError, match=r"as many dimensions as the input \(2\), got shape \(\)"):
        tinycnn.zeros(2, 3).scatter_(0, tinycnn.tensor(1), value=1)


def test_bad_input_names_the_argument():
    x = tinycnn.randn(3, 4)
    with pytest.raises(TypeError, match="gather: index must be an integer"):
        x.gather(1, tinycnn.zeros(3, 4))
    with pytest.raises(IndexError, match="gather: index out of range"):
        x.gather(1, tinycnn.tensor([[4], [0], [0]]))
    with pytest.raises(TypeError, match="masked_fill: mask must be a bool tensor"):
        x.masked_fill(tinycnn.ones(3, 4), 0)
    with pytest.raises(ValueError, match="does not broadcast"):
        x.masked_fill(tinycnn.ones(4, 4).bool(), 0)
    with pytest.raises(ValueError, match="repeat: give at least one size per dimension"):
        x.repeat(2)
    with pytest.raises(ValueError, match="mm: mat2 must be 2-D"):
        tinycnn.mm(x, tinycnn.randn(4))
    with pytest.raises(ValueError, match="einsum: operand 1 has 1 dimensions"):
        tinycnn.einsum("ij,jk->ik", x, tinycnn.randn(4))
    with pytest.raises(ValueError, match="repeats a subscript"):
        tinycnn.einsum("ii->i", tinycnn.randn(3, 3))
    with pytest.raises(ValueError, match="subscript 'j' has size 4 and 3"):
        tinycnn.einsum("ij,jk->ik", x, tinycnn.randn(3, 2))
    with pytest.raises(ValueError, match="spectral and nuclear"):
        tinycnn.linalg.norm(x, 2)
    with pytest.raises(ValueError, match="bincount: input must be a 1-D integer"):
        tinycnn.bincount(x)


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
