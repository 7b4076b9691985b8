"""Optimizer updates on the CPU: Adam's whole step in one pass (numba)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import prange

from .runtime import _run, kernel

Pair = tuple[int, int]


# --- Adam ---------------------------------------------------------------------------------------
# The whole update in one pass over the five arrays (`tinycnn.optim.Adam` makes 13); the
# same operations in the same order, in the arrays' dtype, so the results match NumPy's.


# No serial twin: as a plain loop it does not vectorize (arrays that may alias), the
# parallel version's body is compiled with its arrays marked as not aliasing.
@kernel(cost=4, twin=False)
def _adam(p, g, m, v, vmax, amsgrad, one_minus_b1, b2, one_minus_b2, step_size, bias2,
          eps):  # pragma: no cover - numba
    for k in prange(p.size):
        gk = g[k]
        mk = m[k] + (gk - m[k]) * one_minus_b1
        m[k] = mk
        vk = v[k] * b2 + gk * gk * one_minus_b2
        v[k] = vk
        if amsgrad:
            vk = max(vmax[k], vk)
            vmax[k] = vk
        p[k] -= mk / (np.sqrt(vk) / bias2 + eps) * step_size


def adam_update(p: Any, g: Any, m: Any, v: Any, vmax: Any, beta1: float, beta2: float,
                step_size: float, bias2: float, eps: float) -> bool:
    """One Adam step in place on p, m, v (and vmax, the AMSGrad maximum, unless None);
    see `tinycnn.optim.Adam`. Returns False, touching nothing, unless every array is a
    C-contiguous NumPy array of p's dtype (the caller then runs its NumPy passes)."""
    arrays = (p, g, m, v) if vmax is None else (p, g, m, v, vmax)
    if not all(isinstance(a, np.ndarray) and a.flags.c_contiguous and a.dtype == p.dtype
               and a.size == p.size for a in arrays):
        return False
    t = p.dtype.type
    flat = [a.reshape(-1) for a in arrays]
    _run(_adam, p.size, *flat[:4], flat[4] if vmax is not None else flat[3], vmax is not None,
         t(1 - beta1), t(beta2), t(1 - beta2), t(step_size), t(bias2), t(eps))
    return True

