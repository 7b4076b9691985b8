"""Export PyTorch / torchvision weights to tinycnn's .npz format (+ JSON sidecar).

Run on a machine that has torch and torchvision (tinycnn itself needs neither)::

    python -m tinycnn.tools.export_torchvision resnet18 resnet18.npz
    python -m tinycnn.tools.export_torchvision resnet50 r50.npz --weights IMAGENET1K_V2
    python -m tinycnn.tools.export_torchvision vgg16 mine.npz --state-dict finetuned.pth
    tinycnn export-torchvision resnet18 resnet18.npz            # the same, via the CLI

then, anywhere: ``tinycnn.models.resnet18(weights="resnet18.npz")``.

From Python, `export_state_dict` takes any ``torch.nn.Module`` or state dict::

    export_state_dict(my_torch_model, "mine.npz", arch="resnet18")

``--state-dict`` files are read with ``torch.load(weights_only=True)``, PyTorch's safe
loader: it rebuilds tensors and plain containers only and refuses arbitrary pickled
objects, so exporting an untrusted .pth cannot run code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# architectures whose torchvision weights expect ImageNet preprocessing
TORCHVISION_ARCHS = ("alexnet", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn",
                     "resnet18", "resnet34", "resnet50")


def _need(module: str) -> Any:
    import importlib  # noqa: PLC0415

    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(f"export_torchvision needs {module}, which is not installed: "
                          f"pip install torch torchvision (tinycnn itself does not need them; "
                          f"export on a machine that has them and copy the .npz)") from e


def export_state_dict(module_or_state_dict: Any, path: str | os.PathLike, arch: str | None = None,
                      source: str = "pytorch", preprocessing: Mapping[str, Any] | None = None) -> Path:
    """Write a ``torch.nn.Module``'s ``state_dict()`` (or a state dict) to ``path`` (.npz).

    The sidecar records ``arch``, ``source`` and the preprocessing (default: ImageNet's for
    the torchvision architectures, none otherwise). Returns the .npz path.
    """
    # imported here so that building the CLI parser does not load the model zoo
    from ..models.preprocessing import IMAGENET  # noqa: PLC0415
    from ..models.weights import write_weights  # noqa: PLC0415

    state = (module_or_state_dict.state_dict() if hasattr(module_or_state_dict, "state_dict")
             else module_or_state_dict)
    if not isinstance(state, Mapping):
        raise TypeError("export_state_dict: expected a torch.nn.Module or a state dict, got "
                        f"{type(module_or_state_dict).__name__}")
    if preprocessing is None and arch in TORCHVISION_ARCHS:
        preprocessing = IMAGENET.to_dict()
    meta: dict[str, Any] = {"architecture": arch, "source": source}
    if preprocessing is not None:
        meta["preprocessing"] = dict(preprocessing)
    return write_weights(state, path, meta)


def _preprocessing_of(weights: Any) -> dict[str, Any]:
    """mean/std/resize/crop from torchvision's ``weights.transforms()`` (ImageClassification)."""
    t = weights.transforms()

    def first(v: Any) -> int:
        return int(v[0] if isinstance(v, (list, tuple)) else v)

    return {"mean": [float(v) for v in t.mean], "std": [float(v) for v in t.std],
            "resize": first(t.resize_size), "crop": first(t.crop_size)}


def export_torchvision(arch: str, path: str | os.PathLike, weights: str = "DEFAULT") -> Path:
    """Build torchvision's ``arch`` with pretrained ``weights`` (an enum member name such as
    "IMAGENET1K_V1", or "DEFAULT") and export it. Downloads through torchvision's cache."""
    _need("torch")
    models = _need("torchvision.models")
    enum = models.get_model_weights(arch)
    try:
        w = enum[weights]  # a WeightsEnum member; "DEFAULT" is an alias of the best one
    except KeyError:
        raise ValueError(f"{arch} has no weights {weights!r}; available: "
                         f"{[m.name for m in enum]}") from None
    model = models.get_model(arch, weights=w)
    return export_state_dict(model, path, arch=arch, source=f"torchvision {w} ({w.url})",
                             preprocessing=_preprocessing_of(w))


def export_file(arch: str, state_dict_file: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Export a PyTorch state_dict file (.pt/.pth), read with ``weights_only=True``."""
    torch = _need("torch")
    state = torch.load(state_dict_file, map_location="cpu", weights_only=True)
    return export_state_dict(state, path, arch=arch, source=f"state_dict {Path(state_dict_file).name}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line arguments (shared with ``tinycnn export-torchvision``)."""
    parser.add_argument("arch", help="torchvision model name, e.g. resnet18, vgg16, alexnet")
    parser.add_argument("output", help="the .npz to write (a .json sidecar goes next to it)")
    parser.add_argument("--weights", default="DEFAULT",
                        help="torchvision weights name (default: DEFAULT), e.g. IMAGENET1K_V1")
    parser.add_argument("--state-dict", metavar="FILE", default=None,
                        help="export this .pt/.pth state_dict instead of torchvision's weights "
                             "(needs torch only)")


def run(args: argparse.Namespace) -> int:
    """Do what the parsed arguments say; print the written path."""
    try:
        if args.state_dict:
            out = export_file(args.arch, args.state_dict, args.output)
        else:
            out = export_torchvision(args.arch, args.output, args.weights)
    except (ImportError, ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {out} and {out.with_suffix('.json')}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinycnn.tools.export_torchvision",
                                     description="Export torchvision weights to .npz for tinycnn.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
