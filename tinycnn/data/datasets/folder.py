"""`ImageFolder`: one sub-folder per class, images inside (torchvision's layout and rules)::

    root/ants/0013035.jpg
    root/ants/formica.jpeg
    root/bees/1092977343_cb42b38d62.jpg

Classes are the sub-folder names in sorted order (``classes``, ``class_to_idx``); files
are found recursively, in sorted order, and kept when their extension is one of
``extensions`` (case-insensitive; torchvision's IMG_EXTENSIONS by default, so a ``.gif``
is left out). Images are read on demand, one per ``ds[i]``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from .arrays import Dataset

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


class UnreadableImageError(OSError, ValueError):
    """An image file that cannot be opened or decoded (the message names the file); an
    OSError, and a ValueError as every damaged file tinycnn reads."""


def pil_loader(path: str | os.PathLike) -> Image.Image:
    """Open an image file as an RGB PIL image (decoded now, the file closed)."""
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


def find_classes(directory: str | os.PathLike) -> tuple[list[str], dict[str, int]]:
    """Sorted names of the sub-folders of ``directory``, and name -> index."""
    classes = sorted(e.name for e in os.scandir(directory) if e.is_dir())
    if not classes:
        raise FileNotFoundError(f"no class folders found in {directory} (expected root/<class>/<image>)")
    return classes, {c: i for i, c in enumerate(classes)}


def make_dataset(directory: Path, class_to_idx: dict[str, int], extensions: Sequence[str] | None,
                 is_valid_file: Callable[[str], bool] | None) -> list[tuple[str, int]]:
    """``[(path, class_index)]`` of the accepted files under each class folder."""
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("give exactly one of extensions and is_valid_file")
    if is_valid_file is None:
        exts = tuple(e.lower() for e in extensions)
        is_valid_file = lambda p: p.lower().endswith(exts)  # noqa: E731
    samples = []
    empty = []
    for name in sorted(class_to_idx):
        found = [os.path.join(dirpath, f)
                 for dirpath, _, files in sorted(os.walk(directory / name, followlinks=True))
                 for f in sorted(files) if is_valid_file(os.path.join(dirpath, f))]
        samples += [(p, class_to_idx[name]) for p in found]
        if not found:
            empty.append(name)
    if empty:
        raise FileNotFoundError(f"no valid image files for classes {empty} in {directory} "
                                f"(accepted extensions: {extensions})")
    return samples


def _readable(path: str) -> bool:
    """Whether PIL recognises the file (reads its header only, not the pixels)."""
    try:
        with Image.open(path):
            return True
    except (OSError, ValueError, Image.DecompressionBombError):
        return False


class ImageFolder(Dataset):
    """Samples ``(transform(image), class_index)`` from ``root/<class>/<file>``.

    ``on_error``: what to do with an image that cannot be read. ``"raise"`` (default):
    `UnreadableImageError` naming the file. ``"skip"``: files PIL cannot identify are
    left out when the dataset is built (one warning lists them; this opens every file's
    header, which takes a moment on large folders), and an image whose pixels fail to
    decode later is replaced by the next readable one, with a warning naming it.
    """

    def __init__(self, root: str | os.PathLike, transform: Callable | None = None,
                 target_transform: Callable | None = None,
                 extensions: Sequence[str] | None = IMG_EXTENSIONS,
                 loader: Callable[[str], Any] = pil_loader,
                 is_valid_file: Callable[[str], bool] | None = None, on_error: str = "raise") -> None:
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        self.root = Path(root).expanduser()
        if not self.root.is_dir():
            raise FileNotFoundError(f"ImageFolder: {self.root} is not a folder")
        self.classes, self.class_to_idx = find_classes(self.root)
        if is_valid_file is not None:
            extensions = None
        samples = make_dataset(self.root, self.class_to_idx, extensions, is_valid_file)
        if on_error == "skip":
            bad = [p for p, _ in samples if not _readable(p)]
            if bad:
                warnings.warn(f"ImageFolder: skipping {len(bad)} unreadable file(s): "
                              f"{', '.join(bad[:10])}{' ...' if len(bad) > 10 else ''}", stacklevel=2)
                samples = [s for s in samples if s[0] not in set(bad)]
        self.samples = samples
        self.imgs = samples  # torchvision's older name
        self.targets = [t for _, t in samples]
        self.transform = transform
        self.target_transform = target_transform
        self.loader = loader
        self.on_error = on_error

    def __len__(self) -> int:
        return len(self.samples)

    def load(self, index: int) -> Any:
        """The untransformed image of sample ``index``; errors name the file."""
        path, target = self.samples[index]
        try:
            return self.loader(path)
        except Exception as err:  # PIL raises OSError, ValueError, SyntaxError, ...
            raise UnreadableImageError(
                f"cannot read image {path} (sample {index}, class {self.classes[target]!r}): "
                f"{type(err).__name__}: {err}") from err

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        index = range(len(self))[index]  # negative indices; IndexError when out of range
        for attempt in range(len(self)):
            i = (index + attempt) % len(self)
            try:
                img = self.load(i)
                break
            except UnreadableImageError as err:
                if self.on_error == "raise":
                    raise
                warnings.warn(f"ImageFolder: {err}; using the next image instead", stacklevel=2)
        else:
            raise UnreadableImageError(f"ImageFolder: no image under {self.root} can be read")
        target = self.samples[i][1]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __repr__(self) -> str:
        lines = ["ImageFolder", f"    Number of datapoints: {len(self)}", f"    Root location: {self.root}"]
        if self.transform is not None:
            lines.append(f"    transform: {self.transform!r}")
        return "\n".join(lines)
