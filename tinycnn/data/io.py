"""Image files as uint8 Tensors, as ``torchvision.io``: `read_image`, `decode_image`,
`read_file`, `write_png`, `write_jpeg`, `ImageReadMode`.

    from tinycnn.data.io import read_image, ImageReadMode
    img = read_image("ants/0013035.jpg")            # uint8 (C, H, W), C as stored
    rgb = read_image("ants/0013035.jpg", ImageReadMode.RGB)  # (3, H, W)

Decoding is PIL's: every format PIL reads (PNG, JPEG, GIF, BMP, TIFF, WebP...).
"""

from __future__ import annotations

import enum
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

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


def _mode(mode: ImageReadMode | str) -> ImageReadMode:
    if isinstance(mode, str):  # torchvision also takes the names ("RGB", "GRAY")
        mode = ImageReadMode[mode.upper()]
    if not isinstance(mode, ImageReadMode):
        raise TypeError(f"mode must be an ImageReadMode, got {type(mode).__name__}")
    return mode


def _decode(source: Any, name: str, mode: ImageReadMode, apply_exif_orientation: bool) -> Tensor:
    """Decode an image file (a path or a file object) to a uint8 Tensor (C, H, W)."""
    try:
        with Image.open(source) as image:
            if apply_exif_orientation:
                image = ImageOps.exif_transpose(image)
            array = np.asarray(image.convert(_pil_mode(image, mode)), dtype=np.uint8)
    # PIL raises OSError, ValueError, SyntaxError, DecompressionBombError (a huge size)...
    except Exception as e:  # noqa: BLE001
        raise UnreadableImageError(f"{name} is not an image file PIL can decode ({e})") from None
    if array.ndim == 2:
        array = array[:, :, None]
    return Tensor(np.ascontiguousarray(array.transpose(2, 0, 1)))


def read_image(path: str | os.PathLike, mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """The image file at ``path`` as a uint8 Tensor ``(C, H, W)``, C given by ``mode``
    (``apply_exif_orientation``: turn photos upright as their EXIF tag says).

    A missing file raises `FileNotFoundError`, a file that is not an image
    `UnreadableImageError` (as `ImageFolder`), both naming the file.
    """
    mode = _mode(mode)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_image: no such file {os.fspath(path)!r}")
    return _decode(path, f"read_image: {os.fspath(path)!r}", mode, apply_exif_orientation)


def read_file(path: str | os.PathLike) -> Tensor:
    """The bytes of the file at ``path`` as a 1-D uint8 Tensor (for `decode_image`)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_file: no such file {os.fspath(path)!r}")
    with open(path, "rb") as f:
        return Tensor(np.frombuffer(f.read(), dtype=np.uint8).copy())


def decode_image(input: Tensor | str | os.PathLike,
                 mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
                 apply_exif_orientation: bool = False) -> Tensor:
    """An encoded image (the 1-D uint8 Tensor of `read_file`, or a path, as torchvision
    takes) decoded to a uint8 Tensor ``(C, H, W)``."""
    if isinstance(input, (str, os.PathLike)):
        return read_image(input, mode, apply_exif_orientation)
    data = np.asarray(input)
    if data.dtype != np.uint8 or data.ndim != 1:
        raise ValueError(f"decode_image: expected the 1-D uint8 bytes of an image file, got "
                         f"dtype {data.dtype}, shape {data.shape}")
    return _decode(io.BytesIO(data.tobytes()), "decode_image: the input", _mode(mode),
                   apply_exif_orientation)


def _write(input: Tensor, filename: str | os.PathLike, fmt: str, **options: Any) -> None:
    """Write a uint8 image ``(C, H, W)`` (C = 1 or 3) with PIL, atomically."""
    a = np.asarray(input)
    if a.dtype != np.uint8 or a.ndim != 3 or a.shape[0] not in (1, 3):
        raise ValueError(f"write_{fmt.lower()}: expected a uint8 image (C, H, W) with C = 1 or 3, "
                         f"got dtype {a.dtype}, shape {a.shape}")
    save_pil(Image.fromarray(a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)), filename, fmt,
             **options)


def save_pil(image: Image.Image, filename: str | os.PathLike, fmt: str | None = None,
             **options: Any) -> None:
    """Save a PIL image atomically (a temporary file renamed), in ``fmt`` or the format
    the file name's extension names."""
    path = Path(filename)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    try:
        image.save(tmp, format=fmt, **options)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_png(input: Tensor, filename: str | os.PathLike, compression_level: int = 6) -> None:
    """Save a uint8 image ``(C, H, W)`` as a PNG file."""
    _write(input, filename, "PNG", compress_level=compression_level)


def write_jpeg(input: Tensor, filename: str | os.PathLike, quality: int = 75) -> None:
    """Save a uint8 image ``(C, H, W)`` as a JPEG file."""
    _write(input, filename, "JPEG", quality=quality)
