"""torchvision's ``transforms.functional`` (``import tinycnn.data.transforms.functional as
TF``): each transform with its parameters given, for one image, e.g. to flip an image and
its segmentation mask together (``if random() < 0.5: img, mask = TF.hflip(img),
TF.hflip(mask)``). Images are what the transforms take: PIL images, arrays ``(H, W[, C])``
or Tensors ``(C, H, W)``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import color, geometry
from .base import Normalize, ToPILImage, ToTensor
from .images import as_nhwc, from_float, to_float
from .photometric import Grayscale
from .spatial import CenterCrop, Pad, Resize


def _one(img: Any, fn: Any) -> Any:
    """``fn`` applied to ``img`` as a channels-last batch of one, given back in its kind."""
    a, back = as_nhwc(img, batched=False)
    return back(fn(a))


def hflip(img: Any) -> Any:
    """Mirror left-right."""
    return _one(img, lambda a: geometry.flip(a, np.ones(1, bool), 2))


def vflip(img: Any) -> Any:
    """Mirror top-bottom."""
    return _one(img, lambda a: geometry.flip(a, np.ones(1, bool), 1))


def rotate(img: Any, angle: float, interpolation: str = "nearest", expand: bool = False,
           center: Sequence[float] | None = None, fill: Any = 0) -> Any:
    """Rotate counter-clockwise by ``angle`` degrees (``expand=True`` is not provided)."""
    if expand:
        raise ValueError("rotate: expand=True is not provided; the image keeps its size")
    return _one(img, lambda a: geometry.rotate(a, np.array([angle]), interpolation,
                                               None if center is None else tuple(center), fill))


def affine(img: Any, angle: float, translate: Sequence[float], scale: float, shear: Any,
           interpolation: str = "nearest", fill: Any = 0) -> Any:
    """Rotate by ``angle``, move by ``translate = (dx, dy)`` pixels, scale and shear
    (``s`` or ``(sx, sy)`` degrees) about the centre."""
    sh = (shear, 0.0) if isinstance(shear, (int, float)) else tuple(shear)
    return _one(img, lambda a: geometry.affine(a, np.array([angle]), np.array([translate]),
                                               np.array([scale]), np.array([sh]),
                                               interpolation, fill))


def resize(img: Any, size: int | Sequence[int], interpolation: str = "bilinear",
           max_size: int | None = None, antialias: bool | None = True) -> Any:
    """Resize to ``size`` (see `Resize`)."""
    return Resize(size, interpolation, max_size, antialias)(img)


def center_crop(img: Any, output_size: int | Sequence[int]) -> Any:
    """The centre ``output_size`` crop."""
    return CenterCrop(output_size)(img)


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The ``height x width`` crop whose top-left corner is ``(top, left)`` (outside: 0)."""
    return _one(img, lambda a: geometry.crop(a, np.array([top]), np.array([left]), height, width))


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Add borders (see `Pad`)."""
    return Pad(padding, fill, padding_mode)(img)


def to_tensor(pic: Any) -> Any:
    """A PIL image or uint8 array as a float Tensor ``(C, H, W)`` in [0, 1]."""
    return ToTensor()(pic)


def to_pil_image(pic: Any) -> Any:
    """A Tensor or uint8 array as a PIL image."""
    return ToPILImage()(pic)


def normalize(tensor: Any, mean: Sequence[float], std: Sequence[float],
              inplace: bool = False) -> Any:
    """``(tensor - mean) / std`` per channel."""
    return Normalize(mean, std, inplace)(tensor)


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Luma ``0.299 R + 0.587 G + 0.114 B``, with 1 or 3 channels."""
    return Grayscale(num_output_channels)(img)


def _adjust(fn: Any, img: Any, factor: float) -> Any:
    def run(a: np.ndarray) -> np.ndarray:
        f, bound = to_float(a)
        return from_float(fn(f, np.array([factor], np.float32), bound), a)

    return _one(img, run)


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    """Multiply the pixel values by ``brightness_factor``."""
    return _adjust(color.adjust_brightness, img, brightness_factor)


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    """Move the pixels away from (> 1) or towards (< 1) the mean grey."""
    return _adjust(color.adjust_contrast, img, contrast_factor)


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    """Move the colours away from (> 1) or towards (< 1) their grey."""
    return _adjust(color.adjust_saturation, img, saturation_factor)


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Shift the hue by ``hue_factor`` of a turn (in [-0.5, 0.5])."""
    return _adjust(color.adjust_hue, img, hue_factor)


def gaussian_blur(img: Any, kernel_size: int | Sequence[int],
                  sigma: float | Sequence[float] | None = None) -> Any:
    """Blur with a Gaussian over ``kernel_size`` (odd); ``sigma`` defaults to torchvision's
    ``0.3 * ((k - 1) * 0.5 - 1) + 0.8``."""
    ks = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    if sigma is None:
        sigma = [0.3 * ((k - 1) * 0.5 - 1) + 0.8 for k in ks]
    sig = (sigma, sigma) if isinstance(sigma, (int, float)) else tuple(sigma)
    return _one(img, lambda a: geometry.gaussian_blur(a, ks, np.array([sig], np.float64)))


__all__ = ["adjust_brightness", "adjust_contrast", "adjust_hue", "adjust_saturation", "affine",
           "center_crop", "crop", "gaussian_blur", "hflip", "normalize", "pad", "resize",
           "rgb_to_grayscale", "rotate", "to_pil_image", "to_tensor", "vflip"]
