"""Image transforms (torchvision's names): one image with ``t(img)``, a batch with ``t.batch(x)``.

Images are PIL images, arrays ``(H, W[, C])`` (channels last, uint8) or Tensors
``(C, H, W)`` (channels first, float); batches add a leading ``N``. See base.py for the
protocol and docs/data.md for examples.
"""

from .autoaugment import AutoAugment, AutoAugmentPolicy, RandAugment, TrivialAugmentWide
from .base import (
    Compose,
    Lambda,
    Normalize,
    RandomApply,
    RandomTransform,
    ToPILImage,
    ToTensor,
    Transform,
    apply_batch,
)
from .conversion import ConvertImageDtype, PILToTensor
from .erasing import RandomErasing
from .photometric import ColorJitter, GaussianBlur, Grayscale, RandomGrayscale
from .spatial import (
    CenterCrop,
    FiveCrop,
    Pad,
    RandomAffine,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomVerticalFlip,
    Resize,
    TenCrop,
)

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "FiveCrop", "Grayscale", "Lambda", "Normalize", "Pad",
    "RandomApply", "RandomCrop", "RandomHorizontalFlip", "RandomResizedCrop", "RandomRotation",
    "RandomTransform", "RandomVerticalFlip", "Resize", "TenCrop", "ToPILImage", "ToTensor",
    "Transform", "apply_batch", "ConvertImageDtype", "PILToTensor", "RandomErasing", "RandomGrayscale", "GaussianBlur",
    "RandomAffine", "AutoAugment", "AutoAugmentPolicy", "RandAugment", "TrivialAugmentWide",
]
