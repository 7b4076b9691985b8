"""Runs one snippet of PyTorch code under ``torch`` and under ``tinycnn`` and compares.

A snippet is plain PyTorch code that leaves its result in ``out``. It runs twice, once with
the names below bound to PyTorch and once bound to tinycnn (``import tinycnn as torch``,
...), each time after ``manual_seed(0)``. The two ``out`` values are reduced to plain data
(:func:`describe`: tensors to dtype, shape and values; named tuples to their fields;
modules to their class name) and must agree, values to a float tolerance. If one run
raises, the other must raise too.

Names a snippet can use: ``torch``, ``nn``, ``F``, ``optim``, ``lr_scheduler``, ``data``
(``torch.utils.data``), ``DataLoader``, ``TensorDataset``, ``random_split``, ``Subset``,
``T`` (``torchvision.transforms``; on the PyTorch side a snippet gives its own PyTorch
version of a transform as the third field of its case, since torchvision is not needed),
``np``, ``math``, ``OrderedDict``, ``tmp`` (an empty folder), and ``fill(model)``, which
gives every parameter the same values under both libraries.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from collections import OrderedDict
from pathlib import Path
from types import SimpleNamespace

import numpy as np

RTOL, ATOL = 1e-4, 1e-5


def _torch_names() -> dict:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.optim as optim
    import torch.utils.data as data
    from torch.optim import lr_scheduler

    def fill(model):
        with torch.no_grad():
            for i, p in enumerate(model.parameters()):
                p.copy_(torch.from_numpy(_values(p.shape, i)))
        return model

    return dict(torch=torch, nn=nn, F=F, optim=optim, lr_scheduler=lr_scheduler, data=data,
                fill=fill, T=SimpleNamespace())


def _tinycnn_names() -> dict:
    import tinycnn.utils.data as data

    import tinycnn as torch
    import tinycnn.data.transforms as T
    import tinycnn.nn as nn
    import tinycnn.nn.functional as F
    import tinycnn.optim as optim
    from tinycnn.optim import lr_scheduler

    def fill(model):
        for i, p in enumerate(model.parameters()):
            p._data[...] = _values(p.shape, i)
        return model

    return dict(torch=torch, nn=nn, F=F, optim=optim, lr_scheduler=lr_scheduler, data=data,
                fill=fill, T=T)


def _values(shape, i: int) -> np.ndarray:
    """Deterministic parameter values in [-0.5, 0.5], different for each parameter."""
    n = int(np.prod(shape))
    return (((np.arange(n) * 7 + i * 3) % 11) / 10.0 - 0.5).astype(np.float32).reshape(shape)


def run(code: str, lib: str) -> tuple[str, object]:
    """Run ``code`` with ``lib`` ('torch' or 'tinycnn'); ('ok', out) or ('raised', exception)."""
    names = _torch_names() if lib == "torch" else _tinycnn_names()
    names["torch"].manual_seed(0)
    np.random.seed(0)
    d = names["data"]
    with tempfile.TemporaryDirectory() as tmp:
        names.update(np=np, math=math, OrderedDict=OrderedDict, tmp=Path(tmp),
                     DataLoader=d.DataLoader, TensorDataset=d.TensorDataset,
                     random_split=d.random_split, Subset=d.Subset)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(code, names)
                return "ok", describe(names["out"])
        except Exception as exc:  # noqa: BLE001 - any exception is a result to compare
            return "raised", exc


def describe(x) -> object:
    """``x`` as plain data: tensors to ('tensor', dtype, shape, requires_grad, values)."""
    if hasattr(x, "detach") and hasattr(x, "shape") and hasattr(x, "dtype"):
        values = np.asarray(x.detach().cpu().numpy())
        return ("tensor", _dtype_name(x.dtype), tuple(x.shape), bool(x.requires_grad), values)
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.name, x.shape, x)
    if isinstance(x, (bool, int, float, str, type(None))):
        return x
    if isinstance(x, np.generic):
        return ("numpy scalar", x.dtype.name, x.item())
    if hasattr(x, "values") and hasattr(x, "indices") and isinstance(x, tuple):
        return ("values, indices", describe(x.values), describe(x.indices))
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return ("namedtuple", tuple(x._fields), [describe(v) for v in x])
    if isinstance(x, (tuple, list)):
        return [describe(v) for v in x]
    if isinstance(x, dict):
        return ("dict", [(k, describe(v)) for k, v in x.items()])
    if _is_dtype(x):
        return ("dtype", _dtype_name(x))
    return ("object", type(x).__name__)


def _is_dtype(x) -> bool:
    if type(x).__name__ == "dtype" and type(x).__module__ == "torch":
        return True
    return isinstance(x, np.dtype) or (isinstance(x, type) and issubclass(x, np.generic))


def _dtype_name(dtype) -> str:
    if type(dtype).__module__ == "torch":
        return str(dtype).replace("torch.", "")
    return np.dtype(dtype).name


def same(a, b) -> bool:
    """Whether two :func:`describe` results agree (floats to RTOL/ATOL)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return False
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            return bool(np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))
        return bool(np.array_equal(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(u, v) for u, v in zip(a, b))
    return a == b


def compare(case: tuple) -> str | None:
    """None when ``case`` = (name, code[, torch_code]) agrees, else what differs."""
    code = case[1]
    torch_code = case[2] if len(case) > 2 else code
    (kt, vt), (kc, vc) = run(torch_code, "torch"), run(code, "tinycnn")
    if kt == kc == "raised":
        return None
    if kt != kc:
        what = vt if kt == "raised" else vc
        return f"torch {kt}, tinycnn {kc}: {type(what).__name__}: {what}"
    if not same(vt, vc):
        return f"results differ:\n  torch   {_short(vt)}\n  tinycnn {_short(vc)}"
    return None


def _short(x) -> str:
    text = repr(x).replace("\n", " ")
    return text if len(text) < 400 else text[:400] + "..."
