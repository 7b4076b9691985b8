"""`RandomErasing` (cutout): blank a random rectangle of each image, as torchvision's."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import RandomTransform
from .images import as_nhwc


class RandomErasing(RandomTransform):
    """With probability ``p``, set a rectangle of ``scale`` (a fraction of the area) and
    aspect ``ratio`` to ``value`` (a number, or one per channel). Up to 10 draws look for
    a rectangle that fits; when none does, the image is left alone (as in torchvision).
    Usually placed after ``ToTensor`` / ``Normalize``."""

    def __init__(self, p: float = 0.5, scale: Sequence[float] = (0.02, 0.33),
                 ratio: Sequence[float] = (0.3, 3.3), value: Any = 0,
                 inplace: bool = False) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"RandomErasing: p must be a probability in [0, 1], got {p}")
        if not (0 <= scale[0] <= scale[1] <= 1) or not (0 < ratio[0] <= ratio[1]):
            raise ValueError(f"RandomErasing: need 0 <= scale[0] <= scale[1] <= 1 and "
                             f"0 < ratio[0] <= ratio[1], got scale={scale}, ratio={ratio}")
        if isinstance(value, str):
            raise ValueError(f"RandomErasing: value must be a number or one per channel, got "
                             f"{value!r} (value='random' is not provided)")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    def draw(self, n: int, size: tuple[int, int], gen: np.random.Generator) -> dict[str, np.ndarray]:
        h_img, w_img = size
        box = np.zeros((n, 4), dtype=np.int64)  # top, left, height, width; 0 = no erasing
        for k in np.flatnonzero(gen.random(n) < self.p):
            for _ in range(10):
                area = h_img * w_img * gen.uniform(*self.scale)
                aspect = math.exp(gen.uniform(math.log(self.ratio[0]), math.log(self.ratio[1])))
                h, w = round(math.sqrt(area * aspect)), round(math.sqrt(area / aspect))
                if 0 < h < h_img and 0 < w < w_img:
                    box[k] = (gen.integers(0, h_img - h + 1), gen.integers(0, w_img - w + 1), h, w)
                    break
        return {"box": box}

    def apply(self, x: Any, params: dict[str, np.ndarray], batched: bool = False) -> Any:
        a, back = as_nhwc(x, batched)
        out = a.copy()
        value = np.asarray(self.value, dtype=out.dtype)
        for k, (top, left, h, w) in enumerate(params["box"]):
            out[k, top:top + h, left:left + w] = value
        return back(out)


__all__ = ["RandomErasing"]
