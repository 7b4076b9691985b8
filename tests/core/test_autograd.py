"""The graph and the backward walk: order, depth, accumulation, freeing, grad mode, Function."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest
import torch

import tinycnn
from tinycnn.autograd import Function


def leaf(*values, dtype=np.float32):
    return tinycnn.tensor(np.array(values), dtype=dtype, requires_grad=True)


# --- order of the walk ----------------------------------------------------------------------


@pytest.mark.parametrize("order", ["consumer_first", "consumer_last"])
def test_diamond_gradients_wait_for_every_consumer(order):
    """b feeds both a = 3b and the sum; b's backward must run after a's (8 = 2 * (1 + 3))."""
    x = leaf(1.0, 2.0)
    b = x * 2
    a = b * 3
    r = (a + b) if order == "consumer_first" else (b + a)
    r.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 8.0])


def test_random_dag_matches_torch():
    """A graph where intermediate values are reused in many places, against torch."""
    gen = np.random.default_rng(0)
    x0 = gen.standard_normal((3, 4)).astype(np.float32)
    ours, theirs = [tinycnn.tensor(x0, requires_grad=True)], [torch.tensor(x0, requires_grad=True)]
    picks = [tuple(int(i) for i in gen.integers(0, k + 1, size=2)) for k in range(30)]
    for (i, j), k in zip(picks, range(30)):
        for vals in (ours, theirs):
            a, b = vals[i], vals[j]
            vals.append(a * 0.5 + b * 0.25 if k % 3 else (a * b).clip(-3, 3))
    sum(v.sum() for v in ours[1:]).backward()
    sum(v.sum() for v in theirs[1:]).backward()
    np.testing.assert_allclose(ours[0].grad.numpy(), theirs[0].grad.numpy(), rtol=1e-5,
                               atol=1e-5)


def test_deep_chain_10000_ops_has_no_recursion():
    x = leaf(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**10_000, rel=1e-3)


def test_deep_chain_of_mixed_ops():
    x = leaf(0.5, -0.5)
    y = x
    for i in range(2_000):
        y = (y + 0.001).exp().log() if i % 2 else y.reshape(2, 1).reshape(2)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0], rtol=1e-4)


# --- accumulation and broadcasting ------------------------------------------------------------


def test_gradients_accumulate_across_backward_calls():
    x = leaf(1.0, 2.0, 3.0)
    (x * 2).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 + 2 * np.array([1.0, 2.0, 3.0]))


def test_leaf_used_twice_gets_both_contributions():
    x = leaf(3.0)
    (x * x + x).backward()
    assert x.grad.item() == pytest.approx(7.0)


def test_broadcast_gradients_are_summed_back_to_the_input_shape():
    a = tinycnn.ones(3, 1, requires_grad=True)
    b = tinycnn.ones(4, requires_grad=True)
    c = tinycnn.ones(2, 1, 1, requires_grad=True)
    (a * b + c).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,) and c.grad.shape == (2, 1, 1)
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), 8.0))
    np.testing.assert_allclose(b.grad.numpy(), np.full((4,), 6.0))
    np.testing.assert_allclose(c.grad.numpy(), np.full((2, 1, 1), 12.0))


def test_each_leaf_owns_its_gradient_array():
    """Sum's backward broadcasts (a read-only view) and Add hands the same array to both
    inputs: each .grad must still be a separate, writable array (zero_() must work)."""
    a, b = leaf(1.0, 2.0), leaf(3.0, 4.0)
    (a + b).sum().backward()
    assert a.grad._data is not b.grad._data
    assert not np.shares_memory(a.grad._data, b.grad._data)
    a.grad.zero_()
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])
    g = tinycnn.ones(2)
    a.grad = None
    a.backward(g)
    a.grad._data += 1  # the caller's gradient must not change
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])


def test_gradient_keeps_the_leaf_dtype():
    x = leaf(1.0, 2.0)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == np.float32
    x64 = leaf(1.0, 2.0, dtype=np.float64)
    (x64 * 0.5).sum().backward()
    assert x64.grad.dtype == np.float64


def test_non_scalar_backward_needs_a_gradient_of_its_shape():
    x = leaf(1.0, 2.0)
    y = x * 3
    with pytest.raises(RuntimeError, match="one-element"):
        y.backward()
    with pytest.raises(ValueError, match=r"\(2,\)"):
        y.backward(np.ones(3))
    y.backward(np.array([1.0, 0.5]))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 1.5])


def test_backward_takes_pytorchs_keywords():
    # Q.backward(gradient=external_grad)  (the blitz autograd tutorial)
    a = leaf(2.0, 3.0)
    b = torch.tensor([2.0, 3.0], requires_grad=True)
    (3 * a**3).backward(gradient=tinycnn.tensor([1.0, 0.5]), retain_graph=None)
    (3 * b**3).backward(gradient=torch.tensor([1.0, 0.5]), retain_graph=None)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())
    with pytest.raises(NotImplementedError, match="create_graph"):
        (a * a).sum().backward(create_graph=True)


def test_backward_of_a_tensor_without_grad_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tinycnn.ones(2).sum().backward()


def test_unused_outputs_get_zero_gradients():
    x = leaf(1.0, 5.0, 3.0)
    values, indices = x.max(0)
    assert not indices.requires_grad and indices.dtype == np.int64
    values.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])


# --- freeing --------------------------------------------------------------------------------


def test_second_backward_raises_unless_retain_graph():
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    z = (x * x).sum()
    x.grad = None
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_backward_through_a_shared_freed_subgraph_raises():
    x = leaf(1.0, 2.0)
    h = x.exp()
    loss1, loss2 = h.sum(), (h * 2).sum()
    loss1.backward()
    with pytest.raises(RuntimeError, match="second time"):
        loss2.backward()


def test_saved_arrays_and_intermediates_are_freed():
    saved = []

    class Keep(Function):
        @staticmethod
        def forward(ctx, x):
            big = x * 2.0
            saved.append(weakref.ref(big))
            ctx.save_for_backward(big)
            ctx.note = big
            return x + 0

        @staticmethod
        def backward(ctx, g):
            (big,) = ctx.saved_tensors
            return g * big / big

    x = leaf(1.0, 2.0)
    h = Keep.apply(x)
    h_ref = weakref.ref(h)
    loss = (h * 3).sum()
    del h
    gc.collect()
    assert h_ref() is None  # the graph holds nodes, not intermediate tensors
    assert saved[0]() is not None  # ... but the node keeps what it saved, until backward
    loss.backward()
    gc.collect()
    assert saved[0]() is None
    assert loss.grad_fn.freed and loss.grad_fn.parents == ()


# --- grad mode ------------------------------------------------------------------------------


def test_no_grad_context_and_decorators():
    x = leaf(1.0)
    with tinycnn.no_grad():
        assert not tinycnn.is_grad_enabled()
        y = x * 2
    assert tinycnn.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y.grad_fn is None

    @tinycnn.no_grad()
    def f(t):
        return t * 2

    @tinycnn.no_grad
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    assert (x * 2).requires_grad


def test_enable_grad_inside_no_grad_and_set_grad_enabled():
    x = leaf(1.0)
    with tinycnn.no_grad():
        with tinycnn.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    with tinycnn.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert tinycnn.is_grad_enabled()
    tinycnn.set_grad_enabled(False)  # a plain call switches it at once (PyTorch)
    try:
        assert not (x * 2).requires_grad
    finally:
        tinycnn.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_no_grad_decorator_is_reentrant():
    @tinycnn.no_grad()
    def depth(n):
        assert not tinycnn.is_grad_enabled()
        return 0 if n == 0 else 1 + depth(n - 1)

    assert depth(5) == 5
    assert tinycnn.is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = []
    with tinycnn.no_grad():
        th = threading.Thread(target=lambda: seen.append(tinycnn.is_grad_enabled()))
        th.start()
        th.join()
    assert seen == [True]


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(KeyError), tinycnn.no_grad():
        raise KeyError("boom")
    assert tinycnn.is_grad_enabled()


# --- tensors in the graph -------------------------------------------------------------------


def test_requires_grad_propagates_and_leaves_are_leaves():
    x, c = leaf(1.0), tinycnn.ones(1)
    y = x * c
    assert y.requires_grad and not y.is_leaf and x.is_leaf and c.is_leaf
    assert not (c * 2).requires_grad
    assert "MulBackward" in repr(y) and repr(y.grad_fn) == "<MulBackward0>"
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and np.shares_memory(d._data, y._data)


def test_requires_grad_rules():
    with pytest.raises(TypeError, match="floating point"):
        tinycnn.tensor([1, 2], requires_grad=True)
    y = leaf(1.0) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    x = tinycnn.ones(2).requires_grad_()
    assert x.requires_grad


def test_in_place_assignment_is_refused_on_graph_tensors():
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match="no_grad"):
        x[0] = 5.0
    with tinycnn.no_grad():
        x[0] = 5.0
    plain = tinycnn.zeros(3)
    plain[1:] = tinycnn.ones(2)
    np.testing.assert_array_equal(plain.numpy(), [0.0, 1.0, 1.0])


# --- custom Functions -------------------------------------------------------------------------


class ScaledSquare(Function):
    """y = k x^2 with a non-tensor argument k; counts calls of backward."""

    calls = 0

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return k * x * x

    @staticmethod
    def backward(ctx, g):
        ScaledSquare.calls += 1
        (x,) = ctx.saved_tensors
        return 2 * ctx.k * x * g, None


def test_custom_function_contract():
    x = leaf(1.0, -2.0)
    y = ScaledSquare.apply(x, 3.0)
    assert y.requires_grad and y.grad_fn.name() == "ScaledSquareBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, -12.0])


def test_custom_function_sees_needs_input_grad():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b, flag):
            return a * b

        @staticmethod
        def backward(ctx, g):
            seen.append(ctx.needs_input_grad)
            return None, g, None

    a, b = tinycnn.ones(2), leaf(1.0, 2.0)
    Probe.apply(a, b, True).sum().backward()
    assert seen == [(False, True, False)]
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_custom_function_with_two_outputs_and_tensor_gradients():
    class SplitHalf(Function):
        @staticmethod
        def forward(ctx, x):
            return x[:2] * 1, x[2:] * 1

        @staticmethod
        def backward(ctx, g1, g2):
            return tinycnn.tensor(np.concatenate([g1, g2]))  # a Tensor is accepted too

    x = leaf(1.0, 2.0, 3.0, 4.0)
    a, b = SplitHalf.apply(x)
    (a * 2).sum().backward()  # b's gradient is zeros
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 0.0, 0.0])


def test_custom_function_no_graph_without_grad():
    ScaledSquare.calls = 0
    y = ScaledSquare.apply(tinycnn.ones(2), 2.0)
    assert not y.requires_grad and y.grad_fn is None


def test_custom_function_bad_backward_is_reported():
    class TooFew(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g

    class WrongShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g[:1]

    with pytest.raises(RuntimeError, match=r"TooFew.backward returned 1 gradient"):
        TooFew.apply(leaf(1.0), 2.0).sum().backward()
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match="shape"):
        (WrongShape.apply(x * 1)).sum().backward()


def test_function_without_forward_is_a_clear_error():
    class Empty(Function):
        pass

    with pytest.raises(NotImplementedError, match="forward"):
        Empty.apply(leaf(1.0))


def test_autograd_basics_example_runs(capsys):
    import runpy
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "autograd_basics.py"
    runpy.run_path(str(path), run_name="__main__")
    out = capsys.readouterr().out
    assert "dL/dx = 48" in out and "dL/dw = 28" in out and "passes gradcheck: True" in out
    assert "fitted y = 2.99 x -1.01" in out


def test_tensors_must_be_positional_arguments_of_apply():
    with pytest.raises(TypeError, match="positional"):
        ScaledSquare.apply(leaf(1.0), k=leaf(2.0))


# --- Tensor.register_hook -------------------------------------------------------------------

def test_register_hook_sees_and_replaces_gradients_as_pytorch():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        handle = x.register_hook(lambda g: seen.append(g.tolist()))  # called once, with the sum
        y = x * 3
        y.register_hook(lambda g: g * 2)  # a returned tensor replaces the gradient
        ((y * x).sum() + x.sum()).backward()
        handle.remove()
        (x * 1).sum().backward()
        return seen, x.grad.tolist()

    assert run(tinycnn) == run(torch)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        tinycnn.ones(2).register_hook(print)
