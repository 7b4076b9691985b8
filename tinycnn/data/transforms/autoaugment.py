"""Learned and random augmentation policies, as torchvision's: `AutoAugment` (the policies
of Cubuk et al. for ImageNet, CIFAR-10 and SVHN), `RandAugment` and `TrivialAugmentWide`.

Each draws image operations (shear, translate, rotate, brightness, colour, contrast,
sharpness, posterize, solarize, autocontrast, equalize, invert) with magnitudes from
fixed tables. They work on 8-bit images: a PIL image or uint8 array is changed as it is;
a float Tensor in [0, 1] is changed as its 8-bit version (values rounded to 1/255).
Geometric operations use `geometry.affine`, the others PIL's ``ImageOps`` / ``ImageEnhance``.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from .. import _rng
from . import geometry
from .base import Transform
from .images import as_nhwc, from_float, to_float


class AutoAugmentPolicy(Enum):
    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# (operation, probability, magnitude bin) pairs, from the AutoAugment paper
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)), (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)), (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)), (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)), (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)), (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)), (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)), (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)), (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)), (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)), (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)), (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)), (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)), (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)), (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)), (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)), (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)), (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)), (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)), (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)), (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)), (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)), (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)), (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)), (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)), (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)), (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)), (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)), (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)), (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)), (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)), (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ],
}


def _space(bins: int, size: tuple[int, int], wide: bool) -> dict[str, tuple]:
    """Each operation's magnitudes (one per bin) and whether a random sign applies;
    ``wide`` is TrivialAugmentWide's larger ranges."""
    h, w = size
    shear, rot, enh = (0.99, 135.0, 0.99) if wide else (0.3, 30.0, 0.9)
    tx, ty = (32.0, 32.0) if wide else (150.0 / 331.0 * w, 150.0 / 331.0 * h)
    bits = 8 - np.round(np.arange(bins) / ((bins - 1) / (6 if wide else 4))).astype(int)
    lin = np.linspace
    return {"Identity": (None, False), "ShearX": (lin(0, shear, bins), True),
            "ShearY": (lin(0, shear, bins), True), "TranslateX": (lin(0, tx, bins), True),
            "TranslateY": (lin(0, ty, bins), True), "Rotate": (lin(0, rot, bins), True),
            "Brightness": (lin(0, enh, bins), True), "Color": (lin(0, enh, bins), True),
            "Contrast": (lin(0, enh, bins), True), "Sharpness": (lin(0, enh, bins), True),
            "Posterize": (bits, False), "Solarize": (lin(255.0, 0.0, bins), False),
            "AutoContrast": (None, False), "Equalize": (None, False)}


def _affine(a: np.ndarray, angle: float = 0.0, move: tuple = (0.0, 0.0),
            shear: tuple = (0.0, 0.0), fill: Any = 0) -> np.ndarray:
    return geometry.affine(a[None], np.array([angle]), np.array([move]), np.ones(1),
                           np.array([shear]), "nearest", fill)[0]


def _pil(a: np.ndarray, fn: Any) -> np.ndarray:
    img = Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a)
    out = np.asarray(fn(img))
    return out[..., None] if out.ndim == 2 else out


_ENHANCE = {"Brightness": ImageEnhance.Brightness, "Color": ImageEnhance.Color,
            "Contrast": ImageEnhance.Contrast, "Sharpness": ImageEnhance.Sharpness}


def apply_op(a: np.ndarray, name: str, magnitude: float, fill: Any = 0) -> np.ndarray:
    """Operation ``name`` with ``magnitude`` on one uint8 image ``(H, W, C)``."""
    h, w = a.shape[:2]
    if name == "ShearX":
        return _affine(a, shear=(math.degrees(math.atan(magnitude)), 0.0), fill=fill)
    if name == "ShearY":
        return _affine(a, shear=(0.0, math.degrees(math.atan(magnitude))), fill=fill)
    if name == "TranslateX":
        return _affine(a, move=(int(magnitude), 0.0), fill=fill)
    if name == "TranslateY":
        return _affine(a, move=(0.0, int(magnitude)), fill=fill)
    if name == "Rotate":
        return _affine(a, angle=magnitude, fill=fill)
    if name in _ENHANCE:
        return _pil(a, lambda img: _ENHANCE[name](img).enhance(1.0 + magnitude))
    if name == "Posterize":
        return _pil(a, lambda img: ImageOps.posterize(img, int(magnitude)))
    if name == "Solarize":
        return _pil(a, lambda img: ImageOps.solarize(img, magnitude))
    if name == "AutoContrast":
        return _pil(a, ImageOps.autocontrast)
    if name == "Equalize":
        return _pil(a, ImageOps.equalize)
    if name == "Invert":
        return 255 - a
    if name == "Identity":
        return a
    raise ValueError(f"unknown augmentation operation {name!r}")


