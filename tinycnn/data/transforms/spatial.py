"""Geometric transforms: resizing, cropping, flipping, rotating (torchvision's names and defaults).

Sizes are ``(height, width)``; an int means a square (``Resize`` is the exception: an int
there is the length of the shorter side). PIL images are resized by PIL itself (it is
fast on large photos); everything else goes through the array kernels of geometry.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from ...tensor import Tensor
from . import geometry
from .base import RandomTransform, Transform
from .images import as_nhwc, batch_shape, is_pil

_PIL_FILTERS = {"bilinear": Image.Resampling.BILINEAR, "nearest": Image.Resampling.NEAREST}


def _size2(size: Any, name: str) -> tuple[int, int]:
    """An int or a (h, w) pair -> (h, w) of positive ints."""
    pair = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    if len(pair) == 1:
        pair = (pair[0], pair[0])
    if len(pair) != 2 or not all(isinstance(s, (int, np.integer)) and s > 0 for s in pair):
        raise ValueError(f"{name}: size must be a positive int or (height, width), got {size!r}")
    return int(pair[0]), int(pair[1])


def _interpolation(mode: str, allowed: Sequence[str]) -> str:
    if mode not in allowed:
        raise ValueError(f"interpolation must be one of {list(allowed)}, got {mode!r}")
    return mode


def _padding4(padding: Any) -> tuple[int, int, int, int]:
    """int, (left/right, top/bottom) or (left, top, right, bottom) -> (l, t, r, b)."""
    p = (padding,) if isinstance(padding, (int, np.integer)) else tuple(padding)
    if len(p) == 1:
        p = p * 4
    elif len(p) == 2:
        p = (p[0], p[1], p[0], p[1])
    if len(p) != 4 or not all(isinstance(v, (int, np.integer)) and v >= 0 for v in p):
        raise ValueError(f"padding must be a non-negative int or a 2- or 4-tuple, got {padding!r}")
    return tuple(int(v) for v in p)


def _check_fits(name: str, crop: tuple[int, int], image: tuple[int, int]) -> None:
    if crop[0] > image[0] or crop[1] > image[1]:
        raise ValueError(f"{name}: crop size {crop} is larger than the image {image}")


class Resize(Transform):
    """Resize to ``size``: ``(h, w)``, or an int: the shorter side becomes ``size`` and the
    aspect ratio is kept (the longer side is capped at ``max_size`` if given).
    ``interpolation``: ``bilinear`` (antialiased when shrinking, as PIL and as torchvision's
    ``antialias=True``) or ``nearest``."""

    def __init__(self, size: int | Sequence[int], interpolation: str = "bilinear",
                 max_size: int | None = None, antialias: bool | None = True) -> None:
        if antialias is False:
            raise ValueError("Resize: antialias=False is not provided; shrinking is always "
                             "antialiased (torchvision's default, antialias=True)")
        pair = _size2(size, "Resize")  # validates
        self.size = int(size) if isinstance(size, (int, np.integer)) else pair
        if max_size is not None and not isinstance(size, (int, np.integer)):
            raise ValueError("Resize: max_size only applies when size is an int")
        self.interpolation = _interpolation(interpolation, ("bilinear", "nearest"))
        self.max_size = max_size

    def output_size(self, h: int, w: int) -> tuple[int, int]:
        """``(out_h, out_w)`` for an ``h x w`` image (torchvision's rule)."""
        if not isinstance(self.size, (int, np.integer)):
            return self.size
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = int(self.size), int(self.size * long / short)
        if self.max_size is not None and new_long > self.max_size:
            new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)

    def forward(self, x: Any, batched: bool) -> Any:
        oh, ow = self.output_size(*batch_shape(x, batched)[1:])
        if is_pil(x):
            return x.resize((ow, oh), _PIL_FILTERS[self.interpolation])
        a, back = as_nhwc(x, batched)
        return back(geometry.resize(a, (oh, ow), mode=self.interpolation))


