"""Numerical gradient checking: compare backward against central differences in float64.

For a function ``f`` of tensors, take the scalar ``L = sum(f(x) * r)`` with a fixed
random ``r``. Backward gives ``dL/dx`` analytically. Numerically, for each element
``x_i``: ``(L(x_i + eps) - L(x_i - eps)) / (2 eps)``. They must agree within
``atol + rtol * |numeric|``. Large inputs also get a random-direction check: the
directional derivative ``(L(x + eps d) - L(x - eps d)) / (2 eps)`` must equal
``sum(grad * d)`` (Chainer's ``check_backward``), which catches errors spread thinly
over many elements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import backend
from .autograd import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message says where and by how much."""


def _outputs(out: Any) -> list[Tensor]:
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return [o for o in outs if isinstance(o, Tensor) and o.dtype.kind == "f"]


def gradcheck(fn: Callable[..., Any], inputs: Sequence[Any] | Any, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0,
              directional_threshold: int = 64) -> bool:
    """Check ``fn``'s gradients w.r.t. every floating tensor in ``inputs`` that requires grad.

    Inputs are copied to float64 (on their device) first. Every element is checked;
    inputs with more than ``directional_threshold`` elements also get a random-direction
    check. Returns True, or raises `GradcheckError` naming the input index, the element,
    and the analytic and numeric values.
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    args = []
    for a in inputs:
        if isinstance(a, Tensor) and a.dtype.kind == "f":
            args.append(Tensor(a._data.astype(np.float64), requires_grad=a.requires_grad))
        else:
            args.append(a)
    checked = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input tensor has requires_grad=True")

    gen = np.random.default_rng(seed)
    outs = _outputs(fn(*args))
    if not outs:
        raise ValueError("gradcheck: fn returned no floating point tensor")
    weights = [gen.standard_normal(o.shape) for o in outs]
    weights = [backend.to_device(w, o.device) for w, o in zip(weights, outs)]

    def loss() -> float:
        with no_grad():
            vals = _outputs(fn(*args))
        return float(sum(backend.as_numpy((v._data * w).sum()) for v, w in zip(vals, weights)))

    # analytic: backward of sum(out * w)
    total = None
    for o, w in zip(outs, weights):
        if not o.requires_grad:
            continue
        term = (o * Tensor(w)).sum()
        total = term if total is None else total + term
    analytic = []
    if total is not None:
        total.backward()
    for i in checked:
        g = args[i].grad
        xp = backend.array_module(args[i]._data)
        analytic.append(backend.as_numpy(g._data if g is not None else xp.zeros(args[i].shape)))

    for k, i in enumerate(checked):
        x = args[i]._data
        flat = x.reshape(-1)  # a view: writing into it perturbs the input in place
        numeric = np.empty(flat.size)
        for j in range(flat.size):
            orig = flat[j].item()
            flat[j] = orig + eps
            up = loss()
            flat[j] = orig - eps
            down = loss()
            flat[j] = orig
            numeric[j] = (up - down) / (2 * eps)
        a = analytic[k].reshape(-1)
        # written as "not within" so that a nan on either side counts as a failure
        bad = ~(np.abs(a - numeric) <= atol + rtol * np.abs(numeric))
        if bad.any():
            j = int(np.argmax(bad))
            idx = np.unravel_index(j, x.shape) if x.ndim else ()
            raise GradcheckError(
                f"gradcheck failed for input {i} (shape {tuple(x.shape)}) at element "
                f"{tuple(int(v) for v in idx)}: analytic {a[j]:.8g} vs numeric "
                f"{numeric[j]:.8g} ({int(bad.sum())} of {a.size} elements disagree)"
            )
        if flat.size > directional_threshold:
            d = gen.standard_normal(x.shape)
            dd = backend.to_device(d, backend.device_of(x))
            x += eps * dd
            up = loss()
            x -= 2 * eps * dd
            down = loss()
            x += eps * dd
            num = (up - down) / (2 * eps)
            ana = float((analytic[k] * d).sum())
            # the same tolerance as one element: small errors of many elements add up here
            if not abs(ana - num) <= atol + rtol * abs(num):
                raise GradcheckError(
                    f"gradcheck failed for input {i} (shape {tuple(x.shape)}) in a random "
                    f"direction: analytic {ana:.8g} vs numeric {num:.8g}"
                )
    return True
