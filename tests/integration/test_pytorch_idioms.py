"""PyTorch tutorial idioms that must run unchanged with ``torch`` replaced by ``tinycnn``.

One test per idiom, each on tiny synthetic data; each failed before the fix it guards.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinycnn as torch
import tinycnn.nn as nn
import tinycnn.nn.functional as F


def test_device_object_like_torch_device():
    # device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    dev = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    assert dev.type in ("cpu", "cuda")
    assert torch.zeros(2).to(dev).device == dev.type
    assert nn.Linear(2, 2).to(torch.device("cpu")).weight.device == "cpu"
    assert (torch.device("cuda", 1).type, torch.device("cuda", 1).index) == ("cuda", 1)
    with pytest.raises(torch.DeviceError, match="gpu0"):
        torch.device("gpu0")


def test_load_accepts_weights_only_and_map_location(tmp_path):
    # net.load_state_dict(torch.load(PATH, weights_only=True, map_location="cpu"))
    net = nn.Linear(3, 2)
    torch.save(net.state_dict(), tmp_path / "net.pth")
    state = torch.load(tmp_path / "net.pth", map_location="cpu", weights_only=True)
    other = nn.Linear(3, 2)
    other.load_state_dict(state)
    np.testing.assert_array_equal(other.weight._data, net.weight._data)


def test_max_and_argmax_of_raw_data():
    # _, predicted = torch.max(outputs.data, 1)   (the blitz's accuracy loop)
    outputs = torch.tensor([[0.1, 0.9], [2.0, -1.0]], requires_grad=True) * 1
    _, predicted = torch.max(outputs.data, 1)
    assert isinstance(predicted, torch.Tensor)
    assert predicted.tolist() == [1, 0]
    assert torch.argmax(outputs.data, 1).tolist() == [1, 0]


def test_max_of_two_tensors_is_elementwise():
    a, b = torch.tensor([1.0, 5.0]), torch.tensor([3.0, 2.0])
    assert torch.max(a, b).tolist() == [3.0, 5.0]
    assert torch.min(a, b).tolist() == [1.0, 2.0]


def test_format_spec_on_one_element_tensor():
    # print(f'{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}')  (epoch_acc is a tensor)
    acc = torch.tensor([1, 0, 1, 1]).sum().double() / 4
    assert f"{acc:.4f}" == "0.7500"
    assert f"{acc}" == "0.75"  # print(f"Label: {label}") shows the value, as in PyTorch
    assert f"{torch.tensor([1, 0])}" == repr(torch.tensor([1, 0]))
    with pytest.raises(TypeError, match=r"one-element tensor, got shape \(2,\)"):
        f"{torch.zeros(2):.2f}"


def test_inplace_update_of_leaf_under_no_grad():
    # with torch.no_grad(): w -= learning_rate * w.grad   ("Learning PyTorch with examples")
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with torch.no_grad():
        w -= 0.5 * w.grad
        w.grad = None
    assert w.requires_grad and w.is_leaf
    assert w.tolist() == [0.0, 0.0]
    (w * 3).sum().backward()  # still a leaf of the next graph
    assert w.grad.tolist() == [3.0, 3.0]


def test_inplace_add_in_forward_is_recorded():
    # out += identity  (ResNet BasicBlock.forward)
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    out = x * 2
    out += x
    out.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_inplace_methods_with_alpha():
    # p.add_(p.grad, alpha=-lr); t.mul_(0.9)
    p = torch.ones(2)
    p.add_(torch.tensor([1.0, 2.0]), alpha=-0.5).mul_(2)
    assert p.tolist() == [1.0, 0.0]
    ints = torch.tensor([1, 2])
    with pytest.raises(TypeError, match=r"shape \(2,\) and dtype int64"):
        ints += 0.5


def test_clone_is_a_copy_in_the_graph():
    x = torch.tensor([1.0, -1.0], requires_grad=True)
    y = x.clone()
    assert y._data is not x._data and not np.shares_memory(y._data, x._data)
    (y * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_view_as_type_as_expand_as_is_cuda():
    # correct += pred.eq(target.view_as(pred)).sum().item()   (pytorch/examples mnist)
    pred = torch.tensor([[1], [2]])
    target = torch.tensor([1, 3])
    assert pred.eq(target.view_as(pred)).sum().item() == 1
    assert target.type_as(torch.zeros(1)).dtype == np.float32
    assert torch.ones(1).expand_as(torch.zeros(2, 3)).shape == (2, 3)
    assert target.is_cuda is False


def test_activation_functions_and_methods():
    x = torch.tensor([[-1.0, 0.0, 2.0]])
    assert torch.relu(x).tolist() == x.relu().tolist() == [[0.0, 0.0, 2.0]]
    np.testing.assert_allclose(torch.softmax(x, dim=1).sum(1).numpy(), [1.0], rtol=1e-6)
    np.testing.assert_allclose(x.log_softmax(1).exp().numpy(), x.softmax(1).numpy(),
                               rtol=1e-6)
    assert x.sigmoid().shape == x.tanh().shape == (1, 3)


def test_allclose_isnan_isfinite():
    a = torch.tensor([1.0, float("nan")])
    assert torch.isnan(a).tolist() == [False, True]
    assert torch.isfinite(a).tolist() == [True, False]
    assert torch.allclose(torch.ones(2), torch.ones(2) + 1e-9)
    assert not torch.allclose(torch.ones(2), torch.zeros(2))


def test_one_hot():
    y = torch.tensor([0, 2, 1])
    assert F.one_hot(y, num_classes=4).tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]]
    assert F.one_hot(y).shape == (3, 3)
    with pytest.raises(ValueError, match=r"\[0, 2\) \(num_classes=2\).*\[0, 2\]"):
        F.one_hot(y, num_classes=2)
    with pytest.raises(TypeError, match="integer"):
        F.one_hot(torch.tensor([0.0, 1.0]))


def test_randperm_is_seeded_permutation():
    torch.manual_seed(0)
    a = torch.randperm(6)
    torch.manual_seed(0)
    assert a.tolist() == torch.randperm(6).tolist()
    assert sorted(a.tolist()) == list(range(6)) and a.dtype == np.int64


def test_inference_mode_records_nothing():
    w = torch.ones(2, requires_grad=True)
    with torch.inference_mode():
        assert not (w * 2).requires_grad


def test_best_model_weights_deepcopy_restores():
    # best_model_wts = copy.deepcopy(model.state_dict()) ... model.load_state_dict(best)
    model = nn.Linear(2, 1)
    best = copy.deepcopy(model.state_dict())
    before = model.weight._data.copy()
    with torch.no_grad():
        model.weight -= 1.0
    model.load_state_dict(best)
    np.testing.assert_array_equal(model.weight._data, before)


def test_tensor_class_from_list_is_float():
    # torch.Tensor([[1, 2], [3, 4]]) is float32 (torch.tensor infers int64)
    assert torch.Tensor([[1, 2], [3, 4]]).dtype == np.float32
    assert torch.tensor([1, 2]).dtype == np.int64


def test_inplace_on_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    w = torch.ones(3, requires_grad=True)
    for change in (lambda: w.add_(1.0), lambda: w.zero_(), lambda: w.fill_(2.0),
                   lambda: w.copy_(torch.zeros(3))):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            change()
    with torch.no_grad():
        w.sub_(0.5)
    assert w.is_leaf and w.tolist() == [0.5, 0.5, 0.5]


def test_inplace_on_a_graph_tensor_updates_that_object_and_is_recorded():
    w = torch.ones(3, requires_grad=True)
    h = w * 2 + 1
    alias = h
    h.add_(w)  # method form: the object itself must change (its return value is ignored)
    assert alias is h and alias.tolist() == [4.0, 4.0, 4.0]
    alias.sum().backward()
    assert w.grad.tolist() == [3.0, 3.0, 3.0]
