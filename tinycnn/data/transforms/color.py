"""Colour kernels on float channels-last batches ``x: (N, H, W, C)`` with values in
``[0, bound]`` (255 for images that were uint8, 1 for float ones).

The formulas are torchvision's: each adjustment blends the image with a reference
(black for brightness, the mean grey level for contrast, the grey image for saturation)
and clips to the valid range. ``factor`` has one entry per image.
"""

from __future__ import annotations

import numpy as np

# ITU-R 601 luma weights, as PIL's convert("L") and torchvision use.
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def grayscale(x: np.ndarray) -> np.ndarray:
    """Luma ``(N, H, W, 1)`` of RGB images (single-channel images are returned as they are)."""
    return x if x.shape[-1] == 1 else (x[..., :3] @ LUMA)[..., None]


def _per_image(factor: np.ndarray) -> np.ndarray:
    return np.asarray(factor, dtype=np.float32).reshape(-1, 1, 1, 1)


def blend(x: np.ndarray, ref: np.ndarray | float, factor: np.ndarray, bound: float) -> np.ndarray:
    """``factor * x + (1 - factor) * ref``, clipped to ``[0, bound]``."""
    f = _per_image(factor)
    return np.clip(f * x + (1 - f) * ref, 0, bound)


def adjust_brightness(x: np.ndarray, factor: np.ndarray, bound: float) -> np.ndarray:
    """0 gives black, 1 the original, 2 twice as bright."""
    return blend(x, 0.0, factor, bound)


def adjust_contrast(x: np.ndarray, factor: np.ndarray, bound: float) -> np.ndarray:
    """0 gives the image's mean grey everywhere, 1 the original."""
    mean = grayscale(x).mean(axis=(1, 2, 3), keepdims=True)
    return blend(x, mean, factor, bound)


def adjust_saturation(x: np.ndarray, factor: np.ndarray, bound: float) -> np.ndarray:
    """0 gives the grey image, 1 the original, 2 doubly saturated colours."""
    return x if x.shape[-1] == 1 else blend(x, grayscale(x), factor, bound)


def adjust_hue(x: np.ndarray, factor: np.ndarray, bound: float) -> np.ndarray:
    """Hue turned by ``factor`` of a full turn (in [-0.5, 0.5]) in HSV space."""
    if x.shape[-1] == 1:
        return x
    hsv = rgb_to_hsv(x / bound)
    hsv[..., 0] = (hsv[..., 0] + _per_image(factor)[..., 0]) % 1.0
    return hsv_to_rgb(hsv) * bound


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """RGB in [0, 1] -> HSV in [0, 1] (hue as a fraction of a turn), shape kept."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    maxc, minc = rgb.max(axis=-1), rgb.min(axis=-1)
    delta = maxc - minc
    s = np.where(maxc > 0, delta / np.where(maxc > 0, maxc, 1), 0)
    d = np.where(delta > 0, delta, 1)  # avoid 0/0 for greys (their hue is 0)
    h = np.where(maxc == r, (g - b) / d,
                 np.where(maxc == g, 2.0 + (b - r) / d, 4.0 + (r - g) / d))
    h = np.where(delta > 0, (h / 6.0) % 1.0, 0.0)
    return np.stack([h, s, maxc], axis=-1).astype(rgb.dtype)


def hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    """HSV in [0, 1] -> RGB in [0, 1]: the six sectors of the colour wheel."""
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    h6 = h * 6.0
    sector = np.floor(h6).astype(np.int64) % 6
    f = h6 - np.floor(h6)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    # (r, g, b) per sector: 0 -> (v,t,p), 1 -> (q,v,p), 2 -> (p,v,t), 3 -> (p,q,v), ...
    choices = np.stack([v, q, p, p, t, v,   # r
                        t, v, v, q, p, p,   # g
                        p, p, t, v, v, q],  # b
                       axis=0).reshape(3, 6, *h.shape)
    rgb = np.take_along_axis(choices, sector[None, None], axis=1)[:, 0]
    return np.moveaxis(rgb, 0, -1).astype(hsv.dtype)