def _centre(total: int, part: int) -> int:
    """Offset of a centred window (negative when the window is larger: it gets padded)."""
    return -((part - total) // 2) if part > total else int(round((total - part) / 2.0))


class CenterCrop(Transform):
    """The central ``size`` window; zero padding where the image is smaller."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _size2(size, "CenterCrop")

    def forward(self, x: Any, batched: bool) -> Any:
        (h, w), (_, H, W) = self.size, batch_shape(x, batched)
        a, back = as_nhwc(x, batched)
        return back(geometry.crop(a, _centre(H, h), _centre(W, w), h, w))


class Pad(Transform):
    """Add borders: ``padding`` is an int, (left/right, top/bottom) or (left, top, right,
    bottom); ``padding_mode`` ``constant`` (with ``fill``), ``edge``, ``reflect``, ``symmetric``."""

    def __init__(self, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> None:
        self.padding = _padding4(padding)
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"padding_mode must be constant, edge, reflect or symmetric, got {padding_mode!r}")
        self.fill = fill
        self.padding_mode = padding_mode

    def forward(self, x: Any, batched: bool) -> Any:
        a, back = as_nhwc(x, batched)
        return back(geometry.pad(a, *self.padding, fill=self.fill, mode=self.padding_mode))


class RandomCrop(RandomTransform):
    """A ``size`` window at a random place, after optional ``padding`` (as `Pad`).
    ``pad_if_needed`` pads images smaller than ``size`` (torchvision's rule)."""

    def __init__(self, size: int | Sequence[int], padding: Any = None, pad_if_needed: bool = False,
                 fill: Any = 0, padding_mode: str = "constant") -> None:
        self.size = _size2(size, "RandomCrop")
        self._pad = Pad(0 if padding is None else padding, fill, padding_mode)
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    def padding_for(self, H: int, W: int) -> tuple[int, int, int, int]:
        """``(left, top, right, bottom)`` padding for an ``H x W`` image."""
        l, t, r, b = self._pad.padding
        if self.pad_if_needed:
            extra_w = max(0, self.size[1] - (W + l + r))
            extra_h = max(0, self.size[0] - (H + t + b))
            l, r, t, b = l + extra_w, r + extra_w, t + extra_h, b + extra_h
        return l, t, r, b

    def draw(self, n: int, size: tuple[int, int], gen: np.random.Generator) -> dict[str, np.ndarray]:
        l, t, r, b = self.padding_for(*size)
        padded = (size[0] + t + b, size[1] + l + r)
        _check_fits("RandomCrop", self.size, padded)
        return {"top": gen.integers(0, padded[0] - self.size[0] + 1, n),
                "left": gen.integers(0, padded[1] - self.size[1] + 1, n)}

    def apply(self, x: Any, params: dict[str, np.ndarray], batched: bool = False) -> Any:
        a, back = as_nhwc(x, batched)
        l, t, r, b = self.padding_for(a.shape[1], a.shape[2])
        if l or t or r or b:
            a = geometry.pad(a, l, t, r, b, fill=self.fill, mode=self.padding_mode)
        return back(geometry.crop(a, params["top"], params["left"], *self.size))


class RandomResizedCrop(RandomTransform):
    """A random crop (area a ``scale`` fraction of the image, aspect ratio in ``ratio``),
    resized to ``size``: the Inception / ImageNet training augmentation."""

    def __init__(self, size: int | Sequence[int], scale: tuple[float, float] = (0.08, 1.0),
                 ratio: tuple[float, float] = (3 / 4, 4 / 3), interpolation: str = "bilinear",
                 antialias: bool | None = True) -> None:
        if antialias is False:
            raise ValueError("RandomResizedCrop: antialias=False is not provided; shrinking "
                             "is always antialiased (torchvision's default)")
        self.size = _size2(size, "RandomResizedCrop")
        if not (0 < scale[0] <= scale[1] <= 1) or not (0 < ratio[0] <= ratio[1]):
            raise ValueError(f"RandomResizedCrop: need 0 < scale[0] <= scale[1] <= 1 and "
                             f"0 < ratio[0] <= ratio[1], got scale={scale}, ratio={ratio}")
        self.scale = tuple(scale)
        self.ratio = tuple(ratio)
        self.interpolation = _interpolation(interpolation, ("bilinear", "nearest"))

    def draw(self, n: int, size: tuple[int, int], gen: np.random.Generator) -> dict[str, np.ndarray]:
        H, W = size
        tries = 10  # torchvision's: take the first of 10 draws that fits, else a centre crop
        area = H * W * gen.uniform(*self.scale, size=(n, tries))
        aspect = np.exp(gen.uniform(math.log(self.ratio[0]), math.log(self.ratio[1]), size=(n, tries)))
        w = np.rint(np.sqrt(area * aspect)).astype(np.int64)
        h = np.rint(np.sqrt(area / aspect)).astype(np.int64)
        fits = (w > 0) & (w <= W) & (h > 0) & (h <= H)
        first = fits.argmax(axis=1)
        h, w = h[np.arange(n), first], w[np.arange(n), first]
        u = gen.random((2, n))
        top = np.floor(u[0] * (H - h + 1)).astype(np.int64)
        left = np.floor(u[1] * (W - w + 1)).astype(np.int64)
        # fallback: the largest centred crop with the aspect ratio clamped into `ratio`
        fw, fh = W, H
        if W / H < self.ratio[0]:
            fh = int(round(W / self.ratio[0]))
        elif W / H > self.ratio[1]:
            fw = int(round(H * self.ratio[1]))
        none = ~fits.any(axis=1)
        h[none], w[none], top[none], left[none] = fh, fw, (H - fh) // 2, (W - fw) // 2
        return {"top": top, "left": left, "height": h, "width": w}

    def apply(self, x: Any, params: dict[str, np.ndarray], batched: bool = False) -> Any:
        oh, ow = self.size
        if is_pil(x):
            t, l, h, w = (int(params[k][0]) for k in ("top", "left", "height", "width"))
            return x.crop((l, t, l + w, t + h)).resize((ow, oh), _PIL_FILTERS[self.interpolation])
        a, back = as_nhwc(x, batched)
        boxes = (params["top"], params["left"], params["height"], params["width"])
        return back(geometry.resize(a, (oh, ow), boxes=boxes, mode=self.interpolation))


class RandomHorizontalFlip(RandomTransform):
    """Mirror left-right with probability ``p``."""

    axis = 2  # W in (N, H, W, C)

    def __init__(self, p: float = 0.5) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"p must be a probability in [0, 1], got {p}")
        self.p = p

    def draw(self, n: int, size: tuple[int, int], gen: np.random.Generator) -> dict[str, np.ndarray]:
        return {"flip": gen.random(n) < self.p}

    def apply(self, x: Any, params: dict[str, np.ndarray], batched: bool = False) -> Any:
        a, back = as_nhwc(x, batched)
        return back(geometry.flip(a, params["flip"], self.axis))


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability ``p``."""

    axis = 1  # H in (N, H, W, C)


class RandomRotation(RandomTransform):
    """Rotate counter-clockwise by an angle drawn from ``degrees`` (``d`` means ``(-d, d)``)
    about ``center`` (the image centre by default); uncovered corners are ``fill``."""

    def __init__(self, degrees: float | Sequence[float], interpolation: str = "nearest",
                 center: Sequence[float] | None = None, fill: Any = 0) -> None:
        if isinstance(degrees, (int, float, np.number)):
            if degrees < 0:
                raise ValueError(f"RandomRotation: degrees must be non-negative, got {degrees}")
            degrees = (-degrees, degrees)
        if len(degrees) != 2 or degrees[0] > degrees[1]:
            raise ValueError(f"RandomRotation: degrees must be a number or (min, max), got {degrees}")
        self.degrees = (float(degrees[0]), float(degrees[1]))
        self.interpolation = _interpolation(interpolation, ("nearest", "bilinear"))
        self.center = None if center is None else (float(center[0]), float(center[1]))
        self.fill = fill

    def draw(self, n: int, size: tuple[int, int], gen: np.random.Generator) -> dict[str, np.ndarray]:
        return {"angle": gen.uniform(*self.degrees, size=n)}

    def apply(self, x: Any, params: dict[str, np.ndarray], batched: bool = False) -> Any:
        a, back = as_nhwc(x, batched)
        return back(geometry.rotate(a, params["angle"], self.interpolation, self.center, self.fill))


class Crops(tuple):
    """The crops of one image (what `FiveCrop` / `TenCrop` give): the DataLoader stacks
    them into one field ``(N, n_crops, ...)``, where another tuple is split into fields."""


class FiveCrop(Transform):
    """The four corner crops and the centre crop of ``size``.

    One image gives a tuple of 5 images (top-left, top-right, bottom-left, bottom-right,
    centre). A batch gives an array ``(N, 5, h, w, C)`` or a Tensor ``(N, 5, C, h, w)``.
    `ToTensor` turns a tuple of crops into one Tensor ``(5, C, h, w)``; see
    `tinycnn.data.tencrop_predict` to average a model's predictions over the crops.
    """

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _size2(size, type(self).__name__)

    def crops(self, a: np.ndarray) -> list[np.ndarray]:
        """The crops of a channels-last batch, each ``(N, h, w, C)``."""
        (h, w), (H, W) = self.size, a.shape[1:3]
        _check_fits(type(self).__name__, self.size, (H, W))
        corners = [(0, 0), (0, W - w), (H - h, 0), (H - h, W - w), (_centre(H, h), _centre(W, w))]
        return [geometry.crop(a, t, l, h, w) for t, l in corners]

    def forward(self, x: Any, batched: bool) -> Any:
        a, back = as_nhwc(x, batched)
        crops = self.crops(a)
        if not batched:
            return Crops(back(c) for c in crops)
        out = np.stack(crops, axis=1)  # (N, K, h, w, C), channel axis kept even for grey
        return Tensor(np.moveaxis(out, -1, -3)) if isinstance(x, Tensor) else out


class TenCrop(FiveCrop):
    """`FiveCrop` of the image and of its mirror image (left-right, or top-bottom with
    ``vertical_flip=True``): 10 crops, the usual test-time augmentation."""

    def __init__(self, size: int | Sequence[int], vertical_flip: bool = False) -> None:
        super().__init__(size)
        self.vertical_flip = vertical_flip

    def crops(self, a: np.ndarray) -> list[np.ndarray]:
        mirrored = geometry.flip(a, np.ones(len(a), dtype=bool), 1 if self.vertical_flip else 2)
        return super().crops(a) + super().crops(mirrored)


class RandomAffine(RandomTransform):
    """Rotate by an angle from ``degrees``, move by up to ``translate = (fx, fy)`` of the
    width and height, scale by a factor from ``scale = (lo, hi)`` and shear by angles from
    ``shear`` (``s``, ``(lo, hi)`` along x, or ``(xlo, xhi, ylo, yhi)``), about the
    image centre; uncovered pixels are ``fill`` (as torchvision's)."""

    def __init__(self, degrees: float | Sequence[float], translate: Sequence[float] | None = None,
                 scale: Sequence[float] | None = None, shear: Any = None,
                 interpolation: str = "nearest", fill: Any = 0) -> None:
        self.degrees = _symmetric(degrees, "degrees")
        if translate is not None and not all(0 <= t <= 1 for t in translate):
            raise ValueError(f"RandomAffine: translate values must be in [0, 1], got {translate}")
        if scale is not None and not 0 < scale[0] <= scale[1]:
            raise ValueError(f"RandomAffine: scale must be (lo, hi) with 0 < lo <= hi, got {scale}")
        self.translate, self.scale = translate, scale
        if shear is None or isinstance(shear, (int, float, np.number)):
            shear = (0.0, 0.0) if shear is None else _symmetric(shear, "shear")
        self.shear = tuple(float(s) for s in shear) + (0.0, 0.0)[: 4 - len(shear)]
        self.interpolation = _interpolation(interpolation, ("nearest", "bilinear"))
        self.fill = fill

    def draw(self, n: int, size: tuple[int, int], gen: np.random.Generator) -> dict[str, np.ndarray]:
        h, w = size
        fx, fy = self.translate if self.translate is not None else (0.0, 0.0)
        return {"angle": gen.uniform(*self.degrees, size=n),
                "translate": np.round(np.stack([gen.uniform(-fx * w, fx * w, size=n),
                                                gen.uniform(-fy * h, fy * h, size=n)], 1)),
                "scale": gen.uniform(*self.scale, size=n) if self.scale else np.ones(n),
                "shear": np.stack([gen.uniform(*self.shear[:2], size=n),
                                   gen.uniform(*self.shear[2:], size=n)], 1)}

    def apply(self, x: Any, params: dict[str, np.ndarray], batched: bool = False) -> Any:
        a, back = as_nhwc(x, batched)
        return back(geometry.affine(a, params["angle"], params["translate"], params["scale"],
                                    params["shear"], self.interpolation, self.fill))


def _symmetric(value: Any, name: str) -> tuple[float, float]:
    """``v`` as ``(-v, v)``, or an explicit ``(min, max)``."""
    if isinstance(value, (int, float, np.number)):
        if value < 0:
            raise ValueError(f"{name} must be non-negative, got {value}")
        return (-float(value), float(value))
    if len(value) not in (2, 4) or value[0] > value[1]:
        raise ValueError(f"{name} must be a number or (min, max), got {value}")
    return tuple(float(v) for v in value)
