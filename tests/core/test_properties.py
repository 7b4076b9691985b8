"""Property tests (hypothesis): random shapes, broadcasts, dims and indices never crash with a
raw NumPy error. Every call either works, with the shape NumPy/PyTorch would give, or
raises one of our ValueError/TypeError/IndexError whose message names the operation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinycnn

# derandomize: the default run explores the same examples every time (no flaky CI);
# raise max_examples locally to search harder.
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)
nonempty_shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)
NUMPY_PHRASES = ("operands could not be broadcast", "cannot reshape array", "AxisError",
                 "zero-size array", "attempt to get arg")


def numpy_outcome(fn):
    """What NumPy does: ('ok', result) or ('error', exception)."""
    try:
        with np.errstate(all="ignore"):
            return "ok", fn()
    except Exception as e:  # noqa: BLE001  (any NumPy failure means "must fail" for us)
        return "error", e


def assert_clear_error(err: BaseException, *words: str) -> None:
    """One of our three exception types (not a NumPy subclass such as AxisError) whose
    message names the operation, and none of NumPy's own phrases."""
    assert type(err) in (ValueError, TypeError, IndexError), f"{type(err).__name__}: {err}"
    msg = str(err)
    assert any(w.lower() in msg.lower() for w in words), f"{words} not in: {msg}"
    assert not any(p in msg for p in NUMPY_PHRASES[:2]), msg


def make(shape, seed=0):
    return tinycnn.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


@SETTINGS
@given(shapes, shapes, st.sampled_from(["add", "sub", "mul", "div", "maximum", "minimum",
                                        "pow", "where"]))
def test_binary_ops_broadcast_or_fail_clearly(sa, sb, op):
    a, b = make(sa), make(sb, 1)
    status, expected = numpy_outcome(lambda: np.broadcast_shapes(sa, sb))
    try:
        if op == "where":
            out = tinycnn.where(a.detach() > 0, a, b)
        else:
            out = getattr(tinycnn, op)(a.abs() + 0.5 if op == "pow" else a, b)
    except ValueError as e:
        assert status == "error", f"{op}{sa, sb} should work: {e}"
        assert_clear_error(e, op)
        assert str(sa) in str(e) and str(sb) in str(e)
        return
    assert status == "ok" and out.shape == expected
    out.sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb  # summed back over broadcast dims
    assert a.grad.dtype == np.float32


@SETTINGS
@given(shapes, st.one_of(st.none(), st.integers(-5, 5),
                         st.lists(st.integers(-5, 5), max_size=3).map(tuple)),
       st.booleans(), st.sampled_from(["sum", "mean", "max", "min", "var", "std", "argmax"]))
def test_reductions_work_or_fail_clearly(shape, dim, keepdim, name):
    x = make(shape)
    try:
        with np.errstate(all="ignore"):
            out = getattr(x, name)(dim, keepdim=keepdim)
    except (ValueError, IndexError, TypeError) as e:
        assert_clear_error(e, "dim", name, "empty", "reduce", "elements")
        return
    out = out[0] if isinstance(out, tuple) else out
    # the shape NumPy's keepdims reduction gives (dim=() and 0-d tensors reduce everything)
    dims = None if dim is None or dim == () or x.ndim == 0 else (
        (dim,) if isinstance(dim, int) else dim)
    ref = np.zeros(shape).sum(axis=dims, keepdims=keepdim)
    if name == "argmax" and dims is None and keepdim:
        ref = ref.reshape((1,) * len(shape))
    assert out.shape == ref.shape
    if out.requires_grad:
        out.sum().backward()
        assert x.grad.shape == shape


@SETTINGS
@given(nonempty_shapes, st.lists(st.integers(-1, 6), min_size=0, max_size=4).map(tuple))
def test_reshape_works_or_fails_clearly(shape, target):
    x = make(shape)
    try:
        y = x.reshape(target)
    except ValueError as e:
        assert_clear_error(e, "reshape")
        assert numpy_outcome(lambda: np.zeros(shape).reshape(target))[0] == "error" or \
            target.count(-1) and 0 in target
        return
    assert y.shape == np.zeros(shape).reshape(target).shape
    y.sum().backward()
    assert x.grad.shape == shape


