"""The transform protocol, and the transforms that are not geometry or colour.

Every transform works two ways:

* ``t(img)`` transforms one image (a PIL image, an array ``(H, W[, C])`` or a Tensor
  ``(C, H, W)``), as in torchvision. A tuple or list of images (the crops of `TenCrop`)
  is transformed element by element.
* ``t.batch(x)`` transforms a whole batch at once (an array ``(N, H, W[, C])`` or a
  Tensor ``(N, C, H, W)``) with array operations, so an epoch of CIFAR-10 does not pay
  50,000 Python calls per transform. The in-memory datasets and
  ``DataLoader(batch_transform=...)`` use it.

Random transforms split the work in two so that both ways can be checked against each
other: ``draw(n, size, gen)`` draws the parameters of ``n`` images (a dict of ``(n,)``
arrays), ``apply(x, params, batched)`` applies given parameters. They draw from
``tinycnn.backend.rng("cpu")`` (seeded by ``tinycnn.manual_seed``), or from the
generator the DataLoader installs for the batch being built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image

from ... import backend
from ...tensor import Tensor
from .. import _rng
from .images import as_nhwc, batch_shape, is_pil, stack, unstack


class Transform:
    """Base class: subclasses implement ``forward(x, batched)``."""

    def __call__(self, img: Any) -> Any:
        if isinstance(img, (tuple, list)):
            return type(img)(self(i) for i in img)
        return self.forward(img, batched=False)

    def batch(self, x: Any) -> Any:
        """Transform a batch ``(N, H, W[, C])`` array or ``(N, C, H, W)`` Tensor."""
        return self.forward(x, batched=True)

    def forward(self, x: Any, batched: bool) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class RandomTransform(Transform):
    """A transform with random parameters: ``draw`` them, then ``apply`` them."""

    def draw(self, n: int, size: tuple[int, int], gen: np.random.Generator) -> dict[str, np.ndarray]:
        """Parameters for ``n`` images of ``size = (H, W)``: a dict of ``(n, ...)`` arrays."""
        raise NotImplementedError

    def apply(self, x: Any, params: dict[str, np.ndarray], batched: bool = False) -> Any:
        """``x`` (one image, or a batch when ``batched``) transformed with ``params``."""
        raise NotImplementedError

    def forward(self, x: Any, batched: bool) -> Any:
        n, h, w = batch_shape(x, batched)
        return self.apply(x, self.draw(n, (h, w), _rng.generator()), batched)


def apply_batch(transform: Callable, x: Any) -> Any:
    """``transform`` applied to a batch: its ``batch`` method when it has one, otherwise
    one call per image (any callable works, only slower) and the results stacked."""
    if hasattr(transform, "batch"):
        return transform.batch(x)
    return stack([transform(img) for img in unstack(x)])


class Compose(Transform):
    """Apply ``transforms`` one after the other (per image or per batch)."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def batch(self, x: Any) -> Any:
        for t in self.transforms:
            x = apply_batch(t, x)
        return x

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class RandomApply(Transform):
    """Apply ``transforms`` (in order) to each image with probability ``p``, else leave it.

    Report 003 augments each image with probability 0.5 per epoch: ``RandomApply([
    ColorJitter(0.4, 0.4, 0.4), RandomRotation(20)], p=0.5)``. In ``batch`` one draw per
    image picks the images to change, and only those go through the transforms (whose
    output must keep the batch's shape and dtype).
    """

    def __init__(self, transforms: Sequence[Callable] | Callable, p: float = 0.5) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"RandomApply: p must be a probability in [0, 1], got {p}")
        self.transforms = list(transforms) if isinstance(transforms, (list, tuple)) else [transforms]
        self.p = p

    def __call__(self, img: Any) -> Any:
        if _rng.generator().random() >= self.p:
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def batch(self, x: Any) -> Any:
        n = batch_shape(x, True)[0]
        pick = _rng.generator().random(n) < self.p
        if not pick.any():
            return x
        arr = x._data if isinstance(x, Tensor) else np.asarray(x)
        sub = Tensor(arr[pick]) if isinstance(x, Tensor) else arr[pick]
        for t in self.transforms:
            sub = apply_batch(t, sub)
        sub = sub._data if isinstance(sub, Tensor) else np.asarray(sub)
        if sub.shape[1:] != arr.shape[1:] or sub.dtype != arr.dtype:
            raise ValueError(f"RandomApply: the transforms turned images of shape {arr.shape[1:]} "
                             f"and dtype {arr.dtype} into {sub.shape[1:]} and {sub.dtype}; "
                             "in a batch they must keep both")
        out = arr.copy()
        out[pick] = sub
        return Tensor(out) if isinstance(x, Tensor) else out


