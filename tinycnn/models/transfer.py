"""Transfer learning: freeze a pretrained backbone, replace the head, fine-tune, or take
deep features out for KNN / SVM (reports 001, 002, 003, 004).

    model = tinycnn.models.resnet18(weights="resnet18.npz")    # exported ImageNet weights
    freeze(model)                                              # nothing trains ...
    replace_head(model, 2)                                     # ... but the new fc (ants/bees)
    opt = tinycnn.optim.SGD(trainable_parameters(model), lr=1e-3, momentum=0.9)

    # or fine-tune everything, the backbone with a 10x smaller learning rate:
    opt = tinycnn.optim.SGD(param_groups(model, {"fc": 1e-3, "": 1e-4}), lr=1e-3)

    # or deep features for scikit-learn:
    f = feature_extractor(model, "avgpool", flatten=True)    # x -> (N, 512)

A frozen prefix costs no backward work: an op records a graph node only when one of its
inputs requires grad, so the frozen layers run forward only, and backward stops where the
first trainable parameter enters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .. import nn

# --------------------------------------------------------------------------- freezing

# freeze(module) / unfreeze(module) are tinycnn.nn's (module.requires_grad_(False/True)),
# re-exported here so the whole transfer-learning kit is in one place.
freeze = nn.freeze
unfreeze = nn.unfreeze


def trainable_parameters(model: nn.Module) -> list[Any]:
    """The parameters that require grad: what an optimizer for fine-tuning should get."""
    return [p for p in model.parameters() if p.requires_grad]


# --------------------------------------------------------------------------- heads


def _submodule(model: nn.Module, name: str) -> nn.Module:
    modules = dict(model.named_modules())
    if name not in modules:
        top = [n for n, _ in model.named_children()]
        raise ValueError(f"{type(model).__name__} has no submodule {name!r}; its top-level "
                         f"modules are {top} (see print(model) for the full names)")
    return modules[name]


def head_name(model: nn.Module) -> str:
    """Dotted name of the model's final classifier layer: the zoo model's ``head_name``,
    else the last `nn.Linear` registered in the model."""
    name = getattr(model, "head_name", None)
    if name:
        return name
    linears = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(f"{type(model).__name__} has no nn.Linear layer to replace")
    return linears[-1]


def replace_head(model: nn.Module, num_classes: int) -> nn.Linear:
    """Swap the final Linear for a new, freshly initialised one with ``num_classes``
    outputs (same inputs, device and dtype); returns the new layer, which trains even if
    the rest of the model is frozen."""
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"replace_head: num_classes must be a positive int, got {num_classes!r}")
    name = head_name(model)
    old = _submodule(model, name)
    if not isinstance(old, nn.Linear):
        raise ValueError(f"replace_head: {name!r} is a {type(old).__name__}, not nn.Linear")
    new = nn.Linear(old.in_features, num_classes, bias=old.bias is not None)
    new.to(old.weight.device, old.weight.dtype)
    parent_name, _, child = name.rpartition(".")
    parent = _submodule(model, parent_name) if parent_name else model
    setattr(parent, child, new)
    return new


# --------------------------------------------------------------------------- features


class _Stop(Exception):
    """Raised by the tap once the wanted activation is known: the rest of the net is
    not computed."""


class FeatureExtractor(nn.Module):
    """``x -> the output of model's submodule `layer```, optionally flattened to (N, D).

    Runs ``model`` only up to ``layer`` (a forward hook grabs the activation and stops the
    forward pass). Inherits the model's train/eval mode: call ``.eval()`` before
    extracting features for KNN/SVM so dropout and BatchNorm behave as at test time.
    """

    def __init__(self, model: nn.Module, layer: str, flatten: bool = False) -> None:
        super().__init__()
        _submodule(model, layer)  # fail now, with the list of names, on a typo
        self.model = model
        self.layer = layer
        self.flatten = flatten

    def forward(self, x: Any) -> Any:
        box: list[Any] = []

        def tap(module: Any, inputs: Any, output: Any) -> None:
            box.append(output)
            raise _Stop

        handle = _submodule(self.model, self.layer).register_forward_hook(tap)
        try:
            self.model(x)
        except _Stop:
            pass
        finally:
            handle.remove()
        if not box:
            raise RuntimeError(f"feature_extractor: {self.layer!r} did not run in "
                               f"{type(self.model).__name__}.forward")
        out = box[0]
        return out.flatten(1) if self.flatten else out


def feature_extractor(model: nn.Module, layer: str, flatten: bool = False) -> FeatureExtractor:
    """A module that maps x to the activation of ``model``'s submodule ``layer`` (dotted
    name as in ``named_modules()``: ``"avgpool"``, ``"features.28"``, ``"classifier.4"``)."""
    return FeatureExtractor(model, layer, flatten)


# --------------------------------------------------------------------------- learning rates


def param_groups(model: nn.Module, lrs: Mapping[str, float]) -> list[dict[str, Any]]:
    """Optimizer parameter groups with a learning rate per submodule (name prefix).

    ``param_groups(model, {"features": 1e-4, "classifier": 1e-3})`` gives
    ``[{"params": [...features...], "lr": 1e-4}, {"params": [...classifier...], "lr": 1e-3}]``.
    Each trainable parameter goes to the longest prefix that matches its name (``""``
    matches everything); frozen parameters are left out; trainable ones that no prefix
    matches form a last group with no "lr" (the optimizer's default applies).
    """
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups: dict[str, list[Any]] = {prefix: [] for prefix in lrs}
    rest: list[Any] = []
    for name, p in named:
        hits = [pre for pre in lrs if pre == "" or name == pre or name.startswith(pre + ".")]
        if hits:
            groups[max(hits, key=len)].append(p)
        else:
            rest.append(p)
    empty = [pre for pre, ps in groups.items() if not ps]
    if empty:
        raise ValueError(f"param_groups: no trainable parameter under {empty}; trainable "
                         f"top-level modules are {_tops(n for n, _ in named)}")
    out = [{"params": groups[pre], "lr": float(lr)} for pre, lr in lrs.items()]
    if rest:
        out.append({"params": rest})
    return out


def _tops(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(n.split(".")[0] for n in names))