@SETTINGS
@given(shapes, shapes)
def test_matmul_works_or_fails_clearly(sa, sb):
    a, b = make(sa), make(sb, 1)
    status, expected = numpy_outcome(lambda: np.matmul(np.zeros(sa), np.zeros(sb)))
    try:
        out = a @ b
    except ValueError as e:
        assert status == "error", f"matmul{sa, sb} should work: {e}"
        assert_clear_error(e, "matmul")
        return
    assert status == "ok" and out.shape == expected.shape
    out.sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb


@SETTINGS
@given(nonempty_shapes, st.lists(st.one_of(
    st.integers(-6, 6), st.slices(5), st.just(None), st.just(Ellipsis),
    st.lists(st.integers(-5, 5), min_size=1, max_size=3)), min_size=1, max_size=3).map(tuple))
def test_getitem_works_or_fails_clearly(shape, index):
    x = make(shape)
    status, expected = numpy_outcome(
        lambda: np.zeros(shape)[tuple(np.array(i) if isinstance(i, list) else i for i in index)])
    try:
        y = x[index]
    except IndexError as e:
        assert status == "error", f"index {index} on {shape} should work: {e}"
        assert_clear_error(e, "index")
        return
    assert status == "ok" and y.shape == expected.shape
    y.sum().backward()
    assert x.grad.shape == shape


@SETTINGS
@given(st.lists(shapes, min_size=1, max_size=3), st.integers(-4, 4), st.booleans())
def test_cat_and_stack_work_or_fail_clearly(shape_list, dim, use_stack):
    xs = [make(s, i) for i, s in enumerate(shape_list)]
    arrays = [np.zeros(s) for s in shape_list]
    status, expected = numpy_outcome(
        lambda: (np.stack if use_stack else np.concatenate)(arrays, axis=dim))
    try:
        out = (tinycnn.stack if use_stack else tinycnn.cat)(xs, dim)
    except (ValueError, IndexError) as e:
        assert status == "error", f"{shape_list} dim {dim} should work: {e}"
        assert_clear_error(e, "stack" if use_stack else "cat", "dim")
        return
    assert status == "ok" and out.shape == expected.shape
    out.sum().backward()
    assert all(x.grad.shape == s for x, s in zip(xs, shape_list))


@SETTINGS
@given(shapes, st.lists(st.integers(-5, 5), max_size=5).map(tuple))
def test_permute_works_or_fails_clearly(shape, dims):
    x = make(shape)
    status, expected = numpy_outcome(lambda: np.zeros(shape).transpose(dims))
    try:
        y = x.permute(*dims)
    except (ValueError, IndexError) as e:
        assert status == "error" or len(dims) != len(shape)
        assert_clear_error(e, "permute", "dim")
        return
    assert y.shape == expected.shape


@SETTINGS
@given(shapes, st.integers(-5, 5), st.integers(-5, 5))
def test_transpose_squeeze_unsqueeze(shape, d0, d1):
    x, z = make(shape), np.zeros(shape)
    cases = [  # (ours, the shape PyTorch gives: a 0-d tensor stays 0-d for dims 0/-1)
        (lambda: x.transpose(d0, d1), lambda: z.shape if z.ndim == 0 else np.swapaxes(z, d0, d1).shape),
        (lambda: x.unsqueeze(d0), lambda: np.expand_dims(z, d0).shape),
        (lambda: x.squeeze(d0), lambda: z.shape if z.ndim == 0 or z.shape[d0] != 1
         else np.squeeze(z, d0).shape),
    ]
    for ours, expected in cases:
        try:
            y = ours()
        except IndexError as e:
            assert_clear_error(e, "dim")
            continue
        assert y.shape == expected()


@SETTINGS
@given(shapes, st.lists(st.integers(-1, 4), max_size=5).map(tuple))
def test_expand_works_or_fails_clearly(shape, sizes):
    x = make(shape)
    try:
        y = x.expand(*sizes)
    except ValueError as e:
        assert_clear_error(e, "expand", "broadcast")
        return
    assert len(y.shape) == len(sizes)
    y.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize("value", ["text", None, object(), {"a": 1}])
def test_non_numeric_operands_are_type_errors(value):
    x = make((2,))
    for op in (lambda: x + value, lambda: x * value, lambda: x @ value, lambda: x < value):
        with pytest.raises(TypeError):
            op()
