"""Tensor attributes, conversions, factories, dtype rules, seeding, devices, error messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tinycnn
from tinycnn import DeviceError

# --- attributes and conversions ----------------------------------------------------------------


def test_attributes():
    x = tinycnn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2 and x.dtype == np.float32
    assert x.device == "cpu" and x.size() == (2, 3) and x.size(-1) == 3 and x.numel() == 6
    assert len(x) == 2 and x.T.shape == (3, 2) and x.is_leaf and x.grad is None
    assert not x.requires_grad
    np.testing.assert_array_equal(x.T.numpy(), x.numpy().T)
    assert isinstance(x.numpy(), np.ndarray) and x.tolist() == [[1, 2, 3], [4, 5, 6]]


def test_item_and_python_conversions():
    x = tinycnn.tensor(2.5)
    assert x.item() == 2.5 and float(x) == 2.5 and int(tinycnn.tensor(3)) == 3
    assert isinstance(tinycnn.tensor([7]).item(), float) is False
    with pytest.raises(ValueError, match="one-element"):
        tinycnn.ones(3).item()
    assert bool(tinycnn.tensor([True])) is True
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tinycnn.ones(3))
    with pytest.raises(TypeError, match="0-d"):
        len(tinycnn.tensor(1.0))


def test_reductions_return_arrays_not_numpy_scalars():
    s = tinycnn.ones(3).sum()
    assert isinstance(s._data, np.ndarray) and s.shape == ()
    s.zero_()
    assert s.item() == 0


def test_repr():
    assert repr(tinycnn.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    # printed as PyTorch prints them (the tutorials print tensors a lot)
    rng = np.random.default_rng(0)
    for values in ([0.243, 0.5906], [5.5, 3.0], [1.0, 2000.0], [[1e-5, 1.0]], [1e9, 1.0],
                   rng.standard_normal((3, 20)), rng.random((5, 3)) * 100, 0.4264):
        a = np.asarray(values, dtype=np.float32)
        assert repr(tinycnn.tensor(a)) == repr(torch.tensor(a))
    assert "dtype=float64" in repr(tinycnn.tensor([1.0], dtype=np.float64))
    assert "dtype=int32" in repr(tinycnn.tensor([1], dtype=np.int32))
    assert "requires_grad=True" in repr(tinycnn.ones(1, requires_grad=True))


def test_float_double_to_and_casts():
    x = tinycnn.tensor([1.5, -2.5])
    assert x.double().dtype == np.float64 and x.double().float().dtype == np.float32
    assert x.to(np.float64).dtype == np.float64 and x.to("cpu") is x
    assert x.long().tolist() == [1, -2] and x.int().dtype == np.int32
    assert x.to("cpu", np.float64).dtype == np.float64
    assert x.bool().dtype == np.bool_ and x.to(dtype=tinycnn.float16).dtype == np.float16


def test_cast_is_differentiable_between_floats():
    x = tinycnn.tensor([1.0, 2.0], requires_grad=True)
    (x.double() ** 2).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert not x.long().requires_grad


def test_detach_requires_grad_zero_fill_copy():
    x = tinycnn.ones(2, 2, requires_grad=True)
    assert x.detach().requires_grad is False
    y = tinycnn.zeros(2, 2)
    y.fill_(3.0)
    assert y.numpy().sum() == 12
    y.zero_()
    assert y.numpy().sum() == 0
    y.copy_(np.full((2, 2), 2.0))
    assert y.numpy().sum() == 8
    with pytest.raises(ValueError, match="shape"):
        y.copy_(tinycnn.ones(3))


def test_iteration_and_comparisons():
    x = tinycnn.tensor([1.0, 2.0, 3.0])
    assert [float(v) for v in x] == [1.0, 2.0, 3.0]
    assert (x > 1.5).tolist() == [False, True, True]
    assert (x == tinycnn.tensor([1.0, 0.0, 3.0])).tolist() == [True, False, True]
    assert (x != 2).tolist() == [True, False, True] and (x <= 2).dtype == np.bool_
    assert (2 < x).tolist() == [False, False, True]  # reflected comparison
    assert (x == None) is False  # noqa: E711  (Python's fallback, as in PyTorch)
    c = x > 1
    assert not c.requires_grad


def test_any_all():
    assert tinycnn.tensor([0, 1]).any().item() and not tinycnn.tensor([0, 1]).all().item()


# --- factories and dtypes ------------------------------------------------------------------------


def test_tensor_dtype_rules():
    assert tinycnn.tensor(1.5).dtype == np.float32
    assert tinycnn.tensor([1, 2]).dtype == np.int64
    assert tinycnn.tensor([True]).dtype == np.bool_
    assert tinycnn.tensor(np.zeros(2)).dtype == np.float32  # float64 NumPy -> default
    assert tinycnn.tensor(np.zeros(2), dtype=np.float64).dtype == np.float64
    assert tinycnn.tensor(np.zeros(2, np.float16)).dtype == np.float16
    assert tinycnn.tensor(np.zeros(2, np.uint8)).dtype == np.uint8
    assert tinycnn.tensor([]).dtype == np.float32 and tinycnn.tensor([]).shape == (0,)


def test_tensor_copies_and_from_numpy_shares():
    a = np.zeros(3, dtype=np.float32)
    t, s = tinycnn.tensor(a), tinycnn.from_numpy(a)
    a[0] = 5
    assert t.numpy()[0] == 0 and s.numpy()[0] == 5
    assert tinycnn.from_numpy(np.zeros(2)).dtype == np.float64  # dtype kept, as in torch
    with pytest.raises(TypeError, match="numpy.ndarray"):
        tinycnn.from_numpy([1, 2])


def test_tensor_of_a_tensor_and_bad_data():
    x = tinycnn.ones(2, requires_grad=True)
    y = tinycnn.tensor(x)
    assert not y.requires_grad and not np.shares_memory(x._data, y._data)
    with pytest.raises(TypeError, match="numeric"):
        tinycnn.tensor(["a", "b"])
    with pytest.raises(ValueError, match="rectangular"):
        tinycnn.tensor([[1, 2], [3]])


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_shape_factories(name):
    fn = getattr(tinycnn, name)
    for args in [(2, 3), ((2, 3),), ([2, 3],)]:
        t = fn(*args)
        assert t.shape == (2, 3) and t.dtype == np.float32
    assert fn(2, dtype=np.float64).dtype == np.float64
    assert fn(2, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="non-negative"):
        fn(-1)


def test_full_like_arange_eye_randint():
    assert tinycnn.full((2, 2), 1.5).dtype == np.float32
    assert tinycnn.full(3, 7).dtype == np.int64 and tinycnn.full(2, True).dtype == np.bool_
    x = tinycnn.ones(2, 3, dtype=np.float64)
    assert tinycnn.zeros_like(x).dtype == np.float64 and tinycnn.ones_like(x).shape == (2, 3)
    assert tinycnn.zeros_like(x, dtype=np.dtype("float32")).dtype == np.float32
    assert tinycnn.arange(5).tolist() == [0, 1, 2, 3, 4] and tinycnn.arange(5).dtype == np.int64
    assert tinycnn.arange(0, 1, 0.25).dtype == np.float32
    assert tinycnn.arange(2, 8, 3).tolist() == [2, 5]
    np.testing.assert_array_equal(tinycnn.eye(3).numpy(), np.eye(3))
    assert tinycnn.eye(2, 3).shape == (2, 3)
    r = tinycnn.randint(0, 10, (100,))
    assert r.dtype == np.int64 and 0 <= r.numpy().min() and r.numpy().max() < 10
    assert tinycnn.randint(5, (4,)).shape == (4,)  # PyTorch's randint(high, size)
    with pytest.raises(ValueError, match="high"):
        tinycnn.randint(3, 3, (2,))
    with pytest.raises(ValueError, match="step"):
        tinycnn.arange(0, 1, 0)


def test_rand_distribution_is_sane():
    u, n = tinycnn.rand(10_000).numpy(), tinycnn.randn(10_000).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05


def test_manual_seed_repeats_every_draw():
    def draws():
        return [tinycnn.randn(3).numpy(), tinycnn.rand(2).numpy(),
                tinycnn.randint(0, 100, (4,)).numpy()]

    tinycnn.manual_seed(123)
    first = draws()
    tinycnn.manual_seed(123)
    second = draws()
    tinycnn.manual_seed(124)
    third = draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], third[0])
    with pytest.raises(TypeError, match="int"):
        tinycnn.manual_seed(1.5)


def test_rng_state_round_trip():
    from tinycnn import backend

    state = backend.get_rng_state()
    a = tinycnn.randn(3).numpy()
    backend.set_rng_state(state)
    np.testing.assert_array_equal(tinycnn.randn(3).numpy(), a)


def test_set_default_dtype():
    try:
        tinycnn.set_default_dtype(np.float64)
        assert tinycnn.tensor(1.5).dtype == np.float64 and tinycnn.zeros(2).dtype == np.float64
        assert tinycnn.get_default_dtype() == np.float64
    finally:
        tinycnn.set_default_dtype(np.float32)
    assert tinycnn.ones(1).dtype == np.float32
    with pytest.raises(TypeError, match="floating"):
        tinycnn.set_default_dtype(np.int32)


def test_python_floats_and_int_labels_do_not_promote_float32():
    x = tinycnn.randn(4, 3)
    labels = tinycnn.tensor([0, 2, 1, 1])
    assert (x * 0.1 + 1e-8).dtype == np.float32
    assert (x[tinycnn.arange(4), labels] * labels).dtype == np.float32
    assert (x / (labels.reshape(4, 1) + 1)).dtype == np.float32
    assert (x - np.float64(0.5)).dtype == np.float32


def test_integer_tensors_follow_torch():
    i = tinycnn.tensor([1, 2, 3])
    assert (i + 1).dtype == np.int64 and (i * 2).tolist() == [2, 4, 6]
    assert (i / 2).dtype == np.float32 and (i / 2).tolist() == [0.5, 1.0, 1.5]
    assert i.sum().dtype == np.int64 and i.max().item() == 3
    assert i.exp().dtype == np.float32
    with pytest.raises(RuntimeError, match="floating"):  # as torch
        i.mean()


# --- devices ----------------------------------------------------------------------------------


@pytest.mark.skipif(tinycnn.cuda.is_available(), reason="checks the no-GPU behaviour")
def test_cuda_requests_without_a_gpu_give_a_clear_error():
    assert tinycnn.cuda.is_available() is False and tinycnn.cuda.device_count() == 0
    for make in (lambda: tinycnn.zeros(2, device="cuda"), lambda: tinycnn.ones(2).cuda(),
                 lambda: tinycnn.ones(2).to("cuda:0"), lambda: tinycnn.tensor([1.0], device="gpu"),
                 lambda: tinycnn.randn(2, device="cuda")):
        with pytest.raises(DeviceError, match="CUDA is not available"):
            make()
    tinycnn.cuda.synchronize()  # a no-op without a GPU


def test_unknown_device_name():
    with pytest.raises(DeviceError, match="'cpu' or 'cuda'"):
        tinycnn.zeros(2, device="tpu")


# --- error messages ---------------------------------------------------------------------------


def test_bad_shapes_name_both_shapes():
    a, b = tinycnn.ones(2, 3), tinycnn.ones(4)
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        a + b
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        a @ b
    with pytest.raises(ValueError, match="reshape"):
        a.reshape(4, 2)
    with pytest.raises(ValueError, match="cat: tensor 1"):
        tinycnn.cat([a, tinycnn.ones(3, 2)], 0)
    with pytest.raises(ValueError, match="stack"):
        tinycnn.stack([a, b])
    with pytest.raises(IndexError, match="out of range"):
        a.sum(2)
    with pytest.raises(IndexError, match="shape \\(2, 3\\)"):
        a[5]
    with pytest.raises(ValueError, match="broadcast"):
        a.expand(4, 3)
    with pytest.raises(ValueError, match="permute"):
        a.permute(0)
    with pytest.raises(ValueError, match="repeats"):
        a.permute(0, 0)
    with pytest.raises(TypeError, match="unsupported operand"):
        a + "x"
    with pytest.raises(TypeError, match="list or tuple"):
        tinycnn.cat(a)


def test_torch_reference_for_error_free_edge_cases():
    # sanity that our shapes for these edge cases are torch's
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert tinycnn.tensor(x)[None, ..., None].shape == tuple(torch.tensor(x)[None, ..., None].shape)
    assert tinycnn.tensor(x)[[]].shape == tuple(torch.tensor(x)[[]].shape)
    assert tinycnn.tensor(x).squeeze(0).shape == tuple(torch.tensor(x).squeeze(0).shape)
    assert tinycnn.tensor(x).flatten().shape == (6,) and tinycnn.tensor(2.0).flatten().shape == (1,)


def test_bool_tensors_follow_torch():
    b = tinycnn.tensor([True, False, True])
    tb = torch.tensor([True, False, True])
    for ours, theirs in [(b * 2.5, tb * 2.5), (b + 1, tb + 1), (b.sum(), tb.sum()),
                         (b.long(), tb.long()), (b.float(), tb.float()),
                         (b + b, tb + tb)]:
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    x = tinycnn.randn(3, requires_grad=True)
    (x * b).sum().backward()  # a bool mask multiplies a float graph without promoting it
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 0.0, 1.0]
