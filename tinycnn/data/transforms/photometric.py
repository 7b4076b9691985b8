"""Colour transforms: ColorJitter and Grayscale (torchvision's names, defaults and formulas)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import color, geometry
from .base import RandomTransform, Transform
from .images import as_nhwc, from_float, to_float


def _factor_range(value: Any, name: str, centre: float, limits: tuple[float, float]) -> tuple | None:
    """torchvision's rule: ``v`` -> ``(centre - v, centre + v)`` clipped to ``limits``, or a
    ``(min, max)`` pair inside ``limits``; 0 (no change) -> None."""
    if isinstance(value, (int, float, np.number)):
        if value < 0:
            raise ValueError(f"ColorJitter: {name} must be non-negative, got {value}")
        if value == 0:
            return None
        value = (max(centre - value, limits[0]), centre + value)
    lo, hi = (float(v) for v in value)
    if not limits[0] <= lo <= hi <= limits[1]:
        raise ValueError(f"ColorJitter: {name} range must lie in {list(limits)}, got {(lo, hi)}")
    return None if lo == hi == centre else (lo, hi)


class ColorJitter(RandomTransform):
    """Random brightness, contrast, saturation and hue changes, in a random order per image.

    Each argument ``v`` draws a factor from ``[max(0, 1 - v), 1 + v]`` (hue: a shift in
    ``[-v, v]`` of a turn, ``v <= 0.5``), or from an explicit ``(min, max)``.
    """

    ops = (("brightness", color.adjust_brightness), ("contrast", color.adjust_contrast),
           ("saturation", color.adjust_saturation), ("hue", color.adjust_hue))

    def __init__(self, brightness: Any = 0, contrast: Any = 0, saturation: Any = 0,
                 hue: Any = 0) -> None:
        inf = float("inf")
        self.brightness = _factor_range(brightness, "brightness", 1.0, (0.0, inf))
        self.contrast = _factor_range(contrast, "contrast", 1.0, (0.0, inf))
        self.saturation = _factor_range(saturation, "saturation", 1.0, (0.0, inf))
        self.hue = _factor_range(hue, "hue", 0.0, (-0.5, 0.5))

    def draw(self, n: int, size: tuple[int, int], gen: np.random.Generator) -> dict[str, np.ndarray]:
        params = {"order": np.argsort(gen.random((n, 4)), axis=1)}  # a permutation per image
        for name, _ in self.ops:
            r = getattr(self, name)
            params[name] = gen.uniform(*r, size=n) if r is not None else np.full(n, np.nan)
        return params

    def apply(self, x: Any, params: dict[str, np.ndarray], batched: bool = False) -> Any:
        a, back = as_nhwc(x, batched)
        out, bound = to_float(a)
        # Step k applies, to each image, the adjustment that image's order puts k-th.
        for step in range(4):
            for j, (name, adjust) in enumerate(self.ops):
                chosen = params["order"][:, step] == j
                if getattr(self, name) is not None and chosen.any():
                    out[chosen] = adjust(out[chosen], params[name][chosen], bound)
        return back(from_float(out, a))


class Grayscale(Transform):
    """RGB -> grey (luma 0.299 R + 0.587 G + 0.114 B), with 1 or 3 identical channels."""

    def __init__(self, num_output_channels: int = 1) -> None:
        if num_output_channels not in (1, 3):
            raise ValueError(f"num_output_channels must be 1 or 3, got {num_output_channels}")
        self.num_output_channels = num_output_channels

    def forward(self, x: Any, batched: bool) -> Any:
        a, back = as_nhwc(x, batched)
        grey = color.grayscale(to_float(a)[0])
        grey = np.repeat(grey, self.num_output_channels, axis=-1)
        return back(from_float(grey, a))


class RandomGrayscale(RandomTransform):
    """Turn each image grey with probability ``p``, keeping its number of channels."""

    def __init__(self, p: float = 0.1) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"RandomGrayscale: p must be a probability in [0, 1], got {p}")
        self.p = p

    def draw(self, n: int, size: tuple[int, int], gen: np.random.Generator) -> dict[str, np.ndarray]:
        return {"grey": gen.random(n) < self.p}

    def apply(self, x: Any, params: dict[str, np.ndarray], batched: bool = False) -> Any:
        a, back = as_nhwc(x, batched)
        pick = params["grey"]
        if not pick.any() or a.shape[-1] != 3:
            return x
        out = to_float(a)[0]
        out[pick] = np.repeat(color.grayscale(out[pick]), 3, axis=-1)
        return back(from_float(out, a))


class GaussianBlur(RandomTransform):
    """Blur with a Gaussian over a ``kernel_size`` window (odd ints), its standard deviation
    drawn from ``sigma = (lo, hi)`` per image (or fixed ``sigma``), as torchvision's."""

    def __init__(self, kernel_size: int | Sequence[int], sigma: Any = (0.1, 2.0)) -> None:
        ks = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        if len(ks) != 2 or any(k <= 0 or k % 2 == 0 for k in ks):
            raise ValueError(f"GaussianBlur: kernel_size must be odd and positive, got "
                             f"{kernel_size}")
        self.kernel_size = ks
        lo, hi = (sigma, sigma) if isinstance(sigma, (int, float)) else sigma
        if not 0 < lo <= hi:
            raise ValueError(f"GaussianBlur: sigma must be positive (min, max), got {sigma}")
        self.sigma = (float(lo), float(hi))

    def draw(self, n: int, size: tuple[int, int], gen: np.random.Generator) -> dict[str, np.ndarray]:
        s = gen.uniform(*self.sigma, size=n)
        return {"sigma": np.stack([s, s], 1)}

    def apply(self, x: Any, params: dict[str, np.ndarray], batched: bool = False) -> Any:
        a, back = as_nhwc(x, batched)
        return back(geometry.gaussian_blur(a, self.kernel_size, params["sigma"]))
