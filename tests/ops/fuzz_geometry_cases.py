"""Fuzzed geometries against PyTorch (hypothesis): conv2d, max_pool2d, avg_pool2d,
conv_transpose2d, conv1d, depthwise conv2d, unfold / fold, pad (every mode, negative
amounts) and interpolate (every mode, sizes and scale factors).

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
from tinycnn.functional.conv_transpose import transposed_output_size

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


def _weights(shape, bias_size=None):
    """A float64 weight of ``shape`` (and a bias of ``bias_size``) as NumPy arrays."""
    w = np.random.default_rng(2).standard_normal(shape)
    return w, None if bias_size is None else np.random.default_rng(3).standard_normal(bias_size)


def _pair_values(v):
    return v if isinstance(v, tuple) else (v, v)


@SETTINGS
@given(st.integers(0, 2), st.integers(1, 4), st.integers(0, 5), st.integers(0, 5),
       st.integers(1, 3), positive_pairs, pairs, pairs, pairs, pairs, st.integers(1, 3),
       st.booleans())
def test_conv_transpose2d_geometries(n, c, h, w, o, kernel, stride, padding, output_padding,
                                     dilation, groups, bias):
    weight, b = _weights((c, o) + _pair_values(kernel), o * groups if bias else None)

    def ours(x):
        return F.conv_transpose2d(x, tinycnn.from_numpy(weight),
                                  None if b is None else tinycnn.from_numpy(b), stride, padding,
                                  output_padding, groups, dilation)

    def theirs(x):
        return torch.nn.functional.conv_transpose2d(
            x, torch.tensor(weight), None if b is None else torch.tensor(b), stride, padding,
            output_padding, groups, dilation)

    # PyTorch checks neither output_padding nor the input size when the batch is empty
    bad_output_padding = any(p >= max(s, d) for p, s, d in zip(
        _pair_values(output_padding), _pair_values(stride), _pair_values(dilation)))
    empty_output = not _has_zero(stride, dilation) and any(
        transposed_output_size(*args) <= 0 for args in zip(
            (h, w), _pair_values(kernel), _pair_values(stride), _pair_values(padding),
            _pair_values(dilation), _pair_values(output_padding)))
    _compare(ours, theirs, (n, c, h, w),
             _has_zero(stride, dilation) or bad_output_padding or empty_output or 0 in (h, w))


@SETTINGS
@given(st.integers(0, 2), st.integers(1, 4), st.integers(0, 8), st.integers(1, 3),
       st.integers(1, 4), st.integers(0, 3), st.one_of(small, st.sampled_from(["same", "valid"])),
       st.integers(0, 3), st.integers(1, 3), st.booleans())
def test_conv1d_geometries(n, c, length, o, kernel, stride, padding, dilation, groups, bias):
    weight, b = _weights((o * groups, max(1, c // groups), kernel), o * groups if bias else None)

    def ours(x):
        return F.conv1d(x, tinycnn.from_numpy(weight), None if b is None else tinycnn.from_numpy(b),
                        stride, padding, dilation, groups)

    def theirs(x):
        return torch.nn.functional.conv1d(x, torch.tensor(weight),
                                          None if b is None else torch.tensor(b), stride,
                                          padding, dilation, groups)

    _compare(ours, theirs, (n, c, length), _has_zero(stride, dilation))


@SETTINGS
@given(st.integers(0, 2), st.integers(1, 4), st.integers(1, 6), st.integers(1, 6),
       st.integers(1, 2), positive_pairs, pairs, st.one_of(pairs, st.sampled_from(["same", "valid"])),
       pairs, st.booleans())
def test_depthwise_conv2d_geometries(n, c, h, w, mult, kernel, stride, padding, dilation, bias):
    weight, b = _weights((c * mult, 1) + _pair_values(kernel), c * mult if bias else None)

    def ours(x):
        return F.conv2d(x, tinycnn.from_numpy(weight), None if b is None else tinycnn.from_numpy(b),
                        stride, padding, dilation, c)

    def theirs(x):
        return torch.nn.functional.conv2d(x, torch.tensor(weight),
                                          None if b is None else torch.tensor(b), stride,
                                          padding, dilation, c)

    _compare(ours, theirs, (n, c, h, w), _has_zero(stride, dilation))


@SETTINGS
@given(st.integers(0, 2), st.integers(1, 3), st.integers(0, 6), st.integers(0, 6), pairs, pairs,
       pairs, pairs)
def test_unfold_geometries(n, c, h, w, kernel, dilation, padding, stride):
    _compare(lambda x: F.unfold(x, kernel, dilation, padding, stride),
             lambda x: torch.nn.functional.unfold(x, kernel, dilation, padding, stride),
             (n, c, h, w), _has_zero(kernel, dilation, stride))


@SETTINGS
@given(st.integers(0, 2), st.integers(1, 2), st.tuples(st.integers(0, 6), st.integers(0, 6)),
       pairs, pairs, pairs, pairs, st.integers(-1, 1))
def test_fold_geometries(n, c, output_size, kernel, dilation, padding, stride, blocks_off):
    kh, kw = _pair_values(kernel)
    # the block count that fits output_size (or one off it, which must fail), when defined
    try:
        blocks = 1
        for size, k, d, p, s in zip(output_size, (kh, kw), _pair_values(dilation),
                                    _pair_values(padding), _pair_values(stride)):
            blocks *= (size + 2 * p - d * (k - 1) - 1) // s + 1
    except ZeroDivisionError:
        blocks = 1
    shape = (n, c * kh * kw, max(0, blocks + blocks_off))
    _compare(lambda x: F.fold(x, output_size, kernel, dilation, padding, stride),
             lambda x: torch.nn.functional.fold(x, output_size, kernel, dilation, padding,
                                                stride),
             shape, _has_zero(kernel, dilation, stride))


@SETTINGS
@given(st.integers(3, 4), st.integers(0, 5), st.integers(0, 5),
       st.sampled_from(["constant", "reflect", "replicate", "circular"]),
       st.lists(st.integers(-3, 4), min_size=1, max_size=5))
def test_pad_geometries(rank, h, w, mode, pads):
    shape = (2, 3, h, w)[4 - rank:]
    if mode == "circular":
        for n, (before, after) in zip(shape[::-1], zip(pads[::2], pads[1::2])):
            if max(before, after) > n - max(0, -before) - max(0, -after):
                # wrapping around more than once: ours refuses, PyTorch may read
                # uninitialised memory (pad=(2, -2) on a width of 3)
                return
    _compare(lambda x: F.pad(x, tuple(pads), mode),
             lambda x: torch.nn.functional.pad(x, tuple(pads), mode), shape)


@SETTINGS
@given(st.integers(0, 2), st.integers(1, 5), st.integers(1, 5),
       st.sampled_from(["nearest", "nearest-exact", "bilinear", "bilinear-ac"]),
       st.one_of(st.tuples(st.integers(0, 9), st.integers(0, 9)),
                 st.sampled_from([0.5, 1.0, 1.5, 2.0, 2.7, 3.0, (0.4, 2.25)])),
       st.booleans())
def test_interpolate_geometries(n, h, w, mode, size_or_scale, recompute):
    align = True if mode == "bilinear-ac" else None
    mode = mode.removesuffix("-ac")
    if isinstance(size_or_scale, tuple) and isinstance(size_or_scale[0], int):
        kwargs = {"size": size_or_scale}
    else:
        kwargs = {"scale_factor": size_or_scale, "recompute_scale_factor": recompute}
    _compare(lambda x: F.interpolate(x, mode=mode, align_corners=align, **kwargs),
             lambda x: torch.nn.functional.interpolate(x, mode=mode, align_corners=align,
                                                       **kwargs),
             (n, 2, h, w))
