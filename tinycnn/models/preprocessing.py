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
    convert to a float tensor in [0, 1] of shape (C, H, W), then ``(x - mean) / std``."""

    mean: tuple[float, ...]
    std: tuple[float, ...]
    resize: int | None = None
    crop: int | None = None

    def __post_init__(self) -> None:
        if len(self.mean) != len(self.std):
            raise ValueError(f"Preprocessing: mean has {len(self.mean)} values but std has "
                             f"{len(self.std)}; expected one of each per channel")

    def transforms(self) -> Any:
        """The pipeline as a `tinycnn.data.transforms.Compose` (PIL image -> Tensor)."""
        from ..data import transforms as T  # noqa: PLC0415  (data is loaded on first use)

        steps: list[Any] = []
        if self.resize is not None:
            steps.append(T.Resize(self.resize))
        if self.crop is not None:
            steps.append(T.CenterCrop(self.crop))
        steps += [T.ToTensor(), T.Normalize(list(self.mean), list(self.std))]
        return T.Compose(steps)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for the weights sidecar)."""
        d = asdict(self)
        d["mean"], d["std"] = list(self.mean), list(self.std)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Preprocessing:
        return cls(mean=tuple(float(v) for v in d["mean"]), std=tuple(float(v) for v in d["std"]),
                   resize=d.get("resize"), crop=d.get("crop"))


# torchvision's ImageNet classification weights (IMAGENET1K_V1): resize 256, crop 224.
IMAGENET = Preprocessing(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
                         resize=256, crop=224)
# per-channel statistics of the training sets (no resizing: the nets take 32x32 / 28x28)
CIFAR10 = Preprocessing(mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616))
CIFAR100 = Preprocessing(mean=(0.5071, 0.4865, 0.4409), std=(0.2673, 0.2564, 0.2762))
MNIST = Preprocessing(mean=(0.1307,), std=(0.3081,))
