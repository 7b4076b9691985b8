"""Fuzzed conv2d / max_pool2d / avg_pool2d geometries against PyTorch (hypothesis).

Shapes, kernels, strides, paddings, dilations, groups and ceil_mode are drawn from small
ranges that include invalid values (zeros, paddings over half the kernel, kernels
larger than the input, channel counts that groups do not divide, empty batches).
Wherever PyTorch computes a result, ours must match it, forward and input gradient;
wherever PyTorch raises, ours must raise a ValueError or TypeError with a message.

`tests/ops/test_fuzz_geometry.py` runs this file in a subprocess, so that a memory error in a
kernel is a failed test rather than a dead test run (this is how the max-pooling write
outside its buffer was found). The examples are derandomized: every run tries the same
ones; raise ``FUZZ_EXAMPLES`` to search harder.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinycnn
import tinycnn.functional as F

SETTINGS = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")), deadline=None,
                    derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
small = st.integers(0, 4)
pairs = st.one_of(small, st.tuples(small, small))
positive_pairs = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))


def _outcome(fn):
    """('ok', result) or ('error', exception) of calling fn."""
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001  (any failure of PyTorch means ours must fail)
        return "error", e


def _has_zero(*values) -> bool:
    """True when a stride, dilation or kernel size is 0: invalid whatever the input. (On
    an empty input PyTorch returns an empty result without checking; ours says why.)"""
    return any(0 in (v if isinstance(v, tuple) else (v,)) for v in values if v is not None)


def _compare(ours_fn, torch_fn, shape, invalid=False):
    """Run both on the same float64 input; same result and input gradient, or both fail
    (``invalid``: the arguments are wrong in themselves, so ours may fail anyway)."""
    x = np.random.default_rng(0).standard_normal(shape)
    tx = torch.tensor(x, requires_grad=True)
    status, expected = _outcome(lambda: torch_fn(tx))
    xt = tinycnn.tensor(x, dtype=tinycnn.float64, requires_grad=True)
    if status == "error":
        try:
            ours_fn(xt)
        except (ValueError, TypeError) as e:
            assert str(e), "an exception without a message"
            return
        raise AssertionError(f"PyTorch raised {type(expected).__name__}: {expected}, "
                             "tinycnn did not")
    if invalid:
        try:
            ours_fn(xt)
        except ValueError as e:
            assert str(e) and 0 in shape, "PyTorch accepts it for a non-empty input"
            return
    got = ours_fn(xt)
    assert got.shape == tuple(expected.shape), (got.shape, expected.shape)
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-9)
    gy = np.random.default_rng(1).standard_normal(got.shape)
    (got * tinycnn.from_numpy(gy)).sum().backward()
    if np.isneginf(expected.detach().numpy()).any():
        # windows wholly in the padding: PyTorch's backward would index outside the input
        # (its argmax is past the end), so there is nothing to compare; ours sends nothing
        assert not np.isneginf(expected.detach().numpy()).any() or not xt.grad.numpy().any()
        return
    (expected * torch.tensor(gy)).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-9)


@SETTINGS
@given(st.integers(0, 2), st.integers(1, 4), st.integers(0, 6), st.integers(0, 6),
       st.integers(1, 4), pairs, pairs, st.one_of(pairs, st.sampled_from(["same", "valid"])),
       pairs, st.integers(1, 3), st.booleans())
def test_conv2d_geometries(n, c, h, w, o, kernel, stride, padding, dilation, groups, bias):
    kh, kw = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    if kh == 0 or kw == 0:
        return  # a weight tensor with a zero dimension: no layer is built like that
    cg = max(1, c // groups)
    weight = np.random.default_rng(2).standard_normal((o * groups, cg, kh, kw))
    b = np.random.default_rng(3).standard_normal(o * groups) if bias else None

    def ours(x):
        return F.conv2d(x, tinycnn.from_numpy(weight), None if b is None else tinycnn.from_numpy(b),
                        stride, padding, dilation, groups)

    def theirs(x):
        return torch.nn.functional.conv2d(x, torch.tensor(weight),
                                          None if b is None else torch.tensor(b), stride,
                                          padding, dilation, groups)

    _compare(ours, theirs, (n, c, h, w), _has_zero(stride, dilation))


@SETTINGS
@given(st.integers(0, 2), st.integers(1, 3), st.integers(0, 7), st.integers(0, 7), pairs,
       st.one_of(st.none(), pairs), pairs, pairs, st.booleans())
def test_max_pool2d_geometries(n, c, h, w, kernel, stride, padding, dilation, ceil_mode):
    _compare(lambda x: F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode),
             lambda x: torch.nn.functional.max_pool2d(x, kernel, stride, padding, dilation,
                                                      ceil_mode),
             (n, c, h, w), _has_zero(kernel, stride, dilation))


@SETTINGS
@given(st.integers(0, 2), st.integers(1, 3), st.integers(0, 7), st.integers(0, 7), pairs,
       st.one_of(st.none(), pairs), pairs, st.booleans(), st.booleans(),
       st.one_of(st.none(), st.integers(1, 5)))
def test_avg_pool2d_geometries(n, c, h, w, kernel, stride, padding, ceil_mode, include_pad,
                               divisor):
    _compare(lambda x: F.avg_pool2d(x, kernel, stride, padding, ceil_mode, include_pad,
                                    divisor),
             lambda x: torch.nn.functional.avg_pool2d(x, kernel, stride, padding, ceil_mode,
                                                      include_pad, divisor),
             (n, c, h, w), _has_zero(kernel, stride))
