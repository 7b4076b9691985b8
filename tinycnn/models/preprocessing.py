"""Each model's input preprocessing: resize, center-crop, scale to [0, 1], normalize.

A network only works on inputs prepared the way its weights were trained. Reusing one
model's preprocessing for another is a classic transfer-learning bug (DeZero users fed
ResNet with VGG's Caffe-style BGR mean subtraction), so every zoo model carries its own
`Preprocessing` (``model.preprocessing``) and builds the matching pipeline of
`tinycnn.data.transforms` on demand (``model.preprocess``)::

    img = PIL.Image.open("ant.jpg").convert("RGB")
    x = model.preprocess(img).unsqueeze(0)        # (1, 3, 224, 224)

Weights exported with their JSON sidecar bring their own preprocessing (for example
torchvision's ResNet-50 IMAGENET1K_V2 weights resize to 232, not 256), and
`tinycnn.models.load_weights` installs it on the model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Preprocessing:
    """Resize the short side to ``resize``, center-crop ``crop`` x ``crop`` (both optional),
    convert to a float tensor in [0, 1] of shape (C, H, W), then ``(x - mean) / std``.

    With ``crop_fraction`` (TensorFlow's evaluation recipe) the order is the other way
    round: center-crop a square of ``crop_fraction`` x the shorter side, then resize it
    to ``crop`` x ``crop`` with ``interpolation`` (see `CenterCropResize`).
    """

    mean: tuple[float, ...]
    std: tuple[float, ...]
    resize: int | None = None
    crop: int | None = None
    crop_fraction: float | None = None
    interpolation: str = "bilinear"

    def __post_init__(self) -> None:
        if len(self.mean) != len(self.std):
            raise ValueError(f"Preprocessing: mean has {len(self.mean)} values but std has "
                             f"{len(self.std)}; expected one of each per channel")

    def transforms(self) -> Any:
        """The pipeline as a `tinycnn.data.transforms.Compose` (PIL image -> Tensor)."""
        from ..data import transforms as T  # noqa: PLC0415  (data is loaded on first use)

        steps: list[Any] = []
        if self.crop_fraction is not None:
            steps.append(CenterCropResize(self.crop or 0, self.crop_fraction,
                                          self.interpolation))
        elif self.resize is not None:
            steps.append(T.Resize(self.resize))
        if self.crop is not None and self.crop_fraction is None:
            steps.append(T.CenterCrop(self.crop))
        steps += [T.ToTensor(), T.Normalize(list(self.mean), list(self.std))]
        return T.Compose(steps)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for the weights sidecar)."""
        d = asdict(self)
        d["mean"], d["std"] = list(self.mean), list(self.std)
        if self.crop_fraction is None:  # resize-then-crop: the two fields say nothing
            del d["crop_fraction"], d["interpolation"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Preprocessing:
        return cls(mean=tuple(float(v) for v in d["mean"]), std=tuple(float(v) for v in d["std"]),
                   resize=d.get("resize"), crop=d.get("crop"),
                   crop_fraction=d.get("crop_fraction"),
                   interpolation=d.get("interpolation", "bilinear"))


class CenterCropResize:
    """PIL image -> the centred square of side ``int(fraction * shorter side)``, resized to
    ``size`` x ``size`` (TensorFlow's EfficientNet evaluation crop, 224/256 of the image).

    The offset rounds up as TensorFlow's does: ``(H - side + 1) // 2``.
    """

    _FILTERS = ("bicubic", "bilinear", "nearest")

    def __init__(self, size: int, fraction: float, interpolation: str = "bicubic") -> None:
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"CenterCropResize: size must be a positive int, got {size!r}")
        if not 0 < fraction <= 1:
            raise ValueError(f"CenterCropResize: fraction must be in (0, 1], got {fraction!r}")
        if interpolation not in self._FILTERS:
            raise ValueError(f"CenterCropResize: interpolation must be one of {self._FILTERS}, "
                             f"got {interpolation!r}")
        self.size, self.fraction, self.interpolation = size, fraction, interpolation

    def __call__(self, img: Any) -> Any:
        from PIL import Image  # noqa: PLC0415

        if not isinstance(img, Image.Image):
            raise TypeError(f"CenterCropResize: expected a PIL image, got {type(img).__name__}")
        w, h = img.size
        side = max(1, int(self.fraction * min(w, h)))
        top, left = (h - side + 1) // 2, (w - side + 1) // 2
        resample = getattr(Image.Resampling, self.interpolation.upper())
        return img.resize((self.size, self.size), resample,
                          box=(left, top, left + side, top + side))

    def __repr__(self) -> str:
        return (f"CenterCropResize(size={self.size}, fraction={self.fraction}, "
                f"interpolation={self.interpolation!r})")


# torchvision's ImageNet classification weights (IMAGENET1K_V1): resize 256, crop 224.
IMAGENET = Preprocessing(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
                         resize=256, crop=224)
# per-channel statistics of the training sets (no resizing: the nets take 32x32 / 28x28)
CIFAR10 = Preprocessing(mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616))
CIFAR100 = Preprocessing(mean=(0.5071, 0.4865, 0.4409), std=(0.2673, 0.2564, 0.2762))
MNIST = Preprocessing(mean=(0.1307,), std=(0.3081,))
# EfficientNet-Lite's TensorFlow evaluation: crop 224/256 of the shorter side, bicubic
# resize to 224, then (x - 127) / 128 on the 0-255 scale
EFFICIENTNET_LITE = Preprocessing(mean=(127 / 255,) * 3, std=(128 / 255,) * 3, crop=224,
                                  crop_fraction=224 / 256, interpolation="bicubic")
