"""Image files as uint8 Tensors, as ``torchvision.io``: `read_image`, `ImageReadMode`.

    from tinycnn.data.io import read_image, ImageReadMode
    img = read_image("ants/0013035.jpg")            # uint8 (C, H, W), C as stored
    rgb = read_image("ants/0013035.jpg", ImageReadMode.RGB)  # (3, H, W)

Decoding is PIL's: every format PIL reads (PNG, JPEG, GIF, BMP, TIFF, WebP...).
"""

from __future__ import annotations

import enum
import os

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..tensor import Tensor
from .datasets.folder import UnreadableImageError


class ImageReadMode(enum.Enum):
    """The channels `read_image` returns (torchvision's names)."""

    UNCHANGED = None      # as stored (palette images expanded to RGB(A))
    GRAY = "L"            # 1 channel
    GRAY_ALPHA = "LA"     # 2 channels
    RGB = "RGB"           # 3 channels
    RGB_ALPHA = "RGBA"    # 4 channels


def _pil_mode(image: Image.Image, mode: ImageReadMode) -> str:
    if mode.value is not None:
        return mode.value
    if image.mode in ("L", "LA", "RGB", "RGBA"):
        return image.mode
    if image.mode == "P":  # a palette: its colours, with alpha when it has transparency
        return "RGBA" if "transparency" in image.info else "RGB"
    return "L" if image.mode in ("1", "I", "I;16", "F") else "RGB"


def read_image(path: str | os.PathLike, mode: ImageReadMode = ImageReadMode.UNCHANGED) -> Tensor:
    """The image file at ``path`` as a uint8 Tensor ``(C, H, W)``, C given by ``mode``.

    A missing file raises `FileNotFoundError`, a file that is not an image
    `UnreadableImageError` (as `ImageFolder`), both naming the file.
    """
    if isinstance(mode, str):  # torchvision also takes the names ("RGB", "GRAY")
        mode = ImageReadMode[mode.upper()]
    if not isinstance(mode, ImageReadMode):
        raise TypeError(f"mode must be an ImageReadMode, got {type(mode).__name__}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_image: no such file {os.fspath(path)!r}")
    try:
        with Image.open(path) as image:
            array = np.asarray(image.convert(_pil_mode(image, mode)), dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as e:
        raise UnreadableImageError(f"read_image: {os.fspath(path)!r} is not an image file "
                                   f"PIL can decode ({e})") from None
    if array.ndim == 2:
        array = array[:, :, None]
    return Tensor(np.ascontiguousarray(array.transpose(2, 0, 1)))
