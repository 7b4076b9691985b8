"""Test helpers shared by every test file: PyTorch parity for one op (forward + gradients).

``check_op`` is modelled on tinygrad's ``helper_test_op``: make random inputs, run the op
in tinycnn and in PyTorch on the *same* numbers, compare the outputs, back-propagate the
same random upstream gradient through both and compare every input's gradient::

    from helpers import check_op
    check_op([(4, 3), (3, 5)], lambda a, b: a @ b, lambda a, b: a @ b)
    check_op([(2, 3, 8, 8), (4, 3, 3, 3)],
             lambda x, w: F.conv2d(x, w, padding=1),
             lambda x, w: torch.nn.functional.conv2d(x, w, padding=1), atol=1e-5)

An entry of ``shapes_or_arrays`` is a shape (random uniform values in [low, high) of
``dtype``) or a ready NumPy array (kept as it is: integer arrays such as labels or indices
are passed along and get no gradient). Non-tensor arguments go in the lambdas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import tinycnn

__all__ = ["check_op", "make_inputs", "to_numpy", "assert_close"]


def make_inputs(shapes_or_arrays: Sequence[Any], dtype: Any = np.float32, low: float = -2.0,
                high: float = 2.0, seed: int = 0) -> list[np.ndarray]:
    """NumPy arrays for ``check_op``: shapes become random arrays, arrays are copied."""
    gen = np.random.default_rng(seed)
    out = []
    for s in shapes_or_arrays:
        if isinstance(s, np.ndarray):
            out.append(s.copy())
        elif isinstance(s, (tuple, list)) or np.isscalar(s):
            shape = tuple(s) if isinstance(s, (tuple, list)) else (int(s),)
            out.append(gen.uniform(low, high, size=shape).astype(dtype))
        else:
            raise TypeError(f"check_op: expected a shape or a numpy array, got {type(s).__name__}")
    return out


def to_numpy(x: Any) -> np.ndarray | None:
    """A NumPy copy of a tinycnn tensor, a torch tensor or an array (None stays None)."""
    if x is None:
        return None
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, tinycnn.Tensor):
        return np.array(x.numpy())
    return np.asarray(x)


def assert_close(ours: Any, theirs: Any, atol: float, rtol: float, what: str) -> None:
    """``|ours - theirs| <= atol + rtol * |theirs|`` element-wise, shapes (and kinds) equal."""
    a, b = to_numpy(ours), to_numpy(theirs)
    if a.shape != b.shape:
        raise AssertionError(f"{what}: shape {a.shape} (tinycnn) != {b.shape} (torch)")
    if a.dtype.kind in "iub" or b.dtype.kind in "iub":
        if not np.array_equal(a, b):
            bad = np.argwhere(a != b)
            raise AssertionError(f"{what}: integer/bool values differ at {bad[:5].tolist()}: "
                                 f"tinycnn {a[tuple(bad[0])]} vs torch {b[tuple(bad[0])]}")
        return
    np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), atol=atol, rtol=rtol,
                               err_msg=f"{what} (tinycnn vs torch)", equal_nan=True)


def _outputs(out: Any) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check_op(shapes_or_arrays: Sequence[Any], tinycnn_fn: Callable[..., Any],
             torch_fn: Callable[..., Any] | None = None, atol: float = 1e-6, rtol: float = 1e-5,
             dtype: Any = np.float32, low: float = -2.0, high: float = 2.0,
             grad: bool | Sequence[bool] = True, grad_atol: float | None = None,
             grad_rtol: float | None = None, device: str = "cpu", seed: int = 0,
             check_dtype: bool = True) -> tuple[list, list]:
    """Compare ``tinycnn_fn`` with ``torch_fn`` on the same inputs: outputs and gradients.

    shapes_or_arrays: shapes (random inputs in [low, high) of ``dtype``) or NumPy arrays.
    torch_fn: defaults to ``tinycnn_fn`` (for lambdas like ``lambda a, b: a * b`` that read
        the same in both libraries).
    grad: True (every floating input gets a gradient), False (forward only) or one bool per
        input.
    grad_atol/grad_rtol: tolerances for gradients (default: atol/rtol).
    device: where the tinycnn inputs live ("cuda" compares a GPU run with CPU torch).
    check_dtype: tinycnn outputs must have torch's dtype (float32 stays float32).

    Each floating output gets a random upstream gradient (the same in both libraries);
    ``sum(out_i * w_i)`` is back-propagated and every input gradient compared. Returns
    ``(tinycnn_outputs, torch_outputs)`` for further checks.
    """
    torch_fn = tinycnn_fn if torch_fn is None else torch_fn
    arrays = make_inputs(shapes_or_arrays, dtype, low, high, seed)
    flags = [grad] * len(arrays) if isinstance(grad, bool) else list(grad)
    if len(flags) != len(arrays):
        raise ValueError(f"check_op: grad has {len(flags)} entries for {len(arrays)} inputs")
    flags = [f and a.dtype.kind == "f" for f, a in zip(flags, arrays)]
    ours_in = [tinycnn.tensor(a, dtype=a.dtype, device=device, requires_grad=f)
               for a, f in zip(arrays, flags)]
    theirs_in = [torch.tensor(a, requires_grad=f) for a, f in zip(arrays, flags)]

    ours = _outputs(tinycnn_fn(*ours_in))
    theirs = _outputs(torch_fn(*theirs_in))
    if len(ours) != len(theirs):
        raise AssertionError(f"tinycnn returned {len(ours)} outputs, torch {len(theirs)}")
    for k, (o, t) in enumerate(zip(ours, theirs)):
        assert_close(o, t, atol, rtol, f"forward output {k}")
        if check_dtype and isinstance(o, tinycnn.Tensor) and isinstance(t, torch.Tensor):
            want = np.dtype(str(t.dtype).replace("torch.", ""))
            if o.dtype != want:
                raise AssertionError(f"forward output {k}: dtype {o.dtype} (tinycnn) != {want} "
                                     "(torch)")
        if isinstance(o, tinycnn.Tensor) and device != "cpu" and o.device != device:
            raise AssertionError(f"forward output {k} is on {o.device}, expected {device}")

    if not any(flags):
        return ours, theirs
    # the same random upstream gradient for each floating output of both libraries
    gen = np.random.default_rng(seed + 1)
    ours_loss = theirs_loss = None
    for o, t in zip(ours, theirs):
        if not (isinstance(t, torch.Tensor) and t.requires_grad):
            continue
        w = gen.standard_normal(t.shape).astype(t.detach().numpy().dtype)
        ours_term = (o * tinycnn.tensor(w, dtype=w.dtype, device=device)).sum()
        theirs_term = (t * torch.tensor(w)).sum()
        ours_loss = ours_term if ours_loss is None else ours_loss + ours_term
        theirs_loss = theirs_term if theirs_loss is None else theirs_loss + theirs_term
    if theirs_loss is None:  # e.g. integer results: then ours must not record a graph either
        for k, o in enumerate(ours):
            if isinstance(o, tinycnn.Tensor) and o.requires_grad:
                raise AssertionError(f"output {k} requires grad in tinycnn but not in torch")
        return ours, theirs
    ours_loss.backward()
    theirs_loss.backward()
    ga = atol if grad_atol is None else grad_atol
    gr = rtol if grad_rtol is None else grad_rtol
    for i, (a, f) in enumerate(zip(arrays, flags)):
        if not f:
            continue
        g_ours, g_theirs = ours_in[i].grad, theirs_in[i].grad
        g_ours = np.zeros_like(a) if g_ours is None else to_numpy(g_ours)
        g_theirs = np.zeros_like(a) if g_theirs is None else to_numpy(g_theirs)
        if g_ours.dtype != a.dtype:
            raise AssertionError(f"gradient of input {i}: dtype {g_ours.dtype}, expected {a.dtype}")
        assert_close(g_ours, g_theirs, ga, gr, f"gradient of input {i}")
    return ours, theirs


def check_batchnorm_kernels(module: Any, shape: tuple[int, int, int], seed: int = 0) -> None:
    """``module``'s batchnorm_stats / _forward / _backward give `tinycnn.kernels.reference`'s
    numbers on float64 data x, gy: (N, C, S) = ``shape`` (training and evaluation)."""
    from tinycnn.kernels import reference  # noqa: PLC0415

    gen = np.random.default_rng(seed)
    x, gy = gen.standard_normal((2, *shape)) * 3 + 1
    mean, invstd, w, b = gen.standard_normal((4, shape[1]))
    for got, want in zip(module.batchnorm_stats(x), reference.batchnorm_stats(x)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    for got, want in zip(module.batchnorm_forward(x, mean, invstd, w, b),
                         reference.batchnorm_forward(x, mean, invstd, w, b)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    xhat = reference.batchnorm_forward(x, mean, invstd, w, b)[1]
    for training in (True, False):
        for got, want in zip(module.batchnorm_backward(gy, xhat, w, training),
                             reference.batchnorm_backward(gy, xhat, w, training)):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