class _Policy(Transform):
    """Shared: turn each image into 8 bits, run ``augment`` on it, turn it back."""

    fill: Any = 0

    def forward(self, x: Any, batched: bool) -> Any:
        a, back = as_nhwc(x, batched)
        gen = _rng.generator()
        eight = a if a.dtype == np.uint8 else np.clip(np.rint(to_float(a)[0] * 255), 0, 255
                                                      ).astype(np.uint8)
        out = np.stack([self.augment(img, gen) for img in eight])
        return back(out if a.dtype == np.uint8 else from_float(out / np.float32(255), a))

    def augment(self, img: np.ndarray, gen: np.random.Generator) -> np.ndarray:
        raise NotImplementedError


class AutoAugment(_Policy):
    """One of the policy's sub-policies per image: two operations, each applied with its
    probability at its magnitude (bins of 10)."""

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET,
                 interpolation: str = "nearest", fill: Any = None) -> None:
        self.policy = AutoAugmentPolicy(policy)
        self.fill = 0 if fill is None else fill

    def augment(self, img: np.ndarray, gen: np.random.Generator) -> np.ndarray:
        space = dict(_space(10, img.shape[:2], wide=False), Invert=(None, False))
        subpolicy = _POLICIES[self.policy][gen.integers(len(_POLICIES[self.policy]))]
        for name, p, bin_ in subpolicy:
            if gen.random() <= p:
                mags, signed = space[name]
                m = float(mags[bin_]) if mags is not None else 0.0
                img = apply_op(img, name, -m if signed and gen.random() < 0.5 else m, self.fill)
        return img


class RandAugment(_Policy):
    """``num_ops`` operations chosen at random per image, each at ``magnitude`` (of
    ``num_magnitude_bins``) with a random sign."""

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation: str = "nearest", fill: Any = None) -> None:
        if not 0 <= magnitude < num_magnitude_bins:
            raise ValueError(f"RandAugment: magnitude must be in [0, {num_magnitude_bins}), got "
                             f"{magnitude}")
        self.num_ops, self.magnitude, self.num_magnitude_bins = num_ops, magnitude, num_magnitude_bins
        self.fill = 0 if fill is None else fill

    def augment(self, img: np.ndarray, gen: np.random.Generator) -> np.ndarray:
        space = _space(self.num_magnitude_bins, img.shape[:2], wide=False)
        names = list(space)
        for _ in range(self.num_ops):
            name = names[gen.integers(len(names))]
            mags, signed = space[name]
            m = float(mags[self.magnitude]) if mags is not None else 0.0
            img = apply_op(img, name, -m if signed and gen.random() < 0.5 else m, self.fill)
        return img


class TrivialAugmentWide(_Policy):
    """One operation per image, at a random magnitude (of ``num_magnitude_bins``) from
    wide ranges, with a random sign."""

    def __init__(self, num_magnitude_bins: int = 31, interpolation: str = "nearest",
                 fill: Any = None) -> None:
        self.num_magnitude_bins = num_magnitude_bins
        self.fill = 0 if fill is None else fill

    def augment(self, img: np.ndarray, gen: np.random.Generator) -> np.ndarray:
        space = _space(self.num_magnitude_bins, img.shape[:2], wide=True)
        names = list(space)
        name = names[gen.integers(len(names))]
        mags, signed = space[name]
        m = float(mags[gen.integers(self.num_magnitude_bins)]) if mags is not None else 0.0
        return apply_op(img, name, -m if signed and gen.random() < 0.5 else m, self.fill)


__all__ = ["AutoAugment", "AutoAugmentPolicy", "RandAugment", "TrivialAugmentWide", "apply_op"]