class Lambda(Transform):
    """Apply a function ``fn(img)``; ``batch`` calls it once per image and stacks.

    With ``batched=True``, ``fn`` receives whole batches in ``batch`` instead (and still
    single images in ``t(img)``): use it when ``fn`` is written with array operations.
    """

    def __init__(self, fn: Callable[[Any], Any], batched: bool = False) -> None:
        if not callable(fn):
            raise TypeError(f"Lambda expects a callable, got {type(fn).__name__}")
        self.fn = fn
        self.batched = batched

    def __call__(self, img: Any) -> Any:
        return self.fn(img)

    def batch(self, x: Any) -> Any:
        return self.fn(x) if self.batched else stack([self.fn(img) for img in unstack(x)])


def _to_chw_float(a: np.ndarray) -> np.ndarray:
    """Channels-last ``(..., H, W, C)`` -> contiguous float32 ``(..., C, H, W)``; uint8 / 255."""
    view = np.moveaxis(a, -1, -3)
    out = np.empty(view.shape, dtype=np.float32)
    if a.dtype == np.uint8:
        np.divide(view, np.float32(255), out=out)
    else:
        out[...] = view
    return out


class ToTensor(Transform):
    """PIL image or array ``(H, W[, C])`` -> float32 Tensor ``(C, H, W)``; uint8 values
    are divided by 255 (to [0, 1]), float arrays keep their values.

    ``batch``: array ``(N, H, W[, C])`` (or ``(N, K, H, W, C)`` after `TenCrop`) ->
    Tensor ``(N, C, H, W)`` (``(N, K, C, H, W)``). A tuple of crops gives ``(K, C, H, W)``.
    """

    def __call__(self, img: Any) -> Tensor:
        if isinstance(img, (tuple, list)):
            return stack([self(i) for i in img])
        return self.forward(img, batched=False)

    def forward(self, x: Any, batched: bool) -> Tensor:
        if isinstance(x, Tensor):
            raise TypeError("ToTensor expects a PIL image or an array (H, W[, C]); "
                            "got a Tensor (it is converted already)")
        a = np.asarray(x) if is_pil(x) or isinstance(x, np.ndarray) else None
        if a is None or a.dtype.kind not in "uifb":
            raise TypeError(f"ToTensor expects a PIL image or a numeric array, got {type(x).__name__}")
        if a.ndim == (3 if batched else 2):  # no channel axis: one channel
            a = a[..., None]
        if a.ndim < (4 if batched else 3):
            raise ValueError(f"ToTensor expects {'(N, H, W[, C])' if batched else '(H, W[, C])'}, "
                             f"got shape {a.shape}")
        return Tensor(_to_chw_float(a))


class ToPILImage(Transform):
    """Tensor ``(C, H, W)`` in [0, 1] or uint8 array ``(H, W[, C])`` -> PIL image (to look at)."""

    def forward(self, x: Any, batched: bool) -> Image.Image:
        if batched:
            raise TypeError("ToPILImage makes one image; call it per image")
        if isinstance(x, Tensor):
            a, _ = as_nhwc(x, batched=False)
            x = np.clip(np.rint(a[0] * 255), 0, 255).astype(np.uint8)
        a = np.asarray(x)
        if a.dtype != np.uint8:
            raise TypeError(f"ToPILImage expects a uint8 array or a float Tensor, got dtype {a.dtype}")
        return Image.fromarray(a[..., 0] if a.ndim == 3 and a.shape[-1] == 1 else a)


class Normalize(Transform):
    """``(x - mean) / std`` per channel of a float Tensor ``(..., C, H, W)``.

    Works the same on one image and on a batch (on the CPU or the GPU).
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = tuple(float(m) for m in np.atleast_1d(mean))
        self.std = tuple(float(s) for s in np.atleast_1d(std))
        if len(self.mean) != len(self.std):
            raise ValueError(f"Normalize: mean has {len(self.mean)} values, std {len(self.std)}")
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std must be non-zero, got {self.std}")
        self.inplace = inplace

    def forward(self, x: Any, batched: bool) -> Tensor:
        if not isinstance(x, Tensor) or x.dtype.kind != "f":
            raise TypeError("Normalize expects a float Tensor (C, H, W) or (N, C, H, W): "
                            f"apply ToTensor first (got {type(x).__name__})")
        if x.ndim < 3 or len(self.mean) not in (1, x.shape[-3]):
            raise ValueError(f"Normalize: {len(self.mean)} means for a tensor of shape {x.shape} "
                             "(expected (..., C, H, W) with one mean and std per channel)")
        d = x._data
        xp = backend.array_module(d)  # NumPy or CuPy
        mean = xp.asarray(self.mean, dtype=d.dtype)[:, None, None]
        std = xp.asarray(self.std, dtype=d.dtype)[:, None, None]
        if self.inplace:
            d -= mean
            d /= std
            return x
        return Tensor((d - mean) / std)
